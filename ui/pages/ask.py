"""问答: the question box, 新对话 (follow-ups), 筛选 (filters), the answer with its citations, and the
clause viewer beside it; the ``/ask`` endpoint.

Handlers take the shared :class:`~ui.state.WebApp` first (``ui/app.py`` binds it). No
``from __future__ import annotations`` here: Gradio reads the endpoints' annotations as objects.
"""

import dataclasses
import json
import logging
from typing import Any

import gradio as gr

from qa.conversation import Turn

from .. import render
from ..state import WebApp
from ..thread import Entry, FilterForm, filter_chips, render_thread
from . import memo

log = logging.getLogger(__name__)

FILTER_LABEL = "筛选：文件类型 · 地区 · 状态 · 日期"
PLACEHOLDER = ("<div class='pq-placeholder'>输入问题后按回车。回答中的 <b>[1]</b> 标记和引用条款都可以点击，"
               "原文、上下文和文件信息会显示在条款查看区。可以接着追问（如“那……呢？”），"
               "整段对话都留在这里，可一并导出。</div>")


@dataclasses.dataclass(frozen=True)
class AskView:
    """The components of 问答 that events read or write."""

    question: gr.Textbox
    ask_btn: gr.Button
    new_btn: gr.Button
    f_types: gr.Dropdown
    f_regions: gr.Dropdown
    f_status: gr.Dropdown
    f_from: gr.Textbox
    f_to: gr.Textbox
    filter_bar: gr.Accordion
    chips: gr.HTML
    answer_html: gr.HTML
    memo: memo.MemoView
    evidence_html: gr.HTML
    thread: gr.State
    clear_request: gr.Textbox
    clear_btn: gr.Button
    retry_btn: gr.Button

    @property
    def filters(self) -> list[Any]:
        return [self.f_types, self.f_regions, self.f_status, self.f_from, self.f_to]


def layout(web: WebApp, choices: dict[str, list[tuple[str, str]]]) -> AskView:
    """Build 问答 inside the current tab: the thread and its tools, the filter bar (its chips under it),
    the question box at the bottom | clause viewer."""
    with gr.Row(equal_height=False, elem_id="ask-row"):
        with gr.Column(scale=6, min_width=320, elem_id="ask-column"):
            answer_html = gr.HTML(PLACEHOLDER, elem_id="answer")
            tools = memo.layout()
            with gr.Accordion(FILTER_LABEL, open=False, elem_id="filters") as filter_bar:
                with gr.Row():
                    f_types = gr.Dropdown(choices["doc_types"], multiselect=True, label="文件类型",
                                          elem_id="filter-types")
                    f_regions = gr.Dropdown(choices["regions"], multiselect=True, label="地区",
                                            elem_id="filter-regions")
                    f_status = gr.Dropdown(choices["statuses"], multiselect=True, label="状态",
                                           elem_id="filter-status")
                with gr.Row():
                    f_from = gr.Textbox(label="起始日期", placeholder="如 2021-01-01 或 2021",
                                        elem_id="filter-from")
                    f_to = gr.Textbox(label="截止日期", placeholder="如 2024-12-31", elem_id="filter-to")
            chips = gr.HTML("", elem_id="filter-chips", padding=False)
            with gr.Row(elem_id="question-row"):
                question = gr.Textbox(label="问题", show_label=False, lines=1, max_lines=3, scale=8, autofocus=True,
                                      placeholder="输入问题，按回车提问。例如：我们要把用户数据传给境外的母公司，要走什么手续？",
                                      elem_id="question")
                ask_btn = gr.Button("提问", variant="primary", scale=1, min_width=64, elem_id="ask")
                new_btn = gr.Button("新对话", scale=1, min_width=64, elem_id="new-conversation")
        with gr.Column(scale=5, min_width=320, elem_id="evidence-column"):
            evidence_html = gr.HTML(render.render_evidence(None, web.view), elem_id="evidence")
    thread = gr.State([])
    clear_request = gr.Textbox(visible=False, label="取消筛选")
    clear_btn = gr.Button(visible="hidden", elem_id="pq-clear-filter")
    retry_btn = gr.Button(visible="hidden", elem_id="pq-retry-unfiltered")
    return AskView(question, ask_btn, new_btn, f_types, f_regions, f_status, f_from, f_to, filter_bar, chips,
                   answer_html, tools,
                   evidence_html, thread, clear_request, clear_btn, retry_btn)


# -- the API endpoint (typed; documented in README) ----------------------------------------------
def api_ask(web: WebApp, question: str, doc_types: list[str] | None = None, regions: list[str] | None = None,
            statuses: list[str] | None = None, date_from: str = "", date_to: str = "",
            previous: dict | None = None) -> dict:
    """Answer a question. Filters: doc_types (e.g. 法律, 部门规章), regions (national, 深圳市…),
    statuses (in_force, draft, expired…), date_from/date_to (YYYY-MM-DD). For a follow-up, pass
    the previous result's "turn" as previous. Returns the answer (question, answer, abstained,
    citations, related, warnings, latency_ms) plus "asked" (the question as asked), "filters"
    and "turn"."""
    try:
        prev = Turn(**{k: tuple(v) if isinstance(v, list) else v for k, v in previous.items()}) if previous else None
        answer, asked, turn, fdict = web.ask(question, doc_types, regions, statuses, date_from, date_to, prev)
    except (TypeError, ValueError) as exc:
        raise gr.Error(f"{exc}（previous 须是上一次 /ask 结果中的 turn）" if isinstance(exc, TypeError)
                       else str(exc)) from exc
    out = answer.to_dict()
    out.update(asked=asked.question, follow_up=asked.follow_up, filters=fdict, turn=dataclasses.asdict(turn))
    return out


# -- page handlers ---------------------------------------------------------------------------------
#: what :func:`on_ask` (and 新对话, 取消筛选重试) fill, in the order of ``ui/app.py``'s outputs
ASK_OUTPUTS = ("answer_html", "evidence_html", "turn", "last", "fb_status", "thread", "question", "tools", "export")


def _shown(web: WebApp, thread: list[Entry], error: str = "") -> tuple[str, str]:
    html, viewer = render_thread(thread, web.view, error)
    return html or PLACEHOLDER, viewer


def last_of(entry: Entry) -> dict:
    """The answer 👍 / 👎 rate: the last of the thread."""
    return {"answer": entry.answer, "asked": entry.asked.question, "filters": entry.filters, "id": entry.id}


def on_ask(web: WebApp, question: str, types: list[str] | None, regions: list[str] | None,
           statuses: list[str] | None, dfrom: str | None, dto: str | None, turn: Turn | None,
           thread: list[Entry] | None = None) -> tuple[Any, ...]:
    """提问 / Enter: the thread with the new answer at its end (or the reason it cannot be asked),
    the viewer, the new turn, the answer kept for feedback, the thread; the question box emptied and
    the answer's tools shown."""
    thread = list(thread or [])
    form = FilterForm.of(types, regions, statuses, dfrom, dto)
    try:
        answer, asked, new_turn, fdict = web.ask(question, types, regions, statuses, dfrom, dto, turn)
    except ValueError as exc:
        html, viewer = _shown(web, thread, str(exc))
        return (html, viewer, turn, gr.update(), "", thread, gr.update(), gr.update(), gr.update())
    thread.append(Entry(question.strip(), answer, asked, fdict, form, turn))
    html, viewer = _shown(web, thread)
    return (html, viewer, new_turn, last_of(thread[-1]), "", thread, "", gr.update(visible=True),
            gr.update(visible=True))


def on_new_conversation(web: WebApp) -> tuple[Any, ...]:
    """新对话: forget the thread; an empty question box, answer and viewer; the tools hidden."""
    return (PLACEHOLDER, render.render_evidence(None, web.view), None, None, "", [], "",
            gr.update(visible=False), gr.update(visible=False, open=False))


def filter_bar_label(form: FilterForm) -> str:
    """The filter bar's title: how many filters are in force, when any are."""
    n = len(form.chips())
    return f"{FILTER_LABEL}（已筛选 {n} 项）" if n else FILTER_LABEL


def on_filters_changed(types: list[str] | None, regions: list[str] | None, statuses: list[str] | None,
                       dfrom: str | None, dto: str | None) -> tuple[str, Any]:
    """Any filter changed: the chips under the filter bar and its title."""
    form = FilterForm.of(types, regions, statuses, dfrom, dto)
    return filter_chips(form), gr.update(label=filter_bar_label(form))


def on_clear_filter(web: WebApp, request: str, types: list[str] | None, regions: list[str] | None,
                    statuses: list[str] | None, dfrom: str | None, dto: str | None) -> tuple[Any, ...]:
    """A chip's ×: that filter removed from the panel; the panel's values and the chips."""
    form = FilterForm.of(types, regions, statuses, dfrom, dto)
    try:
        name, value = json.loads(request or "[]")
        form = form.without(str(name), str(value))
    except (ValueError, TypeError):
        log.warning("bad clear-filter request %r", request)
    return (*form.values(), filter_chips(form))


def on_retry_unfiltered(web: WebApp, thread: list[Entry] | None, turn: Turn | None) -> tuple[Any, ...]:
    """取消筛选重试: every filter cleared and the last question asked again without them (its answer
    takes the place of the one found nothing)."""
    thread = list(thread or [])
    cleared = (*FilterForm().values(), "")
    if not thread:
        return (*cleared, *on_new_conversation(web))
    last = thread.pop()
    answer, asked, new_turn, fdict = web.ask(last.question, None, None, None, "", "", last.previous)
    thread.append(Entry(last.question, answer, asked, fdict, FilterForm(), last.previous))
    html, viewer = _shown(web, thread)
    return (*cleared, html, viewer, new_turn, last_of(thread[-1]), "", thread, gr.update(), gr.update(visible=True),
            gr.update(visible=True))

"""问答: the question box, 新对话 (follow-ups), 筛选 (filters), the answer with its citations, and the
clause viewer beside it; the ``/ask`` endpoint.

Handlers take the shared :class:`~ui.state.WebApp` first (``ui/app.py`` binds it). No
``from __future__ import annotations`` here: Gradio reads the endpoints' annotations as objects.
"""

import dataclasses
import uuid
from typing import Any

import gradio as gr

from qa.conversation import Turn

from .. import render
from ..state import WebApp
from . import memo

PLACEHOLDER = ("<div class='pq-placeholder'>输入问题后按回车。回答中的 <b>[1]</b> 标记和引用条款都可以点击，"
               "右侧会显示条款原文、上下文和文件信息。</div>")


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
    answer_html: gr.HTML
    memo: memo.MemoView
    evidence_html: gr.HTML


def layout(web: WebApp, choices: dict[str, list[tuple[str, str]]]) -> AskView:
    """Build 问答 inside the current tab: question, filters, answer and its tools | clause viewer."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=6, min_width=440):
            with gr.Row():
                question = gr.Textbox(show_label=False, lines=1, max_lines=3, scale=8, autofocus=True,
                                      placeholder="输入问题，按回车提问。例如：我们要把用户数据传给境外的母公司，要走什么手续？",
                                      elem_id="question")
                ask_btn = gr.Button("提问", variant="primary", scale=1, min_width=72, elem_id="ask")
                new_btn = gr.Button("新对话", scale=1, min_width=72, elem_id="new-conversation")
            with gr.Accordion("筛选：文件类型 · 地区 · 状态 · 日期", open=False, elem_id="filters"):
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
            answer_html = gr.HTML(PLACEHOLDER, elem_id="answer")
            tools = memo.layout()
        with gr.Column(scale=5, min_width=380):
            evidence_html = gr.HTML(render.render_evidence(None, web.view), elem_id="evidence")
    return AskView(question, ask_btn, new_btn, f_types, f_regions, f_status, f_from, f_to, answer_html, tools,
                   evidence_html)


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
def on_ask(web: WebApp, question: str, types: list[str] | None, regions: list[str] | None,
           statuses: list[str] | None, dfrom: str | None, dto: str | None, turn: Turn | None) -> tuple[Any, ...]:
    """提问 / Enter: the answer (or the reason it cannot be asked), the viewer, the new turn and the
    answer kept for 导出 and feedback."""
    try:
        answer, asked, new_turn, fdict = web.ask(question, types, regions, statuses, dfrom, dto, turn)
    except ValueError as exc:
        return f"<div class='pq-abstain'>{render.esc(exc)}</div>", gr.update(), turn, gr.update(), ""
    last = {"answer": answer, "asked": asked.question, "filters": fdict}
    tag = f"<div class='pq-answer-wrap' data-answer-id='{uuid.uuid4().hex[:12]}'>"
    return (tag + render.render_answer(answer, asked) + "</div>", render.render_evidence(answer, web.view),
            new_turn, last, "")


def on_new_conversation(web: WebApp) -> tuple[Any, ...]:
    """新对话: forget the previous turn and answer; an empty question box, answer and viewer."""
    return None, None, "", PLACEHOLDER, render.render_evidence(None, web.view), ""

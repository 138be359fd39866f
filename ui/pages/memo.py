"""导出 and feedback, the tools under an answer: Markdown / .md / .docx for a memo, 👍 / 👎 with a
comment into ``<index>/feedback.jsonl``; the ``/export_markdown`` and ``/feedback`` endpoints.

Handlers take the shared :class:`~ui.state.WebApp` first (``ui/app.py`` binds it). No
``from __future__ import annotations`` here: Gradio reads the endpoints' annotations as objects.
"""

import dataclasses
import threading
from collections import OrderedDict
from importlib import resources
from typing import Any

import gradio as gr

from .. import render
from ..export import answer_markdown
from ..state import WebApp
from ..thread import Entry, ThreadExporter

_EXPORTER = ThreadExporter()
_RATED: "OrderedDict[tuple[str, str], str]" = OrderedDict()  # (answer id, rating) → the record's id
_RATED_LOCK = threading.Lock()
_RATED_MAX = 20000


@dataclasses.dataclass(frozen=True)
class MemoView:
    """The answer's tools: rating buttons and comment, the export button, status and export box."""

    row: gr.Row
    up_btn: gr.Button
    down_btn: gr.Button
    comment: gr.Textbox
    export_btn: gr.Button
    fb_status: gr.HTML
    export_box: gr.Accordion
    export_md: gr.Textbox
    export_files: gr.File


def _icon(name: str) -> str:
    """The path of an icon of ``ui/static`` (package data; Gradio serves it from its cache)."""
    return str(resources.files("ui").joinpath("static", name))


def layout() -> MemoView:
    """Build the tools row, the feedback status line and the 导出 box (under the answer); the row and
    the box are hidden until there is an answer."""
    with gr.Row(elem_id="answer-tools", visible=False) as row:
        # the thumbs are drawn (ui/static/*.svg), not emoji: a machine without an emoji font shows boxes
        up_btn = gr.Button("有用", icon=_icon("thumb-up.svg"), size="sm", min_width=60, elem_id="fb-up")
        down_btn = gr.Button("有问题", icon=_icon("thumb-down.svg"), size="sm", min_width=60, elem_id="fb-down")
        comment = gr.Textbox(label="反馈意见", show_label=False, placeholder="反馈意见（可选）", scale=4,
                             max_lines=1, elem_id="fb-comment")
        export_btn = gr.Button("导出整段对话（Markdown / Word）", size="sm", min_width=120,
                               elem_id="export")
    fb_status = gr.HTML("", elem_id="fb-status")
    with gr.Accordion("导出", open=False, visible=False, elem_id="export-box") as export_box:
        export_md = gr.Textbox("", label="Markdown（可直接粘贴进备忘录）", lines=10, max_lines=24,
                               buttons=["copy"], interactive=False, elem_id="export-md")
        export_files = gr.File(label="下载 .md / .docx", file_count="multiple",
                               interactive=False, elem_id="export-files")
    return MemoView(row, up_btn, down_btn, comment, export_btn, fb_status, export_box, export_md, export_files)


# -- API endpoints (typed; documented in README) ---------------------------------------------------
def api_export_markdown(web: WebApp, question: str, doc_types: list[str] | None = None,
                        regions: list[str] | None = None, statuses: list[str] | None = None,
                        date_from: str = "", date_to: str = "") -> str:
    """Answer a question and return the answer with its citations as Markdown."""
    try:
        answer, asked, _, _ = web.ask(question, doc_types, regions, statuses, date_from, date_to)
    except ValueError as exc:
        raise gr.Error(str(exc)) from exc
    return answer_markdown(answer, web.view.docs, asked.question)


def api_feedback(web: WebApp, answer: dict, rating: str, comment: str = "") -> dict:
    """Record a rating ("up" or "down") with an optional comment for an answer as returned by /ask;
    returns the line appended to <index>/feedback.jsonl."""
    try:
        return web.record_feedback(answer, rating, comment, answer.get("asked"), answer.get("filters"))
    except ValueError as exc:
        raise gr.Error(str(exc)) from exc


# -- page handlers ---------------------------------------------------------------------------------
def on_feedback(web: WebApp, rating: str, last: dict | None, comment: str) -> tuple[str, str]:
    """👍 / 👎: record the rating of the last answer; the status line, and the comment box cleared.
    The same rating of the same answer is recorded once, however often it is pressed."""
    if not last:
        return "<span class='pq-muted'>请先提问，再评价回答。</span>", comment
    icon = "✔"  # recorded (the same mark for either rating)
    key = (str(last.get("id") or id(last["answer"])), rating)
    with _RATED_LOCK:  # two quick presses: the second waits, then finds the first's record
        done = _RATED.get(key)
        if done is None:
            record = web.record_feedback(last["answer"].to_dict(), rating, comment, last["asked"], last["filters"])
            done = _RATED[key] = str(record["id"])
            while len(_RATED) > _RATED_MAX:
                _RATED.popitem(last=False)
            return (f"<span class='pq-ok' id='fb-done'>{icon} 已记录反馈（{render.esc(done)}），谢谢。</span>"), ""
    return (f"<span class='pq-ok' id='fb-done'>{icon} 这条回答的反馈已记录过（{render.esc(done)}），"
            "没有重复记录。</span>"), comment


def on_export(web: WebApp, thread: list[Entry] | None) -> tuple[Any, ...]:
    """导出: the whole thread (every question, answer and citation) as Markdown and as .md / .docx
    files, the export box opened."""
    if not thread:
        return gr.update(), None, gr.update()
    md, files = _EXPORTER.export(thread, web.view.docs)
    return md, files, gr.update(open=True, visible=True)

"""导出 and feedback, the tools under an answer: Markdown / .md / .docx for a memo, 👍 / 👎 with a
comment into ``<index>/feedback.jsonl``; the ``/export_markdown`` and ``/feedback`` endpoints.

Handlers take the shared :class:`~ui.state.WebApp` first (``ui/app.py`` binds it). No
``from __future__ import annotations`` here: Gradio reads the endpoints' annotations as objects.
"""

import dataclasses
from typing import Any

import gradio as gr

from .. import render
from ..export import answer_markdown
from ..state import WebApp


@dataclasses.dataclass(frozen=True)
class MemoView:
    """The answer's tools: rating buttons and comment, the export button, status and export box."""

    up_btn: gr.Button
    down_btn: gr.Button
    comment: gr.Textbox
    export_btn: gr.Button
    fb_status: gr.HTML
    export_box: gr.Accordion
    export_md: gr.Textbox
    export_files: gr.File


def layout() -> MemoView:
    """Build the tools row, the feedback status line and the 导出 box (under the answer)."""
    with gr.Row(elem_id="answer-tools"):
        up_btn = gr.Button("👍 有用", size="sm", min_width=60, elem_id="fb-up")
        down_btn = gr.Button("👎 有问题", size="sm", min_width=60, elem_id="fb-down")
        comment = gr.Textbox(show_label=False, placeholder="反馈意见（可选）", scale=4,
                             max_lines=1, elem_id="fb-comment")
        export_btn = gr.Button("导出 Markdown / Word", size="sm", min_width=120,
                               elem_id="export")
    fb_status = gr.HTML("", elem_id="fb-status")
    with gr.Accordion("导出", open=False, elem_id="export-box") as export_box:
        export_md = gr.Textbox("", label="Markdown（可直接粘贴进备忘录）", lines=10, max_lines=24,
                               buttons=["copy"], interactive=False, elem_id="export-md")
        export_files = gr.File(label="下载 .md / .docx", file_count="multiple",
                               interactive=False, elem_id="export-files")
    return MemoView(up_btn, down_btn, comment, export_btn, fb_status, export_box, export_md, export_files)


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
    """👍 / 👎: record the rating of the last answer; the status line, and the comment box cleared."""
    if not last:
        return "<span class='pq-muted'>请先提问，再评价回答。</span>", comment
    record = web.record_feedback(last["answer"].to_dict(), rating, comment, last["asked"], last["filters"])
    icon = "👍" if rating == "up" else "👎"
    return (f"<span class='pq-ok' id='fb-done'>{icon} 已记录反馈（{render.esc(record['id'])}），谢谢。"
            "</span>"), ""


def on_export(web: WebApp, last: dict | None) -> tuple[Any, ...]:
    """导出: the last answer as Markdown and its .md / .docx files, the export box opened."""
    if not last:
        return gr.update(), None, gr.update()
    md, files = web.export(last["answer"], last["asked"])
    return md, files, gr.update(open=True)

"""文件库: search the documents, read one as its structure tree (opened from the clause viewer at its
clause), add files, remove one after an in-page confirmation; the ``/search_corpus``, ``/document``,
``/add_documents`` and ``/remove_document`` endpoints.

Handlers take the shared :class:`~ui.state.WebApp` first (``ui/app.py`` binds it). No
``from __future__ import annotations`` here: Gradio reads the endpoints' annotations as objects.
"""

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import gradio as gr

from ingest.titles import book

from .. import render, render_library
from ..forms import filter_choices
from ..state import UPDATE_ERRORS, WebApp, report_dict
from ..uploads import ALLOWED
from .common import header_html

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class LibraryView:
    """The components of 文件库 that events read or write."""

    upload: gr.File
    on_conflict: gr.Radio
    add_btn: gr.Button
    add_report: gr.HTML
    search: gr.Textbox
    table: gr.Dataframe
    cards: gr.HTML
    open_request: gr.Textbox
    open_btn: gr.Button
    doc_html: gr.HTML
    open_doc: gr.Textbox
    remove_btn: gr.Button
    confirm_row: gr.Row
    confirm_text: gr.HTML
    confirm_btn: gr.Button
    cancel_btn: gr.Button
    remove_report: gr.HTML

    @property
    def opened_outputs(self) -> list[Any]:
        """What :func:`opened` fills: the document, its id, the remove button, the confirmation row."""
        return [self.doc_html, self.open_doc, self.remove_btn, self.confirm_row]


def layout(web: WebApp, rows: list[list[str]]) -> LibraryView:
    """Build 文件库 inside the current tab: upload, search and table | the open document."""
    with gr.Row(equal_height=False, elem_id="corpus-row"):
        with gr.Column(scale=5, min_width=320):
            with gr.Accordion(f"＋ 添加文件（PDF、TXT、MD、DOCX、HTML，每个不超过 "
                              f"{web.max_upload_bytes // 1048576} MB）", open=False, elem_id="upload-box"):
                upload = gr.File(file_count="multiple", file_types=sorted(ALLOWED), height=110,
                                 show_label=False, elem_id="upload")
                on_conflict = gr.Radio(CONFLICT_CHOICES, value="ask", label="已有同名文件或同标题文件时",
                                       elem_id="on-conflict")
                add_btn = gr.Button("添加到索引", variant="primary", elem_id="add")
                add_report = gr.HTML("", elem_id="add-report", min_height=24)
            search = gr.Textbox(label="搜索文件", show_label=False, placeholder="搜索标题、发布机关、文号、类型、地区…（回车）",
                                elem_id="corpus-search")
            table = gr.Dataframe(value=rows, headers=render_library.DOC_COLUMNS, interactive=False, wrap=True,
                                 column_widths=render_library.DOC_COLUMN_WIDTHS, max_height=560,
                                 elem_id="corpus-table")
            cards = gr.HTML(render_library.document_cards(web.view.documents), elem_id="corpus-cards", padding=False)
            open_request = gr.Textbox(visible=False, label="打开的文件")
            open_btn = gr.Button(visible="hidden", elem_id="pq-open-doc")
        with gr.Column(scale=6, min_width=320):
            doc_html = gr.HTML(render_library.render_document(None, web.view), elem_id="document")
            open_doc = gr.Textbox(visible=False, label="文件编号", elem_id="open-doc-id")
            remove_btn = gr.Button("从索引中删除这份文件", variant="stop", size="sm", visible=False,
                                   elem_id="remove")
            with gr.Row(visible=False, elem_id="remove-confirm", equal_height=True) as confirm_row:
                confirm_text = gr.HTML("", elem_id="remove-question", container=False)
                confirm_btn = gr.Button("确认删除", variant="stop", size="sm", scale=0, min_width=90,
                                        elem_id="remove-yes")
                cancel_btn = gr.Button("取消", size="sm", scale=0, min_width=70, elem_id="remove-no")
            remove_report = gr.HTML("", elem_id="remove-report")
    return LibraryView(upload, on_conflict, add_btn, add_report, search, table, cards, open_request, open_btn, doc_html, open_doc, remove_btn, confirm_row,
                       confirm_text, confirm_btn, cancel_btn, remove_report)


# -- API endpoints (typed; documented in README) ---------------------------------------------------
def api_search_corpus(web: WebApp, query: str = "") -> list[dict]:
    """Documents whose title, issuer, 文号, type, region or source contain every word of query
    (all documents for an empty query), each with id, title, source, kind, clauses and metadata."""
    return [render_library.document_summary(d) for d in render_library.search_documents(web.view.documents, query)]


def api_document(web: WebApp, doc_id: str) -> dict:
    """One document: metadata and every clause (id, level, label, heading path, page, span, text)."""
    doc = web.view.docs.get(doc_id)
    if doc is None:
        raise gr.Error(f"没有这份文件：{doc_id}")
    return render_library.document_detail(doc, web.view)


# what to do with an upload that would replace indexed documents (index.update: on_conflict)
CONFLICT_CHOICES = [("先告诉我，不替换", "ask"), ("替换已有文件", "replace"), ("两份都保留", "keep")]


def api_add_documents(web: WebApp, files, on_conflict: str = "ask", progress=gr.Progress()):
    """Index uploaded PDF/TXT/MD/DOCX/HTML files (incrementally); returns what was added, replaced,
    refused (with the reason) and the problems the ingest met. A file that would replace indexed
    documents (same file name, or a title with other text) is held back in ``conflicts`` unless
    ``on_conflict`` is "replace" or "keep" (both kept)."""
    pairs = []
    for f in files or []:
        path = f if isinstance(f, str) else getattr(f, "name", str(f))
        original = getattr(f, "orig_name", None) or Path(path).name
        pairs.append((path, original))
    if not pairs:
        raise gr.Error("请先选择要上传的文件。")
    progress(0.0, desc="检查文件…")

    def step(fraction: float, message: str = "") -> None:
        progress(max(0.0, min(1.0, float(fraction))), desc=render_library.progress_zh(message) or "索引中…")

    try:
        report, rejected, names = web.add(pairs, progress=step, on_conflict=on_conflict)
    except UPDATE_ERRORS as exc:  # the index cannot take the update: say why, change nothing
        log.exception("adding %s failed", [n for _, n in pairs])
        return {"error": f"索引未更新：{exc}", "documents": len(web.view.documents)}
    return report_dict(report, rejected, names, len(web.view.documents))


def api_remove_document(web: WebApp, doc_id: str) -> dict:
    """Remove a document (by id) from the index; it stops answering at once."""
    try:
        report = web.remove(doc_id)
    except UPDATE_ERRORS as exc:
        log.exception("removing %s failed", doc_id)
        return {"error": f"索引未更新：{exc}", "documents": len(web.view.documents)}
    return report_dict(report, [], {}, len(web.view.documents))


# -- page handlers ---------------------------------------------------------------------------------
def corpus_rows(web: WebApp, query: str = "") -> tuple[list[list[str]], list[str]]:
    """The table rows of the documents matching ``query`` (all for an empty one), and their ids."""
    docs = render_library.search_documents(web.view.documents, query or "")
    return [render_library.document_row(d) for d in docs], [d.id for d in docs]


def corpus_cards(web: WebApp, query: str = "") -> str:
    """The documents matching ``query`` as cards (the phone layout)."""
    return render_library.document_cards(render_library.search_documents(web.view.documents, query or ""))


def on_search(web: WebApp, query: str) -> tuple[Any, list[str], str]:
    """Search box (Enter): the matching rows, their ids and their cards."""
    rows, ids = corpus_rows(web, query)
    return gr.update(value=rows), ids, corpus_cards(web, query)


def on_open_card(web: WebApp, doc_id: str) -> tuple[Any, ...]:
    """A card of the phone layout's list clicked: that document opened."""
    return opened(web, (doc_id or "").strip())


def opened(web: WebApp, doc_id: str, span: tuple[int, int] | None = None, request: str = "") -> tuple[Any, ...]:
    """A document shown in 文件库: its tree, its id, the remove button; no pending confirmation."""
    doc = web.view.docs.get(doc_id)
    html = render_library.render_document(doc, web.view, span, request) if doc is not None else \
        "<div class='pq-doc pq-empty'><p>这份文件已不在索引中（可能已被删除）。</p></div>"
    return html, doc_id if doc else "", gr.update(visible=doc is not None), gr.update(visible=False)


def on_open(web: WebApp, ids: list[str], evt: gr.SelectData) -> tuple[Any, ...]:
    """A row of the table clicked: that document opened."""
    row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
    if not ids or row is None or row >= len(ids):
        return gr.update(), "", gr.update(visible=False), gr.update(visible=False)
    return opened(web, ids[row])


def on_open_in_corpus(web: WebApp, request: str) -> tuple[Any, ...]:
    """From the clause viewer: 文件库 with the document open at the cited clause."""
    try:
        req = json.loads(request or "{}")
        span = (int(req["start"]), int(req["end"]))
        doc_id, token = str(req["doc"]), str(req.get("token", ""))
    except (ValueError, KeyError, TypeError):
        log.warning("bad open-in-corpus request %r", request)
        return gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
    return (gr.Tabs(selected="corpus-tab"), *opened(web, doc_id, span, token))


def on_remove_ask(web: WebApp, doc_id: str) -> tuple[Any, ...]:
    """The in-page confirmation before a removal: 确认删除《title》？"""
    doc = web.view.docs.get(doc_id or "")
    if doc is None:
        return (gr.update(visible=False), gr.update(visible=False), "",
                f"<p class='pq-error'>✖ 没有这份文件：{render.esc(doc_id)}</p>")
    return (gr.update(visible=False), gr.update(visible=True),
            f"<span title='删除后它立即不再参与回答'>确认删除{render.esc(book(doc.title))}？</span>", "")


def on_remove_cancel() -> tuple[Any, ...]:
    """取消: the remove button back, the confirmation gone."""
    return gr.update(visible=True), gr.update(visible=False), ""


def show_report(web: WebApp, result: dict, query: str) -> tuple[Any, ...]:
    """After an add: its report, the table, the header's count and the filters' choices refreshed."""
    html = render_library.render_update(result or {})
    rows, ids = corpus_rows(web, query)
    choices = filter_choices(web.view.documents)
    return (html, gr.update(value=rows), ids, header_html(len(web.view.documents)),
            gr.update(choices=choices["doc_types"]), gr.update(choices=choices["regions"]),
            gr.update(choices=choices["statuses"]), corpus_cards(web, query))


def after_remove(web: WebApp, result: dict, query: str, doc_id: str) -> tuple[Any, ...]:
    """After a removal: as :func:`show_report`, and the document closed (kept open if not removed)."""
    out = show_report(web, result, query)
    if doc_id in web.view.docs:  # not removed (the index could not take the update): it stays open
        return (*out, gr.update(), doc_id, gr.update(visible=True), gr.update(visible=False))
    return (*out, render_library.render_document(None, web.view), "", gr.update(visible=False), gr.update(visible=False))

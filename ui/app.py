"""The Gradio workspace for compliance officers: ask, read the cited clauses, browse and edit the corpus.

Layout and wiring only; the HTML comes from :mod:`ui.render`, exports from :mod:`ui.export`,
feedback from :mod:`ui.feedback`, upload checks from :mod:`ui.uploads`. The page's API
endpoints (see README, *Web UI API*) are:

``/ask``, ``/search_corpus``, ``/document``, ``/add_documents``, ``/remove_document``,
``/export_markdown``, ``/feedback``.
"""

import dataclasses
import json
import logging
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.store import IndexOpenError
from ingest.types import IngestError
from qa.conversation import Rewrite, TitleIndex, Turn, ask_in_context, rewrite, turn_after

from . import render
from .export import answer_docx, answer_markdown
from .feedback import FeedbackLog, feedback_record
from .forms import filter_choices, filters_dict, make_filters
from .uploads import ALLOWED, stage_uploads

if TYPE_CHECKING:  # pragma: no cover
    import gradio as gr

    from settings import Settings
    from qa.engine import PolicyQA
    from qa.types import Answer

log = logging.getLogger(__name__)

FONT_STACK = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Source Sans Pro",
              "system-ui", "sans-serif"]
CSS = """
.gradio-container {width: 100% !important; max-width: 1440px !important; margin: 0 auto !important}
.gradio-container > .main, .gradio-container .contain {padding-top: 0 !important}
#pq-header {display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; margin: 2px 0 -4px 0}
#pq-header h2 {margin: 0; font-size: 1.3em; color: #1f2328}
#pq-header p {margin: 0; color: #57606a; font-size: 0.9em}
#question textarea {font-size: 1.05em}
#answer {min-height: 200px}
.pq-answer {line-height: 1.75; font-size: 0.98em}
.pq-text {margin: 4px 0 10px 0}
.pq-answer h4 {margin: 12px 0 4px 0; font-size: 0.95em; color: #24292f}
.pq-marker {color: #0b57d0; font-weight: 600; text-decoration: none; padding: 0 1px; cursor: pointer}
.pq-marker:hover, .pq-marker.pq-selected {background: #e8f0fe; border-radius: 3px}
.pq-cites {margin: 0; padding-left: 0; list-style: none}
.pq-cite-item {border: 1px solid #d0d7de; border-radius: 8px; padding: 6px 10px; margin: 5px 0; cursor: pointer;
  background: #fff}
.pq-cite-item:hover, .pq-cite-item.pq-selected {border-color: #0b57d0; background: #f5f8ff}
.pq-num {color: #0b57d0; font-weight: 700}
.pq-label {font-weight: 600}
.pq-quote {color: #57606a; font-size: 0.9em; margin-top: 2px}
.pq-muted {color: #6e7781; font-size: 0.88em}
.pq-latency {text-align: right; margin-top: 4px}
.pq-warn {color: #7a4a00; background: #fff8e6; border: 1px solid #f0d58c; border-radius: 6px; padding: 6px 10px;
  margin: 4px 0 8px 0}
.pq-abstain {color: #7a1c1c; background: #fdf0f0; border: 1px solid #f2c4c4; border-radius: 6px;
  padding: 8px 12px; margin: 4px 0 8px 0}
.pq-followup {color: #1a5d2c; background: #eef8f0; border-radius: 6px; padding: 4px 10px; margin-bottom: 6px;
  font-size: 0.9em}
.pq-related-box summary {cursor: pointer; color: #57606a; margin-top: 8px}
.pq-placeholder {color: #6e7781; padding: 18px 4px}
#evidence {position: sticky; top: 8px}
.pq-viewer {border: 1px solid #d0d7de; border-radius: 10px; padding: 12px 16px; background: #fbfcfd;
  height: calc(100vh - 190px); min-height: 360px; overflow-y: auto}
.pq-viewer.pq-empty {display: flex; align-items: center; justify-content: center; color: #6e7781;
  text-align: center}
.pq-view {display: none}
.pq-view.pq-active {display: block}
.pq-view-head {position: sticky; top: -12px; background: #fbfcfd; padding: 4px 0 6px 0; z-index: 1;
  border-bottom: 1px solid #e5e7eb; margin-bottom: 4px}
.pq-view-title {margin: 0 0 4px 0; font-size: 1.02em}
.pq-path {color: #0b57d0; font-size: 0.88em; margin-bottom: 2px}
.pq-where {color: #6e7781; font-size: 0.82em; margin-bottom: 2px}
.pq-meta-line {color: #424a53; font-size: 0.84em; margin: 1px 0}
.pq-page {color: #24292f}
.pq-clause {white-space: pre-wrap; line-height: 1.75; padding: 6px 10px; margin: 6px 0; border-radius: 6px}
.pq-near {color: #6e7781; background: #f3f4f6; font-size: 0.92em}
.pq-cited {background: #fff; border-left: 3px solid #0b57d0}
.pq-cited mark, .pq-view mark {background: #ffe58a; color: #111; padding: 1px 0; border-radius: 2px}
.pq-meta {display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0 0 0;
  font-size: 0.88em}
.pq-meta dt {color: #6e7781}
.pq-meta dd {margin: 0}
.pq-meta-box summary {cursor: pointer; color: #57606a; font-size: 0.9em; margin-top: 8px}
.pq-status {display: inline-block; font-size: 0.78em; font-weight: 600; border-radius: 10px; padding: 0 8px;
  vertical-align: middle}
.pq-status-in_force {background: #dafbe1; color: #1a7f37}
.pq-status-draft {background: #fff1c2; color: #7a4a00}
.pq-status-expired, .pq-status-superseded {background: #ffe1e1; color: #a40e26}
.pq-status-unknown {background: #eaeef2; color: #57606a}
.pq-doc {border: 1px solid #d0d7de; border-radius: 10px; padding: 12px 16px; background: #fbfcfd;
  max-height: calc(100vh - 230px); overflow-y: auto}
.pq-doc h3 {margin: 0 0 6px 0}
.pq-node {margin: 4px 0 4px 0; padding-left: 10px; border-left: 2px solid #d0d7de}
.pq-node > summary {font-weight: 600; cursor: pointer; padding: 2px 0}
.pq-article {white-space: pre-wrap; line-height: 1.7; margin: 4px 0; padding: 2px 4px}
.pq-intro {white-space: pre-wrap; color: #57606a; margin: 4px 0}
.pq-preamble {border-bottom: 1px dashed #d0d7de; padding-bottom: 6px}
.pq-ok {color: #1a7f37; margin: 2px 0}
.pq-error {color: #a40e26; margin: 2px 0}
#corpus-table {font-size: 0.9em}
.pq-open-doc {color: #0b57d0; white-space: nowrap}
.pq-ctx {margin: 4px 0 0 0; padding: 2px 0 0 8px; border-left: 2px solid #e5e7eb; font-size: 0.92em}
.pq-ctx-head {color: #6e7781; font-size: 0.85em}
.pq-ctx-list {margin: 0; padding: 0; list-style: none}
.pq-ctx-item {cursor: pointer; border-radius: 4px; padding: 1px 4px}
.pq-ctx-item:hover, .pq-ctx-item.pq-selected {background: #e8f0fe}
.pq-ctx-ref {color: #57606a}
.pq-ctx-label {font-weight: 600}
.pq-focus {background: #fff8d6; box-shadow: inset 3px 0 0 #d4a72c; border-radius: 4px}
.pq-article.pq-focus {padding: 6px 8px}
#remove-confirm {border: 1px solid #f2c4c4; background: #fdf0f0; border-radius: 8px; padding: 1px 8px;
  align-items: center; gap: 8px}
#remove-question {color: #7a1c1c; font-weight: 600; min-height: 0 !important}
#remove-question .html-container {padding: 0 4px !important}
"""
# Clicking anything with data-view="KEY" shows the viewer section pq-view-KEY (event delegation,
# so it works for HTML rendered after page load) and scrolls the viewer to its highlighted quote.
HEAD = """
<script>
document.addEventListener('keydown', function (ev) {
  if ((ev.key === 'Enter' || ev.key === ' ') && ev.target.matches && ev.target.matches('li[data-view]')) {
    ev.preventDefault();
    ev.target.click();
  }
});
// "在文件库中查看全文": ask the server (hidden button #pq-open-in-corpus, which reads
// window.pqOpenRequest) to switch to 文件库 with the document open, then scroll its tree to the
// clause once that very rendering (data-request = the token) is on screen.
function pqOpenInCorpus(link) {
  var token = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  window.pqOpenRequest = JSON.stringify({doc: link.getAttribute('data-open-doc'),
    clause: link.getAttribute('data-clause'), start: +link.getAttribute('data-start'),
    end: +link.getAttribute('data-end'), token: token});
  var button = document.getElementById('pq-open-in-corpus');
  if (!button) return;
  button.click();
  var until = Date.now() + 60000;
  (function scrollWhenShown() {
    var doc = document.querySelector('.pq-doc[data-request="' + token + '"]');
    var focus = doc && doc.querySelector('.pq-focus');
    if (focus && focus.getClientRects().length) {
      doc.scrollIntoView({block: 'nearest'});
      doc.scrollTop += focus.getBoundingClientRect().top - doc.getBoundingClientRect().top - 60;
      doc.setAttribute('data-scrolled', '1');
    } else if (Date.now() < until && !(doc && !focus)) {
      requestAnimationFrame(scrollWhenShown);
    }
  })();
}
// When 确认删除《…》？ appears, the keyboard is on 取消 (the safe choice; Tab reaches 确认删除).
new MutationObserver(function () {
  var row = document.getElementById('remove-confirm');
  var shown = !!(row && row.offsetParent);
  if (shown && !window.pqConfirmShown) {
    var no = document.getElementById('remove-no');
    if (no) { no.focus(); window.pqConfirmShown = true; }
  } else if (!shown) { window.pqConfirmShown = false; }
}).observe(document.documentElement, {childList: true, subtree: true});
document.addEventListener('click', function (ev) {
  var open = ev.target.closest ? ev.target.closest('[data-open-doc]') : null;
  if (open) { ev.preventDefault(); pqOpenInCorpus(open); return; }
  var el = ev.target.closest ? ev.target.closest('[data-view]') : null;
  if (!el) return;
  ev.preventDefault();
  var key = el.getAttribute('data-view');
  var view = document.getElementById('pq-view-' + key);
  if (!view) return;
  document.querySelectorAll('.pq-view').forEach(function (v) { v.classList.toggle('pq-active', v === view); });
  document.querySelectorAll('[data-view]').forEach(function (m) {
    m.classList.toggle('pq-selected', m.getAttribute('data-view') === key);
  });
  var box = view.closest('.pq-viewer');
  var mark = view.querySelector('mark');
  if (box) {
    box.scrollTop = 0;
    if (mark) { box.scrollTop = Math.max(0, mark.getBoundingClientRect().top - box.getBoundingClientRect().top - 150); }
  }
  if (box && window.innerWidth < 900) { box.scrollIntoView({block: 'start'}); }
});
</script>
"""
PLACEHOLDER = ("<div class='pq-placeholder'>输入问题后按回车。回答中的 <b>[1]</b> 标记和引用条款都可以点击，"
               "右侧会显示条款原文、上下文和文件信息。</div>")


def _header(n_docs: int) -> str:
    return (f"<div id='pq-header'><h2>政策法规问答</h2><p>基于 <b id='pq-doc-count'>{n_docs}</b> "
            "份政策法规文件作答；每个回答都引用原文条款，可点击查看上下文。</p></div>")


class WebApp:
    """What the page's handlers share: the engine, views of its current index version, the
    feedback log and the upload folder. Every handler reads ``engine.data`` when it runs, so
    after an add or remove the next request sees the new index."""

    def __init__(self, engine: "PolicyQA", settings: "Settings | None" = None) -> None:
        self.engine = engine
        self.settings = settings or engine.settings
        index_dir = Path(self.settings.index_dir)
        self.feedback = FeedbackLog(index_dir / "feedback.jsonl")
        self.upload_dir = index_dir / "uploads"
        self.max_upload_bytes = self.settings.upload_max_mb * 1024 * 1024
        self._views: tuple[Any, render.CorpusView, TitleIndex] | None = None
        self._views_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._export_dir: Path | None = None

    # -- views of the live index -------------------------------------------------------------
    def _current(self) -> tuple[render.CorpusView, TitleIndex]:
        data = self.engine.data
        with self._views_lock:
            if self._views is None or self._views[0] is not data:
                self._views = (data, render.CorpusView.of(data), TitleIndex.from_documents(data.documents))
            return self._views[1], self._views[2]

    @property
    def view(self) -> render.CorpusView:
        return self._current()[0]

    @property
    def titles(self) -> TitleIndex:
        return self._current()[1]

    @property
    def index_version(self) -> str:
        return str((self.engine.data.manifest or {}).get("version", ""))

    # -- asking ------------------------------------------------------------------------------
    def ask(self, question: str, doc_types=None, regions=None, statuses=None, date_from: str | None = None,
            date_to: str | None = None, previous: Turn | None = None) -> tuple["Answer", Rewrite, Turn, dict]:
        """Answer ``question`` (a follow-up of ``previous`` when it is one) under the panel's filters."""
        if not question or not question.strip():
            raise ValueError("请输入问题。")
        filters = make_filters(doc_types, regions, statuses, date_from, date_to)
        titles = self.titles
        asked = rewrite(question, previous, titles)
        answer = ask_in_context(self.engine, asked, filters)
        return answer, asked, turn_after(question, asked, answer, titles), filters_dict(filters)

    # -- documents ---------------------------------------------------------------------------
    def add(self, files: list[tuple[str, str]], progress=None) -> tuple[Any, list[tuple[str, str]], dict[str, str]]:
        """Check, stage and index uploaded ``(temporary path, name)`` pairs; returns the engine's
        report, the refused files with their reason, and the staged → uploaded names."""
        staged = stage_uploads(files, self.upload_dir, self.max_upload_bytes)
        report = None
        if staged.paths:
            with self._write_lock:
                report = self.engine.add(staged.paths, progress=progress)
        return report, staged.rejected, staged.names

    def remove(self, doc_id: str) -> Any:
        if not doc_id or doc_id not in self.view.docs:
            raise ValueError(f"没有这份文件：{doc_id!r}")
        with self._write_lock:
            return self.engine.remove([doc_id])

    def export(self, answer: "Answer", asked: str | None = None) -> tuple[str, list[str]]:
        """The Markdown text, and the .md and .docx files to download."""
        docs = self.view.docs
        md = answer_markdown(answer, docs, asked)
        if self._export_dir is None:
            self._export_dir = Path(tempfile.mkdtemp(prefix="policyqa-export-"))
        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.perf_counter_ns() % 100000:05d}"
        md_path = self._export_dir / f"policyqa-{stamp}.md"
        md_path.write_text(md, encoding="utf-8")
        docx_path = answer_docx(answer, self._export_dir / f"policyqa-{stamp}.docx", docs, asked)
        return md, [str(md_path), str(docx_path)]

    def record_feedback(self, answer: dict, rating: str, comment: str = "", asked: str | None = None,
                        filters: dict | None = None) -> dict:
        record = feedback_record(answer, rating, comment, asked, filters, self.index_version)
        return self.feedback.append(record)


UPDATE_ERRORS = (ValueError, OSError, IndexOpenError, IngestError)


def _report_dict(report: Any, rejected: list[tuple[str, str]], names: dict[str, str], n_docs: int) -> dict:
    """An UpdateReport (or None when every file was refused) as the JSON the API returns."""
    out: dict[str, Any] = report.to_dict() if report is not None else {}
    out.pop("index_path", None)
    out["rejected"] = [{"file": n, "reason": r} for n, r in rejected]
    out["staged_as"] = names
    out["documents"] = n_docs
    return out


def build_app(engine: "PolicyQA", settings: "Settings | None" = None) -> "gr.Blocks":
    """The Blocks app over an open engine (launch it with :func:`launch`)."""
    import gradio as gr

    web = WebApp(engine, settings)

    # -- API endpoints (typed; documented in README) -------------------------------------------
    def api_ask(question: str, doc_types: list[str] | None = None, regions: list[str] | None = None,
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

    def api_search_corpus(query: str = "") -> list[dict]:
        """Documents whose title, issuer, 文号, type, region or source contain every word of query
        (all documents for an empty query), each with id, title, source, kind, clauses and metadata."""
        return [render.document_summary(d) for d in render.search_documents(web.view.documents, query)]

    def api_document(doc_id: str) -> dict:
        """One document: metadata and every clause (id, level, label, heading path, page, span, text)."""
        doc = web.view.docs.get(doc_id)
        if doc is None:
            raise gr.Error(f"没有这份文件：{doc_id}")
        return render.document_detail(doc, web.view)

    def api_export_markdown(question: str, doc_types: list[str] | None = None, regions: list[str] | None = None,
                            statuses: list[str] | None = None, date_from: str = "", date_to: str = "") -> str:
        """Answer a question and return the answer with its citations as Markdown."""
        try:
            answer, asked, _, _ = web.ask(question, doc_types, regions, statuses, date_from, date_to)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        return answer_markdown(answer, web.view.docs, asked.question)

    def api_feedback(answer: dict, rating: str, comment: str = "") -> dict:
        """Record a rating ("up" or "down") with an optional comment for an answer as returned by /ask;
        returns the line appended to <index>/feedback.jsonl."""
        try:
            return web.record_feedback(answer, rating, comment, answer.get("asked"), answer.get("filters"))
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc

    # -- UI handlers -----------------------------------------------------------------------------
    def on_ask(question, types, regions, statuses, dfrom, dto, turn):
        try:
            answer, asked, new_turn, fdict = web.ask(question, types, regions, statuses, dfrom, dto, turn)
        except ValueError as exc:
            return f"<div class='pq-abstain'>{render.esc(exc)}</div>", gr.update(), turn, gr.update(), ""
        last = {"answer": answer, "asked": asked.question, "filters": fdict}
        tag = f"<div class='pq-answer-wrap' data-answer-id='{uuid.uuid4().hex[:12]}'>"
        return (tag + render.render_answer(answer, asked) + "</div>", render.render_evidence(answer, web.view),
                new_turn, last, "")

    def on_new_conversation():
        return None, None, "", PLACEHOLDER, render.render_evidence(None, web.view), ""

    def on_feedback(rating, last, comment):
        if not last:
            return "<span class='pq-muted'>请先提问，再评价回答。</span>", comment
        record = web.record_feedback(last["answer"].to_dict(), rating, comment, last["asked"], last["filters"])
        icon = "👍" if rating == "up" else "👎"
        return (f"<span class='pq-ok' id='fb-done'>{icon} 已记录反馈（{render.esc(record['id'])}），谢谢。"
                "</span>"), ""

    def on_export(last):
        if not last:
            return gr.update(), None, gr.update()
        md, files = web.export(last["answer"], last["asked"])
        return md, files, gr.update(open=True)

    def corpus_rows(query: str = ""):
        docs = render.search_documents(web.view.documents, query or "")
        return [render.document_row(d) for d in docs], [d.id for d in docs]

    def on_search(query):
        rows, ids = corpus_rows(query)
        return gr.update(value=rows), ids

    def opened(doc_id: str, span: tuple[int, int] | None = None, request: str = ""):
        """A document shown in 文件库: its tree, its id, the remove button; no pending confirmation."""
        doc = web.view.docs.get(doc_id)
        html = render.render_document(doc, web.view, span, request) if doc is not None else \
            "<div class='pq-doc pq-empty'><p>这份文件已不在索引中（可能已被删除）。</p></div>"
        return html, doc_id if doc else "", gr.update(visible=doc is not None), gr.update(visible=False)

    def on_open(ids, evt: gr.SelectData):
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not ids or row is None or row >= len(ids):
            return gr.update(), "", gr.update(visible=False), gr.update(visible=False)
        return opened(ids[row])

    def on_open_in_corpus(request: str):
        """From the clause viewer: 文件库 with the document open at the cited clause."""
        try:
            req = json.loads(request or "{}")
            span = (int(req["start"]), int(req["end"]))
            doc_id, token = str(req["doc"]), str(req.get("token", ""))
        except (ValueError, KeyError, TypeError):
            log.warning("bad open-in-corpus request %r", request)
            return gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
        return (gr.Tabs(selected="corpus-tab"), *opened(doc_id, span, token))

    def on_remove_ask(doc_id: str):
        """The in-page confirmation before a removal: 确认删除《title》？"""
        doc = web.view.docs.get(doc_id or "")
        if doc is None:
            return (gr.update(visible=False), gr.update(visible=False), "",
                    f"<p class='pq-error'>✖ 没有这份文件：{render.esc(doc_id)}</p>")
        return (gr.update(visible=False), gr.update(visible=True),
                f"<span title='删除后它立即不再参与回答'>确认删除《{render.esc(doc.title)}》？</span>", "")

    def on_remove_cancel():
        return gr.update(visible=True), gr.update(visible=False), ""

    def api_add_documents(files, progress=gr.Progress()):
        """Index uploaded PDF/TXT/MD/DOCX/HTML files (incrementally); returns what was added, replaced,
        refused (with the reason) and the problems the ingest met."""
        pairs = []
        for f in files or []:
            path = f if isinstance(f, str) else getattr(f, "name", str(f))
            original = getattr(f, "orig_name", None) or Path(path).name
            pairs.append((path, original))
        if not pairs:
            raise gr.Error("请先选择要上传的文件。")
        progress(0.0, desc="检查文件…")

        def step(fraction: float, message: str = "") -> None:
            progress(max(0.0, min(1.0, float(fraction))), desc=render.progress_zh(message) or "索引中…")

        try:
            report, rejected, names = web.add(pairs, progress=step)
        except UPDATE_ERRORS as exc:  # the index cannot take the update: say why, change nothing
            log.exception("adding %s failed", [n for _, n in pairs])
            return {"error": f"索引未更新：{exc}", "documents": len(web.view.documents)}
        return _report_dict(report, rejected, names, len(web.view.documents))

    def api_remove_document(doc_id: str) -> dict:
        """Remove a document (by id) from the index; it stops answering at once."""
        try:
            report = web.remove(doc_id)
        except UPDATE_ERRORS as exc:
            log.exception("removing %s failed", doc_id)
            return {"error": f"索引未更新：{exc}", "documents": len(web.view.documents)}
        return _report_dict(report, [], {}, len(web.view.documents))

    def show_report(result: dict, query: str):
        html = render.render_update(result or {})
        rows, ids = corpus_rows(query)
        choices = filter_choices(web.view.documents)
        return (html, gr.update(value=rows), ids, _header(len(web.view.documents)),
                gr.update(choices=choices["doc_types"]), gr.update(choices=choices["regions"]),
                gr.update(choices=choices["statuses"]))

    def after_remove(result: dict, query: str, doc_id: str):
        out = show_report(result, query)
        if doc_id in web.view.docs:  # not removed (the index could not take the update): it stays open
            return (*out, gr.update(), doc_id, gr.update(visible=True), gr.update(visible=False))
        return (*out, render.render_document(None, web.view), "", gr.update(visible=False), gr.update(visible=False))

    choices = filter_choices(web.view.documents)
    rows, ids = corpus_rows()
    theme = gr.themes.Default(primary_hue="blue", neutral_hue="slate", font=FONT_STACK,
                              font_mono=["IBM Plex Mono", "ui-monospace", "monospace"])
    with gr.Blocks(title="policyqa · 政策法规问答", analytics_enabled=False) as app:
        app.pq_theme = theme  # type: ignore[attr-defined]  # applied by launch()
        header = gr.HTML(_header(len(web.view.documents)))
        turn_state = gr.State(None)
        last_state = gr.State(None)
        ids_state = gr.State(ids)
        with gr.Tabs() as tabs:
            with gr.Tab("问答", id="ask-tab", elem_id="ask-tab"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=6, min_width=440):
                        with gr.Row():
                            question = gr.Textbox(show_label=False, lines=1, max_lines=3, scale=8, autofocus=True,
                                                  placeholder="输入问题，按回车提问。例如：我们要把客服数据传到境外，需要申报安全评估吗？",
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
                    with gr.Column(scale=5, min_width=380):
                        evidence_html = gr.HTML(render.render_evidence(None, web.view), elem_id="evidence")
            with gr.Tab("文件库", id="corpus-tab", elem_id="corpus-tab"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=440):
                        with gr.Accordion(f"＋ 添加文件（PDF、TXT、MD、DOCX、HTML，每个不超过 "
                                          f"{web.max_upload_bytes // 1048576} MB）", open=False, elem_id="upload-box"):
                            upload = gr.File(file_count="multiple", file_types=sorted(ALLOWED), height=110,
                                             show_label=False, elem_id="upload")
                            add_btn = gr.Button("添加到索引", variant="primary", elem_id="add")
                            add_report = gr.HTML("", elem_id="add-report", min_height=24)
                        search = gr.Textbox(show_label=False, placeholder="搜索标题、发布机关、文号、类型、地区…（回车）",
                                            elem_id="corpus-search")
                        table = gr.Dataframe(value=rows, headers=render.DOC_COLUMNS, interactive=False, wrap=True,
                                             column_widths=render.DOC_COLUMN_WIDTHS, max_height=560,
                                             elem_id="corpus-table")
                    with gr.Column(scale=6, min_width=440):
                        doc_html = gr.HTML(render.render_document(None, web.view), elem_id="document")
                        open_doc = gr.Textbox(visible=False, elem_id="open-doc-id")
                        remove_btn = gr.Button("从索引中删除这份文件", variant="stop", size="sm", visible=False,
                                               elem_id="remove")
                        with gr.Row(visible=False, elem_id="remove-confirm", equal_height=True) as confirm_row:
                            confirm_text = gr.HTML("", elem_id="remove-question", container=False)
                            confirm_btn = gr.Button("确认删除", variant="stop", size="sm", scale=0, min_width=90,
                                                    elem_id="remove-yes")
                            cancel_btn = gr.Button("取消", size="sm", scale=0, min_width=70, elem_id="remove-no")
                        remove_report = gr.HTML("", elem_id="remove-report")
        open_request = gr.Textbox(visible=False)
        open_in_corpus = gr.Button(visible="hidden", elem_id="pq-open-in-corpus")
        add_result = gr.JSON(visible=False)
        remove_result = gr.JSON(visible=False)

        ask_inputs = [question, f_types, f_regions, f_status, f_from, f_to, turn_state]
        ask_outputs = [answer_html, evidence_html, turn_state, last_state, fb_status]
        for trigger in (question.submit, ask_btn.click):
            trigger(on_ask, ask_inputs, ask_outputs, show_progress="minimal", api_visibility="private")
        new_btn.click(on_new_conversation, None,
                      [turn_state, last_state, question, answer_html, evidence_html, fb_status],
                      api_visibility="private")
        up_btn.click(lambda last, c: on_feedback("up", last, c), [last_state, comment], [fb_status, comment],
                     api_visibility="private")
        down_btn.click(lambda last, c: on_feedback("down", last, c), [last_state, comment], [fb_status, comment],
                       api_visibility="private")
        export_btn.click(on_export, [last_state], [export_md, export_files, export_box], api_visibility="private")
        search.submit(on_search, [search], [table, ids_state], api_visibility="private")
        opened_outputs = [doc_html, open_doc, remove_btn, confirm_row]
        table.select(on_open, [ids_state], opened_outputs, api_visibility="private")
        open_in_corpus.click(on_open_in_corpus, [open_request], [tabs, *opened_outputs],
                             js="(request) => [window.pqOpenRequest || request]", api_visibility="private",
                             show_progress="hidden")
        refresh = [add_report, table, ids_state, header, f_types, f_regions, f_status]
        add_btn.click(api_add_documents, [upload], [add_result], api_name="add_documents",
                      show_progress_on=[add_report], concurrency_limit=1, concurrency_id="index-write",
                      ).then(show_report, [add_result, search], refresh, api_visibility="private",
                             show_progress="hidden")
        remove_btn.click(on_remove_ask, [open_doc], [remove_btn, confirm_row, confirm_text, remove_report],
                         api_visibility="private", show_progress="hidden")
        cancel_btn.click(on_remove_cancel, None, [remove_btn, confirm_row, remove_report], api_visibility="private",
                         show_progress="hidden")
        confirm_btn.click(api_remove_document, [open_doc], [remove_result], api_name="remove_document",
                          concurrency_limit=1, concurrency_id="index-write",
                          ).then(after_remove, [remove_result, search, open_doc],
                                 [remove_report, *refresh[1:], *opened_outputs],
                                 api_visibility="private", show_progress="hidden")
        gr.api(api_ask, api_name="ask")
        gr.api(api_search_corpus, api_name="search_corpus")
        gr.api(api_document, api_name="document")
        gr.api(api_export_markdown, api_name="export_markdown")
        gr.api(api_feedback, api_name="feedback")
    app.pq_web = web  # type: ignore[attr-defined]
    return app


def launch(app: "gr.Blocks", settings: "Settings", host: str = "127.0.0.1", port: int = 7860) -> None:
    """Start serving ``app`` without blocking: queue sized for concurrent readers, upload limit,
    CSS, theme and the clause-viewer script."""
    app.queue(default_concurrency_limit=settings.ui_concurrency)
    app.launch(server_name=host, server_port=port, prevent_thread_lock=True, show_error=True, quiet=True,
               ssr_mode=False, css=CSS, head=HEAD, theme=getattr(app, "pq_theme", None),
               max_file_size=settings.upload_max_mb * 1024 * 1024)


def serve(settings: "Settings", host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> "gr.Blocks":
    """Open the configured index and serve the app; prints the URL once the page can be loaded."""
    from qa.engine import PolicyQA

    engine = PolicyQA.open(settings=settings)
    engine.ask("数据出境安全评估")  # warm up: embedder, jieba and the first query are paid here, not by a user
    app = build_app(engine, settings)
    launch(app, settings, host, port)
    log.info("policyqa UI ready at http://%s:%d", host, port)
    print(f"policyqa UI: http://{host}:{port}", flush=True)  # noqa: T201 - the URL is the command's output
    if block:
        app.block_thread()
    return app

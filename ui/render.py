"""Pure HTML rendering for the web app: answers, the clause viewer, documents and their metadata.

Nothing here touches Gradio or the file system, so all of it is unit-tested without a browser.
All document text is HTML-escaped. Clicking any element with ``data-view="KEY"`` shows the
viewer section ``pq-view-KEY``; one with ``data-open-doc`` opens that document in 文件库 at its
``data-start``/``data-end`` span (the script is ``ui/static/app.js``). Documents in 文件库 and update reports: :mod:`ui.render_library`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING


from ingest.titles import book
from qa.wording import MARKER, marker_numbers
from retrieval.jurisdictions import CODE, jurisdiction_label

from .corpus_view import CorpusView

if TYPE_CHECKING:  # pragma: no cover
    from ingest.types import Document
    from qa.conversation import Rewrite
    from qa.types import Answer

CONTEXT_CHARS = 300  # window around a quote whose clause is unknown
STATUS_ZH = {
    "in_force": "现行有效",
    "draft": "征求意见稿",
    "expired": "已失效",
    "superseded": "已被取代",
    "unknown": "状态未知",
}
REGION_ZH = {"national": "全国", "international": "国际"}
CONTAINER_LEVELS = {"编", "章", "节", "outline1", "outline2", "outline3", "outline4", "para"}


_BLANK_LINES = re.compile(r"[ \t\u3000]*\n(?:[ \t\u3000]*\n)+")


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def esc_text(text: str) -> str:
    """Source text for display: escaped, runs of blank lines shown as one line break (the page
    is ``white-space: pre-wrap``; the source's blank lines between items only waste space)."""
    return esc(_BLANK_LINES.sub("\n", text))


def region_label(region: str | None) -> str:
    """A region as the page names it: 全国, 国际, a place; a jurisdiction's code (SG, EU) by its name."""
    if region and CODE.match(region):
        return jurisdiction_label(region)
    return REGION_ZH.get(region or "", region or "未标注")


def status_label(status: str | None) -> str:
    return STATUS_ZH.get(status or "unknown", status or "状态未知")


def document_date(doc: "Document") -> str:
    meta = doc.meta
    return meta.effective_date or meta.published or meta.adopted or ""


# -- metadata ----------------------------------------------------------------------------
def render_metadata(doc: "Document") -> str:
    """The document's issuers, 文号, dates, type, region and status as a compact table."""
    meta = doc.meta
    rows: list[tuple[str, str]] = []
    rows.append(("发布机关", meta.issuer_line or "未标注"))
    if meta.doc_number:  # a law has none of its own (its 主席令 number, where the text gives it, is one)
        rows.append(("文号", meta.doc_number))
    for value, label in ((meta.published, "发布日期"), (meta.effective_date, "施行日期"), (meta.valid_until, "有效期至")):
        if value:
            rows.append((label, value))
    rows.append(("类型", meta.doc_type or "未标注"))
    rows.append(("地区", region_label(meta.region)))
    if meta.jurisdiction and meta.jurisdiction != "CN":
        rows.append(("法域", meta.jurisdiction_name or region_label(meta.jurisdiction)))
    if meta.language and meta.language != "zh":
        rows.append(("语言", {"en": "英文"}.get(meta.language, meta.language)))
    if meta.topics:
        rows.append(("主题", "、".join(meta.topics)))
    status = meta.status or "unknown"
    rows.append(("状态", f"<span class='pq-status pq-status-{esc(status)}'>{esc(status_label(status))}</span>"))
    for newer, label in ((meta.superseded_by, "已被取代"), (meta.superseded_in_part_by, "部分被取代")):
        if newer:
            rows.append((label, "、".join(book(n) for n in newer)))
    if meta.source_url and re.match(r"https?://", meta.source_url):
        rows.append(("来源", f"<a href='{esc(meta.source_url)}' target='_blank' rel='noopener noreferrer'>"
                             f"{esc(meta.source_url)}</a>"))
    cells = "".join(
        f"<dt>{esc(k)}</dt><dd>{v if k in ('状态', '来源') else esc(v)}</dd>" for k, v in rows
    )
    return f"<dl class='pq-meta'>{cells}</dl>"


def meta_line(doc: "Document") -> str:
    """The metadata in one line: issuers · 文号 · date · type · region · status."""
    meta = doc.meta
    bits = [meta.issuer_line, meta.doc_number or ""]
    if meta.effective_date:
        bits.append(f"{meta.effective_date} 施行")
    elif meta.published:
        bits.append(f"{meta.published} 发布")
    status = meta.status or "unknown"
    line = " · ".join(esc(b) for b in bits if b and b != "unknown")
    kind = " · ".join(esc(b) for b in (meta.doc_type or "", region_label(meta.region) if meta.region else "")
                      if b and b != "unknown")
    return (f"<div class='pq-meta-line'>{line} · <span class='pq-status pq-status-{esc(status)}'>"
            f"{esc(status_label(status))}</span>" + (f" <span class='pq-kind'>（{kind}）</span>" if kind else "")
            + "</div>")


def status_badge(doc: "Document | None") -> str:
    status = (doc.meta.status if doc else None) or "unknown"
    if status in ("in_force", "unknown"):
        return ""
    return f"<span class='pq-status pq-status-{esc(status)}'>{esc(status_label(status))}</span>"


# -- the clause viewer -------------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """One thing the viewer can show: a cited or related span of a source."""

    key: str  # "c1" for citation [1], "r2" for the second related clause
    title: str  # what the list shows, e.g. "[1] 《…》第四条"
    doc_id: str
    clause_id: str
    source: str
    start: int
    end: int
    page: int | None


def evidence_of(answer: "Answer", view: CorpusView, prefix: str = "") -> list[Evidence]:
    """The citations, the related clauses, then the clauses the citations refer to
    (``Answer.context``, keys ``x1``, ``x2``…), as viewer entries. ``prefix`` starts every key (one
    answer of a conversation: ``t2-c1``)."""
    out = [Evidence(f"{prefix}c{c.marker}", f"[{c.marker}] {c.clause}", c.doc_id, c.clause_id, c.source, c.start, c.end,
                    c.page) for c in answer.citations]
    for i, r in enumerate(answer.related, start=1):
        src = view.sources.get(r.source)
        page = src.page_at(r.start) if src else None
        out.append(Evidence(f"{prefix}r{i}", r.clause, view.doc_id_of(r.clause_id, r.source, r.start), r.clause_id, r.source,
                            r.start, r.end, page))
    for i, x in enumerate(answer.context, start=1):
        out.append(Evidence(f"{prefix}x{i}", f"所引条款 · {x.clause}", x.doc_id or view.doc_id_of(x.clause_id, x.source, x.start),
                            x.clause_id, x.source, x.start, x.end, x.page))
    return out


def context_block(answer: "Answer", marker: int, prefix: str = "") -> str:
    """The clauses citation ``[marker]`` refers to, as a small "所引条款" list: the referring words →
    the referenced clause's label and quote; each item opens that clause in the viewer (``x<i>``)."""
    items = "".join(
        f"<li class='pq-ctx-item' data-view='{prefix}x{i}' tabindex='0' role='button' title='查看所引条款'>"
        f"<span class='pq-ctx-ref'>{esc(x.ref)}</span> → <span class='pq-ctx-label'>{esc(x.clause)}</span>"
        f"<div class='pq-quote'>{esc(short_text(x.quote, 70))}</div></li>"
        for i, x in enumerate(answer.context, start=1) if x.marker == marker
    )
    return f"<div class='pq-ctx'><div class='pq-ctx-head'>所引条款</div><ul class='pq-ctx-list'>{items}</ul></div>" \
        if items else ""


def mark_span(text: str, base: int, start: int, end: int) -> str:
    """``text`` (which starts at offset ``base`` of its source) with ``[start, end)`` in <mark>."""
    a, b = max(0, start - base), min(len(text), end - base)
    if b <= 0 or a >= len(text) or a >= b:
        return esc_text(text)
    return esc_text(text[:a]) + "<mark>" + esc_text(text[a:b]) + "</mark>" + esc_text(text[b:])


def render_clause_view(ev: Evidence, view: CorpusView, active: bool = False, extra: str = "") -> str:
    """One viewer section: heading path, the clause with its neighbours, the quote highlighted,
    the document's metadata, the source file, page and character span, a link that opens the
    document in 文件库 at this clause; ``extra`` (HTML) follows the clause."""
    doc = view.docs.get(ev.doc_id)
    src = view.sources.get(ev.source)
    clause = view.clauses.get(ev.clause_id) or (view.clause_at(ev.doc_id, ev.start, ev.end) if doc else None)
    cls = "pq-view pq-active" if active else "pq-view"
    parts = [f"<section class='{cls}' id='pq-view-{esc(ev.key)}' data-key='{esc(ev.key)}'>",
             f"<div class='pq-view-head'><h4 class='pq-view-title'>{esc(ev.title)} {status_badge(doc)}</h4>"]
    if doc is None or src is None:
        parts.append(f"</div><p class='pq-muted'>这份文件已不在索引中（可能已被删除）。</p>{extra}</section>")
        return "".join(parts)
    unit = view.unit_of(clause) if clause else None
    crumbs = [book(doc.title), *(unit.path if unit else ()), *([unit.number] if unit and unit.number else [])]
    parts.append("<div class='pq-path'>" + " › ".join(esc(c) for c in crumbs if c) + "</div>")
    page = ev.page or src.page_at(ev.start)
    where = [f"<b class='pq-page'>PDF 第 {page} 页</b>"] if page else []
    parts.append(meta_line(doc))
    target = unit or clause
    where.append(f"<a class='pq-open-doc' href='#' data-open-doc='{esc(doc.id)}' "
                 f"data-clause='{esc(target.id if target else '')}' data-start='{ev.start}' data-end='{ev.end}' "
                 "title='切换到文件库，打开这份文件并定位到本条'>在文件库中查看全文</a>")
    parts.append("<div class='pq-where'>" + " · ".join(where)
                 + f"<details class='pq-tech'><summary>技术信息</summary>文件 {esc(ev.source)} · "
                 f"字符 {ev.start}–{ev.end}</details></div></div>")
    parts.append("<div class='pq-context'>")
    if unit is not None and unit.start <= ev.start and ev.end <= unit.end:
        before, after = view.neighbours(unit)
        if before is not None:
            parts.append(f"<div class='pq-clause pq-near'>{esc_text(src.text[before.start:before.end])}</div>")
        parts.append(f"<div class='pq-clause pq-cited'>{mark_span(src.text[unit.start:unit.end], unit.start, ev.start, ev.end)}</div>")
        if after is not None:
            parts.append(f"<div class='pq-clause pq-near'>{esc_text(src.text[after.start:after.end])}</div>")
    else:
        a, b = max(0, ev.start - CONTEXT_CHARS), min(len(src.text), ev.end + CONTEXT_CHARS)
        parts.append(f"<div class='pq-clause pq-cited'>{mark_span(src.text[a:b], a, ev.start, ev.end)}</div>")
    parts.append("</div>")
    parts.append(extra)
    parts.append("<details class='pq-meta-box'><summary>文件信息</summary>" + render_metadata(doc) + "</details>")
    parts.append("</section>")
    return "".join(parts)


def evidence_sections(answer: "Answer", view: CorpusView, prefix: str = "", active: bool = True) -> str:
    """The viewer's sections for one answer (keys starting with ``prefix``); with ``active``, its
    first section is the one shown."""
    def extra(ev: Evidence) -> str:
        kind, number = ev.key[len(prefix)], int(ev.key[len(prefix) + 1:])
        if kind == "c":
            return context_block(answer, number, prefix)
        if kind == "x":
            x = answer.context[number - 1]
            return (f"<div class='pq-ctx'><a class='pq-ctx-back' href='#' data-view='{prefix}c{x.marker}'>"
                    f"← [{x.marker}]</a> 中“{esc(x.ref)}”所指的条款</div>")
        return ""

    return "".join(render_clause_view(ev, view, active=active and i == 0, extra=extra(ev))
                   for i, ev in enumerate(evidence_of(answer, view, prefix)))


def render_evidence(answer: "Answer | None", view: CorpusView, prefix: str = "") -> str:
    """The right-hand viewer: one section per citation and related clause, the first shown."""
    if answer is None:
        return EMPTY_VIEWER
    body = evidence_sections(answer, view, prefix)
    if not body:
        return "<div class='pq-viewer pq-empty'><p>没有可显示的条款。</p></div>"
    return f"<div class='pq-viewer'>{body}</div>"


EMPTY_VIEWER = ("<div class='pq-viewer pq-empty'><p>点击回答中的 <b>[1]</b> 标记或引用条款，"
                "在这里查看条款原文、上下文和文件信息。</p></div>")


# -- the answer --------------------------------------------------------------------------
def _with_markers(text: str, tips: dict[int, tuple[str, str]], prefix: str = "") -> str:
    """The answer's text with each ``[n]`` a link to its citation's view, followed by its preview
    (the clause label and quote; shown on hover and keyboard focus, read as the link's description)."""
    def link(m: re.Match[str]) -> str:
        numbers = marker_numbers(m)
        if not all(n in tips for n in numbers):
            return m.group(0)
        out = []
        for n in numbers:
            tip = f"pq-tip-{prefix}c{n}-{m.start()}"
            label, quote = tips[n]
            out.append(f"<span class='pq-mk'><a class='pq-marker' href='#' data-view='{prefix}c{n}' "
                       f"aria-describedby='{tip}'>[{n}]</a><span class='pq-tip' role='tooltip' id='{tip}'>"
                       f"<b class='pq-tip-label'>{esc(label)}</b><span class='pq-tip-quote'>{esc(quote)}</span>"
                       "</span></span>")
        return "".join(out)

    return MARKER.sub(link, esc(text)).replace("\n", "<br>")


def render_answer(answer: "Answer", asked: "Rewrite | None" = None, prefix: str = "", note: str = "") -> str:
    """The answer panel: warnings first, the answer with clickable [n] markers, the citation list;
    an abstention is said plainly with the nearest clauses. ``prefix`` starts the viewer keys (one
    answer of a conversation); ``note`` (HTML) follows an abstention (e.g. that a filter was on)."""
    parts = ["<div class='pq-answer'>"]
    if asked is not None and asked.follow_up:
        parts.append(f"<div class='pq-followup'>按上文理解为：{esc(asked.question)}</div>")
    for w in answer.warnings:
        parts.append(f"<div class='pq-warn' role='alert'>⚠ {esc(w)}</div>")
    if answer.abstained:
        parts.append(f"<div class='pq-abstain'><b>无法回答</b>：{esc(answer.answer)}</div>{note}")
    else:
        tips = {c.marker: (c.clause, short_text(c.quote, 120)) for c in answer.citations}
        parts.append(f"<div class='pq-text'>{_with_markers(answer.answer, tips, prefix)}</div>")
    if answer.citations:
        items = "".join(
            f"<li class='pq-cite'><div class='pq-cite-item' data-view='{prefix}c{c.marker}' tabindex='0' "
            f"role='button'><span class='pq-num'>[{c.marker}]</span> "
            f"<span class='pq-label'>{esc(c.clause)}</span>"
            + (f" <span class='pq-muted'>· 第{c.page}页</span>" if c.page else "")
            + f"<div class='pq-quote'>{esc(short_text(c.quote, 90))}</div></div>"
            f"{context_block(answer, c.marker, prefix)}</li>"
            for c in answer.citations
        )
        parts.append(f"<h4>引用条款</h4><ol class='pq-cites'>{items}</ol>")
    if answer.related:
        label = "最接近的条款（不足以作答）" if answer.abstained else "相关条款（供参考）"
        items = "".join(
            f"<li class='pq-cite-item pq-related' data-view='{prefix}r{i}' tabindex='0' role='button'>"
            f"<span class='pq-label'>{esc(r.clause)}</span>"
            f"<div class='pq-quote'>{esc(short_text(r.snippet, 70))}</div></li>"
            for i, r in enumerate(answer.related, start=1)
        )
        parts.append(f"<details class='pq-related-box'{' open' if answer.abstained else ''}>"
                     f"<summary>{label}</summary><ul class='pq-cites'>{items}</ul></details>")
    parts.append(f"<div class='pq-muted pq-latency'>{answer.latency_ms:.0f} ms</div></div>")
    return "".join(parts)


_SENTENCE_END = "。；！？!?;"
_CLAUSE_END = "，、：,:）)"


def short_text(text: str, n: int) -> str:
    """``text`` on one line, at most about ``n`` characters, cut where a reader would cut it: after the
    last sentence (。；！？) that fits, else at the last clause boundary (，、：), else between two
    words (jieba), never inside one; "…" marks the cut.

    >>> short_text("第一句话。第二句话很长很长很长", 10)
    '第一句话。…'
    >>> short_text("数据处理者向境外提供个人信息的", 12)
    '数据处理者向境外提供…'
    """
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= n:
        return flat
    head = flat[: n - 1]
    cut = max(head.rfind(m) for m in _SENTENCE_END)
    if cut >= n // 3:
        return head[: cut + 1] + "…"
    cut = max(head.rfind(m) for m in _CLAUSE_END)
    if cut >= n // 2:
        return head[:cut] + "…"
    return _word_cut(flat, n - 1) + "…"


def _word_cut(text: str, n: int) -> str:
    """The longest run of whole words (jieba's) from the start of ``text`` within ``n`` characters."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    out = ""
    for word in jieba.cut(text[: n + 12]):
        if len(out) + len(word) > n:
            break
        out += word
    return out.rstrip(_CLAUSE_END + " ") or text[:n]

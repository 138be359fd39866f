"""Pure HTML rendering for 文件库: the document list and search, a document as its structure tree,
and the report of an add or a remove (with the progress messages in Chinese).

Like :mod:`ui.render`, nothing here touches Gradio or the file system; all document text is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ingest.titles import book

from .corpus_view import SUB_LEVELS, CorpusView
from .render import (CONTAINER_LEVELS, document_date, esc, esc_text, mark_span, region_label,
                     render_metadata, short_text, status_badge, status_label)
from .render_versions import render_prevailing, render_versions

if TYPE_CHECKING:  # pragma: no cover
    from ingest.types import Clause, Document


# -- the corpus browser ------------------------------------------------------------------
DOC_COLUMNS = ["标题", "类型", "地区", "状态", "日期"]
DOC_COLUMN_WIDTHS = ["50%", "13%", "11%", "12%", "14%"]


def search_documents(documents: Iterable["Document"], query: str = "") -> list["Document"]:
    """Documents whose title, issuers, 文号, source or type contain every word of ``query``."""
    words = [w.lower() for w in re.split(r"\s+", query.strip()) if w]
    out = []
    for d in documents:
        meta = d.meta
        hay = " ".join([d.title, d.source, meta.doc_number or "", meta.doc_type or "", region_label(meta.region),
                        status_label(meta.status), *meta.issuers]).lower()
        if all(w in hay for w in words):
            out.append(d)
    return out


def type_label(doc_type: str | None) -> str:
    """A document type as the page shows it: 未分类 for none or unknown (as the filter says)."""
    return "未分类" if not doc_type or doc_type == "unknown" else doc_type


def document_row(doc: "Document") -> list[Any]:
    meta = doc.meta
    return [doc.title, type_label(meta.doc_type), region_label(meta.region), status_label(meta.status),
            document_date(doc)]


def document_cards(docs: Iterable["Document"]) -> str:
    """The documents as a list of cards (the phone layout's 文件库): title, then type · region ·
    date and the status; each card opens its document."""
    items = []
    for d in docs:
        meta = d.meta
        bits = " · ".join(esc(b) for b in (type_label(meta.doc_type), region_label(meta.region), document_date(d)) if b)
        items.append(f"<li><button type='button' class='pq-doc-card' data-doc-card='{esc(d.id)}'>"
                     f"<span class='pq-doc-card-title'>{esc(d.title)}</span>"
                     f"<span class='pq-doc-card-meta'>{bits} {status_badge(d) or esc(status_label(meta.status))}"
                     "</span></button></li>")
    if not items:
        return "<p class='pq-doc-cards pq-muted'>没有匹配的文件。</p>"
    return f"<ul class='pq-doc-cards' aria-label='文件列表'>{''.join(items)}</ul>"


def document_summary(doc: "Document") -> dict[str, Any]:
    """A document as the API lists it."""
    return {"id": doc.id, "title": doc.title, "source": doc.source, "kind": doc.kind,
            "clauses": len(doc.clauses), "metadata": dict(doc.metadata or {})}


def _heading(text: str) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    return short_text(first, 60)


def _anchor(c: "Clause") -> str:
    return f"pq-clause-{esc(c.id.replace(':', '-').replace('.', '-'))}"


_TOC_ENTRY = re.compile(r"^\s*(第[〇零一二三四五六七八九十百千两\d]+[编章节])")


def _with_toc_links(segment: str, doc: "Document", text: str) -> str:
    """Text before a document's structure (its preamble), escaped, its table of contents (目录) lines
    linked to the 编/章/节 they name."""
    heads: dict[tuple[str, str], "Clause"] = {}
    chapter = ""  # a 节 is numbered within its 章: keyed by both
    for c in doc.clauses:
        if c.level in CONTAINER_LEVELS and (m := _TOC_ENTRY.match(text[c.start:c.end])):
            chapter = m.group(1) if not m.group(1).endswith("节") else chapter
            heads.setdefault((chapter if m.group(1).endswith("节") else "", m.group(1)), c)
    out = []
    chapter = ""
    for line in esc_text(segment).split("\n"):  # escaped (and blank runs squeezed) first: links go round lines
        m = _TOC_ENTRY.match(line)
        if m and not m.group(1).endswith("节"):
            chapter = m.group(1)
        target = heads.get((chapter if m.group(1).endswith("节") else "", m.group(1))) if m else None
        out.append(f"<a class='pq-toc-link' href='#{_anchor(target)}' data-toc='{_anchor(target)}'>{line}</a>"
                   if target is not None else line)
    return "\n".join(out)


def _render_node(c: "Clause", view: CorpusView, text: str, span: tuple[int, int] | None = None) -> str:
    """One node of the tree. With ``span``, the deepest node holding it is the focus (class
    ``pq-focus``, ``data-focus``) and the span is marked wherever it is shown."""
    kids = [k for k in view.children(c.doc_id, c.id) if k.level not in SUB_LEVELS]
    anchor = _anchor(c)
    holds = span is not None and c.start <= span[0] and span[1] <= c.end

    def shown(a: int, b: int) -> str:
        return mark_span(text[a:b], a, *span) if span else esc_text(text[a:b])

    if c.level == "条" or not kids or c.level not in CONTAINER_LEVELS:
        focus = " pq-focus' data-focus='1" if holds else ""
        body = (_with_toc_links(text[c.start:c.end], view.docs[c.doc_id], text)
                if c.level == "para" and not holds and c.doc_id in view.docs else shown(c.start, c.end))
        return f"<div class='pq-article{focus}' id='{anchor}' data-level='{esc(c.level)}'>{body}</div>"
    first_line_end = text.find("\n", c.start, kids[0].start)
    head_end = first_line_end if first_line_end >= 0 else kids[0].start
    inner = []
    intro = text[head_end:kids[0].start]
    if intro.strip():
        a = head_end + len(intro) - len(intro.lstrip())
        inner.append(f"<div class='pq-intro'>{shown(a, a + len(intro.strip()))}</div>")
    inner += [_render_node(k, view, text, span) for k in kids]
    tail = text[kids[-1].end:c.end]
    if tail.strip():
        a = kids[-1].end + len(tail) - len(tail.lstrip())
        inner.append(f"<div class='pq-intro'>{shown(a, a + len(tail.strip()))}</div>")
    focus = " pq-focus' data-focus='1" if holds and not any(k.start <= span[0] and span[1] <= k.end for k in kids) else ""
    return (f"<details class='pq-node{focus}' id='{anchor}' data-level='{esc(c.level)}' open>"
            f"<summary>{esc(_heading(text[c.start:head_end]))}</summary>{''.join(inner)}</details>")


def render_document(doc: "Document | None", view: CorpusView, span: tuple[int, int] | None = None,
                    request: str = "") -> str:
    """A document as its structure tree (章/节/条, or 一、（一）…) with its text and metadata.

    With ``span`` (a character range of its source, e.g. a cited quote), the clause holding it is
    highlighted and the span marked; ``request`` tags the tree so the page's script can scroll
    to that clause once this very rendering is shown."""
    if doc is None:
        return "<div class='pq-doc pq-empty'><p>在上方列表中点击一份文件，查看它的结构和全文。</p></div>"
    src = view.sources.get(doc.source)
    text = src.text if src else ""
    tag = f" data-request='{esc(request)}'" if request else ""
    parts = [f"<div class='pq-doc' data-doc-id='{esc(doc.id)}'{tag}><h3>{esc(doc.title)} {status_badge(doc)}</h3>",
             render_metadata(doc),
             f"<div class='pq-where'>{len(doc.clauses)} 个条款<details class='pq-tech'><summary>技术信息</summary>"
             f"文件 {esc(doc.source)} · 第 {doc.line_start}–{doc.line_end} 行</details></div>"]
    # another version of this rule in the corpus: its articles side by side, the opened clause's row marked
    focus = next((c.id for c in doc.clauses if c.level == "条" and span and c.start <= span[0] < c.end), None)
    parts.append(render_versions(doc, view.docs, focus))
    # a later rule that repeals this one or prevails over it (or an earlier one this one so treats)
    parts.append(render_prevailing(doc, view, focus))
    top = view.children(doc.id, None)
    if top and text:
        preamble = text[doc.start:top[0].start].strip()
        if preamble:
            parts.append(f"<div class='pq-intro pq-preamble'>{_with_toc_links(preamble, doc, text)}</div>")
        if any(c.level in CONTAINER_LEVELS for c in doc.clauses):
            parts.append("<div class='pq-tree-tools'><button type='button' class='pq-tree-all' data-tree-open='0'>"
                         "全部折叠</button><button type='button' class='pq-tree-all' data-tree-open='1'>全部展开"
                         "</button></div>")
        parts.append("<div class='pq-tree'>" + "".join(_render_node(c, view, text, span) for c in top) + "</div>")
    elif text:
        parts.append(f"<div class='pq-article'>{esc_text(text[doc.start:doc.end])}</div>")
    parts.append("</div>")
    return "".join(parts)


def document_detail(doc: "Document", view: CorpusView) -> dict[str, Any]:
    """A document as the API returns it: metadata and every clause with label, path, page and text."""
    d = document_summary(doc)
    d["clauses"] = [{"id": c.id, "level": c.level, "label": c.label, "path": list(c.path), "page": c.page,
                     "start": c.start, "end": c.end, "text": c.text, "parent": c.parent} for c in doc.clauses]
    return d


# -- updates ---------------------------------------------------------------------------
def render_update(result: dict[str, Any], action: str = "添加") -> str:
    """What an add or remove did (the dict the add_documents/remove_document endpoints return):
    documents added, replaced, removed or recognised as copies, and every file refused or not
    readable, with its reason."""
    parts = ["<div class='pq-update'>"]

    def names(items: Iterable[dict[str, Any]]) -> str:
        return "、".join(f"{esc(book(x.get('title') or x.get('id')))}" for x in items)

    if result.get("error"):
        parts.append(f"<p class='pq-error'>✖ {esc(result['error'])}</p>")
    changed = False
    for key, label in (("added", "已添加"), ("replaced", "已更新"), ("removed", "已删除"),
                       ("aliased", "与已有文件重复，作为副本记录")):
        items = result.get(key) or []
        if items:
            changed = True
            parts.append(f"<p class='pq-ok'>✔ {label} {len(items)} 份文件：{names(items)}</p>")
    for name in result.get("unchanged") or []:
        parts.append(f"<p class='pq-muted'>{esc(name)}：索引中已有完全相同的文件，未作改动。</p>")
    held = {c.get("source") for c in result.get("conflicts") or []}
    for c in result.get("conflicts") or []:
        why = "与已收录的文件同名" if c.get("kind") == "name" else "与已收录的文件标题相同而内容不同"
        shorter = (f"，且明显更短（{c.get('chars_after', 0):,} 字，原有 {c.get('chars_before', 0):,} 字）"
                   if c.get("much_shorter") else "")
        parts.append(f"<p class='pq-warn'>⚠ {esc(c.get('source', ''))} 未添加：{why}，会替换"
                     f"{names(c.get('replaces') or [])}{shorter}。要替换，请选“替换已有文件”后再点“添加到索引”；"
                     + ("要保留原文件，请改名后再添加。</p>" if c.get("kind") == "name" else "要两份都留，请选“两份都保留”。</p>"))
    for c in result.get("shortened") or []:
        parts.append(f"<p class='pq-warn'>⚠ {esc(c.get('source', ''))} 替换了{names(c.get('replaces') or [])}，但明显更短"
                     f"（{c.get('chars_after', 0):,} 字，原有 {c.get('chars_before', 0):,} 字），请核对是否完整。</p>")
    for c in result.get("restored") or []:
        parts.append(f"<p class='pq-ok'>✔ 另一文件中的同一文件{esc(book(c.get('title', '')))}（{esc(c.get('source', ''))}）"
                     "重新收录，继续参与回答</p>")
    for p in result.get("problems") or []:
        if p.get("source") in held:
            continue  # said above, in its own words
        fix = p.get("fix") or ""
        parts.append(f"<p class='pq-error'>✖ {esc(p.get('source', ''))}：无法读取——{esc(p.get('reason', ''))}"
                     + (f"（{esc(fix)}）" if fix else "") + "</p>")
    for r in result.get("rejected") or []:
        parts.append(f"<p class='pq-error'>✖ {esc(r.get('file', ''))}：{esc(r.get('reason', ''))}</p>")
    if not changed and not (result.get("problems") or result.get("rejected") or result.get("unchanged")
                            or result.get("error") or result.get("conflicts")):
        parts.append(f"<p class='pq-muted'>{esc(action)}完成，索引没有变化。</p>")
    if result.get("seconds") is not None and changed:
        parts.append(f"<p class='pq-muted'>片段 +{result.get('chunks_added', 0)} / -{result.get('chunks_removed', 0)}"
                     f" · 用时 {float(result['seconds']):.1f} 秒 · 现有 {result.get('documents', '?')} 份文件</p>")
    parts.append("</div>")
    return "".join(parts)


_PROGRESS_ZH = [
    (re.compile(r"^reading files"), "读取文件"),
    (re.compile(r"^parsing (.+)$"), r"解析 \1"),
    (re.compile(r"^linking documents"), "关联文件（交叉引用、效力关系）"),
    (re.compile(r"^embedding (\d+)/(\d+) chunks"), r"计算向量：\1/\2 个片段"),
    (re.compile(r"^updating the dense index"), "更新向量索引"),
    (re.compile(r"^re-indexing BM25"), "更新关键词索引"),
    (re.compile(r"^writing the new version"), "写入新版本索引"),
    (re.compile(r"^removing documents"), "删除文件"),
    (re.compile(r"^done$"), "完成"),
]


def progress_zh(message: str) -> str:
    """An update's progress message in Chinese (unknown messages pass through).

    >>> progress_zh("embedding 32/120 chunks")
    '计算向量：32/120 个片段'
    """
    for pattern, zh in _PROGRESS_ZH:
        if pattern.search(message):
            return pattern.sub(zh, message)
    return message

"""Cross-references inside clauses: 本法第六十九条, 前款, 前两款, 第三十条第二款,
依照《中华人民共和国网络安全法》第二十一条 — detected, and resolved to clause ids where the
target is in the corpus; kept as unresolved references otherwise.

>>> refs = find_references("依照本法第六十九条第一款的规定处理。")
>>> [(r.doc_ref, r.article, r.paragraph) for r in refs]
[('本法', 69, 1)]
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from .text import cn_to_int, int_to_cn
from .titles import title_key
from .types import Clause, Document

_NUM = r"[0-9一二三四五六七八九十百千零〇两]+"
_SELF = r"本法|本条例|本规定|本办法|本细则|本规则|本指引|本意见|本方案|本决定"
_REF = re.compile(
    rf"(?:(?P<doc>{_SELF})|《(?P<title>[^《》]{{2,60}})》)?"
    rf"第(?P<art>{_NUM})条(?:第(?P<para>{_NUM})款)?(?:第[（(](?P<item>{_NUM})[)）]项)?"
)
_MORE = re.compile(rf"^[、和及或者至]+第(?P<art>{_NUM})条(?:第(?P<para>{_NUM})款)?(?:第[（(](?P<item>{_NUM})[)）]项)?")
_PREV = re.compile(r"前(?P<n>[两二三四五]?)款")


@dataclass
class Reference:
    """One reference found in a clause. ``start``/``end`` are offsets in the clause text."""

    text: str
    start: int
    end: int
    doc_ref: str  # "本法", a title in 《》, "前款", or "" (an article of the same document)
    article: int | None = None
    paragraph: int | None = None
    item: int | None = None
    target_title: str | None = None
    target_id: str | None = None

    @property
    def resolved(self) -> bool:
        return self.target_id is not None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["resolved"] = self.resolved
        return d


def find_references(text: str) -> list[Reference]:
    """All references in ``text``, in order, unresolved."""
    refs: list[Reference] = []
    consumed = 0
    for m in _REF.finditer(text):
        # "第二条" at the very start of an article is its own number, not a reference
        if m.start() < consumed or (m.start() == 0 and not (m.group("doc") or m.group("title"))):
            continue
        doc_ref = m.group("doc") or (m.group("title") or "")
        refs.append(_ref(text, m, doc_ref))
        pos = m.end()
        while (more := _MORE.match(text[pos:])) is not None:
            s = pos + more.group(0).index("第")
            refs.append(Reference(text=text[s : pos + more.end()], start=s, end=pos + more.end(), doc_ref=doc_ref,
                                  article=cn_to_int(more.group("art")),
                                  paragraph=cn_to_int(more.group("para")) if more.group("para") else None,
                                  item=cn_to_int(more.group("item")) if more.group("item") else None))
            pos += more.end()
        consumed = pos
    for m in _PREV.finditer(text):
        refs.append(Reference(text=m.group(0), start=m.start(), end=m.end(), doc_ref="前款",
                              paragraph=-(cn_to_int(m.group("n")) or 1)))
    refs.sort(key=lambda r: r.start)
    return refs


def _ref(text: str, m: re.Match[str], doc_ref: str) -> Reference:
    return Reference(
        text=m.group(0), start=m.start(), end=m.end(), doc_ref=doc_ref,
        article=cn_to_int(m.group("art")),
        paragraph=cn_to_int(m.group("para")) if m.group("para") else None,
        item=cn_to_int(m.group("item")) if m.group("item") else None,
    )


class ReferenceResolver:
    """Resolve references against the documents of a corpus (clause ids must be those of
    :mod:`ingest.structure`: ``t13``, ``t13.k1``, ``t13.k1.x2``, ``t13.x2``)."""

    def __init__(self, documents: list[Document]) -> None:
        self.ids = {c.id for d in documents for c in d.clauses}
        self.by_title: dict[str, Document] = {}
        for d in documents:
            self.by_title.setdefault(title_key(d.title, prefixes=("中华人民共和国",)), d)

    def _target(self, doc: Document, article: int, paragraph: int | None, item: int | None) -> str | None:
        base = f"{doc.id}:t{article}"
        candidates = []
        if paragraph and item:
            candidates += [f"{base}.k{paragraph}.x{item}"]
        if paragraph:
            candidates += [f"{base}.k{paragraph}"]
        if item:
            candidates += [f"{base}.k1.x{item}", f"{base}.x{item}"]
        candidates.append(base)
        return next((c for c in candidates if c in self.ids), None)

    def resolve(self, doc: Document, clause: Clause) -> list[Reference]:
        refs = find_references(clause.text)
        for r in refs:
            if r.doc_ref == "前款":
                r.target_title = doc.title
                r.target_id = self._previous_paragraph(doc, clause, -(r.paragraph or -1))
                continue
            target_doc: Document | None = doc
            if r.doc_ref and not re.fullmatch(_SELF, r.doc_ref):
                target_doc = self.by_title.get(title_key(r.doc_ref, prefixes=("中华人民共和国",)))
                r.target_title = target_doc.title if target_doc else r.doc_ref
            else:
                r.target_title = doc.title
            if target_doc is not None and r.article:
                r.target_id = self._target(target_doc, r.article, r.paragraph, r.item)
        return refs

    @staticmethod
    def _previous_paragraph(doc: Document, clause: Clause, n: int) -> str | None:
        """The 款 ``n`` paragraphs before the one holding ``clause`` (前款 = 1, 前两款 = the first of two)."""
        m = re.search(r":t(\d+)\.k(\d+)", clause.id)
        if not m:
            return None
        article, para = int(m.group(1)), int(m.group(2))
        target = para - n
        if target < 1:
            return None
        tid = f"{doc.id}:t{article}.k{target}"
        return tid if any(c.id == tid for c in doc.clauses) else None


def label_of(article: int, paragraph: int | None = None, item: int | None = None) -> str:
    """The citation form of a reference: ``第十三条第一款第（二）项``."""
    s = f"第{int_to_cn(article)}条"
    if paragraph and paragraph > 0:
        s += f"第{int_to_cn(paragraph)}款"
    if item:
        s += f"第（{int_to_cn(item)}）项"
    return s


def resolve_all(documents: list[Document]) -> dict[str, list[Reference]]:
    """References in every document's articles, keyed by the id of the 款 (or single-paragraph 条) holding them."""
    resolver = ReferenceResolver(documents)
    out: dict[str, list[Reference]] = {}
    for d in documents:
        for c in d.clauses:
            # a paragraph with its items, or an article of one paragraph with its items
            has_paragraphs = c.level == "条" and any(k.parent == c.id and k.level == "款" for k in d.clauses)
            if c.level == "款" or (c.level == "条" and not has_paragraphs):
                refs = resolver.resolve(d, c)
                if refs:
                    out[c.id] = refs
    return out

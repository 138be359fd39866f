"""Clauses → chunks: the retrievable units.

A chunk never spans two 条 or two outline items of the same level. An article (or
leaf outline item) that fits ``max_chars`` is one chunk; a longer one splits at its
款/项 boundaries, then at sentence ends (。；). Short free paragraphs of the same
section are packed together. The document title and clause label travel with the
chunk in ``index_text`` so that BM25 and the embedder see them; there its sentences are
read across the line breaks of text printed at a fixed width (:func:`ingest.wrapping.unwrap`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import clean, text_len
from .titles import book
from .types import Chunk, Clause, Document, SourceText
from .wrapping import unwrap

_SENTENCE_END = re.compile(r"[。；！？;!?]")


@dataclass(frozen=True)
class ChunkParams:
    """How big chunks are, in cleaned characters (the embedder's window is 512 tokens,
    about 800 Chinese characters; smaller chunks make sharper citations)."""

    max_chars: int = 360
    min_chars: int = 40

    def __post_init__(self) -> None:
        if not 50 <= self.max_chars <= 2000:
            raise ValueError(f"max_chars must be between 50 and 2000, got {self.max_chars}")
        if not 0 <= self.min_chars < self.max_chars:
            raise ValueError("min_chars must be non-negative and below max_chars")


@dataclass
class _Unit:
    start: int
    end: int
    clause: Clause
    boundaries: list[tuple[int, Clause]]  # child starts where a split is allowed


def _units(doc: Document) -> list[_Unit]:
    by_id = {c.id: c for c in doc.clauses}
    children: dict[str, list[Clause]] = {}
    for c in doc.clauses:
        if c.parent:
            children.setdefault(c.parent, []).append(c)
    units: list[_Unit] = []
    for c in doc.clauses:
        kids = children.get(c.id, [])
        if c.level == "条":
            bounds = []
            stack = list(kids)
            while stack:  # 款 and their 项, in order
                k = stack.pop(0)
                bounds.append((k.start, k))
                stack[0:0] = children.get(k.id, [])
            units.append(_Unit(c.start, c.end, c, sorted(bounds, key=lambda b: b[0])))
        elif c.level.startswith("outline") or c.level == "para":
            parent = by_id.get(c.parent) if c.parent else None
            if parent is not None and parent.level == "条":
                continue  # a list inside an article is part of the article's unit
            if kids:
                if kids[0].start > c.start:
                    units.append(_Unit(c.start, kids[0].start, c, []))
            else:
                units.append(_Unit(c.start, c.end, c, []))
    units.sort(key=lambda u: u.start)
    return units


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\n\u3000*#-":
        start += 1
    while end > start and text[end - 1] in " \t\n\u3000*#":
        end -= 1
    return start, end


def _sentence_cuts(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split ``[start, end)`` at sentence ends into pieces of at most ``max_chars`` (cleaned)."""
    pieces: list[tuple[int, int]] = []
    cur = start
    while cur < end:
        if text_len(text[cur:end]) <= max_chars:
            pieces.append((cur, end))
            break
        best = None
        for m in _SENTENCE_END.finditer(text, cur, end):
            cut = m.end()
            if text_len(text[cur:cut]) > max_chars:
                break
            best = cut
        if best is None:  # one over-long sentence: cut at a line end or hard at the limit
            best = min(end, cur + max_chars)
        pieces.append((cur, best))
        cur = best
    return pieces


def _split_unit(text: str, unit: _Unit, params: ChunkParams) -> list[tuple[int, int, Clause]]:
    if text_len(text[unit.start:unit.end]) <= params.max_chars:
        return [(unit.start, unit.end, unit.clause)]
    cuts = [unit.start] + [b for b, _ in unit.boundaries if unit.start < b < unit.end] + [unit.end]
    packed: list[tuple[int, int]] = []
    for s, e in zip(cuts, cuts[1:]):
        if packed and text_len((text[packed[-1][0]:e])) <= params.max_chars:
            packed[-1] = (packed[-1][0], e)
        else:
            packed.append((s, e))
    spans: list[tuple[int, int]] = []
    for s, e in packed:
        if text_len(text[s:e]) > params.max_chars:
            spans.extend(_sentence_cuts(text, s, e, params.max_chars))
        else:
            spans.append((s, e))
    candidates = [unit.clause] + [c for _, c in unit.boundaries]
    return [(s, e, _deepest(candidates, *_trim(text, s, e))) for s, e in spans]


def _deepest(candidates: list[Clause], start: int, end: int) -> Clause:
    """The narrowest clause whose span covers ``[start, end)`` (the unit's clause at worst)."""
    covering = [c for c in candidates if c.start <= start and end <= c.end]
    return min(covering, key=lambda c: c.end - c.start) if covering else candidates[0]


def _index_text(doc: Document, clause: Clause, body: str) -> str:
    label_tail = clause.label[len(book(doc.title)):]
    head = " ".join(x for x in (doc.title, " ".join(clause.path), label_tail) if x)
    return f"{head}\n{body}"


def chunk_document(source: SourceText, doc: Document, params: ChunkParams | None = None) -> list[Chunk]:
    """Chunks of one parsed document, in reading order.

    Invariants: ``source.text[chunk.start:chunk.end] == chunk.text``; a chunk lies
    inside one article (or one leaf outline item); no chunk is empty.
    """
    params = params or ChunkParams()
    text = source.text
    pieces: list[tuple[int, int, Clause]] = []
    for unit in _units(doc):
        for s, e, c in _split_unit(text, unit, params):
            s, e = _trim(text, s, e)
            if e > s and clean(text[s:e]):
                pieces.append((s, e, c))
    # Pack short free paragraphs (news, reports) with their neighbours of the same section.
    packed: list[tuple[int, int, Clause]] = []
    for s, e, c in pieces:
        if packed:
            ps, pe, pc = packed[-1]
            both_free = pc.level == "para" and c.level == "para" and pc.parent == c.parent
            if both_free and text_len(text[ps:e]) <= params.max_chars and (
                text_len(text[ps:pe]) < params.min_chars * 4
            ):
                packed[-1] = (ps, e, pc)
                continue
        packed.append((s, e, c))
    chunks: list[Chunk] = []
    counts: dict[str, int] = {}
    for s, e, c in packed:
        n = counts.get(c.id, 0)
        counts[c.id] = n + 1
        # indexed as read: a line break inside a sentence would cut its words (jieba sees 个人信 and 息)
        body = clean(unwrap(text[s:e]))
        chunks.append(
            Chunk(
                id=f"{c.id}#{n}",
                doc_id=doc.id,
                doc_title=doc.title,
                clause_id=c.id,
                clause_label=c.label,
                path=c.path,
                source=doc.source,
                start=s,
                end=e,
                text=text[s:e],
                index_text=_index_text(doc, c, body),
                page=source.page_at(s),
            )
        )
    return chunks

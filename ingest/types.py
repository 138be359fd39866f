"""The records that flow through ingest: files → documents → clauses → chunks.

Every span is a half-open ``[start, end)`` range of character offsets into the
``SourceText.text`` of the file it came from, so that ``source.text[start:end]``
is always the exact text a citation quotes.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class SourceText:
    """The decoded text of one input file.

    ``page_starts`` holds, for PDF input, the offset in ``text`` at which each
    page begins (page 1 first); it is empty for plain text.
    """

    path: str
    text: str
    encoding: str
    page_starts: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The 1-based page that holds ``offset``, or None for non-paginated text."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))


@dataclass
class Clause:
    """One structural unit of a document: a 章/节/条/款/项 or a policy outline item.

    ``level`` is one of ``编 章 节 条 款 项 目`` for statutes and ``一 （一） 1. （1）``
    style outline levels for policies (named ``outline1`` … ``outline4``), or
    ``para`` for text outside any structure. ``path`` is the heading path above
    the clause, ``label`` its full citation label, e.g.
    ``《中华人民共和国个人信息保护法》第十三条第一款第（二）项``.
    """

    id: str
    doc_id: str
    level: str
    number: str
    label: str
    path: tuple[str, ...]
    start: int
    end: int
    text: str
    parent: str | None = None
    page: int | None = None
    refs: list[dict[str, Any]] = field(default_factory=list)  # cross-references (see ingest.xref)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = list(self.path)
        return d


@dataclass
class Document:
    """One document found inside a source file."""

    id: str
    title: str
    source: str
    start: int
    end: int
    line_start: int
    line_end: int
    kind: str  # "statute" | "policy" | "other"
    metadata: dict[str, Any] = field(default_factory=dict)
    clauses: list[Clause] = field(default_factory=list)
    aliases: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self, with_clauses: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "line_start": self.line_start,
            "line_end": self.line_end,
            "kind": self.kind,
            "metadata": dict(self.metadata),
            "aliases": list(self.aliases),
        }
        if with_clauses:
            d["clauses"] = [
                {"id": c.id, "label": c.label, "path": list(c.path), "text": c.text,
                 "page": c.page, "level": c.level, "start": c.start, "end": c.end}
                for c in self.clauses
            ]
        return d


@dataclass
class Chunk:
    """The unit that is indexed and retrieved; it never spans two 条.

    ``text`` is the exact source text ``[start, end)``; ``index_text`` is the
    cleaned text (title and clause label first) that BM25 and the embedder see.
    """

    id: str
    doc_id: str
    doc_title: str
    clause_id: str
    clause_label: str
    path: tuple[str, ...]
    source: str
    start: int
    end: int
    text: str
    index_text: str
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = list(self.path)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Chunk":
        d = dict(d)
        d["path"] = tuple(d.get("path", ()))
        return cls(**d)


@dataclass(frozen=True)
class IngestProblem:
    """A file (or part of one) that could not be ingested, and what to do about it."""

    source: str
    reason: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}" + (f" — {self.fix}" if self.fix else "")


class IngestError(Exception):
    """A file that cannot be read; the message names the file, the reason and the fix."""

    def __init__(self, source: str, reason: str, fix: str = "") -> None:
        self.problem = IngestProblem(source, reason, fix)
        super().__init__(str(self.problem))

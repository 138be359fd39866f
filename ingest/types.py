"""The records that flow through ingest: files → documents → clauses → chunks.

Every span is a half-open ``[start, end)`` range of character offsets into the
``SourceText.text`` of the file it came from, so that ``source.text[start:end]``
is always the exact text a citation quotes.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class SourceText:
    """The decoded text of one input file.

    ``page_starts`` holds, for PDF input, the offset in ``text`` at which each
    page begins (page 1 first); it is empty for plain text. ``front_matter`` holds a Markdown
    file's front matter (key → value, :mod:`ingest.markdown`): the file is then one document it
    describes. It is read at ingest into the document's metadata and not stored with the index.
    """

    path: str
    text: str
    encoding: str
    page_starts: tuple[int, ...] = ()
    front_matter: Mapping[str, str] = field(default_factory=dict)

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


def _text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in value or ())


@dataclass(frozen=True)
class DocumentMetadata:
    """A document's metadata as a typed record: one field per key of :attr:`Document.metadata`.

    The stored dict (index files, JSON output) stays as it is; :attr:`Document.meta` reads it as
    this record. A key the dict lacks reads as ``None`` (or ``()``); the values are those that
    :func:`ingest.metadata.extract_metadata` and the pipeline write:

    ``issuers`` bodies that issued it (``issuer_basis`` ``"inferred"`` when the text names none and
    they are inferred from its kind: a national law's Standing Committee); ``doc_number`` its 文号; ``published``, ``adopted``,
    ``effective_date``, ``valid_until`` ISO dates (``YYYY-MM-DD``, or ``YYYY-MM`` without a day);
    ``effective`` an ISO date or ``"on_publication"``; ``doc_type`` one of
    :data:`ingest.metadata.DOC_TYPES`; ``authority_level`` its rank when normative, else
    ``"unknown"``; ``region`` a canonical region, ``"national"`` or ``"international"``;
    ``status`` ``in_force``/``draft``/``expired``/``superseded``/``unknown``;
    ``superseded_in_part_by``/``superseded_by`` titles of the corpus documents that prevail over or
    repeal it; ``subject_titles`` the titles of the documents it is about (a notice that issues one);
    for a document with another version of the same rule in the corpus (an amended law beside the
    text it amends, :mod:`ingest.metadata.versions`): ``version_date`` the date of this version,
    ``versions`` the ids of all versions, oldest first, and on an earlier one ``current_version`` /
    ``current_version_title`` the id and title of the latest (its status is then ``superseded``).
    ``language`` ``zh`` or ``en``; ``jurisdiction`` ``CN`` for Chinese law and policy, else a
    foreign jurisdiction's code (``SG``, ``EU``, ``US-CA``; ``jurisdiction_name`` its name);
    ``topics``, ``keywords`` and ``source_url`` as a knowledge base's front matter gives them
    (:mod:`ingest.metadata.frontmatter`).

    >>> m = DocumentMetadata.from_dict({"issuers": ["国家数据局"], "doc_type": "部门规章", "status": "in_force"})
    >>> m.issuers, m.doc_type, m.region, m.superseded_by
    (('国家数据局',), '部门规章', None, ())
    """

    issuers: tuple[str, ...] = ()
    issuer_basis: str | None = None
    doc_number: str | None = None
    published: str | None = None
    adopted: str | None = None
    effective: str | None = None
    effective_date: str | None = None
    valid_until: str | None = None
    doc_type: str | None = None
    authority_level: str | None = None
    region: str | None = None
    status: str | None = None
    superseded_in_part_by: tuple[str, ...] = ()
    superseded_by: tuple[str, ...] = ()
    subject_titles: tuple[str, ...] = ()
    version_date: str | None = None
    versions: tuple[str, ...] = ()
    current_version: str | None = None
    current_version_title: str | None = None
    language: str | None = None
    jurisdiction: str | None = None
    jurisdiction_name: str | None = None
    topics: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    source_url: str | None = None

    @property
    def issuer_line(self) -> str:
        """The issuers as a reader sees them: 、-joined, （推定） after issuers inferred from the kind."""
        return "、".join(self.issuers) + ("（推定）" if self.issuers and self.issuer_basis == "inferred" else "")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> "DocumentMetadata":
        """The record of a stored metadata dict (unknown keys are ignored)."""
        d = d or {}
        return cls(**{f.name: (_texts if f.default == () else _text)(d.get(f.name)) for f in fields(cls)})

    def to_dict(self) -> dict[str, Any]:
        """Every key as the stored dict holds it (lists for the tuples)."""
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}


@dataclass
class Document:
    """One document found inside a source file.

    ``metadata`` is the stored dict (see :class:`DocumentMetadata` for its keys); ``meta`` reads it
    as a typed :class:`DocumentMetadata`, computed once per ``metadata`` dict: assign a new dict to
    change it (an in-place edit after ``meta`` was read is not seen).
    """

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
    _meta: tuple[Any, DocumentMetadata] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def meta(self) -> DocumentMetadata:
        """``metadata`` as a typed record (cached while ``metadata`` is the same dict)."""
        cached = self._meta
        if cached is None or cached[0] is not self.metadata:
            cached = (self.metadata, DocumentMetadata.from_dict(self.metadata))
            self._meta = cached
        return cached[1]

    @property
    def titles(self) -> list[str]:
        """Its title, then the titles of the copies it stands for (its aliases)."""
        return [self.title, *(a["title"] for a in self.aliases if a.get("title"))]

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
    by_design: bool = False  # left out on purpose (a corpus's README): said, but nothing to fix

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}" + (f" — {self.fix}" if self.fix else "")


class IngestError(Exception):
    """A file that cannot be read; the message names the file, the reason and the fix."""

    def __init__(self, source: str, reason: str, fix: str = "", by_design: bool = False) -> None:
        self.problem = IngestProblem(source, reason, fix, by_design)
        super().__init__(str(self.problem))

"""Filters: which documents retrieval may return (type, region, status, issuer, date range), and
which version of a rule it reads (:class:`Versions`: the current text, unless an older one is asked)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from index.backends import quote_list
from ingest.metadata.dates import filing_date, filing_date_end
from ingest.text import cn_to_int
from ingest.types import Document

from .types import ArticleRef

log = logging.getLogger(__name__)

EARLIER = "earlier"  # a question that asks for the text before the last amendment (修正前, 旧版, 原第X条)


def document_date(doc: Document) -> str | None:
    """The date a document is filed under (:func:`ingest.metadata.dates.filing_date` of its metadata)."""
    return filing_date(doc.metadata or {})


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some documents. Empty fields do not restrict.

    ``doc_types``, ``regions``, ``statuses``, ``issuers``, ``languages`` and ``jurisdictions`` match
    the document's metadata (``doc_type``, ``region``, ``status``, any of ``issuers``, ``language``
    ``zh``/``en``, ``jurisdiction`` ``CN``/``SG``/``EU``…); ``date_from``/``date_to``
    (ISO ``YYYY-MM-DD``, inclusive) match :func:`document_date`, and a document without a
    date is left out once a date range is set. A partial date (``2024-03``) counts as in the
    range when any day of it is.

    >>> doc = Document(id="d", title="t", source="s", start=0, end=1, line_start=1, line_end=1,
    ...                kind="policy", metadata={"doc_type": "部门规章", "status": "in_force", "published": "2024-03"})
    >>> Filters(doc_types=frozenset({"部门规章"}), date_from="2024-03-15").allows(doc)
    True
    >>> Filters(statuses=frozenset({"draft"})).allows(doc)
    False
    """

    doc_ids: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    doc_types: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    issuers: frozenset[str] = frozenset()
    date_from: str | None = None
    date_to: str | None = None
    exclude_ids: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    jurisdictions: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(f"Filters.{name} must be an ISO date YYYY-MM-DD, got {value!r}")
        for name in ("doc_ids", "kinds", "sources", "doc_types", "regions", "statuses", "issuers", "exclude_ids",
                     "languages", "jurisdictions"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset([value] if isinstance(value, str) else value))

    def is_empty(self) -> bool:
        return not (self.doc_ids or self.kinds or self.sources or self.doc_types or self.regions
                    or self.statuses or self.issuers or self.date_from or self.date_to or self.exclude_ids
                    or self.languages or self.jurisdictions)

    def allows(self, doc: Document) -> bool:
        meta = doc.metadata or {}
        if (doc.id in self.exclude_ids
                or (self.doc_ids and doc.id not in self.doc_ids)
                or (self.kinds and doc.kind not in self.kinds)
                or (self.sources and doc.source not in self.sources)
                or (self.doc_types and meta.get("doc_type") not in self.doc_types)
                or (self.regions and meta.get("region") not in self.regions)
                or (self.statuses and meta.get("status") not in self.statuses)
                or (self.issuers and not self.issuers & set(meta.get("issuers") or ()))
                or (self.languages and meta.get("language") not in self.languages)
                or (self.jurisdictions and meta.get("jurisdiction") not in self.jurisdictions)):
            return False
        if self.date_from or self.date_to:
            date = document_date(doc)
            if date is None:
                return False
            # a partial date stands for its whole month or year
            if self.date_from and filing_date_end(date) < self.date_from:
                return False
            if self.date_to and date > self.date_to:
                return False
        return True

    def expression(self) -> str | None:
        """The same filter as a boolean expression over the chunk scalar fields of a search backend
        (:data:`index.backends.SCALAR_FIELDS`, Milvus syntax), pushed into the engine; None when
        nothing is filtered. A document's missing value is stored as ``""``, which no list names.

        >>> Filters(regions=frozenset({"上海市"}), exclude_ids=frozenset({"d1"}), date_to="2024-01-01").expression()
        '(region in ["上海市"]) and (not (doc_id in ["d1"])) and (date != "" and date <= "2024-01-01")'
        """
        parts: list[str] = []
        for name, field in (("doc_ids", "doc_id"), ("kinds", "kind"), ("sources", "source"),
                            ("doc_types", "doc_type"), ("regions", "region"), ("statuses", "status"),
                            ("languages", "language"), ("jurisdictions", "jurisdiction")):
            values = getattr(self, name)
            if values:
                parts.append(f"{field} in {quote_list(sorted(values))}")
        if self.issuers:
            parts.append(f"ARRAY_CONTAINS_ANY(issuers, {quote_list(sorted(self.issuers))})")
        if self.exclude_ids:
            parts.append(f"not (doc_id in {quote_list(sorted(self.exclude_ids))})")
        if self.date_from or self.date_to:
            dates = ['date != ""']
            if self.date_from:
                dates.append(f'date_end >= "{self.date_from}"')
            if self.date_to:
                dates.append(f'date <= "{self.date_to}"')
            parts.append(" and ".join(dates))
        return " and ".join(f"({p})" for p in parts) if parts else None


NUMBERED_AS_MIN = 0.5  # the share of a question's words an older text's article must hold to be the one meant


class Versions:
    """The versions of each rule in an index (read from the documents' metadata, see
    :mod:`ingest.metadata.versions`), and which of them a question reads.

    A question reads the current version of every rule; one that asks for an older version
    (:func:`retrieval.query.version_asked`: ``"earlier"``, the text before the last amendment, or a
    year, the text in force that year) reads that version of the rules it names (of every rule with
    versions when it names no document) instead.

    >>> def doc(i, date, current=None):
    ...     meta = {"doc_type": "法律", "versions": ["a", "b", "c"], "version_date": date}
    ...     return Document(i, "某法", "s", 0, 1, 1, 1, "statute", {**meta, **({"current_version": current} if current else {})})
    >>> v = Versions([doc("a", "2012-01-01", "c"), doc("b", "2016-11-07", "c"), doc("c", "2025-10-28")])
    >>> v.chosen(("a", "b", "c"), None), v.chosen(("a", "b", "c"), "earlier"), v.chosen(("a", "b", "c"), "2013")
    ('c', 'b', 'a')
    >>> sorted(v.restrict(None, None, ()).exclude_ids), sorted(v.restrict(None, "2016", ("c",)).exclude_ids)
    (['a', 'b'], ['a', 'c'])
    """

    def __init__(self, documents: Sequence[Document]) -> None:
        ids = {d.id for d in documents}
        self.dates: dict[str, str] = {}
        groups: dict[tuple[str, ...], None] = {}
        self.group_of: dict[str, tuple[str, ...]] = {}
        for d in documents:
            meta = d.metadata or {}
            members = tuple(x for x in meta.get("versions") or () if x in ids)
            if len(members) > 1 and d.id in members:
                groups.setdefault(members)
                self.group_of[d.id] = members
                self.dates[d.id] = str(meta.get("version_date") or "")
        self.groups: tuple[tuple[str, ...], ...] = tuple(groups)
        self.status = {d.id: (d.metadata or {}).get("status") for d in documents if d.id in self.group_of}
        self.titles = {d.id: d.title for d in documents if d.id in self.group_of}
        # each version's articles by number (a question may number an article as an older text did)
        self.articles: dict[str, dict[int, str]] = {
            d.id: {n: c.text for c in d.clauses if c.level == "条" and (n := cn_to_int(c.number[1:-1]))}
            for d in documents if d.id in self.group_of}

    def __bool__(self) -> bool:
        return bool(self.groups)

    def chosen(self, group: tuple[str, ...], asked: str | None) -> str:
        """The version of ``group`` (ids, oldest first) a question reads: the current (last) one;
        for ``"earlier"`` the one before it; for a year the latest dated in or before that year
        (the oldest when all are later)."""
        if asked is None:
            return group[-1]
        if asked == EARLIER:
            return group[-2]
        before = [g for g in group if self.dates.get(g, "")[:4] <= asked]
        return before[-1] if before else group[0]

    def _groups(self, named: Iterable[str]) -> set[tuple[str, ...]]:
        return {self.group_of[d] for d in named if d in self.group_of}

    def restrict(self, filters: Filters | None, asked: str | None, named: Sequence[str]) -> Filters | None:
        """``filters`` with the versions the question does not read left out (``exclude_ids``).

        ``asked`` is the version the question asks for (None: the current ones), ``named`` the ids of
        the documents it names; the asked version applies to the rules it names, or to all when it
        names no document. Versions the filters ask for by status stay in, and so do those they ask
        for by id when they leave out the version the question reads."""
        if not self.groups:
            return filters
        asked_groups = self._groups(named) if asked is not None else set()
        if asked is not None and not named:
            asked_groups = set(self.groups)
        hidden: set[str] = set()
        wanted = filters.doc_ids if filters is not None else frozenset()
        for group in self.groups:
            keep = self.chosen(group, asked if group in asked_groups else None)
            if wanted and keep not in wanted:
                continue  # the filters pick versions of this rule themselves
            hidden.update(g for g in group if g != keep)
        if filters is not None and filters.statuses:
            hidden = {h for h in hidden if self.status.get(h) not in filters.statuses}
        if not hidden:
            return filters
        log.debug("versions left out: %s", sorted(hidden))
        return replace(filters or Filters(), exclude_ids=(filters.exclude_ids if filters else frozenset()) | hidden)

    def article(self, ref: ArticleRef | None, asked: str | None) -> ArticleRef | None:
        """``ref`` read against the version the question reads: each document of it that has
        versions replaced by the version read (an article number means the current text's article
        unless an older text is asked for)."""
        if ref is None or not self.groups:
            return ref
        doc_ids = tuple(dict.fromkeys(self.chosen(self.group_of[d], asked) if d in self.group_of else d
                                      for d in ref.doc_ids))
        return ref if doc_ids == ref.doc_ids else replace(ref, doc_ids=doc_ids)

    def numbered_as(self, ref: ArticleRef | None, cover: Callable[[str], float]) -> str | None:
        """The older version whose numbering a question that asks for no version uses, if any: an
        amendment renumbers articles, and people cite the numbers they learned. The question's own
        words (``cover``: the share of their weight a text holds, the named title's and article's
        aside) decide: an older version's article of that number holds most of them (at least
        :data:`NUMBERED_AS_MIN`), the current one's at most half as much. Its year is returned (read
        as :meth:`chosen` reads a year); None keeps the current numbering."""
        if ref is None or not self.groups:
            return None
        for d in ref.doc_ids:
            group = self.group_of.get(d)
            if not group:
                continue
            now = cover(self.articles.get(group[-1], {}).get(ref.article, ""))
            older = [(cover(self.articles.get(g, {}).get(ref.article, "")), g) for g in group[:-1]]
            best, g = max(older, default=(0.0, ""))
            if best >= NUMBERED_AS_MIN and now <= best / 2 and self.dates.get(g):
                return self.dates[g][:4]
        return None

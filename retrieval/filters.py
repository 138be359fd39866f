"""Filters: which documents retrieval may return (type, region, status, issuer, date range)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.types import Document


def document_date(doc: Document) -> str | None:
    """The date a document is filed under: when it took effect, else when it was published
    (ISO, possibly only ``YYYY-MM`` or ``YYYY``); None when the text names neither."""
    meta = doc.metadata or {}
    for key in ("effective_date", "published", "adopted"):
        value = meta.get(key)
        if isinstance(value, str) and re.fullmatch(r"\d{4}(-\d{2}){0,2}", value):
            return value
    return None


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some documents. Empty fields do not restrict.

    ``doc_types``, ``regions``, ``statuses`` and ``issuers`` match the document's metadata
    (``doc_type``, ``region``, ``status``, any of ``issuers``); ``date_from``/``date_to``
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

    def __post_init__(self) -> None:
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(f"Filters.{name} must be an ISO date YYYY-MM-DD, got {value!r}")
        for name in ("doc_ids", "kinds", "sources", "doc_types", "regions", "statuses", "issuers"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset([value] if isinstance(value, str) else value))

    def is_empty(self) -> bool:
        return not (self.doc_ids or self.kinds or self.sources or self.doc_types or self.regions
                    or self.statuses or self.issuers or self.date_from or self.date_to)

    def allows(self, doc: Document) -> bool:
        meta = doc.metadata or {}
        if ((self.doc_ids and doc.id not in self.doc_ids)
                or (self.kinds and doc.kind not in self.kinds)
                or (self.sources and doc.source not in self.sources)
                or (self.doc_types and meta.get("doc_type") not in self.doc_types)
                or (self.regions and meta.get("region") not in self.regions)
                or (self.statuses and meta.get("status") not in self.statuses)
                or (self.issuers and not self.issuers & set(meta.get("issuers") or ()))):
            return False
        if self.date_from or self.date_to:
            date = document_date(doc)
            if date is None:
                return False
            # a partial date stands for its whole month or year
            if self.date_from and date + "-99"[: 10 - len(date)] < self.date_from:
                return False
            if self.date_to and date > self.date_to:
                return False
        return True

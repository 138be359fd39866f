"""One source → its documents, each with its clauses (the parse step of ingest, on its own so
that the budgeted worker of :mod:`ingest.budget` and the pipeline share it)."""

from __future__ import annotations

from .documents import split_documents, strip_title_lines
from .structure import detect_kind, parse_clauses
from .types import Document, SourceText


def parse_source(source: SourceText) -> list[Document]:
    """Documents of one source, each with its clauses."""
    docs = split_documents(source)
    for doc in docs:
        doc.kind = detect_kind(source, doc)
        doc.clauses = parse_clauses(source, doc, strip_title_lines(doc, source))
    return docs

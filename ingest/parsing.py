"""One source → its documents, each with its clauses (the parse step of ingest, on its own so
that the budgeted worker of :mod:`ingest.budget` and the pipeline share it).

A source with front matter (a Markdown file of a knowledge base, :mod:`ingest.markdown`) is one
document, titled as its front matter says. A document in English is read for the structure of
English legislation (:mod:`ingest.structure_en`), any other for Chinese legal structure.
"""

from __future__ import annotations

from .documents import split_documents, strip_title_lines, whole_source
from .metadata.frontmatter import front_matter_title, language_of
from .structure import detect_kind, parse_clauses
from .structure_en import parse_english_clauses
from .types import Document, SourceText


def parse_source(source: SourceText) -> list[Document]:
    """Documents of one source, each with its clauses."""
    title = front_matter_title(source.front_matter)
    docs = [whole_source(source, title)] if title else split_documents(source)
    for doc in docs:
        doc.kind = detect_kind(source, doc)
        body = strip_title_lines(doc, source)
        doc.metadata["language"] = language_of(source.text[doc.start:doc.end])  # read once, kept by the link step
        if doc.metadata["language"] == "en":
            doc.clauses = parse_english_clauses(source, doc, body)
            if any(c.level == "条" for c in doc.clauses):
                doc.kind = "statute"  # (the kind detector reads Chinese structure)
        else:
            doc.clauses = parse_clauses(source, doc, body)
    return [d for d in docs if d.end > d.start]

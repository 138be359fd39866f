"""The ingest stage as one call: paths → sources → documents (with clauses) → chunks.

One bad file never stops the run: its problem is recorded and the others go on.
Repeated documents are indexed once; the other copies become aliases of the
canonical one, with their locations.

>>> result = ingest_paths(["corpus"])                      # doctest: +SKIP
>>> len(result.documents), len(result.chunks), result.problems  # doctest: +SKIP
(110, 5000, [])
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import ChunkParams, chunk_document
from .documents import split_documents, strip_title_lines, subject_titles
from .loaders import discover, read_source
from .metadata import extract_metadata, find_precedence, find_repeals
from .structure import detect_kind, parse_clauses
from .text import compact
from .types import Chunk, Document, IngestError, IngestProblem, SourceText
from .xref import resolve_all

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """What ingest produced, plus what it could not read and how long each step took."""

    sources: list[SourceText] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    problems: list[IngestProblem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0


def parse_source(source: SourceText) -> list[Document]:
    """Documents of one source, each with its clauses."""
    docs = split_documents(source)
    for doc in docs:
        doc.kind = detect_kind(source, doc)
        doc.clauses = parse_clauses(source, doc, strip_title_lines(doc, source))
    return docs


def parse_sources(sources: Iterable[SourceText],
                  on_source: Callable[[int, SourceText], None] | None = None,
                  ) -> tuple[list[tuple[SourceText, list[Document]]], list[IngestProblem]]:
    """Each source with the documents found in it, and a problem for each source that fails to
    parse or holds no text; one bad source never stops the others. ``on_source(i, source)`` is
    called before each is parsed (for progress)."""
    parsed: list[tuple[SourceText, list[Document]]] = []
    problems: list[IngestProblem] = []
    for i, source in enumerate(sources):
        if on_source is not None:
            on_source(i, source)
        try:
            found = parse_source(source)
        except Exception as exc:  # one bad file must not stop the build
            log.exception("cannot parse %s", source.path)
            problems.append(IngestProblem(source.path, f"parse failed: {exc}", "report this file as a bug"))
            continue
        if not found:
            problems.append(IngestProblem(source.path, "no text found", "check that the file is not empty"))
            continue
        parsed.append((source, found))
    return parsed, problems


def _shingles(text: str, k: int = 12, keep_one_in: int = 4) -> set[int]:
    """Hashes of ``k``-character shingles, sampled by hash value (so the sample does not
    depend on where the text starts: a copy with extra furniture still matches)."""
    hashes = (hash(text[i : i + k]) for i in range(max(1, len(text) - k + 1)))
    return {h for h in hashes if h % keep_one_in == 0}


def dedupe(documents: list[Document], sources: dict[str, SourceText], threshold: float = 0.9) -> list[Document]:
    """Keep one canonical copy of each repeated document; the others become its aliases.

    Two documents are copies when their text without blanks and markup is equal, or
    when they share a title and at least ``threshold`` of their 12-character shingles
    (the same text with different page furniture).
    """
    kept: list[Document] = []
    fingerprints: list[tuple[str, set[int], str]] = []
    for doc in documents:
        body = compact(sources[doc.source].text[doc.start : doc.end])
        sh = _shingles(body)
        dup_of = None
        for (fp, fsh, title), canon in zip(fingerprints, kept):
            if fp == body:
                dup_of = canon
                break
            if title == doc.title and sh and fsh:
                overlap = len(sh & fsh) / min(len(sh), len(fsh))
                if overlap >= threshold:
                    dup_of = canon
                    break
        if dup_of is None:
            kept.append(doc)
            fingerprints.append((body, sh, doc.title))
            continue
        i = kept.index(dup_of)
        if len(body) > len(fingerprints[i][0]):
            # the fuller copy (one with no missing articles) becomes canonical
            doc.aliases = [*dup_of.aliases, _alias(dup_of)]
            dup_of.aliases = []
            kept[i], fingerprints[i] = doc, (body, sh, doc.title)
        else:
            dup_of.aliases.append(_alias(doc))
        log.debug("%s (%s:%d) is a copy", doc.title, doc.source, doc.line_start)
    return kept


def _alias(doc: Document) -> dict[str, object]:
    return {"source": doc.source, "start": doc.start, "end": doc.end, "line_start": doc.line_start,
            "line_end": doc.line_end, "title": doc.title, "doc_id": doc.id}


def ingest_paths(
    paths: Iterable[str | Path],
    params: ChunkParams | None = None,
    root: str | Path | None = None,
) -> IngestResult:
    """Read, split, parse, de-duplicate and chunk everything under ``paths``.

    Source names are recorded relative to ``root`` (default: the common parent of
    the inputs) so that an index does not depend on where the corpus was checked out.
    """
    params = params or ChunkParams()
    result = IngestResult()
    t0 = time.perf_counter()
    files, problems = discover(paths)
    result.problems.extend(e.problem for e in problems)
    base = Path(root) if root else _common_root(files)
    for f in files:
        name = _display_name(f, base)
        try:
            result.sources.append(read_source(f, name))
        except IngestError as exc:
            log.warning("skipped %s", exc.problem)
            result.problems.append(exc.problem)
    t1 = time.perf_counter()
    by_name = {s.path: s for s in result.sources}
    parsed, parse_problems = parse_sources(result.sources)
    result.problems.extend(parse_problems)
    docs = [doc for _, found in parsed for doc in found]
    t2 = time.perf_counter()
    result.documents = dedupe(docs, by_name)
    result.duplicates = len(docs) - len(result.documents)
    link_documents(result.documents, by_name)
    for doc in result.documents:
        result.chunks.extend(chunk_document(by_name[doc.source], doc, params))
    t3 = time.perf_counter()
    result.timings = {"read": t1 - t0, "parse": t2 - t1, "dedupe+chunk": t3 - t2}
    return result


def link_documents(documents: list[Document], sources: dict[str, SourceText]) -> None:
    """Set what depends on the whole corpus, in place: each document's metadata (precedence,
    repeals and titles are corpus-wide) and every clause's resolved cross-references.

    The build calls it once; an index update calls it again over the documents after the update.
    """
    precedence = find_precedence(documents, sources)
    repeals = find_repeals(documents, sources)
    titles = [d.title for d in documents]
    for doc in documents:
        doc.metadata = extract_metadata(doc, sources[doc.source], titles, precedence=precedence, repeals=repeals)
        doc.metadata["subject_titles"] = subject_titles(doc.title)
    clauses = {c.id: c for d in documents for c in d.clauses}
    for c in clauses.values():
        c.refs = []
    for clause_id, refs in resolve_all(documents).items():
        clauses[clause_id].refs = [r.to_dict() for r in refs]


def _common_root(files: list[Path]) -> Path:
    if not files:
        return Path(".")
    parents = [f.resolve().parent for f in files]
    common = parents[0]
    for p in parents[1:]:
        while not p.is_relative_to(common):
            common = common.parent
    return common


def _display_name(f: Path, base: Path) -> str:
    try:
        return f.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return f.name

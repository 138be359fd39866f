"""The ingest stage: paths → sources → documents (with clauses) → chunks, as one call or by steps.

:func:`ingest_paths` is a whole build's ingest. An index update (:mod:`index.update`) runs the
same steps on the files it adds, against the documents the index already holds:
:func:`read_files` (or :func:`read_file`), :func:`parse_sources`, :func:`merge_documents`
(copies become aliases), :func:`link_and_chunk` (corpus-wide metadata and cross-references, then
chunks), :func:`sources_in_use`.

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
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Literal

from .budget import BudgetedParser, FileBudget, parse_file
from .chunking import ChunkParams, chunk_document
from .documents import subject_titles
from .loaders import discover, read_source
from .metadata import extract_metadata, find_precedence, find_repeals, find_versions
from .metadata.frontmatter import front_matter_metadata, language_of
from .parsing import parse_source
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
    left_out: list[IngestProblem] = field(default_factory=list)  # files left out by design (README.md), said


#: :func:`read_and_parse`'s form: ``(path, name)`` files and a budget → each file's source and documents, problems
ParseFiles = Callable[[Sequence[tuple[Path, str]], FileBudget | None],
                      tuple[list[tuple[SourceText, list[Document]]], list[IngestProblem]]]
#: :func:`chunk_documents`' form: linked documents, their sources, the chunk sizes → the chunks, in document order
ChunkDocuments = Callable[[Sequence[Document], Mapping[str, SourceText], ChunkParams], list[Chunk]]


def read_file(path: Path, name: str) -> SourceText | IngestProblem:
    """Read one input file as source ``name`` in this process; a file that cannot be read gives its
    problem (logged). Builds and updates read through :func:`read_and_parse`, within a budget."""
    try:
        return read_source(path, name)
    except IngestError as exc:
        log.warning("skipped %s", exc.problem)
        return exc.problem


def read_and_parse(files: Sequence[tuple[Path, str]], budget: FileBudget | None = None,
                   parser: BudgetedParser | None = None,
                   ) -> tuple[list[tuple[SourceText, list[Document]]], list[IngestProblem]]:
    """Each ``(path, name)`` read and parsed within ``budget`` (in a worker process; None: in
    this one, unbudgeted): the sources with their documents, and a problem for each file that
    could not be read, ran over the budget or holds no text. One bad file never stops the others.
    A caller reading many batches may pass its own open ``parser`` (its budget is then used)."""
    parsed: list[tuple[SourceText, list[Document]]] = []
    problems: list[IngestProblem] = []
    own = BudgetedParser(budget) if parser is None and budget is not None else nullcontext(parser)
    with own as parser:
        for path, name in files:
            got = parser.parse(path, name) if parser is not None else parse_file(path, name)
            if isinstance(got, IngestProblem):
                log.warning("skipped %s", got)
                problems.append(got)
            elif (problem := _no_text(*got)) is not None:
                problems.append(problem)
            else:
                parsed.append(got)
    return parsed, problems


def read_files(paths: Iterable[str | Path], budget: FileBudget | None = None,
               ) -> tuple[list[SourceText], list[IngestProblem]]:
    """Read files to add to a corpus. A file is named by its file name; a directory's files by
    their path inside it (as a build of that directory names them). Unreadable files, files over
    ``budget`` (default: a :class:`FileBudget`), files without text, and a file whose name a file
    read before it already has, become problems."""
    named: list[tuple[Path, str]] = []
    problems: list[IngestProblem] = []
    names: set[str] = set()
    for raw in paths:
        p = Path(raw)
        files, errors = discover([p])
        problems.extend(e.problem for e in errors)
        for f in files:
            name = f.relative_to(p).as_posix() if p.is_dir() else f.name
            if name in names:
                problems.append(IngestProblem(str(f), f"another file named {name} is in the same update",
                                              "add one of them, or rename it"))
                continue
            names.add(name)
            named.append((f, name))
    parsed, parse_problems = read_and_parse(named, budget or FileBudget())
    return [source for source, _ in parsed], problems + parse_problems


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
        if (problem := _no_text(source, found)) is not None:
            problems.append(problem)
            continue
        parsed.append((source, found))
    return parsed, problems


def _no_text(source: SourceText, found: list[Document]) -> IngestProblem | None:
    """The problem of a source whose documents hold no text to index, if it is one."""
    if not found:
        return IngestProblem(source.path, "no text found", "check that the file is not empty")
    if not any(doc.clauses for doc in found):
        return IngestProblem(source.path, "no text found beneath its title line(s)",
                             "check that the file holds the document's text, one paragraph per line")
    return None


def _shingles(text: str, k: int = 12, keep_one_in: int = 4) -> set[int]:
    """Hashes of ``k``-character shingles, sampled by hash value (so the sample does not
    depend on where the text starts: a copy with extra furniture still matches). CRC-32, not
    Python's ``hash``: that one is salted per process, so which shingles were sampled, and so
    whether two documents were copies, changed from one run to the next."""
    hashes = (zlib.crc32(text[i : i + k].encode()) for i in range(max(1, len(text) - k + 1)))
    return {h for h in hashes if h % keep_one_in == 0}


def document_body(doc: Document, sources: Mapping[str, SourceText]) -> str:
    """The text two documents are compared by: the document's text without blanks and markup."""
    return compact(sources[doc.source].text[doc.start : doc.end])


def dedupe(documents: list[Document], sources: Mapping[str, SourceText], threshold: float = 0.9) -> list[Document]:
    """Keep one canonical copy of each repeated document; the others become its aliases.

    Two documents are copies when their text without blanks and markup is equal, or
    when they share a title and at least ``threshold`` of their 12-character shingles
    (the same text with different page furniture).
    """
    kept: list[Document] = []
    fingerprints: list[tuple[str, set[int], str]] = []
    for doc in documents:
        body = document_body(doc, sources)
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


@dataclass
class Merged:
    """Documents after new ones were merged into known ones (:func:`merge_documents`).

    ``documents``: the canonical documents, known and new; ``added``: the new documents among
    them; ``copy_of``: the id of every alias of a canonical document (a copy, known or new) → the
    canonical document's id. A known document missing from ``documents`` was displaced by a
    fuller new copy of it, and is now its alias.
    """

    documents: list[Document]
    added: list[Document]
    copy_of: dict[str, str]


def merge_documents(known: Sequence[Document], new: Sequence[Document],
                    sources: Mapping[str, SourceText]) -> Merged:
    """Merge ``new`` documents into ``known`` ones as a build merges copies (:func:`dedupe`):
    each copy becomes an alias of one canonical document, the fuller copy."""
    kept = dedupe([*known, *new], sources)
    kept_ids = {d.id for d in kept}
    return Merged(documents=kept, added=[d for d in new if d.id in kept_ids],
                  copy_of={a.get("doc_id"): d.id for d in kept for a in d.aliases})


def chunk_documents(documents: Iterable[Document], sources: Mapping[str, SourceText],
                    params: ChunkParams) -> list[Chunk]:
    """The chunks of ``documents`` (linked), in document order."""
    return [c for doc in documents for c in chunk_document(sources[doc.source], doc, params)]


def link_and_chunk(documents: list[Document], sources: dict[str, SourceText], params: ChunkParams,
                   chunk: Iterable[Document] | None = None) -> list[Chunk]:
    """Link ``documents`` as one corpus (:func:`link_documents`), then chunk ``chunk`` of them
    (default: all); the chunks in document order."""
    link_documents(documents, sources)
    return chunk_documents(documents if chunk is None else chunk, sources, params)


def sources_in_use(documents: Iterable[Document], sources: Mapping[str, SourceText]) -> dict[str, SourceText]:
    """The sources (in their order in ``sources``) that the documents or their aliases come from."""
    docs = list(documents)
    used = {d.source for d in docs} | {a["source"] for d in docs for a in d.aliases if "source" in a}
    return {name: s for name, s in sources.items() if name in used}


def ingest_paths(
    paths: Iterable[str | Path],
    params: ChunkParams | None = None,
    root: str | Path | None = None,
    budget: FileBudget | None | Literal["default"] = "default",
    parse: ParseFiles = read_and_parse,
    chunk: ChunkDocuments = chunk_documents,
) -> IngestResult:
    """Read, split, parse, de-duplicate and chunk everything under ``paths``.

    Each file is read and parsed within ``budget`` (a :class:`FileBudget`, in a worker process;
    None reads in this process without one, as tests of small inputs may).

    ``parse`` (the files, in order) and ``chunk`` (the linked documents, in order) run the steps that
    need no other file or document: in this process by default, on a cluster when a distributed build
    passes its own. Merging copies and linking always run here, over the whole corpus.

    Source names are recorded relative to ``root`` (default: the common parent of
    the inputs) so that an index does not depend on where the corpus was checked out.
    """
    params = params or ChunkParams()
    result = IngestResult()
    t0 = time.perf_counter()
    files, problems = discover(paths)
    base = Path(root) if root else _common_root(files)
    # a file found and not read is named as a read one is: by its path under the corpus
    said = [replace(e.problem, source=_name_under(Path(e.problem.source), base)) for e in problems]
    result.problems.extend(p for p in said if not p.by_design)
    result.left_out.extend(p for p in said if p.by_design)
    parsed, parse_problems = parse([(f, _display_name(f, base)) for f in files],
                                   FileBudget() if budget == "default" else budget)
    result.problems.extend(parse_problems)
    result.sources = [source for source, _ in parsed]
    by_name = {s.path: s for s in result.sources}
    docs = [doc for _, found in parsed for doc in found]
    t1 = t2 = time.perf_counter()
    result.documents = merge_documents([], docs, by_name).documents
    result.duplicates = len(docs) - len(result.documents)
    link_documents(result.documents, by_name)
    result.chunks = chunk(result.documents, by_name, params)
    t3 = time.perf_counter()
    result.timings = {"read+parse": t1 - t0, "dedupe+chunk": t3 - t2}
    return result


def link_documents(documents: list[Document], sources: dict[str, SourceText]) -> None:
    """Set what depends on the whole corpus, in place: each document's metadata (precedence,
    repeals and titles are corpus-wide) and every clause's resolved cross-references.

    The build calls it once; an index update calls it again over the documents after the update.
    """
    precedence = find_precedence(documents, sources)
    repeals = find_repeals(documents, sources)
    versions = find_versions(documents, sources)
    titles = [d.title for d in documents]
    for doc in documents:
        source = sources[doc.source]
        language = doc.metadata.get("language") or language_of(source.text[doc.start:doc.end])  # parse read it
        doc.metadata = extract_metadata(doc, source, titles, precedence=precedence, repeals=repeals,
                                        versions=versions)
        doc.metadata["subject_titles"] = subject_titles(doc.title)
        # a knowledge base's front matter says what the text may not (and wins where both speak)
        doc.metadata.update(jurisdiction=None, jurisdiction_name=None, topics=[], keywords=[], source_url=None)
        doc.metadata.update(front_matter_metadata(source.front_matter, doc.metadata.get("doc_type")))
        doc.metadata["language"] = language
        if not doc.metadata.get("jurisdiction") and language == "zh":
            doc.metadata["jurisdiction"] = "CN"
    _jurisdictions_by_folder(documents)
    clauses = {c.id: c for d in documents for c in d.clauses}
    for c in clauses.values():
        c.refs = []
    for clause_id, refs in resolve_all(documents).items():
        clauses[clause_id].refs = [r.to_dict() for r in refs]


def _jurisdictions_by_folder(documents: list[Document]) -> None:
    """A document of no stated jurisdiction takes the one every other document of its folder states
    (a knowledge base files each jurisdiction's texts in a folder, and its full texts may lack the
    front matter its summaries carry), in place. A folder whose documents disagree gives none.

    >>> docs = [Document(i, i, f"foreign/sg/{i}.md", 0, 1, 1, 1, "other", {"jurisdiction": j})
    ...         for i, j in (("a", "SG"), ("b", None), ("c", "SG"))]
    >>> _jurisdictions_by_folder(docs); docs[1].metadata["jurisdiction"]
    'SG'
    """
    stated: dict[str, set[str]] = {}
    for d in documents:
        if d.metadata.get("jurisdiction"):
            stated.setdefault(str(PurePosixPath(d.source).parent), set()).add(d.metadata["jurisdiction"])
    for d in documents:
        folder = str(PurePosixPath(d.source).parent)
        if not d.metadata.get("jurisdiction") and folder != "." and len(stated.get(folder, ())) == 1:
            d.metadata["jurisdiction"] = j = next(iter(stated[folder]))
            if j != "CN" and d.metadata.get("doc_type") == "unknown":  # foreign law, as its folder's others
                d.metadata.update(doc_type="境外法规", region=j)


def _common_root(files: list[Path]) -> Path:
    if not files:
        return Path(".")
    parents = [f.resolve().parent for f in files]
    common = parents[0]
    for p in parents[1:]:
        while not p.is_relative_to(common):
            common = common.parent
    return common


def _name_under(f: Path, base: Path) -> str:
    """``f``'s path under ``base`` (its folder resolved, not the file: it may be a broken link), else as given."""
    try:
        return (f.parent.resolve() / f.name).relative_to(base.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return str(f)


def _display_name(f: Path, base: Path) -> str:
    try:
        return f.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return f.name

"""Index updates by document: add, replace and remove documents without a full rebuild.

An update reads the live version, changes only what it must, and writes a new version that
replaces ``CURRENT`` atomically (see :mod:`index.store`), so an update killed at any point leaves
the index as it was before or after the change, never between, and a process serving the old
version keeps serving it. An update holds the index's write lock while it reads the live version,
changes it and swaps it in, so it is based on the newest version on disk whoever wrote it (another
process's build or update): two writers are applied one after the other, never one over the other.

* New chunks are embedded through the :class:`~index.cache.EmbeddingCache` and get new vector
  ids; the vectors of removed chunks leave the FAISS index by id (or become tombstones, see
  :mod:`index.faiss_index`); nothing else is renumbered or re-embedded.
* BM25 is re-indexed from the tokens stored with the chunks (bm25s cannot add to an index; see
  :mod:`index.bm25_index`); nothing is re-tokenised, and nothing of this happens at query time.
* What depends on the whole corpus (metadata such as precedence, cross-references) is
  recomputed over the documents after the update, as a build would.

Rules for added files, in order:

1. A file whose name is already a source of the index would replace every document of the old file.
2. A document whose text (blanks and markup aside) is that of a document in the index becomes an
   alias of it, as in a build; copies among the new documents are merged as a build merges them.
3. Otherwise, a document whose title is that of a document in the index with other text would
   replace it (a PDF of a law the corpus holds as text).
4. Anything else is added. An unreadable file is reported (with the reason and the fix) and
   changes nothing.

Replacing (rules 1 and 3) is the user's choice, ``on_conflict``: ``"ask"`` (the default) adds none
of a file that would replace something and reports the conflict (``report.conflicts``: what it would
replace, and whether it is much shorter) for the user to choose; ``"replace"`` replaces, and flags a
replacement much shorter than what it replaces; ``"keep"`` keeps both documents of one title (a file
of an indexed file's name cannot be kept beside it: rename it). Removing a document never loses its
copies in other files: they are indexed again in its place.

>>> report = add_documents("var/index", ["new_law.pdf"], embedder, cache)   # doctest: +SKIP
>>> report.added[0].title, report.chunks_added                              # doctest: +SKIP
('某某管理办法', 42)
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunking import ChunkParams
from ingest.pipeline import (document_body, link_and_chunk, merge_documents, parse_source, parse_sources,
                             read_files, sources_in_use)
from ingest.types import Chunk, Document, IngestProblem, SourceText

from .bm25_index import TokenTable, bm25_from_table
from .builder import corpus_entry
from .backends import backend_name
from .backends import milvus_collections as mv
from .cache import EmbeddingCache
from .changes import Conflict, DocChange, OnConflict, UpdateReport, change, settle_conflicts
from .embedders import Embedder
from .faiss_index import DenseParams, describe, update_dense
from .store import IndexData, read_manifest, read_version, write_index
from .tokenize import JiebaTokenizer
from .writers import current_version, fault_point, write_lock

__all__ = ["Conflict", "DocChange", "OnConflict", "Progress", "UpdateReport", "add_documents", "remove_documents"]

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
"""``progress(fraction, message)``: fraction runs from 0 to 1 over one update."""


def _locked(index_dir: Path, operation: str, progress: Progress | None) -> contextlib.AbstractContextManager[None]:
    """One writer at a time per index directory, across processes (see :func:`index.writers.write_lock`);
    a wait for another writer is shown as progress."""
    return write_lock(index_dir, operation,
                      on_wait=lambda holder: _say(progress, 0.0, f"waiting for another write to finish: {holder}"))


def _say(progress: Progress | None, fraction: float, message: str) -> None:
    log.debug("update %.0f%%: %s", fraction * 100, message)
    if progress is not None:
        progress(min(1.0, max(0.0, fraction)), message)


def _copy(doc: Document) -> Document:
    """A copy an update may change without touching the documents a live engine serves."""
    return replace(doc, metadata=dict(doc.metadata), aliases=[dict(a) for a in doc.aliases],
                   clauses=[replace(c, refs=list(c.refs)) for c in doc.clauses])


class _Plan:
    """The documents and sources of the index as an update changes them."""

    def __init__(self, base: IndexData) -> None:
        self.sources = dict(base.sources)
        self.docs = {d.id: _copy(d) for d in base.documents}
        self.gone: dict[str, Document] = {}  # removed or replaced existing documents
        self.replaced_by: dict[str, list[str]] = {}  # new doc id → old ids it replaces
        self.candidates: list[Document] = []
        self.problems: list[IngestProblem] = []
        self.alias_changes = False
        self.old_versions: dict[str, list[Document]] = {}  # replaced file → its documents before
        self.restored: list[Document] = []  # copies of removed documents, indexed again
        self._parsed: dict[str, list[Document]] = {}

    def remove(self, doc_id: str) -> Document | None:
        doc = self.docs.pop(doc_id, None)
        if doc is not None:
            self.gone[doc_id] = doc
        return doc

    def remove_by_id(self, doc_ids: Sequence[str]) -> None:
        """Remove documents by id; a removed document's copies in other files are indexed again in its
        place (the user removed one file's document, not the others')."""
        alias_of = {a.get("doc_id"): d for d in self.docs.values() for a in d.aliases}
        for doc_id in dict.fromkeys(doc_ids):
            if (doc := self.remove(doc_id)) is not None:
                for alias in doc.aliases:
                    if alias.get("source") != doc.source and alias.get("source") in self.sources:
                        copy = next((d for d in self._parse(alias["source"]) if d.id == alias.get("doc_id")), None)
                        if copy is not None:
                            self.candidates.append(copy)
                            self.restored.append(copy)
                continue
            if doc_id in alias_of:
                canon = alias_of[doc_id]
                self.problems.append(IngestProblem(
                    doc_id, f"is a copy of {canon.id} {canon.title}, not an indexed document",
                    f"remove {canon.id} to remove the document and all its copies"))
            else:
                self.problems.append(IngestProblem(doc_id, "no document with this id in the index",
                                                   "list the ids with: policyqa corpus --json"))

    def replace_sources(self, new: list[SourceText]) -> None:
        """Rule 1: a file already in the index is a new version of it."""
        names = {s.path for s in new if s.path in self.sources}
        if not names:
            return
        orphaned: list[dict[str, Any]] = []
        for doc in [d for d in self.docs.values() if d.source in names]:
            self.remove(doc.id)
            self.old_versions.setdefault(doc.source, []).append(doc)
            orphaned.extend(a for a in doc.aliases if a.get("source") not in names)
        for doc in self.docs.values():
            kept = [a for a in doc.aliases if a.get("source") not in names]
            if len(kept) != len(doc.aliases):
                doc.aliases, self.alias_changes = kept, True
        # copies in other files of a replaced document are documents again (dedupe may alias them anew)
        for alias in orphaned:
            doc = next((d for d in self._parse(alias["source"]) if d.id == alias.get("doc_id")), None)
            if doc is not None:
                self.candidates.append(doc)
        for s in new:
            self.sources[s.path] = s

    def _parse(self, name: str) -> list[Document]:
        if name not in self._parsed:
            self._parsed[name] = [_copy(d) for d in parse_source(self.sources[name])] if name in self.sources else []
        return self._parsed[name]

    def add_documents(self, docs: list[Document], replace_titles: bool = True) -> None:
        """Rules 1 and 3 (what a document replaces; by title only when ``replace_titles``) here; rule 2
        (copies) is left to :func:`ingest.pipeline.merge_documents`."""
        by_title = {d.title: d for d in self.docs.values()}
        for doc in docs:
            before = next((o for o in self.old_versions.get(doc.source, []) if o.id == doc.id or o.title == doc.title),
                          None)
            if before is not None:
                self.replaced_by.setdefault(doc.id, []).append(before.id)
            old = by_title.get(doc.title) if replace_titles else None
            if old is not None and document_body(old, self.sources) != document_body(doc, self.sources):
                self.remove(old.id)
                del by_title[doc.title]
                self.replaced_by.setdefault(doc.id, []).append(old.id)
            self.candidates.append(doc)


def _apply(index_dir: Path, base: IndexData, plan: _Plan, report: UpdateReport,
           embedder: Embedder | None, cache: EmbeddingCache | None, tokenizer: JiebaTokenizer | None,
           progress: Progress | None, t0: float, operation: str = "update", milvus_token: str = "") -> UpdateReport:
    existing_ids = set(plan.docs)
    seen = set(plan.docs)
    candidates = []
    for doc in plan.candidates:
        if doc.id in seen:
            plan.problems.append(IngestProblem(doc.source, f"document {doc.id} ({doc.title}) is already indexed",
                                               "remove it first, or give the file another name"))
            continue
        seen.add(doc.id)
        candidates.append(doc)
    merged = merge_documents(list(plan.docs.values()), candidates, plan.sources)
    kept, added, alias_owner = merged.documents, merged.added, merged.copy_of
    kept_ids = {d.id for d in kept}
    # an existing document that a fuller new copy displaced is replaced by it
    for old_id in existing_ids - kept_ids:
        owner = alias_owner.get(old_id)
        plan.gone[old_id] = plan.docs[old_id]
        if owner is not None:
            plan.replaced_by.setdefault(owner, []).append(old_id)
    report.aliased = [change(d, [alias_owner[d.id]]) for d in candidates if d.id not in kept_ids]
    report.replaced = [change(d, plan.replaced_by[d.id]) for d in added if plan.replaced_by.get(d.id)]
    restored = {d.id for d in plan.restored}
    report.added = [change(d) for d in added if not plan.replaced_by.get(d.id) and d.id not in restored]
    replaced_ids = {i for ids in plan.replaced_by.values() for i in ids}
    report.removed = [change(d) for i, d in plan.gone.items() if i not in replaced_ids]
    report.problems.extend(plan.problems)
    if not (added or plan.gone or report.aliased or plan.alias_changes):
        report.seconds = time.perf_counter() - t0
        return report
    if not kept:
        report.problems.append(IngestProblem(str(index_dir), "the update would leave the index empty",
                                             "keep at least one document, or build a new index"))
        report.added, report.replaced, report.removed, report.aliased = [], [], [], []
        report.seconds = time.perf_counter() - t0
        return report

    _say(progress, 0.15, "linking documents")
    sources = sources_in_use(kept, plan.sources)
    params = ChunkParams(**base.manifest.get("chunk_params", {}))
    new_chunks: list[Chunk] = link_and_chunk(kept, sources, params, chunk=added)
    keep_rows = [i for i, c in enumerate(base.chunks) if c.doc_id in kept_ids and c.doc_id in existing_ids]
    assert base.tokens is not None and base.vector_ids is not None

    dim = int(base.manifest.get("embedder", {}).get("dim") or (base.faiss_index.d if base.faiss_index else 0))
    vectors = np.zeros((0, dim), dtype=np.float32)
    if new_chunks:
        if embedder is None or cache is None or tokenizer is None:
            raise ValueError("adding documents needs an embedder, an embedding cache and a tokenizer")
        texts = [c.index_text for c in new_chunks]
        parts = []
        hits0, miss0 = cache.hits, cache.misses
        step = 64
        for i in range(0, len(texts), step):
            _say(progress, 0.2 + 0.6 * i / len(texts), f"embedding {i}/{len(texts)} chunks")
            parts.append(cache.embed(embedder.name, texts[i:i + step], embedder.embed_passages, progress=False))
        vectors = np.concatenate(parts)
        fault_point("update:embedded")
        report.embedded, report.cached = cache.misses - miss0, cache.hits - hits0
        new_tokens = TokenTable.from_lists(tokenizer(t) for t in texts)
    else:
        new_tokens = TokenTable.from_lists([])
    _say(progress, 0.82, "updating the dense index")
    next_vid = int(base.manifest.get("next_vid", int(base.vector_ids.max()) + 1 if len(base.vector_ids) else 0))
    new_vids = np.arange(next_vid, next_vid + len(new_chunks), dtype=np.int64)
    keep_vids = base.vector_ids[keep_rows]
    removed_vids = np.setdiff1d(base.vector_ids, keep_vids)
    live_vids = np.concatenate([keep_vids, new_vids])
    chunks = [base.chunks[i] for i in keep_rows] + new_chunks
    tokens = base.tokens.take(keep_rows).concat(new_tokens)
    manifest = dict(base.manifest)
    milvus = base.manifest.get("backend") if backend_name(base.manifest) == "milvus" else None
    dense = bm25 = None
    tombstones, rebuilt = 0, False
    if milvus is not None:
        # new rows in before the version is live, removed rows out after (the module says why)
        restamp = mv.scalars_changed(base.documents, kept)  # base: as read, before this update relinked
        mv.update_rows(index_dir, milvus, milvus_token, kept, new_chunks, vectors, new_vids,
                       [(base.chunks[i], int(base.vector_ids[i])) for i in keep_rows
                        if base.chunks[i].doc_id in restamp])
    else:
        dense_info = base.manifest.get("dense", {})
        dense_params = DenseParams.from_dict(dense_info.get("params"))
        dense, tombstones, rebuilt = update_dense(base.faiss_index, dense_params, removed_vids, vectors, new_vids,
                                                  live_vids, trained_on=dense_info.get("trained_on"))
        _say(progress, 0.88, "re-indexing BM25")
        bm25 = bm25_from_table(tokens)
        trained_on = None if rebuilt else dense_info.get("trained_on")
        manifest["dense"] = describe(dense, dense_params, tombstones=tombstones, trained_on=trained_on)
    manifest.update({
        "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "corpus": [corpus_entry(s) for s in sources.values()],
        "counts": {"sources": len(sources), "documents": len(kept),
                   "duplicates": sum(len(d.aliases) for d in kept), "chunks": len(chunks),
                   "clauses": sum(len(d.clauses) for d in kept)},
        "next_vid": next_vid + len(new_chunks),
        "last_update": {"from": base.path.name if base.path else None, "added": len(report.added),
                        "replaced": len(report.replaced), "removed": len(report.removed),
                        "aliased": len(report.aliased), "chunks_added": len(new_chunks),
                        "chunks_removed": len(base.chunks) - len(keep_rows)},
    })
    _say(progress, 0.92, "writing the new version")
    data = IndexData(manifest=manifest, chunks=chunks, documents=kept, sources=sources, faiss_index=dense,
                     bm25=bm25, vector_ids=live_vids, tokens=tokens)
    path = write_index(index_dir, data, expect_current=base.path.name if base.path else None,
                       operation=operation)
    if milvus is not None:
        mv.delete_rows(index_dir, milvus, milvus_token, removed_vids)
    report.index_path, report.version, report.changed = path, path.name, True
    report.chunks_added, report.chunks_removed = len(new_chunks), len(base.chunks) - len(keep_rows)
    report.dense = {"kind": manifest["dense"]["kind"] if "dense" in manifest else "milvus", "rebuilt": rebuilt,
                    "tombstones": tombstones}
    report.seconds = time.perf_counter() - t0
    _say(progress, 1.0, "done")
    log.info("index %s updated: +%d ~%d -%d documents, +%d -%d chunks in %.1fs", path.name, len(report.added),
             len(report.replaced), len(report.removed), report.chunks_added, report.chunks_removed, report.seconds)
    return report


def _start(index_dir: str | Path) -> tuple[Path, UpdateReport]:
    index_dir = Path(index_dir)
    read_manifest(index_dir)  # no index: the clear error, before anything else
    live = current_version(index_dir)
    assert live is not None
    return index_dir, UpdateReport(index_path=live, version=live.name)


def add_documents(index_dir: str | Path, paths: Iterable[str | Path], embedder: Embedder, cache: EmbeddingCache,
                  tokenizer: JiebaTokenizer | None = None, progress: Progress | None = None,
                  on_conflict: OnConflict = "ask", milvus_token: str = "") -> UpdateReport:
    """Add the documents of ``paths`` to the index at ``index_dir``; a file that would replace indexed
    documents is added only as ``on_conflict`` says (see the module rules). ``milvus_token``: for an index
    on a Milvus server that asks for one."""
    if on_conflict not in ("ask", "replace", "keep"):
        raise ValueError(f"on_conflict must be 'ask', 'replace' or 'keep', not {on_conflict!r}")
    t0 = time.perf_counter()
    index_dir, report = _start(index_dir)
    _say(progress, 0.0, "reading files")
    new_sources, problems = read_files(paths)
    report.problems.extend(problems)
    parsed, parse_problems = parse_sources(
        new_sources, lambda i, src: _say(progress, 0.02 + 0.08 * i / max(1, len(new_sources)), f"parsing {src.path}"))
    report.problems.extend(parse_problems)
    if not parsed:
        report.seconds = time.perf_counter() - t0
        return report
    with _locked(index_dir, "add", progress):
        fault_point("update:locked")
        # read under the lock: the change is based on the newest version on disk, whoever wrote it
        base = read_version(index_dir, expect_embedder=embedder.name)
        fault_point("update:based")
        report.index_path, report.version = base.path or index_dir, base.path.name if base.path else ""
        indexed = {d.id for d in base.documents} | {a.get("doc_id") for d in base.documents for a in d.aliases}
        same = {s.path for s, docs in parsed if s.path in base.sources and base.sources[s.path].text == s.text
                and all(d.id in indexed for d in docs)}
        report.unchanged = sorted(same)
        parsed = [(s, docs) for s, docs in parsed if s.path not in same]
        parsed = settle_conflicts(base, parsed, on_conflict, report)
        plan = _Plan(base)
        plan.replace_sources([s for s, _ in parsed])
        for s, _ in parsed:
            plan.sources[s.path] = s
        plan.add_documents([d for _, docs in parsed for d in docs], replace_titles=on_conflict == "replace")
        return _apply(index_dir, base, plan, report, embedder, cache, tokenizer or JiebaTokenizer(), progress, t0,
                      "add", milvus_token)


def remove_documents(index_dir: str | Path, doc_ids: Iterable[str], progress: Progress | None = None,
                     embedder: Embedder | None = None, cache: EmbeddingCache | None = None,
                     tokenizer: JiebaTokenizer | None = None, milvus_token: str = "") -> UpdateReport:
    """Remove documents by id; their copies in other files are indexed again in their place (which needs
    ``embedder`` and ``cache``; without them such a removal changes nothing and says why). Unknown ids
    are reported as problems."""
    t0 = time.perf_counter()
    index_dir, report = _start(index_dir)
    with _locked(index_dir, "remove", progress):
        fault_point("update:locked")
        base = read_version(index_dir)
        fault_point("update:based")
        report.index_path, report.version = base.path or index_dir, base.path.name if base.path else ""
        plan = _Plan(base)
        _say(progress, 0.05, "removing documents")
        plan.remove_by_id(list(doc_ids))
        if plan.restored and (embedder is None or cache is None):
            kept = ", ".join(f"{d.title} ({d.source})" for d in plan.restored)
            report.problems.append(IngestProblem(", ".join(doc_ids), f"its copies in other files would be lost: {kept}",
                                                 "remove it through PolicyQA.remove or policyqa remove, which "
                                                 "index the copies again"))
            report.seconds = time.perf_counter() - t0
            return report
        report.restored = [change(d) for d in plan.restored]
        return _apply(index_dir, base, plan, report, embedder, cache, tokenizer or JiebaTokenizer(), progress, t0,
                      "remove", milvus_token)

"""The index directory: versioned, written atomically, checked on open.

Layout::

    INDEX_DIR/
      CURRENT                   name of the live version (replaced atomically)
      v20261123T150102123456-ab12c3/
                                one complete version (a build or an update):
        manifest.json           format, embedder, tokenizer, parameters, dense index, corpus checksums, counts, models
        chunks.jsonl            one chunk a line, with its stable vector id ("vid")
        tokens.npz              the BM25 tokens of each chunk (updates re-index BM25 from them)
        documents.json          documents with metadata, clauses and aliases
        sources.jsonl           the decoded text of every source (citations point into it)
        dense.faiss             FAISS index over chunk vectors, keyed by vector id (see index.faiss_index)
        bm25/                   bm25s index over the same chunks, in chunk order

      .update.lock              the write lock (index.writers); while held, it names its holder
      .vXXXX.partial/           a version being written (or left by a writer that was killed)

A build or update writes a new version beside the live one and then replaces
``CURRENT``; one killed at any moment leaves the previous version live (or, killed
after the swap, the new one), never a half-written version. Old versions beyond
``keep`` are removed. Vector ids are never reused: an update removes and adds FAISS
entries by id without renumbering the others.

Every write runs under the index's inter-process write lock (:func:`index.writers.write_lock`):
one writer at a time; the first to take it removes what killed writers left. Readers take
no lock: they read whichever version ``CURRENT`` names.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from ingest.types import Chunk, Clause, Document, SourceText

from .bm25_index import TokenTable
from .faiss_index import DenseParams, relabel_to_rows, set_search_params
from .writers import IndexChangedError, IndexOpenError, current_version, fault_point, fsync_dir, prune, write_lock

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
# format 1 (no vector ids, no stored tokens) still opens for questions; updating it needs a rebuild
READABLE_FORMATS = (1, 2)


@dataclass
class IndexData:
    """Everything a build produces, in memory.

    ``vector_ids[i]`` is the stable FAISS id of ``chunks[i]`` (default: ``i``). An index opened
    by :func:`load_index` is *row-keyed*: its FAISS keys are chunk rows, so ``chunk_row`` and
    search results index ``chunks`` directly, and ``tombstones`` counts the removed vectors an
    approximate index still holds (searches exclude them). ``tokens`` are the BM25 tokens of the
    chunks, present when writing (an index opened for search does not load them).
    """

    manifest: dict[str, Any]
    chunks: list[Chunk]
    documents: list[Document]
    sources: dict[str, SourceText]
    vectors: np.ndarray | None = None
    faiss_index: Any = None
    bm25: Any = None
    path: Path | None = None
    chunk_row: dict[str, int] = field(default_factory=dict)
    vector_ids: np.ndarray | None = None
    tokens: TokenTable | None = None
    tombstones: int = 0
    row_keyed: bool = False
    backend: Any = None  # the search backend, opened on first use (index.backends.open_backend)

    def __post_init__(self) -> None:
        if not self.chunk_row:
            self.chunk_row = {c.id: i for i, c in enumerate(self.chunks)}
        if self.vector_ids is None:
            self.vector_ids = np.arange(len(self.chunks), dtype=np.int64)
        if len(self.vector_ids) != len(self.chunks):
            raise ValueError(f"{len(self.chunks)} chunks but {len(self.vector_ids)} vector ids")
        if self.tokens is not None and len(self.tokens) != len(self.chunks):
            raise ValueError(f"{len(self.chunks)} chunks but {len(self.tokens)} token lists")


def backend_name(manifest: dict[str, Any]) -> str:
    """The search backend an index version was written for (:mod:`index.backends`; versions from before
    backends: ``faiss``)."""
    return str((manifest.get("backend") or {}).get("name") or "faiss")


def _doc_from_dict(d: dict[str, Any]) -> Document:
    clauses = [
        Clause(id=c["id"], doc_id=d["id"], level=c["level"], number=c.get("number", ""), label=c["label"],
               path=tuple(c["path"]), start=c["start"], end=c["end"], text=c["text"], parent=c.get("parent"),
               page=c.get("page"), refs=c.get("refs", []))
        for c in d.get("clauses", [])
    ]
    return Document(id=d["id"], title=d["title"], source=d["source"], start=d["start"], end=d["end"],
                    line_start=d["line_start"], line_end=d["line_end"], kind=d["kind"],
                    metadata=d.get("metadata", {}), clauses=clauses, aliases=d.get("aliases", []))


def _doc_to_dict(doc: Document) -> dict[str, Any]:
    d = doc.to_dict(with_clauses=False)
    d["clauses"] = [c.to_dict() for c in doc.clauses]
    return d


def write_index(index_dir: str | Path, data: IndexData, keep: int = 2, expect_current: str | None = None,
                operation: str = "write") -> Path:
    """Write ``data`` as a new version of ``index_dir`` and make it live atomically.

    Runs under :func:`write_lock` (taken here unless the caller holds it). ``expect_current``: the
    version the data was based on (an update); if ``CURRENT`` names another one, nothing is made
    live and :class:`IndexChangedError` says so (compare-and-swap).
    """
    import faiss

    if data.row_keyed:
        raise ValueError("this index was opened for search (FAISS keys are rows); write the vector-id-keyed "
                         "index an update or build produces")
    if data.tokens is None:
        raise ValueError("an index version needs the BM25 tokens of its chunks (IndexData.tokens)")
    assert data.vector_ids is not None
    index_dir = Path(index_dir)
    with write_lock(index_dir, operation):
        # microseconds, so that versions sort in the order they were written
        name = datetime.now().strftime("v%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]
        live = current_version(index_dir)
        if live is not None and name <= live.name:  # a clock set back: still sort after the live version
            name = live.name.split("-")[0] + "1-" + uuid.uuid4().hex[:6]
        tmp = index_dir / f".{name}.partial"
        marker_tmp = index_dir / f".CURRENT.{uuid.uuid4().hex[:6]}"
        final = index_dir / name
        tmp.mkdir()
        fault_point("write:partial")
        try:
            with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
                for c, vid in zip(data.chunks, data.vector_ids.tolist()):
                    f.write(json.dumps({**c.to_dict(), "vid": vid}, ensure_ascii=False) + "\n")
            fault_point("write:chunks")
            data.tokens.save(tmp / "tokens.npz")
            with open(tmp / "documents.json", "w", encoding="utf-8") as f:
                json.dump([_doc_to_dict(d) for d in data.documents], f, ensure_ascii=False)
            with open(tmp / "sources.jsonl", "w", encoding="utf-8") as f:
                for s in data.sources.values():
                    f.write(json.dumps({"path": s.path, "encoding": s.encoding, "page_starts": list(s.page_starts),
                                        "text": s.text}, ensure_ascii=False) + "\n")
            if data.faiss_index is not None:
                faiss.write_index(data.faiss_index, str(tmp / "dense.faiss"))
            if data.bm25 is not None:
                data.bm25.save(str(tmp / "bm25"), show_progress=False)
            fault_point("write:files")
            manifest = dict(data.manifest)
            manifest["format_version"] = FORMAT_VERSION
            manifest["version"] = name
            top = int(data.vector_ids.max()) + 1 if len(data.vector_ids) else 0
            manifest["next_vid"] = max(top, int(manifest.get("next_vid", 0)))
            manifest["files"] = sorted(p.name for p in tmp.iterdir())
            with open(tmp / "manifest.json", "w", encoding="utf-8") as f:
                json.dump(manifest, f, ensure_ascii=False, indent=2)
            fault_point("write:manifest")
            for p in tmp.rglob("*"):
                if p.is_file():
                    with open(p, "rb") as fh:
                        os.fsync(fh.fileno())
            fsync_dir(tmp)
            fault_point("write:synced")
            os.replace(tmp, final)
            fsync_dir(index_dir)
            fault_point("write:renamed")
            marker_tmp.write_text(name + "\n", encoding="utf-8")
            with open(marker_tmp, "rb") as fh:
                os.fsync(fh.fileno())
            fault_point("write:marker")
            now = current_version(index_dir)
            if expect_current is not None and (now.name if now else None) != expect_current:
                raise IndexChangedError(
                    f"index {index_dir} changed while this {operation} ran: it was based on version {expect_current}, "
                    f"but CURRENT names {now.name if now else 'nothing'} (another process wrote it without the "
                    f"write lock). Nothing was changed; run the {operation} again."
                )
            os.replace(marker_tmp, index_dir / "CURRENT")
            fsync_dir(index_dir)
            fault_point("write:current")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            # a complete version that never became live goes too, with its draft of CURRENT
            if current_version(index_dir) != final:
                shutil.rmtree(final, ignore_errors=True)
            marker_tmp.unlink(missing_ok=True)
            raise
        prune(index_dir, keep)
        fault_point("write:pruned")
    data.path = final
    data.manifest = manifest
    log.info("index version %s written to %s", name, index_dir)
    return final


def read_manifest(index_dir: str | Path) -> dict[str, Any]:
    index_dir = Path(index_dir)
    return _manifest_of(index_dir, _live(index_dir))


def _live(index_dir: Path) -> Path:
    version = current_version(index_dir)
    if version is None:
        raise IndexOpenError(
            f"no index at {index_dir}: it has no CURRENT version. "
            f"Build one with: policyqa build corpus --index {index_dir}"
        )
    return version


def _manifest_of(index_dir: Path, version: Path) -> dict[str, Any]:
    try:
        return json.loads((version / "manifest.json").read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexOpenError(
            f"index {version} has no readable manifest.json ({exc}). "
            f"Rebuild it with: policyqa build corpus --index {index_dir}"
        ) from exc


def _check_format(index_dir: Path, manifest: dict[str, Any]) -> int:
    fv = manifest.get("format_version")
    if fv not in READABLE_FORMATS:
        raise IndexOpenError(
            f"index {index_dir} has format version {fv}, this policyqa reads version {FORMAT_VERSION}. "
            f"Rebuild it with: policyqa build corpus --index {index_dir}"
        )
    return int(fv)


def _read_chunks(version: Path) -> tuple[list[Chunk], np.ndarray]:
    chunks: list[Chunk] = []
    vids: list[int] = []
    with open(version / "chunks.jsonl", encoding="utf-8") as f:
        for i, line in enumerate(f):
            d = json.loads(line)
            vids.append(int(d.pop("vid", i)))
            chunks.append(Chunk.from_dict(d))
    return chunks, np.asarray(vids, dtype=np.int64)


def read_version(index_dir: str | Path, expect_embedder: str | None = None) -> IndexData:
    """The live version as written: FAISS keyed by vector id, BM25 tokens loaded, no BM25 index.

    This is what an update starts from; :func:`load_index` opens an index for search.
    """
    import faiss

    index_dir = Path(index_dir)
    version = _live(index_dir)
    manifest = _manifest_of(index_dir, version)
    if _check_format(index_dir, manifest) < FORMAT_VERSION or not (version / "tokens.npz").is_file():
        raise IndexOpenError(
            f"index {index_dir} has format version {manifest.get('format_version')}, which cannot be updated "
            f"(it has no vector ids and stored tokens). Rebuild it with: policyqa build corpus --index {index_dir}"
        )
    _check_embedder(index_dir, manifest, expect_embedder)
    chunks, vids = _read_chunks(version)
    tokens = TokenTable.load(version / "tokens.npz")
    # a Milvus index keeps its vectors in Milvus (index.backends.milvus)
    dense = None if backend_name(manifest) == "milvus" else faiss.read_index(str(version / "dense.faiss"))
    try:
        return IndexData(manifest=manifest, chunks=chunks, documents=_read_documents(version),
                         sources=_read_sources(version), faiss_index=dense, path=version, vector_ids=vids,
                         tokens=tokens)
    except ValueError as exc:
        raise IndexOpenError(f"index {version} is inconsistent: {exc}. "
                             f"Rebuild it with: policyqa build corpus --index {index_dir}") from exc


def _check_embedder(index_dir: Path, manifest: dict[str, Any], expect_embedder: str | None) -> None:
    built_with = manifest.get("embedder", {}).get("name")
    if expect_embedder and built_with and built_with != expect_embedder:
        raise IndexOpenError(
            f"index {index_dir} was built with embedder {built_with!r}, but {expect_embedder!r} is configured. "
            f"Rebuild it with: policyqa build corpus --index {index_dir} --embedder <spec>, "
            f"or set POLICYQA_EMBEDDER to the index's embedder."
        )


def _read_documents(version: Path) -> list[Document]:
    return [_doc_from_dict(d) for d in json.loads((version / "documents.json").read_text("utf-8"))]


def _read_sources(version: Path) -> dict[str, SourceText]:
    sources = {}
    with open(version / "sources.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            sources[d["path"]] = SourceText(d["path"], d["text"], d["encoding"], tuple(d.get("page_starts", ())))
    return sources


def load_index(index_dir: str | Path, expect_embedder: str | None = None,
               dense: DenseParams | None = None) -> IndexData:
    """Open the live version of an index for search; raise :class:`IndexOpenError` with the fix.

    The FAISS index comes back row-keyed (see :class:`IndexData`). ``dense`` sets the query-time
    parameters (HNSW ``ef_search``, IVF ``nprobe``); by default those the index was built with.
    """
    index_dir = Path(index_dir)
    for attempt in range(3):
        version = current_version(index_dir)
        try:
            return _load_version(index_dir, expect_embedder, dense)
        except (OSError, ValueError, IndexOpenError):
            # a writer may have made another version live and pruned this one while it was read
            if attempt == 2 or version is None or current_version(index_dir) == version:
                raise
            log.info("index %s: version %s was replaced while it was read; reading the new one", index_dir,
                     version.name)
    raise AssertionError("unreachable")


def _load_version(index_dir: Path, expect_embedder: str | None, dense: DenseParams | None) -> IndexData:
    import bm25s
    import faiss

    version = _live(index_dir)  # read once: every file below comes from this version
    manifest = _manifest_of(index_dir, version)
    _check_format(index_dir, manifest)
    _check_embedder(index_dir, manifest, expect_embedder)
    chunks, vids = _read_chunks(version)
    dense_index = faiss.read_index(str(version / "dense.faiss")) if (version / "dense.faiss").exists() else None
    bm25 = bm25s.BM25.load(str(version / "bm25"), show_progress=False) if (version / "bm25").is_dir() else None
    tombstones = 0
    if dense_index is not None:
        try:
            tombstones = relabel_to_rows(dense_index, vids)
        except ValueError as exc:
            raise IndexOpenError(
                f"index {version} is inconsistent: {exc}. Rebuild it with: policyqa build corpus --index {index_dir}"
            ) from exc
        params = dense or DenseParams.from_dict(manifest.get("dense", {}).get("params"))
        set_search_params(dense_index, ef_search=params.ef_search, nprobe=params.nprobe)
    if bm25 is not None and bm25.scores["num_docs"] != len(chunks):
        raise IndexOpenError(
            f"index {version} is inconsistent: BM25 holds {bm25.scores['num_docs']} chunks, chunks.jsonl "
            f"{len(chunks)}. Rebuild it with: policyqa build corpus --index {index_dir}"
        )
    return IndexData(manifest=manifest, chunks=chunks, documents=_read_documents(version),
                     sources=_read_sources(version), faiss_index=dense_index, bm25=bm25, path=version,
                     vector_ids=vids, tombstones=tombstones, row_keyed=True)


def kept_manifests(index_dir: str | Path) -> list[dict[str, Any]]:
    """The manifests of every complete version in ``index_dir`` (the live one and those kept beside it)."""
    out = []
    for version in sorted(p for p in Path(index_dir).iterdir() if p.is_dir() and p.name.startswith("v")):
        try:
            out.append(json.loads((version / "manifest.json").read_text("utf-8")))
        except (OSError, json.JSONDecodeError):
            continue
    return out

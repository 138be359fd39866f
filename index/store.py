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

A build or update writes a new version beside the live one and then replaces
``CURRENT``; one killed halfway leaves the previous version live. Old versions
beyond ``keep`` are removed. Vector ids are never reused: an update removes and
adds FAISS entries by id without renumbering the others.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from ingest.types import Chunk, Clause, Document, SourceText

from .bm25_index import TokenTable
from .faiss_index import DenseParams, relabel_to_rows, set_search_params

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
# format 1 (no vector ids, no stored tokens) still opens for questions; updating it needs a rebuild
READABLE_FORMATS = (1, 2)


class IndexOpenError(Exception):
    """An index that cannot be opened; the message says why and what command fixes it."""


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

    def __post_init__(self) -> None:
        if not self.chunk_row:
            self.chunk_row = {c.id: i for i, c in enumerate(self.chunks)}
        if self.vector_ids is None:
            self.vector_ids = np.arange(len(self.chunks), dtype=np.int64)
        if len(self.vector_ids) != len(self.chunks):
            raise ValueError(f"{len(self.chunks)} chunks but {len(self.vector_ids)} vector ids")
        if self.tokens is not None and len(self.tokens) != len(self.chunks):
            raise ValueError(f"{len(self.chunks)} chunks but {len(self.tokens)} token lists")


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


def current_version(index_dir: Path) -> Path | None:
    """The live version directory of an index, or None when there is none."""
    marker = index_dir / "CURRENT"
    if not marker.is_file():
        return None
    version = index_dir / marker.read_text("utf-8").strip()
    return version if version.is_dir() else None


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_index(index_dir: str | Path, data: IndexData, keep: int = 2) -> Path:
    """Write ``data`` as a new version of ``index_dir`` and make it live atomically."""
    import faiss

    if data.row_keyed:
        raise ValueError("this index was opened for search (FAISS keys are rows); write the vector-id-keyed "
                         "index an update or build produces")
    if data.tokens is None:
        raise ValueError("an index version needs the BM25 tokens of its chunks (IndexData.tokens)")
    assert data.vector_ids is not None
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    # microseconds, so that versions sort in the order they were written
    name = datetime.now().strftime("v%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]
    tmp = index_dir / f".{name}.partial"
    marker_tmp = index_dir / f".CURRENT.{uuid.uuid4().hex[:6]}"
    tmp.mkdir()
    try:
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
            for c, vid in zip(data.chunks, data.vector_ids.tolist()):
                f.write(json.dumps({**c.to_dict(), "vid": vid}, ensure_ascii=False) + "\n")
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
        manifest = dict(data.manifest)
        manifest["format_version"] = FORMAT_VERSION
        manifest["version"] = name
        top = int(data.vector_ids.max()) + 1 if len(data.vector_ids) else 0
        manifest["next_vid"] = max(top, int(manifest.get("next_vid", 0)))
        manifest["files"] = sorted(p.name for p in tmp.iterdir())
        with open(tmp / "manifest.json", "w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=2)
        for p in tmp.rglob("*"):
            if p.is_file():
                with open(p, "rb") as fh:
                    os.fsync(fh.fileno())
        final = index_dir / name
        os.replace(tmp, final)
        marker_tmp.write_text(name + "\n", encoding="utf-8")
        with open(marker_tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(marker_tmp, index_dir / "CURRENT")
        _fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        # a complete version that never became live goes too, with its draft of CURRENT
        if current_version(index_dir) != index_dir / name:
            shutil.rmtree(index_dir / name, ignore_errors=True)
        marker_tmp.unlink(missing_ok=True)
        raise
    _prune(index_dir, keep)
    data.path = final
    data.manifest = manifest
    log.info("index version %s written to %s", name, index_dir)
    return final


def _prune(index_dir: Path, keep: int) -> None:
    live = current_version(index_dir)
    versions = sorted(p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("v"))
    for old in versions[: max(0, len(versions) - keep)]:
        if old != live:
            shutil.rmtree(old, ignore_errors=True)
    for stale in index_dir.glob(".*.partial"):
        # partial builds older than an hour were killed; newer ones may be running
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)


def read_manifest(index_dir: str | Path) -> dict[str, Any]:
    index_dir = Path(index_dir)
    version = current_version(index_dir)
    if version is None:
        raise IndexOpenError(
            f"no index at {index_dir}: it has no CURRENT version. "
            f"Build one with: policyqa build corpus --index {index_dir}"
        )
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
    manifest = read_manifest(index_dir)
    version = current_version(index_dir)
    assert version is not None
    if _check_format(index_dir, manifest) < FORMAT_VERSION or not (version / "tokens.npz").is_file():
        raise IndexOpenError(
            f"index {index_dir} has format version {manifest.get('format_version')}, which cannot be updated "
            f"(it has no vector ids and stored tokens). Rebuild it with: policyqa build corpus --index {index_dir}"
        )
    _check_embedder(index_dir, manifest, expect_embedder)
    chunks, vids = _read_chunks(version)
    tokens = TokenTable.load(version / "tokens.npz")
    dense = faiss.read_index(str(version / "dense.faiss"))
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
    import bm25s
    import faiss

    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    version = current_version(index_dir)
    assert version is not None
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

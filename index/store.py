"""The index directory: versioned, written atomically, checked on open.

Layout::

    INDEX_DIR/
      CURRENT                 name of the live version (replaced atomically)
      v20261123T150102-ab12/  one complete build
        manifest.json         format, embedder, tokenizer, parameters, corpus checksums, counts
        chunks.jsonl          one chunk a line; line number = vector id
        documents.json        documents with metadata, clauses and aliases
        sources.jsonl         the decoded text of every source (citations point into it)
        dense.faiss           FAISS index over chunk vectors (ids = line numbers)
        bm25/                 bm25s index over the same chunks

A build writes a new version beside the live one and then replaces ``CURRENT``;
a build killed halfway leaves the previous version live. Old versions beyond
``keep`` are removed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.types import Chunk, Clause, Document, SourceText

log = logging.getLogger(__name__)

FORMAT_VERSION = 1


class IndexOpenError(Exception):
    """An index that cannot be opened; the message says why and what command fixes it."""


@dataclass
class IndexData:
    """Everything a build produces, in memory."""

    manifest: dict[str, Any]
    chunks: list[Chunk]
    documents: list[Document]
    sources: dict[str, SourceText]
    vectors: np.ndarray | None = None
    faiss_index: Any = None
    bm25: Any = None
    path: Path | None = None
    chunk_row: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.chunk_row:
            self.chunk_row = {c.id: i for i, c in enumerate(self.chunks)}


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

    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    name = time.strftime("v%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    tmp = index_dir / f".{name}.partial"
    tmp.mkdir()
    try:
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
            for c in data.chunks:
                f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
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
        manifest["files"] = sorted(p.name for p in tmp.iterdir())
        with open(tmp / "manifest.json", "w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=2)
        for p in tmp.rglob("*"):
            if p.is_file():
                with open(p, "rb") as fh:
                    os.fsync(fh.fileno())
        final = index_dir / name
        os.replace(tmp, final)
        marker_tmp = index_dir / f".CURRENT.{uuid.uuid4().hex[:6]}"
        marker_tmp.write_text(name + "\n", encoding="utf-8")
        with open(marker_tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(marker_tmp, index_dir / "CURRENT")
        _fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
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


def load_index(index_dir: str | Path, expect_embedder: str | None = None) -> IndexData:
    """Open the live version of an index; raise :class:`IndexOpenError` with the fix."""
    import bm25s
    import faiss

    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    version = current_version(index_dir)
    assert version is not None
    fv = manifest.get("format_version")
    if fv != FORMAT_VERSION:
        raise IndexOpenError(
            f"index {index_dir} has format version {fv}, this policyqa reads version {FORMAT_VERSION}. "
            f"Rebuild it with: policyqa build corpus --index {index_dir}"
        )
    built_with = manifest.get("embedder", {}).get("name")
    if expect_embedder and built_with and built_with != expect_embedder:
        raise IndexOpenError(
            f"index {index_dir} was built with embedder {built_with!r}, but {expect_embedder!r} is configured. "
            f"Rebuild it with: policyqa build corpus --index {index_dir} --embedder <spec>, "
            f"or set POLICYQA_EMBEDDER to the index's embedder."
        )
    chunks = [Chunk.from_dict(json.loads(line)) for line in (version / "chunks.jsonl").open(encoding="utf-8")]
    documents = [_doc_from_dict(d) for d in json.loads((version / "documents.json").read_text("utf-8"))]
    sources = {}
    for line in (version / "sources.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        sources[d["path"]] = SourceText(d["path"], d["text"], d["encoding"], tuple(d.get("page_starts", ())))
    dense = faiss.read_index(str(version / "dense.faiss")) if (version / "dense.faiss").exists() else None
    bm25 = bm25s.BM25.load(str(version / "bm25"), show_progress=False) if (version / "bm25").is_dir() else None
    if dense is not None and dense.ntotal != len(chunks):
        raise IndexOpenError(
            f"index {version} is inconsistent: {dense.ntotal} vectors for {len(chunks)} chunks. "
            f"Rebuild it with: policyqa build corpus --index {index_dir}"
        )
    return IndexData(manifest=manifest, chunks=chunks, documents=documents, sources=sources,
                     faiss_index=dense, bm25=bm25, path=version)

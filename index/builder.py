"""Chunks → indexes: embed (through the cache), BM25, FAISS, then write atomically."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunking import ChunkParams
from ingest.pipeline import IngestResult, ingest_paths
from ingest.types import IngestProblem, SourceText

from .bm25_index import TokenTable, bm25_from_table, quiet_bm25s  # noqa: F401 (quiet_bm25s: re-exported)
from .backends import BackendSpec
from .backends import milvus_collections as mv
from .cache import EmbeddingCache
from .embedders import Embedder
from .faiss_index import DenseParams, build_dense, describe
from .store import IndexData, write_index
from .tokenize import JiebaTokenizer
from .writers import fault_point, write_lock

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """What a build found and how long each stage took (seconds)."""

    index_path: Path
    sources: int
    documents: int
    duplicates: int
    chunks: int
    clauses: int
    problems: list[IngestProblem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    embedded: int = 0
    cached: int = 0
    left_out: list[IngestProblem] = field(default_factory=list)  # by design (README.md, SOURCES.md)

    def summary(self) -> str:
        lines = [
            f"index: {self.index_path}",
            f"sources: {self.sources}  documents: {self.documents} (+{self.duplicates} duplicates as aliases)  "
            f"clauses: {self.clauses}  chunks: {self.chunks}",
            f"embeddings: {self.embedded} computed, {self.cached} from cache",
            "time: " + "  ".join(f"{k} {v:.1f}s" for k, v in self.timings.items()),
        ]
        if self.problems:
            lines.append(f"skipped {len(self.problems)} file(s):")
            lines.extend(f"  - {p}" for p in self.problems)
        if self.left_out:
            lines.append("left out by design: " + ", ".join(p.source for p in self.left_out))
        return "\n".join(lines)


def build_bm25(token_lists: list[list[str]]):
    """A bm25s index over token lists (row ``i`` = list ``i``)."""
    return bm25_from_table(TokenTable.from_lists(token_lists))


def corpus_entry(source: SourceText) -> dict[str, Any]:
    """What the manifest records of one source: its name, the checksum of its text, size and encoding."""
    return {"path": source.path, "sha256": hashlib.sha256(source.text.encode("utf-8")).hexdigest(),
            "chars": len(source.text), "encoding": source.encoding}


def build_index(
    paths: list[str | Path],
    index_dir: str | Path,
    embedder: Embedder,
    cache: EmbeddingCache,
    tokenizer: JiebaTokenizer | None = None,
    chunk_params: ChunkParams | None = None,
    progress: bool = True,
    ingested: IngestResult | None = None,
    dense_params: DenseParams | None = None,
    models: dict[str, str] | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    backend: BackendSpec | None = None,
) -> BuildReport:
    """Ingest ``paths`` and write a complete new index version to ``index_dir``.

    ``dense_params`` choose the FAISS index (default: exact up to 50,000 chunks, IVF above);
    ``models`` (name → version) are recorded in the manifest: the learned models the index is served with.
    ``embed`` turns the chunks' texts into their vectors, in order (default: ``embedder`` through ``cache``
    in this process; the distributed build passes its own). ``backend`` says where the vectors and BM25
    terms are searched (default: FAISS and bm25s files in the version; see :mod:`index.backends`).

    The whole build holds the index's write lock (:func:`index.writers.write_lock`): an update asked for
    meanwhile waits and then applies to this build's version, instead of being silently overwritten by it.
    """
    with write_lock(index_dir, "build"):
        fault_point("build:locked")
        return _build(paths, index_dir, embedder, cache, tokenizer, chunk_params, progress, ingested, dense_params,
                      models, embed, backend or BackendSpec())


def _build(paths: list[str | Path], index_dir: str | Path, embedder: Embedder, cache: EmbeddingCache,
           tokenizer: JiebaTokenizer | None, chunk_params: ChunkParams | None, progress: bool,
           ingested: IngestResult | None, dense_params: DenseParams | None,
           models: dict[str, str] | None, embed: Callable[[list[str]], np.ndarray] | None,
           backend: BackendSpec) -> BuildReport:
    tokenizer = tokenizer or JiebaTokenizer()
    chunk_params = chunk_params or ChunkParams()
    dense_params = dense_params or DenseParams()
    t0 = time.perf_counter()
    result = ingested or ingest_paths(paths, chunk_params)
    t_ingest = time.perf_counter() - t0
    if not result.chunks:
        raise ValueError(
            "nothing to index: no text was found in " + ", ".join(map(str, paths))
            + ("; problems: " + "; ".join(map(str, result.problems)) if result.problems else "")
        )
    texts = [c.index_text for c in result.chunks]
    t1 = time.perf_counter()
    hits0, miss0 = cache.hits, cache.misses
    # an embedder may ask for larger calls (the PyTorch path spreads one call over all cores)
    batch_size = int(getattr(embedder, "batch_size", 32) or 32)
    if embed is not None:
        vectors = np.asarray(embed(texts), dtype=np.float32)
        if vectors.shape[0] != len(texts):
            raise ValueError(f"the embed function gave {vectors.shape[0]} vectors for {len(texts)} chunks")
    else:
        vectors = cache.embed(embedder.name, texts, embedder.embed_passages, batch_size=batch_size,
                              progress=progress)
    t_embed = time.perf_counter() - t1
    fault_point("build:embedded")
    t2 = time.perf_counter()
    tokens = TokenTable.from_lists(tokenizer(t) for t in texts)
    bm25 = dense = None
    milvus: dict[str, Any] | None = None
    if backend.name == "milvus":
        milvus = mv.write_build(Path(index_dir), backend.milvus_uri, backend.milvus_token, result.chunks,
                                result.documents, vectors, np.arange(len(result.chunks), dtype=np.int64), tokenizer)
    else:
        bm25 = bm25_from_table(tokens)
        dense = build_dense(vectors, params=dense_params)
    t_index = time.perf_counter() - t2
    manifest: dict[str, Any] = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "embedder": {"name": embedder.name, "dim": int(vectors.shape[1]),
                     **({"precision": embedder.precision} if hasattr(embedder, "precision") else {})},
        "tokenizer": tokenizer.name,
        "chunk_params": {"max_chars": chunk_params.max_chars, "min_chars": chunk_params.min_chars},
        "backend": milvus or {"name": "faiss"},
        **({"dense": describe(dense, dense_params)} if dense is not None else {}),
        "corpus": [corpus_entry(s) for s in result.sources],
        "counts": {"sources": len(result.sources), "documents": len(result.documents),
                   "duplicates": result.duplicates, "chunks": len(result.chunks),
                   "clauses": sum(len(d.clauses) for d in result.documents)},
        "problems": [{"source": p.source, "reason": p.reason, "fix": p.fix} for p in result.problems],
        "left_out": [{"source": p.source, "reason": p.reason} for p in result.left_out],
        # the learned models (ranker, abstention) the index is served with, by version and checksum
        "models": dict(models or {}),
    }
    t3 = time.perf_counter()
    data = IndexData(manifest=manifest, chunks=result.chunks, documents=result.documents,
                     sources={s.path: s for s in result.sources}, vectors=vectors, faiss_index=dense, bm25=bm25,
                     tokens=tokens)
    try:
        path = write_index(index_dir, data, operation="build")
    finally:
        if milvus is not None:
            mv.settle(Path(index_dir), milvus, backend.milvus_token,
                      live=data.path is not None and data.manifest.get("version") is not None)
    t_write = time.perf_counter() - t3
    timings = {"ingest": t_ingest, "embed": t_embed, "index": t_index, "write": t_write}
    data.manifest["timings"] = timings
    return BuildReport(
        index_path=path,
        sources=len(result.sources),
        documents=len(result.documents),
        duplicates=result.duplicates,
        chunks=len(result.chunks),
        clauses=manifest["counts"]["clauses"],
        problems=result.problems,
        left_out=result.left_out,
        timings=timings,
        embedded=cache.misses - miss0,
        cached=cache.hits - hits0,
    )

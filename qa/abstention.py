"""When the retrieved clauses hold no basis for an answer.

The unanswerable questions users ask are traps more often than nonsense: a document the
corpus only names (a regulation it cites but does not hold), a figure it never states (a
province's target for its data industry when only the plan's cover notice is held), a number stated for
something else in a neighbouring clause. Two checks catch them:

* :func:`absent_named` — the question asks about a document (《…》, "…条例对…", "按照…办法，") that
  no indexed document's title holds and no indexed text names (a document the corpus speaks of
  may be asked about: "国防科研数据的管理办法由谁来制定？"); :func:`absent_document`, for a question
  asking for a figure, also any name in it ending in a kind of document;
* :func:`figure_support` — a question asking for a figure needs a *sentence* that states that
  kind of figure **and** speaks of what the question asks (enough of its weighted terms,
  beyond the words of the document's title); the sentences of the documents the question
  names when it names any, else of the top hits. Clause labels (第五十二条) are not figures.

>>> absent_document("《快递市场管理条例》对泄露运单信息的快递公司罚多少钱？",
...                 ["中华人民共和国网络安全法", "数据出境安全评估办法"])
'快递市场管理条例'
>>> absent_document("数据出境安全评估办法：评估结果的有效期是多久？", ["数据出境安全评估办法"]) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import fsum

import numpy as np

from index.tokenize import pos_tags
from ingest.text import char_bigrams
from ingest.titles import title_key
from ingest.types import Document
from retrieval.figures import states_figure
from retrieval.filters import Filters
from retrieval.learned import Model, resolve_model
from retrieval.terms import covered, fold
from retrieval.types import ArticleRef, Hit

from . import wording
from .selection import SENTENCE

# names of documents as people write them: 《…》, or words ending in a kind of document
_QUOTED = re.compile(r"《([^》]{4,60})》")
_NAMED = re.compile(r"[\u4e00-\u9fff]{4,30}?(?:条例|办法|实施方案|行动方案|工作方案|指导意见|实施意见|行动计划|指引|白皮书)")
_LABEL = re.compile(r"第\s*[0-9一二三四五六七八九十百千零〇两]+\s*[条款项章节编目]")


def _key(title: str) -> str:
    return title_key(title, prefixes=(), lower=True)


# a document the question takes as its source: "按照网络游戏防沉迷管理规定，…", "根据…规定"
_SOURCE = re.compile(r"(?:^|[，,。；;？?])\s*(?:按照|依照|依据|根据|按)《?([\u4e00-\u9fff]{4,30}?"
                     r"(?:条例|办法|规定|方案|意见|计划|指引|细则|白皮书|报告))》?")


# a document the question is about, named where the question or one of its clauses opens, before what it says
# of it: "某某管理条例对…", "《X》里…", "X规定…"
_SUBJECT = re.compile(r"(?:^|[，,。；;？?])\s*《?([\u4e00-\u9fff]{4,30}?(?:法|条例|办法|规定|方案|意见|计划|指引|指南|细则|规则))》?"
                      r"\s*(?=里|中|对|规定|要求|允许|是否|有没有|有无|怎么|如何|关于|明确|提出)")
# parts of speech a clause has and a title has not: prepositions, pronouns, conjunctions, particles, adverbs,
# words of place and numerals ("主管部门在两部法律里", "本市自己的行动计划" are not names)
_CLAUSE_TAGS = ("p", "r", "c", "u", "d", "f", "m")


def _subjects(question: str) -> list[str]:
    """The names :data:`_SUBJECT` finds in ``question`` that read as names: jieba tags none of their words
    with a part of speech of :data:`_CLAUSE_TAGS`."""
    return [name for name in (m.group(1) for m in _SUBJECT.finditer(question))
            if not any(flag.startswith(_CLAUSE_TAGS) for _, flag in pos_tags(name))]


def _abbreviates(name: str, title: str) -> bool:
    """Whether ``name`` keeps ``title``'s characters in order, as a shortened title does (深圳卫健办法 for
    深圳市卫生健康数据管理办法)."""
    rest = iter(title)
    return all(ch in rest for ch in name)


@dataclass(frozen=True)
class HeldTitles:
    """The indexed titles in the form a name is compared in (:func:`_key` and its character bigrams): made once
    per index (:class:`~qa.extractive.ExtractiveAnswerer` keeps it), not once per question."""

    keys: tuple[str, ...]
    bigrams: tuple[frozenset[str], ...]

    @classmethod
    def of(cls, titles: Iterable[str] | HeldTitles) -> HeldTitles:
        if isinstance(titles, HeldTitles):
            return titles
        keys = tuple(_key(t) for t in titles)
        return cls(keys, tuple(char_bigrams(k) for k in keys))


def _absent(names: list[str], titles: HeldTitles, min_share: float,
            mentioned: Callable[[str], bool] | None = None) -> str | None:
    """The first of ``names`` no title holds: none has ``min_share`` of its character bigrams, nor keeps its
    characters in order (:func:`_abbreviates`), and no indexed text names it (``mentioned``, when given)."""
    for name in names:
        key = _key(name)
        grams = char_bigrams(key)
        if len(grams) < 5:
            continue
        if max((len(grams & t) / len(grams) for t in titles.bigrams), default=0.0) >= min_share \
                or any(_abbreviates(key, k) for k in titles.keys):
            continue
        if mentioned is None or not mentioned(name):
            return name
    return None


def absent_named(question: str, titles: Iterable[str] | HeldTitles, min_share: float = 0.5,
                 mentioned: Callable[[str], bool] | None = None) -> str | None:
    """A document the question asks about — named between book marks (《…》), opening the question or a
    clause of it before what it says ("…条例对…", "…办法里…"), or as its source ("按照…办法，") — that the
    corpus neither holds nor speaks of.

    A title holds a name that has at least ``min_share`` of its character bigrams, or whose characters it
    keeps in order: people shorten titles ("深圳算力基础设施行动计划" for 深圳市算力基础设施高质量发展行动计划),
    and a document the corpus lacks shares little with any title (0.23 for "关键信息基础设施安全保护条例").
    A name some indexed text gives (``mentioned``) is a document the corpus speaks of: what it says of it
    may answer. A document named in passing, as an object ("…的管理办法由谁来制定"), is not looked for.

    >>> absent_named("互联网广告推送管理条例对推送频次有什么限制？", ["中华人民共和国网络安全法"])
    '互联网广告推送管理条例'
    >>> absent_named("按网络游戏防沉迷管理规定，游戏公司要怎么核验玩家年龄？", ["中华人民共和国个人信息保护法"])
    '网络游戏防沉迷管理规定'
    >>> absent_named("《网络游戏防沉迷管理规定》要求什么？", [], mentioned=lambda name: True) is None
    True
    >>> absent_named("国防科研数据的管理办法由谁来制定？", ["中华人民共和国数据安全法"]) is None
    True
    """
    names = [m.group(1) for m in _QUOTED.finditer(question)]
    names += _subjects(question)
    names += [m.group(1) for m in _SOURCE.finditer(question)]
    return _absent(names, HeldTitles.of(titles), min_share, mentioned)


def absent_document(question: str, titles: Iterable[str] | HeldTitles, min_share: float = 0.4,
                    mentioned: Callable[[str], bool] | None = None) -> str | None:
    """For a question asking for a figure: a document it asks about that the corpus lacks
    (:func:`absent_named`), or any name in it ending in a kind of document ("…条例", "…行动计划") that holds
    less than ``min_share`` of any title's bigrams — a figure is never answered from another document."""
    held = HeldTitles.of(titles)
    return absent_named(question, held, mentioned=mentioned) or _absent(
        [m.group(0) for m in _NAMED.finditer(_QUOTED.sub("", question))], held, min_share)


def figure_sentences(text: str, figure: str) -> list[str]:
    """The sentences of ``text`` that state a figure of kind ``figure`` (clause labels aside).

    >>> figure_sentences("第五十二条 处理个人信息达到国家网信部门规定数量的，应当指定负责人。", "count")
    []
    >>> figure_sentences("到2025年，数据要素产业规模达到50亿元。培育一批数据商。", "amount")
    ['到2025年，数据要素产业规模达到50亿元。']
    """
    return [m.group(0) for m in SENTENCE.finditer(_LABEL.sub("", text)) if states_figure(m.group(0), figure)]


def figure_support(texts: Sequence[tuple[str, str]], figure: str, weights: dict[str, float],
                   min_share: float, years: Iterable[str] = ()) -> bool:
    """Whether any ``(text, title)`` has a sentence stating a ``figure`` that covers at least
    ``min_share`` of the question's term weight not already in its title, in a text that names
    each of ``years`` (:func:`target_years`: a 2030 target is no answer to "到2025年…多少")."""
    years = list(years)
    for text, title in texts:
        if years and not all(y in fold(text) for y in years):
            continue  # the year may head the clause ("到2025年底，…") rather than the sentence
        in_title = covered(weights, title)
        rest = {t: w for t, w in weights.items() if t not in in_title}
        total = sum(rest.values())
        for sentence in figure_sentences(text, figure):
            if not total or fsum(rest[t] for t in covered(rest, sentence)) / total >= min_share:
                return True
    return False


# -- gates on the retrieved list ------------------------------------------------------------------
def term_coverage(query_tokens: Sequence[str], text: str) -> float:
    """Share of the question's content tokens (two or more characters, or numbers) found in ``text``."""
    content = [t for t in dict.fromkeys(query_tokens) if len(t) >= 2 or t.isdigit()]
    if not content:
        return 0.0
    return sum(1 for t in content if t in text) / len(content)


def missing_article(ref: ArticleRef | None, hits: Sequence[Hit], docs: Mapping[str, Document],
                    filters: Filters | None = None) -> str | None:
    """When the question names an article its law does not have, say so ("《…》共55条，没有第五十八条");
    likewise when the filters leave out the document that has it (another law's 第四条 is no answer)."""
    if ref is None or any("lookup" in h.ranks for h in hits):
        return None
    named = [docs[d] for d in ref.doc_ids if d in docs]
    held = [d for d in named if any(ref.in_article(c.id) for c in d.clauses)]
    if held and filters is not None and not any(filters.allows(d) for d in held):
        return wording.article_filtered_out(held[0].title, ref.article)
    counts = [sum(1 for c in d.clauses if c.level == "条") for d in named]
    if not named or not all(counts) or max(counts) >= ref.article:
        return None  # not a numbered law, or the article may be missing from our copy
    return wording.no_such_article(named[0].title, max(counts), ref.article)


# -- the learned decision ---------------------------------------------------------------------------
# the features the shipped abstention model reads
BASE_FEATURES: tuple[str, ...] = (
    "top_score", "score_margin", "dense", "dense_best3", "term_coverage", "weighted_coverage",
    "unknown_terms", "n_terms", "has_content", "named", "article", "looked_up", "absent", "figure",
    "figure_supported", "asks_rule", "top_authority", "top_rule",
    "agree", "top_bm25_inv", "top_dense_inv", "length", "yes_no", "list_form",
)
# the pair model's (qa/answerability.py), read by a model trained with `python -m training.train --pair-model`
ANSWER_FEATURES: tuple[str, ...] = ("answers", "answers_best3")
ABSTAIN_FEATURES: tuple[str, ...] = BASE_FEATURES + ANSWER_FEATURES  # every feature Evidence computes


def load_abstainer(spec: str) -> Model | None:
    """The abstention model settings name (``"shipped"``: the package's ``qa/data/abstain.json``, ``"none"``, or a
    JSON file's path), which may read any of :data:`ABSTAIN_FEATURES`, in its own order."""
    model = resolve_model(spec, "qa", "data/abstain.json", expect=None)
    if model is not None and not set(model.names) <= set(ABSTAIN_FEATURES):
        raise ValueError(f"abstention model {spec}: trained on features {sorted(set(model.names) - set(ABSTAIN_FEATURES))} "
                         "this code does not compute; retrain it with `python -m training.train`")
    return model


@dataclass(frozen=True)
class Evidence:
    """What the answerer measures of the retrieved list before it answers: the features a learned abstention
    model may read (:data:`ABSTAIN_FEATURES`)."""

    top_score: float  # the learned ranker's probability for the first hit (its fused score without one)
    score_margin: float  # first minus second
    dense: float  # the question's cosine to the first hit
    dense_best3: float
    term_coverage: float  # share of the question's content tokens in the first hit
    weighted_coverage: float  # best IDF-weighted coverage among the first three
    unknown_terms: float  # share of the question's terms that no indexed text holds
    n_terms: float  # content terms, a tenth each (capped at 1)
    has_content: bool
    named: bool  # names an indexed document
    article: bool  # names an article
    looked_up: bool  # the named article was found
    absent: bool  # names a document the corpus lacks
    figure: bool  # asks for a figure
    figure_supported: bool  # … and a retrieved sentence states one about what is asked
    asks_rule: bool
    top_authority: float
    top_rule: bool
    agree: bool  # BM25 and dense both rank the first hit first
    top_bm25_inv: float  # 1 / the first hit's BM25 rank (0 when BM25 did not find it)
    top_dense_inv: float
    length: float  # the question's characters, a hundredth each (capped at 1): a scenario is long
    yes_no: bool  # asks yes or no (retrieval.asks.answer_form)
    list_form: bool  # asks for every case
    # the learned pair model's probability that the first hit answers the question, and the highest among the
    # first three (qa.answerability; 0 without one)
    answers: float = 0.0
    answers_best3: float = 0.0
    # the first hit is in another language than the question (a Chinese question, an English law):
    # its words cannot be measured against the question's, only its embedding can (not a model feature)
    cross_lingual: bool = False

    def vector(self, names: tuple[str, ...] = ABSTAIN_FEATURES) -> np.ndarray:
        """The features ``names`` (a model's own) as one row."""
        return np.asarray([[float(getattr(self, n)) for n in names]], dtype=np.float64)

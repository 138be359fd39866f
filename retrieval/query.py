"""A question parsed once: :class:`Query`, made by :class:`QueryParser` from the raw text.

Everything later stages need to know about a question is read here, once — its normalised
text and thesaurus expansion, its tokens, the documents and the article it names, the places it
names, whether it asks what to do (a rule answers it), the kind of figure it asks for, whether
it asks several things and those parts, a count, a defined term, target years, whether it asks
which rule applies, whether it asks for an older version of a rule (:func:`version_asked`; the
article it names is then read against that version, else against the current one). Retrieval, the answerer, abstention and precedence read the parse and never
work it out again.

>>> from index.tokenize import JiebaTokenizer
>>> parser = QueryParser(Titles([]), JiebaTokenizer(), synonyms={})
>>> q = parser.parse("個保法第13條规定了哪些情形？")
>>> q.text, q.article, q.figure, q.several
('个人信息保护法第十三条规定了哪些情形?', None, None, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.tokenize import JiebaTokenizer
from ingest.metadata.frontmatter import language_of
from ingest.text import int_to_cn

from .asks import (answer_form, asked_action, asked_count, asked_document_facts, asks_several, asks_which, defined_term,
                   target_years)
from .decompose import Part, parts
from .filters import EARLIER, Versions
from .figures import expected_figure
from .intent import asks_for_rule
from .jurisdictions import HOME, Jurisdictions
from .kinds import KindModel
from .normalise import expand_query, normalise_query, places_named
from .terms import TermWeights, coverage, outside
from .titles import Titles, asks_for_draft
from .types import ArticleRef
from .vocabulary import Expansions, Synonyms

_NUM = re.compile(r"\d+(?:\.\d+)?")
_AMENDED = r"(?:修正|修订|修改)"
# the text of a given year: 2016年版, 2016版本, 2016年的文本, 2016年修正本, 2016年修订的版本
_YEAR_VERSION = re.compile(rf"((?:19|20)\d{{2}})\s*年?\s*(?:的)?(?:{_AMENDED}(?:的)?)?(?:版本?|文本|{_AMENDED}本)")
# the text before the last amendment: 修正前, 修改之前, 旧版, 原法, 原第X条, 历史版本
_EARLIER_VERSION = re.compile(rf"{_AMENDED}(?:之)?前|(?:旧|老|原)(?:版本?|文本|法(?!律))|历史版本|原(?:来的?)?第[一二三四五六七八九十百零〇两\d]+条")


def version_asked(text: str) -> str | None:
    """The older version of a rule a (normalised) question asks for: a year (``"2016"``, the text in
    force then) for "2016年版…", :data:`~retrieval.filters.EARLIER` for "修正前…", "旧版…",
    "原第二十一条"; None when it asks for none (the current text).

    >>> version_asked("2016年版某某法第三条"), version_asked("某某法修正前的第三条")
    ('2016', 'earlier')
    >>> version_asked("某某法原第五条"), version_asked("2016年以来有哪些执法案例"), version_asked("原则是什么")
    ('earlier', None, None)
    """
    m = _YEAR_VERSION.search(text)
    if m:
        return m.group(1)
    return EARLIER if _EARLIER_VERSION.search(text) else None


@dataclass(frozen=True)
class Query:
    """One parsed question. ``question`` is as asked; everything else is read from ``text``, the
    normalised question (:func:`retrieval.normalise.normalise_query`)."""

    question: str
    text: str
    expanded: str  # text + the thesaurus' legal words for its everyday ones
    tokens: tuple[str, ...]  # jieba tokens of text
    expanded_tokens: tuple[str, ...]
    article: ArticleRef | None  # the article it names with its document ("…法第二十八条")
    named: tuple[str, ...]  # ids of the documents it names by title
    places: frozenset[str]  # regions it names, as documents' metadata spells them (and foreign_law's codes)
    asks_rule: bool  # asks what an actor must, may or may not do (retrieval.intent)
    asks_which: bool  # asks which of two rules applies
    figure: str | None  # the kind of figure it asks for (retrieval.figures)
    several: bool  # asks several things at once
    count: int | None  # "哪两份…" → 2
    defined: str | None  # the term it asks the definition of
    years: frozenset[str]  # years it asks a figure for
    numbers: frozenset[str]  # the numbers it states
    form: str | None = None  # the answer it wants: "yes_no", "list" or None (retrieval.asks.answer_form)
    action: tuple[str, ...] = ()  # a yes-or-no question's tokens of what it asks may be done (asks.asked_action)
    parts: tuple["QueryPart", ...] = ()  # for a question that asks several things: each part, parsed
    version: str | None = None  # an older version of a rule it asks for: a year, or "earlier" (version_asked)
    jurisdictions: frozenset[str] = frozenset()  # the jurisdictions it names (retrieval.jurisdictions)
    foreign_law: frozenset[str] = frozenset()  # … the foreign ones whose law it asks about (GDPR, 新加坡的…法)
    language: str = "zh"  # the language it is asked in (ingest.metadata.frontmatter.language_of)
    asks_draft: bool = False  # it asks about a draft for comment (征求意见稿, 草案…: retrieval.titles.asks_for_draft)
    # how likely it asks for each kind of document (retrieval.kinds; empty without a question-kind model)
    kinds: tuple[tuple[str, float], ...] = ()
    # facts it asks of a document itself: its number, issuer, dates (retrieval.asks.asked_document_facts)
    doc_facts: tuple[str, ...] = ()

    def kind_probability(self, kind: str) -> float:
        """How likely the question asks for a document of ``kind`` (0 for a kind the model does not know)."""
        return dict(self.kinds).get(kind, 0.0)


@dataclass(frozen=True)
class QueryPart:
    """One part of a several-part question (:mod:`retrieval.decompose`), parsed on its own."""

    query: Query
    follow_up: bool


class QueryParser:
    """Parses questions against one corpus (its titles) with one tokenizer and thesaurus."""

    def __init__(self, titles: Titles, tokenizer: JiebaTokenizer, synonyms: dict[str, str],
                 general: Synonyms | None = None, known: Callable[[str], bool] | None = None,
                 learned: Expansions | None = None, versions: Versions | None = None,
                 jurisdictions: Jurisdictions | None = None, terms: Callable[[], TermWeights] | None = None,
                 kinds: KindModel | None = None) -> None:
        """``general`` (with ``known``, whether the corpus uses a word) adds general synonyms of the
        question's words the corpus does not use; ``learned``, the law's words learned to go with the
        question's (:mod:`retrieval.vocabulary`). Both widen only the lexical query (``expanded``).
        ``versions``, the versions of the corpus' rules, reads a named article against the version
        the question asks for (the current one unless it asks for an older one, or its words show it
        numbers the article as an older text did: ``terms``, the index's term weights, weigh them);
        ``jurisdictions``, the corpus' jurisdictions and the acronyms its foreign laws go by, reads the
        ones a question names; ``kinds``, the question-kind model, how likely it asks for each kind of document."""
        self.titles = titles
        self.tokenizer = tokenizer
        self.synonyms = synonyms
        self.general = general
        self.learned = learned  # learned expansions (retrieval.vocabulary.Expansions), after the synonyms
        self.known = known
        self.versions = versions
        self.jurisdictions = jurisdictions
        self.terms = terms
        self.kinds = kinds

    def parse(self, question: str, *, split: bool = True) -> Query:
        """``question`` parsed; ``split`` parses the parts of a question that asks several things."""
        text = normalise_query(question)
        expanded = expand_query(text, self.synonyms)
        tokens = self.tokenizer(text)
        if self.general is not None and self.known is not None:
            extra = self.general.expansions(tokens, self.known)
            expanded = " ".join([expanded, *extra]) if extra else expanded
        expanded_tokens = tuple(self.tokenizer(expanded))
        if self.learned is not None:
            learned = self.learned.expansions(tokens, have=expanded_tokens)
            if learned:
                expanded, expanded_tokens = " ".join([expanded, *learned]), expanded_tokens + tuple(learned)
        several = asks_several(text)
        form = answer_form(text)
        version = version_asked(text)
        article = self.titles.article(text)
        named, laws = self.jurisdictions.read(question) if self.jurisdictions else (frozenset(), frozenset())
        if self.versions:
            if version is None and article is not None and self.terms is not None:
                version = self._numbered_as(article, tokens)
            article = self.versions.article(article, version)
        return Query(
            question=question, text=text, expanded=expanded,
            tokens=tuple(tokens),
            expanded_tokens=expanded_tokens,
            article=article, named=tuple(self.titles.named(text)),
            places=frozenset(places_named(text)) | (laws - {HOME}), asks_rule=asks_for_rule(text),
            asks_which=asks_which(question),
            figure=expected_figure(text), several=several, count=asked_count(text), defined=defined_term(text),
            years=frozenset(target_years(text)), numbers=frozenset(_NUM.findall(text)), form=form,
            action=tuple(self.tokenizer(asked_action(text))) if form == "yes_no" else (),
            parts=self._parts(text) if several and split else (), version=version,
            jurisdictions=named, foreign_law=laws - {HOME},
            language=language_of(question), asks_draft=asks_for_draft(text),
            kinds=tuple(self.kinds.probabilities(text).items()) if self.kinds is not None else (),
            doc_facts=asked_document_facts(text),
        )

    def _numbered_as(self, article: ArticleRef, tokens: Sequence[str]) -> str | None:
        """The older version (its year) whose numbering the question's words show it uses, if any."""
        if self.versions is None or self.terms is None:
            return None
        weights = self.terms().weights(tokens)
        named = "".join(self.versions.titles.get(d, "") for d in article.doc_ids)
        weights = outside(weights, f"{named}第{int_to_cn(article.article)}条")
        return self.versions.numbered_as(article, lambda text: coverage(weights, text))

    def _parts(self, text: str) -> tuple[QueryPart, ...]:
        pieces: list[Part] = parts(text, self.tokenizer, self.titles.titles)
        if len(pieces) < 2:
            return ()
        return tuple(QueryPart(self.parse(p.text, split=False), p.follow_up) for p in pieces)

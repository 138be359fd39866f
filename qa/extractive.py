"""The default answerer: extractive, needs no LLM.

It reads the parsed question (:class:`retrieval.query.Query`) and the retrieved hits, and runs
the answer's rooms in order: the gates that decide to abstain (:mod:`qa.abstention`), the
choice of the decisive and further clauses (:mod:`qa.choice`), their quote windows
(:mod:`qa.quoting`), and the answer's words (:mod:`qa.wording`). Every citation is verified
before it leaves: its quote must equal the source text at its span.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property


from ingest.text import clean
from ingest.titles import book
from ingest.types import Clause, Document
from retrieval.authority import prevailing_first
from retrieval.filters import Filters
from retrieval.learned import Model
from retrieval.query import Query
from retrieval.retriever import Retriever
from retrieval.terms import TermWeights, coverage, outside
from retrieval.types import Hit

from . import precedence, wording
from .abstention import (Evidence, HeldTitles, absent_document, absent_named, figure_support, load_abstainer,
                         missing_article, term_coverage)
from .answerability import PairModel, answer_features
from .choice import Chooser
from .conclusion import decide
from .conditions import Condition
from .docfacts import fact_spans
from .further import load_further
from .quoting import Quoter
from .selection import SelectionParams, has_content
from .types import Answer, Citation, Related
from .verify import VerificationError, cite_clause, verify_citation  # the first and last re-exported (moved to qa.verify)

NO_BASIS = wording.NO_BASIS
MAX_FACT_DOCUMENTS = 3  # a question asking the dates of several documents it names: the facts of at most these


@dataclass(frozen=True)
class AnswerParams:
    # abstain when the top hit is weak on both (cosine, share of question tokens in it) ...
    min_dense_score: float = 0.84  # as Settings.min_dense_score
    min_term_coverage: float = 0.5
    # ... or when its cosine is middling and the top three hits hold little of the question's
    # IDF-weighted terms: an off-topic question (年终奖, 个人所得税) near some clause's wording
    off_topic_dense: float = 0.86
    off_topic_coverage: float = 0.15
    min_figure_share: float = 0.1  # of the question's terms, in the sentence stating an asked-for figure (set on dev)
    # a document the corpus lacks but one of its texts names is spoken of only where that text also holds this
    # share of the rest of the question's term weight (the name's terms aside): a passing citation does not say
    # what the document provides (0.2 and 0.35 tried on the tuning sets; 0.35 cost two answerable questions)
    mention_share: float = 0.2
    figure_depth: int = 5  # hits looked at for that sentence
    # a yes-or-no question's first line concludes from the phrase with a modal verb that holds at
    # least this share of the weight of what the question asks may be done (qa.conclusion); 1.1: never
    conclusion_share: float = 0.5
    # the one 项 of the decisive article that holds this share of the question's weight, and
    # item_dominance times any other item's, is quoted with its list's lead-in, not the whole article
    item_share: float = 0.1
    item_dominance: float = 2.0
    # the decisive clause: where a later rule prevails over the retrieved one's document, that rule's
    # clause on the same matter (dense cosine at least prevailing_similarity, set on dev) among the
    # first search_depth hits answers first, for a hit among the first prevailing_window
    prevailing_first: bool = True
    prevailing_window: int = 3
    prevailing_similarity: float = 0.95
    search_depth: int = 10
    selection: SelectionParams = SelectionParams()


@dataclass(frozen=True)
class Assessment:
    """The answerer's reading of a retrieved list (:meth:`ExtractiveAnswerer.assess`)."""

    looked_up: bool  # the first hit is the article the question names
    weights: dict[str, float]  # the question's term weights
    named: list[str]  # documents it names (none when it named an article that was found)
    asked: dict[str, float] | None  # with the thesaurus' words, for a figure question
    absent: str | None  # a document it names that the corpus lacks
    figure_supported: bool
    evidence: Evidence


class ExtractiveAnswerer:
    """Compose a cited answer from retrieval hits.

    >>> ExtractiveAnswerer(retriever).answer("数据出境安全评估的申报情形有哪些？")   # doctest: +SKIP
    """

    def __init__(self, retriever: Retriever, params: AnswerParams | None = None,
                 abstainer: Model | None | str = "shipped", answers: PairModel | None | str = "shipped",
                 further: Model | None | str = "shipped") -> None:
        """``abstainer``: the learned abstention model (``"shipped"``: the one in the package, if any;
        None: the fixed gates of ``params``); ``answers``: the pair model whose probabilities it reads
        (:mod:`qa.answerability`; ``"shipped"``: the package's, when fitted on the retriever's embedder);
        ``further``: the model that cites a further clause beside the decisive one (:mod:`qa.further`; the
        same)."""
        self.retriever = retriever
        self.abstainer = load_abstainer("shipped") if abstainer == "shipped" else abstainer
        self.answers = (PairModel.resolve("shipped", retriever.embedder.name) if answers == "shipped" else answers)
        self.params = params or AnswerParams()
        data = retriever.data
        self.sources = data.sources
        self.docs: dict[str, Document] = {d.id: d for d in data.documents}
        self.quoter = Quoter(data.sources, data.documents, self.params.selection)
        self.chooser = Chooser(retriever, self.quoter, lambda: self.terms, self.params.selection,
                               self.params.min_figure_share,
                               load_further(further) if isinstance(further, str) else further)

    @property
    def terms(self) -> TermWeights:
        """Question-term weights over the indexed chunks (the retriever's, built on first use)."""
        return self.retriever.terms

    # -- evidence strength ----------------------------------------------------------------------
    def assess(self, query: Query, hits: list[Hit]) -> Assessment:
        """What the retrieved list holds for ``query``, before anything is chosen: a document it
        names that the corpus lacks, whether a sentence states the asked-for figure, the strength
        of the evidence (:class:`~qa.abstention.Evidence`)."""
        q = query.text
        looked_up = "lookup" in hits[0].ranks
        weights = self.terms.weights(query.tokens)
        figure = query.figure
        absent = None if looked_up else (absent_document if figure is not None else absent_named)(
            q, self.held_titles, mentioned=lambda name: self.mentioned(name, about=weights))
        named = [] if looked_up else list(query.named)
        # the query's term weights with the thesaurus' legal words added ("生效" is asked, "施行" is
        # what the law says): for finding the sentence that states an asked-for figure
        asked = self.terms.weights(query.expanded_tokens) if figure is not None else None
        figure_ok = True
        if figure is not None and not looked_up:
            # a question asking for an amount, share, date or duration needs a sentence that states one
            # about what it asks, in the documents it names when it names any, else in those of the
            # places it names ("江苏…多少亿元" is not answered by a 山东 plan)
            scope = ([h for h in hits if h.chunk.doc_id in named]
                     or [h for h in hits if self.chooser.region(h.chunk.doc_id) in query.places] or hits)
            # (a figure is read in the question's language: in a text of another, it cannot be checked)
            figure_ok = self._other_language(query, scope[0]) or figure_support(
                [(h.chunk.text, h.chunk.doc_title) for h in scope[:self.params.figure_depth]],
                figure, asked, self.params.min_figure_share, query.years)
        return Assessment(looked_up, weights, named, asked, absent, figure_ok,
                          self.measure(query, hits, weights, absent is not None, figure_ok))

    @cached_property
    def held_titles(self) -> HeldTitles:
        """The index's titles as a named document is looked for among them, made on first use."""
        return HeldTitles.of(self.retriever.titles.titles)

    def mentioned(self, name: str, depth: int = 20, about: dict[str, float] | None = None) -> bool:
        """Whether an indexed text gives ``name`` (a document the corpus cites though it does not hold it): one of
        the ``depth`` chunks BM25 ranks first for its words holds it, blanks aside; with ``about`` (the question's
        term weights), that chunk also holds ``mention_share`` of their weight outside the name's own terms."""
        want = "".join(name.split())
        rest = outside(about, name) if about else {}
        chunks = self.retriever.data.chunks
        for row, _ in self.retriever.rankers.bm25(self.retriever.tokenizer(name), depth):
            text = "".join(chunks[row].text.split())
            if want in text and (not rest or coverage(rest, text) >= self.params.mention_share):
                return True
        return False

    def measure(self, query: Query, hits: list[Hit], weights: dict[str, float], absent: bool,
                figure_supported: bool) -> Evidence:
        """The retrieved list's strength as :class:`qa.abstention.Evidence`."""
        r = self.retriever
        top = hits[0]
        dense = [r.cosine(query, h) for h in hits[:3]]
        answers, answers_best3 = (
            answer_features(self.answers, r.rankers.query_vector(query.text), [r.vector(h) for h in hits[:3]])
            if self.answers is not None else (0.0, 0.0))
        return Evidence(
            top_score=top.score, score_margin=top.score - (hits[1].score if len(hits) > 1 else 0.0),
            dense=dense[0], dense_best3=max(dense),
            term_coverage=term_coverage(list(query.tokens), clean(top.chunk.index_text)),
            weighted_coverage=max(coverage(weights, clean(h.chunk.index_text)) for h in hits[:3]),
            unknown_terms=(sum(1 for t in weights if self.terms.df(t) == 0) / len(weights)) if weights else 1.0,
            n_terms=min(len(weights), 10) / 10, has_content=has_content(weights), named=bool(query.named),
            article=query.article is not None, looked_up="lookup" in top.ranks, absent=absent,
            figure=query.figure is not None, figure_supported=figure_supported, asks_rule=query.asks_rule,
            top_authority=r.facts.authority(top.chunk.doc_id), top_rule=r.is_rule(top.chunk.doc_id),
            agree=top.ranks.get("bm25") == 1 and top.ranks.get("dense") == 1,
            top_bm25_inv=1.0 / top.ranks["bm25"] if "bm25" in top.ranks else 0.0,
            top_dense_inv=1.0 / top.ranks["dense"] if "dense" in top.ranks else 0.0,
            length=min(len(query.text), 100) / 100, yes_no=query.form == "yes_no", list_form=query.form == "list",
            answers=answers, answers_best3=answers_best3, cross_lingual=self._other_language(query, top))

    def _other_language(self, query: Query, hit: Hit) -> bool:
        """Whether ``hit``'s document is in another language than the question (a Chinese question,
        an English law); a document of no recorded language is taken to be in the question's."""
        doc = self.retriever.facts.docs.get(hit.chunk.doc_id)
        return doc is not None and (doc.metadata.get("language") or query.language) != query.language

    def strong(self, ev: Evidence) -> bool:
        """Whether the evidence is strong enough to answer (:meth:`verdict`)."""
        return self.verdict(ev)[0]

    def verdict(self, ev: Evidence) -> tuple[bool, float | None]:
        """Whether the evidence is strong enough to answer: by the learned abstention model when one
        is shipped (:data:`qa.abstention.ABSTAIN_FEATURES`), else by the fixed gates of
        :class:`AnswerParams`. A named article that was found is always answered. With it, the model's
        probability that the evidence is too weak when the model decided (it abstains at its threshold
        or above), else None."""
        if ev.looked_up:
            return True, None
        if not ev.has_content:
            return False, None  # "分别", "和相比" ask about nothing
        if ev.cross_lingual:
            # the model and the lexical gates read the question's words in the text, which another
            # language does not hold: the embedding alone decides, at the fixed gate's cosine
            return ev.dense >= self.params.min_dense_score, None
        if self.abstainer is not None:
            weak = float(self.abstainer.scores(ev.vector(self.abstainer.names))[0])
            return weak < self.abstainer.threshold, weak
        p = self.params
        return ((ev.dense >= p.min_dense_score or ev.term_coverage >= p.min_term_coverage)
                and (ev.dense >= p.off_topic_dense or ev.weighted_coverage >= p.off_topic_coverage)), None

    # -- the answer ------------------------------------------------------------------------
    def answer(self, question: Query | str, k: int = 5, filters: Filters | None = None) -> Answer:
        """The cited answer to ``question`` (a question, or one the retriever has parsed), or an abstention."""
        if isinstance(question, str):
            if not question.strip():
                raise ValueError("the question is empty")
            question = self.retriever.parse(question)
        query = question
        asked_text = query.question
        hits = self.retriever.search(query, k=max(k, self.params.search_depth), filters=filters)
        if not hits:
            return Answer(question=asked_text, answer=NO_BASIS, abstained=True, query=query)
        missing = missing_article(query.article, hits, self.docs, filters)
        if missing:
            return Answer(question=asked_text, answer=f"{NO_BASIS}{missing}", abstained=True,
                          related=[self._related(h) for h in hits[:k]], query=query)
        a = self.assess(query, hits)
        related = [self._related(h) for h in hits[:k]]
        if a.absent:
            return Answer(question=asked_text, answer=wording.absent_document(a.absent), abstained=True,
                          related=related, query=query)
        answerable, weak = self.verdict(a.evidence)
        if not answerable:
            return Answer(question=asked_text, answer=NO_BASIS, abstained=True, related=related, query=query,
                          abstain_score=weak)
        return replace(self._cited(query, hits, a, related, k, filters), abstain_score=weak)

    def _cited(self, query: Query, hits: list[Hit], a: Assessment, related: list[Related], k: int,
               filters: Filters | None) -> Answer:
        """The answer quoting and citing the clauses that decide it, from evidence strong enough to answer."""
        asked_text = query.question
        looked_up, weights, figure, named, asked = a.looked_up, a.weights, query.figure, a.named, a.asked
        hits = self.in_force_first(query, hits)
        decisive = self.chooser.condition_match(query, hits[:k])
        if decisive is not None:
            return self._threshold_answer(query, decisive, related, hits[:k])
        pool = hits[:self.params.selection.candidates]
        if not a.figure_supported:
            return Answer(question=asked_text, answer=wording.figure_not_stated(figure), abstained=True,
                          related=related, query=query)
        chosen = self.chooser.choose(query, pool, weights, looked_up, asked, named)
        if not looked_up and query.several:
            chosen = self.chooser.parts(query, chosen, named, filters)
        elif not looked_up:
            chosen = self.chooser.gather(query, chosen, weights)
        # a question about the document itself (its number, issuers, dates): the sentences stating them
        facts = self._document_facts(query, chosen, pool)
        if facts:
            chosen = facts + chosen if not (query.asks_rule or query.form == "yes_no") else chosen + facts
        # the decisive article's one deciding item, quoted with its list's lead-in
        lead_in = False
        if not (facts or looked_up or query.several or query.count or query.form == "list"):
            h, span = chosen[0]
            item = self.quoter.deciding_item(h, span, weights, self.params.item_share, self.params.item_dominance)
            if item is not None:
                chosen = [(h, item[0]), (h, item[1]), *chosen[1:]]
                lead_in = True
        citations: list[Citation] = []
        lines: list[str] = []
        for marker, (h, (s, e)) in enumerate(chosen, start=1):
            src = self.sources[h.chunk.source]
            inside = h.chunk.start <= s and e <= h.chunk.end  # else a document's header or signature line
            label, clause_id = self.quoter.label_for(h.chunk.doc_id, s, e,
                                                     h.chunk.clause_label if inside else book(h.chunk.doc_title))
            cit = Citation(marker=marker, doc_title=h.chunk.doc_title, clause=label, quote=src.text[s:e],
                           source=h.chunk.source, page=src.page_at(s), start=s, end=e, score=round(h.score, 4),
                           clause_id=clause_id or (h.chunk.clause_id if inside else ""), doc_id=h.chunk.doc_id)
            verify_citation(cit, self.sources)
            citations.append(cit)
            lines.append(wording.lead_in_line(cit.quote, marker) if lead_in and marker == 2
                         else wording.cited_line(marker, label, cit.quote))
        lines = self._concluded(query, citations, lines)
        warnings = self.warnings_for([c.doc_id for c in citations])
        cited = {c.clause_id for c in citations}
        return Answer(question=asked_text, answer="\n".join(lines), abstained=False, citations=citations,
                      related=[r for r in related if r.clause_id not in cited], warnings=warnings, query=query)

    def in_force_first(self, query: Query, hits: list[Hit]) -> list[Hit]:
        """``hits`` as the answer reads them: retrieval ranks by relevance, but what applies is the rule in
        force, so a later rule's clause on the same matter goes before the one it prevails over
        (:func:`retrieval.authority.prevailing_first`, when ``params.prevailing_first``)."""
        if not self.params.prevailing_first:
            return hits
        return prevailing_first(hits, self.retriever.facts, query, self.retriever.similarity,
                                self.params.prevailing_similarity, self.params.prevailing_window)

    def _document_facts(self, query: Query, chosen: list[tuple[Hit, tuple[int, int]]],
                        pool: list[Hit]) -> list[tuple[Hit, tuple[int, int]]]:
        """The spans of the asked-about documents that state the facts the question asks of them
        (:attr:`Query.doc_facts`, :func:`qa.docfacts.fact_spans`) and no chosen span holds yet, each with a hit
        of its document: the documents the question names that retrieval found (at most
        :data:`MAX_FACT_DOCUMENTS`), else the first chosen one's."""
        if not query.doc_facts or not chosen:
            return []
        first_hit: dict[str, Hit] = {}
        for h in [h for h, _ in chosen] + list(pool):
            first_hit.setdefault(h.chunk.doc_id, h)
        found = [first_hit[d] for d in dict.fromkeys(query.named) if d in first_hit]
        held = [(h.chunk.doc_id, s, e) for h, (s, e) in chosen]
        out: list[tuple[Hit, tuple[int, int]]] = []
        for hit in found[:MAX_FACT_DOCUMENTS] or [chosen[0][0]]:
            doc = self.docs.get(hit.chunk.doc_id)
            if doc is None or doc.source not in self.sources:
                continue
            spans = fact_spans(self.sources[doc.source].text, doc.start, doc.end, query.doc_facts,
                               doc.metadata.get("issuers") or (), doc.metadata.get("doc_number"))
            out += [(hit, (s, e)) for s, e in spans if not any(d == doc.id and a <= s and e <= b for d, a, b in held)]
        return out

    def _threshold_answer(self, query: Query, decisive: tuple[Hit, Clause, Condition],
                          related: list[Related], hits: list[Hit]) -> Answer:
        """Lead with the item whose condition the scenario meets, quoted with its article's lead-in;
        when it comes from a rule that prevails over the retrieved one, cite that precedence clause too."""
        h, item, cond = decisive
        doc = self.docs[item.doc_id]
        clauses = self.chooser.clauses
        article = item
        while article.level != "条" and article.parent in clauses:
            article = clauses[article.parent]
        cits = [self._citation(1, doc, item, item.start, item.end, h.score)]
        lines = [wording.threshold_line(item.label, cits[0].quote)]
        lead_end = article.text.find("：")
        if article is not item and lead_end > 0 and article.start + lead_end < item.start:
            # the article's lead-in says what follows from the condition
            cits.append(self._citation(2, doc, article, article.start, article.start + lead_end + 1, h.score))
            lines.append(wording.lead_in_line(cits[1].quote))
        lines.append(wording.condition_met_line(cond.text))
        lines = self._concluded(query, cits, lines)
        # an older rule retrieved beside it, on the same matter, yields to it: say so, citing why
        older = h if doc.id != h.chunk.doc_id else next(
            (x for x in hits if doc.id in self.retriever.facts.prevailed_by.get(x.chunk.doc_id, ())), None)
        if older is not None:
            h = older
            rule = precedence.precedence_clause(doc, h.chunk.doc_title)
            if rule is not None:
                n = len(cits) + 1
                cits.append(self._citation(n, doc, rule, rule.start, rule.end, h.score))
                lines.append(wording.prevailing_rule_line(h.chunk.doc_title, h.chunk.clause_label.split('》')[-1],
                                                          rule.label, doc.title, cits[-1].quote, n))
        for c in cits:
            verify_citation(c, self.sources)
        cited = {c.clause_id for c in cits}
        return Answer(question=query.question, answer="\n".join(lines), abstained=False, citations=cits,
                      related=[r for r in related if r.clause_id not in cited],
                      warnings=self.warnings_for([c.doc_id for c in cits] + [h.chunk.doc_id]), query=query)

    def _concluded(self, query: Query, citations: list[Citation],
                   lines: list[str]) -> list[str]:
        """``lines`` led by a conclusion when the question asks yes or no and a cited quote decides
        it (:func:`qa.conclusion.decide`)."""
        if query.form != "yes_no" or not citations or not query.action:
            return lines
        # the decision must be about what the question asks may be done, not about its setting
        action = self.terms.weights(query.action)
        d = decide([(c.marker, c.quote) for c in citations], action, self.params.conclusion_share)
        return lines if d is None else [wording.conclusion_line(d.kind, d.words, d.marker), *lines]

    def _citation(self, marker: int, doc: Document, clause: Clause, start: int, end: int, score: float) -> Citation:
        """A citation of ``source[start:end]`` (trailing space trimmed) labelled with ``clause``."""
        cit = cite_clause(marker, doc, clause, self.sources, start, end, score)
        if cit is None:
            raise VerificationError(f"{clause.label}: nothing to quote at {doc.source}:{start}-{end}")
        return cit

    def warnings_for(self, doc_ids: list[str]) -> list[str]:
        """What a reader must know about the cited documents' force, and which prevails where they
        differ (:func:`qa.precedence.warnings_for`)."""
        return precedence.warnings_for([self.docs[d] for d in dict.fromkeys(doc_ids) if d in self.docs])

    def _related(self, h: Hit) -> Related:
        c = h.chunk
        snippet = clean(c.text).replace("\n", " ")
        return Related(doc_title=c.doc_title, clause=c.clause_label, snippet=snippet[:160], source=c.source,
                       start=c.start, end=c.end, score=round(h.score, 4), clause_id=c.clause_id)

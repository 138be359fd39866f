"""``PolicyQA``: the pipeline as a Python API.

>>> engine = PolicyQA.build(["corpus"], "var/index")          # doctest: +SKIP
>>> engine = PolicyQA.open("var/index")                        # doctest: +SKIP
>>> answer = engine.ask("数据出境安全评估的申报情形有哪些？")   # doctest: +SKIP
>>> answer.citations[0].clause                                 # doctest: +SKIP
'《促进和规范数据跨境流动规定》第七条'
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from index.builder import BuildReport, build_index
from index.cache import EmbeddingCache
from index.backends import BackendSpec, open_backend
from index.embedders import Embedder, make_embedder
from index.faiss_index import DenseParams
from index.store import IndexData, load_index
from index.tokenize import JiebaTokenizer
from index.update import OnConflict, Progress, UpdateReport, add_documents, remove_documents
from ingest.chunking import ChunkParams
from ingest.types import Document
from retrieval.adapter import QueryAdapter
from retrieval.centre import QueryCentre
from retrieval.features import FEATURES
from retrieval.filters import Filters
from retrieval.kinds import KindModel
from retrieval.learned import Model, resolve_model
from retrieval.pairs import PairScorer
from retrieval.rerank import Reranker, make_reranker
from retrieval.retriever import Retriever
from retrieval.types import Retrieval
from settings import Settings

from . import precedence
from .abstention import ANSWER_FEATURES, load_abstainer
from .answerability import PairModel
from .context import ContextFinder, verify_context
from .extractive import AnswerParams, ExtractiveAnswerer
from .further import load_further
from .generative import GenerativeAnswerer
from .types import Answer
from .verify import verify_answer

log = logging.getLogger(__name__)

#: characters a question may not carry: C0/C1 controls (tab and newline become spaces), lone surrogates,
#: and the bidirectional overrides/isolates that reorder what is shown
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


class QuestionError(ValueError):
    """A question that cannot be asked as given; the message (in Chinese) says why and what to do."""


def validate_question(question: object, max_chars: int = 2000) -> str:
    """The question as it will be asked: text, control characters, lone surrogates and direction
    overrides replaced by spaces, trimmed, at most ``max_chars`` characters; else :class:`QuestionError`.

    >>> validate_question("  数据出境\\x00需要申报吗？\\ud800 ")
    '数据出境 需要申报吗？'
    >>> validate_question(" \\t ")
    Traceback (most recent call last):
    ...
    qa.engine.QuestionError: 请输入问题。
    >>> validate_question("问" * 2001)
    Traceback (most recent call last):
    ...
    qa.engine.QuestionError: 问题太长（2001 字）：请控制在 2000 字以内，只问一件事或分几次提问。
    """
    if not isinstance(question, str):
        raise QuestionError("问题必须是文本。")
    if len(question) > 4 * max_chars:  # not worth cleaning: say how long it is without scanning it
        raise QuestionError(f"问题太长（{len(question)} 字）：请控制在 {max_chars} 字以内，只问一件事或分几次提问。")
    text = _UNSAFE_CHARS.sub(" ", question).strip()
    if not text:
        raise QuestionError("请输入问题。")
    if len(text) > max_chars:
        raise QuestionError(f"问题太长（{len(text)} 字）：请控制在 {max_chars} 字以内，只问一件事或分几次提问。")
    return text


def dense_params(settings: Settings) -> DenseParams:
    """The FAISS choices of ``settings`` (kind for builds; ef_search and nprobe for every search)."""
    return DenseParams(kind=settings.faiss_kind, exact_max=settings.faiss_exact_max, hnsw_m=settings.faiss_hnsw_m,
                       ef_search=settings.faiss_ef_search, nprobe=settings.faiss_nprobe)


def _models(settings: Settings) -> tuple[object, object, KindModel | None]:
    """The learned ranker and abstention model ``settings`` name (None where "none"), and the
    question-kind model the ranker reads (:mod:`retrieval.kinds`, the shipped one)."""
    return (resolve_model(settings.learned_ranker, "retrieval", "data/ranker.json", FEATURES),
            load_abstainer(settings.abstention_model),
            KindModel.shipped())


def model_versions(ranker: object, abstainer: object, kinds: KindModel | None = None,
                   adapter: QueryAdapter | None = None, answers: PairModel | None = None,
                   pairs: PairScorer | None = None, centre: QueryCentre | None = None,
                   further: Model | None = None) -> dict[str, str]:
    """What an index manifest records of the learned models: each one's version and checksum."""
    return {name: (f"{m.version} sha256:{m.sha256}" if m is not None else "none")  # type: ignore[attr-defined]
            for name, m in (("ranker", ranker), ("abstention", abstainer), ("question_kinds", kinds),
                            ("query_adapter", adapter), ("answers", answers), ("pairs", pairs),
                            ("query_centre", centre), ("further", further))}


class PolicyQA:
    """Ask questions of one index. Construct with :meth:`open` or :meth:`build`."""

    def __init__(self, data: IndexData, settings: Settings, embedder: Embedder | None = None,
                 reranker: Reranker | None = None) -> None:
        """``reranker`` defaults to the one ``settings.reranker`` names (none when empty)."""
        self.settings = settings
        self.data = data
        self.embedder = embedder or make_embedder(settings.embedder, precision=settings.embed_precision)
        self.reranker = reranker if reranker is not None else make_reranker(settings.reranker,
                                                                            blend=settings.rerank_blend)
        ranker, abstainer, kinds = _models(settings)
        # the index's own backend; a Milvus index may be pointed at another address of its server
        open_backend(data, milvus_uri=settings.milvus_uri or None, milvus_token=settings.milvus_token())
        self.retriever = Retriever(data, self.embedder, JiebaTokenizer(), reranker=self.reranker,
                                   rerank_top_n=settings.rerank_top_n, ranker=ranker, kinds=kinds,
                                   adapter=settings.query_adapter, pairs=settings.pair_scorer,
                                   centre=settings.query_centre)
        self.answerer = ExtractiveAnswerer(
            self.retriever,
            AnswerParams(min_dense_score=settings.min_dense_score, min_term_coverage=settings.min_term_coverage,
                         off_topic_dense=settings.off_topic_dense, off_topic_coverage=settings.off_topic_coverage),
            abstainer=abstainer,
            answers=PairModel.resolve(settings.answer_model, self.embedder.name),
            further=load_further(settings.further_model),
        )
        self.models = model_versions(ranker, abstainer, kinds, self.retriever.rankers.adapter, self.answerer.answers,
                                     self.retriever.pairs, self.retriever.rankers.centre,
                                     self.answerer.chooser.further)
        if abstainer is not None and set(ANSWER_FEATURES) & set(abstainer.names) and self.answerer.answers is None:
            log.warning("the abstention model %s reads the pair model's features, but no pair model is served "
                        "(answer_model %r): they read 0; set POLICYQA_ANSWER_MODEL to the one trained with it",
                        abstainer.version, settings.answer_model)
        built = data.manifest.get("models")
        # a slot the manifest does not name was added after the build, which then served none there
        if built and {**dict.fromkeys(self.models, "none"), **built} != self.models:
            # the models read features of this index; a model trained for another build may rank worse
            log.warning("index %s was built with the models %s; serving %s — rebuild to record these",
                        data.path.name if data.path else "?", built, self.models)
        self.context = ContextFinder(data.documents, data.sources)  # the clauses cited clauses refer to
        self.report: BuildReport | None = None
        # built here when configured, so a missing URL or model name fails at start-up, not at the first question
        self._generative: GenerativeAnswerer | None = (
            GenerativeAnswerer(self.answerer, settings) if settings.answer_mode == "generative" else None)
        self._live_lock = threading.Lock()  # the served version is read and replaced under it
        self._update_lock = threading.Lock()  # one add/remove at a time

    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None,
             embedder: Embedder | None = None) -> "PolicyQA":
        """Open an existing index (default: the configured index directory)."""
        settings = settings or Settings.from_env()
        if index_dir is not None:
            settings = settings.override(index_dir=index_dir)
        embedder = embedder or make_embedder(settings.embedder, precision=settings.embed_precision)
        data = load_index(settings.index_dir, expect_embedder=embedder.name, dense=dense_params(settings))
        return cls(data, settings, embedder)

    @classmethod
    def build(cls, paths: list[str | Path], index_dir: str | Path | None = None, settings: Settings | None = None,
              embedder: Embedder | None = None) -> "PolicyQA":
        """Ingest ``paths``, write a new index version and open it; ``.report`` says what was built."""
        settings = settings or Settings.from_env()
        if index_dir is not None:
            settings = settings.override(index_dir=index_dir)
        embedder = embedder or make_embedder(settings.embedder, precision=settings.embed_precision)
        cache = EmbeddingCache(Path(settings.cache_dir) / "embeddings.sqlite")
        build = build_index
        if settings.ray_address:  # read, parse, chunk and embed on Ray (index/distributed.py; Ray imported only then)
            from index.distributed import on_ray

            build = on_ray(settings.ray_address, settings.embedder, settings.embed_precision)
        try:
            report = build(paths, settings.index_dir, embedder, cache,
                           chunk_params=ChunkParams(max_chars=settings.chunk_max_chars),
                           progress=settings.progress, dense_params=dense_params(settings),
                           backend=BackendSpec(settings.index_backend, settings.milvus_uri,
                                               settings.milvus_token()),
                           models=model_versions(*_models(settings),
                                                 QueryAdapter.resolve(settings.query_adapter, embedder.name),
                                                 PairModel.resolve(settings.answer_model, embedder.name),
                                                 PairScorer.resolve(settings.pair_scorer, embedder.name),
                                                 QueryCentre.resolve(settings.query_centre, embedder.name),
                                                 load_further(settings.further_model)))
        finally:
            cache.close()
        engine = cls.open(settings.index_dir, settings, embedder)
        engine.report = report
        return engine

    @property
    def documents(self) -> list[Document]:
        return self.data.documents

    def search(self, question: str, k: int | None = None, filters: Filters | None = None) -> Retrieval:
        """The retrieved chunks for ``question``, best first, with its parse (``.query``)."""
        with self._live_lock:
            retriever = self.retriever
        return retriever.search(question, k or self.settings.top_k, filters)

    # -- updates ---------------------------------------------------------------------------
    def add(self, paths: Sequence[str | Path], progress: Progress | None = None,
            on_conflict: OnConflict = "ask") -> UpdateReport:
        """Add files to the index: new documents are added, a copy becomes an alias, an unreadable file
        is reported in ``.problems``; a file that would replace indexed documents (same file name, or a
        title with other text) is held back in ``.conflicts`` unless ``on_conflict`` is ``"replace"``
        or ``"keep"`` (both documents kept) — see :mod:`index.update`.

        The engine serves the new version when this returns; questions asked meanwhile are
        answered from the previous one. ``progress(fraction, message)`` is called as it goes.
        """
        if isinstance(paths, (str, Path)):
            paths = [paths]
        with self._update_lock:
            cache = EmbeddingCache(Path(self.settings.cache_dir) / "embeddings.sqlite")
            try:
                report = add_documents(self.settings.index_dir, paths, self.embedder, cache,
                                       self.retriever.tokenizer, progress, on_conflict,
                                       milvus_token=self.settings.milvus_token())
            finally:
                cache.close()
            if report.changed:
                self._serve_live_version()
        return report

    def remove(self, doc_ids: Sequence[str], progress: Progress | None = None) -> UpdateReport:
        """Remove documents by id (their copies in other files are indexed again in their place, see
        ``.restored``); unknown ids are reported in ``.problems``. As with :meth:`add`, the engine
        serves the new version when this returns."""
        if isinstance(doc_ids, str):
            doc_ids = [doc_ids]
        with self._update_lock:
            cache = EmbeddingCache(Path(self.settings.cache_dir) / "embeddings.sqlite")
            try:
                report = remove_documents(self.settings.index_dir, doc_ids, progress, self.embedder, cache,
                                          self.retriever.tokenizer, milvus_token=self.settings.milvus_token())
            finally:
                cache.close()
            if report.changed:
                self._serve_live_version()
        return report

    def _serve_live_version(self) -> None:
        """Load the index's live version and swap it in, with its retriever and answerers, at once."""
        data = load_index(self.settings.index_dir, expect_embedder=self.embedder.name,
                          dense=dense_params(self.settings))
        fresh = type(self)(data, self.settings, self.embedder, reranker=self.reranker)
        fresh.retriever.tokenizer = self.retriever.tokenizer  # already loaded
        state = {k: v for k, v in vars(fresh).items() if k not in ("report", "_live_lock", "_update_lock")}
        with self._live_lock:
            previous = {k: getattr(self, k, None) for k in state}  # freed after the lock is released
            self.__dict__.update(state)
        del previous
        log.info("serving index version %s", data.path.name if data.path else "?")

    @property
    def generative(self) -> GenerativeAnswerer:
        """The chat-model answerer of ``answer_mode = "generative"`` (built on first use; see qa/generative.py)."""
        if self._generative is None:
            self._generative = GenerativeAnswerer(self.answerer, self.settings)
        return self._generative

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None,
            mode: str | None = None) -> Answer:
        """Answer ``question`` with cited clauses, or abstain. ``mode`` overrides ``settings.answer_mode``.
        The question passes :func:`validate_question` first (:class:`QuestionError`, a ValueError, when
        it is empty, not text or longer than ``settings.max_question_chars``).
        The clauses the cited ones refer to come as ``context`` (:mod:`qa.context`), and which of the
        answer's documents prevails where they differ is said in ``warnings`` and the text
        (:mod:`qa.precedence`). Every answer passes :func:`qa.verify.verify_answer` on its way out."""
        t0 = time.perf_counter()
        mode = mode or self.settings.answer_mode
        if mode not in ("extractive", "generative"):
            raise ValueError(f"mode must be 'extractive' or 'generative', got {mode!r}")
        with self._live_lock:  # one version for the whole answer, even while an update swaps in the next
            answerer = self.generative if mode == "generative" else self.answerer
            sources = self.data.sources
            context = self.context
        question = validate_question(question, self.settings.max_question_chars)  # QuestionError: why not
        query = answerer.retriever.parse(question)  # parsed once: every stage below reads this parse
        answer = verify_answer(answerer.answer(query, k or self.settings.top_k, filters), sources)
        if not answer.abstained:
            # the 适用说明 lines explain() adds are verified as they are added, the context clauses here
            answer = precedence.explain(context.attach(answer), context.docs, sources, asks_which=query.asks_which)
            answer = verify_context(answer, sources)
        answer.latency_ms = round((time.perf_counter() - t0) * 1000, 1)
        return answer

"""``PolicyQA``: the pipeline as a Python API.

>>> engine = PolicyQA.build(["corpus"], "var/index")          # doctest: +SKIP
>>> engine = PolicyQA.open("var/index")                        # doctest: +SKIP
>>> answer = engine.ask("数据出境安全评估的申报情形有哪些？")   # doctest: +SKIP
>>> answer.citations[0].clause                                 # doctest: +SKIP
'《数据出境安全评估办法》第四条'
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from index.builder import BuildReport, build_index
from index.cache import EmbeddingCache
from index.embedders import Embedder, make_embedder
from index.rerank import Reranker, make_reranker
from index.retriever import Filters, Hit, Retriever
from index.store import IndexData, load_index
from index.tokenize import JiebaTokenizer
from ingest.chunking import ChunkParams
from ingest.types import Document

from .config import Settings
from .extractive import AnswerParams, ExtractiveAnswerer
from .types import Answer

log = logging.getLogger(__name__)


class PolicyQA:
    """Ask questions of one index. Construct with :meth:`open` or :meth:`build`."""

    def __init__(self, data: IndexData, settings: Settings, embedder: Embedder | None = None,
                 reranker: Reranker | None = None) -> None:
        """``reranker`` defaults to the one ``settings.reranker`` names (none when empty)."""
        self.settings = settings
        self.data = data
        self.embedder = embedder or make_embedder(settings.embedder)
        self.reranker = reranker if reranker is not None else make_reranker(settings.reranker,
                                                                            blend=settings.rerank_blend)
        self.retriever = Retriever(data, self.embedder, JiebaTokenizer(), reranker=self.reranker,
                                   rerank_top_n=settings.rerank_top_n)
        self.answerer = ExtractiveAnswerer(
            self.retriever,
            AnswerParams(min_dense_score=settings.min_dense_score, min_term_coverage=settings.min_term_coverage),
        )
        self.report: BuildReport | None = None

    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None,
             embedder: Embedder | None = None) -> "PolicyQA":
        """Open an existing index (default: the configured index directory)."""
        settings = settings or Settings.from_env()
        if index_dir is not None:
            settings = settings.override(index_dir=index_dir)
        embedder = embedder or make_embedder(settings.embedder)
        data = load_index(settings.index_dir, expect_embedder=embedder.name)
        return cls(data, settings, embedder)

    @classmethod
    def build(cls, paths: list[str | Path], index_dir: str | Path | None = None, settings: Settings | None = None,
              embedder: Embedder | None = None) -> "PolicyQA":
        """Ingest ``paths``, write a new index version and open it; ``.report`` says what was built."""
        settings = settings or Settings.from_env()
        if index_dir is not None:
            settings = settings.override(index_dir=index_dir)
        embedder = embedder or make_embedder(settings.embedder)
        cache = EmbeddingCache(Path(settings.cache_dir) / "embeddings.sqlite")
        try:
            report = build_index(paths, settings.index_dir, embedder, cache,
                                 chunk_params=ChunkParams(max_chars=settings.chunk_max_chars),
                                 progress=settings.progress)
        finally:
            cache.close()
        engine = cls.open(settings.index_dir, settings, embedder)
        engine.report = report
        return engine

    @property
    def documents(self) -> list[Document]:
        return self.data.documents

    def search(self, question: str, k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        return self.retriever.search(question, k or self.settings.top_k, filters)

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None) -> Answer:
        """Answer ``question`` with cited clauses, or abstain."""
        t0 = time.perf_counter()
        answer = self.answerer.answer(question, k or self.settings.top_k, filters)
        answer.latency_ms = round((time.perf_counter() - t0) * 1000, 1)
        return answer

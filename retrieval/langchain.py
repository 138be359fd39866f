"""LangChain interop: our hybrid retrieval as a ``langchain_core`` retriever.

>>> retriever = PolicyQARetriever(engine=PolicyQA.open("var/index"), k=4)      # doctest: +SKIP
>>> chain = retriever | RunnableLambda(format_docs)                            # doctest: +SKIP
>>> retriever.invoke("数据出境安全评估的申报情形有哪些？")[0].metadata["clause"]   # doctest: +SKIP
'《数据出境安全评估办法》第四条'

Each ``Document`` is one retrieved chunk: ``page_content`` is its exact source text and
``metadata`` carries where it comes from — ``clause`` (full citation label), ``clause_id``,
``doc_title``, ``doc_id``, ``source``, ``start``/``end`` (``source_text[start:end] ==
page_content``), ``page``, ``score`` and ``rank``.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, field_validator

from retrieval.filters import Filters
from retrieval.types import Hit


def hit_to_document(hit: Hit) -> Document:
    """One retrieval hit as a LangChain ``Document``."""
    c = hit.chunk
    return Document(page_content=c.text, id=c.id, metadata={
        "clause": c.clause_label, "clause_id": c.clause_id, "doc_title": c.doc_title, "doc_id": c.doc_id,
        "source": c.source, "start": c.start, "end": c.end, "page": c.page, "score": round(hit.score, 4),
        "rank": hit.rank, "chunk_id": c.id,
    })


def format_docs(docs: list[Document]) -> str:
    """Documents as numbered clauses for a prompt: ``[n] label`` then the text."""
    return "\n\n".join(f"[{i}] {d.metadata.get('clause', '')}\n{d.page_content.strip()}" for i, d in enumerate(docs, 1))


class PolicyQARetriever(BaseRetriever):
    """A LangChain retriever over a :class:`qa.engine.PolicyQA` (hybrid lookup + BM25 + dense).

    ``engine`` is a ``PolicyQA`` (anything with its ``search(question, k, filters)``), ``k`` the
    number of documents, ``filters`` an optional :class:`retrieval.filters.Filters`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    engine: Any
    k: int = Field(default=5, ge=1)
    filters: Filters | None = None

    @field_validator("engine")
    @classmethod
    def _has_search(cls, engine: Any) -> Any:
        if not callable(getattr(engine, "search", None)):
            raise ValueError("engine must be a PolicyQA (it needs search(question, k, filters))")
        return engine

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        if not query or not query.strip():
            return []
        return [hit_to_document(h) for h in self.engine.search(query, k=self.k, filters=self.filters)]

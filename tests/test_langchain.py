"""PolicyQARetriever inside real langchain-core runnable chains, over the slice index."""

import asyncio

import pytest
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from pydantic import ValidationError

from retrieval.filters import Filters
from retrieval.langchain import PolicyQARetriever, format_docs

QUESTION = "数据出境安全评估的申报情形有哪些？"
KEYS = {"clause", "clause_id", "doc_title", "doc_id", "source", "start", "end", "page", "score", "rank", "chunk_id"}


def _assert_exact(engine, doc: Document) -> None:
    m = doc.metadata
    assert set(m) == KEYS
    assert engine.data.sources[m["source"]].text[m["start"]:m["end"]] == doc.page_content
    assert m["clause"].startswith(f"《{m['doc_title']}》")


def test_documents_carry_label_title_and_exact_span(slice_engine):
    retriever = PolicyQARetriever(engine=slice_engine, k=4)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(QUESTION)
    hits = slice_engine.search(QUESTION, k=4)
    assert len(docs) == 4 and [d.metadata["chunk_id"] for d in docs] == [h.chunk.id for h in hits]
    assert docs[0].metadata["clause"] == "《数据出境安全评估办法》第四条" and "100万人以上" in docs[0].page_content
    assert [d.metadata["rank"] for d in docs] == [h.rank for h in hits]
    for d in docs:
        _assert_exact(slice_engine, d)


def test_retriever_piped_into_a_runnable_lambda(slice_engine):
    chain = PolicyQARetriever(engine=slice_engine, k=3) | RunnableLambda(format_docs)
    text = chain.invoke(QUESTION)
    assert text.startswith("[1] 《数据出境安全评估办法》第四条\n") and "[3] " in text and "[4] " not in text
    assert chain.batch([QUESTION, "个人信息保护法第二十八条是怎么规定的？"])[1].startswith(
        "[1] 《中华人民共和国个人信息保护法》第二十八条")


def test_a_rag_chain_with_prompt_fake_chat_model_and_parser(slice_engine):
    seen = []

    def record(prompt_value):
        seen.append(prompt_value.to_messages())
        return prompt_value

    prompt = ChatPromptTemplate.from_messages([
        ("system", "只依据下列条款回答，每句末尾标注 [n]。\n{context}"),
        ("human", "{question}"),
    ])
    model = GenericFakeChatModel(messages=iter([AIMessage(content="应当申报数据出境安全评估[1]。")]))
    retriever = PolicyQARetriever(engine=slice_engine, k=3)
    chain = ({"context": retriever | format_docs, "question": RunnablePassthrough()}
             | prompt | RunnableLambda(record) | model | StrOutputParser())
    assert chain.invoke(QUESTION) == "应当申报数据出境安全评估[1]。"
    system, human = seen[0]
    assert human.content == QUESTION
    docs = retriever.invoke(QUESTION)
    for i, d in enumerate(docs, 1):  # the model saw each clause's label and exact text, numbered
        assert f"[{i}] {d.metadata['clause']}\n{d.page_content.strip()}" in system.content


def test_filters_and_async(slice_engine):
    doc = next(d for d in slice_engine.documents if "个人信息保护法" in d.title)
    retriever = PolicyQARetriever(engine=slice_engine, k=3, filters=Filters(doc_ids=frozenset({doc.id})))
    docs = asyncio.run(retriever.ainvoke(QUESTION))
    assert docs and {d.metadata["doc_id"] for d in docs} == {doc.id}
    for d in docs:
        _assert_exact(slice_engine, d)
    assert retriever.invoke("   ") == []


def test_invalid_configuration_is_rejected(slice_engine):
    with pytest.raises(ValidationError):
        PolicyQARetriever(engine=slice_engine, k=0)
    with pytest.raises(ValidationError, match="PolicyQA"):
        PolicyQARetriever(engine=object())

"""Chunk invariants over the whole bundled corpus."""

import pytest

from index.tokenize import JiebaTokenizer
from ingest.chunking import ChunkParams, chunk_document
from ingest.text import clean, compact, text_len
from ingest.titles import book


@pytest.fixture(scope="module")
def all_chunks(corpus_docs):
    out = []
    for source, docs in corpus_docs.values():
        for d in docs:
            out.extend((source, d, c) for c in chunk_document(source, d))
    return out


def test_chunks_are_exact_nonempty_slices_with_provenance(all_chunks):
    assert len(all_chunks) > 3000
    for source, doc, c in all_chunks:
        assert source.text[c.start:c.end] == c.text and c.text.strip()
        assert c.source == source.path and c.doc_title == doc.title
        assert c.index_text.startswith(doc.title)
        assert c.clause_label.startswith(book(doc.title))


def test_no_chunk_is_longer_than_the_limit(all_chunks):
    limit = ChunkParams().max_chars
    too_long = [c.id for _, _, c in all_chunks if text_len(c.text) > limit]
    assert not too_long


def test_a_chunk_never_mixes_two_articles(all_chunks):
    for _, doc, c in all_chunks:
        if doc.kind != "statute":
            continue
        articles = [cl for cl in doc.clauses if cl.level == "条" and cl.start < c.end and c.start < cl.end]
        assert len(articles) <= 1, (c.id, [a.label for a in articles])


def test_long_article_splits_at_its_items(corpus_docs):
    source, docs = corpus_docs["000_a6358ce5c5e8d387.txt"]
    pipl = next(d for d in docs if d.title == "中华人民共和国个人信息保护法")
    small = chunk_document(source, pipl, ChunkParams(max_chars=80))
    a13 = [c for c in small if ":t13" in c.clause_id]
    assert len(a13) > 2
    labels = {c.clause_label.split("》")[1] for c in a13}
    # a chunk holding one item cites the item; several items of one paragraph cite the paragraph;
    # a chunk crossing paragraphs cites the article
    assert {"第十三条第一款第（二）项", "第十三条第一款", "第十三条"} <= labels


def test_index_text_reads_wrapped_sentences_whole(all_chunks):
    # the index text loses and gains nothing but blanks: its body is the chunk's text, its soft line breaks gone
    for _, _, c in all_chunks:
        assert compact(c.index_text.split("\n", 1)[1]) == compact(clean(c.text)), c.id
    # a sentence the page width broke mid-word (政府购 | 买服务) is one line to BM25 and the embedder, so the word
    # jieba cuts is there
    wrapped = next(c for _, _, c in all_chunks if "可以通过政府购\n" in c.text)
    body = wrapped.index_text.split("\n", 1)[1]
    assert "可以通过政府购买服务的方式" in body and "\n" not in body
    tokenize = JiebaTokenizer()
    assert "购买" in tokenize(wrapped.index_text) and "购买" not in tokenize(clean(wrapped.text))
    # an item's own line still starts one
    itemised = [c for _, _, c in all_chunks if "\n（二）" in clean(c.text)]
    assert itemised and all("\n（二）" in c.index_text for c in itemised)

"""Real PDFs through the whole ingest stage: one document each, articles with their pages."""

import pytest

from ingest.pipeline import ingest_paths

from .conftest import shared_dir


@pytest.fixture(scope="module")
def pdf_result():
    return ingest_paths([shared_dir("pdfs")])


def test_each_pdf_is_one_titled_document(pdf_result):
    assert not pdf_result.problems
    titles = sorted(d.title for d in pdf_result.documents)
    assert titles == ["中华人民共和国个人信息保护法", "中华人民共和国数据安全法", "中华人民共和国网络安全法"]
    # the two 网络安全法 PDFs (Word and WPS exports) are one law: the second is an alias
    law = next(d for d in pdf_result.documents if d.title == "中华人民共和国网络安全法")
    assert len(law.aliases) == 1


def test_articles_carry_pages_and_exact_text(pdf_result):
    sources = {s.path: s for s in pdf_result.sources}
    for doc in pdf_result.documents:
        articles = [c for c in doc.clauses if c.level == "条"]
        assert len(articles) >= 55
        assert articles[0].page == 1 or articles[0].page == 2
        pages = [a.page for a in articles]
        assert pages == sorted(pages) and pages[-1] >= 8
        for c in doc.clauses:
            assert sources[doc.source].text[c.start:c.end] == c.text
    for chunk in pdf_result.chunks:
        assert chunk.page is not None

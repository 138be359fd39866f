"""The web app served on 127.0.0.1, driven through its named API with gradio_client; and the
README's API example, run as written against it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.browser.support import private_engine, served
from tests.conftest import ROOT, shared_dir

QUESTION = "数据出境安全评估的申报情形有哪些？"
ENDPOINTS = {"/ask", "/search_corpus", "/document", "/add_documents", "/remove_document", "/export_markdown",
             "/feedback"}


@pytest.fixture(scope="module")
def app(slice_engine, tmp_path_factory):
    engine = private_engine(tmp_path_factory.mktemp("api"), slice_engine.settings.cache_dir)
    with served(engine) as (url, _app):
        yield url, engine


@pytest.fixture(scope="module")
def client(app):
    from gradio_client import Client

    return Client(app[0], verbose=False)


def test_the_named_endpoints_and_nothing_else(client):
    info = client.view_api(return_format="dict", print_info=False)
    assert set(info["named_endpoints"]) == ENDPOINTS
    assert not info["unnamed_endpoints"]


def test_ask_returns_the_answer_contract_with_spans_that_quote_the_source(client, app):
    _, engine = app
    r = client.predict(QUESTION, api_name="/ask")
    assert not r["abstained"] and "[1]" in r["answer"]
    assert r["citations"][0]["clause"].startswith("《促进和规范数据跨境流动规定》第七条")
    for c in r["citations"]:
        assert engine.data.sources[c["source"]].text[c["start"]:c["end"]] == c["quote"]
    assert r["asked"] == QUESTION and r["follow_up"] is False and r["filters"] == {}
    assert r["turn"]["doc_titles"] == ["促进和规范数据跨境流动规定", "数据出境安全评估办法"]


def test_filters_and_bad_dates(client, app):
    _, engine = app
    types = {d.title: d.metadata.get("doc_type") for d in engine.documents}
    r = client.predict("向境外提供个人信息需要满足什么条件？", doc_types=["法律"], api_name="/ask")
    assert r["citations"] and {types[c["doc_title"]] for c in r["citations"]} == {"法律"}
    assert r["filters"] == {"doc_types": ["法律"]}
    none = client.predict("个人信息保护法第二十八条", date_to="1990-01-01", api_name="/ask")
    assert none["abstained"] and not none["citations"]
    with pytest.raises(Exception, match="不是有效日期"):
        client.predict(QUESTION, date_from="2024-13-01", api_name="/ask")


def test_follow_up_through_the_api(client):
    first = client.predict("个人信息保护法关于处理个人信息的告知义务", api_name="/ask")
    second = client.predict("那敏感个人信息呢？", previous=first["turn"], api_name="/ask")
    assert second["follow_up"] is True
    assert "个人信息保护法" in second["asked"] and "敏感个人信息" in second["asked"]
    assert second["citations"] and all("个人信息保护法" in c["doc_title"] for c in second["citations"])
    alone = client.predict("那敏感个人信息呢？", api_name="/ask")
    assert alone["follow_up"] is False


def test_corpus_search_and_document(client, app):
    _, engine = app
    every = client.predict("", api_name="/search_corpus")
    assert len(every) == len(engine.documents)
    hits = client.predict("个人信息保护法", api_name="/search_corpus")
    assert hits and all("个人信息保护法" in h["title"] for h in hits)
    doc = client.predict(hits[0]["id"], api_name="/document")
    articles = [c for c in doc["clauses"] if c["level"] == "条"]
    assert articles and articles[0]["label"].endswith("第一条") and doc["metadata"]["doc_type"]
    with pytest.raises(Exception, match="没有这份文件"):
        client.predict("no-such-id", api_name="/document")


def test_export_markdown_and_feedback(client, app):
    _, engine = app
    md = client.predict(QUESTION, api_name="/export_markdown")
    assert md.startswith("### 问题") and "1. **《促进和规范数据跨境流动规定》第七条" in md
    r = client.predict(QUESTION, api_name="/ask")
    rec = client.predict(r, "down", "应同时引用第七条", api_name="/feedback")
    assert rec["feedback"]["rating"] == "down" and rec["note"] == "应同时引用第七条"
    lines = (Path(engine.settings.index_dir) / "feedback.jsonl").read_text("utf-8").splitlines()
    assert json.loads(lines[-1])["id"] == rec["id"]
    with pytest.raises(Exception, match="rating"):
        client.predict(r, "meh", api_name="/feedback")


def test_add_refuses_bad_files_and_remove_stops_answers(client, app, tmp_path):
    from gradio_client import handle_file

    _, engine = app
    fake = tmp_path / "not-a-pdf.pdf"
    fake.write_text("hello", encoding="utf-8")
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    n = len(engine.documents)
    report = client.predict([handle_file(str(fake))], api_name="/add_documents")
    assert [r["file"] for r in report["rejected"]] == ["not-a-pdf.pdf"] and "不是 PDF" in report["rejected"][0]["reason"]
    assert not report.get("added") and len(engine.documents) == n
    with pytest.raises(Exception, match="Invalid file type"):  # Gradio refuses other types before we see them
        client.predict([handle_file(str(exe))], api_name="/add_documents")

    law = client.predict("跨境流动规定", api_name="/search_corpus")[0]
    question = "促进和规范数据跨境流动规定第五条是怎么规定的？"
    before = client.predict(question, api_name="/ask")
    assert before["citations"] and before["citations"][0]["doc_title"] == law["title"]
    removed = client.predict(law["id"], api_name="/remove_document")
    assert [x["id"] for x in removed["removed"]] == [law["id"]] and removed["documents"] == n - 1
    assert "没有这份文件" in client.predict("no-such-id", api_name="/remove_document")["error"]
    after = client.predict(question, api_name="/ask")
    assert all(c["doc_title"] != law["title"] for c in after["citations"])
    assert all(h["id"] != law["id"] for h in client.predict("", api_name="/search_corpus"))


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    m = re.search(r"<!-- api-example -->\s*```python\n(.*?)```\s*<!-- /api-example -->", text, flags=re.S)
    assert m, "README.md lost its API example"
    return m.group(1)


def test_readme_api_example_runs(app, tmp_path, monkeypatch):
    url, engine = app
    code = _readme_example()
    assert 'Client("http://127.0.0.1:7860/")' in code and 'handle_file("数据安全法.pdf")' in code
    shutil.copy(shared_dir("pdfs") / "sunyifeisb-art__中华人民共和国数据安全法.pdf", tmp_path / "数据安全法.pdf")
    monkeypatch.chdir(tmp_path)
    n = len(engine.documents)
    scope: dict = {}
    exec(compile(code.replace("http://127.0.0.1:7860/", url), "README.md", "exec"), scope)  # noqa: S102
    assert scope["result"]["citations"] and scope["laws"]["citations"]
    assert scope["follow_up"]["follow_up"] and scope["law"]["clauses"]
    assert scope["memo"].startswith("### 问题")
    assert scope["report"]["added"][0]["title"] == "中华人民共和国数据安全法"
    assert len(engine.documents) == n  # added, then removed again

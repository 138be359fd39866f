"""Generative mode against a small OpenAI-compatible server started here on 127.0.0.1.

The server reads the clauses the engine actually sent in its prompt (real retrieval over the
slice index) and writes its reply from them: a good answer, wrong citations, an invented
number, a refusal; or it fails (HTTP 500, garbage JSON, a reply slower than the timeout).
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingest.text import int_to_cn
from qa import PolicyQA
from qa.generative import SYSTEM_PROMPT, GenerativeAnswerer, renumber
from qa.verify import markers_in, number_tokens, verify_quote

from .conftest import ROOT

QUESTION = "数据出境安全评估的申报情形有哪些？"
SECRET = "sk-test-not-a-real-key-4711"


def parse_clauses(prompt: str) -> dict[int, tuple[str, str]]:
    """The numbered clauses of the engine's prompt: n → (label, text)."""
    body = prompt.split("条款：\n", 1)[1]
    out = {}
    for block in re.split(r"\n\n(?=\[\d+\] )", body):
        head, _, text = block.partition("\n")
        m = re.match(r"\[(\d+)\] (.+)", head)
        out[int(m.group(1))] = (m.group(2), text)
    return out


def fact_sentences(clauses: dict[int, tuple[str, str]]) -> list[tuple[int, str]]:
    """(n, a sentence of clause n that states a number), in clause order."""
    out = []
    for n, (_, text) in clauses.items():
        for s in re.split(r"[。；\n]", text):
            s = re.sub(r"^[（(][一二三四五六七八九十]+[)）]", "", s.strip())
            if len(s) > 8 and number_tokens(s):
                out.append((n, s))
                break
    return out


def in_chinese(sentence: str) -> str:
    """``sentence`` with its first Arabic number (below 1000) in Chinese numerals, as a model may write it."""
    return re.sub(r"\d+", lambda m: int_to_cn(int(m.group())) if int(m.group()) < 1000 else m.group(), sentence,
                  count=1)


class FakeLLM:
    """What the server does next (``behaviour``) and every request it received."""

    def __init__(self) -> None:
        self.behaviour = "good"
        self.requests: list[dict] = []
        self.release = threading.Event()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def reply(self, prompt: str) -> str:
        clauses = parse_clauses(prompt)
        facts = fact_sentences(clauses)
        assert facts, "the retrieved clauses state no number: the scenario needs one"
        n, fact = facts[0]
        good = f"{fact}[{n}]。"
        if self.behaviour == "good":  # the second fact with its first number in Chinese numerals (2年 → 二年)
            more = "".join(f"{in_chinese(s)}[{m}]。" for m, s in facts[1:2])
            return good + more
        if self.behaviour == "wrong_citation":
            nums = {t.text for t in number_tokens(fact)}
            other = next(m for m, (_, text) in clauses.items()
                         if m != n and not any(x in text for x in nums))
            return f"{good}{fact}[{other}]。{fact}[{max(clauses) + 3}]。"
        if self.behaviour == "invented_number":
            invented = next(x for x in ("987万人", "4321万元", "13个工作日") if all(x not in t for _, t in clauses.values()))
            return f"{good}另外，涉及{invented}的，同样应当申报[{n}]。"
        if self.behaviour == "unverifiable":
            return f"{fact}。{fact}[{max(clauses) + 1}]。"
        if self.behaviour == "decline":
            return "语料中未找到依据。"
        raise AssertionError(self.behaviour)


def _handler(fake: FakeLLM):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep the test output clean
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
            if fake.behaviour == "http500":
                return self._send(500, b'{"error": {"message": "the model crashed"}}')
            if fake.behaviour == "garbage":
                return self._send(200, b"<html>not json at all")
            if fake.behaviour == "slow":
                fake.release.wait(30)
                return self._send(200, b"{}")
            prompt = next(m["content"] for m in body["messages"] if m["role"] == "user")
            content = fake.reply(prompt)
            payload = {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                       "choices": [{"index": 0, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": content}}],
                       "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
            self._send(200, json.dumps(payload, ensure_ascii=False).encode())

        def _send(self, status: int, data: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

    return Handler


@pytest.fixture(scope="module")
def fake_llm():
    fake = FakeLLM()
    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.server.daemon_threads = True
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.release.set()
    fake.server.shutdown()
    fake.server.server_close()
    thread.join(5)


@pytest.fixture
def llm(fake_llm):
    fake_llm.behaviour = "good"
    fake_llm.requests.clear()
    return fake_llm


def _settings(slice_engine, url: str, timeout: float = 10.0, **more):
    return slice_engine.settings.override(answer_mode="generative", llm_base_url=url, llm_model="fake-qwen",
                                          llm_timeout_s=timeout, **more)


def _answerer(slice_engine, url: str, timeout: float = 10.0, **more) -> GenerativeAnswerer:
    """A generative answerer sharing the slice engine's retrieval (cheaper than a second engine)."""
    return GenerativeAnswerer(slice_engine.answerer, _settings(slice_engine, url, timeout, **more))


@pytest.fixture(scope="module")
def gen_engine(slice_engine, fake_llm):
    return PolicyQA(slice_engine.data, _settings(slice_engine, fake_llm.url), slice_engine.embedder)


def _sent_clauses(llm) -> dict[int, tuple[str, str]]:
    prompt = next(m["content"] for m in llm.requests[-1]["body"]["messages"] if m["role"] == "user")
    return parse_clauses(prompt)


def _assert_verified(engine, answer):
    assert answer.citations
    for c in answer.citations:
        assert verify_quote(c, engine.data.sources) is None
        assert f"[{c.marker}]" in answer.answer
    assert set(markers_in(answer.answer)) == {c.marker for c in answer.citations}


# -- good answers ----------------------------------------------------------------------------------
def test_a_good_answer_is_kept_with_its_citations_verified(gen_engine, llm):
    a = gen_engine.ask(QUESTION)
    assert len(llm.requests) == 1 and llm.requests[0]["path"] == "/v1/chat/completions"
    body = llm.requests[0]["body"]
    assert body["model"] == "fake-qwen" and body["messages"][0]["content"] == SYSTEM_PROMPT
    sent = _sent_clauses(llm)
    facts = fact_sentences(sent)
    assert a.mode == "generative" and not a.abstained
    # the model's markers became citations of exactly the clauses it cited, renumbered 1..m
    assert [c.clause for c in a.citations] == [sent[n][0] for n, _ in facts[:2]]
    assert [c.marker for c in a.citations] == list(range(1, len(a.citations) + 1))
    first, second = facts[0][1], in_chinese(facts[1][1])
    assert second != facts[1][1], "the second fact should have been rewritten in Chinese numerals"
    # then, the two cited rules differing, which of them applies (qa.precedence)
    assert a.answer.startswith(f"{first}[1]。{second}[2]。")
    assert a.answer[len(f"{first}[1]。{second}[2]。"):] in ("", "\n" + a.answer.splitlines()[-1])
    _assert_verified(gen_engine, a)
    assert not any("未能" in w for w in a.warnings)
    d = a.to_dict()
    assert d["mode"] == "generative" and {"marker", "clause", "quote", "start", "end"} <= set(d["citations"][0])
    # the evidence the model wrote from was judged as the extractive answer's: the same abstention score
    extractive = gen_engine.answerer.answer(QUESTION)
    assert extractive.abstain_score is not None and a.abstain_score == extractive.abstain_score


def test_the_prompt_lists_the_retrieved_clauses_with_labels_and_exact_text(gen_engine, llm):
    gen_engine.ask(QUESTION)
    sent = _sent_clauses(llm)
    hits = gen_engine.search(QUESTION, k=5)
    assert [label for label, _ in sent.values()] == [h.chunk.clause_label for h in hits]
    assert any("100万人以上个人信息" in text for _, text in sent.values())
    assert "[n]" in SYSTEM_PROMPT and "语料中未找到依据" in SYSTEM_PROMPT


# -- wrong citations, invented numbers: sentences dropped ---------------------------------------------
def test_wrong_citation_markers_drop_their_sentences(gen_engine, llm):
    llm.behaviour = "wrong_citation"
    a = gen_engine.ask(QUESTION)
    sent = _sent_clauses(llm)
    n, fact = fact_sentences(sent)[0]
    assert a.mode == "generative"
    assert a.answer == f"{fact}[1]。" and [c.clause for c in a.citations] == [sent[n][0]]
    assert any("2句未能用所引条款核实" in w for w in a.warnings)
    _assert_verified(gen_engine, a)


def test_an_invented_number_drops_its_sentence(gen_engine, llm, caplog):
    llm.behaviour = "invented_number"
    with caplog.at_level(logging.INFO, logger="qa.generative"):
        a = gen_engine.ask(QUESTION)
    _, fact = fact_sentences(_sent_clauses(llm))[0]
    assert a.mode == "generative" and a.answer == f"{fact}[1]。"
    assert not re.search(r"987万|4321万|13个工作日", a.answer)
    assert "is in none of the cited quotes" in caplog.text
    _assert_verified(gen_engine, a)


# -- fallbacks --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("behaviour, why", [("http500", "模型服务出错"), ("garbage", "模型服务出错"),
                                            ("unverifiable", "无法用所引条款核实"), ("decline", "不能回答")])
def test_failures_fall_back_to_the_extractive_answer_with_a_warning(gen_engine, llm, slice_engine, behaviour, why):
    llm.behaviour = behaviour
    a = gen_engine.ask(QUESTION)
    extractive = slice_engine.ask(QUESTION)
    assert len(llm.requests) == 1
    assert a.mode == "extractive" and a.answer == extractive.answer
    assert [c.clause for c in a.citations] == [c.clause for c in extractive.citations]
    assert why in a.warnings[0] and "抽取式回答" in a.warnings[0]


def test_a_model_slower_than_the_timeout_falls_back(slice_engine, llm):
    llm.behaviour = "slow"
    a = _answerer(slice_engine, llm.url, timeout=1.0).answer(QUESTION)
    llm.release.set()
    assert a.mode == "extractive" and a.citations and "模型服务出错" in a.warnings[0]
    assert "Timeout" in a.warnings[0]


def test_an_unreachable_model_falls_back(slice_engine, llm):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    a = _answerer(slice_engine, f"http://127.0.0.1:{port}/v1").answer(QUESTION)
    assert a.mode == "extractive" and a.citations and "模型服务出错" in a.warnings[0]


def test_an_abstention_is_kept_and_the_model_is_not_asked(gen_engine, llm):
    a = gen_engine.ask("员工年终奖应该按什么比例缴纳个人所得税？")
    assert a.abstained and "未找到依据" in a.answer and not a.citations
    assert llm.requests == []


# -- configuration ----------------------------------------------------------------------------------------
def test_the_key_comes_from_the_named_environment_variable_and_is_never_logged(slice_engine, llm, monkeypatch,
                                                                                caplog):
    monkeypatch.setenv("POLICYQA_LLM_API_KEY", SECRET)
    answerer = _answerer(slice_engine, llm.url)
    with caplog.at_level(logging.DEBUG):
        answerer.answer(QUESTION)
        llm.behaviour = "http500"
        answerer.answer(QUESTION)
    assert [r["auth"] for r in llm.requests] == [f"Bearer {SECRET}"] * 2
    assert SECRET not in caplog.text and SECRET not in repr(answerer.settings) + repr(answerer.chat_model)
    monkeypatch.delenv("POLICYQA_LLM_API_KEY")
    monkeypatch.setenv("MY_KEY", "sk-other")
    llm.behaviour = "good"
    _answerer(slice_engine, llm.url, llm_api_key_env="MY_KEY").answer(QUESTION)
    assert llm.requests[-1]["auth"] == "Bearer sk-other"


def test_generative_mode_without_a_model_address_fails_at_start_with_the_fix(slice_engine):
    with pytest.raises(ValueError, match="POLICYQA_LLM_BASE_URL"):
        PolicyQA(slice_engine.data, slice_engine.settings.override(answer_mode="generative"), slice_engine.embedder)
    with pytest.raises(ValueError, match="POLICYQA_LLM_MODEL"):
        GenerativeAnswerer(slice_engine.answerer, slice_engine.settings.override(llm_base_url="http://127.0.0.1:1/v1"))
    with pytest.raises(ValueError, match="answer_mode"):
        slice_engine.settings.override(answer_mode="fluent")
    with pytest.raises(ValueError, match="mode"):
        slice_engine.ask(QUESTION, mode="fluent")


def test_extractive_stays_the_default_and_asks_no_model(slice_engine):
    assert slice_engine.settings.answer_mode == "extractive"
    assert slice_engine.ask(QUESTION).mode == "extractive"


def test_renumber():
    assert renumber("甲[3]。乙[5]［3］。丙[4, 5]。", {3: 1, 5: 2}) == "甲[1]。乙[2][1]。丙[4][2]。"


def test_cli_ask_generative(slice_engine, llm):
    env = dict(os.environ, POLICYQA_INDEX=str(slice_engine.settings.index_dir),
               POLICYQA_CACHE=str(slice_engine.settings.cache_dir))
    r = subprocess.run([sys.executable, "-m", "cli.main", "ask", QUESTION, "--json", "--mode", "generative",
                        "--llm-base-url", llm.url, "--llm-model", "fake-qwen"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["mode"] == "generative" and d["citations"] and len(llm.requests) == 1


def test_a_generated_answer_gets_the_context_of_its_citations(gen_engine, llm):
    a = gen_engine.ask("促进和规范数据跨境流动规定第七条对累计向境外提供10万人以上、不满100万人个人信息是怎么规定的？")
    assert a.mode == "generative", a.warnings
    _assert_verified(gen_engine, a)
    first = next(c for c in a.citations if c.clause == "《促进和规范数据跨境流动规定》第七条")
    # 第七条第二款: 属于本规定第三条、第四条、第五条、第六条规定情形的，从其规定 — three at most per citation
    assert [(x.ref, x.clause) for x in a.context if x.marker == first.marker] == [
        ("本规定第三条", "《促进和规范数据跨境流动规定》第三条"), ("第四条", "《促进和规范数据跨境流动规定》第四条"),
        ("第五条", "《促进和规范数据跨境流动规定》第五条")]
    assert len({x.clause_id for x in a.context}) == len(a.context)
    for x in a.context:
        assert verify_quote(x, gen_engine.data.sources) is None and x.marker in {c.marker for c in a.citations}

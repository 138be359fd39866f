"""Optional generative answers (``answer_mode = "generative"``): a chat model writes a fluent
answer from the retrieved clauses, and only what verification confirms is kept.

The model is any OpenAI-compatible chat endpoint (vLLM, Ollama, a hosted Qwen or DeepSeek),
reached through LangChain's ``ChatOpenAI`` with ``Settings.llm_base_url`` and
``Settings.llm_model``; the API key is read from the environment variable *named* by
``Settings.llm_api_key_env`` (``OPENAI_API_KEY`` as a fallback) and never stored or logged.

The flow: the extractive answer is computed first — when it abstains, the model is not asked.
The model gets the numbered retrieved clauses and must end every sentence with ``[n]``
markers. Its markers become citations of those clauses (quotes = the exact source text of the
clause), and :func:`qa.verify.verify_answer_text` drops every sentence that cites a clause it
was not given or states a number its cited clauses do not contain. When the model fails, times
out, declines, or nothing it wrote can be verified, the extractive answer is returned with a
warning that says why.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from retrieval.filters import Filters
from retrieval.query import Query
from retrieval.types import Hit
from ingest.text import clean

from settings import Settings
from .extractive import ExtractiveAnswerer
from .types import Answer, Citation, Related
from .wording import MARKER, marker_numbers
from .verify import VerifiedText, markers_in, verify_answer_text

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

log = logging.getLogger(__name__)

NO_BASIS_REPLY = "语料中未找到依据"
SYSTEM_PROMPT = """你是政策法规问答助手，只能依据用户给出的编号条款回答，不得使用条款以外的知识。
必须遵守：
1. 每一句话都以引用标记结尾，标记写作 [n]，n 是该句所依据条款的编号；一句依据多条时写 [1][2]。没有标记的句子会被删除。
2. 只引用给出的条款编号。数字、日期、金额、比例、期限必须照抄条款原文，不得推算、换算或编造。
3. 给出的条款不能回答问题时，只回答：语料中未找到依据。
4. 用简体中文，简明扼要，不要复述问题。"""


def make_chat_model(settings: Settings) -> "BaseChatModel":
    """The LangChain chat model the settings describe (``langchain_openai.ChatOpenAI``)."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # pragma: no cover - the llm extra is installed by scripts/setup.sh
        raise ValueError("generative mode needs langchain-openai: pip install 'policyqa[llm]'") from exc
    key = os.environ.get(settings.llm_api_key_env) or os.environ.get("OPENAI_API_KEY")
    if not key:
        log.debug("no API key in $%s or $OPENAI_API_KEY; sending a placeholder (local servers need none)",
                  settings.llm_api_key_env)
    return ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model, api_key=key or "EMPTY",
                      timeout=settings.llm_timeout_s, max_retries=0, temperature=0)


def build_messages(question: str, clauses: list[Citation]) -> list["BaseMessage"]:
    """The prompt: the rules, then the question and the numbered clauses (label + text)."""
    from langchain_core.messages import HumanMessage, SystemMessage

    listing = "\n\n".join(f"[{c.marker}] {c.clause}\n{clean(c.quote)}" for c in clauses)
    return [SystemMessage(content=SYSTEM_PROMPT), HumanMessage(content=f"问题：{question}\n\n条款：\n{listing}")]


def renumber(text: str, mapping: dict[int, int]) -> str:
    """``text`` with its markers rewritten through ``mapping`` (``[3][5]`` → ``[1][2]``).

    >>> renumber("应当申报[3]，另见[5, 3]。", {3: 1, 5: 2})
    '应当申报[1]，另见[2][1]。'
    """
    def sub(m: re.Match[str]) -> str:
        return "".join(f"[{mapping.get(n, n)}]" for n in marker_numbers(m))

    return MARKER.sub(sub, text)


def _reply_text(reply: Any) -> str:
    content = getattr(reply, "content", reply)
    if isinstance(content, list):  # content blocks
        content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    if not isinstance(content, str):
        raise TypeError(f"the chat model returned {type(content).__name__}, not text")
    return content.strip()


class GenerativeAnswerer:
    """Fluent answers from a chat model, verified clause by clause, with the extractive answer
    as the fallback.

    >>> GenerativeAnswerer(engine.answerer, settings).answer("数据出境安全评估的申报情形有哪些？")  # doctest: +SKIP
    """

    def __init__(self, extractive: ExtractiveAnswerer, settings: Settings,
                 chat_model: "BaseChatModel | None" = None) -> None:
        if chat_model is None:
            if not settings.llm_base_url:
                raise ValueError("generative mode needs the model's address: set POLICYQA_LLM_BASE_URL "
                                 "or pass --llm-base-url (an OpenAI-compatible URL, e.g. http://127.0.0.1:8000/v1)")
            if not settings.llm_model:
                raise ValueError("generative mode needs a model name: set POLICYQA_LLM_MODEL or pass --llm-model")
            if importlib.util.find_spec("langchain_openai") is None:  # pragma: no cover
                raise ValueError("generative mode needs langchain-openai: pip install 'policyqa[llm]'")
        self.extractive = extractive
        self.retriever = extractive.retriever
        self.sources = extractive.sources
        self.settings = settings
        self._chat_model = chat_model
        self._lock = threading.Lock()

    @property
    def chat_model(self) -> "BaseChatModel":
        """The chat model, built on first use."""
        with self._lock:
            if self._chat_model is None:
                self._chat_model = make_chat_model(self.settings)
            return self._chat_model

    def clauses(self, hits: list[Hit]) -> list[Citation]:
        """The retrieved chunks as numbered candidate citations (quote = the chunk's exact source text)."""
        out = []
        for marker, h in enumerate(hits, start=1):
            c = h.chunk
            src = self.sources[c.source]
            out.append(Citation(marker=marker, doc_title=c.doc_title, clause=c.clause_label,
                                quote=src.text[c.start:c.end], source=c.source, page=src.page_at(c.start),
                                start=c.start, end=c.end, score=round(h.score, 4), clause_id=c.clause_id,
                                doc_id=c.doc_id))
        return out

    def answer(self, question: Query | str, k: int = 5, filters: Filters | None = None) -> Answer:
        """The model's verified answer to ``question``, or the extractive one (with a warning saying why)."""
        query = self.retriever.parse(question) if isinstance(question, str) else question
        base = self.extractive.answer(query, k, filters)
        if base.abstained:
            return base  # the evidence is too weak: no model can make it stronger
        hits = self.retriever.search(query, k=max(k, 5), filters=filters)
        given = self.clauses(hits)
        try:
            text = _reply_text(self.chat_model.invoke(build_messages(query.question, given)))
        except Exception as exc:  # the model's failures are many (network, HTTP, JSON, timeout)
            log.warning("the chat model failed (%s: %s); answering extractively", type(exc).__name__,
                        self._scrub(str(exc))[:300])
            return self._fallback(base, f"生成式回答不可用（模型服务出错：{type(exc).__name__}），以下为抽取式回答。")
        if NO_BASIS_REPLY in text and not markers_in(text):
            return self._fallback(base, "模型认为所给条款不能回答这个问题，以下为抽取式回答。")
        checked = verify_answer_text(text, given)
        for s in checked.failed:
            log.info("dropped a generated sentence %r: %s", s.sentence, "; ".join(s.reasons))
        if not checked.kept:
            return self._fallback(base, "模型的回答无法用所引条款核实，以下为抽取式回答。")
        return replace(self._compose(query, checked, given, hits, k), abstain_score=base.abstain_score)

    def _compose(self, query: Query, checked: VerifiedText, given: list[Citation], hits: list[Hit],
                 k: int) -> Answer:
        mapping = {old: new for new, old in enumerate(checked.markers, start=1)}
        by_marker = {c.marker: c for c in given}
        citations = []
        for old, new in mapping.items():
            c = by_marker[old]
            citations.append(replace(c, marker=new))
        warnings = list(self.extractive.warnings_for([c.doc_id for c in citations]))  # the cited documents' force
        if checked.failed:
            warnings.append(f"模型回答中有{len(checked.failed)}句未能用所引条款核实，已删去。")
        cited = {c.clause_id for c in citations}
        related = [Related(doc_title=h.chunk.doc_title, clause=h.chunk.clause_label,
                           snippet=clean(h.chunk.text).replace("\n", " ")[:160], source=h.chunk.source,
                           start=h.chunk.start, end=h.chunk.end, score=round(h.score, 4),
                           clause_id=h.chunk.clause_id)
                   for h in hits[:k] if h.chunk.clause_id not in cited]
        return Answer(question=query.question, answer=renumber(checked.text, mapping), abstained=False,
                      citations=citations, related=related, warnings=warnings, mode="generative", query=query)

    def _fallback(self, base: Answer, why: str) -> Answer:
        base.warnings = [why, *base.warnings]
        return base

    def _scrub(self, message: str) -> str:
        for name in (self.settings.llm_api_key_env, "OPENAI_API_KEY"):
            key = os.environ.get(name)
            if key and len(key) >= 4:
                message = message.replace(key, "***")
        return message

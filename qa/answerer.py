"""The one interface every answerer implements.

An answerer turns a parsed question (:class:`retrieval.query.Query`, or a question it parses
itself) into an :class:`~qa.types.Answer`: cited lines, or an abstention. The engine
(:class:`qa.engine.PolicyQA`) verifies what it returns, attaches context and precedence, and
verifies once more nothing: every answer passes :func:`qa.verify.verify_answer` exactly once.
Two implement it: :class:`qa.extractive.ExtractiveAnswerer` (the default, no LLM) and
:class:`qa.generative.GenerativeAnswerer` (a chat model, the extractive answer as fallback).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from retrieval.filters import Filters
from retrieval.query import Query

from .types import Answer


@runtime_checkable
class Answerer(Protocol):
    """Answers one question from one index."""

    def answer(self, question: Query | str, k: int = 5, filters: Filters | None = None) -> Answer: ...

"""The answer contract shared by the CLI (--json), the Python API and the web UI."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retrieval.query import Query


@dataclass
class Citation:
    """One cited clause. ``quote == source_text[start:end]`` always holds."""

    marker: int
    doc_title: str
    clause: str  # full citation label, e.g. 《中华人民共和国个人信息保护法》第十三条第一款第（二）项
    quote: str
    source: str
    page: int | None
    start: int
    end: int
    score: float
    clause_id: str = ""
    doc_id: str = ""


@dataclass
class Related:
    """A clause retrieved near the question but not cited in the answer."""

    doc_title: str
    clause: str
    snippet: str
    source: str
    start: int
    end: int
    score: float
    clause_id: str = ""


@dataclass
class ContextClause:
    """A clause that a cited clause refers to (依照本法第X条, 前款, 《X》第N条), attached so the
    reader sees what the reference means without looking it up. ``quote == source_text[start:end]``.
    """

    marker: int  # the citation whose clause makes the reference
    ref: str  # the referring words as printed, e.g. 依照本法第六十九条第一款
    doc_title: str
    clause: str  # full label of the referenced clause
    quote: str
    source: str
    page: int | None
    start: int
    end: int
    clause_id: str = ""
    doc_id: str = ""


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    context: list[ContextClause] = field(default_factory=list)  # clauses the cited ones refer to
    latency_ms: float = 0.0
    mode: str = "extractive"  # "generative" when a chat model wrote the (verified) text
    # the learned abstention model's probability that the evidence is too weak to answer (it abstains at its
    # threshold or above); None when that model did not decide (none shipped, a named article found, another
    # language's text, or an abstention for another reason)
    abstain_score: float | None = None
    # the parsed question (retrieval.query.Query) the answer was made for; not part of the JSON
    query: Query | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(replace(self, query=None))
        d.pop("query")
        for c in d["citations"]:
            c.pop("clause_id", None)
            c.pop("doc_id", None)
        for r in d["related"]:
            r.pop("clause_id", None)
        for x in d["context"]:
            x.pop("clause_id", None)
            x.pop("doc_id", None)
        return d

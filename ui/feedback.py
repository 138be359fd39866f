"""Thumbs up/down on answers, appended to ``<index_dir>/feedback.jsonl`` in the evaluation schema.

Each line is a question record the evaluator reads (``id type question doc_titles clauses evidence
key_facts note split``; see eval/README.md) plus a ``feedback`` object with what was rated:

- a thumbs-up on an answer proposes its citations as the gold: ``doc_titles`` and ``clauses``
  from the cited clauses, ``evidence`` = the quotes; ``type`` is ``clause`` when the question names
  an article, ``multi`` when two documents are cited, else ``scenario``;
- a thumbs-up on an abstention proposes the question as ``unanswerable``;
- a thumbs-down keeps ``evidence`` and ``key_facts`` empty for the reviewer to fill in.

``key_facts`` are always left for the reviewer, and ``feedback.reviewed`` is false: a reviewed
line (reviewed set to true, evidence and key facts checked) can be copied into eval/questions.jsonl.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

RATINGS = {"up": "up", "down": "down", "👍": "up", "👎": "down", "+1": "up", "-1": "down"}
MAX_COMMENT = 2000
_ARTICLE = re.compile(r"第[0-9一二三四五六七八九十百零〇两]+条")
_TITLE_PREFIX = re.compile(r"^《[^》]*》")


def _clause_in_doc(label: str) -> str:
    """A citation label without its document title: 《办法》第四条第（二）项 → 第四条第（二）项."""
    rest = label
    while True:
        m = _TITLE_PREFIX.match(rest)
        if not m:
            break
        rest = rest[m.end():]
    return rest or label


def feedback_record(answer: dict[str, Any], rating: str, comment: str = "", asked: str | None = None,
                    filters: dict[str, Any] | None = None, index_version: str = "") -> dict[str, Any]:
    """The JSONL record for one rated answer (``answer`` as ``Answer.to_dict()`` gives it)."""
    if rating not in RATINGS:
        raise ValueError(f"评价 rating 只能是 'up' 或 'down'，收到的是 {str(rating)[:20]!r}")
    rating = RATINGS[rating]
    comment = (comment or "").strip()[:MAX_COMMENT]
    question = str(answer.get("question") or "").strip()
    if not question:
        raise ValueError("被评价的回答没有问题（answer.question 为空）")
    citations = list(answer.get("citations") or [])
    abstained = bool(answer.get("abstained"))
    doc_titles = list(dict.fromkeys(str(c.get("doc_title", "")) for c in citations))
    up = rating == "up"
    if abstained:
        qtype = "unanswerable" if up else "scenario"
    elif _ARTICLE.search(question):
        qtype = "clause"
    elif len(doc_titles) > 1:
        qtype = "multi"
    else:
        qtype = "scenario"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return {
        "id": f"FB-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}",
        "type": qtype,
        "question": question,
        "doc_titles": doc_titles if up and not abstained else [],
        "clauses": [_clause_in_doc(str(c.get("clause", ""))) for c in citations] if up and not abstained else [],
        "evidence": [str(c.get("quote", "")) for c in citations] if up and not abstained else [],
        "key_facts": [],
        "note": comment,
        "split": "feedback",
        "feedback": {
            "rating": rating,
            "comment": comment,
            "timestamp": stamp,
            "asked": asked or question,
            "answer": answer.get("answer", ""),
            "abstained": abstained,
            "citations": [{k: c.get(k) for k in ("marker", "doc_title", "clause", "quote", "source", "page",
                                                  "start", "end")} for c in citations],
            "warnings": list(answer.get("warnings") or []),
            "filters": filters or {},
            "index_version": index_version,
            "reviewed": False,
        },
    }


class FeedbackLog:
    """Appends records to one JSONL file; safe across the server's threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line)
        log.info("feedback %s on %r appended to %s", record["feedback"]["rating"], record["question"], self.path)
        return record

    def read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        return [json.loads(line) for line in self.path.read_text("utf-8").splitlines() if line.strip()]

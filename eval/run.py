"""``policyqa eval``: score the engine (and optionally a naive baseline) on a question set.

Writes ``metrics.json``, ``results.jsonl`` (``results-naive.jsonl`` for the baseline) and
``report.md`` with its plots to ``--out``, and prints a metrics table. See eval/README.md
for the metric definitions, the thresholds file and the history file.

Environment:

* ``POLICYQA_EVAL_THRESHOLDS`` -- path to a thresholds JSON; a missed threshold gives exit code 1;
* ``POLICYQA_EVAL_HISTORY`` -- path to a history CSV to which this run appends one row.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from settings import PROJECT_ROOT, Settings
from qa.types import Answer

from .metrics import (FIGURES, UNANSWERABLE, EvidenceLocator, QuestionResult, Retrieved, check_thresholds,
                      citation_ok, first_hit_rank, missing_key_facts, summarise)
from .report import format_table, write_report

log = logging.getLogger(__name__)

K = 10
WARM_UP = "（评测预热）数据处理者应当履行哪些数据安全保护义务？"
REQUIRED_KEYS = ("id", "type", "question", "evidence", "key_facts")
THRESHOLDS_ENV = "POLICYQA_EVAL_THRESHOLDS"
HISTORY_ENV = "POLICYQA_EVAL_HISTORY"
DEFAULT_HISTORY = PROJECT_ROOT / "eval" / "history.csv"
HISTORY_COLUMNS = ("date", "commit", "questions_file", *FIGURES)


class System(Protocol):
    """Anything that retrieves chunks and answers questions."""

    def search(self, question: str, k: int = K) -> list[Retrieved]: ...

    def ask(self, question: str) -> Answer: ...


class EngineSystem:
    """:class:`qa.engine.PolicyQA` seen as a :class:`System`."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def search(self, question: str, k: int = K) -> list[Retrieved]:
        return [Retrieved(h.chunk.source, h.chunk.start, h.chunk.end, h.chunk.text, h.chunk.clause_label,
                          h.chunk.doc_title) for h in self.engine.search(question, k=k)]

    def ask(self, question: str) -> Answer:
        return self.engine.ask(question)


def select_split(questions: list[dict[str, Any]], split: str | None) -> tuple[list[dict[str, Any]], str]:
    """The questions of ``split`` and its name: by default the file's ``dev`` split when it has one
    (the split parameters are tuned on), else all; ``"all"`` takes every question.

    >>> qs = [{"id": "a", "split": "dev"}, {"id": "b", "split": "test"}]
    >>> [q["id"] for q in select_split(qs, None)[0]], select_split(qs, "all")[1], select_split(qs[1:], None)[1]
    (['a'], 'all', 'all')
    """
    splits = {q.get("split") for q in questions}
    if split is None:
        split = "dev" if "dev" in splits else "all"
    if split == "all":
        return list(questions), "all"
    chosen = [q for q in questions if q.get("split") == split]
    if not chosen:
        raise ValueError(f"no question has split {split!r} (the file has: {', '.join(sorted(map(str, splits)))})")
    return chosen, split


def load_questions(path: str | Path) -> list[dict[str, Any]]:
    """The questions of a JSONL file; raises ValueError naming the line of a malformed one."""
    questions = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                q = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not JSON ({exc})") from exc
            missing = [k for k in REQUIRED_KEYS if k not in q]
            if missing:
                raise ValueError(f"{path}:{lineno}: question lacks {', '.join(missing)}")
            questions.append(q)
    if not questions:
        raise ValueError(f"{path} holds no questions")
    return questions


def evaluate(system: System, questions: Sequence[dict[str, Any]], locator: EvidenceLocator,
             name: str = "ours") -> tuple[list[QuestionResult], list[dict[str, Any]]]:
    """Run every question through ``system``: a timed, warm ``ask``, then retrieval (top 10).

    ``ask`` goes first so that nothing the engine memoises per query (its embedding) is
    warm when it is timed; the warm-up question is not one of the set.
    """
    system.ask(WARM_UP)
    system.search(WARM_UP, k=K)
    results: list[QuestionResult] = []
    rows: list[dict[str, Any]] = []
    for i, q in enumerate(questions, start=1):
        answerable = q["type"] != UNANSWERABLE
        evidence = list(q["evidence"])
        t0 = time.perf_counter()
        answer = system.ask(q["question"])
        latency = (time.perf_counter() - t0) * 1000
        retrieved = system.search(q["question"], k=K)
        flags = [locator.matches(r, evidence) for r in retrieved] if answerable else [False] * len(retrieved)
        rank = first_hit_rank(flags) if answerable else None
        stale = answerable and locator.stale(evidence)
        missing = missing_key_facts(answer.answer, q["key_facts"]) if answerable else []
        cit_flags = [citation_ok(c.quote, evidence) for c in answer.citations]
        decisive = "无法回答" if answer.abstained or not answer.citations else \
            f"{answer.citations[0].doc_title}|{answer.citations[0].clause}"
        res = QuestionResult(id=q["id"], type=q["type"], first_rank=rank,
                             key_facts_ok=(not missing) if answerable else None,
                             citations_ok=cit_flags if answerable else [], abstained=answer.abstained,
                             latency_ms=latency, group=q.get("group"), outcome=(decisive, frozenset(missing)),
                             stale=stale)
        results.append(res)
        rows.append(_row(q, answer, retrieved, flags, res, missing, cit_flags))
        if i % 25 == 0 or i == len(questions):
            log.info("%s: %d/%d questions", name, i, len(questions))
    return results, rows


def _row(q: dict[str, Any], answer: Answer, retrieved: list[Retrieved], flags: list[bool], res: QuestionResult,
         missing: list[str], cit_flags: list[bool]) -> dict[str, Any]:
    answerable = res.answerable
    rank = res.first_rank
    passed = {
        "evidence_recall@1": (rank is not None and rank <= 1) if answerable else None,
        "evidence_recall@5": (rank is not None and rank <= 5) if answerable else None,
        "evidence_recall@10": (rank is not None) if answerable else None,
        "mrr@10": (1.0 / rank if rank else 0.0) if answerable else None,
        "key_fact_accuracy": res.key_facts_ok,
        "citation_precision": all(cit_flags) if answerable and cit_flags else None,
        "abstention_accuracy": answer.abstained if not answerable else None,
        "false_abstention_rate": (not answer.abstained) if answerable else None,
    }
    extra = {k: q[k] for k in ("split", "source", "group", "kind") if k in q}
    return {
        "id": q["id"], "type": q["type"], **extra, "question": q["question"],
        "answer": answer.answer, "abstained": answer.abstained, "abstain_score": answer.abstain_score,
        "latency_ms": round(res.latency_ms, 1),
        "citations": [{"clause": c.clause, "doc_title": c.doc_title, "source": c.source, "start": c.start,
                       "end": c.end, "quote": c.quote, "ok": ok} for c, ok in zip(answer.citations, cit_flags)],
        "retrieved": [{"rank": i, "label": r.label, "doc_title": r.doc_title, "source": r.source, "start": r.start,
                       "end": r.end, "evidence": f} for i, (r, f) in enumerate(zip(retrieved, flags), start=1)],
        "first_evidence_rank": rank,
        "stale_gold": res.stale,
        "missing_key_facts": missing,
        "pass": passed,
        "gold": {"doc_titles": q.get("doc_titles", []), "clauses": q.get("clauses", []),
                 "evidence": q["evidence"], "key_facts": q["key_facts"]},
    }


def questions_label(path: str | Path) -> str:
    """The question file as written in history and reports: relative to the project when near it."""
    rel = os.path.relpath(Path(path).resolve(), PROJECT_ROOT)
    return Path(rel).as_posix() if not rel.startswith(os.path.join("..", "..")) else str(Path(path).resolve())


def threshold_keys(path: str | Path, split: str = "all") -> list[str]:
    """Section names a thresholds file may use for a question file (and split), most specific first."""
    p = Path(path).resolve()
    keys = [f"{p.parent.name}/{p.stem}", p.stem]
    return [f"{k}:{split}" for k in keys] + keys if split != "all" else keys


def load_thresholds(thresholds_path: str | Path, questions_path: str | Path, split: str = "all") -> dict[str, float]:
    """The ``{metric: limit}`` that apply to ``questions_path`` (see eval/README.md for the format)."""
    data = json.loads(Path(thresholds_path).read_text("utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{thresholds_path}: expected a JSON object")
    data = {k: v for k, v in data.items() if not k.startswith("_")}
    if all(isinstance(v, (int, float)) for v in data.values()):
        return {k: float(v) for k, v in data.items()}
    for key in threshold_keys(questions_path, split):
        section = data.get(key)
        if isinstance(section, dict):
            return {k: float(v) for k, v in section.items() if not k.startswith("_")}
    raise ValueError(f"{thresholds_path} has no section for {questions_path} "
                     f"(looked for {', '.join(map(repr, threshold_keys(questions_path, split)))})")


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, timeout=10, check=True)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def append_history(path: str | Path, metrics: dict[str, Any], commit: str, date: str, questions: str) -> None:
    """Add one row (date, commit, questions file, the figures) to a history CSV, writing its header if new."""
    path = Path(path)
    new = not path.exists() or path.stat().st_size == 0
    with open(path, "a", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        if new:
            w.writerow(HISTORY_COLUMNS)
        w.writerow([date, commit, questions, *("" if metrics[k] is None else metrics[k] for k in FIGURES)])


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def _ordered(summary: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Metrics with :data:`FIGURES` and ``by_type`` first, then the rest."""
    out = {k: summary[k] for k in FIGURES}
    out["by_type"] = summary["by_type"]
    out.update({k: v for k, v in summary.items() if k not in out})
    out.update(extra)
    return out


def run_system(system: System, questions: list[dict[str, Any]], locator: EvidenceLocator,
               name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    t0 = time.perf_counter()
    results, rows = evaluate(system, questions, locator, name)
    elapsed = time.perf_counter() - t0
    log.info("%s: %d questions evaluated in %.1f s", name, len(questions), elapsed)
    return _ordered(summarise(results), elapsed_s=round(elapsed, 1)), rows


def main(args: argparse.Namespace, settings: Settings, engine=None) -> int:
    """Evaluate on ``args.questions``, write to ``args.out``; 1 when a threshold is missed.

    ``engine`` (a :class:`qa.engine.PolicyQA`) may be passed in to reuse an open one.
    """
    from qa.engine import PolicyQA

    t_start = time.perf_counter()
    questions_path = Path(args.questions)
    questions, split = select_split(load_questions(questions_path), getattr(args, "split", None))
    thresholds_path = os.environ.get(THRESHOLDS_ENV)
    thresholds = load_thresholds(thresholds_path, questions_path, split) if thresholds_path else None
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    engine = engine or PolicyQA.open(settings=settings)
    locator = EvidenceLocator.of_index(engine.data.sources, engine.data.documents)
    evidence = {ev for q in questions if q["type"] != UNANSWERABLE for ev in q["evidence"]}
    unlocated = locator.unlocated(sorted(evidence))
    if unlocated:
        log.warning("%d of %d evidence strings are not in the indexed sources (e.g. %r): "
                    "their questions cannot reach full recall", len(unlocated), len(evidence), unlocated[0][:40])
    log.info("evaluating %d questions (split: %s) from %s on %s", len(questions), split, questions_path,
             engine.data.path)

    metrics, rows = run_system(EngineSystem(engine), questions, locator, "ours")
    date = time.strftime("%Y-%m-%dT%H:%M:%S")
    commit = git_commit()
    label = questions_label(questions_path) + ("" if split == "all" else f":{split}")
    metrics["meta"] = {"questions": label, "split": split, "index": str(engine.data.path), "embedder": engine.embedder.name,
                       "commit": commit, "date": date, "top_k": engine.settings.top_k,
                       "unlocated_evidence": len(unlocated)}
    _write_jsonl(out_dir / "results.jsonl", rows)

    baseline_rows: list[dict[str, Any]] = []
    if getattr(args, "baseline", None) == "naive":
        from .baseline import NaiveRAG

        t0 = time.perf_counter()
        naive = NaiveRAG.from_engine(engine, settings.cache_dir, progress=settings.progress)
        build_s = time.perf_counter() - t0
        naive_metrics, baseline_rows = run_system(naive, questions, locator, "naive")
        naive_metrics["build_s"] = round(build_s, 1)
        metrics["baseline"] = {"naive": naive_metrics}
        _write_jsonl(out_dir / "results-naive.jsonl", baseline_rows)

    metrics["meta"]["total_s"] = round(time.perf_counter() - t_start, 1)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", "utf-8")
    history_env = os.environ.get(HISTORY_ENV)
    if history_env:
        append_history(history_env, metrics, commit, date, label)
    history = Path(history_env) if history_env else DEFAULT_HISTORY
    report = write_report(out_dir, metrics, rows, baseline_rows, history if history.is_file() else None)
    sys.stdout.write(f"split: {split}, {len(questions)} questions\n" + format_table(metrics) + "\n")
    if "consistency" in metrics:
        sys.stdout.write(f"consistency: {metrics['consistency']} over {metrics['n_groups']} groups of rewordings\n")
    log.info("wrote %s, %s and %s", out_dir / "metrics.json", out_dir / "results.jsonl", report)

    if thresholds:
        failures = check_thresholds(metrics, thresholds)
        for f in failures:
            log.error("threshold missed: %s", f)
        if failures:
            return 1
        log.info("all %d thresholds met", len(thresholds))
    return 0

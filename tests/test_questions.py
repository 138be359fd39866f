"""Validity checks for the evaluation question sets.

Two sets are checked against the bundled corpus (``corpus/0*.txt``):

* ``eval/questions.jsonl`` -- the curated set of this project;
* ``../shared/eval-external/questions.jsonl`` -- an independent, read-only benchmark set mapped
  onto the same schema (plus a ``source`` key and without ``split``).

Evidence, key facts and titles are matched whitespace-insensitively: all whitespace (including
full-width and other Unicode spaces left over from PDF conversion) is removed from both sides
before comparing, so line breaks and stray spaces in the corpus never decide a match.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "corpus"
EVAL_FILE = ROOT / "eval" / "questions.jsonl"
EXTERNAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "eval-external"
EXTERNAL_FILE = EXTERNAL_DIR / "questions.jsonl"

KEYS = ["id", "type", "question", "doc_titles", "clauses", "evidence", "key_facts", "note", "split"]
# The external set documents its own key order (see its SOURCES.md): ``source`` instead of ``split``.
EXTERNAL_KEYS = ["id", "type", "question", "doc_titles", "clauses", "evidence", "key_facts", "source", "note"]
LIST_KEYS = ("doc_titles", "clauses", "evidence", "key_facts")
STR_KEYS = ("id", "type", "question", "note")

TYPES = {"clause", "scenario", "policy", "multi", "unanswerable"}
TARGET_SHARES = {"clause": 30, "scenario": 25, "policy": 20, "multi": 12, "unanswerable": 13}
SHARE_TOLERANCE = 5  # percentage points
MIN_QUESTIONS = 150
MIN_DISTINCT_TITLES = 40
EVIDENCE_LEN = (15, 80)
KEY_FACT_LEN = (2, 20)

_WS = re.compile(r"\s+")
# Joins the per-file texts; it is not whitespace, so it survives normalisation and stops an
# evidence string from matching across a file boundary.
_FILE_SEP = "\x00"


# ---------------------------------------------------------------------------------------------
# whitespace-insensitive matching
# ---------------------------------------------------------------------------------------------

def squash(text: str) -> str:
    """``text`` with all whitespace removed (ASCII and Unicode: \\n, \\u3000, \\u2002, ...)."""
    return _WS.sub("", text)


def contains_ws_insensitive(haystack: str, needle: str) -> bool:
    """True if ``needle`` occurs in ``haystack`` once whitespace is ignored on both sides."""
    n = squash(needle)
    return bool(n) and n in squash(haystack)


@lru_cache(maxsize=1)
def squashed_corpus() -> str:
    files = sorted(CORPUS_DIR.glob("0*.txt"))
    assert files, f"no corpus files in {CORPUS_DIR}"
    return _FILE_SEP.join(squash(f.read_text(encoding="utf-8")) for f in files)


def in_corpus(needle: str) -> bool:
    n = squash(needle)
    return bool(n) and n in squashed_corpus()


def test_squash_helper() -> None:
    assert squash("数据 出境\n安全\u3000评估\u2002办法\t") == "数据出境安全评估办法"
    assert contains_ws_insensitive("第一行结尾\n第二行开头", "结尾第二行")
    assert not contains_ws_insensitive("abc", "  ")
    assert not in_corpus("这句话在语料中绝对不存在的一个测试字符串XYZ")


# ---------------------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------------------

def _load(path: Path) -> tuple[list[dict], list[str]]:
    """Parsed rows and a list of parse errors (``path:line: message``)."""
    rows, errors = [], []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                errors.append(f"{path.name}:{n}: blank line")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{path.name}:{n}: invalid JSON ({e})")
                continue
            if not isinstance(obj, dict):
                errors.append(f"{path.name}:{n}: not an object")
                continue
            rows.append(obj)
    return rows, errors


@lru_cache(maxsize=None)
def _dataset(name: str) -> tuple[tuple[dict, ...], tuple[str, ...]]:
    if name == "eval":
        path = EVAL_FILE
    else:
        if not EXTERNAL_FILE.is_file():
            msg = f"external question set not found at {EXTERNAL_FILE}"
            if os.environ.get("CI"):
                pytest.fail(msg)
            pytest.skip(msg)
        path = EXTERNAL_FILE
    rows, errors = _load(path)
    return tuple(rows), tuple(errors)


@pytest.fixture(params=["eval", "external"])
def dataset(request) -> tuple[str, list[dict]]:
    rows, _ = _dataset(request.param)
    return request.param, list(rows)


def _ident(row: dict, i: int) -> str:
    return str(row.get("id", f"#{i}"))


def _answerable(row: dict) -> bool:
    return row.get("type") != "unanswerable"


def _report(problems: list[str], what: str) -> None:
    if problems:
        shown = "\n  ".join(problems[:60])
        more = f"\n  ... and {len(problems) - 60} more" if len(problems) > 60 else ""
        pytest.fail(f"{len(problems)} {what}:\n  {shown}{more}")


# ---------------------------------------------------------------------------------------------
# checks run on both sets
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["eval", "external"])
def test_every_line_parses(name: str) -> None:
    rows, errors = _dataset(name)
    _report(list(errors), "unparsable lines")
    assert rows, "empty question file"


def test_keys_and_types(dataset) -> None:
    name, rows = dataset
    expected = KEYS if name == "eval" else EXTERNAL_KEYS
    problems = []
    for i, row in enumerate(rows):
        rid = _ident(row, i)
        if list(row) != expected:
            problems.append(f"{rid}: keys {list(row)} != {expected}")
            continue
        for k in STR_KEYS:
            if not isinstance(row[k], str) or (k != "note" and not row[k].strip()):
                problems.append(f"{rid}: {k} must be a non-empty string")
        for k in LIST_KEYS:
            v = row[k]
            if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
                problems.append(f"{rid}: {k} must be a list of non-empty strings")
        if row["type"] not in TYPES:
            problems.append(f"{rid}: unknown type {row['type']!r}")
        if name == "eval":
            if row["split"] not in ("dev", "test"):
                problems.append(f"{rid}: split must be 'dev' or 'test', got {row['split']!r}")
            if not re.fullmatch(r"Q\d{3,}", row["id"]):
                problems.append(f"{rid}: id must look like Q001")
    _report(problems, "schema problems")


def test_ids_unique(dataset) -> None:
    _, rows = dataset
    dup = [k for k, c in Counter(r.get("id") for r in rows).items() if c > 1]
    assert not dup, f"duplicate ids: {dup}"


def test_evidence_in_corpus(dataset) -> None:
    _, rows = dataset
    lo, hi = EVIDENCE_LEN
    problems = []
    for i, row in enumerate(rows):
        for ev in row.get("evidence", []):
            if not lo <= len(ev) <= hi:
                problems.append(f"{_ident(row, i)}: evidence length {len(ev)} not in [{lo}, {hi}]: {ev[:40]}...")
            if not in_corpus(ev):
                problems.append(f"{_ident(row, i)}: evidence not in corpus: {ev}")
    _report(problems, "evidence problems")


def test_key_facts_in_evidence(dataset) -> None:
    _, rows = dataset
    problems = []
    for i, row in enumerate(rows):
        evidence = row.get("evidence", [])
        for kf in row.get("key_facts", []):
            if not any(contains_ws_insensitive(ev, kf) for ev in evidence):
                problems.append(f"{_ident(row, i)}: key fact not in any evidence: {kf}")
    _report(problems, "key facts without evidence")


def test_answerable_vs_unanswerable(dataset) -> None:
    _, rows = dataset
    problems = []
    for i, row in enumerate(rows):
        ev, kf = row.get("evidence", []), row.get("key_facts", [])
        if _answerable(row):
            if not ev:
                problems.append(f"{_ident(row, i)}: answerable question without evidence")
            if not kf:
                problems.append(f"{_ident(row, i)}: answerable question without key facts")
        elif ev or kf:
            problems.append(f"{_ident(row, i)}: unanswerable question must have empty evidence and key_facts")
    _report(problems, "answerability problems")


def test_doc_titles_in_corpus(dataset) -> None:
    _, rows = dataset
    problems = []
    for i, row in enumerate(rows):
        if not _answerable(row):
            continue
        for title in row.get("doc_titles", []):
            if not in_corpus(title):
                problems.append(f"{_ident(row, i)}: doc title not in corpus: {title}")
    _report(problems, "unknown doc titles")


# ---------------------------------------------------------------------------------------------
# checks on the curated set only (size, balance, and the authoring limits)
# ---------------------------------------------------------------------------------------------

def _eval_rows() -> list[dict]:
    rows, _ = _dataset("eval")
    return list(rows)


def test_eval_size() -> None:
    assert len(_eval_rows()) >= MIN_QUESTIONS


def test_eval_type_shares() -> None:
    rows = _eval_rows()
    counts = Counter(r.get("type") for r in rows)
    off = {}
    for t, target in TARGET_SHARES.items():
        share = 100 * counts.get(t, 0) / len(rows)
        if abs(share - target) > SHARE_TOLERANCE:
            off[t] = f"{share:.1f}% (target {target}%)"
    assert not off, f"type shares out of tolerance: {off}"


def test_eval_distinct_doc_titles() -> None:
    titles = {t for r in _eval_rows() if _answerable(r) for t in r.get("doc_titles", [])}
    assert len(titles) >= MIN_DISTINCT_TITLES, f"only {len(titles)} distinct documents"


def test_eval_splits_cover_all_types() -> None:
    rows = _eval_rows()
    for split in ("dev", "test"):
        types = {r["type"] for r in rows if r.get("split") == split}
        assert types == TYPES, f"{split} split lacks types {TYPES - types}"
    test_share = sum(r.get("split") == "test" for r in rows) / len(rows)
    assert 0.25 <= test_share <= 0.42, f"test split is {test_share:.0%} of the set"


def test_eval_authoring_limits() -> None:
    lo, hi = KEY_FACT_LEN
    problems = []
    for i, row in enumerate(_eval_rows()):
        rid = _ident(row, i)
        if _answerable(row) and not 1 <= len(row.get("evidence", [])) <= 3:
            problems.append(f"{rid}: needs 1-3 evidence strings")
        if len(row.get("key_facts", [])) > 4:
            problems.append(f"{rid}: more than 4 key facts")
        for kf in row.get("key_facts", []):
            if not lo <= len(kf) <= hi:
                problems.append(f"{rid}: key fact length {len(kf)} not in [{lo}, {hi}]: {kf}")
        for ev in row.get("evidence", []):
            if "\n" in ev:
                problems.append(f"{rid}: evidence spans a line break")
    questions = Counter(r.get("question") for r in _eval_rows())
    problems += [f"duplicate question: {q}" for q, c in questions.items() if c > 1]
    _report(problems, "authoring-limit problems")

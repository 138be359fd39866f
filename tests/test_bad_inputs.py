"""Bad inputs (tests/bad_inputs.py, 200 cases) through parse and through a build beside good files:
0 crashes, 0 hangs (each file within its budget), 0 silent skips, 0 good documents lost.

Every file in a case's folder must come out either read (a source holding the case's oracle
text) or skipped with a reason that names it and a fix; a case marked ``either`` may do both.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from pathlib import Path

import pytest

from tests.bad_inputs import CORPUS, Case, cases
from ingest.budget import BudgetedParser, FileBudget
from ingest.loaders import discover, display_path
from ingest.pipeline import ingest_paths, read_and_parse
from ingest.types import IngestProblem

CASES = cases()
# generous against a slow CI machine: a file that needs this long is a hang
BUDGET = FileBudget(seconds=90, memory_bytes=2 * 1024 ** 3)
BUG = "report this file as a bug"


@pytest.fixture(scope="module")
def parser():
    with BudgetedParser(BUDGET) as p:
        yield p


def _entries(folder: Path) -> set[str]:
    return {display_path(folder / os.fsdecode(n)) for n in os.listdir(os.fsencode(folder))}


def _outcome(folder: Path, parser: BudgetedParser) -> tuple[dict[str, str], dict[str, IngestProblem]]:
    """What parse makes of every file in ``folder``: name → source text, name → problem."""
    files, errors = discover([folder])
    parsed, problems = read_and_parse([(f, display_path(f)) for f in files], parser=parser)
    read = {source.path: source.text for source, docs in parsed if docs}
    said = {p.source: p for p in [e.problem for e in errors] + problems}
    return read, said


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_bad_input_is_read_or_skipped_with_its_reason(case: Case, tmp_path: Path, parser: BudgetedParser):
    path = case.make(tmp_path)
    read, said = _outcome(tmp_path, parser)
    for name in _entries(tmp_path):
        assert name in read or name in said, f"{name}: silently skipped"
    for problem in said.values():
        assert BUG not in problem.fix, f"crash: {problem}"
        assert "time budget" not in problem.reason, f"hang: {problem}"
        assert problem.reason and (problem.fix or problem.by_design), f"no fix given: {problem}"
        assert "Traceback" not in problem.reason and str(tmp_path) not in problem.reason
    name = display_path(path)
    if case.expect == "error":
        assert name in said and name not in read, f"{name} should be refused, was read"
    elif case.expect == "accept":
        assert name in read, f"{name} should be read: {said.get(name)}"
        assert case.contains in read[name], f"{name}: the text was not read as written"
        assert "\x00" not in read[name]
    else:
        assert (name in read) != (name in said), f"{name}: read and refused at once"


def test_the_suite_covers_every_kind_of_bad_input():
    kinds = Counter(c.category for c in CASES)
    assert len(CASES) >= 200
    assert set(kinds) == {"text", "pdf", "docx", "html", "name", "special"}
    assert Counter(c.expect for c in CASES)["error"] >= 100


def test_a_build_beside_every_bad_input_keeps_every_good_document(tmp_path: Path):
    good = sorted(CORPUS.glob("*.txt"))[:2]
    alone = ingest_paths(good, budget=BUDGET)
    folder = tmp_path / "mixed"
    folder.mkdir()
    for c in CASES:
        sub = folder / c.id
        sub.mkdir()
        c.make(sub)
    for f in good:
        (folder / f.name).write_bytes(f.read_bytes())
    result = ingest_paths([folder], budget=BUDGET)
    titles = Counter(d.title for d in result.documents)
    for doc in alone.documents:
        assert titles[doc.title] >= 1, f"lost {doc.title}"
    read = {s.path for s in result.sources}
    said = {p.source for p in result.problems + result.left_out}
    found = [os.path.join(root, n) for root, dirs, names in os.walk(folder)
             for n in names + [d for d in dirs if d.startswith(".")]]
    # a build names a file by its path under the folder; a problem found while walking, by its full path
    missing = [f for f in found if display_path(os.path.relpath(f, folder)) not in read | said
               and display_path(f) not in said]
    assert not missing, f"silently skipped: {missing[:10]}"
    assert not [p for p in result.problems if BUG in p.fix]


def test_a_file_over_its_time_budget_is_skipped_and_the_next_one_read(tmp_path: Path):
    from tests.bad_inputs import _pdf_of_runs

    slow = tmp_path / "slow.pdf"
    slow.write_bytes(_pdf_of_runs(40_000))  # seconds to read, far over a budget of a tenth of one
    good = tmp_path / "good.txt"
    good.write_text("示例办法\n\n第一条 为了规范示例活动，制定本办法。\n第二条 本办法自公布之日起施行。\n", encoding="utf-8")
    parsed, problems = read_and_parse([(slow, "slow.pdf"), (good, "good.txt")], FileBudget(seconds=0.1))
    assert [p.source for p in problems] == ["slow.pdf"] and "time budget" in problems[0].reason
    assert [s.path for s, _ in parsed] == ["good.txt"]


def test_the_reader_starts_from_a_thread_of_a_daemonic_process(tmp_path: Path):
    # a server may run its work in threads of a daemonic process, which may not have multiprocessing children
    import multiprocessing as mp

    good = tmp_path / "good.txt"
    good.write_text("示例办法\n\n第一条 为了规范示例活动，制定本办法。\n", encoding="utf-8")
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_read_in_a_thread, args=(good, q), daemon=True)
    p.start()
    p.join(120)
    assert q.get(timeout=5) == ["good.txt"]


def _read_in_a_thread(path: Path, q) -> None:
    import threading

    out: list[str] = []
    t = threading.Thread(target=lambda: out.extend(s.path for s, _ in read_and_parse([(path, "good.txt")], BUDGET)[0]))
    t.start()
    t.join()
    q.put(out)


def test_the_reader_runs_this_code_when_the_working_directory_holds_another_checkout(tmp_path: Path, monkeypatch,
                                                                                      caplog):
    # `python -m` would put the working directory first on the worker's path: an older checkout's `ingest` there
    # would parse the files of a build run from it with code other than the build's
    other = tmp_path / "other-checkout" / "ingest"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("raise ImportError('the working directory`s ingest was imported')\n")
    good = tmp_path / "good.txt"
    good.write_text("示例办法\n\n第一条 为了规范示例活动，制定本办法。\n", encoding="utf-8")
    monkeypatch.chdir(other.parent)
    with caplog.at_level(logging.WARNING, logger="ingest.budget"):
        parsed, problems = read_and_parse([(good, "good.txt")], BUDGET)
    assert not problems and [s.path for s, _ in parsed] == ["good.txt"]
    assert not caplog.records  # read by the worker (which fell back to this process when its imports failed)

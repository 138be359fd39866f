"""No code or data of the product is fitted to the wording of an evaluation question.

A run of six characters (four of them Chinese) of an evaluation question (ours, blind, paraphrases,
the external set) that the corpus does not contain and no other evaluation question shares is that
question's own wording: it must not appear in the code or data under ingest/, index/, retrieval/,
qa/ or ui/ — not as a thesaurus entry, an intent word, a rule, nor a docstring example. (A run many
questions share, "是怎么规定的", is how people ask, not one question's wording.)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PRODUCT = ("ingest", "index", "retrieval", "qa", "ui")
RUN = 6
_WS = re.compile(r"\s+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def question_files() -> list[Path]:
    files = sorted((ROOT / "eval").glob("*.jsonl"))
    external = SHARED / "eval-external" / "questions.jsonl"
    return files + ([external] if external.exists() else [])


def product_text() -> dict[str, str]:
    out = {}
    for pkg in PRODUCT:
        for path in sorted((ROOT / pkg).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".txt", ".css", ".js", ".json", ".md"):
                # a run never spans the code's own blanks (a thesaurus line's tab, a wrapped docstring)
                out[str(path.relative_to(ROOT))] = _WS.sub("\0", path.read_text("utf-8", errors="replace"))
    return out


def corpus_text() -> str:
    return "".join(_WS.sub("", p.read_text("utf-8")) for p in sorted((ROOT / "corpus").glob("*.txt")))


def runs(text: str, run: int = RUN) -> set[str]:
    text = _WS.sub("", text)
    return {text[i:i + run] for i in range(len(text) - run + 1)}


def fitted(question: str, others: list[str], code: dict[str, str], corpus: str) -> list[tuple[str, str]]:
    """(file, run) for each run of ``question`` (with at least four Chinese characters) that the
    corpus lacks, none of the ``others`` questions has, and the code holds."""
    found = []
    shared = set().union(*(runs(o) for o in others)) if others else set()
    for w in runs(question) - shared:
        if len(_CJK.findall(w)) < 4 or w in corpus:
            continue
        found += [(name, w) for name, text in code.items() if w in text]
    return sorted(set(found))


def all_questions() -> list[tuple[str, str]]:
    """(file, question) for every evaluation question; a paraphrase group counts as one question's."""
    out = []
    for path in question_files():
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append((f"{path.name}:{row.get('group') or row['id']}", row["question"]))
    return out


def test_the_check_finds_a_fitted_run_and_spares_a_shared_one():
    code = {"qa/x.py": "_ASK = ('额度够不够用', '是怎么规定的')"}
    corpus = "数据出境安全评估"
    assert fitted("这个额度够不够用？", [], code, corpus) == [("qa/x.py", "额度够不够用")]
    # a run every question has is how people ask, not one question's wording
    assert fitted("第八条是怎么规定的？", ["第九条是怎么规定的？"], code, corpus) == []
    assert fitted("数据出境安全评估办法", [], {"qa/x.py": "数据出境安全评估"}, corpus) == []


def findings() -> list[tuple[str, str, str]]:
    """(question key, product file, run) for each run of one evaluation question's own wording in the product."""
    questions = all_questions()
    code, corpus = product_text(), corpus_text()
    counts: dict[str, int] = {}
    by_key: dict[str, set[str]] = {}
    for key, q in questions:
        by_key.setdefault(key, set()).update(runs(q))
    for grams in by_key.values():
        for w in grams:
            counts[w] = counts.get(w, 0) + 1
    found = []
    for key, grams in by_key.items():
        own = {w for w in grams if counts[w] == 1 and len(_CJK.findall(w)) >= 4 and w not in corpus}
        found += [(key, name, w) for w in sorted(own) for name, text in code.items() if w in text]
    return found


def written_before() -> set[tuple[str, str, str]]:
    """The findings ``tests/data/wording_before_sets.json`` lists: runs the product held before the question file was
    written (a question set written later may share a docstring's or a placeholder's wording by chance)."""
    data = json.loads((ROOT / "tests" / "data" / "wording_before_sets.json").read_text("utf-8"))
    return {(f"{Path(name).name}:{q}", path, w) for name, entry in data.items() if not name.startswith("_")
            for q, path, w in entry["runs"]}


def test_no_product_code_holds_an_eval_questions_own_wording():
    found = [f for f in findings() if f not in written_before()]
    assert not found, "one question's own wording in the product:\n" + "\n".join(f"{k} → {f}: {w}" for k, f, w in found)


def test_the_runs_listed_as_written_before_their_question_file_were_in_the_product_then():
    """Each listed run was in its product file at the last commit before its question file was added (checked in a
    git checkout; the list cannot excuse wording added to the product later)."""
    data = json.loads((ROOT / "tests" / "data" / "wording_before_sets.json").read_text("utf-8"))
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True,
                             text=True).stdout.strip()
    if shallow != "false":
        pytest.skip("a shallow clone holds no history to check against")
    checked = 0
    for name, entry in data.items():
        if name.startswith("_"):
            continue
        commit = entry["written_after"]
        added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", name], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.split()
        assert added, f"{name} is not in the history"
        parent = subprocess.run(["git", "rev-parse", f"{added[-1]}^"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        assert parent.startswith(commit), \
            f"{name} was added after {parent[:7]}, not after {commit}"
        for _q, path, w in entry["runs"]:
            then = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout
            assert w in _WS.sub("\0", then), f"{path} at {commit} does not hold {w!r}"
            checked += 1
    assert checked

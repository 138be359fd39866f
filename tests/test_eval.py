"""The evaluation: metric functions against hand-computed oracles, then ``eval.run.main`` end to end
on a tiny real index (the first articles of 数据出境安全评估办法) with the naive baseline."""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

import pytest

from eval.metrics import (FIGURES, EvidenceLocator, QuestionResult, Retrieved, check_thresholds, citation_ok,
                          contains, first_hit_rank, missing_key_facts, mrr_at_k, recall_at_k, squash, summarise)
from eval.run import load_thresholds

from .conftest import DATA

# -- matching -------------------------------------------------------------------------------------


def test_squash_removes_all_whitespace() -> None:
    assert squash(" 数据\n出境\t安全\u3000评估\u2002办法\r\n") == "数据出境安全评估办法"
    assert contains("自上年1月1日起\n累计向境外提供", "1月1日起 累计")
    assert not contains("anything", "  \u3000")


def test_key_facts_ignore_whitespace() -> None:
    answer = "根据第七条：应当重新开展个人信息\n保护影响评估，补充或者重新订立\u3000标准合同[1]"
    assert missing_key_facts(answer, ["重新开展 个人信息保护影响评估", "重新订立标准合同"]) == []
    assert missing_key_facts(answer, ["重新订立标准合同", "备案手续"]) == ["备案手续"]
    assert missing_key_facts(answer, []) == []


def test_citation_ok_contains_or_inside() -> None:
    evidence = ["应当重新开展个人信息保护影响评估", "并履行相应备案手续"]
    assert citation_ok("第七条 ……应当重新开展个人信息\n保护影响评估，补充……", evidence)  # contains
    assert citation_ok("个人信息保护 影响评估", evidence)  # inside
    assert not citation_ok("影响评估，补充或者重新订立", evidence)  # overlaps only
    assert not citation_ok("", evidence) and not citation_ok("   ", evidence)
    assert not citation_ok("任何文字", [])


# -- ranks ----------------------------------------------------------------------------------------


def test_recall_and_mrr_oracles() -> None:
    ranks = [1, 3, None, 7, 12]  # 12: beyond the top 10
    assert first_hit_rank([False, False, True]) == 3 and first_hit_rank([False]) is None
    assert recall_at_k(ranks, 1) == pytest.approx(1 / 5)
    assert recall_at_k(ranks, 5) == pytest.approx(2 / 5)
    assert recall_at_k(ranks, 10) == pytest.approx(3 / 5)
    assert mrr_at_k(ranks, 10) == pytest.approx((1 + 1 / 3 + 1 / 7) / 5)
    assert recall_at_k([], 5) is None and mrr_at_k([]) is None


def test_evidence_across_a_chunk_boundary() -> None:
    text = "第三条 甲乙丙丁。\n\n第四条 戊己\u3000庚辛壬癸。"
    loc = EvidenceLocator({"a.txt": text, "b.txt": "无关"})
    # "丙丁。第四条戊己庚辛" squashed: 10 chars; chunk 1 holds 丙丁。 (3), chunk 2 holds 第四条戊己庚辛 (7)
    ev = ["丙丁。\n第四条 戊己庚辛"]
    c1 = Retrieved("a.txt", 0, text.index("\n"), text[: text.index("\n")])
    c2 = Retrieved("a.txt", text.index("第四条"), len(text), text[text.index("第四条"):])
    assert not loc.matches(c1, ev)
    assert loc.matches(c2, ev)
    # exactly half counts: evidence 丁。第四 (4 chars), each side holds 2
    assert loc.matches(c1, ["丁。第四"]) and loc.matches(c2, ["丁。第四"])
    # the same span in another file does not
    assert not loc.matches(Retrieved("b.txt", 0, 2, "无关"), ev)
    # plain substring (whitespace-insensitive) counts even without a located span
    assert loc.matches(Retrieved("zzz.txt", 0, 5, "戊己 庚辛"), ["戊己庚辛"])
    assert loc.unlocated(["甲乙", "不存在的证据"]) == ["不存在的证据"]


# -- aggregation ----------------------------------------------------------------------------------


def test_summarise_oracle() -> None:
    results = [
        QuestionResult("a", "clause", first_rank=1, key_facts_ok=True, citations_ok=[True, False], latency_ms=10),
        QuestionResult("b", "clause", first_rank=6, key_facts_ok=False, citations_ok=[True], latency_ms=20),
        QuestionResult("c", "policy", first_rank=None, key_facts_ok=False, abstained=True, latency_ms=30),
        QuestionResult("d", "unanswerable", abstained=True, latency_ms=40),
        QuestionResult("e", "unanswerable", abstained=False, latency_ms=50),
    ]
    m = summarise(results)
    assert list(m)[: len(FIGURES) + 1] == [*FIGURES, "by_type"]
    assert m["n"] == 5 and m["n_answerable"] == 3
    assert m["evidence_recall@1"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["evidence_recall@5"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["evidence_recall@10"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 6) / 3, abs=1e-4)
    assert m["key_fact_accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["citation_precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["abstention_accuracy"] == 0.5
    assert m["false_abstention_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["latency_ms_p50"] == 30.0 and m["latency_ms_p95"] == pytest.approx(48.0)
    assert list(m["by_type"]) == ["clause", "policy", "unanswerable"]
    assert m["by_type"]["clause"]["abstention_accuracy"] is None
    assert m["by_type"]["unanswerable"]["key_fact_accuracy"] is None
    assert m["by_type"]["unanswerable"]["abstention_accuracy"] == 0.5
    assert m["evidence_recall_curve"][0] == m["evidence_recall@1"] and len(m["evidence_recall_curve"]) == 10


def test_thresholds(tmp_path) -> None:
    metrics = {"mrr@10": 0.7, "false_abstention_rate": 0.1, "latency_ms_p95": 300.0, "abstention_accuracy": None}
    assert check_thresholds(metrics, {"mrr@10": 0.6, "false_abstention_rate": 0.2, "latency_ms_p95": 400}) == []
    missed = check_thresholds(metrics, {"mrr@10": 0.8, "false_abstention_rate": 0.05, "abstention_accuracy": 0.5})
    assert [m.split()[0] for m in missed] == ["mrr@10", "false_abstention_rate", "abstention_accuracy"]
    with pytest.raises(ValueError):
        check_thresholds(metrics, {"recall": 0.5})
    qdir = tmp_path / "eval-external"
    qdir.mkdir()
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"_doc": "x", "eval/questions": {"mrr@10": 0.5},
                                "eval-external/questions": {"mrr@10": 0.4}}), "utf-8")
    assert load_thresholds(path, qdir / "questions.jsonl") == {"mrr@10": 0.4}
    with pytest.raises(ValueError):
        load_thresholds(path, tmp_path / "other.jsonl")
    path.write_text(json.dumps({"mrr@10": 0.3}), "utf-8")
    assert load_thresholds(path, tmp_path / "other.jsonl") == {"mrr@10": 0.3}


# -- end to end -----------------------------------------------------------------------------------

QUESTIONS = [
    {"id": "T1", "type": "clause", "question": "数据出境安全评估的申报情形有哪些？", "doc_titles": ["数据出境安全评估办法"],
     "clauses": ["第四条"], "evidence": ["关键信息基础设施运营者和处理100万人以上个人信息的数据处理者向境外提供个人信息"],
     "key_facts": ["100万人以上"], "note": "", "split": "dev"},
    {"id": "T2", "type": "clause", "question": "申报数据出境安全评估应当提交哪些材料？", "doc_titles": ["数据出境安全评估办法"],
     "clauses": ["第六条"], "evidence": ["（二）数据出境风险自评估报告；\n\n（三）数据处理者与境外接收方拟订立的法律文件"],
     "key_facts": ["申报书", "数据出境风险 自评估报告"], "note": "", "split": "dev"},
    {"id": "T3", "type": "scenario", "question": "我们交了数据出境申报材料，省级网信部门几天内要完成完备性查验？",
     "doc_titles": ["数据出境安全评估办法"], "clauses": ["第七条"],
     "evidence": ["省级网信部门应当自收到申报材料之日起5个工作日内完成完备性查验"], "key_facts": ["5个工作日"],
     "note": "", "split": "test"},
    {"id": "T4", "type": "policy", "question": "数据出境安全评估办法是为了什么制定的？", "doc_titles": ["数据出境安全评估办法"],
     "clauses": ["第一条"], "evidence": ["为了规范数据出境活动，保护个人信息权益，维护国家安全和社会公共利益"],
     "key_facts": ["规范数据出境活动"], "note": "", "split": "test"},
    {"id": "T5", "type": "unanswerable", "question": "申报数据出境安全评估要交多少元评审费？", "doc_titles": [],
     "clauses": [], "evidence": [], "key_facts": [], "note": "", "split": "test"},
]


@pytest.fixture(scope="module")
def tiny_engine(tmp_path_factory):
    """A real index over the first seven articles of 数据出境安全评估办法 (~1,500 characters)."""
    from qa import PolicyQA, Settings

    base = tmp_path_factory.mktemp("tiny")
    lines = (DATA / "slice_collection.txt").read_text("utf-8").splitlines(keepends=True)
    src = base / "tiny.txt"
    src.write_text("".join(lines[:58]), "utf-8")
    settings = Settings().override(index_dir=base / "index", cache_dir=base / "cache", progress=False)
    return PolicyQA.build([src], settings=settings)


def _args(questions, out, baseline=None, split="all") -> argparse.Namespace:
    return argparse.Namespace(questions=str(questions), out=str(out), baseline=baseline, index=None,
                              embedder=None, cache=None, split=split)


def test_eval_end_to_end_with_baseline(tiny_engine, tmp_path, monkeypatch, capsys) -> None:
    from eval.run import main

    qfile = tmp_path / "tiny.jsonl"
    qfile.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUESTIONS), "utf-8")
    history = tmp_path / "history.csv"
    monkeypatch.setenv("POLICYQA_EVAL_HISTORY", str(history))
    monkeypatch.delenv("POLICYQA_EVAL_THRESHOLDS", raising=False)
    out = tmp_path / "out"
    assert main(_args(qfile, out, "naive"), tiny_engine.settings, engine=tiny_engine) == 0

    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    assert list(metrics)[: len(FIGURES) + 1] == [*FIGURES, "by_type"]
    assert metrics["n"] == 5 and metrics["n_answerable"] == 4
    # a tiny corpus: every chunk is in the top 10
    assert metrics["evidence_recall@10"] == 1.0
    assert metrics["meta"]["unlocated_evidence"] == 0
    for t in ("clause", "scenario", "policy", "unanswerable"):
        assert list(metrics["by_type"][t]) == list(FIGURES)
    naive = metrics["baseline"]["naive"]
    assert list(naive)[: len(FIGURES) + 1] == [*FIGURES, "by_type"]
    assert naive["evidence_recall@10"] == 1.0
    assert naive["abstention_accuracy"] == 0.0 and naive["false_abstention_rate"] == 0.0

    rows = [json.loads(line) for line in (out / "results.jsonl").read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == [q["id"] for q in QUESTIONS]
    assert all(r["retrieved"] and r["pass"] for r in rows)
    assert rows[0]["retrieved"][0]["rank"] == 1 and "evidence" in rows[0]["retrieved"][0]
    assert len((out / "results-naive.jsonl").read_text("utf-8").splitlines()) == len(QUESTIONS)

    report = (out / "report.md").read_text("utf-8")
    pngs = re.findall(r"\]\(([^)]+\.png)\)", report)
    assert {"recall_at_k.png", "by_type.png", "overall.png", "history.png"} <= set(pngs)
    assert all((out / p).stat().st_size > 1000 for p in pngs)
    assert "ours / baseline" in report

    with open(history, encoding="utf-8", newline="") as f:
        hist = list(csv.DictReader(f))
    assert len(hist) == 1 and list(hist[0])[:3] == ["date", "commit", "questions_file"]
    assert float(hist[0]["n"]) == 5

    printed = capsys.readouterr().out
    assert "evidence_recall@5" in printed and "naive" in printed


def test_eval_thresholds_exit_code(tiny_engine, tmp_path, monkeypatch) -> None:
    from eval.run import main

    qfile = tmp_path / "tiny.jsonl"
    qfile.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in (QUESTIONS[0], QUESTIONS[-1])), "utf-8")
    monkeypatch.delenv("POLICYQA_EVAL_HISTORY", raising=False)
    th = tmp_path / "th.json"
    monkeypatch.setenv("POLICYQA_EVAL_THRESHOLDS", str(th))
    th.write_text(json.dumps({"tiny": {"evidence_recall@10": 1.0, "latency_ms_p95": 60000}}), "utf-8")
    assert main(_args(qfile, tmp_path / "ok"), tiny_engine.settings, engine=tiny_engine) == 0
    th.write_text(json.dumps({"tiny": {"n": 3, "latency_ms_p95": 0.001}}), "utf-8")
    # no engine passed: main opens the index from the settings
    assert main(_args(qfile, tmp_path / "bad"), tiny_engine.settings) == 1
    assert (tmp_path / "bad" / "metrics.json").is_file()


def test_metrics_docstring_examples() -> None:
    import doctest

    import eval.metrics

    result = doctest.testmod(eval.metrics, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_eval_runs_the_dev_split_by_default_and_says_so(tiny_engine, tmp_path, monkeypatch, capsys) -> None:
    from eval.run import main

    qfile = tmp_path / "tiny.jsonl"
    qfile.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUESTIONS), "utf-8")
    monkeypatch.delenv("POLICYQA_EVAL_HISTORY", raising=False)
    monkeypatch.delenv("POLICYQA_EVAL_THRESHOLDS", raising=False)
    assert main(_args(qfile, tmp_path / "dev", split=None), tiny_engine.settings, engine=tiny_engine) == 0
    metrics = json.loads((tmp_path / "dev" / "metrics.json").read_text("utf-8"))
    dev = [q for q in QUESTIONS if q["split"] == "dev"]
    assert metrics["n"] == len(dev) and metrics["meta"]["split"] == "dev"
    assert metrics["meta"]["questions"].endswith(":dev")
    assert "split: dev" in capsys.readouterr().out
    with pytest.raises(ValueError, match="no question has split 'blind'"):
        main(_args(qfile, tmp_path / "x", split="blind"), tiny_engine.settings, engine=tiny_engine)


def test_consistency_over_rewordings_of_one_question(tiny_engine, tmp_path, monkeypatch) -> None:
    from eval.run import main

    base = QUESTIONS[0]
    rewordings = [dict(base, id=f"P1-{i}", group="P1", question=q) for i, q in enumerate(
        [base["question"], base["question"] + "请说明", "完全无关的问题：今天午饭吃什么"], start=1)]
    qfile = tmp_path / "para.jsonl"
    qfile.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in rewordings[:2]), "utf-8")
    monkeypatch.delenv("POLICYQA_EVAL_HISTORY", raising=False)
    monkeypatch.delenv("POLICYQA_EVAL_THRESHOLDS", raising=False)
    assert main(_args(qfile, tmp_path / "a"), tiny_engine.settings, engine=tiny_engine) == 0
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text("utf-8"))
    assert metrics["n_groups"] == 1 and metrics["consistency"] == 1.0  # the same question twice
    qfile.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in rewordings), "utf-8")
    assert main(_args(qfile, tmp_path / "b"), tiny_engine.settings, engine=tiny_engine) == 0
    metrics = json.loads((tmp_path / "b" / "metrics.json").read_text("utf-8"))
    assert metrics["consistency"] == 0.0  # an unrelated question in the group cannot get the same answer


def test_quality_at_scale_leaves_out_questions_whose_gold_is_stale_in_either_run(tmp_path, capsys) -> None:
    """scripts/scale_quality.py: the drop over all answerable questions, and over those current in both runs."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("scale_quality", Path(__file__).parents[1] / "scripts" / "scale_quality.py")
    assert spec and spec.loader
    sq = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sq)

    def run(name: str, hits: dict[str, bool], stale: set[str]) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        rows = [{"id": q, "type": "clause", "stale_gold": q in stale,
                 "pass": {"evidence_recall@1": ok, "key_fact_accuracy": ok}} for q, ok in hits.items()]
        rows.append({"id": "u", "type": "unanswerable", "stale_gold": False,
                     "pass": {"evidence_recall@1": None, "key_fact_accuracy": None}})
        (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
        return folder

    bundled = run("bundled", {"a": True, "b": True, "c": True, "d": False}, set())
    large = run("large", {"a": True, "b": False, "c": False, "d": False}, {"c"})
    assert sq.main([str(bundled), str(large)]) == 0
    out = capsys.readouterr().out
    assert "| all answerable | 4 | 0.750 → 0.250 (0.500) |" in out
    assert "| gold current in both | 3 | 0.667 → 0.333 (0.333) |" in out
    assert "1 questions have a stale gold" in out
    (bundled / "results.jsonl").write_text('{"id": "a", "type": "clause", "pass": {}}\n', "utf-8")
    with pytest.raises(SystemExit):
        sq.main([str(bundled), str(bundled)])  # a run made before stale_gold existed

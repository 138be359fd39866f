"""The learned ranker and abstention model: their JSON form, their scores against scikit-learn's,
and what they do inside retrieval and the answerer on a real index."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from qa.abstention import ABSTAIN_FEATURES
from retrieval.features import FEATURES
from retrieval.learned import LinearModel, TreeModel, load_model, model_from_json


def _linear(names, weights, threshold=0.5) -> LinearModel:
    coef = np.asarray([weights.get(n, 0.0) for n in names], dtype=np.float64)
    return LinearModel(tuple(names), np.zeros(len(names)), np.ones(len(names)), coef, 0.0, "test", threshold)


def test_models_round_trip_through_json_and_refuse_other_features(tmp_path):
    m = _linear(FEATURES, {"coverage": 2.0})
    path = tmp_path / "m.json"
    path.write_text(json.dumps(m.to_json()), "utf-8")
    again = load_model(path)
    x = np.random.default_rng(0).random((5, len(FEATURES))).astype(np.float32)
    assert np.allclose(again.scores(x), m.scores(x)) and again.sha256 == m.sha256
    with pytest.raises(ValueError, match="retrain"):
        load_model(path, expect=("a", "b"))
    broken = {"kind": "trees", "names": ["a"], "baseline": 0.0, "version": "v",
              "trees": [{"feature": [3, 0, 0], "threshold": [0, 0, 0], "left": [1, 0, 0], "right": [2, 0, 0],
                         "value": [0, 0, 0], "leaf": [False, True, True]}]}
    with pytest.raises(ValueError, match="does not name"):
        model_from_json(broken)


def test_exported_trees_score_as_scikit_learn_does():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from training.train import export_trees

    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] * x[:, 1] > 0.2).astype(int)  # an interaction a linear model cannot fit
    sk = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=7, random_state=0).fit(x, y)
    ours = export_trees(sk, ("a", "b", "c"), "t")
    assert np.allclose(ours.scores(x), sk.predict_proba(x)[:, 1], atol=1e-9)
    assert isinstance(model_from_json(ours.to_json()), TreeModel)


def test_monotone_trees_never_score_a_candidate_lower_for_more_of_a_constrained_feature():
    from training.train import MONOTONE, fit_trees, monotone

    rng = np.random.default_rng(2)
    names = ("fused", "dense_cos_gap", "authority")
    x = rng.random((600, 3))
    # labels that fall where "fused" is high and "authority" middling: trees fit a dip unconstrained
    y = ((x[:, 0] < 0.6) ^ (rng.random(600) < 0.15) ^ ((x[:, 2] > 0.4) & (x[:, 2] < 0.6))).astype(int)
    free = fit_trees(x, y, names, rounds=60)
    tied = fit_trees(x, y, names, rounds=60, monotonic=monotone(names))
    assert monotone(names) == [MONOTONE["fused"], MONOTONE["dense_cos_gap"], 0] == [1, -1, 0]
    grid = np.linspace(0, 1, 41)
    for base in rng.random((20, 3)):
        rows = np.repeat(base[None, :], len(grid), axis=0)
        rows[:, 0] = grid
        assert np.all(np.diff(tied.scores(rows)) >= -1e-12)
        rows = np.repeat(base[None, :], len(grid), axis=0)
        rows[:, 1] = grid
        assert np.all(np.diff(tied.scores(rows)) <= 1e-12)
    rows = np.repeat(rng.random((1, 3)), len(grid), axis=0)
    rows[:, 0] = grid
    assert np.any(np.diff(free.scores(rows)) < -1e-6)  # the oracle: unconstrained, the same data is not monotone
    with pytest.raises(ValueError, match="does not compute"):
        monotone(names, {"no_such_feature": 1})


def test_exported_lambdarank_trees_score_as_lightgbm_does_and_order_each_list():
    from training.train import export_booster, fit_lambdarank, lambdarank_booster

    rng = np.random.default_rng(3)
    x = rng.normal(size=(600, 3))
    y = (x[:, 0] * x[:, 1] + 0.2 * rng.normal(size=600) > 0.8).astype(int)
    groups = [20] * 30
    booster = lambdarank_booster(x, y, groups, rounds=30)
    ours = export_booster(booster, ("a", "b", "c"), "t", scale=1.7, shift=-0.4)
    raw = booster.predict(x, raw_score=True)
    assert np.allclose(ours.scores(x), 1 / (1 + np.exp(-(1.7 * raw - 0.4))), atol=1e-12)
    again = model_from_json(ours.to_json())
    assert isinstance(again, TreeModel) and np.array_equal(again.scores(x), ours.scores(x))
    # fitted on lists, it puts a positive first in most lists that have one; its scores are probabilities
    model = fit_lambdarank(x, y, groups, ("a", "b", "c"))
    lists = [(x[i:i + 20], y[i:i + 20]) for i in range(0, 600, 20) if y[i:i + 20].any()]
    first = [yy[int(np.argmax(model.scores(xx)))] for xx, yy in lists]
    assert len(lists) >= 10 and np.mean(first) >= 0.8
    p = model.scores(x)
    assert ((p >= 0) & (p <= 1)).all() and p[y == 1].mean() > p[y == 0].mean()


def test_the_shipped_models_load_and_read_the_features_this_code_computes(tmp_path):
    from qa.abstention import BASE_FEATURES, load_abstainer

    ranker = load_model()
    abstain = load_abstainer("shipped")
    assert ranker is not None and ranker.names == FEATURES
    assert abstain is not None and abstain.names == BASE_FEATURES and 0.0 < abstain.threshold < 1.0
    # an abstention model may read any of the features the answerer computes, none it does not
    path = tmp_path / "abstain.json"
    path.write_text(json.dumps(_linear(ABSTAIN_FEATURES[::-1], {}).to_json()), "utf-8")
    assert load_abstainer(str(path)).names == ABSTAIN_FEATURES[::-1]
    path.write_text(json.dumps(_linear(BASE_FEATURES + ("mystery",), {}).to_json()), "utf-8")
    with pytest.raises(ValueError, match=r"\['mystery'\] this code does not compute; retrain"):
        load_abstainer(str(path))


def test_the_learned_ranker_decides_the_order_of_the_best_candidates(slice_engine):
    r = slice_engine.retriever
    question = "向境外提供个人信息之前要做哪些评估"
    shipped, params = r.ranker, r.params
    try:
        # the learned order alone, without the authority steps after it (retrieval.authority)
        r.params = replace(params, source_first=False, national_first=False)
        r.ranker = _linear(FEATURES, {"log_len": 5.0})  # a model that only likes long chunks
        longest_first = list(r.search(question, k=5))
        lengths = [len(h.chunk.text) for h in longest_first]
        assert lengths == sorted(lengths, reverse=True)
        assert all("fused" in h.ranks for h in longest_first)
        r.ranker = _linear(FEATURES, {"log_len": -5.0})
        assert [len(h.chunk.text) for h in r.search(question, k=5)] != lengths
    finally:
        r.ranker, r.params = shipped, params


def test_the_abstention_model_decides_when_the_evidence_is_weak(slice_engine):
    answerer = slice_engine.answerer
    shipped = answerer.abstainer
    question = "个人信息处理者向境外提供个人信息应当取得个人的单独同意吗？"
    try:
        answerer.abstainer = _linear(ABSTAIN_FEATURES, {}, threshold=0.4)  # p = 0.5 everywhere: abstain
        assert slice_engine.ask(question).abstained
        answerer.abstainer = _linear(ABSTAIN_FEATURES, {}, threshold=0.6)  # never
        assert not slice_engine.ask(question).abstained
        # a named article that is found is answered whatever the model says
        answerer.abstainer = _linear(ABSTAIN_FEATURES, {}, threshold=0.4)
        assert not slice_engine.ask("个人信息保护法第三十九条").abstained
    finally:
        answerer.abstainer = shipped


def test_the_index_manifest_records_the_models_it_is_served_with(slice_engine, caplog):
    from dataclasses import replace as swap

    from qa import PolicyQA

    recorded = slice_engine.data.manifest["models"]
    assert recorded == slice_engine.models
    assert recorded["ranker"].startswith(slice_engine.retriever.ranker.version)
    assert recorded["abstention"].endswith(slice_engine.answerer.abstainer.sha256)
    # served with other models than it was built with: said at start-up
    other = swap(slice_engine.data, manifest={**slice_engine.data.manifest, "models": {"ranker": "old", "abstention": "old"}})
    with caplog.at_level("WARNING", logger="qa.engine"):
        PolicyQA(other, slice_engine.settings, slice_engine.embedder)
    assert any("built with the models" in r.message for r in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING", logger="qa.engine"):
        PolicyQA(slice_engine.data, slice_engine.settings, slice_engine.embedder)
    assert not any("built with the models" in r.message for r in caplog.records)
    # built before a model slot existed: the manifest does not name it, and nothing was served there then
    assert recorded["answers"] == "none"
    older = {k: v for k, v in recorded.items() if k != "answers"}
    with caplog.at_level("WARNING", logger="qa.engine"):
        PolicyQA(swap(slice_engine.data, manifest={**slice_engine.data.manifest, "models": older}),
                 slice_engine.settings, slice_engine.embedder)
    assert not any("built with the models" in r.message for r in caplog.records)


def test_each_training_question_has_a_ranker_that_never_saw_it():
    """``HeldOut`` fits one ranker per fold of questions; a question asked of two indexes is left out of its
    fold's ranker in both, and a question nobody trained on has none."""
    from training.train import Example, HeldOut, fit

    rng = np.random.default_rng(5)
    examples = []
    for i in range(15):
        x = rng.normal(size=(6, len(FEATURES)))
        y = (x[:, 0] + 0.3 * rng.normal(size=6) > 0.5).astype(int)
        y[0] = 1
        for index in range(2):  # the same question asked of two indexes: its own rows on each
            examples.append(Example(f"q{i}", "written", x + index * 0.01, y, [], None))
    held_out = HeldOut.fit(examples, n=5, kind="linear")
    assert held_out.for_question("never asked") is None
    assert sorted(set(held_out.fold.values())) == list(range(5))
    probe = rng.normal(size=(4, len(FEATURES)))
    for q, f in held_out.fold.items():
        without = fit([e for e in examples if held_out.fold[e.question] != f], kind="linear")
        assert np.allclose(held_out.for_question(q).scores(probe), without.scores(probe))
    assert len({tuple(m.scores(probe)) for m in held_out.models}) == 5
    # folds chosen elsewhere (over more questions) are kept as given
    given = {**{q: (f + 1) % 5 for q, f in held_out.fold.items()}, "asked but not fitted": 0}
    again = HeldOut.fit(examples, n=5, kind="linear", fold=given)
    assert again.fold is given and again.for_question("asked but not fitted") is again.models[0]
    without_q0 = fit([e for e in examples if given[e.question] != given["q0"]], kind="linear")
    assert np.allclose(again.for_question("q0").scores(probe), without_q0.scores(probe))


def test_held_out_r1_by_index_compares_the_same_questions_on_each_index():
    """``by_index`` reads each index's lists with the fold's ranker that never saw the question, over the questions
    usable on every index; the oracle is each list's first row counted by hand."""
    from training.train import Example, HeldOut, by_index

    rng = np.random.default_rng(6)
    col = FEATURES.index("coverage")
    per_index: list[list[Example]] = [[], []]
    for i in range(20):
        for index in range(2):
            x = rng.normal(size=(5, len(FEATURES)))
            y = np.zeros(5, dtype=int)
            gold = 0 if index == 0 or i % 4 else 3  # on the second index every fourth question's answer ranks low
            x[:, col] = -1.0
            x[gold, col] = 1.0 if index == 0 or i % 4 else -0.5
            y[gold] = 1
            if not (index == 1 and i == 19):  # one question's evidence is not among the second index's candidates
                per_index[index].append(Example(f"q{i}", "written", x, y, [], None))
            else:
                per_index[index].append(Example(f"q{i}", "written", x, np.zeros(5, dtype=int), [], None))
    held_out = HeldOut.fit([e for xs in per_index for e in xs if e.y.any()], n=5, kind="linear")

    def right(e: Example) -> bool:
        return bool(e.y[int(np.argmax(held_out.for_question(e.question).scores(e.x)))])

    lines = by_index(per_index, ["A", "B"], held_out)
    for name, xs, line in zip("AB", per_index, lines):
        same = [e for e in xs if e.question != "q19"]
        assert line.startswith(f"{name}: the 19 questions usable on every index R@1 fused "
                               f"{np.mean([bool(e.y[0]) for e in same]):.4f}, learned {np.mean([right(e) for e in same]):.4f}")
        assert f"; all {20 if name == 'A' else 19} usable, learned" in line
        # over the 20 asked of both, the question whose evidence left B's window is a miss on B
        assert line.endswith(f"; the 20 asked of every index, learned {np.mean([right(e) and e.y.any() for e in xs]):.4f}")
    assert lines[0] != lines[1]
    assert by_index(per_index[:1], ["A"], held_out) == []


def test_the_abstention_model_reads_a_training_questions_list_as_its_held_out_ranker_ranks_it(slice_engine):
    """A training question's abstention row comes from the list ranked by the fold's ranker that never saw it;
    any other question's from the engine's ranker, which is the engine's again afterwards."""
    from training.train import HeldOut, abstention_row, abstention_rows

    r = slice_engine.retriever
    shipped = r.ranker
    trained, other = "向境外提供个人信息之前要做哪些评估", "个人信息处理者应当履行哪些义务"
    longest, shortest = _linear(FEATURES, {"log_len": 5.0}), _linear(FEATURES, {"log_len": -5.0})
    held_out = HeldOut({trained: 0}, [longest])
    try:
        r.ranker = longest
        second = r.search(trained, k=5)[1].chunk.text.strip()[:24]  # evidence the held-out list's second hit holds
        r.ranker = shortest
        x, y, calibrate, asked, pairs = abstention_rows(
            slice_engine, [(trained, None, 0, True), (other, None, 1, False)], held_out,
            {trained: [second], other: ["个人信息"]})
        assert r.ranker is shortest
        assert y.tolist() == [0, 1] and calibrate.tolist() == [True, False] and asked == [trained, other]
        # the pair model's lists: the hits that hold an answerable question's evidence, none of an unanswerable one's
        assert [p.question for p in pairs] == asked and len(pairs[0].clauses) == len(pairs[0].gold) == 5
        assert pairs[0].gold[1] and not all(pairs[0].gold) and not any(pairs[1].gold)
        want_other = abstention_row(slice_engine, other)
        in_sample = abstention_row(slice_engine, trained)
        r.ranker = longest
        want_trained = abstention_row(slice_engine, trained)
    finally:
        r.ranker = shipped
    assert np.allclose(x[0], want_trained) and np.allclose(x[1], want_other)
    assert not np.allclose(want_trained, in_sample)  # the two rankers' lists give the model different rows

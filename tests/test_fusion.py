import pytest

from retrieval.fusion import group_boost, reciprocal_rank_fusion, weighted_score_fusion


def test_rrf_rewards_agreement_and_never_repeats():
    fused = reciprocal_rank_fusion([["a", "b", "c", "a"], ["c", "b", "d"]])
    ids = [i for i, _ in fused]
    assert len(ids) == len(set(ids)) == 4
    assert ids[0] in ("b", "c") and ids[-1] == "d"
    scores = [s for _, s in fused]
    assert scores == sorted(scores, reverse=True)


def test_rrf_score_is_the_formula():
    fused = dict(reciprocal_rank_fusion([["x"], ["y", "x"]], k=10, weights=[2.0, 1.0]))
    assert fused["x"] == pytest.approx(2 / 11 + 1 / 12)
    assert fused["y"] == pytest.approx(1 / 11)


def test_weighted_fusion_normalises_each_list():
    fused = weighted_score_fusion([[("a", 100.0), ("b", 50.0), ("c", 0.0)], [("c", 0.9), ("b", 0.8), ("a", 0.0)]])
    assert [i for i, _ in fused][0] == "b"  # 0.5 + 0.889 beats a's 1.0 and c's 1.0


@pytest.mark.parametrize("bad", [dict(k=0), dict(weights=[1.0])])
def test_fusion_rejects_bad_parameters(bad):
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"], ["b"]], **bad)


def test_weighted_fusion_scales_by_each_lists_own_range():
    # cosine-like scores far from 0 keep their spread: the best gets the full weight, the worst 0
    fused = dict(weighted_score_fusion([[("a", 0.90), ("b", 0.85), ("c", 0.80)]]))
    assert fused == pytest.approx({"a": 1.0, "b": 0.5, "c": 0.0})
    # a list whose items all score the same (a lookup) gives each its full weight; absent items get 0
    fused = dict(weighted_score_fusion([[("a", 1.0), ("b", 1.0)], [("c", 5.0), ("a", 1.0)]], weights=[2.0, 1.0]))
    assert fused == pytest.approx({"a": 2.0, "b": 2.0, "c": 1.0})


def test_group_boost_lifts_documents_with_several_good_hits():
    fused = [("x:1", 1.0), ("y:1", 0.99), ("y:2", 0.9), ("y:3", 0.85), ("x:2", 0.1)]
    doc = lambda item: item.split(":")[0]  # noqa: E731
    boosted = group_boost(fused, doc, weight=0.2, top_n=3)
    assert [i for i, _ in boosted] == ["y:1", "y:2", "x:1", "y:3", "x:2"]
    assert dict(boosted)["y:1"] == pytest.approx(0.99 + 0.2 * (0.99 + 0.9 + 0.85) / 3)
    assert dict(boosted)["x:1"] == pytest.approx(1.0 + 0.2 * (1.0 + 0.1) / 3)  # a missing third counts 0
    assert [i for i, _ in group_boost(fused, doc, weight=0.0)] == [i for i, _ in fused]
    with pytest.raises(ValueError):
        group_boost(fused, doc, weight=0.1, top_n=0)

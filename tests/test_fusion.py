import pytest

from index.fusion import reciprocal_rank_fusion, weighted_score_fusion


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

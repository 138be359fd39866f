"""The question-kind model scores as scikit-learn does (the oracle), from its JSON alone."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retrieval.kinds import KindModel
from training.kinds import fit


def _oracle(texts: list[str], labels: list[str]):
    """scikit-learn's probabilities for a question, fitted as ``training.kinds.fit`` fits."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    clf = LogisticRegression(C=4.0, max_iter=3000).fit(vec.fit_transform(texts), labels)
    return lambda q: dict(zip(clf.classes_, clf.predict_proba(vec.transform([q]))[0]))


def test_kind_model_scores_as_scikit_learn_does():
    texts = ["GB/T 35273 里个人信息的定义", "国家标准对日志保存的技术要求", "深圳的公司要遵守哪条地方规定",
             "上海市数据条例里的公共数据", "个保法第十三条的同意", "数安法对重要数据的规定",
             "新加坡PDPA数据泄露通知时限", "GDPR Article 33 breach notice 72 hours"] * 2
    labels = ["standard", "standard", "normative", "normative", "law", "law", "foreign", "foreign"] * 2
    model = KindModel.from_json(json.loads(json.dumps(fit(texts, labels, "t").to_json())))
    oracle = _oracle(texts, labels)
    for q in ["GB/T 国家标准 技术要求", "深圳  地方规定", "GDPR breach", "完全无关的一句话"]:
        want = oracle(q)
        got = model.probabilities(q)
        assert set(got) == set(want) and all(abs(got[k] - want[k]) < 1e-9 for k in want)
    assert max(model.probabilities("国家标准的技术要求").items(), key=lambda kv: kv[1])[0] == "standard"


def test_two_kinds_score_as_scikit_learn_does():
    texts = ["国家标准的技术要求", "标准里的术语定义", "个保法的同意规则", "数安法的重要数据"] * 2
    labels = ["standard", "standard", "law", "law"] * 2
    model, oracle = fit(texts, labels, "t"), _oracle(texts, labels)
    for q in ["标准的要求", "个保法"]:
        want = oracle(q)
        assert all(abs(model.probabilities(q)[k] - want[k]) < 1e-9 for k in want)


def test_a_kind_model_whose_arrays_do_not_fit_is_refused():
    with pytest.raises(ValueError, match="retrain"):
        KindModel({"a": 0}, np.ones(2), np.zeros((2, 2)), np.zeros(2), ("x", "y"), 3, "bad")
    with pytest.raises(ValueError, match="not a question-kind model"):
        KindModel.from_json({"kind": "trees"})

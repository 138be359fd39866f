"""The question-kind model: it scores as scikit-learn does (the oracle) from its JSON alone, is fitted out of fold
for the ranker's training, and a parsed question carries what it says to the ranker's `kind_prob` feature."""

from __future__ import annotations

import json
from dataclasses import replace

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


def test_out_of_fold_never_scores_a_question_with_a_model_that_saw_it():
    from training.kinds import out_of_fold

    rows = [(f"国家标准第{i}项技术要求", "standard") for i in range(10)] + [(f"个保法第{i}条的同意", "law") for i in range(10)]
    lone = "新加坡个人数据保护法的泄露通知"  # the only question of its kind
    rows.append((lone, "foreign"))
    assert max(fit([t for t, _ in rows], [k for _, k in rows], "all").probabilities(lone).items(),
               key=lambda kv: kv[1])[0] == "foreign"  # a model that saw it knows its kind
    held_out = out_of_fold([lone, "国家标准第3项技术要求"], rows)
    assert held_out[lone].get("foreign", 0.0) == 0.0  # the model that scored it never saw the kind
    assert max(held_out["国家标准第3项技术要求"].items(), key=lambda kv: kv[1])[0] == "standard"


def test_the_compact_json_scores_as_the_full_model():
    from training.kinds import compact

    texts = ["GB/T 35273 里个人信息的定义", "国家标准对日志保存的技术要求", "上海市数据条例里的公共数据",
             "深圳的公司要遵守哪条地方规定"] * 2
    labels = ["standard", "standard", "normative", "normative"] * 2
    model = fit(texts, labels, "t")
    small = KindModel.from_json(json.loads(json.dumps(compact(model))))
    for q in ["国家标准的定义", "上海的规定", "无关"]:
        assert all(abs(small.probabilities(q)[k] - p) < 1e-4 for k, p in model.probabilities(q).items())


def test_the_shipped_question_kind_model_reads_the_kinds_the_ranker_knows():
    from retrieval.features import KIND_NAMES

    model = KindModel.shipped()
    assert model is not None and set(model.kinds) <= set(KIND_NAMES) and len(model.kinds) >= 5
    probs = model.probabilities("What does the GDPR require of a controller after a personal data breach?")
    assert abs(sum(probs.values()) - 1.0) < 1e-9 and max(probs, key=probs.get) == "foreign"


def test_a_parsed_question_carries_its_kinds_and_the_ranker_reads_them(slice_engine):
    from retrieval.features import FEATURES, candidate_kinds

    r = slice_engine.retriever
    query = r.parse("向境外提供个人信息之前要做哪些评估")
    assert dict(query.kinds) == r.parser.kinds.probabilities(query.text)
    hits = list(r.search(query, k=8))
    x = r.features(query, hits)
    kinds = [r.facts.kind(h.chunk.doc_id) for h in hits]
    assert candidate_kinds(x) == kinds
    assert x[:, FEATURES.index("kind_prob")].tolist() == pytest.approx([query.kind_probability(k) for k in kinds])
    assert slice_engine.models["question_kinds"].endswith(r.parser.kinds.sha256)
    # without a question-kind model the parse has no kinds, and the feature is 0
    bare = replace(query, kinds=())
    assert not r.features(bare, hits)[:, FEATURES.index("kind_prob")].any()

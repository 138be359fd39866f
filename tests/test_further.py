"""The further clause an answer cites beside the decisive one (qa.further), on the real slice index: what the
model reads of each candidate, that it decides, and the rows its trainer labels."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa.further import FURTHER_FEATURES, load_further
from qa.verify import verify_citation
from retrieval.learned import LinearModel
from training.further import fit, rows
from training.train import holds_evidence

QUESTION = "个人信息出境要满足什么条件？还要告诉个人哪些事项？"
PIPL_38 = "个人信息处理者因业务等需要，确需向中华人民共和国境外提供个人信息的，应当具备下列条件之一"
PIPL_39 = "个人信息处理者向中华人民共和国境外提供个人信息的，应当向个人告知境外接收方的名称或者姓名"


def always(intercept: float) -> LinearModel:
    """A model that gives every candidate the same probability (sigmoid of ``intercept``)."""
    n = len(FURTHER_FEATURES)
    return LinearModel(FURTHER_FEATURES, np.zeros(n), np.ones(n), np.zeros(n), intercept, "test")


@pytest.fixture
def chooser(slice_engine):
    chooser = slice_engine.answerer.chooser
    shipped = chooser.further
    yield chooser
    chooser.further = shipped


def test_each_candidate_is_read_against_the_decisive_clause(slice_engine, chooser):
    answerer, retriever = slice_engine.answerer, slice_engine.retriever
    query = retriever.parse(QUESTION)
    hits = list(retriever.search(query, k=10))
    a = answerer.assess(query, hits)
    pool = chooser.quotable(hits[:5])
    chosen = [h for h, _ in chooser.choose(query, pool, a.weights, False, a.asked, a.named)]
    spans = chooser.spans(query, pool, a.weights, False)
    found = chooser.further_candidates(query, pool, chosen, a.weights, spans)
    assert found
    cited = {h.chunk.clause_id for h in chosen}
    for h, cand in found:
        assert h.chunk.clause_id not in cited and not chooser.preamble(h)
        assert cand.position == pytest.approx(1 / (1 + pool.index(h))) and cand.position < 1
        assert 0.0 <= cand.gain <= cand.share <= 1.0 and 0.0 <= cand.have <= 1.0
        assert cand.same_document == (h.chunk.doc_id == chosen[0].chunk.doc_id)
        assert cand.score_ratio == pytest.approx(h.score / chosen[0].score)
        assert cand.vector().shape == (len(FURTHER_FEATURES),)


def test_the_model_decides_which_further_clauses_are_cited(slice_engine, chooser):
    chooser.further = None
    alone = slice_engine.ask(QUESTION)
    chooser.further = always(-10.0)  # never likely enough
    assert [c.clause for c in slice_engine.ask(QUESTION).citations] == [c.clause for c in alone.citations]
    chooser.further = always(10.0)  # always
    more = slice_engine.ask(QUESTION)
    assert len(more.citations) > len(alone.citations)
    assert len(more.citations) <= slice_engine.answerer.params.selection.max_citations
    assert [c.clause for c in more.citations][:len(alone.citations)] == [c.clause for c in alone.citations]
    for c in more.citations:
        verify_citation(c, slice_engine.data.sources)  # each quote is its source's own text
        assert c.quote in slice_engine.data.sources[c.source].text


def test_the_trainer_labels_a_candidate_by_the_evidence_it_holds(slice_engine, chooser):
    asked = "向境外提供个人信息时，要告诉个人境外接收方的哪些信息？"  # 第三十九条 decides; 第三十八条 is a candidate
    written = [{"question": asked, "evidence": [PIPL_38, PIPL_39]},
               {"question": "数据出境安全评估申报后，省级网信部门多少个工作日内完成完备性查验？",
                "evidence": ["省级网信部门应当自收到申报材料之日起5个工作日内完成完备性查验"]},
               {"question": "快递包裹的保价赔偿上限是多少？", "evidence": ["本句不在任何文本里"]}]
    chooser.further = always(10.0)  # the served model is off while the trainer reads its candidates
    x, y, qs = rows(slice_engine, written)
    assert chooser.further is not None
    chooser.further = None
    assert x.shape == (len(y), len(FURTHER_FEATURES)) and len(qs) == len(y)
    assert "快递包裹的保价赔偿上限是多少？" not in qs  # its evidence is in no text the index holds
    assert asked in qs and y[[q == asked for q in qs]].any()
    # labels are the evidence test itself, row by row
    answerer, retriever = slice_engine.answerer, slice_engine.retriever
    from eval.metrics import EvidenceLocator

    locator = EvidenceLocator.of_index(slice_engine.data.sources)
    query = retriever.parse(asked)
    hits = list(retriever.search(query, k=answerer.params.search_depth))
    a = answerer.assess(query, hits)
    pool = chooser.quotable(hits[:answerer.params.selection.candidates])
    chosen = [h for h, _ in chooser.choose(query, pool, a.weights, False, a.asked, a.named)]
    found = chooser.further_candidates(query, pool, chosen, a.weights, chooser.spans(query, pool, a.weights, False))
    assert [int(holds_evidence(locator, h, [PIPL_38, PIPL_39])) for h, _ in found] == \
        y[[q == asked for q in qs]].tolist()


def test_a_fitted_model_ranks_by_what_it_learned_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FURTHER_FEATURES)))
    y = (x[:, FURTHER_FEATURES.index("score")] > 0.5).astype(np.int8)
    model = fit(x, y, version="t")
    assert model.threshold == 0.5 and model.names == FURTHER_FEATURES
    high, low = np.zeros((1, len(FURTHER_FEATURES))), np.zeros((1, len(FURTHER_FEATURES)))
    high[0, FURTHER_FEATURES.index("score")], low[0, FURTHER_FEATURES.index("score")] = 2.0, -1.0
    assert model.scores(high)[0] > 0.9 > 0.1 > model.scores(low)[0]
    path = tmp_path / "further.json"
    path.write_text(json.dumps(model.to_json()))
    assert load_further(str(path)).scores(high)[0] == pytest.approx(model.scores(high)[0])
    bad = {**model.to_json(), "names": [*FURTHER_FEATURES[:-1], "no_such_feature"]}
    path.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="no_such_feature"):
        load_further(str(path))
    assert load_further("none") is None

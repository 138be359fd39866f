"""Training questions generated from an index's own clauses: seeded, labelled with their clause,
never evaluation questions; and the leave-one-document-out negatives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.generate import generate, same_clause
from training.train import fit_abstention, leave_document_out

DATA = Path(__file__).resolve().parent / "data"


def test_generated_questions_are_seeded_and_labelled_with_their_clause(slice_engine):
    data = slice_engine.data
    first = generate(data, 60, seed=3)
    assert first == generate(data, 60, seed=3) and first != generate(data, 60, seed=4)
    assert len(first) == 60 and len({g.question for g in first}) == 60
    clauses = {c.id: (d, c) for d in data.documents for c in d.clauses}
    for g in first:
        doc, clause = clauses[g.clause_id]
        assert doc.id == g.doc_id and (g.start, g.end) == (clause.start, clause.end)
        # the chunks that hold the clause (a 项 inside its 条's chunk, a long clause over several) are labelled with it
        holders = [ch for ch in data.chunks if ch.source == g.source and ch.start <= g.start < ch.end]
        assert holders and all(same_clause(g, ch.source, ch.start, ch.end) for ch in holders)
        assert not same_clause(g, "another.txt", g.start, g.end)
    assert {g.kind for g in first} >= {"keywords", "dropped"}


def test_leave_document_out_asks_without_the_source_document(slice_engine):
    data = slice_engine.data
    generated = generate(data, 80, seed=5)
    left = leave_document_out(slice_engine, generated, n=10)
    assert left
    by_question = {g.question: g for g in generated}
    for question, filters in left:
        g = by_question[question]
        assert g.doc_id not in filters.doc_ids and filters.doc_ids
        # nothing the filters admit holds the clause's opening words
        opening = "".join(data.sources[g.source].text[g.start:g.end].split())[:30]
        for d in data.documents:
            if d.id in filters.doc_ids:
                assert opening not in "".join(data.sources[d.source].text[d.start:d.end].split())


def test_questions_generated_from_one_index_are_left_out_of_another_that_holds_their_documents(slice_engine,
                                                                                                 tmp_path):
    """The abstention rows of a wider index (the slice beside another law, each file under another name) ask the
    slice's generated questions without their document; a question from a document an index lacks is not asked."""
    import shutil
    from types import SimpleNamespace  # leave_document_out reads the engine's index only

    from qa import PolicyQA

    (tmp_path / "wider" / "slice").mkdir(parents=True)
    shutil.copy(DATA / "slice_collection.txt", tmp_path / "wider" / "slice")
    shutil.copy(DATA / "网络安全法-2025修正.txt", tmp_path / "wider")
    shutil.copytree(slice_engine.settings.cache_dir, tmp_path / "cache")
    wider = PolicyQA.build([tmp_path / "wider"], settings=slice_engine.settings.override(
        index_dir=tmp_path / "index", cache_dir=tmp_path / "cache"), embedder=slice_engine.embedder).data
    narrow = slice_engine.data
    assert not set(narrow.sources) & set(wider.sources)  # the same text under other names
    added = {d.id for d in wider.documents} - {d.id for d in narrow.documents}
    assert added and {d.id for d in narrow.documents} <= {d.id for d in wider.documents}

    generated = generate(narrow, 80, seed=5)
    left = leave_document_out(SimpleNamespace(data=wider), generated, n=10, origin=narrow)
    assert len(left) == 10
    by_question = {g.question: g for g in generated}
    for question, filters in left:
        g = by_question[question]
        assert g.doc_id not in filters.doc_ids and added <= filters.doc_ids
        opening = "".join(narrow.sources[g.source].text[g.start:g.end].split())[:30]
        assert not any(opening in "".join(wider.sources[d.source].text[d.start:d.end].split())
                       for d in wider.documents if d.id in filters.doc_ids)
    # asked the other way, the questions made from the added law are not asked of the slice, which lacks it
    from_wider = generate(wider, 120, seed=5)
    assert any(g.doc_id in added for g in from_wider)
    back = leave_document_out(SimpleNamespace(data=narrow), from_wider, n=120, origin=wider)
    made = {g.question: g.doc_id for g in from_wider}
    assert back and not any(made[q] in added for q, _ in back)


def test_the_abstention_threshold_is_calibrated_on_questions_held_out_of_every_index_at_once():
    """The same question asked of two indexes gives two near-identical rows: held out by row, the twin left in
    training gives its label away; held out by question, noise labels stay unlearnable (recall near chance)."""
    from qa.abstention import ABSTAIN_FEATURES

    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(size=(n, len(ABSTAIN_FEATURES)))
    y = (rng.random(n) < 0.3).astype(int)
    xs, ys = np.concatenate([x, x + rng.normal(scale=0.01, size=x.shape)]), np.concatenate([y, y])
    calibrate = np.ones(2 * n, dtype=bool)
    by_row = fit_abstention(xs, ys, calibrate)[1]
    by_question = fit_abstention(xs, ys, calibrate, questions=[f"q{i}" for i in range(n)] * 2)[1]
    assert by_row["cv_false_abstention"] <= 0.03 and by_question["cv_false_abstention"] <= 0.03
    assert by_row["cv_abstention_recall"] > 0.5  # the leak
    assert by_question["cv_abstention_recall"] < 0.15


def test_the_shipped_expansions_are_what_the_training_questions_give_over_the_corpus(corpus_ingest):
    from index.tokenize import JiebaTokenizer
    from retrieval.terms import TermWeights
    from retrieval.vocabulary import Expansions
    from training.expansion import DATA, ExpansionParams, learn, training_pairs

    chunks = corpus_ingest.chunks
    terms = TermWeights(c.text for c in chunks)
    table = learn(training_pairs(sorted(DATA.glob("answerable*.jsonl"))), JiebaTokenizer(),
                  lambda t: terms.df(t) / len(chunks), ExpansionParams())
    shipped = Expansions.shipped().table
    assert table == shipped  # python -m training.expansion rewrites it from the same data
    for word, found in shipped.items():
        assert word not in found and 1 <= len(found) <= ExpansionParams().top
        # every expansion is a word of the corpus that few of its chunks use
        assert all(0 < terms.df(t) <= 0.05 * len(chunks) for t in found)


def test_learned_expansions_widen_the_lexical_query_only(slice_engine):
    from dataclasses import replace

    from retrieval.retriever import Retriever
    from retrieval.vocabulary import Expansions

    r = slice_engine.retriever
    off = Retriever(slice_engine.data, slice_engine.embedder, r.tokenizer, replace(r.params, learned_expansion=False))
    question = "公司的HR想把员工的档案发给总部，这样做要注意什么？"
    q, plain = r.parse(question), off.parse(question)
    found = Expansions.shipped().expansions(q.tokens, have=plain.expanded_tokens)
    assert found and not set(found) & set(plain.expanded_tokens)  # words the question and thesaurus lack
    assert q.tokens == plain.tokens and q.expanded_tokens == plain.expanded_tokens + tuple(found)


def test_a_written_question_is_asked_only_of_an_index_holding_its_evidence(slice_engine):
    from eval.metrics import EvidenceLocator
    from training.train import evidence_examples, held

    data = slice_engine.data
    chunk = max(data.chunks, key=lambda c: len(c.text))
    inside = "".join(chunk.text.split())[10:40]
    here = {"question": "甲", "evidence": ["不在语料里的一句话啊", inside], "origin": "x"}
    elsewhere = {"question": "乙", "evidence": ["不在语料里的一句话啊"], "origin": "large/x"}
    locator = EvidenceLocator.of_index(data.sources)
    assert held(locator, [here, elsewhere]) == [here]
    examples = evidence_examples(slice_engine, [here, elsewhere])
    assert [e.question for e in examples] == ["甲"]


def test_corpus_large_training_questions_quote_their_file():
    """Each question written on ../shared/corpus-large names its file and title there, and its evidence
    strings occur in that file (whitespace ignored): the labels are the file's own words."""
    import json
    import re

    from eval.metrics import squash
    from training.questions import LARGE, written_questions

    from .conftest import shared_dir

    root = shared_dir("corpus-large")
    rows = written_questions(sorted(LARGE.glob("answerable*.jsonl")))
    assert len(rows) >= 300 and len({r["question"] for r in rows}) == len(rows)
    for r in rows:
        text = (root / r["file"]).read_text("utf-8")
        head = re.sub(r"[《》\s]", "", text[:3000])  # the front matter's title, or the heading's
        assert re.sub(r"[《》\s]", "", r["doc_title"]) in head, r["file"]
        squashed = squash(text)
        assert all(squash(ev) in squashed for ev in r["evidence"]), json.dumps(r, ensure_ascii=False)


def test_the_ranker_trains_on_kind_probabilities_of_models_that_never_saw_the_question(slice_engine):
    """``held_out_kinds`` replaces each training row's ``kind_prob`` (the shipped model's, fitted on these very
    questions) with a held-out model's probability of the row's own kind."""
    import numpy as np

    from retrieval.features import FEATURES, candidate_kinds
    from training.kinds import labelled, out_of_fold
    from training.questions import written_paths, written_questions
    from training.train import evidence_examples, held_out_kinds

    facts = slice_engine.retriever.facts
    written = written_questions(written_paths(large=True))
    titles = {t for d in facts.docs.values() for t in d.titles}
    asked = [q for q in written if q.get("doc_title") in titles][:12]
    examples = evidence_examples(slice_engine, asked)
    assert len(examples) >= 6
    col = FEATURES.index("kind_prob")
    in_sample = [e.x[:, col].copy() for e in examples]
    held_out_kinds(examples, facts)
    want = out_of_fold([e.question for e in examples], labelled(written, facts))
    for e, before in zip(examples, in_sample):
        assert e.x[:, col].tolist() == pytest.approx([want[e.question].get(k, 0.0) for k in candidate_kinds(e.x)])
    assert any(not np.allclose(e.x[:, col], before) for e, before in zip(examples, in_sample))


def test_the_unanswerable_check_questions_are_in_no_training_or_evaluation_file(corpus_ingest):
    """``training/data/check/unanswerable.jsonl`` reads as an evaluation file of unanswerable questions, shares no
    question with a training or evaluation file (it is a check on unseen wording), and a document it names in 《》
    as lacking is no document of the bundled corpus."""
    import json
    import re

    from eval.run import load_questions
    from ingest.titles import title_key
    from training.questions import DATA as TRAINING

    from .conftest import ROOT

    rows = load_questions(TRAINING / "check" / "unanswerable.jsonl")
    assert len(rows) == 300 and len({r["id"] for r in rows}) == len(rows)
    assert {r["type"] for r in rows} == {"unanswerable"} and not any(r["evidence"] or r["key_facts"] for r in rows)
    assert {r["kind"] for r in rows} == {"absent_detail", "absent_document", "absent_topic"}
    elsewhere = set()
    for path in [*TRAINING.rglob("*.jsonl"), *(ROOT / "eval").glob("*.jsonl")]:
        if path.parent.name != "check":
            elsewhere |= {json.loads(line)["question"].strip() for line in path.read_text("utf-8").splitlines()
                          if line.strip()}
    assert len(elsewhere) > 3000 and not {r["question"].strip() for r in rows} & elsewhere
    titles = {title_key(d.title) for d in corpus_ingest.documents}
    named = [(r["id"], t) for r in rows if r["kind"] == "absent_document"
             for t in re.findall(r"《([^》]+)》", r["question"])]
    assert named and not [n for n in named if title_key(n[1]) in titles]


def test_written_unanswerable_questions_stay_unanswerable_beside_more_documents_only_when_checked():
    """On the bundled index every written unanswerable question is one; beside corpus-large only the off-domain ones
    and those checked absent from corpus-large too, whatever their kind."""
    from training.train import CHECKED_AT_SCALE, still_unanswerable

    rows = [{"question": "甲", "kind": "off_domain"}, {"question": "乙", "kind": "absent_detail"},
            {"question": "丙", "kind": "absent_detail", "checked": CHECKED_AT_SCALE},
            {"question": "丁", "kind": "absent_document", "checked": "corpus"},
            {"question": "戊", "kind": "absent_topic", "checked": CHECKED_AT_SCALE}]
    assert still_unanswerable(rows, larger=False) == ["甲", "乙", "丙", "丁", "戊"]
    assert still_unanswerable(rows, larger=True) == ["甲", "丙", "戊"]


def test_unanswerable_questions_checked_at_scale_name_no_document_of_either_corpus(corpus_ingest):
    """``training/data/large/unanswerable.jsonl``: read only when asked for (the shipped model trains without it); each
    row checked against both corpora, of a known kind, asked in no other training, check or evaluation file; a
    document it names in 《》 as lacking is the title of no bundled document and of no corpus-large file's front
    matter."""
    import json
    import re

    from ingest.titles import title_key
    from training.questions import DATA as TRAINING
    from training.questions import unanswerable_paths
    from training.train import CHECKED_AT_SCALE

    from .conftest import ROOT, shared_dir

    path = TRAINING / "large" / "unanswerable.jsonl"
    assert path in unanswerable_paths(at_scale=True) and path not in unanswerable_paths()
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    assert len(rows) >= 200 and len({r["question"] for r in rows}) == len(rows)
    assert {r["checked"] for r in rows} == {CHECKED_AT_SCALE}
    assert {r["kind"] for r in rows} == {"absent_detail", "absent_document", "absent_topic"}
    elsewhere = set()
    for other in [*TRAINING.rglob("*.jsonl"), *(ROOT / "eval").glob("*.jsonl")]:
        if other != path:
            elsewhere |= {json.loads(line)["question"].strip() for line in other.read_text("utf-8").splitlines()
                          if line.strip()}
    assert not {r["question"].strip() for r in rows} & elsewhere
    titles = {title_key(d.title) for d in corpus_ingest.documents}
    for md in shared_dir("corpus-large").rglob("*.md"):
        head = md.read_text("utf-8")[:3000]
        for found in re.finditer(r"^(?:法规名称\s*[:：]|#)\s*(.+)$", head, re.M):
            titles.add(title_key(found.group(1).strip().strip("\"'《》")))
    assert len(titles) > 400
    named = [t for r in rows if r["kind"] == "absent_document" for t in re.findall(r"《([^》]+)》", r["question"])]
    assert named and not [t for t in named if title_key(t) in titles]

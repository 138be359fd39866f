"""Training questions generated from an index's own clauses: seeded, labelled with their clause,
never evaluation questions; and the leave-one-document-out negatives."""

from __future__ import annotations

from training.generate import generate, same_clause
from training.train import leave_document_out


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

"""The conversation on the page (ui/thread.py) and issue 16's rendering: the thread, filter chips and the
note under an abstention with filters, a citation card apart from its 所引条款, the [n] preview, the
phone layout's document cards, the whole thread exported. Real answers from the slice index; no browser."""

from __future__ import annotations

import html
import re

import pytest

from ui import render, render_library
from ui.export import thread_docx, thread_markdown
from ui.thread import Entry, FilterForm, filter_chips, render_thread

QUESTION = "数据出境安全评估的申报情形有哪些？"
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def view(slice_engine):
    return render.CorpusView.of(slice_engine.data)


@pytest.fixture(scope="module")
def thread(slice_engine):
    from qa.conversation import TitleIndex, rewrite, turn_after

    titles = TitleIndex.from_documents(slice_engine.documents)
    first = rewrite(QUESTION, None, titles)
    a1 = slice_engine.ask(first.question)
    second = rewrite(f"那{HOSTILE}呢？", turn_after(QUESTION, first, a1, titles), titles)
    a2 = slice_engine.ask(second.question)
    return [Entry(QUESTION, a1, first, {}), Entry(f"那{HOSTILE}呢？", a2, second, {})]


def test_the_thread_holds_every_question_with_its_own_keys(thread, view):
    out, viewer = render_thread(thread, view)
    assert out.count("<section class='pq-turn") == 2 and "pq-turn pq-last' data-turn='2'" in out
    assert HOSTILE not in out and html.escape(HOSTILE) in out  # what was typed is shown as text
    for n, e in enumerate(thread, start=1):
        for c in e.answer.citations:
            assert f"data-view='t{n}-c{c.marker}'" in out and f"id='pq-view-t{n}-c{c.marker}'" in viewer
    assert viewer.count("pq-view pq-active") == 1 and "pq-view pq-active' id='pq-view-t2-" in viewer
    assert "class='pq-back'" in viewer
    assert render_thread([], view) == ("", render.EMPTY_VIEWER)
    _, refused = render_thread(thread, view, "问题太长")
    assert refused == viewer


def test_filters_as_chips_and_removed_one_at_a_time():
    form = FilterForm.of(["法律", "unknown"], ["national"], ["in_force"], "2021", "")
    assert [label for _, _, label in form.chips()] == ["法律", "未分类", "全国", "现行有效", "2021 起"]
    assert form.without("types", "法律").types == ("unknown",)
    assert form.without("date_from", "2021").date_from == "" and not FilterForm()
    chips = filter_chips(FilterForm.of([HOSTILE], None, None, "", ""))
    assert chips.startswith("<div class='pq-chips'") and "已筛选：" in chips
    assert HOSTILE not in chips and "aria-label='取消筛选：&lt;img" in chips
    assert filter_chips(FilterForm()) == ""


def test_an_abstention_under_filters_says_so_and_offers_a_retry(slice_engine, view):
    from qa.conversation import Rewrite
    from retrieval.filters import Filters

    question = "数据出境安全评估办法第四条规定了哪些申报情形？"
    empty = slice_engine.ask(question, filters=Filters(doc_types=frozenset({"法律"})))
    assert empty.abstained
    filtered = Entry(question, empty, Rewrite(question), {"doc_types": ["法律"]}, FilterForm(types=("法律",)))
    out, _ = render_thread([filtered], view)
    note = re.search(r"<div class='pq-filter-note'.*?</div>", out, flags=re.S).group(0)
    assert "法律" in note and "取消筛选重试" in note and "data-retry-unfiltered" in note
    unfiltered = Entry(question, empty, Rewrite(question), {})
    assert "pq-filter-note" not in render_thread([unfiltered], view)[0]
    assert "data-retry-unfiltered" not in render_thread([filtered, unfiltered], view)[0]  # only the last retries


def test_a_citation_card_does_not_hold_its_referenced_clauses(slice_engine):
    answer = slice_engine.ask("个人信息保护法第三十条是怎么规定的？")
    assert answer.context
    out = render.render_answer(answer, prefix="t1-")
    cards = re.findall(r"<div class='pq-cite-item'.*?</div></div>", out, flags=re.S)
    assert cards and all("pq-ctx" not in card for card in cards)  # a click on a card is a click on its citation
    assert "data-view='t1-x1'" in out


def test_a_marker_carries_its_preview(answer_with_tag):
    out = render.render_answer(answer_with_tag)
    tip = re.search(r"<a class='pq-marker'[^>]*aria-describedby='([^']+)'>\[1\]</a><span class='pq-tip' "
                    r"role='tooltip' id='([^']+)'>(.*?)</span></span>", out, flags=re.S)
    assert tip and tip.group(1) == tip.group(2)
    assert "《&lt;b&gt;t&lt;/b&gt;》第一条" in tip.group(3) and "<b>t</b>" not in out


@pytest.fixture
def answer_with_tag():
    from qa.types import Answer, Citation

    return Answer("q", "见[1]", False, [Citation(1, "t", "《<b>t</b>》第一条", "第一条 <b>x</b>", "nowhere.txt", None,
                                                 0, 1, 1.0)])


def test_documents_as_cards_say_uncategorised_not_unknown(view):
    doc = view.documents[0]
    import dataclasses

    unknown = dataclasses.replace(doc, metadata={**doc.metadata, "doc_type": "unknown", "title": HOSTILE},
                                  title=HOSTILE)
    assert render_library.document_row(unknown)[1] == "未分类"
    cards = render_library.document_cards([unknown, *view.documents])
    assert cards.count("class='pq-doc-card'") == len(view.documents) + 1
    assert "未分类" in cards and "unknown" not in cards and HOSTILE not in cards
    assert f"data-doc-card='{doc.id}'" in cards


def test_the_whole_thread_exports_in_order(thread, view, tmp_path):
    from docx import Document

    items = [(e.question, e.answer, e.asked.question) for e in thread]
    md = thread_markdown(items, view.docs)
    assert md.startswith("# 问答记录") and md.index("## 第 1 问") < md.index("## 第 2 问")
    assert "<img" not in md and md.count("### 依据") == sum(1 for e in thread if e.answer.citations)
    assert md.count("<details>") == 1 and "第 2 问 [1]" in md  # one technical block for the whole thread
    paras = [p.text for p in Document(str(thread_docx(items, tmp_path / "t.docx", view.docs))).paragraphs]
    assert paras[0] == "问答记录" and f"第 1 问：{QUESTION}" in paras


def test_a_long_thread_shows_its_latest_questions_and_exports_them_all(thread, view):
    from ui.thread import MAX_SHOWN

    long = [thread[0]] * (MAX_SHOWN + 5)
    out, viewer = render_thread(long, view)
    assert out.count("<section class='pq-turn") == MAX_SHOWN and "更早的 5 个问答未显示" in out
    assert f"data-turn='{MAX_SHOWN + 5}'" in out and "data-turn='5'" not in out and "data-turn='6'" in out
    assert "id='pq-view-t5-" not in viewer and "id='pq-view-t6-" in viewer  # keys stay those of the whole thread
    md = thread_markdown([(e.question, e.answer, e.asked.question) for e in long], view.docs)
    assert md.count("## 第 ") == MAX_SHOWN + 5  # the export holds the whole thread

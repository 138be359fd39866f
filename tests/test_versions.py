"""Versions of one rule: an amended law beside the text it amends (ingest.metadata.versions,
retrieval.filters.Versions, retrieval.query.version_asked, qa.precedence).

The real pair: the 2016 text of 中华人民共和国网络安全法 from the bundled corpus and its 2025 amended
text (tests/data/网络安全法-2025修正.txt, built by tests/data/make_cybersecurity_2025.py from the
official text). The amendment renumbered the articles: 第二十一条 is 等级保护 in 2016 and
宣传教育 in 2025.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from ingest.metadata import NORMATIVE
from ingest.metadata.versions import amended_law, amendment_dates, find_versions, version_key
from ingest.titles import title_key
from ingest.types import Document, SourceText
from retrieval.filters import EARLIER, Filters, Versions
from retrieval.query import version_asked
from retrieval.types import ArticleRef

from .conftest import CORPUS, DATA

LAW = "中华人民共和国网络安全法"
AMENDED = DATA / "网络安全法-2025修正.txt"


def _law_2016(corpus_ingest: Any) -> str:
    """The 2016 text of the law as the bundled corpus holds it."""
    sources = {s.path: s for s in corpus_ingest.sources}
    docs = [d for d in corpus_ingest.documents if d.title == LAW]
    assert len(docs) == 1
    d = docs[0]
    return sources[d.source].text[d.start:d.end]


@pytest.fixture(scope="module")
def pair_dir(tmp_path_factory: pytest.TempPathFactory, corpus_ingest: Any) -> Path:
    """A folder with the two texts, each in its own file."""
    folder = tmp_path_factory.mktemp("versions") / "pair"
    folder.mkdir()
    (folder / "网络安全法-2016.txt").write_text(_law_2016(corpus_ingest), encoding="utf-8")
    (folder / AMENDED.name).write_text(AMENDED.read_text("utf-8"), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def pair(pair_dir: Path) -> dict[str, Document]:
    """The two documents after a real ingest, by year."""
    from ingest.pipeline import ingest_paths

    result = ingest_paths([pair_dir], budget=None)
    assert [d.title for d in result.documents] == [LAW, LAW]
    return {"2016" if "2016" in d.source else "2025": d for d in result.documents}


def _article(doc: Document, n: str) -> str:
    return next(c.text for c in doc.clauses if c.level == "条" and c.label.endswith(f"第{n}条"))


# -- the fixture -----------------------------------------------------------------------------------
def test_the_fixture_is_the_amended_text_one_article_per_line() -> None:
    lines = AMENDED.read_text("utf-8").split("\n")
    assert lines[0] == LAW
    assert "《关于修改〈中华人民共和国网络安全法〉的决定》修正" in lines[1]
    articles = [x for x in lines if x.startswith("第") and "条\u3000" in x[:8]]
    assert len(articles) == 81 and articles[-1].startswith("第八十一条\u3000本法自2017年6月1日起施行")
    assert not any("法宝" in x or "CLI." in x for x in lines)  # no page furniture left


def test_the_fixture_matches_the_official_source_when_rebuilt() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_cs", DATA / "make_cybersecurity_2025.py")
    assert spec and spec.loader
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    if not make.DEFAULT_SOURCE.is_file():
        pytest.skip(f"{make.DEFAULT_SOURCE} is not here (it sits beside the clone)")
    assert make.rebuild(make.DEFAULT_SOURCE.read_text("utf-8")) == AMENDED.read_text("utf-8")


# -- recognition (ingest.metadata) ---------------------------------------------------------------
def test_the_2016_text_is_a_historical_version_of_the_2025_one(pair: dict[str, Document]) -> None:
    old, new = pair["2016"], pair["2025"]
    assert "等级保护" in _article(old, "二十一") and "宣传教育" in _article(new, "二十一")  # renumbered
    assert old.meta.status == "superseded" and new.meta.status == "in_force"
    assert old.meta.current_version == new.id and old.meta.current_version_title == LAW
    assert new.meta.current_version is None
    assert new.meta.version_date == "2025-10-28"  # the amendment, read from its own header
    assert new.meta.adopted == "2016-11-07"  # … not the day the law was first adopted
    assert old.meta.version_date and old.meta.version_date < new.meta.version_date
    assert old.meta.versions == new.meta.versions == (old.id, new.id)
    assert not old.meta.superseded_by  # amended, not repealed


def test_nothing_else_in_the_bundled_corpus_is_taken_for_a_version(tmp_path: Path) -> None:
    """The whole bundled corpus with the amended text added: the only historical document is the
    2016 law — as many as there are normative documents sharing a title with a later one."""
    from ingest.pipeline import ingest_paths

    for f in CORPUS.glob("*.txt"):
        (tmp_path / f.name).write_text(f.read_text("utf-8"), encoding="utf-8")
    (tmp_path / AMENDED.name).write_text(AMENDED.read_text("utf-8"), encoding="utf-8")
    docs = ingest_paths([tmp_path]).documents
    historical = [d for d in docs if d.meta.current_version]
    same_title: dict[str, list[Document]] = defaultdict(list)
    for d in docs:
        if d.meta.doc_type in NORMATIVE:
            same_title[title_key(d.title)].append(d)
    pairs = [g for g in same_title.values() if len(g) > 1]
    assert len(historical) == sum(len(g) - 1 for g in pairs) == 1
    assert historical[0].title == LAW and historical[0].source.startswith("000_")
    current = next(d for d in docs if d.id == historical[0].meta.current_version)
    assert current.source == AMENDED.name
    assert sum(1 for d in docs if d.meta.versions) == 2


def test_the_bundled_corpus_alone_has_no_versions(corpus_ingest: Any) -> None:
    assert not [d.title for d in corpus_ingest.documents if d.meta.versions or d.meta.current_version]


def _doc(i: str, title: str, text: str) -> tuple[Document, SourceText]:
    return Document(i, title, f"{i}.txt", 0, len(text), 1, 3, "statute"), SourceText(f"{i}.txt", text, "utf-8")


def _versions(*docs: tuple[Document, SourceText]) -> dict[str, Any]:
    return find_versions([d for d, _ in docs], {s.path: s for _, s in docs})


ADOPTED = "（2012年3月1日第十一届全国人民代表大会常务委员会第二十五次会议通过）"
BODY = "\n第一条 为了规范数据处理活动，制定本法。\n第二条 本法自2012年6月1日起施行。"


def test_a_version_suffix_in_the_title_joins_the_versions_and_the_later_date_wins() -> None:
    old = _doc("a", "中华人民共和国数据法", "中华人民共和国数据法\n" + ADOPTED + BODY)
    new = _doc("b", "中华人民共和国数据法（2019年修订）",
               "中华人民共和国数据法\n（2012年3月1日第十一届全国人民代表大会常务委员会第二十五次会议通过　"
               "2019年4月23日第十三届全国人民代表大会常务委员会第十次会议修订）" + BODY)
    v = _versions(new, old)
    assert v["a"].historical and v["a"].current == "b" and v["b"].date == "2019-04-23"
    assert not v["b"].historical and v["b"].versions == ("a", "b")


def test_the_last_of_several_amendments_dates_the_text() -> None:
    head = ("（1999年3月15日第九届全国人民代表大会第二次会议通过　根据2009年8月27日第十一届全国人民代表大会常务委员会"
            "第十次会议《关于修改部分法律的决定》第一次修正　根据2018年12月29日第十三届全国人民代表大会常务委员会"
            "第七次会议《关于修改〈中华人民共和国劳动法〉等七部法律的决定》第二次修正）")
    assert amendment_dates("某法\n" + head) == ["2009-08-27", "2018-12-29"]
    assert amended_law("某法\n" + head) is None  # a decision about seven laws does not say which this is


def test_a_header_broken_over_lines_is_read() -> None:
    """pypdf puts a run of digits or ``<``/``>`` on a line of its own."""
    head = ("某法\n（\n2016\n年\n11\n月\n7\n日第十二届全国人民代表大会常务委员会第二十四次会议通过　根据\n2025\n年\n10\n月\n28\n日"
            "第十四届全国人民代表大会常务委员会第十八次会议《\n关于修改\n<\n中华人民共和国某法\n>\n的决定\n》修正）")
    assert amendment_dates(head) == ["2025-10-28"] and amended_law(head) == "中华人民共和国某法"


def test_a_header_naming_the_amended_law_joins_a_differently_titled_text() -> None:
    old = _doc("a", "中华人民共和国数据法", "中华人民共和国数据法\n" + ADOPTED + BODY)
    new = _doc("b", "数据法修正文本", "数据法修正文本\n（2012年3月1日…会议通过　根据2025年1月2日第十四届全国人民代表大会常务委员会"
               "第十三次会议《关于修改〈中华人民共和国数据法〉的决定》修正）" + BODY)
    v = _versions(old, new)
    assert v["a"].current == "b" and v["b"].date == "2025-01-02"


@pytest.mark.parametrize("other", ["中华人民共和国数据法（试行）", "数据法实施条例", "中华人民共和国数据法（修正草案）"])
def test_a_different_rule_or_a_draft_is_not_a_version(other: str) -> None:
    old = _doc("a", "中华人民共和国数据法", "中华人民共和国数据法\n" + ADOPTED + BODY)
    new = _doc("b", other, other + "\n（2020年1月1日第十三届全国人民代表大会常务委员会第十五次会议通过）" + BODY)
    assert version_key(other) != version_key("中华人民共和国数据法") or "草案" in other
    assert _versions(old, new) == {}


def test_rules_of_two_places_with_one_title_are_not_versions() -> None:
    def notice(i: str, body: str, date: str) -> tuple[Document, SourceText]:
        title = "关于加强公共数据管理的实施意见"
        return _doc(i, title, f"{title}\n{body}\n{date}\n一、总体要求\n现提出如下意见。")

    a, b = notice("a", "河南省人民政府", "2020年1月1日"), notice("b", "黑龙江省人民政府", "2023年1月1日")
    assert a[0].title == b[0].title and _versions(a, b) == {}
    assert _versions(a, notice("c", "河南省人民政府", "2023年1月1日"))["a"].current == "c"  # one province's two texts


def test_a_title_of_no_words_names_no_rule() -> None:
    a = _doc("a", "---", "---\n" + ADOPTED + BODY)
    b = _doc("b", "---", "---\n（2020年1月1日第十三届全国人民代表大会常务委员会第十五次会议通过）" + BODY)
    assert _versions(a, b) == {}


def test_versions_that_cannot_be_ordered_are_left_alone_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    a = _doc("a", "中华人民共和国数据法", "中华人民共和国数据法\n第一条 为了规范数据处理活动，制定本法。")
    b = _doc("b", "中华人民共和国数据法", "中华人民共和国数据法\n第一条 为了规范数据活动，制定本法。")
    with caplog.at_level(logging.WARNING, logger="ingest.metadata.versions"):
        assert _versions(a, b) == {}
    assert "cannot be ordered" in caplog.text


# -- the question (retrieval.query) and the versions it reads (retrieval.filters) ---------------
@pytest.mark.parametrize("text, asked", [
    ("2016年版网络安全法的第二十一条讲什么", "2016"),
    ("网络安全法2016版本中的等级保护", "2016"),
    ("网络安全法修正前的第二十一条", EARLIER),
    ("网络安全法修改之前怎么规定罚款", EARLIER),
    ("网络安全法原第五十九条", EARLIER),
    ("旧版网络安全法中实名制的规定", EARLIER),
    ("网络安全法的第二十一条讲什么", None),
    ("2016年以来有哪些网络安全执法案例", None),
    ("网络安全工作的原则是什么", None),
])
def test_the_question_says_which_version_it_asks_for(text: str, asked: str | None) -> None:
    assert version_asked(text) == asked


def test_versions_keep_what_the_filters_ask_for_by_id_or_status(pair: dict[str, Document]) -> None:
    old, new = pair["2016"], pair["2025"]
    versions = Versions([old, new])
    assert versions.restrict(None, None, ()).exclude_ids == {old.id}
    assert versions.restrict(None, EARLIER, (old.id, new.id)).exclude_ids == {new.id}
    assert versions.restrict(None, "2020", (new.id,)).exclude_ids == {new.id}  # in force in 2020: the 2016 text
    assert versions.restrict(None, "2025", (new.id,)).exclude_ids == {old.id}
    assert versions.restrict(Filters(doc_ids=frozenset({old.id})), None, ()) == Filters(doc_ids=frozenset({old.id}))
    both = Filters(doc_ids=frozenset({old.id, new.id}))  # a scope of the documents a question names
    assert versions.restrict(both, None, ()).exclude_ids == {old.id}
    assert versions.restrict(Filters(statuses=frozenset({"superseded"})), None, ()).exclude_ids == frozenset()
    assert not Filters(exclude_ids=frozenset({old.id})).allows(old)
    ref = ArticleRef((old.id, new.id), 21)
    assert versions.article(ref, None) == ArticleRef((new.id,), 21)
    assert versions.article(ref, EARLIER) == ArticleRef((old.id,), 21)


def test_an_answer_citing_a_historical_version_says_so(pair: dict[str, Document]) -> None:
    from qa.precedence import compare, force_notes, warnings_for

    old, new = pair["2016"], pair["2025"]
    assert any("历史版本" in n for n in force_notes(old)) and not force_notes(new)
    verdict = compare(old, new)
    assert verdict is not None and verdict.kind == "amended" and verdict.prevails.id == new.id
    assert len([w for w in warnings_for([old, new]) if LAW in w]) == 1  # said once, by the note


# -- retrieval and answers over a small real index ------------------------------------------------
@pytest.fixture(scope="module")
def pair_engine(tmp_path_factory: pytest.TempPathFactory, pair_dir: Path) -> Any:
    from qa import PolicyQA, Settings

    base = tmp_path_factory.mktemp("versions-index")
    settings = Settings().override(index_dir=base / "index", cache_dir=base / "cache", progress=False)
    return PolicyQA.build([pair_dir], settings=settings)


def _ids(engine: Any) -> dict[str, str]:
    return {("2016" if "2016" in d.source else "2025"): d.id for d in engine.documents}


def test_an_article_number_is_read_against_the_current_text(pair_engine: Any) -> None:
    ids = _ids(pair_engine)
    answer = pair_engine.ask("《中华人民共和国网络安全法》第二十一条的内容是什么")
    assert answer.citations and {c.doc_id for c in answer.citations} == {ids["2025"]}
    assert any(c.clause.endswith("第二十一条") for c in answer.citations)
    assert "宣传教育" in answer.answer and not any("历史版本" in w for w in answer.warnings)


def test_a_historical_version_drops_out_of_retrieval(pair_engine: Any) -> None:
    ids = _ids(pair_engine)
    # words of an article the 2016 text and the 2025 text both hold (renumbered 第十条 → 第十一条)
    hits = pair_engine.search("建设、运营网络或者通过网络提供服务应当采取哪些措施", k=10)
    assert hits and {h.chunk.doc_id for h in hits} == {ids["2025"]}


@pytest.mark.parametrize("question", ["2016年版网络安全法的第二十一条的内容是什么", "网络安全法修正前的第二十一条怎么规定"])
def test_an_older_version_asked_for_is_used_with_a_warning(pair_engine: Any, question: str) -> None:
    ids = _ids(pair_engine)
    hits = pair_engine.search(question, k=5)
    assert hits[0].chunk.doc_id == ids["2016"] and hits[0].chunk.clause_label.endswith("第二十一条")
    answer = pair_engine.ask(question)
    assert answer.citations and {c.doc_id for c in answer.citations} == {ids["2016"]}
    assert "等级保护" in answer.answer
    assert any("历史版本" in w and "修改" in w for w in answer.warnings)


def test_an_article_numbered_as_the_older_text_numbers_it_is_read_there_with_a_warning(pair_engine: Any) -> None:
    # 2016 第二十一条 (等级保护, logs kept six months) is 2025 第二十三条; 2025 第二十一条 is about publicity.
    # The question's own words fit the older text's article of that number, not the current one's.
    ids = _ids(pair_engine)
    question = "按网络安全法第二十一条，运营者的网络日志至少要留存多久"
    query = pair_engine.retriever.parse(question)
    assert query.article is not None and query.article.doc_ids == (ids["2016"],) and query.version == "2017"
    answer = pair_engine.ask(question)
    assert {c.doc_id for c in answer.citations} == {ids["2016"]} and "六个月" in answer.answer
    assert any("历史版本" in w for w in answer.warnings)
    # words the current article of that number holds keep the current numbering
    current = pair_engine.retriever.parse("网络安全法第二十一条对网络安全宣传教育有什么要求")
    assert current.article is not None and current.article.doc_ids == (ids["2025"],) and current.version is None


def test_the_articles_of_two_versions_are_aligned_in_order(pair: dict[str, Document]) -> None:
    from ingest.text import compact
    from qa.versions import align_versions, counterpart

    old, new = pair["2016"], pair["2025"]
    pairs = align_versions(old, new)
    articles = lambda d: [c.id for c in d.clauses if c.level == "条"]  # noqa: E731
    # every article of each text appears once, in its own order
    assert [p.old.id for p in pairs if p.old] == articles(old)
    assert [p.new.id for p in pairs if p.new] == articles(new)
    same = [p for p in pairs if not p.changed]
    words = lambda c: compact(c.text).split("条", 1)[-1]  # noqa: E731  (the text after its 第N条 label)
    assert len(same) >= 50 and all(words(p.old) == words(p.new) for p in same)
    # the 2016 article on 等级保护 is the 2025 text's, renumbered
    level = next(c for c in old.clauses if c.level == "条" and "网络安全等级保护制度" in c.text)
    moved = counterpart(pairs, level.id)
    assert moved is not None and moved.new is not None and moved.renumbered
    assert "网络安全等级保护制度" in moved.new.text
    # the articles the amendment added have no earlier counterpart
    assert any(p.old is None for p in pairs)


def test_the_library_shows_the_two_versions_side_by_side(pair_dir: Path) -> None:
    from ingest.pipeline import ingest_paths
    from ui.render import CorpusView
    from ui.render_library import render_document

    result = ingest_paths([pair_dir], budget=None)
    view = CorpusView(result.documents, {s.path: s for s in result.sources})
    old = next(d for d in result.documents if "2016" in d.source)
    level = next(c for c in old.clauses if c.level == "条" and "网络安全等级保护制度" in c.text)
    html = render_document(old, view, (level.start, level.end))
    assert "版本对照" in html and html.count("<details class='pq-versions' open>") == 1
    here = html.split("pq-version-row pq-here", 1)[1].split("</tr>", 1)[0]
    cells = here.split("<td>")[1:]
    assert len(cells) == 2 and all("网络安全等级保护制度" in c for c in cells)  # the article, and what it became
    # a document without another version shows none
    other = CorpusView([old], {old.source: view.sources[old.source]})
    assert "版本对照" not in render_document(old, other)


# -- a rule beside the later, differently written rule that prevails over it --------------------------
def _articles(doc: Document) -> list[Any]:
    return [c for c in doc.clauses if c.level == "条"]


def _rules(engine: Any) -> tuple[Document, Document]:
    docs = {d.title: d for d in engine.data.documents}
    return docs["数据出境安全评估办法"], docs["促进和规范数据跨境流动规定"]


def test_a_later_rule_is_matched_by_matter_not_by_position(slice_engine: Any) -> None:
    from qa.versions import match_matters
    from ui.render import CorpusView

    older, newer = _rules(slice_engine)
    assert "促进和规范数据跨境流动规定" in older.meta.superseded_in_part_by
    view = CorpusView.of(slice_engine.data)
    a, b = _articles(older), _articles(newer)
    va, vb = view.article_vectors(a), view.article_vectors(b)
    assert va is not None and vb is not None
    pairs = match_matters(a, b, dense=va @ vb.T)
    found = {p.old.number: p.new.number for p in pairs if p.old and p.new}
    # the 申报 thresholds and the validity period, each rewritten and renumbered by the later rule
    assert found.get("第四条") == "第七条" and found.get("第十四条") == "第九条"
    assert [p.old for p in pairs] == a  # every older article once, in order
    assert len(set(found.values())) == len(found)  # a newer article matches at most once
    # the same matter either way round
    back = {p.old.number: p.new.number for p in match_matters(b, a, dense=vb @ va.T) if p.old and p.new}
    assert back == {v: k for k, v in found.items()}
    # the embeddings only take pairs away: two readings must agree
    words_only = {p.old.number: p.new.number for p in match_matters(a, b) if p.old and p.new}
    assert found.items() <= words_only.items()


def test_matching_by_matter_finds_what_an_amendment_kept(pair: dict[str, Document]) -> None:
    """On two versions of one law, whose correspondence the in-order alignment gives, matching by
    matter alone (order unused) pairs nearly every article the same way (an article the alignment
    finds too rewritten to pair may still be matched by matter)."""
    from qa.versions import align_versions, match_matters

    old, new = pair["2016"], pair["2025"]
    truth = {p.old.id: p.new.id for p in align_versions(old, new) if p.old and p.new}
    found = {p.old.id: p.new.id for p in match_matters(_articles(old), _articles(new)) if p.new}
    both = found.keys() & truth.keys()
    assert len(both) >= 0.9 * len(truth)
    assert sum(truth[k] == found[k] for k in both) >= 0.98 * len(both)


def test_the_library_shows_a_rule_beside_the_rule_that_prevails(slice_engine: Any) -> None:
    from ui.render import CorpusView
    from ui.render_library import render_document

    view = CorpusView.of(slice_engine.data)
    older, newer = _rules(slice_engine)
    art = {c.number: c for c in _articles(older)}
    new_art = {c.number: c for c in _articles(newer)}
    html = render_document(older, view, (art["第四条"].start, art["第四条"].end))
    assert html.count("<details class='pq-versions pq-prevailing' open>") == 1
    assert "二者不一致的，适用后者，见《促进和规范数据跨境流动规定》第十三条" in html
    here = html.split("pq-version-row pq-here", 1)[1].split("</tr>", 1)[0]
    assert "第四条" in here and f"data-clause='{new_art['第七条'].id}'" in here  # opens the newer article
    # the newer rule shows the same pairs from its side
    back = render_document(newer, view, (new_art["第七条"].start, new_art["第七条"].end))
    here = back.split("pq-version-row pq-here", 1)[1].split("</tr>", 1)[0]
    assert f"data-clause='{art['第四条'].id}'" in here
    # an article the later rule has nothing on says so
    lone = next(p for p in ("第六条", "第七条", "第八条") if p in art)
    html = render_document(older, view, (art[lone].start, art[lone].end))
    here = html.split("pq-version-row pq-here", 1)[1].split("</tr>", 1)[0]
    assert "新规定中没有内容相当的条款" in here
    # a rule no other rule prevails over shows no such block; closed when the opened article is elsewhere
    law = next(d for d in slice_engine.data.documents if d.title == "中华人民共和国个人信息保护法")
    assert "pq-prevailing" not in render_document(law, view)
    assert "<details class='pq-versions pq-prevailing'>" in render_document(older, view)


# -- evaluation: a question written against the older text -------------------------------------------
def test_an_evaluation_marks_the_gold_of_a_superseded_text_stale(pair_engine: Any, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Evidence found only in the 2016 text (an article the amendment rewrote) makes its question's gold
    stale; evidence the 2025 text kept does not, nor does a question with no evidence."""
    import argparse
    import json

    from eval.metrics import squash
    from eval.run import main

    docs = {("2016" if "2016" in d.source else "2025"): d for d in pair_engine.documents}
    current = squash("".join(c.text for c in docs["2025"].clauses))
    old = [squash(c.text) for c in docs["2016"].clauses if c.level == "条"]
    rewritten = next(t for t in old if t[6:40] not in current)  # an article the amendment changed
    kept = next(t for t in old if len(t) > 60 and t[6:60] in current)  # an article it kept, word for word
    rows = [{"id": "old", "type": "clause", "question": "网络安全法的罚则", "evidence": [rewritten[6:40]],
             "key_facts": []},
            {"id": "kept", "type": "clause", "question": "网络运营者的义务", "evidence": [kept[6:60]], "key_facts": []},
            {"id": "none", "type": "unanswerable", "question": "个人所得税怎么算", "evidence": [], "key_facts": []}]
    qfile = tmp_path / "pair.jsonl"
    qfile.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    monkeypatch.delenv("POLICYQA_EVAL_HISTORY", raising=False)
    monkeypatch.delenv("POLICYQA_EVAL_THRESHOLDS", raising=False)
    out = tmp_path / "out"
    args = argparse.Namespace(questions=str(qfile), out=str(out), baseline=None, index=None, embedder=None,
                              cache=None, split="all")
    assert main(args, pair_engine.settings, engine=pair_engine) == 0
    results = {r["id"]: r for r in map(json.loads, (out / "results.jsonl").read_text("utf-8").splitlines())}
    assert {k: r["stale_gold"] for k, r in results.items()} == {"old": True, "kept": False, "none": False}
    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    assert metrics["n_stale_gold"] == 1 and metrics["current_gold"]["n_answerable"] == 1
    # the historical text drops out of retrieval, so only the kept article's evidence can be found
    assert results["old"]["first_evidence_rank"] is None
    assert metrics["current_gold"]["evidence_recall@10"] == (results["kept"]["first_evidence_rank"] is not None)
    assert "1 answerable questions have a stale gold" in (out / "report.md").read_text("utf-8")

"""The web app's pure parts, on real answers from the slice index: HTML rendering, the clause viewer,
documents as trees, exports, feedback records, upload checks and the filter form. No browser."""

from __future__ import annotations

import doctest
import html
import importlib
import json
import re
from pathlib import Path

import pytest

from tests.conftest import shared_dir
from ui import render, render_library
from ui.export import answer_docx, answer_markdown
from ui.feedback import FeedbackLog, feedback_record
from ui.forms import filter_choices, make_filters, parse_date
from ui.uploads import check_upload, human_size, safe_filename, stage_uploads

QUESTION = "数据出境安全评估的申报情形有哪些？"
NO_ANSWER = "员工年终奖应该按什么比例缴纳个人所得税？"


@pytest.mark.parametrize("name", ["ui.uploads", "ui.export", "ui.forms", "ui.render_library", "ui.render", "qa.conversation"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.fixture(scope="module")
def view(slice_engine):
    return render.CorpusView.of(slice_engine.data)


@pytest.fixture(scope="module")
def answer(slice_engine):
    a = slice_engine.ask(QUESTION)
    assert not a.abstained and a.citations
    return a


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _squash(text: str) -> str:
    """Without whitespace: the page shows runs of blank lines as one line break."""
    return re.sub(r"\s+", "", text)


# -- the answer panel ------------------------------------------------------------------------
def test_answer_markers_are_links_to_their_citation_views(answer, view):
    out = render.render_answer(answer)
    markers = re.findall(r"data-view='c(\d+)'[^>]*>\[(\d+)\]</a>", out)
    assert markers and all(a == b for a, b in markers)
    assert {int(m) for m, _ in markers} == {c.marker for c in answer.citations}
    evidence = render.render_evidence(answer, view)
    for c in answer.citations:
        assert f"id='pq-view-c{c.marker}'" in evidence
    assert evidence.count("pq-view pq-active") == 1  # the first is shown, the rest wait for a click


def test_the_viewer_highlights_the_exact_quote_inside_its_clause_with_neighbours(slice_engine, answer, view):
    c = answer.citations[0]
    ev = render.evidence_of(answer, view)[0]
    section = render.render_clause_view(ev, view, active=True)
    marked = re.findall(r"<mark>(.*?)</mark>", section, flags=re.S)
    assert [_squash(html.unescape(m)) for m in marked] == [_squash(c.quote)]
    clause = view.clauses[c.clause_id]
    unit = view.unit_of(clause)
    before, after = view.neighbours(unit)
    text = _squash(_text(section))
    src = slice_engine.data.sources[c.source].text
    assert _squash(src[unit.start:unit.end]) in text
    for near in (before, after):
        if near is not None:
            assert _squash(src[near.start:near.end]) in text
    assert before is not None or after is not None
    doc = view.docs[c.doc_id]
    assert _squash(f"《{doc.title}》") in text and "发布机关" in text and "状态" in text
    assert _squash(f"字符 {c.start}–{c.end}") in text


def test_neighbours_are_the_adjacent_articles(view):
    doc = next(d for d in view.documents if "个人信息保护法" in d.title)
    t13 = next(c for c in doc.clauses if c.level == "条" and c.number == "第十三条")
    item = next(c for c in doc.clauses if c.parent and c.id.startswith(t13.id + ".") and c.level == "项")
    assert view.unit_of(item).id == t13.id
    before, after = view.neighbours(t13)
    assert (before.number, after.number) == ("第十二条", "第十四条")


def test_abstention_is_said_plainly_with_the_nearest_clauses(slice_engine, view):
    a = slice_engine.ask(NO_ANSWER)
    assert a.abstained and a.related
    out = render.render_answer(a)
    assert "无法回答" in out and "pq-abstain" in out and "最接近的条款（不足以作答）" in out
    assert "pq-marker" not in out
    evidence = render.render_evidence(a, view)
    assert len(re.findall(r"<section class='pq-view", evidence)) == len(a.related)
    assert all(f"data-view='r{i}'" in out for i in range(1, len(a.related) + 1))


def test_warnings_and_document_text_are_escaped(answer, view):
    from qa.types import Answer, Citation

    hostile = Answer("q", "见<script>alert(1)</script>[1]", False,
                     [Citation(1, "t", "《<b>t</b>》第一条", "x", "nowhere.txt", None, 0, 1, 1.0)],
                     warnings=["<img src=x onerror=alert(1)>"])
    out = render.render_answer(hostile)
    assert "<script>" not in out and "<img" not in out and "<b>t</b>" not in out
    assert "&lt;script&gt;" in out
    # a citation whose document is gone says so instead of failing
    ev = render.evidence_of(hostile, view)[0]
    assert "已不在索引中" in render.render_clause_view(ev, view)


def test_follow_up_note_shows_the_question_as_asked(answer):
    from qa.conversation import Rewrite

    out = render.render_answer(answer, Rewrite("《数据出境安全评估办法》申报情形，敏感个人信息", follow_up=True))
    assert "按上文理解为：《数据出境安全评估办法》申报情形，敏感个人信息" in _text(out)


# -- documents -------------------------------------------------------------------------------
def test_document_tree_holds_every_article_once_under_its_chapter(view, slice_engine):
    doc = next(d for d in view.documents if "个人信息保护法" in d.title)
    out = render_library.render_document(doc, view)
    articles = [c for c in doc.clauses if c.level == "条"]
    assert out.count("data-level='条'") == len(articles) > 70
    chapters = [c for c in doc.clauses if c.level == "章"]
    assert out.count("data-level='章'") == len(chapters) >= 8
    src = slice_engine.data.sources[doc.source].text
    text = _squash(_text(out))
    for art in articles:
        assert _squash(src[art.start:art.end]) in text
    # the chapter heading, then its articles, in document order
    first_chapter = chapters[0]
    assert text.index(_squash(src[first_chapter.start:first_chapter.start + 6])) < text.index(
        _squash(src[articles[0].start:articles[0].end]))
    assert "\n\n" not in _text(out)  # runs of blank lines are squeezed


def test_search_documents_and_rows(view):
    hits = render_library.search_documents(view.documents, "数据出境")
    assert hits and all("数据出境" in d.title or "数据出境" in d.source for d in hits)
    assert render_library.search_documents(view.documents, "") == view.documents
    assert render_library.search_documents(view.documents, "不存在的文件名xyz") == []
    row = render_library.document_row(hits[0])
    assert len(row) == len(render_library.DOC_COLUMNS) and row[0] == hits[0].title


def test_pdf_citation_view_names_the_page(tmp_path):
    from ingest.pipeline import ingest_paths

    pdf = shared_dir("pdfs") / "sunyifeisb-art__中华人民共和国数据安全法.pdf"
    result = ingest_paths([pdf])
    v = render.CorpusView(result.documents, {s.path: s for s in result.sources})
    doc = result.documents[0]
    art = next(c for c in doc.clauses if c.level == "条" and c.number == "第三十条")
    src = v.sources[doc.source]
    page = src.page_at(art.start)
    assert page and page > 1
    ev = render.Evidence("c1", "[1] " + art.label, doc.id, art.id, doc.source, art.start, art.end, None)
    out = render.render_clause_view(ev, v, active=True)
    assert f"PDF 第 {page} 页" in out
    marked = html.unescape(re.search(r"<mark>(.*?)</mark>", out, flags=re.S).group(1))
    assert _squash(marked) == _squash(src.text[art.start:art.end])


# -- export ----------------------------------------------------------------------------------
def test_markdown_export_numbers_citations_as_the_markers(answer, view):
    md = answer_markdown(answer, view.docs)
    assert md.startswith("### 问题\n\n" + QUESTION)
    for c in answer.citations:
        line = f"{c.marker}. **{c.clause}**"
        assert line in md
        block = md[md.index(line):]
        first_quote_line = next(q.strip() for q in c.quote.splitlines() if q.strip())
        assert f"   > {first_quote_line}" in block
        doc = view.docs[c.doc_id]
        unit = view.unit_of(view.clauses[c.clause_id])
        source = block[block.index("   出处："):].split("\n", 1)[0]
        # a memo's source line: document › clause path, issuer · 文号 · date · effect; no file, no offsets
        assert source.startswith(f"   出处：《{doc.title}》") and unit.number in source
        assert all(i in source for i in doc.meta.issuers) and "现行有效" in source
        assert c.source.replace("_", "\\_") not in source and str(c.start) not in source
        # the file and offsets are in the collapsed technical detail only
        tech = md[md.index("<details><summary>技术信息"):md.index("</details>")]
        assert f"[{c.marker}] {c.source}，字符 {c.start}–{c.end}".replace("_", "\\_") in tech
    for w in answer.warnings:
        assert w in md


def test_docx_export_holds_the_same_citations(answer, view, tmp_path):
    from docx import Document

    path = answer_docx(answer, tmp_path / "a.docx", view.docs)
    word = Document(str(path))
    paras = [p.text for p in word.paragraphs]
    assert QUESTION in paras
    for c in answer.citations:
        assert c.clause in paras
        assert next(q.strip() for q in c.quote.splitlines() if q.strip()) in paras
        assert any(p.startswith(f"出处：《{view.docs[c.doc_id].title}》") for p in paras)


def test_docx_export_is_a4_with_chinese_fonts(answer, view, tmp_path):
    from docx import Document
    from docx.oxml.ns import qn

    word = Document(str(answer_docx(answer, tmp_path / "a.docx", view.docs)))
    section = word.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)

    def east_asian(style: str) -> str:
        return word.styles[style].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))

    assert east_asian("Normal") == "宋体" and east_asian("Quote") == "仿宋"
    assert east_asian("Heading 2") == "黑体" and east_asian("Heading 3") == "黑体"
    headings = [p for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings and all(east_asian(p.style.name) == "黑体" for p in headings)


# -- feedback --------------------------------------------------------------------------------
def test_feedback_lines_are_questions_the_evaluator_reads(answer, slice_engine, tmp_path):
    from eval.run import load_questions

    log = FeedbackLog(tmp_path / "feedback.jsonl")
    up = log.append(feedback_record(answer.to_dict(), "up", "正确", filters={"doc_types": ["部门规章"]}))
    abstained = slice_engine.ask(NO_ANSWER)
    log.append(feedback_record(abstained.to_dict(), "up"))
    log.append(feedback_record(answer.to_dict(), "down", "漏了第七条"))
    rows = load_questions(tmp_path / "feedback.jsonl")
    assert [r["feedback"]["rating"] for r in rows] == ["up", "up", "down"]
    assert rows[0]["evidence"] == [c.quote for c in answer.citations]
    assert rows[0]["doc_titles"][0] == answer.citations[0].doc_title
    assert rows[0]["clauses"][0] == answer.citations[0].clause.split("》", 1)[1]
    assert rows[0]["feedback"]["filters"] == {"doc_types": ["部门规章"]} and rows[0]["note"] == "正确"
    assert rows[1]["type"] == "unanswerable" and rows[1]["evidence"] == []
    assert rows[2]["evidence"] == [] and rows[2]["feedback"]["comment"] == "漏了第七条"
    assert len({r["id"] for r in rows}) == 3
    assert all(not r["feedback"]["reviewed"] for r in rows)
    with pytest.raises(ValueError):
        feedback_record(answer.to_dict(), "meh")


# -- uploads ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\x.pdf", "x.pdf"),
    ("a/b/../c.TXT", "c.txt"),
    ("个人信息保护法（2021）.pdf", "个人信息保护法_2021.pdf"),
    ("rm -rf $(whoami);.pdf", "rm_-rf_whoami.pdf"),
    ("\x00\x1b[31mevil.pdf", "31mevil.pdf"),
    ("....", "upload"),
])
def test_safe_filename(name, expected):
    out = safe_filename(name)
    assert out == expected
    assert "/" not in out and "\\" not in out and not out.startswith(".")


def test_safe_filename_caps_length():
    out = safe_filename("长" * 500 + ".pdf")
    assert out.endswith(".pdf") and len(out) <= 84


def test_uploads_are_checked_and_staged_under_safe_unique_names(tmp_path):
    pdf = shared_dir("pdfs") / "sunyifeisb-art__中华人民共和国数据安全法.pdf"
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 600_000)
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    other = tmp_path / "other.txt"
    other.write_text("第一条 另一份文件。", encoding="utf-8")
    same_name = tmp_path / "same.txt"
    same_name.write_text("第一条 内容不同。", encoding="utf-8")
    dest = tmp_path / "uploads"
    staged = stage_uploads([(pdf, "../../数据安全法.pdf"), (fake, "fake.pdf"), (empty, "empty.txt"),
                            (big, "big.txt"), (exe, "tool.exe"), (other, "note.txt"), (same_name, "note.txt"),
                            (pdf, "数据安全法.pdf")], dest, max_bytes=500_000)
    reasons = dict(staged.rejected)
    assert "不是 PDF" in reasons["fake.pdf"]
    assert "空" in reasons["empty.txt"]
    assert reasons["big.txt"] == "文件太大（586 KB）：上限为 488 KB"
    assert "不支持的文件类型" in reasons["tool.exe"]
    names = sorted(p.name for p in staged.paths)
    # the PDF twice under one name (same bytes), two different note.txt under two names
    assert names == sorted(["数据安全法.pdf", "数据安全法.pdf", "note.txt", "note-2.txt"])
    assert sorted(p.name for p in dest.iterdir()) == sorted({"数据安全法.pdf", "note.txt", "note-2.txt"})
    assert all(p.parent == dest for p in staged.paths)
    assert check_upload(pdf, "x.pdf", 1024) == f"文件太大（{human_size(pdf.stat().st_size)}）：上限为 1 KB"
    assert check_upload(pdf, "x.pdf", 500_000) is None


# -- filters ---------------------------------------------------------------------------------
def test_filter_form(view):
    f = make_filters(["法律"], ["national"], ["in_force"], "2021", "2021-12")
    assert (f.date_from, f.date_to) == ("2021-01-01", "2021-12-31")
    assert f.doc_types == frozenset({"法律"})
    with pytest.raises(ValueError, match="晚于"):
        make_filters(date_from="2024-01-01", date_to="2023-01-01")
    assert parse_date("2024年3月", "date_to") == "2024-03-31"
    assert parse_date("", "date_from") is None
    choices = filter_choices(view.documents)
    values = {v for _, v in choices["doc_types"]}
    assert {"法律", "部门规章"} <= values
    assert all("（" in label for label, _ in choices["statuses"])


def test_filters_change_the_answer(slice_engine):
    f = make_filters(doc_types=["法律"])
    a = slice_engine.ask("向境外提供个人信息需要满足什么条件？", filters=f)
    docs = {d.id: d for d in slice_engine.documents}
    assert a.citations and all(docs[c.doc_id].metadata.get("doc_type") == "法律" for c in a.citations)
    b = slice_engine.ask("向境外提供个人信息需要满足什么条件？", filters=make_filters(doc_types=["部门规章"]))
    assert b.citations and all(docs[c.doc_id].metadata.get("doc_type") == "部门规章" for c in b.citations)


def test_feedback_file_is_json_lines(tmp_path, answer):
    log = FeedbackLog(tmp_path / "sub" / "feedback.jsonl")
    log.append(feedback_record(answer.to_dict(), "👍"))
    lines = Path(log.path).read_text("utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["feedback"]["rating"] == "up"


def test_update_reports():
    added = render_library.render_update({"added": [{"id": "a", "title": "<某办法>"}], "chunks_added": 12, "chunks_removed": 0,
                                  "seconds": 1.25, "documents": 6,
                                  "problems": [{"source": "x.pdf", "reason": "no text", "fix": "OCR it"}],
                                  "rejected": [{"file": "y.exe", "reason": "不支持的文件类型"}]})
    text = _text(added)
    assert "已添加 1 份文件：《<某办法>》" in text and "&lt;某办法&gt;" in added
    assert "x.pdf：无法读取——no text（OCR it）" in text and "y.exe：不支持的文件类型" in text
    assert "片段 +12 / -0 · 用时 1.2 秒 · 现有 6 份文件" in text
    failed = _text(render_library.render_update({"error": "索引未更新：格式太旧", "documents": 5}))
    assert "索引未更新：格式太旧" in failed and "没有变化" not in failed
    assert "没有变化" in _text(render_library.render_update({}))


# -- cross-reference context and the way into 文件库 ------------------------------------------------
def _citation_of(view, clause, marker: int):
    from qa.types import Citation

    doc = view.docs[clause.doc_id]
    quote = view.sources[doc.source].text[clause.start:clause.end]
    return Citation(marker, doc.title, clause.label, quote, doc.source, None, clause.start, clause.end, 1.0,
                    clause_id=clause.id, doc_id=doc.id)


def _context_of(view, clause, marker: int, ref: dict, **blank):
    """The ContextClause the engine would attach for ``clause``'s reference ``ref`` (from ingest.xref)."""
    from qa.types import ContextClause

    target = view.clauses[ref["target_id"]]
    doc = view.docs[target.doc_id]
    fields = dict(marker=marker, ref=ref["text"], doc_title=doc.title, clause=target.label,
                  quote=view.sources[doc.source].text[target.start:target.end], source=doc.source, page=None,
                  start=target.start, end=target.end, clause_id=target.id, doc_id=doc.id)
    fields.update(blank)
    return ContextClause(**fields)


@pytest.fixture(scope="module")
def referring(view):
    """An answer citing 第四条 and then 第七条第二款 of the cross-border rules, whose
    '本规定第三条' and '第四条' are given as context of citation [2]."""
    from qa.types import Answer

    doc = next(d for d in view.documents if d.title == "促进和规范数据跨境流动规定")
    by_label = {c.label: c for c in doc.clauses}
    t4 = by_label["《促进和规范数据跨境流动规定》第四条"]
    t7k2 = by_label["《促进和规范数据跨境流动规定》第七条第二款"]
    refs = [r for r in t7k2.refs if r["resolved"]][:2]
    assert [r["text"] for r in refs] == ["本规定第三条", "第四条"]
    context = [_context_of(view, t7k2, 2, refs[0]),
               _context_of(view, t7k2, 2, refs[1], clause_id="", doc_id="")]  # found by source and span
    return Answer("q", "见第四条[1]，另见第七条[2]。", False, [_citation_of(view, t4, 1), _citation_of(view, t7k2, 2)],
                  context=context)


def _li_of(fragment: str, key: str) -> str:
    """The <li data-view=key> element of a fragment, nested lists included."""
    start = fragment.rindex("<li class='pq-cite'>", 0, fragment.index(f"<div class='pq-cite-item' data-view='{key}'"))
    depth, i = 0, start
    for m in re.finditer(r"<(/?)li\b", fragment[start:]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            i = start + m.end()
            break
    return fragment[start:fragment.index(">", i) + 1]


def test_context_clauses_sit_under_the_citation_that_refers_to_them(referring, view):
    out = render.render_answer(referring)
    first, second = _li_of(out, "c1"), _li_of(out, "c2")
    assert "pq-ctx" not in first
    items = re.findall(r"<li class='pq-ctx-item' data-view='(x\d+)'.*?</li>", second, flags=re.S)
    assert items == ["x1", "x2"]
    text = _text(second)
    assert "所引条款" in text
    assert "本规定第三条 → 《促进和规范数据跨境流动规定》第三条" in text
    assert "第四条 → 《促进和规范数据跨境流动规定》第四条" in text
    assert _squash(referring.context[0].quote)[:30] in _squash(text)
    # the citation list's own labels are still one per citation
    assert out.count("class='pq-label'") == len(referring.citations)


def test_context_clauses_open_in_the_viewer_like_citations(referring, view):
    evidence = render.render_evidence(referring, view)
    sections = {m.group(1): m.group(0) for m in
                re.finditer(r"<section class='pq-view[^']*' id='pq-view-(\w+)'.*?</section>", evidence, flags=re.S)}
    assert set(sections) == {"c1", "c2", "x1", "x2"}
    assert "data-view='x1'" in sections["c2"] and "data-view='x2'" in sections["c2"]
    assert "pq-ctx" not in sections["c1"]
    for key, x in (("x1", referring.context[0]), ("x2", referring.context[1])):
        marked = re.findall(r"<mark>(.*?)</mark>", sections[key], flags=re.S)
        assert [_squash(html.unescape(m)) for m in marked] == [_squash(x.quote)]
        assert "已不在索引中" not in sections[key] and f"所引条款 · {x.clause}" in _text(sections[key])
        assert f"data-view='c2'>← [2]</a> 中“{x.ref}”所指的条款" in sections[key]  # back to the citation


def test_context_is_escaped(view):
    from qa.types import Answer, Citation, ContextClause

    hostile = "<img src=x onerror=alert(1)>"
    a = Answer("q", "见[1]", False, [Citation(1, "t", "《t》第一条", "x", "nowhere.txt", None, 0, 1, 1.0)],
               context=[ContextClause(1, hostile, "<b>t</b>", "《<b>t</b>》第二条", "<script>x</script>",
                                      "nowhere.txt", None, 0, 1)])
    for out in (render.render_answer(a), render.render_evidence(a, view)):
        assert "<img" not in out and "<b>t" not in out and "<script>" not in out
        assert "&lt;img src=x onerror=alert(1)&gt;" in out


def test_the_viewer_links_to_its_clause_in_the_document_tree(answer, view):
    c = answer.citations[0]
    ev = render.evidence_of(answer, view)[0]
    unit = view.unit_of(view.clauses[c.clause_id])
    section = render.render_clause_view(ev, view, active=True)
    link = re.search(r"<a class='pq-open-doc'[^>]*>(.*?)</a>", section).group(0)
    assert f"data-open-doc='{c.doc_id}'" in link and f"data-clause='{unit.id}'" in link
    assert f"data-start='{c.start}'" in link and f"data-end='{c.end}'" in link and "在文件库中查看全文" in link


def test_a_document_opened_at_a_span_highlights_the_clause_holding_it(view):
    doc = next(d for d in view.documents if "个人信息保护法" in d.title and "说明" not in d.title)
    t13 = next(c for c in doc.clauses if c.level == "条" and c.number == "第十三条")
    item = next(c for c in doc.clauses if c.level == "项" and c.id.startswith(t13.id + "."))
    text = view.sources[doc.source].text
    plain = render_library.render_document(doc, view)
    assert "pq-focus" not in plain and "<mark>" not in plain and "data-request" not in plain
    out = render_library.render_document(doc, view, (item.start, item.end), request="tok1")
    assert "data-request='tok1'" in out
    focus = re.findall(r"class='(?:pq-article|pq-node) pq-focus' data-focus='1' id='([^']+)'", out)
    assert focus == ["pq-clause-" + t13.id.replace(":", "-").replace(".", "-")]  # the 条, not its 项
    marked = re.findall(r"<mark>(.*?)</mark>", out, flags=re.S)
    assert [_squash(html.unescape(m)) for m in marked] == [_squash(text[item.start:item.end])]
    assert _squash(_text(out)) == _squash(_text(plain))  # the same text, only marked


def test_in_an_outline_the_deepest_item_holding_the_span_is_the_focus(view):
    doc = next(d for d in view.documents if d.title.startswith("关于《中华人民共和国个人信息保护法"))
    inner = next(c for c in doc.clauses if c.level == "outline2")
    out = render_library.render_document(doc, view, (inner.start, inner.start + 10))
    focus = re.findall(r"pq-focus' data-focus='1' id='([^']+)'", out)
    assert focus == ["pq-clause-" + inner.id.replace(":", "-").replace(".", "-")]


def test_exports_carry_the_referenced_clauses_under_their_citation(referring, view, tmp_path):
    from docx import Document

    md = answer_markdown(referring, view.docs)
    second = md[md.index("2. **"):]
    assert "所引条款" not in md[:md.index("2. **")]
    for x in referring.context:
        line = f"   所引条款：{x.ref} → **{x.clause}**"
        assert line in second
        block = second[second.index(line):]
        assert f"   > {next(q.strip() for q in x.quote.splitlines() if q.strip())}" in block
        assert "   出处：《促进和规范数据跨境流动规定》" in block
        assert f"所引 {x.clause}：{x.source}，字符 {x.start}–{x.end}".replace("_", "\\_") in md
    paras = [p.text for p in Document(str(answer_docx(referring, tmp_path / "a.docx", view.docs))).paragraphs]
    for x in referring.context:
        i = paras.index(f"所引条款：{x.ref} → {x.clause}")
        assert i > paras.index(referring.citations[1].clause)
        assert paras[i + 1] == next(q.strip() for q in x.quote.splitlines() if q.strip())

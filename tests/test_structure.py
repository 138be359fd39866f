"""Clauses parsed from real documents: levels, labels, ids and spans."""

import pytest

from ingest.documents import strip_title_lines
from ingest.structure import parse_clauses
from ingest.types import Document, SourceText


def _doc(corpus_docs, title):
    source, docs = corpus_docs["000_a6358ce5c5e8d387.txt"]
    return source, next(d for d in docs if d.title == title)


def _by_label(doc):
    return {c.label: c for c in doc.clauses}


def test_items_of_an_article_get_full_labels(corpus_docs):
    _, doc = _doc(corpus_docs, "数据出境安全评估办法")
    labels = _by_label(doc)
    item = labels["《数据出境安全评估办法》第四条第（二）项"]
    assert "100万人以上" in item.text and item.level == "项"
    assert labels["《数据出境安全评估办法》第七条第二款"].text.startswith("国家网信部门应当自收到申报材料之日起7个工作日内")
    # an article with one paragraph is cited without 第一款
    assert "《数据出境安全评估办法》第四条第一款" not in labels


def test_statute_paths_and_table_of_contents(corpus_docs):
    _, doc = _doc(corpus_docs, "中华人民共和国个人信息保护法")
    articles = [c for c in doc.clauses if c.level == "条"]
    assert len(articles) == 74
    assert [c.number for c in articles[:3]] == ["第一条", "第二条", "第三条"]
    chapters = [c for c in doc.clauses if c.level == "章"]
    assert len(chapters) == 8  # the 目录 listing is not parsed as a second set of chapters
    a13 = _by_label(doc)["《中华人民共和国个人信息保护法》第十三条第一款第（二）项"]
    assert a13.path == ("第二章 个人信息处理规则", "第一节 一般规定")
    assert a13.id.endswith(":t13.k1.x2")


def test_clause_text_is_the_source_slice_everywhere(corpus_docs):
    n = 0
    for source, docs in corpus_docs.values():
        for d in docs:
            ids = [c.id for c in d.clauses]
            assert len(ids) == len(set(ids)), d.title
            for c in d.clauses:
                assert source.text[c.start:c.end] == c.text
                assert c.text.strip()
                n += 1
    assert n > 3000


def test_policy_outline_levels(corpus_docs):
    _, doc = _doc(corpus_docs, "中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见")
    assert doc.kind == "policy"
    labels = _by_label(doc)
    c = labels["《中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见》二、（三）"]
    assert c.level == "outline2" and c.path[0].startswith("二、")


def _parse(text: str):
    source = SourceText("t.txt", text, "utf-8")
    doc = Document(id="d", title="测试条例", source="t.txt", start=0, end=len(text), line_start=1,
                   line_end=text.count("\n") + 1, kind="statute")
    return parse_clauses(source, doc, strip_title_lines(doc, source))


def test_cross_references_and_wrapped_lines_open_no_clause():
    text = (
        "测试条例\n"
        "第一条 本条例依据《中华人民共和国网络安全法》\n"
        "第二十一条的规定制定。\n"
        "第二条 违反本条例第一条规定的，依照\n"
        "第一条处理。\n"
        "第三条 本条例自公布之日起施行。\n"
    )
    articles = [c for c in _parse(text) if c.level == "条"]
    assert [c.number for c in articles] == ["第一条", "第二条", "第三条"]
    assert "第二十一条的规定制定" in articles[0].text


@pytest.mark.parametrize("sentence", ["一是加强领导，二是完善制度。", "按照GB/T 11.5.14.2的要求执行。"])
def test_numbers_inside_sentences_are_not_headings(sentence):
    text = "测试条例\n第一条 总则。\n" + sentence + "\n第二条 附则。\n"
    clauses = _parse(text)
    assert not [c for c in clauses if c.level in ("项", "目")]


def test_sub_items_and_deeper_policy_levels():
    text = (
        "测试条例\n"
        "第一条 数据处理者应当履行下列义务：\n"
        "（一）建立管理制度，包括：\n"
        "1.数据分类分级制度；\n"
        "2.应急处置制度。\n"
        "（二）开展风险评估。\n"
        "第二条 本条例自公布之日起施行。\n"
    )
    labels = {c.label for c in _parse(text)}
    assert "《测试条例》第一条第（一）项第1目" in labels and "《测试条例》第一条第（二）项" in labels

    source = SourceText("p.txt", "测试方案\n一、总体要求\n（一）目标。\n1.建设平台。\n（1）统一入口。\n（2）统一标准。\n二、保障措施\n", "utf-8")
    doc = Document(id="p", title="测试方案", source="p.txt", start=0, end=len(source.text), line_start=1,
                   line_end=8, kind="policy")
    clauses = parse_clauses(source, doc, strip_title_lines(doc, source))
    deep = next(c for c in clauses if c.level == "outline4" and c.number == "（2）")
    assert deep.label == "《测试方案》一、（一）1.（2）"
    assert deep.path == ("一、总体要求", "（一）目标", "1.建设平台")


@pytest.mark.parametrize("form", ["chinese", "arabic"])
def test_a_code_of_more_than_a_thousand_articles_keeps_every_article(form):
    # the Civil Code has 1,260 articles: 第一千条 is an article of its own, not a paragraph of 第九百九十九条
    from ingest.pipeline import parse_source
    from ingest.text import int_to_cn

    lines = ["中华人民共和国某某法典", ""]
    for i in range(1, 1261):
        lines.append(f"第{int_to_cn(i) if form == 'chinese' else i}条 第{i}号事项由有关部门依法办理。")
    docs = parse_source(SourceText("code.txt", "\n".join(lines), "utf-8"))
    articles = [c for d in docs for c in d.clauses if c.level == "条"]
    assert len(articles) == 1260
    by_label = {c.label: c for c in articles}
    assert "第1000号事项" in by_label["《中华人民共和国某某法典》第一千条"].text
    assert "第1260号事项" in by_label["《中华人民共和国某某法典》第一千二百六十条"].text


def test_an_attachment_after_the_articles_is_its_own_part_with_its_own_outline():
    text = (
        "测试审计办法\n"
        "第一条 为了规范审计，制定本办法。\n"
        "第二条 个人信息处理者应当定期审计。\n"
        "第三条 本办法自公布之日起施行。\n"
        "附件1：测试审计指引\n"
        "一、对处理规则进行审计的，应当重点审查下列事项：\n"
        "（一）是否告知处理目的；\n"
        "（二）是否取得个人同意。\n"
        "二、对委托处理进行审计的，应当审查合同。\n"
        "附件2：测试承诺书\n"
        "本单位承诺如实提供材料。\n"
    )
    clauses = _parse(text)
    # the last article ends where the attachment begins
    last = next(c for c in clauses if c.label == "《测试条例》第三条")
    assert "附件" not in last.text and "审查" not in last.text
    item = next(c for c in clauses if c.text.startswith("（二）是否取得"))
    assert item.label.endswith("附件1一、（二）") and item.level == "outline2"
    assert item.path[0] == "附件1 测试审计指引"
    second = next(c for c in clauses if "承诺" in c.text and c.level == "para")
    assert second.path == ("附件2 测试承诺书",) and second.label.endswith("附件2")
    assert [c.number for c in clauses if c.level == "条"] == ["第一条", "第二条", "第三条"]

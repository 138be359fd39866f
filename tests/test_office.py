"""Word (.docx) and HTML input: text shape, structure parsing, offsets and clear errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx  # python-docx is a dependency of the package: its absence must fail, not skip
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from ingest.docx import read_docx  # noqa: E402
from ingest.html import html_charset, read_html  # noqa: E402
from ingest.loaders import read_source  # noqa: E402
from ingest.pipeline import ingest_paths, parse_source  # noqa: E402
from ingest.types import IngestError, SourceText  # noqa: E402

DOCX_LINES = [
    "测试办法",
    "第一章 总则",
    "第一条 测试者有下列情形之一的，应当申报：",
    "（一）测试重要数据；",
    "（二）测试个人信息。",
    "第二条 申报材料应当真实、完整。",
    "第三条 本办法自发布之日起施行。",
    "事项\t说明",
    "申报\t五个工作日内",
]


def make_docx(path: Path) -> Path:
    """A law-like Word document: title, chapter, articles, items, an empty paragraph and a table."""
    d = docx.Document()
    d.add_paragraph("测试办法")
    d.add_paragraph("")
    d.add_paragraph("第一章 总则")
    d.add_paragraph("\u3000\u3000第一条 测试者有下列情形之一的，\ue0a1应当申报：")
    d.add_paragraph("（一）测试重要数据；")
    d.add_paragraph("   ")
    d.add_paragraph("（二）测试个人信息。\u200b")
    d.add_paragraph("第二条 申报材料应当真实、完整。")
    d.add_paragraph("第三条 本办法自发布之日起施行。")
    table = d.add_table(rows=2, cols=2)
    for r, row in enumerate((("事项", "说明"), ("申报", "五个工作日内"))):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.save(str(path))
    return path


HTML = """<!DOCTYPE html>
<html><head><meta charset="gbk"><title>测试办法_某某网</title>
<style>p { color: red }</style></head>
<body>
<nav><a href="/">首页</a> | <a href="/law">法规</a></nav>
<script>var x = "第九条 不应出现";</script>
<div class="content">
<h1>测试办法</h1>
<p>第一条&nbsp;&lt;测试&gt;者有下列情形之一的，
   应当申报：<br>（一）测试重要数据；<br/>（二）测试个人信息。</p>
<p>第二条 申报材料应当真实、完整。</p>
<p>第三条 本办法自发布之日起施行。</p>
<table><tr><td>事项</td><td>说明</td></tr><tr><td>申报</td><td> 五个 工作日内 </td></tr></table>
</div>
<footer>版权所有 &copy; 某某网</footer>
</body></html>
"""

HTML_LINES = [
    "测试办法",
    "第一条 <测试>者有下列情形之一的， 应当申报：",
    "（一）测试重要数据；",
    "（二）测试个人信息。",
    "第二条 申报材料应当真实、完整。",
    "第三条 本办法自发布之日起施行。",
    "事项\t说明",
    "申报\t五个 工作日内",
]


def make_html(path: Path) -> Path:
    path.write_bytes(HTML.encode("gbk"))
    return path


def check_structure(source: SourceText) -> None:
    """One document 《测试办法》 with 第一条…第三条 and the items of 第一条 as 项 clauses."""
    docs = parse_source(source)
    assert len(docs) == 1
    doc = docs[0]
    assert doc.title == "测试办法"
    labels = {c.label: c for c in doc.clauses}
    assert [c.label for c in doc.clauses if c.level == "条"] == [f"《测试办法》第{n}条" for n in "一二三"]
    assert labels["《测试办法》第二条"].text == "第二条 申报材料应当真实、完整。"
    items = [c for c in doc.clauses if c.level == "项"]
    assert [c.label for c in items] == ["《测试办法》第一条第（一）项", "《测试办法》第一条第（二）项"]
    assert items[0].parent == labels["《测试办法》第一条"].id
    assert items[1].text.startswith("（二）测试个人信息")
    for c in doc.clauses:
        assert c.text == source.text[c.start : c.end]


def test_docx_lines_and_structure(tmp_path):
    source = read_source(make_docx(tmp_path / "测试办法.docx"))
    assert source.encoding == "docx"
    assert source.text.split("\n") == DOCX_LINES
    check_structure(source)


def test_docx_word_numbering_is_rendered(tmp_path):
    """Article numbers that exist only as Word list numbering (第%1条, （%2）) appear in the text."""
    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="第%1条"/><w:suff w:val="space"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    d.add_paragraph("测试办法")
    for level, text in ((0, "为了规范测试活动，制定本办法。"), (0, "有下列情形之一的，应当申报："),
                        (1, "测试重要数据；"), (1, "测试个人信息。"), (0, "本办法自发布之日起施行。")):
        p = d.add_paragraph(text)
        p._p.get_or_add_pPr().insert(0, parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
    path = tmp_path / "numbered.docx"
    d.save(str(path))
    assert read_docx(path).text.split("\n") == [
        "测试办法",
        "第一条 为了规范测试活动，制定本办法。",
        "第二条 有下列情形之一的，应当申报：",
        "（一）测试重要数据；",
        "（二）测试个人信息。",
        "第三条 本办法自发布之日起施行。",
    ]


def test_html_gbk_lines_and_structure(tmp_path):
    source = read_source(make_html(tmp_path / "page.html"))
    assert source.encoding == "gb18030"
    assert source.text.split("\n") == HTML_LINES
    check_structure(source)


def test_htm_without_declaration_falls_back_to_guessing(tmp_path):
    p = tmp_path / "plain.htm"
    p.write_bytes("<head><title>标题</title><p>第一条 为了规范。</p><p>第二条 适用本办法。".encode("gb18030"))
    source = read_html(p)
    assert source.encoding == "gb18030" and source.text == "第一条 为了规范。\n第二条 适用本办法。"


def test_meta_charset_declarations():
    assert html_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />') == "gb18030"
    assert html_charset(b"<META CHARSET=UTF-8>") == "utf-8"
    assert html_charset(b"<p>no declaration</p>") is None


def _corrupt_docx(path: Path, good: Path) -> Path:
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize(
    "name,make,reason",
    [
        ("random.docx", lambda p, g: p.write_bytes(bytes(range(256)) * 4), "not a .docx"),
        ("old.docx", lambda p, g: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600), ".doc"),
        ("locked.docx", lambda p, g: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
                                                   + "EncryptedPackage".encode("utf-16-le")), "encrypted"),
        ("truncated.docx", lambda p, g: _corrupt_docx(p, g), "damaged"),
        ("empty.docx", lambda p, g: p.write_bytes(b""), "empty"),
        ("zip.docx", lambda p, g: zipfile.ZipFile(p, "w").writestr("a.txt", "x"), "not a Word document"),
        ("blank.docx", lambda p, g: docx.Document().save(str(p)), "no text"),
    ],
)
def test_docx_errors_name_the_file(tmp_path, name, make, reason):
    good = make_docx(tmp_path / "good.docx")
    p = tmp_path / name
    make(p, good)
    with pytest.raises(IngestError) as err:
        read_source(p)
    assert name in str(err.value) and reason in err.value.problem.reason
    assert err.value.problem.fix
    if reason in (".doc", "encrypted"):
        assert "without a password" in err.value.problem.fix and "PDF/TXT" in err.value.problem.fix


@pytest.mark.parametrize(
    "name,data,reason",
    [
        ("empty.html", b" \n", "empty"),
        ("shell.html", b"<html><head><title>x</title><script>a()</script></head><body><nav>home</nav></body>",
         "no visible text"),
    ],
)
def test_html_errors_name_the_file(tmp_path, name, data, reason):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(IngestError) as err:
        read_source(p)
    assert name in str(err.value) and reason in err.value.problem.reason


def test_ingest_folder_keeps_good_files_and_reports_the_corrupt_one(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    good = make_docx(folder / "good.docx")
    _corrupt_docx(folder / "broken.docx", good)
    html = HTML.replace("测试办法", "网页办法").encode("gbk")
    (folder / "page.html").write_bytes(html)
    result = ingest_paths([folder])
    assert [p.source for p in result.problems] == ["broken.docx"]
    assert sorted(d.title for d in result.documents) == ["测试办法", "网页办法"]
    assert sorted(s.path for s in result.sources) == ["good.docx", "page.html"]
    assert result.chunks


def test_docstring_examples():
    import doctest

    import ingest.docx
    import ingest.html

    for module in (ingest.docx, ingest.html):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0

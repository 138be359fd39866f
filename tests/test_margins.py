"""Article numbers an extractor wrote after each page's text (ingest/margins.py), put back.

The oracle: ../shared/corpus-large holds the 数据安全法 so extracted (a legal database's PDF read by
pypdf), and the bundled corpus holds the same law typed with its numbers inline. Restored, the
articles must read as the bundled ones do; the 2025 网络安全法's restored numbers must agree with
its own cross-references (第六十一条 penalises a breach of 第二十三条 and 第二十七条 …), which the
restoring never reads."""

from __future__ import annotations

import re

import pytest

from ingest.margins import restore_margin_labels, width
from ingest.markdown import read_markdown, split_front_matter
from ingest.parsing import parse_source
from ingest.plaintext import read_text
from ingest.text import cn_to_int

from .conftest import ROOT, shared_dir

_ARTICLE = re.compile(r"^\s*第([一二三四五六七八九十百零]+)条[\s\u3000]+(.*)")
_HEAD = re.compile(r"^\s*第[一二三四五六七八九十]+[章节]")


def _articles(text: str) -> dict[int, str]:
    """Each article's text, whitespace removed, by number (a chapter heading ends one)."""
    out: dict[int, str] = {}
    cur = None
    for line in text.split("\n"):
        if m := _ARTICLE.match(line):
            cur = cn_to_int(m.group(1))
            out[cur] = m.group(2)
        elif _HEAD.match(line):
            cur = None
        elif cur is not None:
            out[cur] += line
    return {k: "".join(v.split()) for k, v in out.items()}


def _laws() -> tuple[str, str]:
    folder = shared_dir("corpus-large") / "zh" / "一、国家法律、法规、规范文件"
    dsl = read_markdown(folder / "中华人民共和国数据安全法-2eb6dc9817.md").text
    csl = read_markdown(folder / "中华人民共和国网络安全法-2025修正-9b8e6275ff.md").text
    return dsl, csl


def test_the_restored_data_security_law_reads_as_the_one_typed_with_its_numbers():
    dsl, _ = _laws()
    bundled = read_text(ROOT / "corpus" / "000_a6358ce5c5e8d387.txt").text
    start = bundled.index("中华人民共和国数据安全法\n")
    typed = _articles(bundled[start:bundled.index("第五十五条", start) + 200])
    got = _articles(dsl)
    assert set(got) == set(range(1, 56)) == set(typed)
    same = [n for n in typed if got[n] == typed[n]]
    # a page's one-line paragraphs can leave which is the article open (本法所称数据… / 数据处理…):
    # the numbers are right everywhere else, and no article takes text from more than one page
    assert len(same) >= 49, sorted(set(typed) - set(same))
    for n in (1, 2, 21, 30, 35, 36, 38, 45, 48, 52):
        assert got[n] == typed[n], n


def test_the_restored_cybersecurity_law_agrees_with_its_own_cross_references():
    _, csl = _laws()
    got = _articles(csl)
    assert set(got) == set(range(1, 82))
    # what each article that refers to another says that article is about
    said = {23: "等级保护", 24: "网络产品、服务应当符合相关国家标准", 25: "网络关键设备和网络安全专用产品",
            27: "应急预案", 28: "开展网络安全认证、检测、风险评估", 29: "非法侵入他人网络", 32: "只能用于维护网络安全",
            37: "采购网络产品和服务，可能影响国家安全", 48: "对其使用网络的行为负责", 49: "用户发布的信息的管理"}
    for n, words in said.items():
        assert words in got[n], (n, got[n][:40])
    assert got[36].startswith("除本法第二十三条的规定外")
    assert got[61].startswith("网络运营者不履行本法第二十三条、第二十七条规定")


def test_a_restored_law_parses_into_its_articles_and_keeps_no_page_footer():
    folder = shared_dir("corpus-large") / "zh" / "一、国家法律、法规、规范文件"
    doc, = parse_source(read_markdown(folder / "中华人民共和国网络安全法-2025修正-9b8e6275ff.md"))
    articles = [c for c in doc.clauses if c.level == "条"]
    assert [cn_to_int(c.number[1:-1]) for c in articles] == list(range(1, 82))
    text = "".join(c.text for c in doc.clauses)
    assert "法宝引证码" not in text and "下载日期" not in text


@pytest.mark.parametrize("name, last", [("中华人民共和国数据安全法-2eb6dc9817.md", "第五十五条　本法自2021年9月1日起施行。"),
                                        ("中华人民共和国网络安全法-2025修正-9b8e6275ff.md", "第八十一条　本法自2017年6月1日起施行。")])
def test_the_last_article_ends_where_the_law_does_not_in_the_database_notes_after_it(name, last):
    folder = shared_dir("corpus-large") / "zh" / "一、国家法律、法规、规范文件"
    raw = (folder / name).read_text("utf-8")
    assert "北大法宝" in raw and "扫描二维码" in raw  # the print's closing notes are in the file …
    restored = read_markdown(folder / name).text
    assert restored.rstrip().endswith(last)  # … and not after its last article once restored
    assert "北大法宝" not in restored and "pkulaw" not in restored
    assert _articles(restored)[cn_to_int(last[1:last.index("条")])] == "".join(last.split("\u3000")[1].split())


@pytest.mark.parametrize("text", [
    "第一条　为了规范某事项，制定本法。\n第二条　本法适用于境内。\n第三条　本法自公布之日起施行。\n",
    "一、总体要求\n（一）指导思想。\n二、主要任务\n",
    "",
])
def test_a_text_numbered_inline_or_without_articles_is_left_alone(text):
    assert restore_margin_labels(text) is None


def test_every_other_file_of_both_corpora_is_left_alone():
    files = [*shared_dir("corpus-large").rglob("*.md"), *(ROOT / "corpus").glob("*.txt")]
    restored = {f.name for f in files
                if restore_margin_labels(split_front_matter(f.read_text("utf-8", errors="replace"))[1]) is not None}
    assert restored == {"中华人民共和国数据安全法-2eb6dc9817.md", "中华人民共和国网络安全法-2025修正-9b8e6275ff.md"}


def test_a_page_whose_paragraphs_are_fewer_than_its_numbers_leaves_the_text_as_it_was():
    page = ["为了规范某事项，保障安全，促进发展，保护个人和组织的合法权", "益，制定本法。"]
    margin = ["第一条", "第一条", "第二条", "第二条", "第三条", "第三条", "1", "/", "2"]
    assert restore_margin_labels("\n".join(page + margin)) is None


def test_width_counts_a_chinese_character_as_two_latin_ones():
    assert width("数据2021") == 4.0 and width("（一）") == 3.0

"""Page furniture on real PDFs: tiled watermarks, running headers and page-number footers dropped,
a case collection split into its cases, and real law PDFs read exactly as without the new rules.

Every PDF is read with the real pdfplumber. The watermarked case collection is made with reportlab
(tests/fixtures_pdf/watermarked_cases.py); a watermark is stamped over the real law PDFs of
../shared/pdfs with pypdfium2 (tests/fixtures_pdf/overlay.py). Each watermark style is dropped by one
rule alone, and controls show the watermark coming through when that rule is switched off.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
from pathlib import Path

import pytest

import ingest.pdf as pdf
from ingest.documents import split_documents
from ingest.pdf import FurnitureRules, read_pdf
from ingest.pipeline import ingest_paths
from ingest.types import SourceText

from .conftest import shared_dir
from .fixtures_pdf import watermarked_cases as fx
from .fixtures_pdf.overlay import TEXT as STAMP
from .fixtures_pdf.overlay import add_watermark

# The rule each watermark style needs, switched off (for the control that the rule is what drops it).
RULE_OFF = {
    "rotated": {"max_tilt_degrees": 360.0},
    "light": {"light_min": float("inf")},
    "large": {"overlay_size_ratio": float("inf")},
}
ALL_OFF = {k: v for off in RULE_OFF.values() for k, v in off.items()}
WATERMARK = fx.WATERMARK.replace(" ", "")


def need_reportlab() -> None:
    """reportlab builds the fixtures; it is in the ``test`` extra, so CI (which installs it) fails without it."""
    if importlib.util.find_spec("reportlab") is None:
        if os.environ.get("CI"):
            pytest.fail("reportlab is missing: install the test extra, pip install -e '.[test]'")
        pytest.skip("reportlab is not installed (pip install -e '.[test]')")


def expected_lines() -> list[str]:
    """The body as read back: one paragraph a line, the blank inside a CJK heading removed."""
    return [re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", p) for p in fx.body_paragraphs()]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    need_reportlab()
    base = tmp_path_factory.mktemp("watermarked")
    return {style: fx.build(base / f"{style}.pdf", style) for style in fx.STYLES}


def watermark_chars_in(text: str) -> int:
    """How many characters of ``text`` are watermark characters beyond those the body itself has."""
    body = "".join(fx.body_paragraphs())
    return sum(max(0, text.count(ch) - body.count(ch)) for ch in set(WATERMARK))


def test_fixture_is_what_it_claims(pdfs: dict[str, Path]) -> None:
    """≥3 pages, each with the header, the footer and the tiled watermark as characters pdfplumber sees."""
    import pdfplumber

    assert fx.page_count() >= 3
    for style, path in pdfs.items():
        assert path.stat().st_size < 200_000
        with pdfplumber.open(path) as doc:
            assert len(doc.pages) == fx.page_count()
            for page in doc.pages:
                text = "".join(c["text"] for c in page.chars)
                assert fx.HEADER in text and re.search(r"第 ?\d+ ?页 ?共", text)
                marks = [c for c in page.chars if c["text"] == WATERMARK[0]]
                assert len(marks) >= 4, style  # tiled, not printed once


@pytest.mark.parametrize("style", fx.STYLES)
def test_watermark_header_footer_dropped(pdfs: dict[str, Path], style: str) -> None:
    st = read_pdf(pdfs[style])
    assert st.text.split("\n") == expected_lines()
    assert watermark_chars_in(st.text) == 0
    assert fx.HEADER not in st.text and not re.search(r"第\s*\d+\s*页|共\s*\d+\s*页", st.text)
    # pages: one start per page, each case heading on the page it is printed on
    assert len(st.page_starts) == fx.page_count()
    starts = [st.text.index(line) for line in expected_lines() if line.startswith("案例")]
    assert [st.page_at(s) for s in starts] == fx.heading_pages()


@pytest.mark.parametrize("style", sorted(RULE_OFF))
def test_each_rule_is_what_drops_its_watermark(
    pdfs: dict[str, Path], style: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the one rule a style needs switched off, its watermark comes through (the others stay on)."""
    monkeypatch.setattr(pdf, "FURNITURE", dataclasses.replace(FurnitureRules(), **RULE_OFF[style]))
    assert watermark_chars_in(read_pdf(pdfs[style]).text) > 10


def test_a_body_set_all_in_light_grey_is_kept(tmp_path: Path) -> None:
    """A rule that would drop most of the document's text describes its body: light grey body text
    stays, while the rotated watermark over it still goes."""
    need_reportlab()
    st = read_pdf(fx.build(tmp_path / "grey.pdf", "rotated", body_gray=0.8))
    assert st.text.split("\n") == expected_lines()


def test_white_text_on_a_dark_fill_is_kept(tmp_path: Path) -> None:
    need_reportlab()
    st = read_pdf(fx.build_white_on_dark(tmp_path / "banner.pdf"))
    assert st.text.split("\n")[0] == fx.BANNER
    assert fx.CASES[0][1][-1] in st.text
    assert watermark_chars_in(st.text.replace(fx.BANNER, "")) == 0


def test_cases_become_documents(pdfs: dict[str, Path]) -> None:
    st = read_pdf(pdfs["all"])
    docs = split_documents(st)
    assert [d.title for d in docs] == [heading.split(" ", 1)[1] for heading, _ in fx.CASES]
    for doc, (heading, paras) in zip(docs, fx.CASES):
        text = st.text[doc.start:doc.end]
        assert text.startswith(heading.replace(" ", "")) and text.endswith(paras[-1])
        assert all(p in text for p in paras)


def test_cases_through_the_pipeline_keep_exact_spans(pdfs: dict[str, Path]) -> None:
    result = ingest_paths([pdfs["all"]])
    assert not result.problems
    assert sorted(d.title for d in result.documents) == sorted(h.split(" ", 1)[1] for h, _ in fx.CASES)
    source = result.sources[0]
    for doc in result.documents:
        assert doc.clauses
        for c in doc.clauses:
            assert source.text[c.start:c.end] == c.text
            assert c.page == source.page_at(c.start)
    for chunk in result.chunks:
        assert source.text[chunk.start:chunk.end] == chunk.text
        assert WATERMARK[:4] not in chunk.text


# ---- real law PDFs: nothing of their text is lost ---------------------------------------------------

# Recorded with the reader as it was before the overlay rules: characters and articles of the WPS export.
OPENSCI = "opensci-hub__中华人民共和国网络安全法.pdf"
OPENSCI_CHARS = 10068
OPENSCI_ARTICLES = 79


@pytest.fixture(scope="module")
def clean_texts() -> dict[str, SourceText]:
    """The shared law PDFs as read now."""
    return {p.name: read_pdf(p) for p in sorted(shared_dir("pdfs").glob("*.pdf"))}


def test_real_pdfs_read_as_without_the_overlay_rules(
    clean_texts: dict[str, SourceText], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = sorted(shared_dir("pdfs").glob("*.pdf"))
    assert len(paths) == len(clean_texts) >= 4
    now = [clean_texts[p.name] for p in paths]
    monkeypatch.setattr(pdf, "FURNITURE", dataclasses.replace(FurnitureRules(), **ALL_OFF))
    before = [read_pdf(p) for p in paths]
    assert [(s.text, s.page_starts) for s in now] == [(s.text, s.page_starts) for s in before]
    opensci = now[[p.name for p in paths].index(OPENSCI)]
    assert abs(len(opensci.text) - OPENSCI_CHARS) <= 10
    numbers = re.findall(r"^第([一二三四五六七八九十百零]+)条", opensci.text, re.M)
    assert len(numbers) == len(set(numbers)) == OPENSCI_ARTICLES


# Every style over the WPS export; over the others the upright light one (their pages carry filled
# rectangles, white or patterned, that must not count as a dark ground for light text).
STAMPED = [(OPENSCI, style) for style in ("rotated", "light", "large", "all")] + [
    (name, "light")
    for name in ("magicpi-securitylaw__中华人民共和国网络安全法.pdf", "sunyifeisb-art__中华人民共和国个人信息保护法.pdf",
                 "sunyifeisb-art__中华人民共和国数据安全法.pdf")
]


@pytest.mark.parametrize(("name", "style"), STAMPED)
def test_a_watermark_stamped_over_a_real_law_pdf_changes_nothing(
    tmp_path: Path, clean_texts: dict[str, SourceText], name: str, style: str
) -> None:
    import pdfplumber

    stamped = add_watermark(shared_dir("pdfs") / name, tmp_path / "stamped.pdf", style)
    with pdfplumber.open(stamped) as doc:
        assert "".join(c["text"] for c in doc.pages[0].chars).count(STAMP) == 18  # tiled 3 × 6
    st = read_pdf(stamped)
    assert (st.text, st.page_starts) == (clean_texts[name].text, clean_texts[name].page_starts)


def test_the_stamp_comes_through_without_the_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stamped = add_watermark(shared_dir("pdfs") / OPENSCI, tmp_path / "stamped.pdf", "all")
    monkeypatch.setattr(pdf, "FURNITURE", dataclasses.replace(FurnitureRules(), **ALL_OFF))
    assert read_pdf(stamped).text.count("C") >= 18


# ---- case collections as text: the other heading forms -----------------------------------------------

CASE_BODY = "当事人：{}。\n经查，当事人的行为违反了《中华人民共和国广告法》第二十八条的规定，本局决定处罚款{}万元。\n"


def split(text: str) -> list[tuple[str, str]]:
    """(title, first line) of each document of ``text``."""
    src = SourceText("cases.txt", text, "utf-8")
    return [(d.title, src.text[d.start:d.end].split("\n", 1)[0]) for d in split_documents(src)]


def test_outline_numbered_cases_split() -> None:
    text = "2023年典型案例\n" + "".join(
        f"{n}、{party}虚假宣传案\n" + CASE_BODY.format(party, i + 1)
        for i, (n, party) in enumerate(zip("一二三", ("甲公司", "乙公司", "丙商店")))
    )
    assert split(text) == [("甲公司虚假宣传案", "一、甲公司虚假宣传案"), ("乙公司虚假宣传案", "二、乙公司虚假宣传案"),
                           ("丙商店虚假宣传案", "三、丙商店虚假宣传案")]


def test_bracket_numbered_decisions_split() -> None:
    text = "".join(
        f"（{n}）某区市场监督管理局对{party}的行政处罚决定书\n" + CASE_BODY.format(party, 2)
        for n, party in zip("一二", ("甲公司", "乙公司"))
    )
    assert [t for t, _ in split(text)] == ["某区市场监督管理局对甲公司的行政处罚决定书", "某区市场监督管理局对乙公司的行政处罚决定书"]


def test_bare_case_numbers_take_the_next_line_as_title() -> None:
    text = "".join(f"案例{n}\n{party}未明码标价案\n" + CASE_BODY.format(party, 1)
                   for n, party in zip("一二", ("甲公司", "乙公司")))
    assert split(text) == [("甲公司未明码标价案", "案例一"), ("乙公司未明码标价案", "案例二")]


def test_doc_number_lines_split_under_their_title_lines() -> None:
    text = "".join(
        f"某市市场监督管理局\n行政处罚决定书\n某市监处罚〔2023〕{no}号\n" + CASE_BODY.format(party, 3)
        + "某市市场监督管理局\n2023年5月6日\n"
        for no, party in ((12, "甲公司"), (15, "乙公司"))
    )
    docs = split(text)
    assert docs == [("某市市场监督管理局行政处罚决定书", "某市市场监督管理局")] * 2
    src = SourceText("cases.txt", text, "utf-8")
    second = split_documents(src)[1]
    assert src.text[second.start:].startswith("某市市场监督管理局\n行政处罚决定书\n某市监处罚〔2023〕15号")
    assert src.text[:second.start].rstrip().endswith("2023年5月6日")


def test_policy_outline_and_unnumbered_runs_are_not_cases() -> None:
    """一、…方案 headings are an outline, not cases; 案例一 … 案例三 without 案例二 is no run."""
    outline = "某某实施方案\n一、工作方案\n各单位应当按照要求开展工作。\n二、应急预案\n各单位应当制定预案。\n"
    assert [t for t, _ in split(outline)] == ["某某实施方案"]
    gap = "".join(f"案例{n} {p}案\n" + CASE_BODY.format(p, 1) for n, p in zip("一三", ("甲公司违法", "乙公司违法")))
    assert len(split(gap)) == 1


def test_a_table_of_contents_is_not_the_cases() -> None:
    """目录 lists 案例一 … 案例三 before the cases themselves: the cases are split at their headings."""
    names = ("甲公司虚假宣传案", "乙公司销售假冒商品案", "丙商店未明码标价案")
    toc = "典型案例汇编\n目录\n" + "".join(f"案例{n} {name}\n" for n, name in zip("一二三", names))
    cases = "".join(f"案例{n} {name}\n" + CASE_BODY.format(name[:3], 2) * 3 for n, name in zip("一二三", names))
    docs = split(toc + cases)
    assert [t for t, _ in docs][-3:] == list(names)
    assert [first for _, first in docs][-3:] == [f"案例{n} {name}" for n, name in zip("一二三", names)]


def test_examples_late_in_a_report_do_not_split_it() -> None:
    """A report that ends with two worked examples is one document, not a case collection."""
    report = "数据要素市场发展研究报告\n一、总体情况\n" + "各地积极推进数据要素市场建设，取得明显成效。\n" * 20
    examples = "".join(f"案例{n} {p}数据授权运营\n{p}建立了授权运营平台。\n该平台汇聚了多个部门的数据。\n"
                       for n, p in zip("一二", ("甲市", "乙市")))
    assert [t for t, _ in split(report + examples)] == ["数据要素市场发展研究报告"]

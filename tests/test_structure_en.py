"""Clauses of English legislation: articles, numbered sections, paragraphs, points; tables of
contents, references, recitals and page furniture that must open nothing; the real files of the
foreign corpus (GDPR, UK DPA 2018, CCPA/CPRA, India DPDP, Brazil LGPD) against their true counts."""

import re
from pathlib import Path

import pytest

from ingest.structure_en import looks_like_english_legislation, parse_english_clauses
from ingest.types import Clause, Document, SourceText

FOREIGN = Path(__file__).resolve().parents[1].parent / "shared" / "corpus-large" / "foreign"


def _parse(text: str, title: str = "Test Act") -> list[Clause]:
    source = SourceText("t.md", text, "utf-8")
    doc = Document(id="d", title=title, source="t.md", start=0, end=len(text), line_start=1,
                   line_end=text.count("\n") + 1, kind="other")
    clauses = parse_english_clauses(source, doc)
    _check_spans(source, clauses)
    return clauses


def _parse_file(relative: str) -> tuple[SourceText, list[Clause]]:
    path = FOREIGN / relative
    if not path.exists():
        pytest.skip(f"{path} is not here")
    text = path.read_text(encoding="utf-8")
    first = text.split("\n", 1)[0]
    title = first.lstrip("# ").strip()  # "# General Data Protection Regulation (GDPR) - Official Full Text"
    source = SourceText(str(path), text, "utf-8")
    doc = Document(id="f", title=title, source=str(path), start=0, end=len(text), line_start=1,
                   line_end=text.count("\n") + 1, kind="other")
    clauses = parse_english_clauses(source, doc, len(first) if first.startswith("# ") else None)
    _check_spans(source, clauses)
    return source, clauses


def _check_spans(source: SourceText, clauses: list[Clause]) -> None:
    """The invariants of every parse: text is the span, children lie in their parents (which
    come first), ids are unique."""
    by_id: dict[str, Clause] = {}
    for c in clauses:
        assert c.id not in by_id, c.id
        assert source.text[c.start:c.end] == c.text and c.text.strip(), c.id
        if c.parent is not None:
            parent = by_id[c.parent]
            assert parent.start <= c.start and c.end <= parent.end, (c.id, parent.id)
        by_id[c.id] = c


def _labels(clauses: list[Clause]) -> dict[str, Clause]:
    return {c.label: c for c in clauses}


def _units(clauses: list[Clause]) -> list[str]:
    return [c.number for c in clauses if c.level == "条"]


# ---------------------------------------------------------------------------------------------
# Each construct on a tiny text


GDPR_STYLE = """CHAPTER IV
Controller and processor

Section 2
Security of personal data

Article 32
Security of processing

1. The controller shall implement appropriate measures, including:

(a) the pseudonymisation and encryption of personal data;

(b) the ability to ensure the confidentiality of processing systems.

Article 33
Notification of a personal data breach to the supervisory authority

1. The controller shall notify the breach not later than 72 hours after becoming aware of it.

2. The processor shall notify the controller without undue delay.

3. The notification shall at least:

(a) describe the nature of the breach, including:

(i) the categories of data subjects;

(ii) the approximate number of records;

(b) describe the measures taken.

The controller shall document any personal data breaches.
"""


def test_article_heading_paragraphs_points_and_sub_points():
    clauses = _parse(GDPR_STYLE, "General Data Protection Regulation")
    labels = _labels(clauses)
    a33 = labels["《General Data Protection Regulation》Article 33"]
    assert (a33.level, a33.number, a33.id) == ("条", "Article 33", "d:t33")
    assert a33.path == ("CHAPTER IV Controller and processor", "Section 2 Security of personal data")
    para = labels["《General Data Protection Regulation》Article 33(1)"]
    assert (para.level, para.number, para.parent) == ("款", "(1)", "d:t33") and "72 hours" in para.text
    point = labels["《General Data Protection Regulation》Article 33(3)(a)"]
    assert (point.level, point.number, point.id, point.parent) == ("项", "(a)", "d:t33.k3.xa", "d:t33.k3")
    sub = labels["《General Data Protection Regulation》Article 33(3)(a)(ii)"]
    assert (sub.level, sub.number, sub.id) == ("目", "(ii)", "d:t33.k3.xa.mii")
    assert sub.text == "(ii) the approximate number of records;"
    # text after a list goes with the paragraph that introduced the list, not with its last point
    assert "document any personal" in labels["《General Data Protection Regulation》Article 33(3)"].text
    assert "document any" not in labels["《General Data Protection Regulation》Article 33(3)(b)"].text
    heading = labels["《General Data Protection Regulation》Section 2"]
    assert (heading.level, heading.id, heading.parent) == ("节", "d:z4j2", "d:z4")
    assert [c.level for c in clauses if c.level in "编章节"] == ["章", "节"]


def test_letter_spaced_headings_of_a_pdf_conversion_are_read():
    text = GDPR_STYLE.replace("Section 2\nSecurity of personal data", "S e cti on 2\n\nSe cur it y o f p er so na l da t a")
    a32 = _labels(_parse(text))["《Test Act》Article 32"]
    assert a32.path == ("CHAPTER IV Controller and processor", "Section 2 Security of personal data")


def test_uk_numbered_sections_with_subsections():
    text = (
        "PART 2\n\nGENERAL PROCESSING\n\n"
        "Exemptions etc\n"
        "25 Manual unstructured data\n"
        "(1) This section applies to data held by—\n"
        "(a) a public authority, or\n"
        "(b) a Scottish public authority as mentioned in\n"
        "(3) and (4) of section 24.\n"
        "(2) The controller is exempt from the obligations.\n"
        "26 National security and defence exemption\n"
        "(1) A provision mentioned in subsection (2) does not apply if—\n"
        "(i) under section 246 of that Act,\n"
        "(ii) under Part 1 of the Local Government Act 2007.\n"
    )
    clauses = _parse(text, "Data Protection Act 2018")
    assert _units(clauses) == ["Section 25", "Section 26"]
    labels = _labels(clauses)
    b = labels["《Data Protection Act 2018》Section 25(1)(b)"]
    assert b.text.endswith("(3) and (4) of section 24.")  # a wrapped "(3)" opens no subsection
    assert labels["《Data Protection Act 2018》Section 25(2)"].parent == "d:t25"
    assert labels["《Data Protection Act 2018》Section 26(1)(ii)"].level == "项"  # roman as the second level
    s25 = labels["《Data Protection Act 2018》Section 25"]
    assert s25.path == ("PART 2 GENERAL PROCESSING",) and "Exemptions etc" not in s25.text


def test_schedule_paragraphs_are_numbered_afresh():
    text = (
        "1 Overview\n(1) This Act makes provision about personal data.\n"
        "2 Short title\nThis Act may be cited as the Data Protection Act 2018.\n\n"
        "SCHEDULE 1 Section 10\n\nSPECIAL CATEGORIES OF PERSONAL DATA\n\nPART 1\n\nCONDITIONS\n\n"
        "1 (1) This condition is met if—\n(a) the processing is necessary, and\n(b) it is lawful.\n"
        "(2) See also Part 4 of this Schedule.\n"
        "2 This condition is met if the processing is necessary for health purposes.\n"
    )
    clauses = _parse(text, "Data Protection Act 2018")
    assert _units(clauses) == ["Section 1", "Section 2", "Schedule 1 paragraph 1", "Schedule 1 paragraph 2"]
    labels = _labels(clauses)
    item = labels["《Data Protection Act 2018》Schedule 1 paragraph 1(1)(a)"]
    assert item.id == "d:s1.t1.k1.xa" and item.path == ("SCHEDULE 1 SPECIAL CATEGORIES OF PERSONAL DATA",
                                                        "PART 1 CONDITIONS")
    assert labels["《Data Protection Act 2018》SCHEDULE 1"].level == "编"
    assert labels["《Data Protection Act 2018》PART 1"].level == "章"  # a Part inside a Schedule


def test_us_code_sections():
    text = (
        "1798.100. General Duties of Businesses that Collect Personal Information\n\n"
        "(a) A business shall, at or before the point of collection, inform consumers of the following:\n\n"
        "(1) The categories of personal information to be collected.\n\n"
        "(A) Sub one.\n\n(B) Sub two.\n\n"
        "(2) The purposes for which it is used, as set out in Section\n"
        "1798.185.\n\n"
        "(b) A business that controls the collection of personal information.\n\n"
        "1798.105. Consumers' Right to Delete Personal Information\n\n"
        "(a) (1) A consumer shall have the right to request deletion.\n\n"
        "(2) A business shall disclose that right.\n\n"
        "1798.199.10.\n\n(a) There is hereby established the California Privacy Protection Agency.\n"
    )
    clauses = _parse(text, "California Consumer Privacy Act")
    assert _units(clauses) == ["1798.100", "1798.105", "1798.199.10"]  # "1798.185." ends a sentence
    labels = _labels(clauses)
    sub = labels["《California Consumer Privacy Act》1798.100(a)(1)(B)"]
    assert (sub.level, sub.id) == ("目", "d:t1798_100.ka.x1.mB")
    assert labels["《California Consumer Privacy Act》1798.100(b)"].level == "款"
    inline = labels["《California Consumer Privacy Act》1798.105(a)(1)"]  # "(a) (1) …" on one line
    assert inline.text.startswith("(1) A consumer") and inline.parent == "d:t1798_105.ka"
    assert "《California Consumer Privacy Act》1798.105(a)(2)" in labels


def test_section_word_and_section_sign_and_markdown():
    text = (
        "# An Act\n\n## Section 5. Definitions\n(a) \"Consumer\" means a natural person.\n\n"
        "**§ 6.** Exemptions\n(a) This title shall not apply.\n"
    )
    clauses = _parse(text)
    assert _units(clauses) == ["Section 5", "Section 6"]
    assert _labels(clauses)["《Test Act》Section 6(a)"].text == "(a) This title shall not apply."
    md_articles = _parse("## Article 5 – Principles\n1. Data shall be:\n(a) processed lawfully.\n\n"
                         "**Article 6**\n**Lawfulness of processing**\n1. Processing is lawful if:\n(a) consent.\n")
    assert _units(md_articles) == ["Article 5", "Article 6"]
    assert "《Test Act》Article 6(1)(a)" in _labels(md_articles)


def test_a_table_of_contents_is_skipped():
    contents = "Contents\n" + "".join(f"Article {n}\nTitle of article {n}\n" for n in range(1, 6))
    body = "".join(f"Article {n}\nTitle of article {n}\n\n1. Text of article {n}.\n\n" for n in range(1, 6))
    text = contents + "\nCHAPTER I\nGeneral provisions\n\n" + body
    clauses = _parse(text)
    assert _units(clauses) == [f"Article {n}" for n in range(1, 6)]
    toc_end = text.index("CHAPTER I")
    assert all(c.start >= toc_end for c in clauses)  # the contents belong to no clause
    assert all(f"Text of article {n}." in c.text for n, c in enumerate((c for c in clauses if c.level == "条"), 1))
    # the same for numbered sections listed with dot leaders and page numbers
    listing = "Contents\n1798.100. General Duties.......... 3\n1798.105. Right to Delete.......... 4\n\nPage 1 of 9\n"
    sections = ("1798.100. General Duties\n\n(a) A business shall inform consumers.\n\n"
                "1798.105. Right to Delete\n\n(a) A consumer may request deletion.\n")
    clauses = _parse(listing + sections)
    assert _units(clauses) == ["1798.100", "1798.105"]
    assert all(c.start >= len(listing) for c in clauses)


@pytest.mark.parametrize("reference", [
    "Article 6(1) of Regulation (EU) 2016/679 applies.",
    "Article 39 by providing resources necessary to carry out those tasks.",
    "Article 3\nand in the cases listed there.",
    "Article 98\nMember States shall notify.",
])
def test_a_reference_at_a_line_start_opens_no_clause(reference):
    text = ("Article 1\nSubject-matter\n\n1. The controller shall support the officer in the tasks referred to in\n"
            f"{reference}\n\n2. Member States shall provide.\n\nArticle 2\nScope\n\nThis Regulation applies.\n")
    clauses = _parse(text)
    assert _units(clauses) == ["Article 1", "Article 2"]
    assert reference.split("\n")[0] in _labels(clauses)["《Test Act》Article 1(1)"].text


def test_recitals_are_paragraphs_before_the_articles():
    text = (
        "THE EUROPEAN PARLIAMENT AND THE COUNCIL OF THE EUROPEAN UNION,\n\n"
        "Having regard to the Treaty, and in particular Article 16 thereof,\n\n"
        "Whereas:\n\n"
        "(1) The protection of natural persons is a fundamental right. Article 8(1) of the Charter\n"
        "provides for it.\n\n"
        "(2) The principles should respect their fundamental rights.\n\n"
        "Article 2\n\n"  # a line in a recital that looks like a heading
        "(3) Directive 95/46/EC seeks to harmonise the protection.\n\n"
        "HAVE ADOPTED THIS REGULATION:\n\n"
        "CHAPTER I\n\nGeneral provisions\n\nArticle 1\n\nSubject-matter\n\n1. This Regulation lays down rules.\n\n"
        "Article 2\n\nMaterial scope\n\n1. This Regulation applies.\n\n"
        "This Regulation shall be binding in its entirety.\n\nDone at Brussels, 27 April 2016.\n"
    )
    clauses = _parse(text)
    assert _units(clauses) == ["Article 1", "Article 2"]
    recitals = [c for c in clauses if c.number.startswith("Recital")]
    assert [(c.level, c.number, c.label, c.id) for c in recitals[:1]] == [("para", "Recital 1", "《Test Act》Recital 1", "d:r1")]
    assert len(recitals) == 3 and "Article 2" in recitals[1].text
    first_article = next(c for c in clauses if c.level == "条")
    assert all(c.start < first_article.start for c in recitals)
    assert "shall be binding" not in _labels(clauses)["《Test Act》Article 2(1)"].text  # the closing formula


def test_page_furniture_and_footnotes_are_ignored():
    text = (
        "Article 1\n\nSubject-matter\n\n"
        "1. This Regulation applies to processing by the bodies referred to in Regulation (EU) 2015/1535 (1), including:\n\n"
        "(a) the pseudonymisation of personal data;\n\n"
        "(1) Directive (EU) 2015/1535 of the European Parliament (OJ L 241, 17.9.2015, p. 1).\n"
        "L 119/52 EN Official Journal of the European Union 4.5.2016\n\n"
        "(b) the ability to restore the availability of data.\n"
        "4.5.2016 EN Official Journal of the European Union L 119/53\n\n"
        "2. It shall apply from 25 May 2018.\n"
    )
    clauses = _parse(text)
    labels = _labels(clauses)
    assert [c.number for c in clauses if c.level == "项"] == ["(a)", "(b)"]  # the footnote "(1)" is no point
    assert labels["《Test Act》Article 1(1)(b)"].text == "(b) the ability to restore the availability of data."
    assert labels["《Test Act》Article 1(2)"].level == "款"
    assert not any("Official Journal" in c.text[:40] for c in clauses)


def test_brazilian_paragraphs_and_items():
    text = (
        "CHAPTER I\nPRELIMINARY PROVISIONS\n\n"
        "Article 3. This Law applies to any processing operation, provided that:\n"
        "I – the processing operation is carried out in the national territory;\n"
        "II – the processing activity is aimed at offering goods:\n"
        "a) to individuals; or\nb) to companies.\n"
        "Paragraph 1. Personal data is considered to be collected in the national territory.\n"
        "Paragraph 2. The processing of data is excepted. (Included by Law No. 13,853/2019)\n"
        "Article 4. (vetoed)\n"
        "Article 4-A. The National Authority is created.\n"
        "Sole paragraph. The provisions are of national interest.\n"
    )
    clauses = _parse(text, "LGPD")
    assert _units(clauses) == ["Article 3", "Article 4", "Article 4-A"]
    labels = _labels(clauses)
    assert labels["《LGPD》Article 3, item II(b)"].level == "目"
    assert labels["《LGPD》Article 3, item I"].level == "项"
    assert labels["《LGPD》Article 3, paragraph 2"].level == "款"
    assert labels["《LGPD》Article 4-A, sole paragraph"].id == "d:t4_A.ksole"


def test_a_summary_file_gives_paragraphs_only():
    text = (
        "Jurisdiction: United Kingdom\nRegion: UK\n\n"
        "## Summary\nUK data protection regime built around UK GDPR principles.\n\n"
        "## Key compliance obligations\n"
        "- Follow UK GDPR principles: lawfulness, fairness and transparency (Article 5).\n"
        "- Provide privacy information and support individual rights.\n"
        "1. Notify breaches within 72 hours.\n"
    )
    clauses = _parse(text, "UK GDPR and Data Protection Act 2018")
    assert clauses and {c.level for c in clauses} == {"para"}
    assert any(c.text.startswith("Summary\nUK data protection regime") for c in clauses)
    assert _parse("") == [] and _parse("\n\n   \n") == []


def test_the_detector():
    assert looks_like_english_legislation(GDPR_STYLE)
    assert not looks_like_english_legislation("## Summary\nA law about data.\n\n## Key obligations\n- Comply.\n")
    assert not looks_like_english_legislation("第一条 为了规范数据处理活动。\n第二条 本法适用。\n第三条 施行。\n")


# ---------------------------------------------------------------------------------------------
# The real files


def test_gdpr_full_text():
    source, clauses = _parse_file("eu/eu-gdpr-2016-fulltext.md")
    articles = [c for c in clauses if c.level == "条"]
    assert [c.number for c in articles] == [f"Article {n}" for n in range(1, 100)]
    labels = _labels(clauses)
    book = "《General Data Protection Regulation (GDPR) - Official Full Text》"
    a33 = labels[f"{book}Article 33"]
    assert "72 hours" in a33.text and a33.path == ("CHAPTER IV Controller and processor",
                                                   "Section 2 Security of personal data")
    p1 = labels[f"{book}Article 33(1)"]
    assert p1.parent == a33.id and p1.text.startswith("1. In the case of a personal data breach") and "72 hours" in p1.text
    assert [c.number for c in clauses if c.parent == a33.id] == ["(1)", "(2)", "(3)", "(4)", "(5)"]
    assert [c.number for c in clauses if c.parent == labels[f"{book}Article 33(3)"].id] == ["(a)", "(b)", "(c)", "(d)"]
    assert labels[f"{book}Article 57(1)(v)"].text.startswith("(v) fulfil any other tasks")  # letters (i), (v) after (h), (u)
    assert [c.number for c in clauses if c.level == "章"] == [f"CHAPTER {r}" for r in
                                                             ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI")]
    assert len([c for c in clauses if c.level == "节"]) == 15
    recitals = [c for c in clauses if c.number.startswith("Recital")]
    assert [c.number for c in recitals] == [f"Recital {n}" for n in range(1, 174)]
    assert recitals[-1].end < articles[0].start < source.text.index("Article 1\n\nSubject-matter") + 1
    assert not any("Official Journal" in c.text for c in recitals[:3])  # footnotes and page headers left out


def test_uk_dpa_2018_full_text():
    _, clauses = _parse_file("uk/uk-dpa-2018-fulltext.md")
    units = _units(clauses)
    main = [u for u in units if u.startswith("Section ")]
    assert main == [f"Section {n}" for n in range(1, 216)]  # the contents' "1 Overview … 215" are skipped
    paragraphs: dict[int, list[int]] = {}
    for u in units[215:]:
        m = re.fullmatch(r"Schedule (\d+) paragraph (\d+)", u)
        assert m, u
        paragraphs.setdefault(int(m.group(1)), []).append(int(m.group(2)))
    last = {1: 41, 2: 28, 3: 21, 4: 6, 5: 7, 6: 75, 7: 56, 8: 9, 9: 6, 10: 9, 11: 14, 12: 12, 13: 3, 14: 10,
            15: 19, 16: 9, 17: 4, 18: 7, 19: 434, 20: 61}
    assert {s: ns for s, ns in paragraphs.items()} == {s: list(range(1, n + 1)) for s, n in last.items()}
    assert len(units) == 215 + sum(last.values()) == 1046
    assert [c.number for c in clauses if c.level == "编"] == [f"PART {n}" for n in range(1, 8)] + \
        [f"SCHEDULE {n}" for n in range(1, 21)]
    labels = _labels(clauses)
    book = "《Data Protection Act 2018 - Official Full Text》"
    s3 = labels[f"{book}Section 3(4)(f)"]
    assert s3.text.startswith("(f) restriction, erasure or destruction") and s3.level == "项"
    assert labels[f"{book}Section 7(3)(f)(iii)"].level == "目"
    sch = labels[f"{book}Schedule 1 paragraph 2(2)(a)"]
    assert sch.text == "(a) preventive or occupational medicine," and sch.path[0].startswith("SCHEDULE 1 SPECIAL")
    assert not any(c.text.startswith("131 Data Protection Act") for c in clauses)  # page headers open nothing


def test_ccpa_full_text():
    source, clauses = _parse_file("us-ca/us-ca-ccpa-cpra-fulltext.md")
    listing = source.text[source.text.index("Contents"):source.text.index("Page 2 of 65")]
    contents = re.findall(r"^(1798\.[\d.]+?)\.\s", listing, re.MULTILINE)  # the entries of its table of contents
    assert len(contents) == 45
    units = _units(clauses)
    assert units == contents
    keys = [tuple(int(p) for p in u.split(".")) for u in units]
    assert keys == sorted(keys) and len(set(keys)) == 45
    labels = _labels(clauses)
    book = "《California Consumer Privacy Act as amended by CPRA - Official Full Text》"
    assert labels[f"{book}1798.150"].text.startswith("1798.150. Personal Information Security Breaches")
    assert labels[f"{book}1798.100(a)(1)"].level == "项"
    assert labels[f"{book}1798.140(ad)"].level == "款"  # after (z): (aa) … (ad)
    assert [c.number for c in clauses if c.parent == labels[f"{book}1798.145"].id] == \
        [f"({x})" for x in "abcdefghijklmnopqr"]


def test_india_and_brazil_full_texts():
    _, india = _parse_file("in/india-dpdp-2023-fulltext.md")
    assert _units(india) == [f"Section {n}" for n in range(1, 45)]  # 21's heading runs over two lines
    assert _labels(india)["《Digital Personal Data Protection Act, 2023 - Official Full Text》Section 2(zb)"]
    _, lgpd = _parse_file("br/brazil-lgpd-2018-fulltext.md")
    lettered = [f"55-{x}" for x in "ABCDEFGHIJKLM"]
    expected = [str(n) for n in range(1, 56)] + lettered + ["56", "57", "58", "58-A", "58-B"] + \
        [str(n) for n in range(59, 66)]
    assert _units(lgpd) == [f"Article {n}" for n in expected]


def test_summary_files_of_the_corpus_have_no_units():
    if not FOREIGN.is_dir():
        pytest.skip(f"{FOREIGN} is not here")
    summaries = [p for p in sorted(FOREIGN.glob("*/*.md")) if "fulltext" not in p.name]
    assert len(summaries) > 50
    for path in summaries:
        _, clauses = _parse_file(str(path.relative_to(FOREIGN)))
        assert clauses and {c.level for c in clauses} == {"para"}, path.name

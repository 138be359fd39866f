"""PDF ingest on real law PDFs, checked article by article against the text corpus."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import struct
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("ingest") is None:  # run from a clone that is not pip-installed
    sys.path.insert(0, str(REPO))

from ingest.pdf import read_pdf  # noqa: E402
from ingest.types import IngestError, SourceText  # noqa: E402

PDF_DIR = REPO.parent / "shared" / "pdfs"
CORPUS = REPO / "corpus" / "000_a6358ce5c5e8d387.txt"

# file → (law title as in the corpus, number of articles of that law)
PDFS = {
    "magicpi-securitylaw__中华人民共和国网络安全法.pdf": ("中华人民共和国网络安全法", 79),
    "opensci-hub__中华人民共和国网络安全法.pdf": ("中华人民共和国网络安全法", 79),
    "sunyifeisb-art__中华人民共和国个人信息保护法.pdf": ("中华人民共和国个人信息保护法", 74),
    "sunyifeisb-art__中华人民共和国数据安全法.pdf": ("中华人民共和国数据安全法", 55),
}
MIN_MATCH = 0.98

_CN = "一二三四五六七八九十百零"
ARTICLE = re.compile(rf"^\s*第([{_CN}]+)条")
HEADING = re.compile(rf"^\s*第[{_CN}]+[章节编]")
POLICY_MARK = re.compile(r"^第\d+条政策\s*$")
# Reprint furniture that follows the last article in the corpus copies (editor credits, appended draft notes).
CORPUS_TAIL = re.compile(r"^\s*(?:责任编辑|编\s*辑|责\s*编|草案说明)")
FOOTNOTE_REF = re.compile(r"\[\d+\]")
CJK = r"\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"


def cn_int(s: str) -> int:
    """Chinese numeral below 1000 → int (independent of the code under test)."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    total, cur = 0, 0
    for ch in s:
        if ch in digits:
            cur = digits[ch]
        elif ch == "十":
            total, cur = total + (cur or 1) * 10, 0
        elif ch == "百":
            total, cur = total + (cur or 1) * 100, 0
    return total + cur


def split_articles(text: str) -> list[tuple[str, str]]:
    """``(number, text without whitespace)`` per article; an article ends at the next article or heading."""
    arts: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in text.split("\n"):
        m = ARTICLE.match(line)
        if m:
            current = [line]
            arts.append((m.group(1), current))
        elif HEADING.match(line) or CORPUS_TAIL.match(line):
            current = None
        elif current is not None:
            current.append(line)
    return [(num, re.sub(r"\s+", "", FOOTNOTE_REF.sub("", "".join(lines)))) for num, lines in arts]


def corpus_law(title: str) -> str:
    """The first copy of a law in the corpus: from its title line after a 第N条政策 marker to the next marker."""
    lines = CORPUS.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if not POLICY_MARK.match(line):
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and lines[j].strip() == title:
            k = j + 1
            while k < len(lines) and not POLICY_MARK.match(lines[k]):
                k += 1
            return "\n".join(lines[j:k])
    raise AssertionError(f"{title} not found in {CORPUS.name}")


@pytest.fixture(scope="module")
def pdf_dir() -> Path:
    if not PDF_DIR.is_dir():
        msg = f"real test PDFs not found at {PDF_DIR} (expected shared/pdfs beside the repository)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return PDF_DIR


@pytest.fixture(scope="module")
def extracted(pdf_dir: Path) -> dict[str, tuple[SourceText, int, float]]:
    """Each PDF read once: ``name → (SourceText, page count, seconds)``."""
    import pdfplumber

    out = {}
    for name in PDFS:
        path = pdf_dir / name
        started = time.perf_counter()
        st = read_pdf(path)
        seconds = time.perf_counter() - started
        with pdfplumber.open(path) as pdf:
            n_pages = len(pdf.pages)
        out[name] = (st, n_pages, seconds)
    return out


@pytest.mark.parametrize("name", list(PDFS))
def test_articles_match_corpus_text(extracted: dict, name: str) -> None:
    title, n_articles = PDFS[name]
    st = extracted[name][0]
    pdf_arts = split_articles(st.text)
    numbers = [cn_int(num) for num, _ in pdf_arts]
    assert numbers == list(range(1, n_articles + 1)), (
        f"{name}: articles are not 第一条..第{n_articles}条 without gaps or duplicates: "
        f"missing {sorted(set(range(1, n_articles + 1)) - set(numbers))}, "
        f"duplicated {sorted({n for n in numbers if numbers.count(n) > 1})}, got {len(numbers)}"
    )
    corpus_arts = dict(split_articles(corpus_law(title)))
    pdf_by_num = dict(pdf_arts)
    missing = sorted(set(corpus_arts) - set(pdf_by_num), key=cn_int)
    assert not missing, f"{name}: articles in the corpus text but not in the PDF: {missing}"
    shared = [num for num, _ in pdf_arts if num in corpus_arts]
    assert len(shared) >= 0.9 * n_articles, f"{name}: only {len(shared)} articles shared with the corpus"
    differ = [num for num in shared if pdf_by_num[num] != corpus_arts[num]]
    rate = 1 - len(differ) / len(shared)
    examples = "; ".join(f"第{n}条 PDF={pdf_by_num[n][:40]}… corpus={corpus_arts[n][:40]}…" for n in differ[:3])
    print(f"{name}: {len(pdf_arts)} articles, {len(shared) - len(differ)}/{len(shared)} identical ({rate:.1%})")
    assert rate >= MIN_MATCH, (
        f"{name}: {len(shared) - len(differ)}/{len(shared)} shared articles identical ({rate:.1%}); "
        f"differing: {differ}; {examples}"
    )


@pytest.mark.parametrize("name", list(PDFS))
def test_output_shape_and_pages(extracted: dict, name: str) -> None:
    st, n_pages, _ = extracted[name]
    text = st.text
    assert st.encoding == "pdf" and st.path.endswith(name)
    assert "第第" not in text, "fake-bold doubled characters left in the text"
    assert "法宝引证码" not in text and "CLI.1." not in text
    assert not re.search(r"https?://|www\.|下载日期|北大法宝", text), "web-print furniture left in the text"
    assert not re.search(r"[\ue000-\uf8ff]", text), "private-use characters left in the text"
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", text), "control characters left in the text"
    assert not re.search(rf"(?<=[{CJK}])[ \u3000]+(?=[{CJK}])", text.replace("条 ", "条").replace("章 ", "章")
                         .replace("节 ", "节")), "blank space between CJK characters"
    assert not re.search(r"^\s*[0-9]+\s*$|^-\s*[0-9]+\s*-$|^第\s*[0-9]+\s*页", text, re.M), "page numbers left in"
    lines = text.split("\n")
    assert all(line.strip() for line in lines), "empty lines in the output"
    for line in lines:
        if ARTICLE.match(line):
            assert re.match(rf"^第[{_CN}]+条 \S", line), f"article line not shaped '第X条 text': {line[:30]!r}"
    assert not any(re.fullmatch(rf"第[{_CN}]+条", line) for line in lines), "article number left alone on a line"
    assert any(re.fullmatch(r"第一章 总则", line) for line in lines), "heading 第一章 总则 not on its own line"

    starts = st.page_starts
    assert len(starts) == n_pages and starts[0] == 0
    assert all(a < b for a, b in zip(starts, starts[1:])), f"page_starts not strictly increasing: {starts}"
    assert starts[-1] <= len(text)
    offsets = [m.start() for m in re.finditer(rf"^第[{_CN}]+条 ", text, re.M)]
    assert st.page_at(offsets[0]) in (1, 2)
    assert st.page_at(offsets[-1]) in (n_pages - 1, n_pages)
    pages = [st.page_at(o) for o in offsets]
    assert pages == sorted(pages), "articles' pages go backwards"


def split_paragraphs(text: str) -> dict[str, list[str]]:
    """Article number → its paragraphs (lines), each without whitespace."""
    arts: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.split("\n"):
        m = ARTICLE.match(line)
        if m:
            current = arts.setdefault(m.group(1), [])
        elif HEADING.match(line) or CORPUS_TAIL.match(line):
            current = None
        if current is not None:
            s = re.sub(r"\s+", "", FOOTNOTE_REF.sub("", line))
            if s:
                current.append(s)
    return arts


# The WPS export has lost the breaks between the paragraphs of an article, so it is not compared here.
@pytest.mark.parametrize("name", [n for n in PDFS if not n.startswith("opensci-hub")])
def test_paragraph_breaks_match_corpus(extracted: dict, name: str) -> None:
    """Lines are re-joined into exactly the paragraphs (款/项) of the text version."""
    pdf = split_paragraphs(extracted[name][0].text)
    corpus = split_paragraphs(corpus_law(PDFS[name][0]))
    shared = [n for n in corpus if n in pdf]
    differ = [n for n in shared if pdf[n] != corpus[n]]
    rate = 1 - len(differ) / len(shared)
    detail = "; ".join(f"第{n}条: PDF {len(pdf[n])} paragraphs, corpus {len(corpus[n])}" for n in differ[:5])
    assert rate >= MIN_MATCH, f"{name}: paragraphs identical in {rate:.1%} of articles; {detail}"


def test_hard_wraps_rejoined(extracted: dict) -> None:
    """Sentences wrapped across lines (and across a page break) come out as one line."""
    word = extracted["magicpi-securitylaw__中华人民共和国网络安全法.pdf"][0].text.split("\n")
    assert ("第一条 为了保障网络安全，维护网络空间主权和国家安全、社会公共利益，保护公民、法人和其他组织的合法权益，"
            "促进经济社会信息化健康发展，制定本法。") in word
    wps = extracted["opensci-hub__中华人民共和国网络安全法.pdf"][0].text.split("\n")
    assert "第二条 在中华人民共和国境内建设、运营、维护和使用网络，以及网络安全的监督管理，适用本法。" in wps
    web = extracted["sunyifeisb-art__中华人民共和国数据安全法.pdf"][0]
    line = next(x for x in web.text.split("\n") if x.startswith("第八条 "))
    assert line.endswith("遵守商业道德和职业道德，诚实守信，履行数据安全保护义务，承担社会责任，"
                         "不得危害国家安全、公共利益，不得损害个人、组织的合法权益。")
    assert web.page_at(web.text.index("第八条 ")) == 2 and web.page_at(web.text.index("道德，诚实守信，履行数据")) == 3


def test_display_name(pdf_dir: Path) -> None:
    st = read_pdf(pdf_dir / "sunyifeisb-art__中华人民共和国数据安全法.pdf", display_name="laws/数据安全法.pdf")
    assert st.path == "laws/数据安全法.pdf"


def test_speed_logged(extracted: dict) -> None:
    pages = sum(n for _, n, _ in extracted.values())
    seconds = sum(s for _, _, s in extracted.values())
    print(f"PDF extraction: {pages} pages in {seconds:.1f}s = {pages / seconds:.1f} pages/s")
    assert seconds < 40, f"PDF extraction too slow: {pages} pages in {seconds:.1f}s"


# ---- error cases -------------------------------------------------------------------------------

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = bytearray()
    for b in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(b ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def make_encrypted_pdf(path: Path, user_pw: bytes = b"secret", owner_pw: bytes = b"owner") -> None:
    """A one-page PDF encrypted with the standard security handler (RC4 40-bit, R2) and a user password."""
    file_id = hashlib.md5(b"policyqa-test").digest()
    perms = -44
    o_key = hashlib.md5((owner_pw + _PAD)[:32]).digest()[:5]
    o_entry = _rc4(o_key, (user_pw + _PAD)[:32])
    key = hashlib.md5((user_pw + _PAD)[:32] + o_entry + struct.pack("<i", perms) + file_id).digest()[:5]
    u_entry = _rc4(key, _PAD)
    content = b"BT /F1 24 Tf 72 720 Td (Secret law text) Tj ET"
    obj_key = hashlib.md5(key + (4).to_bytes(3, "little") + (0).to_bytes(2, "little")).digest()[:10]
    stream = _rc4(obj_key, content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (o_entry.hex().encode(), u_entry.hex().encode(), perms),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for no, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % no + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    fid = file_id.hex().encode()
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 6 0 R /ID [<%s> <%s>] >>\n" % (len(objects) + 1, fid, fid)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))


def _image_pdf(p: Path) -> None:
    from PIL import Image

    Image.new("RGB", (200, 200), "white").save(p, "PDF")


def _half_pdf(p: Path) -> None:
    data = (PDF_DIR / "opensci-hub__中华人民共和国网络安全法.pdf").read_bytes()
    p.write_bytes(data[: len(data) // 2])


def _first_2000_bytes(p: Path) -> None:
    p.write_bytes((PDF_DIR / "magicpi-securitylaw__中华人民共和国网络安全法.pdf").read_bytes()[:2000])


ERROR_CASES = {
    "not_pdf": (lambda p: p.write_bytes(b"hello"), "not a PDF"),
    "empty": (lambda p: p.write_bytes(b""), "empty"),
    "truncated_2000": (_first_2000_bytes, "truncated"),
    "cut_in_half": (_half_pdf, "truncated"),
    "half_with_fake_eof": (lambda p: (_half_pdf(p), p.write_bytes(p.read_bytes() + b"\n%%EOF\n")), "damaged"),
    "garbage_body": (lambda p: p.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"), "damaged"),
    "image_only": (_image_pdf, "OCR"),
    "encrypted": (make_encrypted_pdf, "password"),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors(tmp_path: Path, request: pytest.FixtureRequest, case: str) -> None:
    make, reason = ERROR_CASES[case]
    if case in ("truncated_2000", "cut_in_half", "half_with_fake_eof"):
        request.getfixturevalue("pdf_dir")  # built from a real PDF
    path = tmp_path / f"{case}.pdf"
    make(path)
    with pytest.raises(IngestError) as info:
        read_pdf(path)
    message = str(info.value)
    assert str(path) in message, f"error does not name the file: {message}"
    assert reason.lower() in info.value.problem.reason.lower(), message
    assert info.value.problem.fix, "error gives no fix"


def test_encrypted_fixture_is_a_real_encrypted_pdf(tmp_path: Path) -> None:
    """The hand-made encrypted PDF opens with its password, so the failure above is about the password."""
    import pdfplumber

    path = tmp_path / "enc.pdf"
    make_encrypted_pdf(path)
    with pdfplumber.open(path, password="secret") as pdf:
        assert "Secret law text" in pdf.pages[0].extract_text()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="nope.pdf"):
        read_pdf(tmp_path / "nope.pdf")


# ---- synthetic PDF: furniture the real files do not have ---------------------------------------


def make_cjk_pdf(
    path: Path, pages: list[list[tuple[float, float, float, str]]], width: int = 595, height: int = 842
) -> None:
    """A PDF whose text is drawn with a CID font mapped 1:1 to Unicode (no glyphs embedded).

    ``pages`` is a list of pages, each a list of ``(x, y, size, text)`` with y from the bottom.
    """
    cmap = ["/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange"]
    for block in range(0, 256, 100):
        hi = range(block, min(block + 100, 256))
        cmap.append(f"{len(hi)} beginbfrange")
        cmap += [f"<{h:02X}00> <{h:02X}FF> <{h:02X}00>" for h in hi]
        cmap.append("endbfrange")
    cmap.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    tounicode = "\n".join(cmap).encode()
    n_pages = len(pages)
    # objects: 1 catalog, 2 pages, 3 font, 4 cidfont, 5 descriptor, 6 tounicode, then (page, content) pairs
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (7 + 2 * i) for i in range(n_pages)), n_pages),
        3: b"<< /Type /Font /Subtype /Type0 /BaseFont /TestSong /Encoding /Identity-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 6 0 R >>",
        4: b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /TestSong /FontDescriptor 5 0 R /DW 1000 "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
        5: b"<< /Type /FontDescriptor /FontName /TestSong /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0 "
        b"/Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
        6: b"<< /Length %d >>\nstream\n" % len(tounicode) + tounicode + b"\nendstream",
    }
    for i, lines in enumerate(pages):
        ops = b"".join(
            b"BT /F1 %g Tf 1 0 0 1 %g %g Tm <%s> Tj ET\n" % (size, x, y, text.encode("utf-16-be").hex().encode())
            for x, y, size, text in lines
        )
        objs[7 + 2 * i] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % (width, height, 8 + 2 * i)
        )
        objs[8 + 2 * i] = b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"endstream"
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for no in sorted(objs):
        offsets[no] = len(out)
        out += b"%d 0 obj\n" % no + objs[no] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[no] for no in sorted(objs))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))


def test_synthetic_page_furniture_and_invisible_chars(tmp_path: Path) -> None:
    """Page numbers (- 1 -, 第 2 页, 3), a URL/timestamp header, a running header equal to the title,
    private-use and control characters, a fake-bold heading, a lone article number, an item wrapped
    over a page break and items run into one line."""
    header = "https://example.com/law.html  2024/5/1 10:30"
    pages = [
        [(40, 815, 9, header),
         (243.5, 760, 18, "示例数据条例"),
         (250, 720, 12, "第一章 总 则"), (250.3, 720, 12, "第一章 总 则"),
         (114, 690, 12, "第一条"),
         (90, 666, 12, "为了规范数据处理活动\uf06c，保障数据安全，促进数据开发利用，保护个人、组"),
         (90, 642, 12, "织的合法权益，制定本条例。"),
         (114, 618, 12, "第二条 本条例下列用语的含义："),
         (114, 594, 12, "（一）数据，是指任何以电子或者其他方式对信息的记录；"),
         (114, 570, 12, "（二）数据处理，包括数据的收集、存储、使用、加工、传输、提"),
         (285, 40, 10, "- 1 -")],
        [(260, 815, 9, "示例数据条例"),
         (90, 780, 12, "供、公开等活动。"),
         (114, 756, 12, "第三条 本条例自2024年1月1日起施行。"),
         (280, 40, 10, "第 2 页")],
        [(260, 815, 9, "示例数据条例"),
         (114, 780, 12, "第四条 任何组织、个人\x07不得利用数据从事违法活动。"),
         (114, 756, 12, "第五条 本条例用语：（一）甲，是指甲；（二）乙，是指乙。"),
         (295, 40, 10, "3")],
    ]
    path = tmp_path / "synthetic.pdf"
    make_cjk_pdf(path, pages)
    st = read_pdf(path)
    assert st.text.split("\n") == [
        "示例数据条例",
        "第一章 总则",
        "第一条 为了规范数据处理活动，保障数据安全，促进数据开发利用，保护个人、组织的合法权益，制定本条例。",
        "第二条 本条例下列用语的含义：",
        "（一）数据，是指任何以电子或者其他方式对信息的记录；",
        "（二）数据处理，包括数据的收集、存储、使用、加工、传输、提供、公开等活动。",
        "第三条 本条例自2024年1月1日起施行。",
        "第四条 任何组织、个人不得利用数据从事违法活动。",
        "第五条 本条例用语：",
        "（一）甲，是指甲；",
        "（二）乙，是指乙。",
    ]
    assert st.page_starts == (0, st.text.index("供、公开等活动"), st.text.index("第四条"))
    assert [st.page_at(st.text.index(s)) for s in ("第一条", "第二条", "第三条", "第四条", "第五条")] == [1, 1, 2, 3, 3]

"""Word .docx → ``SourceText``, in the same shape as the plain-text laws.

The document body is walked with python-docx's XML tree, in body order, one paragraph per line
(``\\n``), so chapter headings (``第一章 总则``), articles (``第一条 …``) and items (``（一）…``)
start their own lines and the structure parser treats them like text or PDF input. A table row
becomes a line with its cells joined by a tab. Word auto-numbering (``第%1条`` with Chinese
counting, ``（%1）`` …) is rendered into the text, because in many law documents the article
numbers exist only as numbering.
"""

from __future__ import annotations

import io
import logging
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .encoding import read_bytes
from .text import drop_invisible, int_to_cn
from .types import IngestError, SourceText

log = logging.getLogger(__name__)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DOCX_FIX = "save it as .docx without a password, or as PDF/TXT"


def _clean_line(line: str) -> str:
    """A line without invisible characters, tabs as blanks, and no blank ends."""
    return drop_invisible(line).replace("\t", " ").strip()


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Elements whose children are read as if they stood in their parent's place.
_WRAPPERS = {f"{_W}{t}" for t in ("sdt", "sdtContent", "customXml", "smartTag", "hyperlink", "ins",
                                  "moveTo", "fldSimple", "dir", "bdo")} | {f"{_MC}AlternateContent", f"{_MC}Choice"}


# A paragraph that already starts with its own 第X条/章 or （一） marker keeps it alone.
_MARKED = re.compile(r"^(?:第[一二三四五六七八九十百千零〇两0-9]+[编章节条款项]|[（(][一二三四五六七八九十0-9]+[)）])")


def looks_like_docx(head: bytes, path: Path) -> bool:
    """Whether a file that starts with ``head`` is a .docx: a ZIP archive (``PK`` and a readable
    central directory at the end of ``path``)."""
    return head.startswith(b"PK") and zipfile.is_zipfile(path)


def read_docx(path: str | Path, display_name: str | None = None) -> SourceText:
    """Extract the text of a Word .docx file as one paragraph (or table row) per line.

    Raises :class:`IngestError` for a missing, empty, non-ZIP, damaged, encrypted,
    old-format (.doc) or text-less file.
    """
    p = Path(path)
    source = display_name or str(path)
    started = time.perf_counter()
    data = read_bytes(p, source)
    _check_docx_bytes(data, source)
    body, numbering = _open_docx(data, source)
    lines = [ln for ln in _block_lines(body, numbering) if ln]
    if not lines:
        raise IngestError(source, "no text in the document (empty, or only images/text boxes)",
                          "if it holds scanned pages run OCR on them, or supply a PDF/TXT version")
    text = "\n".join(lines)
    log.info("%s: %d lines, %d characters, %.2fs", source, len(lines), len(text), time.perf_counter() - started)
    return SourceText(path=source, text=text, encoding="docx")


def _check_docx_bytes(data: bytes, source: str) -> None:
    """Reject empty, OLE (encrypted OOXML or old .doc) and non-ZIP files before parsing."""
    if not data:
        raise IngestError(source, "the file is empty (0 bytes)", "replace it with the complete document or remove it")
    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            reason = "the .docx is encrypted with a password (it is an OLE container, not a ZIP)"
        else:
            reason = "it is an old Word .doc (OLE) file or an encrypted .docx, not a .docx (ZIP) file"
        raise IngestError(source, reason, _DOCX_FIX)
    if not data.startswith(b"PK"):
        kind = ("it looks like RTF" if data.lstrip().startswith(b"{\\rtf")
                else "it looks like HTML/XML" if data.lstrip()[:1] == b"<"
                else f"it starts with {data[:8]!r}")
        raise IngestError(source, f"not a .docx file: no ZIP signature ({kind})", _DOCX_FIX)


def _open_docx(data: bytes, source: str) -> tuple[Any, "_Numbering"]:
    """The body element and numbering of a .docx; package errors become IngestError."""
    import docx  # imported here so that text-only ingest does not need python-docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            bad = zf.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise IngestError(source, f"the .docx is damaged or truncated: not a readable ZIP archive ({exc})",
                          "obtain an intact copy, or open and re-save it in Word/WPS") from exc
    except Exception as exc:  # zlib.error and friends from a damaged member
        raise IngestError(source, f"the .docx is damaged ({type(exc).__name__}: {exc})",
                          "obtain an intact copy, or open and re-save it in Word/WPS") from exc
    if bad is not None:
        raise IngestError(source, f"the .docx is damaged: member {bad} fails its CRC check",
                          "obtain an intact copy, or open and re-save it in Word/WPS")
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise IngestError(source, "a ZIP archive but not a Word document (no word/ part)", _DOCX_FIX)
    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        numbering = _Numbering.load(document)
    except Exception as exc:  # python-docx/lxml raise many types for damaged packages
        raise IngestError(source, f"the .docx cannot be parsed ({type(exc).__name__}: {exc})",
                          "open and re-save it in Word/WPS as .docx, or supply a PDF/TXT version") from exc
    return body, numbering


def _children(el: Any, tag: str) -> Iterator[Any]:
    """Children of ``el`` with ``tag``, looking through content controls and custom XML."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tag)


def _block_lines(container: Any, numbering: "_Numbering") -> Iterator[str]:
    """Lines of the paragraphs and tables of a body, cell or content control, in order."""
    for child in container:
        if child.tag == f"{_W}p":
            prefix = numbering.prefix(child)
            for i, part in enumerate(_para_text(child).split("\n")):
                line = _clean_line(part)
                if i == 0 and prefix and line and not _MARKED.match(line):
                    line = prefix + line
                if line:
                    yield line
        elif child.tag == f"{_W}tbl":
            yield from _table_lines(child, numbering)
        elif child.tag in _WRAPPERS:
            yield from _block_lines(child, numbering)


def _table_lines(tbl: Any, numbering: "_Numbering") -> Iterator[str]:
    """One line per row, non-empty cells joined by a tab.

    A row with a single non-empty cell (a layout table holding the whole text)
    yields that cell's lines one by one instead, keeping its paragraph structure.
    """
    for tr in _children(tbl, f"{_W}tr"):
        cells = [[ln for ln in _block_lines(tc, numbering) if ln] for tc in _children(tr, f"{_W}tc")]
        cells = [c for c in cells if c]
        if len(cells) == 1:
            yield from cells[0]
        elif cells:
            yield "\t".join(" ".join(c) for c in cells)


def _para_text(el: Any) -> str:
    """Visible text of a paragraph (or run container); breaks as ``\\n``, deletions left out."""
    parts: list[str] = []
    for child in el:
        tag = child.tag
        if tag == f"{_W}r":
            for r in child:
                rt = r.tag
                if rt == f"{_W}t":
                    parts.append(r.text or "")
                elif rt in (f"{_W}tab", f"{_W}ptab"):
                    parts.append("\t")
                elif rt in (f"{_W}br", f"{_W}cr"):
                    parts.append("\n")
                elif rt == f"{_W}noBreakHyphen":
                    parts.append("-")
                elif rt == f"{_MC}AlternateContent":
                    parts.append(_para_text(r))
        elif tag in _WRAPPERS:
            parts.append(_para_text(child))
    return "".join(parts)


# Word numbering -------------------------------------------------------------------

_CN_DIGITS = "〇一二三四五六七八九"
_CN_LEGAL = str.maketrans("一二三四五六七八九十百千", "壹贰叁肆伍陆柒捌玖拾佰仟")
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def _roman(n: int) -> str:
    out = []
    for value, sym in _ROMAN:
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """A counter value in a Word ``numFmt``; unknown formats fall back to decimal.

    >>> format_number(12, "chineseCounting"), format_number(3, "decimalEnclosedCircle")
    ('十二', '③')
    """
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "taiwaneseCountingThousand", "koreanCounting"):
        return int_to_cn(n) if 0 <= n < 10000 else str(n)
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join(_CN_DIGITS[int(d)] for d in str(n))
    if fmt == "chineseLegalSimplified":
        return int_to_cn(n).translate(_CN_LEGAL) if 0 <= n < 10000 else str(n)
    if fmt in ("ideographTraditional",) and 1 <= n <= 10:
        return _TIANGAN[n - 1]
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalEnclosedCircle" and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt in ("lowerLetter", "upperLetter") and n >= 1:
        s = _letters(n)
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman") and n >= 1:
        s = _roman(n)
        return s.upper() if fmt == "upperRoman" else s
    return str(n)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    suffix: str = "tab"


@dataclass
class _Numbering:
    """Word list definitions and running counters, to render ``第%1条``-style numbers."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)  # abstractNumId → ilvl → level
    nums: dict[str, tuple[str, dict[int, int]]] = field(default_factory=dict)  # numId → (abstract, overrides)
    style_num: dict[str, tuple[str, int]] = field(default_factory=dict)  # styleId → (numId, ilvl)
    counters: dict[str, list[int | None]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, document: Any) -> "_Numbering":
        """Read numbering.xml and the paragraph styles that carry numbering."""
        out = cls()
        part = document.part
        try:
            num_el = part.part_related_by(_RT_NUMBERING).element
        except KeyError:
            num_el = None
        if num_el is not None:
            for absn in num_el.findall(f"{_W}abstractNum"):
                out.levels[_val(absn, "abstractNumId")] = {
                    int(_val(lvl, "ilvl") or 0): _level(lvl) for lvl in absn.findall(f"{_W}lvl")
                }
            for num in num_el.findall(f"{_W}num"):
                overrides: dict[int, int] = {}
                for ov in num.findall(f"{_W}lvlOverride"):
                    so = ov.find(f"{_W}startOverride")
                    if so is not None and (_val(so, "val") or "").isdigit():
                        overrides[int(_val(ov, "ilvl") or 0)] = int(_val(so, "val"))
                absid = num.find(f"{_W}abstractNumId")
                if absid is not None:
                    out.nums[_val(num, "numId")] = (_val(absid, "val"), overrides)
        try:
            styles = document.styles.element
        except Exception:  # no styles part: no style numbering
            styles = None
        if styles is not None:
            based: dict[str, str] = {}
            direct: dict[str, tuple[str, int]] = {}
            for st in styles.findall(f"{_W}style"):
                sid = _val(st, "styleId")
                b = st.find(f"{_W}basedOn")
                if b is not None:
                    based[sid] = _val(b, "val")
                np_ = st.find(f"{_W}pPr/{_W}numPr")
                if np_ is not None:
                    direct[sid] = _num_pr(np_)
            for sid in {*based, *direct}:
                cur, seen = sid, set()
                while cur and cur not in direct and cur not in seen:
                    seen.add(cur)
                    cur = based.get(cur, "")
                if cur in direct:
                    out.style_num[sid] = direct[cur]
        return out

    def prefix(self, p: Any) -> str:
        """The rendered list number of paragraph ``p`` (with its separator), or ``""``."""
        np_ = p.find(f"{_W}pPr/{_W}numPr")
        num_id, ilvl = _num_pr(np_) if np_ is not None else ("", 0)
        if not num_id:  # numbering inherited from the paragraph style
            ps = p.find(f"{_W}pPr/{_W}pStyle")
            style = self.style_num.get(_val(ps, "val")) if ps is not None else None
            if style is not None:
                num_id = style[0]
                if np_ is None or np_.find(f"{_W}ilvl") is None:
                    ilvl = style[1]
        if num_id in ("", "0") or num_id not in self.nums:
            return ""
        abs_id, overrides = self.nums[num_id]
        levels = self.levels.get(abs_id, {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abs_id, [None] * 10)
        if num_id not in self.started:
            self.started.add(num_id)
            for lv, start in overrides.items():
                if 0 <= lv < 10:
                    counters[lv] = start - 1
        counters[ilvl] = levels[ilvl].start if counters[ilvl] is None else counters[ilvl] + 1  # type: ignore[operator]
        for deeper in range(ilvl + 1, 10):
            counters[deeper] = None
        lvl = levels[ilvl]
        if lvl.fmt == "bullet":
            return ""

        def sub(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            at = levels.get(k, _Level())
            value = counters[k] if 0 <= k < 10 and counters[k] is not None else at.start
            return format_number(value or 0, at.fmt) if at.fmt != "none" else ""

        label = re.sub(r"%([1-9])", sub, lvl.text).strip()
        if not label:
            return ""
        sep = "" if lvl.suffix == "nothing" or unicodedata.category(label[-1]).startswith("P") else " "
        return label + sep


_RT_NUMBERING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering"


def _val(el: Any, name: str) -> str:
    return el.get(f"{_W}{name}") or ""


def _num_pr(np_: Any) -> tuple[str, int]:
    ilvl_el, num_el = np_.find(f"{_W}ilvl"), np_.find(f"{_W}numId")
    ilvl = _val(ilvl_el, "val") if ilvl_el is not None else "0"
    return (_val(num_el, "val") if num_el is not None else "", int(ilvl) if ilvl.isdigit() else 0)


def _level(lvl: Any) -> _Level:
    def attr(tag: str, default: str) -> str:
        el = lvl.find(f"{_W}{tag}")
        return _val(el, "val") if el is not None and el.get(f"{_W}val") is not None else default

    start = attr("start", "1")
    return _Level(start=int(start) if start.isdigit() else 1, fmt=attr("numFmt", "decimal"),
                  text=attr("lvlText", ""), suffix=attr("suff", "tab"))

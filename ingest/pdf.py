"""PDF → ``SourceText`` with pdfplumber, in the same shape as the plain-text laws.

The output has one paragraph per line, headings (``第一章 总则``) on their own
line, every article starting a line as ``第一条 text`` and items ``（一）…`` on
their own lines, so the structure parser can treat PDF and text input alike.

Pipeline: characters → watermark characters dropped (tilted, light, or large
and repeated: see :class:`FurnitureRules`) → visual lines (fake-bold double
prints removed) → page furniture dropped (running headers/footers, page numbers,
print stamps, URLs, citation codes) → lines re-joined into paragraphs using
line-start markers, indentation, short line ends and vertical gaps → paragraphs
cleaned and joined with ``\\n``. ``page_starts`` records where each page's text begins.
"""

from __future__ import annotations

import logging
import math
import re
import statistics
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from .text import is_boilerplate
from .types import IngestError, SourceText

if TYPE_CHECKING:
    import pdfplumber

log = logging.getLogger(__name__)

_NUM = "一二三四五六七八九十百千零〇两0-9０-９"
# 第X条/章/节/编 at the start of a line, followed by blank space or the end of the line.
_MARKER = re.compile(rf"^(第[{_NUM}]+[条章节编])(?:[\s\u3000]+|$)")
_MARKER_ALONE = re.compile(rf"^第[{_NUM}]+[条章节编]$")
_ITEM_START = re.compile(r"^(?:（[一二三四五六七八九十]+）|（[0-9０-９]+）|[一二三四五六七八九十]+、)")
# An item run into the preceding sentence, as some exports print lists: "…含义：（一）网络…".
_INLINE_ITEM = re.compile(r"(?<=[：；。])(?=（[一二三四五六七八九十]+）)")
_SENTENCE_END = tuple("。！？")
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0002fa1f"
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}0-9])|(?<=[{_CJK}0-9]) (?=[{_CJK}])")

# Database citation codes printed as page furniture by legal databases.
_CITATION_CODE = re.compile(r"【法宝引证码】\s*[A-Za-z0-9.\-]*")
# Lines at the top or bottom of a page that are page numbers or print stamps.
_EDGE_PATTERNS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^[-–—－~～\s]*[0-9]{1,4}[-–—－~～\s]*$",  # 3, - 3 -, —3—
        r"^第\s*[0-9]+\s*页(?:\s*[/，,]?\s*共\s*[0-9]+\s*页)?$",  # 第 3 页, 第3页 共14页
        r"^(?:共\s*[0-9]+\s*页\s*)?第\s*[0-9]+\s*页$",
        r"^[0-9]+\s*/\s*[0-9]+(?:\s|$)",  # 1/16, 1/16 下载日期：…
        r"^page\s*[0-9]+(?:\s*(?:of|/)\s*[0-9]+)?$",
        r"^(?:https?://|www\.)\S*",  # URL printed by a browser
        r"https?://\S+\s+[0-9]+\s*/\s*[0-9]+$",
        r"[0-9]{2,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}\s*(?:上午|下午)?\s*[0-9]{1,2}:[0-9]{2}",  # print timestamp
        r"(?:下载|打印)(?:日期|时间)\s*[:：]\s*[0-9]",
    )
)


@dataclass(frozen=True)
class FurnitureRules:
    """When text on a page is furniture (watermark, running header or footer) rather than body text.

    Every test is relative to the document itself: its body size is the most common character
    size, and a rule that would remove at least ``body_share`` of the document's characters is
    describing the body, so it is not applied. pdfminer does not apply ``gs`` operators, so a
    watermark's opacity is not visible per character; its tilt, colour and size are.
    """

    max_tilt_degrees: float = 10.0  # a baseline tilted more (a 45° watermark; not an OCR layer of a skewed scan)
    light_min: float = 0.75  # lightness (0 black … 1 white) from which text is a faint overlay
    overlay_size_ratio: float = 2.0  # text this many times the body size is an overlay when it repeats:
    overlay_repeats: int = 2  # this many times on one page, or on ``repeat_share`` of the pages
    repeat_share: float = 0.5  # a header/footer line stands at the same place on this share of pages
    same_place: float = 3.0  # points: how far a running header/footer may move between pages
    edge_lines: int = 2  # lines at the top and at the bottom of a page that may be headers/footers
    body_share: float = 0.5  # a rule that would drop this share of all characters is not applied


FURNITURE = FurnitureRules()


@dataclass
class _Line:
    """One visual line of a page."""

    page: int  # 0-based
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    text: str


@dataclass
class _Para:
    """One paragraph being assembled; ``marks`` are ``(offset in text, page)`` where pages begin."""

    text: str = ""
    marks: list[tuple[int, int]] = field(default_factory=list)

    def add(self, piece: str, page: int) -> None:
        if not piece:
            return
        if not self.marks or self.marks[-1][1] != page:
            self.marks.append((len(self.text), page))
        self.text += piece


@dataclass(frozen=True)
class _Layout:
    """Document-wide geometry used to decide paragraph breaks."""

    left: float
    right: float
    pitch: float
    indented: bool  # paragraphs start with a first-line indent


def looks_like_pdf(head: bytes, path: Path) -> bool:
    """Whether a file that starts with ``head`` is a PDF: it starts with ``%PDF-``.

    >>> looks_like_pdf(b"%PDF-1.7", Path("x.pdf")), looks_like_pdf(b"MZ\\x90\\x00", Path("x.pdf"))
    (True, False)
    """
    return head.startswith(b"%PDF-")


def read_pdf(path: str | Path, display_name: str | None = None) -> SourceText:
    """Extract the text of a PDF as one paragraph per line, with page start offsets.

    Raises :class:`IngestError` for a missing, empty, non-PDF, truncated, damaged,
    password-protected or image-only (scanned) file.
    """
    p = Path(path)
    source = display_name or str(path)
    started = time.perf_counter()
    _check_file(p, source)
    pages = _extract_lines(p, source)
    if not any(pages):
        raise IngestError(
            source,
            f"no extractable text on any of its {len(pages)} page(s): "
            "it is a scanned or image-only PDF and needs OCR",
            "run OCR on it (e.g. `ocrmypdf --language chi_sim in.pdf out.pdf`) or supply a text version",
        )
    empty = [i + 1 for i, lines in enumerate(pages) if not lines]
    if empty:
        log.warning("%s: no text on page(s) %s (images only?)", source, empty)
    pages, dropped = _drop_furniture(pages, FURNITURE)
    layout = _layout([ln for lines in pages for ln in lines])
    paras = _paragraphs(pages, layout)
    paras = _postprocess(paras)
    text, page_starts = _assemble(paras, len(pages))
    log.info(
        "%s: %d pages, %d paragraphs, %d characters, %d furniture lines dropped, %.2fs",
        source, len(pages), len(paras), len(text), dropped, time.perf_counter() - started,
    )
    return SourceText(path=source, text=text, encoding="pdf", page_starts=page_starts)


def _check_file(p: Path, source: str) -> None:
    """Reject missing, empty, non-PDF and visibly truncated files before parsing."""
    try:
        size = p.stat().st_size
        with p.open("rb") as f:
            head = f.read(1024)
            f.seek(max(0, size - 4096))
            tail = f.read()
    except OSError as exc:
        reason = f"cannot read the file ({exc.strerror or exc})"
        raise IngestError(source, reason, "check the path and its permissions") from exc
    if size == 0:
        raise IngestError(source, "the file is empty (0 bytes)", "replace it with the complete PDF or remove it")
    if b"%PDF-" not in head:
        raise IngestError(
            source,
            f"not a PDF file (it starts with {head[:16]!r}, not %PDF-)",
            "check that the file really is a PDF; rename text files to .txt",
        )
    if b"%%EOF" not in tail:
        raise IngestError(
            source,
            "the PDF is truncated: no %%EOF end marker at the end of the file",
            "download or copy the file again in full",
        )


def _extract_lines(p: Path, source: str) -> list[list[_Line]]:
    """Open the PDF and return the visual lines of each page; pdfminer errors become IngestError."""
    import pdfplumber  # imported here so that text-only ingest does not need it

    try:
        pdf = pdfplumber.open(p)
    except Exception as exc:  # pdfminer raises many types for damaged files
        raise _open_error(source, exc) from exc
    try:
        with pdf:
            try:
                page_objs = list(pdf.pages)
            except Exception as exc:
                raise _open_error(source, exc) from exc
            if not page_objs:
                raise IngestError(source, "the PDF has no pages (damaged or truncated)", "obtain an intact copy")
            page_chars, dark_fills, too_full = [], [], []
            for no, page in enumerate(page_objs):
                try:
                    if (why := _too_full(page)) is not None:
                        log.warning("%s: page %d skipped: %s", source, no + 1, why)
                        too_full.append(no + 1)
                        page_chars.append([])
                        dark_fills.append([])
                        page.close()
                        continue
                    page_chars.append(_dedupe(page.chars))
                    dark_fills.append([r for r in page.rects if r.get("fill")
                                       and (_lightness(r) or FURNITURE.light_min) < FURNITURE.light_min])
                except Exception as exc:
                    raise IngestError(
                        source,
                        f"page {no + 1} cannot be parsed ({type(exc).__name__}: {exc})",
                        "repair the PDF (e.g. re-print it to PDF) or supply a text version",
                    ) from exc
                page.close()
            if len(too_full) == len(page_objs):
                raise IngestError(source, f"every page holds more than a page of text can ({_too_full(page_objs[0])})",
                                  "check the file; print it to PDF again or supply a text version")
            page_chars = _drop_overlay(page_chars, FURNITURE, source, dark_fills)
            return [_page_lines(chars, no) for no, chars in enumerate(page_chars)]
    except IngestError:
        raise
    except Exception as exc:
        raise _open_error(source, exc) from exc


# what one page may hold before it is skipped, not read: a dense page of law is 35 KB of drawing
# instructions and 1,400 characters; grouping characters into lines grows faster than linearly
MAX_PAGE_CONTENT_BYTES = 2 * 1024 * 1024
MAX_PAGE_CHARS = 100_000


def _dedupe(chars: list[dict], tolerance: float = 1.0) -> list[dict]:
    """The characters less those printed again over themselves (fake bold): the same glyph in the
    same font and size within ``tolerance`` points — pdfplumber's ``dedupe_chars``, in linear time
    (a grid of ``tolerance``-sized cells; pdfplumber's grows with the square of a page's repeats)."""
    kept: list[dict] = []
    cells: dict[tuple, list[dict]] = {}
    for c in chars:
        key = (c["text"], c.get("fontname"), round(c.get("size", 0), 3), c.get("upright"))
        cx, cy = int(c["x0"] // tolerance), int(c["top"] // tolerance)
        near = (cells.get((*key, cx + dx, cy + dy), ()) for dx in (-1, 0, 1) for dy in (-1, 0, 1))
        if any(abs(o["x0"] - c["x0"]) <= tolerance and abs(o["top"] - c["top"]) <= tolerance
               for group in near for o in group):
            continue
        cells.setdefault((*key, cx, cy), []).append(c)
        kept.append(c)
    return kept


def _too_full(page: "pdfplumber.page.Page") -> str | None:
    """Why a page holds too much to read within a file's budget, or None."""
    from pdfminer.pdftypes import PDFStream, resolve1

    streams = (resolve1(s) for s in page.page_obj.contents)
    size = sum(len(s.get_data()) for s in streams if isinstance(s, PDFStream))
    if size > MAX_PAGE_CONTENT_BYTES:
        return f"{size / 1024 / 1024:.1f} MB of drawing instructions (the limit is {MAX_PAGE_CONTENT_BYTES // 1024 // 1024} MB)"
    if (n := len(page.chars)) > MAX_PAGE_CHARS:
        return f"{n:,} characters (the limit is {MAX_PAGE_CHARS:,})"
    return None


def _open_error(source: str, exc: Exception) -> IngestError:
    """Translate a pdfminer/pdfplumber failure into an IngestError with a fix."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__ or (e.args[0] if e.args and isinstance(e.args[0], BaseException) else None)
    if any(isinstance(c, PDFPasswordIncorrect) for c in chain):
        return IngestError(
            source,
            "the PDF is encrypted with a password and cannot be opened",
            "remove the password (e.g. `qpdf --decrypt --password=… in.pdf out.pdf`) or supply an unprotected copy",
        )
    if any(isinstance(c, PDFEncryptionError) for c in chain):
        return IngestError(
            source,
            f"the PDF is encrypted in a way that cannot be read ({chain[-1]})",
            "remove the encryption (e.g. `qpdf --decrypt in.pdf out.pdf`) or supply an unprotected copy",
        )
    root = chain[-1]
    return IngestError(
        source,
        f"the PDF is damaged or truncated and cannot be parsed ({type(root).__name__}: {root})",
        "obtain an intact copy, or repair it (e.g. `qpdf in.pdf out.pdf`) and try again",
    )


def _tilted(c: dict[str, Any], rules: FurnitureRules) -> bool:
    """Whether a character's baseline is not horizontal (a rotated watermark); italics only shear."""
    a, b = (c.get("matrix") or (1.0, 0.0))[:2]
    angle = abs(math.degrees(math.atan2(b, a)))
    return min(angle, 360 - angle) > rules.max_tilt_degrees


def _lightness(c: dict[str, Any]) -> float | None:
    """How light a character's (or a rectangle's) fill colour is, 0 (black) … 1 (white); None when
    it cannot be told (a pattern, spot or indexed colour).

    >>> _lightness({"non_stroking_color": (0.8,), "ncs": "DeviceGray"}), _lightness({"non_stroking_color": (0, 0, 0, 1)})
    (0.8, 0.0)
    """
    color, space = c.get("non_stroking_color"), str(c.get("ncs") or "")
    color = (color,) if isinstance(color, (int, float)) else color
    if not isinstance(color, (tuple, list)) or not all(isinstance(v, (int, float)) for v in color):
        return None
    if any(name in space for name in ("Pattern", "Separation", "DeviceN", "Indexed")):
        return None
    if len(color) == 1:
        return float(color[0])
    if len(color) == 4:  # CMYK
        k = color[3]
        color = [(1 - v) * (1 - k) for v in color[:3]]
    if len(color) == 3:
        return 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
    return None


def _on_dark(c: dict[str, Any], fills: list[dict[str, Any]]) -> bool:
    """Whether a character's centre lies on one of the dark filled rectangles (white on dark is ink)."""
    x, y = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
    return any(r["x0"] <= x <= r["x1"] and r["top"] <= y <= r["bottom"] for r in fills)


def _drop_overlay(
    pages: list[list[dict[str, Any]]], rules: FurnitureRules, source: str = "",
    dark_fills: list[list[dict[str, Any]]] | None = None,
) -> list[list[dict[str, Any]]]:
    """Remove watermark characters from each page's characters: tilted ones, light ones (unless on a
    dark fill from ``dark_fills``, per page), and text much larger than the body that repeats on a
    page or across pages (a tiled overlay).

    A rule is applied only while what it removes is less than ``rules.body_share`` of the document.
    """
    pages = list(pages)
    total = sum(len(chars) for chars in pages) or 1

    def apply(name: str, drop: list[list[bool]]) -> None:
        n = sum(map(sum, drop))
        if not n:
            return
        if n >= rules.body_share * total:
            log.debug("%s: %d %s characters are the body, kept", source, n, name)
            return
        log.info("%s: dropped %d %s watermark characters", source, n, name)
        pages[:] = [[c for c, d in zip(chars, flags) if not d] for chars, flags in zip(pages, drop)]

    apply("tilted", [[_tilted(c, rules) for c in chars] for chars in pages])
    fills = dark_fills or [[] for _ in pages]
    apply("light", [[(_lightness(c) or 0.0) >= rules.light_min and not _on_dark(c, f) for c in chars]
                    for chars, f in zip(pages, fills)])
    sizes = Counter(round(c["size"], 1) for chars in pages for c in chars if c["text"].strip())
    if not sizes:
        return pages
    large = rules.overlay_size_ratio * sizes.most_common(1)[0][0]
    big = [_group_lines([c for c in chars if c["size"] >= large]) for chars in pages]
    keys = [[_key("".join(c["text"] for c in g)) for g in lines] for lines in big]  # each line by its text
    on_pages = Counter(k for page_keys in keys for k in set(page_keys))
    min_pages = max(2, rules.repeat_share * len(pages))
    tiled: list[set[int]] = []
    for lines, page_keys in zip(big, keys):
        here = Counter(page_keys)
        repeated = [g for g, k in zip(lines, page_keys) if here[k] >= rules.overlay_repeats or on_pages[k] >= min_pages]
        tiled.append({id(c) for g in repeated for c in g})
    apply("large tiled", [[id(c) in ids for c in chars] for chars, ids in zip(pages, tiled)])
    return pages


def _group_lines(chars: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Group upright characters into visual lines, top to bottom, each left to right."""
    chars = sorted((c for c in chars if c.get("upright", True) and c["text"]), key=lambda c: (c["top"], c["x0"]))
    groups: list[list[dict[str, Any]]] = []
    g_top = g_bottom = 0.0
    for c in chars:
        if groups:
            overlap = min(g_bottom, c["bottom"]) - max(g_top, c["top"])
            if overlap >= 0.5 * min(g_bottom - g_top, c["bottom"] - c["top"]):
                groups[-1].append(c)
                g_top, g_bottom = min(g_top, c["top"]), max(g_bottom, c["bottom"])
                continue
        groups.append([c])
        g_top, g_bottom = c["top"], c["bottom"]
    for g in groups:
        g.sort(key=lambda c: c["x0"])
    return groups


def _page_lines(chars: list[dict[str, Any]], page: int) -> list[_Line]:
    """Group a page's upright characters into visual lines, top to bottom."""
    lines = []
    for g in _group_lines(chars):
        kept: list[dict[str, Any]] = []
        for c in g:
            if kept:
                prev = kept[-1]
                width = max(prev["x1"] - prev["x0"], 0.1)
                # Fake bold: the same glyph printed again a fraction of its width further on.
                if c["text"] == prev["text"] and abs(c["x0"] - prev["x0"]) < 0.5 * width:
                    continue
            kept.append(c)
        size = statistics.median(c["size"] for c in kept)
        parts: list[str] = []
        for i, c in enumerate(kept):
            if i and c["x0"] - kept[i - 1]["x1"] > 0.25 * size:
                parts.append(" ")
            parts.append(c["text"])
        ink = [c for c in kept if c["text"].strip()]  # blanks (indents) do not count for geometry
        if ink:
            lines.append(_Line(page, ink[0]["x0"], max(c["x1"] for c in ink),
                               min(c["top"] for c in ink), max(c["bottom"] for c in ink), size, "".join(parts)))
    return lines


def _key(text: str) -> str:
    """A line's identity for header/footer detection: blanks removed, numbers generalised."""
    return re.sub(r"[0-9]+", "#", _SPACES.sub("", text))


def _drop_furniture(pages: list[list[_Line]], rules: FurnitureRules) -> tuple[list[list[_Line]], int]:
    """Remove running headers/footers, page numbers, print stamps and citation codes.

    Only the first and last ``rules.edge_lines`` lines of a page are candidates. A running
    header or footer is the same text (numbers aside) at the same height on at least
    ``rules.repeat_share`` of the pages; page numbers and print stamps are recognised by their form.
    """
    n, e = len(pages), rules.edge_lines
    seen: dict[str, list[tuple[int, float]]] = {}
    for lines in pages:
        for ln in {id(x): x for x in lines[:e] + lines[-e:]}.values():
            seen.setdefault(_key(ln.text), []).append((ln.page, ln.top))

    def running(ln: _Line) -> bool:
        pages_here = {pg for pg, top in seen.get(_key(ln.text), ()) if abs(top - ln.top) <= rules.same_place}
        return n >= 2 and len(pages_here) >= max(2, rules.repeat_share * n)

    out, dropped = [], 0
    for lines in pages:
        edges = {id(ln) for ln in lines[:e] + lines[-e:]}
        kept = []
        for ln in lines:
            text = _CITATION_CODE.sub("", ln.text)
            stripped = _SPACES.sub(" ", text).strip()
            if not stripped or (
                id(ln) in edges and (running(ln) or any(pat.search(stripped) for pat in _EDGE_PATTERNS))
            ):
                dropped += 1
                log.debug("page %d: dropped furniture %r", ln.page + 1, ln.text)
                continue
            ln.text = text
            kept.append(ln)
        out.append(kept)
    return out, dropped


def _layout(lines: list[_Line]) -> _Layout:
    """Left margin, right margin, line pitch and indent style of the body text."""
    if not lines:
        return _Layout(0.0, 0.0, 0.0, False)
    size = statistics.median(ln.size for ln in lines)
    buckets = Counter(round(ln.x0 / 2) for ln in lines)
    floor = max(2, 0.05 * len(lines))
    left = 2 * min((b for b, c in buckets.items() if c >= floor), default=min(buckets))
    left = min((ln.x0 for ln in lines if abs(ln.x0 - left) <= 2), default=left)
    x1s = sorted(ln.x1 for ln in lines)
    right = x1s[int(0.9 * (len(x1s) - 1))]
    gaps = [
        b.top - a.top
        for a, b in zip(lines, lines[1:])
        if a.page == b.page and 0 < b.top - a.top < 4 * size and abs(a.size - b.size) < 0.5
    ]
    pitch = statistics.median(gaps) if gaps else 1.5 * size
    indent_lines = sum(1 for ln in lines if left + 0.5 * ln.size < ln.x0 <= left + 4 * ln.size)
    indented = indent_lines >= max(3, 0.05 * len(lines))
    log.debug("layout: left=%.1f right=%.1f pitch=%.1f indented=%s", left, right, pitch, indented)
    return _Layout(left, right, pitch, indented)


def _starts_paragraph(prev: _Line | None, ln: _Line, lay: _Layout) -> bool:
    """Whether ``ln`` begins a new paragraph rather than continuing ``prev``."""
    if prev is None:
        return True
    text = ln.text.lstrip(" \u3000")
    if _MARKER.match(text) or _ITEM_START.match(text) or _MARKER_ALONE.match(prev.text.strip(" \u3000")):
        return True
    if ln.x0 > lay.left + 0.5 * ln.size:  # first-line indent, centred or right-aligned
        return True
    if prev.page == ln.page and ln.top - prev.top > 1.6 * lay.pitch:
        return True
    prev_text = prev.text.rstrip(" \u3000")
    short = prev.x1 < lay.right - 1.5 * prev.size
    if prev.x0 > lay.left + 4 * prev.size:  # after a centred heading
        return True
    if not lay.indented:
        return short or prev_text.endswith(_SENTENCE_END)
    return short and prev_text.endswith(tuple("。：；！？”」』"))


def _clean(text: str, para_start: bool) -> str:
    """Drop invisible characters and fold blanks; keep one space after a leading 第X条/章."""
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs"))
    text = _SPACES.sub(" ", text)
    if para_start:
        text = text.lstrip()
        m = _MARKER.match(text)
        if m:
            rest = _clean(text[m.end():], False)
            return m.group(1) + (" " + rest if rest else "")
    return _SPACE_IN_CJK.sub("", text).strip(" ")


def _paragraphs(pages: list[list[_Line]], lay: _Layout) -> list[_Para]:
    """Re-join the lines into paragraphs, remembering on which page each piece lies."""
    paras: list[_Para] = []
    prev: _Line | None = None
    for lines in pages:
        for ln in lines:
            if _starts_paragraph(prev, ln, lay) or not paras:
                paras.append(_Para())
                piece = _clean(ln.text, True)
            else:
                piece = _clean(ln.text, False)
                tail = paras[-1].text[-1:]
                if tail.isascii() and tail.isalnum() and piece[:1].isascii() and piece[:1].isalnum():
                    piece = " " + piece
            paras[-1].add(piece, ln.page)
            prev = ln
    return [pa for pa in paras if pa.text]


def _postprocess(paras: list[_Para]) -> list[_Para]:
    """Drop boilerplate, join lone 第X条 lines to their text, put run-in items on their own lines."""
    kept = [
        pa for pa in paras
        if not is_boilerplate(pa.text)
    ]
    if len(kept) != len(paras):
        log.debug("dropped %d boilerplate paragraphs", len(paras) - len(kept))
    merged: list[_Para] = []
    for pa in kept:
        if merged and _MARKER_ALONE.match(merged[-1].text) and not _MARKER.match(pa.text) and (
            merged[-1].text.endswith("条") or len(pa.text) <= 30
        ):
            last = merged[-1]
            last.text += " "
            for off, page in pa.marks:
                last.marks.append((len(last.text) + off, page))
            last.text += pa.text
            continue
        merged.append(pa)
    out: list[_Para] = []
    for pa in merged:
        cuts = [m.start() for m in _INLINE_ITEM.finditer(pa.text)]
        if not cuts:
            out.append(pa)
            continue
        bounds = [0, *cuts, len(pa.text)]
        for a, b in zip(bounds, bounds[1:]):
            part = _Para(pa.text[a:b])
            page_here = max((pg for off, pg in pa.marks if off <= a), default=pa.marks[0][1])
            part.marks.append((0, page_here))
            part.marks += [(off - a, pg) for off, pg in pa.marks if a < off < b]
            out.append(part)
    return out


def _assemble(paras: list[_Para], n_pages: int) -> tuple[str, tuple[int, ...]]:
    """Join paragraphs with ``\\n``; a page without text shares the start of the next page."""
    starts: list[int | None] = [None] * n_pages
    pos = 0
    for pa in paras:
        for off, page in pa.marks:
            if starts[page] is None:
                starts[page] = pos + off
        pos += len(pa.text) + 1
    text = "\n".join(pa.text for pa in paras)
    nxt = len(text)
    for i in range(n_pages - 1, -1, -1):
        if starts[i] is None:
            starts[i] = nxt
        nxt = starts[i]  # type: ignore[assignment]
    if starts:
        starts[0] = 0
    return text, tuple(s for s in starts if s is not None)

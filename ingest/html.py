""".html → ``SourceText``: the visible text of a page, one block (paragraph, row, item) per line.

Bytes are decoded by BOM, then ``<meta charset>``/``http-equiv``, then
:func:`~ingest.encoding.decode_text`'s guesses; the visible text is extracted with the standard
library's :mod:`html.parser` (scripts, styles, head, nav and footer left out). Table cells are
joined by a tab, so rows read like the plain-text laws' tables.
"""

from __future__ import annotations

import codecs
import logging
import re
import time
from html.parser import HTMLParser
from pathlib import Path

from .encoding import decode_text, read_bytes
from .text import drop_invisible
from .types import IngestError, SourceText

log = logging.getLogger(__name__)

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_GB_ALIASES = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "csgb2312",
               "chinese", "iso-ir-58", "gb_2312-80"}
_SKIP_TAGS = {"script", "style", "noscript", "head", "title", "nav", "footer", "template", "svg", "iframe"}
_BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "ul", "ol",
    "table", "thead", "tbody", "tfoot", "caption", "blockquote", "pre", "dl", "dt", "dd", "header", "main",
    "aside", "form", "hr", "figure", "figcaption", "address", "center", "fieldset", "legend", "details",
    "summary", "body", "html",
}
_CELL_TAGS = {"td", "th"}
_HEAD_CONTENT = {"meta", "link", "base", "title", "style", "script", "noscript", "template"}
_CELL = "\x00"  # cell separator inside a line being built (invisible characters are dropped from data)
_WS = re.compile(r"[\s\u00a0\u3000]+")


def html_charset(data: bytes) -> str | None:
    """The Python codec named by a ``<meta charset>``/``http-equiv`` declaration, or None.

    GB2312/GBK map to GB18030, its superset; a UTF-16/32 label (impossible in an
    ASCII-readable meta tag) means UTF-8, as the HTML standard says.

    >>> html_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=GB2312">')
    'gb18030'
    """
    m = _META_CHARSET.search(data[:8192])
    if not m:
        return None
    label = m.group(1).decode("ascii", "replace").strip().lower()
    if label in _GB_ALIASES:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        log.warning("unknown charset %r in <meta>", label)
        return None
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else name


def decode_html(data: bytes, source: str) -> tuple[str, str]:
    """Decode HTML bytes: BOM, then the declared charset, then :func:`decode_text`'s guesses."""
    if not data.strip():
        raise IngestError(source, "the file is empty", "add text to it or remove it from the corpus")
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_text(data, source, markup=True)
    declared = html_charset(data)
    if declared:
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError as exc:
            log.warning("%s: declares charset %s but is not (%s); guessing", source, declared, exc.reason)
    return decode_text(data, source, markup=True)


class _TextExtractor(HTMLParser):
    """Collects the visible text of a page as lines; table cells are joined by a tab."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._parts: list[str] = []
        self._skip: list[str] = []
        self._pre = 0

    def flush(self) -> None:
        cells = (_WS.sub(" ", c).strip() for c in "".join(self._parts).split(_CELL))
        line = "\t".join(c for c in cells if c)
        if line:
            self.lines.append(line)
        self._parts = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip and self._skip[-1] == "head" and tag not in _HEAD_CONTENT:
            self._skip.pop()  # an unclosed <head> ends at the first body element
        if tag in _SKIP_TAGS:
            self._skip.append(tag)
        elif tag in _BLOCK_TAGS:
            self.flush()
            if tag == "pre":
                self._pre += 1
        elif tag in _CELL_TAGS:
            self._parts.append(_CELL)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            if tag in self._skip:
                while self._skip.pop() != tag:
                    pass
        elif tag in _BLOCK_TAGS:
            self.flush()
            if tag == "pre" and self._pre:
                self._pre -= 1
        elif tag in _CELL_TAGS:
            self._parts.append(_CELL)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        data = drop_invisible(data)
        if self._pre:
            first, *rest = data.split("\n")
            self._parts.append(first)
            for piece in rest:
                self.flush()
                self._parts.append(piece)
        else:
            self._parts.append(data)


def html_lines(html: str) -> list[str]:
    """Visible text lines of an HTML page (scripts, styles, head, nav and footer left out).

    >>> html_lines("<p>第一条&nbsp;为了 &lt;规范&gt;</p><script>x()</script><p>（一）甲；<br>（二）乙。")
    ['第一条 为了 <规范>', '（一）甲；', '（二）乙。']
    """
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    parser.flush()
    return parser.lines


def read_html(path: str | Path, display_name: str | None = None) -> SourceText:
    """Extract the visible text of an HTML page as one block (paragraph, row, item) per line.

    Raises :class:`IngestError` for a missing, empty, undecodable or text-less file.
    """
    p = Path(path)
    source = display_name or str(path)
    started = time.perf_counter()
    data = read_bytes(p, source)
    html, encoding = decode_html(data, source)
    lines = html_lines(html)
    if not lines:
        raise IngestError(source, "no visible text in the HTML page (only markup, scripts or navigation)",
                          "save the page with its content (or as PDF/TXT) and try again")
    text = "\n".join(lines)
    log.info("%s: %s, %d lines, %d characters, %.2fs", source, encoding, len(lines), len(text),
             time.perf_counter() - started)
    return SourceText(path=source, text=text, encoding=encoding)

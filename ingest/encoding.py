"""Bytes → text: check that an input is a file that can be read, read it within a budget, and
decode it as the encodings Chinese files come in.

The readers of every format (:mod:`ingest.plaintext`, :mod:`ingest.html`, :mod:`ingest.docx`,
:mod:`ingest.pdf`) share these, so no reader depends on another or on the dispatch in
:mod:`ingest.loaders`.

Decoding is UTF-8 (with or without BOM) or UTF-16 (with BOM) when the bytes say so; otherwise the
encoding is detected with charset-normalizer (GB18030/GBK, Big5, Shift-JIS, EUC-KR…), and ASCII
that spells HZ or UTF-7 is read as such. Text that decodes to garbage is refused with the reason.
Control characters (NUL…) are dropped from the text; a file holding nothing else is "no text".
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .types import IngestError


@dataclass(frozen=True)
class ReadLimits:
    """What one input may be before it is refused rather than read.

    ``max_bytes``: a file's size (the largest law PDF at hand is under 5 MB, the largest text
    file 1.5 MB). ``max_line_chars``: one line of text (the longest line in the bundled and
    large corpora is under 3,000 characters; a line of millions is a file without paragraphs,
    whose whole text would become one title). ``max_chaos``: charset-normalizer's mess ratio
    above which a decoded text is garbage.
    """

    max_bytes: int = 50 * 1024 * 1024
    max_line_chars: int = 50_000
    max_chaos: float = 0.25


LIMITS = ReadLimits()

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def check_file(path: Path, source: str, limits: ReadLimits = LIMITS) -> int:
    """The size of ``path`` when it is a regular file within the limits; otherwise an
    :class:`IngestError` naming ``source``, the reason and the fix. Nothing is read."""
    try:
        st = os.stat(path)  # follows a symbolic link to what it points at
    except FileNotFoundError as exc:
        if os.path.islink(path):
            raise IngestError(source, "a symbolic link whose target does not exist",
                              "point the link at an existing file or remove it") from exc
        raise IngestError(source, "no such file", "check the path") from exc
    except OSError as exc:
        raise IngestError(source, f"cannot read the file ({exc.strerror or exc})",
                          "check the path and its permissions") from exc
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
        raise IngestError(source, f"not a regular file: {kind}", "index regular files only")
    if st.st_size > limits.max_bytes:
        raise IngestError(source, f"the file is too large ({_mb(st.st_size)}; the limit is {_mb(limits.max_bytes)})",
                          "split it into smaller files")
    return st.st_size


def read_bytes(path: Path, source: str, limits: ReadLimits = LIMITS) -> bytes:
    """The bytes of ``path``, read only when it is a regular file within the size limit (and never
    more than the limit, should it grow while read); :class:`IngestError` naming ``source`` otherwise."""
    check_file(path, source, limits)
    try:
        with open(path, "rb") as f:
            data = f.read(limits.max_bytes + 1)
    except OSError as exc:
        raise IngestError(source, f"cannot read the file ({exc.strerror or exc})",
                          "check the path and its permissions") from exc
    if len(data) > limits.max_bytes:
        raise IngestError(source, f"the file is too large (over {_mb(limits.max_bytes)})", "split it into smaller files")
    return data


def decode_text(data: bytes, source: str, limits: ReadLimits = LIMITS, markup: bool = False) -> tuple[str, str]:
    """Decode the bytes of a text file; returns ``(text, encoding)``, control characters dropped.

    Raises :class:`IngestError` when the file holds no text, is not text, decodes to garbage or
    has a line longer than ``limits.max_line_chars`` (not checked for ``markup`` such as HTML,
    whose lines are not the text's: a page may be one line).

    >>> decode_text("数据".encode("gb18030"), "x.txt")
    ('数据', 'gb18030')
    >>> decode_text("數據安全法".encode("big5"), "x.txt")[1]
    'big5'
    >>> decode_text(b"~{J}>]~}", "x.txt")
    ('数据', 'hz')
    """
    text, encoding = _decode(data, source, limits)
    text = _CONTROL.sub("", text)
    if not text.strip():
        raise IngestError(source, "no text found: the file holds only blanks or control characters",
                          "add text to it or remove it from the corpus")
    longest = 0 if markup else max(map(len, text.splitlines()), default=0)
    if longest > limits.max_line_chars:
        raise IngestError(source, f"one line of {longest:,} characters (the limit is {limits.max_line_chars:,})",
                          "split it into paragraphs (one article or paragraph per line)")
    return text, encoding


def _decode(data: bytes, source: str, limits: ReadLimits) -> tuple[str, str]:
    if not data.strip(b" \t\r\n\x00"):
        raise IngestError(source, "no text found: the file is empty", "add text to it or remove it from the corpus")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise IngestError(source, f"it starts with a UTF-8 byte-order mark but is not UTF-8 "
                                      f"(bad byte at line {_line_of(data, exc.start)})", "re-save the file as UTF-8") from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise IngestError(source, "it starts with a UTF-16 byte-order mark but is not UTF-16 "
                                      f"({'an odd number of bytes' if len(data) % 2 else 'a broken character'})",
                              "re-save the file as UTF-8") from exc
    if data.count(b"\x00") * 4 > len(data):  # UTF-16 without a byte-order mark?
        for codec in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if _readable(text) > 0.9:
                return text, codec
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _detect(data, source, limits, utf8_line=_line_of(data, exc.start))
    return _seven_bit(text, data) if data.isascii() else (text, "utf-8")


def _seven_bit(text: str, data: bytes) -> tuple[str, str]:
    """ASCII as it is, or the Chinese that HZ (``~{…~}``) or UTF-7 (``+…-``) spells in it."""
    for codec, mark in (("hz", b"~{"), ("utf-7", b"+")):
        if mark in data:
            try:
                decoded = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if _cjk(decoded) > _cjk(text) and _cjk(decoded) * 20 >= len(decoded.split()):
                return decoded, codec
    return text, "utf-8"


def _detect(data: bytes, source: str, limits: ReadLimits, utf8_line: int) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise IngestError(source, f"unknown text encoding: not UTF-8 (bad byte at line {utf8_line}) and no other "
                                  "encoding reads it (a binary file with a text name?)", "re-save the file as UTF-8")
    best = min(matches, key=lambda m: m.chaos)
    # the corpus is Chinese: where GB18030 reads the bytes as cleanly as the best guess (short texts
    # are ambiguous), it is GB18030
    chinese = next((m for m in matches if codecs.lookup(m.encoding).name in _GB and m.chaos <= best.chaos + 0.01), None)
    chosen = chinese or best
    encoding = "gb18030" if chinese else codecs.lookup(best.encoding).name
    text = data.decode("gb18030") if chinese else str(best)
    if chosen.chaos > limits.max_chaos or _readable(text) < 0.8:
        raise IngestError(source, f"the text decodes to garbage: not UTF-8 (bad byte at line {utf8_line}); "
                                  f"read as {encoding} it is {chosen.chaos:.0%} unreadable", "re-save the file as UTF-8")
    return text, encoding


_GB = frozenset({"gb18030", "gbk", "gb2312"})


def _readable(text: str) -> float:
    """The share of a text's non-blank characters that are letters, digits, CJK or punctuation."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(c.isprintable() and c != "\ufffd" for c in chars) / len(chars)


def _cjk(text: str) -> int:
    return sum("\u4e00" <= c <= "\u9fff" for c in text)


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"

"""Bytes → text: read a file's bytes and decode them as the encodings Chinese files come in.

The readers of every format (:mod:`ingest.plaintext`, :mod:`ingest.html`, :mod:`ingest.docx`,
:mod:`ingest.pdf`) share these, so no reader depends on another or on the dispatch in
:mod:`ingest.loaders`.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from .types import IngestError


def read_bytes(path: Path, source: str) -> bytes:
    """The bytes of ``path``; a file that cannot be read raises :class:`IngestError` naming ``source``."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(source, f"cannot read the file ({exc.strerror or exc})",
                          "check the path and its permissions") from exc


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 (with BOM) or GB18030.

    Returns ``(text, encoding)``; raises :class:`IngestError` when none fits.

    >>> decode_text("数据".encode("gb18030"), "x.txt")
    ('数据', 'gb18030')
    """
    if not data.strip():
        raise IngestError(source, "the file is empty", "add text to it or remove it from the corpus")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    line = data[: utf8_error.start].count(b"\n") + 1
    raise IngestError(
        source,
        f"unknown text encoding: not UTF-8 (bad byte at line {line}), UTF-16 or GB18030",
        "re-save the file as UTF-8",
    )

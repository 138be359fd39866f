"""Files → ``SourceText``: decode text files, dispatch PDFs, find the inputs of a build."""

from __future__ import annotations

import codecs
import logging
from collections.abc import Iterable
from pathlib import Path

from .types import IngestError, SourceText

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
PDF_SUFFIXES = {".pdf"}
DOCX_SUFFIXES = {".docx"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES | DOCX_SUFFIXES | HTML_SUFFIXES
CONVERT_FIX = "convert it to .txt, .md, .pdf, .docx or .html"
# Files that describe a corpus rather than belong to it.
SKIP_NAMES = {"SOURCES.md", "README.md", "LICENSE", "LICENSE.md"}


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


def read_text(path: str | Path, display_name: str | None = None) -> SourceText:
    """Read one text file into a :class:`SourceText`; line endings become ``\\n``."""
    p = Path(path)
    name = display_name or str(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise IngestError(name, f"cannot read the file ({exc.strerror})", "check the path and its permissions") from exc
    text, encoding = decode_text(data, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceText(path=name, text=text, encoding=encoding)


def read_source(path: str | Path, display_name: str | None = None) -> SourceText:
    """Read a text, PDF, Word (.docx) or HTML file, by its suffix."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in PDF_SUFFIXES:
        from .pdf import read_pdf

        return read_pdf(p, display_name)
    if suffix in DOCX_SUFFIXES:
        from .office import read_docx

        return read_docx(p, display_name)
    if suffix in HTML_SUFFIXES:
        from .office import read_html

        return read_html(p, display_name)
    if suffix in TEXT_SUFFIXES:
        return read_text(p, display_name)
    raise IngestError(
        display_name or str(path),
        f"unsupported file type {suffix or '(none)'}",
        CONVERT_FIX,
    )


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[IngestError]]:
    """Expand files and directories into the sorted list of supported input files.

    Returns the files and the problems found (missing paths, unsupported files
    named explicitly). Files inside a directory with an unsupported suffix are
    ignored with a debug log, as are corpus description files (SOURCES.md).
    """
    files: list[Path] = []
    problems: list[IngestError] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(q for q in p.rglob("*") if q.is_file()):
                if f.name in SKIP_NAMES or f.name.startswith("."):
                    continue
                if f.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(f)
                else:
                    log.debug("ignoring %s: unsupported suffix", f)
        elif p.is_file():
            if p.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(p)
            else:
                problems.append(IngestError(str(p), f"unsupported file type {p.suffix or '(none)'}",
                                            CONVERT_FIX))
        else:
            problems.append(IngestError(str(p), "no such file or directory", "check the path"))
    seen: set[Path] = set()
    unique = []
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, problems

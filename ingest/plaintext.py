""".txt and .md → ``SourceText``: the bytes decoded (see :mod:`ingest.encoding`), line endings made ``\\n``.

Markdown is read as text: its markup stays in the source (offsets point into the file as it
is) and the structure parser looks through it (:func:`ingest.text.strip_markup`).
"""

from __future__ import annotations

from pathlib import Path

from .encoding import decode_text, read_bytes
from .types import SourceText


def read_text(path: str | Path, display_name: str | None = None) -> SourceText:
    """Read one text file into a :class:`SourceText`; line endings become ``\\n``."""
    name = display_name or str(path)
    text, encoding = decode_text(read_bytes(Path(path), name), name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceText(path=name, text=text, encoding=encoding)

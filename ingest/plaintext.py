""".txt and .md → ``SourceText``: the bytes decoded (see :mod:`ingest.encoding`), line endings made ``\\n``.

Markdown is read as text. Its bold markers (``**``, which web pages saved as text are full of)
are dropped as the file is read, so that no quote of a clause carries one ("第八条** …"): offsets
point into the text so read, as they do for a PDF, DOCX or HTML file. Its other markup (headings,
bullets) stays and the structure parser looks through it (:func:`ingest.text.strip_markup`). A
statute whose article numbers an extractor wrote after each page's text is read with them put back
(:mod:`ingest.margins`).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.md"
>>> _ = p.write_text("**第八条** 数据处理者**应当**备案。", encoding="utf-8")
>>> read_text(p).text
'第八条 数据处理者应当备案。'
"""

from __future__ import annotations

import logging
from pathlib import Path

from .encoding import decode_text, read_bytes
from .margins import restore_margin_labels
from .types import SourceText

log = logging.getLogger(__name__)


def read_text(path: str | Path, display_name: str | None = None, *, margins: bool = True) -> SourceText:
    """Read one text file into a :class:`SourceText`; line endings become ``\\n``; ``margins``:
    article numbers an extractor wrote after each page's text put back (:func:`with_margin_labels`)."""
    name = display_name or str(path)
    text, encoding = decode_text(read_bytes(Path(path), name), name)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("**", "")
    return SourceText(path=name, text=with_margin_labels(text, name) if margins else text, encoding=encoding)


def with_margin_labels(text: str, name: str) -> str:
    """``text`` with the article numbers a PDF printed in the margin before their articles, when an
    extractor wrote them after each page's text (:mod:`ingest.margins`); else ``text``."""
    restored = restore_margin_labels(text)
    if restored is None:
        return text
    log.info("%s: article numbers printed in the margin (each page's after its text) put back before "
             "their articles", name)
    return restored

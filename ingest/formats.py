"""The input formats ingest reads: one registry entry per format.

An entry names the format, the file suffixes it is read from, how to recognise its content from
a file's first bytes, and its reader (``path, display name → SourceText``). Everything that
decides by format goes through :data:`FORMATS`: :func:`ingest.loaders.read_source` and
:func:`~ingest.loaders.discover` (which files are inputs), and the web app's upload checks
(:mod:`ui.uploads`: which files may be uploaded, and whether their content is what their name says).

Adding a format is one reader module (``read_x(path, display_name) -> SourceText``, raising
:class:`~ingest.types.IngestError` with the reason and the fix) and one line in :data:`FORMATS`.

>>> format_for("Law.PDF").name, format_for("page.htm").reader.__name__, format_for("a.doc")
('pdf', 'read_html', None)
>>> CONVERT_FIX
'convert it to .txt, .md, .pdf, .docx or .html'
>>> upload_types()
{'.pdf': 'PDF', '.txt': 'TXT', '.md': 'Markdown', '.docx': 'Word', '.html': 'HTML', '.htm': 'HTML'}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath

from .docx import looks_like_docx, read_docx
from .html import read_html
from .markdown import read_markdown
from .pdf import looks_like_pdf, read_pdf
from .plaintext import read_text
from .types import SourceText

Reader = Callable[[str | Path, str | None], SourceText]
"""``reader(path, display_name)``: the file's text; raises :class:`~ingest.types.IngestError`."""
Sniff = Callable[[bytes, Path], bool]
"""``sniff(head, path)``: whether a file starting with ``head`` (its first :data:`SNIFF_BYTES`
bytes) has this format's content; ``path`` is there for checks that need more (a ZIP's end)."""

SNIFF_BYTES = 8


@dataclass(frozen=True)
class Format:
    """One input format.

    ``extensions`` are lower-case with their dot; the first is the one messages name.
    ``sniff`` is None for a format any bytes may be (text). ``upload`` lists the suffixes the
    web app accepts for upload (None: all of ``extensions``); ``upload_rank`` orders the formats
    in the upload dialog's list (lower first, then registry order).
    """

    name: str
    label: str
    extensions: tuple[str, ...]
    reader: Reader
    sniff: Sniff | None = None
    upload: tuple[str, ...] | None = None
    upload_rank: int = 100

    def matches(self, head: bytes, path: Path) -> bool:
        """Whether the file at ``path``, starting with ``head``, has this format's content."""
        return self.sniff is None or self.sniff(head, path)


FORMATS: tuple[Format, ...] = (
    Format("txt", "TXT", (".txt", ".text"), read_text, upload=(".txt",)),
    Format("md", "Markdown", (".md", ".markdown"), read_markdown, upload=(".md",)),
    Format("pdf", "PDF", (".pdf",), read_pdf, sniff=looks_like_pdf, upload_rank=0),
    Format("docx", "Word", (".docx",), read_docx, sniff=looks_like_docx),
    Format("html", "HTML", (".html", ".htm"), read_html),
)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(ext for f in FORMATS for ext in f.extensions)
"""Every suffix some format is read from."""


def _convert_fix(formats: tuple[Format, ...]) -> str:
    names = [f.extensions[0] for f in formats]
    return "convert it to " + (", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0])


CONVERT_FIX = _convert_fix(FORMATS)
"""The fix for a file of no supported format."""


def format_for(path: str | PurePath) -> Format | None:
    """The format a file is read as, by its suffix (any case); None when no format reads it."""
    suffix = PurePath(path).suffix.lower()
    return next((f for f in FORMATS if suffix in f.extensions), None)


def upload_types() -> dict[str, str]:
    """Suffix → label of every format the web app accepts for upload, in the dialog's order."""
    ranked = sorted(FORMATS, key=lambda f: f.upload_rank)
    return {ext: f.label for f in ranked for ext in (f.extensions if f.upload is None else f.upload)}

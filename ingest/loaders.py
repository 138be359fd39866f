"""Files → ``SourceText``: find the inputs of a build and read each through its format's reader.

Which suffixes are inputs and which reader reads them is decided by the registry in
:mod:`ingest.formats`; this module only walks paths and dispatches.

>>> from ingest.formats import SUPPORTED_SUFFIXES
>>> sorted(SUPPORTED_SUFFIXES)
['.docx', '.htm', '.html', '.markdown', '.md', '.pdf', '.text', '.txt']
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from .formats import CONVERT_FIX, SUPPORTED_SUFFIXES, format_for
from .types import IngestError, SourceText

log = logging.getLogger(__name__)

# Files that describe a corpus rather than belong to it.
SKIP_NAMES = {"SOURCES.md", "README.md", "LICENSE", "LICENSE.md"}


def read_source(path: str | Path, display_name: str | None = None) -> SourceText:
    """Read a file with the reader of its format (by suffix: text, Markdown, PDF, Word .docx, HTML)."""
    p = Path(path)
    fmt = format_for(p)
    if fmt is None:
        suffix = p.suffix.lower()
        raise IngestError(
            display_name or str(path),
            f"unsupported file type {suffix or '(none)'}",
            CONVERT_FIX,
        )
    return fmt.reader(p, display_name)


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

"""Files → ``SourceText``: find the inputs of a build and read each through its format's reader.

Which suffixes are inputs and which reader reads them is decided by the registry in
:mod:`ingest.formats`; this module only walks paths and dispatches.

>>> from ingest.formats import SUPPORTED_SUFFIXES
>>> sorted(SUPPORTED_SUFFIXES)
['.docx', '.htm', '.html', '.markdown', '.md', '.pdf', '.text', '.txt']
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .encoding import check_file
from .formats import CONVERT_FIX, format_for
from .types import IngestError, SourceText

# Files that describe a corpus rather than belong to it.
SKIP_NAMES = {"SOURCES.md", "README.md", "LICENSE", "LICENSE.md"}


def read_source(path: str | Path, display_name: str | None = None) -> SourceText:
    """Read a file with the reader of its format (by suffix: text, Markdown, PDF, Word .docx, HTML),
    once it is known to be a regular file within the size limit (:func:`~ingest.encoding.check_file`)."""
    p = Path(path)
    name = display_name or display_path(p)
    fmt = format_for(p)
    if fmt is None:
        reason, fix = _unsupported(p)
        raise IngestError(name, reason, fix)
    check_file(p, name)
    return fmt.reader(p, name)


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[IngestError]]:
    """Expand files and directories into the sorted list of input files.

    Returns the files and a problem for every file found and not returned, with its reason and
    fix: missing paths, unsupported or missing extensions (old Word .doc…), hidden files and
    folders, names that are not valid UTF-8 or end in a dot or a blank, dangling links, special
    files, unreadable folders. Corpus description files (README.md, SOURCES.md) are left out by
    design and said so (``problem.by_design``).
    """
    files: list[Path] = []
    problems: list[IngestError] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found, errors = _walk(p)
            files += found
            problems += errors
        elif os.path.lexists(p):
            if (error := _not_input(p)) is None:
                files.append(p)
            else:
                problems.append(error)
        else:
            problems.append(IngestError(display_path(p), "no such file or directory", "check the path"))
    seen: dict[Path, Path] = {}
    unique = []
    for f in files:
        r = f.resolve()
        if r in seen:
            problems.append(IngestError(display_path(f), f"the same file as {display_path(seen[r].name)} "
                                        "(a link to it, or named twice): read once", "", by_design=True))
        else:
            seen[r] = f
            unique.append(f)
    return unique, problems


def _walk(root: Path) -> tuple[list[Path], list[IngestError]]:
    files: list[Path] = []
    problems: list[IngestError] = []

    def unreadable(exc: OSError) -> None:
        problems.append(IngestError(display_path(Path(exc.filename or root)),
                                    f"cannot read the folder ({exc.strerror or exc})", "check its permissions"))

    for folder, dirs, names in os.walk(root, onerror=unreadable):
        here = Path(folder)
        for d in sorted(dirs):
            if d.startswith("."):
                problems.append(IngestError(display_path(here / d), "a hidden folder (its name starts with a dot): "
                                            "not searched", "rename it without the dot to index its files"))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            f = here / name
            if (error := _not_input(f)) is None:
                files.append(f)
            else:
                problems.append(error)
    return files, problems


def _not_input(f: Path) -> IngestError | None:
    """Why ``f`` is not read as an input, or None when it is one."""
    name = display_path(f)
    if f.name in SKIP_NAMES:
        return IngestError(name, "a corpus description file: left out by design", "", by_design=True)
    if name != str(f):
        return IngestError(name, "the file name is not valid UTF-8", "rename the file")
    if f.name.startswith("."):
        return IngestError(name, "a hidden file (its name starts with a dot)", "rename it without the dot to index it")
    if f.name != f.name.rstrip(". \u3000"):
        return IngestError(name, "the file name ends in a dot or a blank", "rename it to end in its extension")
    if format_for(f) is None:
        reason, fix = _unsupported(f)
        return IngestError(name, reason, fix)
    if os.path.islink(f) and not f.exists():
        return IngestError(name, "a symbolic link whose target does not exist", "point the link at a file or remove it")
    if not f.is_file():
        try:
            check_file(f, name)
        except IngestError as exc:
            return exc
    return None


# formats people have that no reader reads, with what to do about each
_LEGACY = {
    ".doc": "old Word .doc: save it as .docx or PDF",
    ".wps": "WPS .wps: save it as .docx or PDF",
    ".rtf": "RTF: save it as .docx or PDF",
    ".xls": "spreadsheets are not read: save the text as .docx, PDF or .txt",
    ".xlsx": "spreadsheets are not read: save the text as .docx, PDF or .txt",
    ".ofd": "OFD: export it as PDF",
    ".caj": "CAJ: export it as PDF",
}


def _unsupported(p: Path) -> tuple[str, str]:
    suffix = p.suffix.lower()
    if not suffix:
        return "no file extension", "add the extension of its format (.txt, .md, .pdf, .docx or .html) to its name"
    return f"unsupported file type {suffix}", _LEGACY.get(suffix, CONVERT_FIX)


def display_path(p: str | Path) -> str:
    """A path as text that can be printed and stored: bytes that are not UTF-8 shown as \\xff."""
    return os.fsencode(p).decode("utf-8", "backslashreplace")

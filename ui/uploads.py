"""Uploaded files: checked (type, size, content) and copied under a safe name before indexing.

A browser-supplied file name never reaches the file system as given: :func:`safe_filename` keeps
the base name only, replaces anything but letters, digits (any script), ``-``, ``_`` and ``.``,
caps its length and lower-cases the extension; :func:`stage_uploads` then makes it unique in the
upload folder (an identical file keeps its name, so uploading it again replaces it).

The accepted types and the content checks are ingest's format registry (:mod:`ingest.formats`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ingest.formats import SNIFF_BYTES, format_for, upload_types

log = logging.getLogger(__name__)

ALLOWED = upload_types()  # suffix → what users call the format, in the upload dialog's order
# what to say when a file's content is not the format its name says (others: "文件内容不是 <label>")
_NOT_THIS = {"pdf": "文件内容不是 PDF（可能是改了扩展名的其他文件）",
             "docx": "文件内容不是 Word .docx（旧版 .doc 请先另存为 .docx）"}
MAX_NAME = 80  # characters of the stem
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_filename(name: str, max_len: int = MAX_NAME) -> str:
    """A file name that is safe to create: base name only, safe characters, bounded length.

    >>> safe_filename("../../etc/passwd")
    'passwd'
    >>> safe_filename("C:\\\\Users\\\\x\\\\个人信息 保护法(2021).PDF")
    '个人信息_保护法_2021.pdf'
    >>> safe_filename(".bashrc")
    'bashrc'
    >>> safe_filename("")
    'upload'
    >>> safe_filename("CON.txt"), safe_filename("evil\\u202egpj.pdf"), safe_filename("a\\x00b.pdf")
    ('_CON.txt', 'evilgpj.pdf', 'ab.pdf')
    """
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").lstrip(". ")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    ext = _UNSAFE.sub("", ext).lower()[:10]
    stem = _UNSAFE.sub("_", stem).strip("._-")[:max_len].strip("._-") or "upload"
    if stem.upper() in _RESERVED:  # a device name on Windows, should the folder ever be shared with one
        stem = "_" + stem
    return f"{stem}.{ext}" if ext else stem


def display_name(name: str, max_len: int = 120) -> str:
    """A browser-supplied name as it may be shown back: base name, no control or direction-override
    characters, at most ``max_len`` characters.

    >>> display_name("../../x/\\u202eevil.pdf"), len(display_name("a" * 300 + ".pdf"))
    ('evil.pdf', 120)
    """
    base = str(name).replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return (base[:max_len - 1] + "…" if len(base) > max_len else base) or "upload"


def human_size(n: int) -> str:
    """
    >>> human_size(20 * 1048576), human_size(178_432), human_size(1024)
    ('20 MB', '174 KB', '1 KB')
    """
    if n >= 1048576:
        return f"{n / 1048576:.1f}".rstrip("0").rstrip(".") + " MB"
    return f"{max(1, round(n / 1024))} KB"


def check_upload(path: str | Path, name: str, max_bytes: int) -> str | None:
    """Why this upload cannot be indexed (in Chinese), or None when it may be."""
    safe = safe_filename(name)
    ext = Path(safe).suffix.lower()
    if ext not in ALLOWED:
        kinds = "、".join(dict.fromkeys(ALLOWED.values()))
        return f"不支持的文件类型“{ext or '无扩展名'}”：只能上传 {kinds} 文件"
    p = Path(path)
    if not p.is_file():
        return "上传的文件没有到达服务器，请重新上传"
    size = p.stat().st_size
    if size == 0:
        return "文件是空的"
    if size > max_bytes:
        return f"文件太大（{human_size(size)}）：上限为 {human_size(max_bytes)}"
    with open(p, "rb") as f:
        head = f.read(SNIFF_BYTES)
    fmt = format_for(safe)
    if fmt is not None and not fmt.matches(head, p):
        return _NOT_THIS.get(fmt.name, f"文件内容不是 {fmt.label}")
    return None


@dataclass
class Staged:
    """Files copied into the upload folder, and those refused with their reason."""

    paths: list[Path] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # staged file name → name as uploaded
    rejected: list[tuple[str, str]] = field(default_factory=list)


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _unique(folder: Path, name: str, src: Path) -> Path:
    target = folder / name
    stem, suffix = target.stem, target.suffix
    n = 2
    while target.exists() and _sha(target) != _sha(src):
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target


def stage_uploads(files: list[tuple[str | Path, str]], folder: str | Path, max_bytes: int) -> Staged:
    """Check each ``(temporary path, name as uploaded)`` and copy the good ones into ``folder``."""
    folder = Path(folder)
    out = Staged()
    for tmp, original in files:
        shown = display_name(str(original))  # what the report says; the file's name comes from the original
        reason = check_upload(tmp, str(original), max_bytes)
        if reason:
            out.rejected.append((shown, reason))
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = _unique(folder, safe_filename(str(original)), Path(tmp))
        if folder.resolve() not in target.resolve().parents:  # belt and braces: never outside the folder
            out.rejected.append((shown, "文件名不合法"))
            continue
        if not target.exists():
            shutil.copyfile(tmp, target)
        out.paths.append(target)
        out.names[target.name] = shown
        log.info("upload %r staged as %s", shown, target)
    return out

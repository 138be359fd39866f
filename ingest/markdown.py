"""Markdown files → ``SourceText`` with their front matter.

Two kinds of front matter are read, both common in knowledge bases of legal texts:

* a YAML-style block between ``---`` lines at the top (``法规名称: …``, ``效力层级: …``, ``地区: …``):
  one ``key: value`` a line. The block is machine data (file paths, hashes) and is left out of
  the text; the text begins after it.
* ``Key: Value`` lines right under a first line ``# Title`` (``Jurisdiction:``, ``Region:``,
  ``Authority:``, ``Source URL:``, ``Topics:``, ``Keywords:``): read, and left out of the text too (a
  keyword line is no clause of the law, and its words would match questions the law does not
  answer); the ``# Title`` line stays. A file that opens with a ``# Title`` line has at least that:
  its ``title``.

A file with front matter is one document, which the front matter describes
(:func:`ingest.parsing.parse_source`); :mod:`ingest.metadata.frontmatter` turns the keys into
metadata. Everything else is read as :func:`ingest.plaintext.read_text` reads text.

>>> fm, text = split_front_matter("---\\n法规名称: 数据安全管理办法\\n地区: 上海市\\n---\\n\\n# 数据安全管理办法\\n第一条 …")
>>> fm, text
({'法规名称': '数据安全管理办法', '地区': '上海市'}, '\\n# 数据安全管理办法\\n第一条 …')
>>> fm, text = split_front_matter("# Personal Data Protection Act 2012\\n\\nJurisdiction: Singapore\\nRegion: SG\\n\\n## Summary")
>>> fm["title"], fm["Region"], text
('Personal Data Protection Act 2012', 'SG', '# Personal Data Protection Act 2012\\n\\n## Summary')
>>> split_front_matter("第一条 为了…\\n")[0]
{}
"""

from __future__ import annotations

import re
from pathlib import Path

from .plaintext import read_text, with_margin_labels
from .types import SourceText

_KEY_LINE = re.compile(r"^(?P<key>[^\s:：][^:：\n]{0,39}?)\s*[:：][ \t]*(?P<value>.*?)\s*$")
_HEADER_KEY = re.compile(r"^(?P<key>[A-Z][A-Za-z]*(?: [A-Za-z]+){0,3}): +(?P<value>\S.*?)\s*$")
_MAX_BLOCK_LINES = 80


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """``(front matter, text)``: the keys of a ``---`` block, or ``title`` and the ``Key: Value``
    lines under a first line ``# Title``, each left out of the text (the title line stays);
    ``({}, text)`` when there is neither."""
    if text.startswith("---\n"):
        end = text.find("\n---", 3)
        lines = text[4:end].split("\n") if end >= 0 else []
        if end >= 0 and len(lines) <= _MAX_BLOCK_LINES:
            fm = {}
            for line in lines:
                m = _KEY_LINE.match(line)
                if m is None:
                    if line.strip():
                        return {}, text  # not a key: value block after all
                    continue
                fm[m["key"].strip()] = m["value"].strip().strip("'\"")
            rest = text.find("\n", end + 1)
            return fm, text[rest + 1:] if rest >= 0 else ""
        return {}, text
    first, _, rest = text.partition("\n")
    if not first.startswith("# "):
        return {}, text
    fm: dict[str, str] = {}
    lines = rest.split("\n")
    used = 0  # lines of rest read as front matter (with the blank lines before them)
    for i, line in enumerate(lines[:_MAX_BLOCK_LINES]):
        if not line.strip():
            if fm:
                break
            continue
        m = _HEADER_KEY.match(line)
        if m is None:
            break
        fm[m["key"]] = m["value"]
        used = i + 1
    fm["title"] = first[2:].strip()  # a Markdown file that opens with its title is that one document
    if used:  # the key lines are metadata, not text (a Keywords line is no clause of the law)
        return fm, "\n".join([first, *lines[used:]])
    return fm, text


def read_markdown(path: str | Path, display_name: str | None = None) -> SourceText:
    """Read one Markdown file: its text as :func:`~ingest.plaintext.read_text` reads it, its front
    matter in ``SourceText.front_matter`` (a ``---`` block left out of the text)."""
    src = read_text(path, display_name, margins=False)
    fm, text = split_front_matter(src.text)
    return SourceText(src.path, with_margin_labels(text, src.path), src.encoding, front_matter=fm)

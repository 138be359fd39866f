"""What the metadata rules share: digits folded, the lines of a head or tail, title keys, 《…》 names."""

from __future__ import annotations

import re

from ..text import strip_markup

FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
DOC_NAMES = re.compile(r"《([^《》]{2,60})》")


def read_lines(text: str) -> list[str]:
    return [strip_markup(x) for x in text.translate(FW_DIGITS).split("\n")]


def nonblank(lines: list[str]) -> list[str]:
    return [x for x in lines if x]


def title_key(s: str) -> str:
    """Form used to compare titles: blanks removed, brackets and dashes folded."""
    s = re.sub(r"[\s\u3000]+", "", s.translate(FW_DIGITS))
    return s.translate(str.maketrans("()[]-–－―", "（）〔〕————"))

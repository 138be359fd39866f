"""Text helpers shared by the ingest stages: lines with offsets, markup stripping, cleaning.

Nothing here changes source offsets: cleaning produces *new* strings for indexing
and display, while spans always point into the untouched source text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property

CN_DIGITS = "零〇一二三四五六七八九十百千两"
# a line that ends a paragraph: a full stop, a colon, a closing quote or bracket
PARA_END = re.compile(r"[。；：！？;:!?”」）)]$")
_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0\u2000-\u200b\u3000]+(?=[{_CJK}])")
_DIGIT_BREAK = re.compile(r"(?<=\d)\n+(?=\d)")
_MULTI_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
# Markdown furniture at the start of a line: headings, list bullets, bold markers, quotes.
_LEAD_MARKUP = re.compile(r"^[\s\u3000]*(?:#{1,6}\s*|[-*+>]\s+|\*\*)*")
_BOLD = re.compile(r"\*\*|__")
# Web-print boilerplate a legal database prints around a statute: its adverts, links, format notes
# (a paragraph of at most _BOILERPLATE_MAX characters that matches one of these)
_BOILERPLATE_MAX = 200
_BOILERPLATE = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^\*?\s*注[：:]\s*本文格式遵循",
        r"^[©Ⓒ]",
        r"北大法宝|法宝快讯|法宝\s*V\d",
        r"^扫描二维码",
        r"^(?:原文链接|原文地址|来源链接|网址|链接|url)\s*[：:]",
        r"^(?:https?://|www\.)\S+$",
    )
)


def is_boilerplate(paragraph: str) -> bool:
    """Whether ``paragraph`` is a legal database's web-print boilerplate (an advert, a link, a format note).

    >>> is_boilerplate("扫描二维码阅读原文"), is_boilerplate("第一条 为了规范数据处理活动，制定本法。")
    (True, False)
    """
    text = paragraph.strip()
    return len(text) <= _BOILERPLATE_MAX and any(pat.search(text) for pat in _BOILERPLATE)


@dataclass(frozen=True)
class Line:
    """One line of a source: ``[start, end)`` excludes the newline."""

    no: int  # 1-based line number within the source
    start: int
    end: int
    raw: str

    @cached_property
    def content(self) -> str:
        """The line with leading markup and surrounding blanks stripped (for classification)."""
        return strip_markup(self.raw)

    @property
    def content_start(self) -> int:
        """Offset of the first character of the content proper (after markup and indentation)."""
        m = _LEAD_MARKUP.match(self.raw)
        i = m.end() if m else 0
        while i < len(self.raw) and (self.raw[i].isspace() or is_invisible(self.raw[i])):
            i += 1
        return self.start + i

    @property
    def content_end(self) -> int:
        """Offset just after the last non-blank, non-markup character."""
        s = self.raw.rstrip()
        while s.endswith("**"):
            s = s[:-2].rstrip()
        while s and is_invisible(s[-1]):
            s = s[:-1]
        return self.start + len(s)


def iter_lines(text: str, start: int = 0, end: int | None = None, first_no: int = 1) -> Iterator[Line]:
    """Yield the lines of ``text[start:end]`` with absolute offsets and line numbers."""
    end = len(text) if end is None else end
    pos, no = start, first_no
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        yield Line(no, pos, stop, text[pos:stop])
        pos, no = stop + 1, no + 1


_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ue000-\uf8ff"
    "\U000f0000-\U0010ffff]"
)
_NOT_COUNTED = re.compile(r"[\s\u3000*#]+")


def is_invisible(ch: str) -> bool:
    """Private-use, control and format characters that conversions leave behind."""
    if ch == "\n":
        return False
    return unicodedata.category(ch) in ("Co", "Cc", "Cf", "Cs")


def drop_invisible(text: str) -> str:
    """``text`` without private-use, control (but newline and tab) and format characters."""
    return _INVISIBLE.sub("", text)


def text_len(text: str) -> int:
    """Length that counts: characters other than blanks, markup and invisible ones."""
    return len(_NOT_COUNTED.sub("", _INVISIBLE.sub("", text)))


def strip_markup(line: str) -> str:
    """Strip markdown headings, bullets, bold markers and blanks from one line."""
    s = _LEAD_MARKUP.sub("", line)
    s = _BOLD.sub("", s)
    s = _INVISIBLE.sub("", s)
    return s.strip(" \t\u3000\u00a0\u2002\u2003")


def char_bigrams(text: str) -> frozenset[str]:
    """The character bigrams of ``text``, for matching titles people shorten.

    >>> sorted(char_bigrams("数据法"))
    ['据法', '数据']
    """
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def one_line(text: str) -> str:
    r""":func:`clean` text as one line: line breaks dropped, except between two numbers
    (a page number before "2023年" must not become "022023年").

    >>> one_line("数据\n安全\n02\n2023年")
    '数据安全02 2023年'
    """
    return _DIGIT_BREAK.sub(" ", clean(text)).replace("\n", "")


def clean(text: str) -> str:
    """Text for indexing and display: invisible characters and markup removed, blanks folded.

    >>> clean("**第一条**\\u3000为了\\uf06c规范 数据")
    '第一条为了规范数据'
    """
    out_lines = []
    for raw in text.split("\n"):
        s = strip_markup(raw)
        if not s:
            continue
        s = _SPACE_BETWEEN_CJK.sub("", s)
        s = _MULTI_SPACE.sub(" ", s)
        out_lines.append(s)
    return "\n".join(out_lines)


def compact(text: str) -> str:
    """All whitespace and markup removed: the form used to compare texts."""
    return _NOT_COUNTED.sub("", _INVISIBLE.sub("", text))


_CN_NUM = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_to_int(s: str) -> int | None:
    """Chinese numeral (up to the thousands) or Arabic digits to int; None if not a number.

    >>> cn_to_int("二十八"), cn_to_int("一百零五"), cn_to_int("13")
    (28, 105, 13)
    """
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_NUM:
            cur = _CN_NUM[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        elif ch == "千":
            total += (cur or 1) * 1000
            cur = 0
        else:
            return None
    return total + cur


CN_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}


def cn_number(s: str) -> Decimal | None:
    """A Chinese numeral — with 万/亿 sections, 点 decimals, or digit by digit — as a Decimal.

    >>> [str(cn_number(s)) for s in ("一百万", "五千万", "二〇二四", "三十", "零点五", "一亿五千万")]
    ['1000000', '50000000', '2024', '30', '0.5', '150000000']
    """
    s = s.strip()
    if not s:
        return None
    frac = ""
    if "点" in s:
        s, frac = s.split("点", 1)
        frac_digits = [cn_to_int(ch) for ch in frac]
        if any(d is None or d > 9 for d in frac_digits):
            return None
        frac = "".join(str(d) for d in frac_digits)
    if not any(ch in CN_MULTIPLIERS for ch in s) and len(s) > 1:  # 二〇二四: digit by digit
        digits = [cn_to_int(ch) for ch in s]
        if any(d is None or d > 9 for d in digits):
            return None
        whole = int("".join(str(d) for d in digits))
    else:
        whole, rest = 0, s
        for big in ("亿", "万"):
            if big in rest:
                head, rest = rest.split(big, 1)
                n = cn_to_int(head) if head else 1
                if n is None:
                    return None
                whole += n * CN_MULTIPLIERS[big]
        if rest:
            n = cn_to_int(rest)
            if n is None:
                return None
            whole += n
    try:
        return Decimal(f"{whole}.{frac}" if frac else str(whole))
    except InvalidOperation:  # pragma: no cover - the digits above are checked
        return None


def int_to_cn(n: int) -> str:
    """Int to the Chinese numeral used in article numbers, of any size (the Civil Code has 1,260).

    >>> int_to_cn(28), int_to_cn(105), int_to_cn(10), int_to_cn(110)
    ('二十八', '一百零五', '十', '一百一十')
    >>> int_to_cn(1000), int_to_cn(1010), int_to_cn(1260), int_to_cn(2005), int_to_cn(10001)
    ('一千', '一千零一十', '一千二百六十', '二千零五', '一万零一')
    """
    if n < 0:
        raise ValueError(f"no Chinese numeral for a negative number: {n}")
    if 10 <= n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    return _cn_digits(n)


_DIGITS = "零一二三四五六七八九"


def _cn_digits(n: int) -> str:
    """``n`` in Chinese numerals, 十 always with its digit (一百一十, 一千零一十)."""
    if n < 10:
        return _DIGITS[n]
    for size, word in ((10 ** 8, "亿"), (10 ** 4, "万"), (1000, "千"), (100, "百"), (10, "十")):
        if n >= size:
            head, rest = divmod(n, size)
            out = _cn_digits(head) + word
            if rest:
                out += ("零" if rest < size // 10 else "") + _cn_digits(rest)
            return out
    raise AssertionError(n)  # pragma: no cover

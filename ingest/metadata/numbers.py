"""文号 (document numbers): 〔YYYY〕N号, X令第N号, X公告YYYY年N号 — recognised, normalised and found in a head."""

from __future__ import annotations

import re

from .common import FW_DIGITS

_BRACKET_NO = re.compile(r"(?P<p>[\u4e00-\u9fff“”]{1,12})[〔\[［【(（](?P<y>(?:19|20)\d{2})[〕\]］】)）](?P<n>\d{1,5})号")
_LING_NO = re.compile(r"(?P<p>[\u4e00-\u9fff]{2,30})令第(?P<n>[0-9一二三四五六七八九十百零〇]{1,6})号")
_GONGGAO_NO = re.compile(r"(?P<p>[\u4e00-\u9fff]{2,40})公告(?:(?P<y>(?:19|20)\d{2})年|〔(?P<y2>(?:19|20)\d{2})〕)"
                         r"第?(?P<n>\d{1,4})号")
DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff“”]{1,12}〔(?:19|20)\d{2}〕\d{1,5}号"
                           r"|[\u4e00-\u9fff]{2,30}令第[0-9一二三四五六七八九十百零〇]{1,6}号"
                           r"|[\u4e00-\u9fff]{2,40}公告(?:(?:19|20)\d{2}年|〔(?:19|20)\d{2}〕)第?\d{1,4}号")
"""Every ``doc_number`` returned matches this in full: 〔YYYY〕N号 (brackets normalised), X令第N号, X公告YYYY年N号."""



def normalize_doc_number(s: str) -> str | None:
    """A standalone 文号 with blanks removed and brackets normalised to 〔〕; None if it is not one.

    >>> normalize_doc_number("沪府办规〔2023〕27 号"), normalize_doc_number("（桂政办发[2023]51号）")
    ('沪府办规〔2023〕27号', '桂政办发〔2023〕51号')
    >>> normalize_doc_number("国家互联网信息办公室令 第11号")
    '国家互联网信息办公室令第11号'
    >>> normalize_doc_number("按照《国务院关于加强数字政府建设的指导意见》(国发〔2022〕14号)") is None
    True
    """
    t = re.sub(r"[\s\u3000]+", "", s.translate(FW_DIGITS))
    if t[:1] in "(（" and t[-1:] in ")）":
        t = t[1:-1]
    m = _BRACKET_NO.fullmatch(t)
    if m:
        return f"{m.group('p')}〔{m.group('y')}〕{m.group('n')}号"
    if _LING_NO.fullmatch(t) or _GONGGAO_NO.fullmatch(t):
        return t
    return None


def find_doc_number(lines: list[str]) -> str | None:
    """The first standalone 文号 line in the head (a 令 may be split as "X令" / "第N号")."""
    nb = [x for x in lines if x][:40]
    for i, line in enumerate(nb):
        got = normalize_doc_number(line)
        if got:
            return got
        if line.endswith("令") and i + 1 < len(nb) and re.fullmatch(r"第\s*[0-9一二三四五六七八九十百零〇]+\s*号", nb[i + 1]):
            got = normalize_doc_number(line + nb[i + 1])
            if got:
                return got
    return None

"""Dates: any date written in a document (年月日, Chinese numerals, ISO), and the dates a document
carries — published (signed, under the title, labelled or reported), adopted, effective and valid until."""

from __future__ import annotations

import datetime as _dt
import re

from ..text import cn_to_int
from .common import DOC_NAMES, FW_DIGITS, nonblank, title_key
from .doctype import DATELINE, NORMATIVE_END

DATE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?")
_CN_DATE = re.compile(r"(?P<y>[〇○零一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月"
                      r"(?:\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日)?")
_ISO_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
_CN_YEAR_DIGIT = {"〇": "0", "○": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5",
                  "六": "6", "七": "7", "八": "8", "九": "9"}
_DATE_ANY = r"(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日)"
_EFFECT_LEAD = r"(?:本(?![市省区县])[\u4e00-\u9fff]{0,8}?|现予(?:公布|发布|印发)[，,]\s*)"
_EFFECTIVE = re.compile(_EFFECT_LEAD + rf"自\s*(?P<d>{_DATE_ANY})\s*起(?:施行|实施|生效|试行|执行)")
_ON_PUB = re.compile(_EFFECT_LEAD + r"自(?:公布|印发|发布|签发|颁布)之日起(?:施行|实施|生效|试行|执行)")
# validity of the document itself ("本办法自…起施行，有效期五年"), not of a licence or an assessment it grants
_VALIDITY = re.compile(rf"本(?![市省区县])[\u4e00-\u9fff]{{0,8}}?(?:自[^。；]{{0,30}}?起(?:施行|实施|生效|试行|执行)[，,]\s*)?"
                       rf"有效期(?:至\s*(?P<d>{_DATE_ANY})|(?:为)?(?P<n>[一二两三四五六七八九十\d]{{1,3}})年)")
_PUB_LABEL = re.compile(r"(?:发布时间|发布日期|印发日期|成文日期)[：:\s]*(?P<d>\d{4}(?:-\d{1,2}-\d{1,2}|\s*年\s*\d{1,2}\s*月"
                        r"(?:\s*\d{1,2}\s*日)?))")
# "（2016年11月7日…会议通过）", also when amendments follow: "（…会议通过　根据…修正）"
ADOPTED_DATE = re.compile(r"[（(](?P<d>[^（）()]{6,14}日)[^（）()]{0,40}?会议[^（）()]{0,10}通过(?:[）)]|[\s\u3000]*根据)|"
                           r"(?:已经|已由|经)(?P<d2>\d{4}年\d{1,2}月\d{1,2}日)[^。，]{0,40}?(?:会议)?(?:审议)?通过|"
                           r"(?:已经|已由)[^。，]{0,50}?会议于(?P<d3>\d{4}年\d{1,2}月\d{1,2}日)通过")


def iso_date(y: int, m: int, d: int | None) -> str | None:
    try:
        return _dt.date(y, m, d or 1).isoformat()[: 10 if d else 7]
    except ValueError:
        return None


def parse_date(s: str) -> str | None:
    """The first date in ``s`` as ISO ``YYYY-MM-DD`` (or ``YYYY-MM`` without a day).

    >>> parse_date("（2022年12月2日）"), parse_date("二〇二三年三月二日"), parse_date("2023年 4 月 16 日")
    ('2022-12-02', '2023-03-02', '2023-04-16')
    >>> parse_date("2024年02月"), parse_date("发布时间： 2021-09-06"), parse_date("12月19日") is None
    ('2024-02', '2021-09-06', True)
    """
    s = s.translate(FW_DIGITS)
    found = []
    for rx in (DATE, _ISO_DATE):
        m = rx.search(s)
        if m:
            d = m.group("d")
            found.append((m.start(), iso_date(int(m.group("y")), int(m.group("m")), int(d) if d else None)))
    m = _CN_DATE.search(s)
    if m:
        y = int("".join(_CN_YEAR_DIGIT[c] for c in m.group("y")))
        mo = cn_to_int(m.group("m"))
        d = cn_to_int(m.group("d")) if m.group("d") else None
        if mo:
            found.append((m.start(), iso_date(y, mo, d)))
    found = [f for f in found if f[1]]
    return min(found)[1] if found else None


def is_date_line(line: str) -> str | None:
    """ISO date when the whole line is a 年月日 date (possibly in brackets), else None.

    Bare ``2023-01-30`` lines are left out: they are table cells far more often than dates of issue.
    """
    s = re.sub(r"[\s\u3000]+", "", line.translate(FW_DIGITS)).strip("()（）[]【】")
    if not s:
        return None
    for rx in (DATE, _CN_DATE):
        if rx.fullmatch(s):
            return parse_date(s)
    return None


def find_adopted(head: str) -> str | None:
    """Day of adoption: "（2021年6月10日…会议通过）", "已经2022年5月19日…审议通过"."""
    m = ADOPTED_DATE.search(head)
    if m:
        return parse_date(m.group("d") or m.group("d2") or m.group("d3") or "")
    return None


def find_published(title: str, head_lines: list[str], tail_lines: list[str],
                   signatures: list[tuple[str, list[str]]], head: str, doc_type: str) -> str | None:
    """Issue date: a signed date, a date line under the title, a 发布时间 label, or a dated release."""
    for iso, bodies in signatures:
        if bodies:
            return iso
    hb = nonblank(head_lines)
    for line in hb[:30]:
        iso = is_date_line(line)
        if iso:
            return iso
    m = _PUB_LABEL.search(head)
    if m:
        return parse_date(m.group("d"))
    key = title_key(title)
    for sent in re.split(r"[。！？\n]", head[:800]):
        dm = re.match(rf"^\s*(?P<d>{_DATE_ANY})[，,]", sent)
        if dm:
            for name in DOC_NAMES.findall(sent):
                if title_key(name) == key and re.search(r"发布(?:了)?《", sent):
                    return parse_date(dm.group("d"))
    if doc_type in ("报告", "白皮书"):
        for line in hb[:12]:
            lm = re.match(r"^[\u4e00-\u9fff“”\s]{4,40}?\s*(?P<d>(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月)$", line)
            if lm:
                return parse_date(lm.group("d"))
    dl = DATELINE.search(head[:400])
    if dl:
        mo, d = int(dl.group("m")), int(dl.group("d"))
        for fm in DATE.finditer(head):
            if fm.group("d") and int(fm.group("m")) == mo and int(fm.group("d")) == d:
                return iso_date(int(fm.group("y")), mo, d)
    return None


def find_effective(title: str, head: str, tail: str, text: str) -> str | None:
    """施行日期: ISO date, ``"on_publication"``, or None."""
    for part in (head, tail):
        m_date = _EFFECTIVE.search(part)
        m_pub = _ON_PUB.search(part)
        if m_date and (not m_pub or m_date.start() < m_pub.start()):
            return parse_date(m_date.group("d"))
        if m_pub:
            return "on_publication"
    # a clause in the body that names the document's own form (本法 / 本办法 …)
    form = NORMATIVE_END.search(title)
    if form:
        word = re.sub(r"\s*[（(].*$", "", form.group())
        word = {"法": "法", "条例": "条例", "办法": "办法", "规定": "规定", "细则": "细则", "规则": "规则"}.get(word)
        if word:
            m = re.search(rf"本{word}自\s*(?P<d>{_DATE_ANY})\s*起(?:施行|实施|生效)", text)
            if m:
                return parse_date(m.group("d"))
            if re.search(rf"本{word}自(?:公布|印发|发布)之日起(?:施行|实施|生效)", text):
                return "on_publication"
    return None


def find_valid_until(head: str, tail: str, effective_date: str | None) -> str | None:
    """Last day of validity: "本…有效期至2028年12月31日", or "本…有效期N年" counted from the day it took effect."""
    for part in (tail, head):
        m = _VALIDITY.search(part)
        if m and m.group("d"):
            return parse_date(m.group("d"))
        if m and effective_date and len(effective_date) == 10:
            n = cn_to_int(m.group("n"))
            start = _dt.date.fromisoformat(effective_date)
            if n:
                try:
                    end = start.replace(year=start.year + n)
                except ValueError:  # 29 February
                    end = start.replace(year=start.year + n, day=28)
                return (end - _dt.timedelta(days=1)).isoformat()
    return None


def filing_date(metadata: dict) -> str | None:
    """The date a document is filed under: when it took effect, else when it was published
    (ISO, possibly only ``YYYY-MM`` or ``YYYY``); None when its metadata names neither.

    >>> filing_date({"published": "2024-03", "adopted": "2023-12-29"}), filing_date({"published": "不详"})
    ('2024-03', None)
    """
    for key in ("effective_date", "published", "adopted"):
        value = metadata.get(key)
        if isinstance(value, str) and re.fullmatch(r"\d{4}(-\d{2}){0,2}", value):
            return value
    return None


def filing_date_end(date: str) -> str:
    """The last day a partial filing date stands for, as a string that sorts like an ISO date
    (``2024-03`` → ``2024-03-99``): a date range admits a month or year when any day of it is in.

    >>> filing_date_end("2024"), filing_date_end("2024-03-15")
    ('2024-99-99', '2024-03-15')
    """
    return date + "-99-99"[: 10 - len(date)]

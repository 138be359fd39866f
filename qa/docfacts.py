"""Where a document states facts about itself: its number, its issuers, when it was issued, when it takes effect,
when its comment period closes.

A question about a document itself (its 文号, from when it applies, which bodies issued it) is answered by the
document's own header, preamble, closing article or signature lines, which retrieval, ranking clauses by what
they say, rarely puts first. :func:`fact_spans` finds those sentences in the document's text by their form — a
number 〔2031〕9号 or 令第9号, "自…起施行", "审议通过 / 现予公布 / 印发", a short line ending in a date, a short
line naming one of its issuers (from its metadata), "截止" — so that the answer can quote them exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ingest.text import compact

from .selection import SENTENCE

_CN_NUM = "0-9一二三四五六七八九十百零〇"
_NUMBER = re.compile(rf"〔\s*\d{{4}}\s*〕\s*第?\s*\d+\s*号|令\s*第\s*[{_CN_NUM}]+\s*号|公告\s*\d{{4}}\s*年\s*第?\s*\d+\s*号")
_EFFECTIVE = re.compile(r"(?:自|于|从)[^。；\n]{0,40}?(?:起|之日)[^。；\n]{0,6}?(?:施行|实施|生效|执行)|有效期至")
_ISSUED = re.compile(r"审议通过|现予公布|现予发布|现予印发|现印发|印发给你们|予以公布|现将[^。；\n]{0,40}印发")
_ON_ISSUE = re.compile(r"(?:公布|发布|印发)之日")
_FULL_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_ISSUE_VERB = re.compile(r"发布|印发|公布")
_DATE_LINE = re.compile(_FULL_DATE.pattern + r"\s*[）)]?$")
_DEADLINE = re.compile(r"截止")
_JOINT = re.compile(r"会同|联合")
SHORT_LINE = 40  # a header or signature line (an issuer, a date) is shorter than this


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """The quotable sentences (:data:`qa.selection.SENTENCE`: or lines without a full stop) of ``text[start:end]``,
    as ``(start, end, text)`` with the blanks at either end left out."""
    out = []
    for m in SENTENCE.finditer(text, start, end):
        s, e = m.start(), m.end()
        body = text[s:e]
        lead = len(body) - len(body.lstrip())
        trail = len(body) - len(body.rstrip())
        if e - trail > s + lead:
            out.append((s + lead, e - trail, text[s + lead:e - trail]))
    return out


def _located(text: str, start: int, end: int, words: str) -> tuple[int, int] | None:
    """The first span of ``text[start:end]`` that reads ``words`` once blanks and line breaks are ignored."""
    chars = compact(words)
    if not chars:
        return None
    m = re.compile(r"\s*".join(map(re.escape, chars))).search(text, start, end)
    return (m.start(), m.end()) if m else None


def fact_spans(text: str, start: int, end: int, facts: Iterable[str], issuers: Sequence[str] = (),
               number: str | None = None) -> list[tuple[int, int]]:
    """The spans of ``text[start:end]`` (a document) stating the asked ``facts`` (of
    :data:`retrieval.asks.DOCUMENT_FACTS`), in the order asked, each span once: its ``number`` (its metadata's 文号,
    found whatever line breaks it), else the first sentence with a number;
    the short lines naming one of its ``issuers`` and the first sentence saying it was issued jointly; the first
    sentence saying it was adopted or issued and its first and last dated short lines; the last sentence saying
    from when it applies; the first sentence giving a closing date.

    >>> doc = "甲市数据条例\\n甲府发〔2031〕9号\\n甲市人民政府\\n第一条 为了规范数据处理，制定本条例。\\n第九条 本条例自2031年5月1日起施行。\\n甲市人民政府\\n2031年3月2日"
    >>> [doc[s:e] for s, e in fact_spans(doc, 0, len(doc), ["number", "effective"])]
    ['甲府发〔2031〕9号', '第九条 本条例自2031年5月1日起施行。']
    >>> [doc[s:e] for s, e in fact_spans(doc, 0, len(doc), ["issuer", "published"], ["甲市人民政府"])]
    ['甲市人民政府', '2031年3月2日']
    >>> doc = "乙局令\\n第3号\\n乙办法"
    >>> [doc[s:e] for s, e in fact_spans(doc, 0, len(doc), ["number"], number="乙局令第3号")]
    ['乙局令\\n第3号']
    """
    sents = _sentences(text, start, end)
    flat = [compact(x[2]) for x in sents]  # as compared: without blanks
    short = [x for x, f in zip(sents, flat) if len(f) <= SHORT_LINE]
    names = [compact(i) for i in issuers if i]
    found: list[tuple[int, int]] = []

    def first(items: Iterable[tuple[int, int, str]]) -> None:
        for s, e, _ in items:
            found.append((s, e))
            return

    def issued() -> None:
        # the sentence saying it was adopted or issued (else one dating an issuing: a report "某年某月某日，…发布"),
        # and its first and last dated short lines (a header's date, a signature's)
        first([x for x in sents if _ISSUED.search(x[2])]
              or [x for x in sents if _FULL_DATE.search(x[2]) and _ISSUE_VERB.search(x[2])])
        dated = [x for x in short if _DATE_LINE.search(x[2])]
        first(dated[:1])
        first(dated[-1:] if len(dated) > 1 else [])

    for fact in facts:
        if fact == "number":
            at = _located(text, start, end, number) if number else None
            if at is not None:
                found.append(at)
            else:
                first(x for x in sents if _NUMBER.search(x[2]))
        elif fact == "issuer":
            # a signature block of several issuers runs over several short lines: take them together
            naming = [i for i, (x, f) in enumerate(zip(sents, flat)) if len(f) <= SHORT_LINE
                      and not _DATE_LINE.search(x[2]) and any(n in f for n in names)]
            if naming:
                last = naming[0]
                while last + 1 in naming:
                    last += 1
                found.append((sents[naming[0]][0], sents[last][1]))
            first(x for x, f in zip(sents, flat) if _JOINT.search(x[2]) and any(n in f for n in names))
        elif fact == "published":
            issued()
        elif fact == "effective":
            last = [x for x in sents if _EFFECTIVE.search(x[2])][-1:]
            first(last)
            if last and _ON_ISSUE.search(last[0][2]):
                issued()  # in force from the day it was issued: that day is the answer
        elif fact == "deadline":
            first(x for x in sents if _DEADLINE.search(x[2]))
    seen: set[tuple[int, int]] = set()
    return [span for span in found if not (span in seen or seen.add(span))]

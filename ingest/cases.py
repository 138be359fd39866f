"""Case collections: where each case of a collection of administrative-penalty cases (or other
cases) begins, and what it is called — numbered headings (案例一, 一、某公司…案, （一）…决定书)
or lines that are a whole 文号 followed by 当事人. :mod:`ingest.documents` splits a file there.
"""

from __future__ import annotations

import re

from .text import Line, cn_to_int

SENTENCE_END = re.compile(r"[。；：，！？;:,!?]$")

_CN_DIGIT = "一二三四五六七八九十百零〇"
_CASE_NO = rf"[{_CN_DIGIT}]+|\d+"
_CASE_NAME_END = r"(?:一案|[^方草预议提备档答法图个立结办]案|决定书)"  # not 方案, 草案, 备案 …: other headings
_CASE_HEADINGS = (  # headings that open a case: its number ``n`` and name
    re.compile(rf"^案例\s*(?P<n>{_CASE_NO})[\s:：、.．]*(?P<name>[^。；]{{0,60}})$"),
    re.compile(rf"^(?P<n>[一二三四五六七八九十百]+)、\s*(?P<name>.{{4,60}}{_CASE_NAME_END})$"),
    re.compile(rf"^[（(](?P<n>{_CASE_NO})[）)]\s*(?P<name>.{{4,60}}{_CASE_NAME_END})$"),
)
_CASE_LEAD = 0.2  # share of a case collection's text that may come before its first case
_DOC_NO_LINE = re.compile(r"^\S{1,20}?[〔\[［【(（]\d{4}[〕\]］】)）]\s*第?\d+号$")  # a whole 文号
_DATE_LINE = re.compile(rf"[\d{_CN_DIGIT}]{{2,4}}\s*年[\s\d{_CN_DIGIT}]{{1,4}}月[\s\d{_CN_DIGIT}]{{1,4}}日$")


def case_starts(lines: list[Line]) -> dict[int, str]:
    """Line index → title of each case of a case collection (empty for other files): the longest run
    of headings of one form numbered 1, 2, 3 … that starts within ``_CASE_LEAD`` of the file and has a body
    under each heading (a table of contents has none), else whole 文号 lines before ``当事人``; two at least."""
    nexts = [next((x.content for x in lines[i + 1 : i + 4] if x.content), "") for i in range(len(lines))]
    runs: list[list[tuple[int, str]]] = []
    for form in _CASE_HEADINGS:
        runs.append([])
        for i, ln in enumerate(lines):
            m = form.match(ln.content)
            n = cn_to_int(m.group("n")) if m else None
            if n == 1:
                runs.append([])
            if m and n == len(runs[-1]) + 1:
                name = m.group("name").strip() or (nexts[i] if _is_title_line(nexts[i], 60) else ln.content)
                runs[-1].append((i, name))
    runs = [r for r in runs if len(r) >= 2 and lines[r[0][0]].start <= _CASE_LEAD * lines[-1].end
            and all(sum(1 for ln in lines[a + 1 : b] if ln.content) >= 2 for (a, _), (b, _) in zip(r, r[1:]))]
    if runs:
        return dict(max(runs, key=len))
    numbers = [i for i, ln in enumerate(lines) if _DOC_NO_LINE.match(ln.content) and nexts[i].startswith("当事人")]
    starts: dict[int, str] = {}
    for k, i in enumerate(numbers):
        above = [j for j in range(numbers[k - 1] + 1 if k else 0, i) if lines[j].content][-2:]
        while above and not all(_is_title_line(lines[j].content) for j in above):
            above.pop(0)
        starts[above[0] if above else i] = "".join(lines[j].content for j in above) or lines[i].content
    return starts if len(starts) >= 2 else {}


def _is_title_line(text: str, limit: int = 40) -> bool:
    """A line of at most ``limit`` characters that is not a sentence, a date or a 文号."""
    return 0 < len(text) <= limit and not (SENTENCE_END.search(text) or _DATE_LINE.search(text) or _DOC_NO_LINE.match(text))



"""Article numbers printed in the margin, put back in front of their articles.

Some PDFs of statutes (a legal database's exports, for one) print each article's number in the
left margin beside its first line. Extractors that follow the content stream (pypdf, many
converters) then write every page's body first, its articles unnumbered, and that page's
margin after it: a run of lone ``第N条`` lines (each often twice: bold faked by printing it
again), the chapter headings set in the margin, then the page's footer. The structure reader
would find no article at all, or number the wrong paragraphs.

:func:`restore_margin_labels` rebuilds such a text. A page's margin says how many articles start
on it (``K``) and what they are called, in order; which of its paragraphs they are is read from
the first lines' widths. An article's first line is indented by its number, so it is the
narrowest of the wrapped first lines; a 款 (a further paragraph of an article) is indented by two
characters only, and a line that goes on from the line before fills the measure. On each page the
``K`` paragraph starts most likely to be articles get their numbers, in order; a page whose
paragraph starts are fewer than its labels leaves the whole text as it was. The margin runs, the
footers (the lines the pages share, page numbers) and the database's notes after the last article
(:func:`ingest.text.is_boilerplate`) are dropped, and the pieces an extractor split
a printed line into (a number, a link, a word in another font: "本法自\\n2017\\n年…") are joined
back; nothing else is changed, and a text without such runs is returned as None.

>>> margin = ["第一章　总则"] * 2 + ["第一条", "第一条", "第二条", "第二条", "第三条", "第三条", "1", "/", "2"]
>>> page = ["为了规范某事项，保障安全，促进发展，保护个人和组织的合法权", "益，制定本法。",
...         "本法适用于境内的活动。", "本法自公布之日起施行。"]
>>> print(restore_margin_labels("\\n".join(page + margin)))
第一章　总则
第一条　为了规范某事项，保障安全，促进发展，保护个人和组织的合法权
益，制定本法。
第二条　本法适用于境内的活动。
第三条　本法自公布之日起施行。
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from .text import CN_DIGITS, PARA_END, is_boilerplate

_CN = CN_DIGITS
_LABEL = re.compile(rf"^第[{_CN}\d]+条$")
_HEADING = re.compile(rf"^第[{_CN}\d]+(?:编|章|节)[\s\u3000]+\S.{{0,30}}$")
_INLINE_ARTICLE = re.compile(rf"^第[{_CN}\d]+条[\s\u3000]+\S")
_ENDS = PARA_END
_STOP = re.compile(r"[。；！？;!?]$")
_ITEM = re.compile(rf"^[（(][{_CN}]+[)）]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SHORTEST = 10  # ems an article's first line can fall short of the measure: its number and a blank
_KUAN_INDENT = 2  # ems a 款's first line is indented
_LABEL_GAP = 3  # ems an article's first line falls short beyond its number's width
_NEVER = float("-inf")
_FOOTER_ONLY = re.compile(r"^[\d\s/／第页共\-—.．]+$")
_BACK_MATTER_MAX = 600  # characters: the most a print's closing notes, adverts and link may take


def width(line: str) -> float:
    """Printed width in ems: a Chinese character or full-width sign 1, anything narrower ½."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in line.strip())


@dataclass
class _Page:
    body: list[str]
    labels: list[str]  # 第N条, and 第N章 … headings, in margin order


def _runs(lines: list[str]) -> list[tuple[int, int]]:
    """``[start, end)`` of each margin run: lines that are article labels or headings, joined
    across the short lines (title repeats, brackets) a margin also holds, with at least one article
    label, and the running head it opens with."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if not (_LABEL.match(lines[i]) or _HEADING.match(lines[i])):
            i += 1
            continue
        j = i
        last = i
        while j < len(lines) and (_LABEL.match(lines[j]) or _HEADING.match(lines[j]) or width(lines[j]) <= 16
                                  and not _ENDS.search(lines[j]) and j - last <= 6):
            if _LABEL.match(lines[j]) or _HEADING.match(lines[j]):
                last = j
            j += 1
        if any(_LABEL.match(x) for x in lines[i:last + 1]):
            # the running head a margin opens with: lines printed twice, or with no Chinese in them
            while i > 0 and not _STOP.search(lines[i - 1]) and width(lines[i - 1]) <= 16 and (
                    lines[i - 1] in (lines[i - 2] if i > 1 else None, lines[i]) or not _CJK.search(lines[i - 1])):
                i -= 1
            runs.append((i, last + 1))
        i = last + 1
    return runs


def _dedupe(marks: list[str]) -> list[str]:
    out: list[str] = []
    for m in marks:
        if not out or out[-1] != m:
            out.append(m)
    return out


def _pages(lines: list[str], runs: list[tuple[int, int]]) -> list[_Page]:
    """Each page's body (the first holds the title and preamble) and margin labels."""
    # the footers: short lines each page's body opens with, shared by most pages
    openings: list[list[str]] = []
    for k, (_, end) in enumerate(runs):
        nxt = runs[k + 1][0] if k + 1 < len(runs) else len(lines)
        openings.append(lines[end:min(nxt, end + 10)])
    common = Counter(x for block in openings for x in set(block))
    shared = {x for x, n in common.items() if n >= max(2, len(runs) // 2) and width(x) <= 16}
    pages: list[_Page] = []
    prev_end = 0
    for k, (start, end) in enumerate(runs):
        body = lines[prev_end:start]
        if k > 0:
            # drop the footer lines this page body opens with
            skip = 0
            while skip < len(body) and (body[skip] in shared or _FOOTER_ONLY.match(body[skip])):
                skip += 1
            body = body[skip:]
        marks = _dedupe([x for x in lines[start:end] if _LABEL.match(x) or _HEADING.match(x)])
        pages.append(_Page(body, marks))
        prev_end = end
    # after the last margin: its page's footer, and the text of a page whose margin came first
    rest = lines[prev_end:]
    while rest and (rest[0] in shared or _FOOTER_ONLY.match(rest[0])):
        rest = rest[1:]
    while rest and (rest[-1] in shared or _FOOTER_ONLY.match(rest[-1]) or not rest[-1]):
        rest = rest[:-1]
    return pages if not rest else pages + [_Page(rest, [])]


def _visual(body: list[str], measure: float) -> list[tuple[int, str]]:
    """The printed lines of ``body``, each with the index of its first extracted line: the pieces an
    extractor split off a line (a number, a link, a word in another font) joined back, as long as
    the line they make still fits the measure. A line as wide as a paragraph's first line can be
    is a whole line, not a piece."""
    out: list[tuple[int, str]] = []
    for i, line in enumerate(body):
        if out and line and out[-1][1] and not _ENDS.search(out[-1][1]) and not _HEADING.match(line) and \
                not line.startswith("#") and not out[-1][1].startswith("#") and \
                not _HEADING.match(out[-1][1]) and width(out[-1][1]) < measure - _SHORTEST and \
                width(out[-1][1]) + width(line) <= measure + 0.5:
            out[-1] = (out[-1][0], out[-1][1] + line)
        else:
            out.append((i, line))
    return out


@dataclass(frozen=True)
class _Start:
    page: int
    at: int  # index of the line in its page's body
    width: float
    wraps: bool  # the paragraph goes on to a further line
    last: bool  # the last paragraph start of its page


def _starts(page: int, lines: list[tuple[int, str]], first: int, before: str) -> list[_Start]:
    """Each printed line of a page (``lines``, from :func:`_visual`) from body line ``first`` on that
    may open a paragraph: the line before it (``before`` for the first) ends a sentence."""
    out = []
    for k, (i, line) in enumerate(lines):
        prev = lines[k - 1][1] if k else before
        if i < first or not _ENDS.search(prev) and not (i == first and first > 0) or _ITEM.match(line):
            continue  # (an item, （一）…, opens no article)
        out.append(_Start(page, i, width(line), not _ENDS.search(line), False))
    if out:
        out[-1] = _Start(page, out[-1].at, out[-1].width, out[-1].wraps, True)
    return out


def _fit(start: _Start, label: str, page: int, measure: float) -> float:
    """How well ``start`` fits the article ``label`` printed in the margin of ``page``: its number
    indents the first line by its own width and a little; a margin can print the number of an
    article that opens on the previous page's last line at the head of the next page's run."""
    if start.page != page and not (start.page == page - 1 and start.last):
        return _NEVER
    moved = -1.0 if start.page != page else 0.0
    indent = width(label) + _LABEL_GAP
    gap = measure - start.width
    if start.wraps:
        return moved + (3.0 if abs(gap - indent) <= 1.5 else -1.0 if gap > _SHORTEST + 1
                        else 1.0 if gap >= _KUAN_INDENT + 2 else -3.0)
    return moved + (1.0 if start.width <= measure - indent + 1 else -3.0)


def _unlabelled(start: _Start, measure: float) -> float:
    """What leaving ``start`` without a number costs: a wrapped first line indented as far as an
    article's is one."""
    return -2.0 if start.wraps and _KUAN_INDENT + 2.5 <= measure - start.width <= _SHORTEST + 1 else 0.0


def _assign(starts: list[_Start], labels: list[tuple[int, str]], measure: float) -> list[int] | None:
    """For each ``(page, label)``, in order, the index in ``starts`` of the paragraph it numbers: the
    most likely assignment in order (dynamic programming over starts × labels), or None when some
    label has no start it could number."""
    n, k = len(starts), len(labels)
    best = [[_NEVER] * (k + 1) for _ in range(n + 1)]
    took = [[False] * (k + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(1, n + 1):
        s = starts[i - 1]
        for j in range(0, min(i, k) + 1):
            skip = best[i - 1][j] + _unlabelled(s, measure) if best[i - 1][j] > _NEVER else _NEVER
            take = _NEVER
            if j and best[i - 1][j - 1] > _NEVER:
                fit = _fit(s, labels[j - 1][1], labels[j - 1][0], measure)
                if fit > _NEVER:
                    take = best[i - 1][j - 1] + fit
            best[i][j], took[i][j] = (take, True) if take > skip else (skip, False)
    if best[n][k] <= _NEVER:
        return None
    out, j = [], k
    for i in range(n, 0, -1):
        if j and took[i][j]:
            out.append(i - 1)
            j -= 1
    return out[::-1]


def restore_margin_labels(text: str) -> str | None:
    """``text`` with each margin article number put before its article and the margin runs and page
    footers dropped, or None when ``text`` is not laid out so (or its pages cannot be read)."""
    lines = [ln.strip() for ln in text.split("\n")]
    if sum(1 for ln in lines if _INLINE_ARTICLE.match(ln)) >= 3:
        return None  # the articles are numbered in the text itself
    runs = _runs(lines)
    if len(_dedupe([x for s, e in runs for x in lines[s:e] if _LABEL.match(x)])) < 3:
        return None
    pages = _pages(lines, runs)
    wrapped = [width(x) for p in pages for x in p.body if x and not _ENDS.search(x)]
    if not wrapped:
        return None
    measure = sorted(wrapped)[int(0.9 * (len(wrapped) - 1))]
    printed = [_visual(page.body, measure) for page in pages]
    starts: list[_Start] = []
    before = "。"  # the line before a page's body
    for no, page in enumerate(pages):
        # the first page's articles come after the table of contents, if it has one
        toc = [i for i, x in enumerate(page.body) if _HEADING.match(x)] if no == 0 else []
        starts += _starts(no, printed[no], toc[-1] + 1 if toc else 0, before)
        before = next((x for x in reversed(page.body) if x), before)
    labels = [(no, m) for no, page in enumerate(pages) for m in page.labels if _LABEL.match(m)]
    chosen = _assign(starts, labels, measure)
    if chosen is None:
        return None
    # each label, with the headings the margin sets above it, before the line it numbers
    numbered: dict[tuple[int, int], list[str]] = {}
    pending: list[str] = []
    n = 0
    for page in pages:
        for m in page.labels:
            if _LABEL.match(m):
                s = starts[chosen[n]]
                numbered[(s.page, s.at)] = [*pending, m]
                pending = []
                n += 1
            else:
                pending.append(m)
    out: list[str] = []
    last: int | None = None  # the last numbered article's line
    for no, lines in enumerate(printed):
        for i, line in lines:
            if (no, i) in numbered:
                *heads, label = numbered[(no, i)]
                out.extend(heads)
                last = len(out)
                out.append(f"{label}\u3000{line}")
            else:
                out.append(line)
    out.extend(pending)
    return "\n".join(out if last is None else _without_back_matter(out, last))


def _without_back_matter(lines: list[str], last: int) -> list[str]:
    """``lines`` without the notes a database prints after a statute's last article (its format note,
    adverts, link: from the first boilerplate line after line ``last`` to the end), when they are short.

    >>> _without_back_matter(["第九条　本法自公布之日起施行。", "*注：本文格式遵循某规范。", "欢迎查看所有产品。"], 0)
    ['第九条\u3000本法自公布之日起施行。']
    """
    for i in range(last + 1, len(lines)):
        if is_boilerplate(lines[i]):
            if sum(len(x) for x in lines[i:]) <= _BACK_MATTER_MAX:
                return lines[:i]
            break
    return lines

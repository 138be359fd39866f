"""Source text → documents: find where each document starts and what it is called.

Four layouts occur in real collections and are told apart from the text itself:

* **marked collections**: each document opens with a line ``第N条政策`` and its title;
* **newsletters** converted from PDF: masthead, a table of contents (本期要目),
  editor's notes (编者按) and documents ending with ``（来源：…）``;
* **case collections**: cases each opening with a heading numbered 1, 2, 3 … (``案例一``,
  ``一、某公司…案``, ``（一）…决定书``) or with a line that is a whole 文号 (``某市监处罚〔2023〕12号``);
* **run-together files**: documents follow each other with no separator, and a
  new one is recognised by a title-like line followed by the opening of a body.

A file that fits none of these is one document titled by its first line.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from .cases import SENTENCE_END, case_starts
from .text import Line, cn_to_int, compact, iter_lines, strip_markup
from .types import Document, SourceText

_MARKER = re.compile(r"^第\d+条政策$")
# Suffixes that end the title of an official document (after optional year in brackets).
_TITLE_END = re.compile(
    r"(意见|通知|办法|规定|方案|计划|规划|白皮书|报告|条例|法|指引|措施|细则|决定|纲要|要点|规则|规程|指南|标准|"
    r"答记者问|评述|公告|备忘录|战略|框架|倡议|研究|解读|发布|会议)"
    r"([（(][^）)]{0,20}[）)])?$"
)
_SENTENCE_END = SENTENCE_END
_OUTLINE_NUM = re.compile(r"^([一二三四五六七八九十]+)、")  # a first-level outline heading 一、二、…
_ARTICLE = re.compile(r"^第[一二三四五六七八九十百零]+[条章节编]")
_SOURCE_LINE = re.compile(r"^[（(]来源[:：]")
_TOC_HEAD = re.compile(r"^本期要目$")
_TOC_ENTRY = re.compile(r"^(?:\d{1,3}\s*)(.{6,})$")
_EDITOR_NOTE = re.compile(r"^编者按")


def _doc_id(source: str, start: int, title: str) -> str:
    h = hashlib.sha1(f"{Path(source).name}:{start}:{title}".encode("utf-8")).hexdigest()
    return h[:12]


def _key(text: str) -> str:
    """Form used to match a table-of-contents entry to a heading: width and blanks folded."""
    return compact(unicodedata.normalize("NFKC", text))


def _nonblank(lines: Sequence[Line]) -> list[Line]:
    return [ln for ln in lines if ln.content]


def _is_title_complete(title: str) -> bool:
    return bool(_TITLE_END.search(title)) or title.endswith(("》", "）", ")"))


_CONNECTIVE_END = re.compile(r"(关于|印发|关于印发|的|和|及|与|、|之|加强|推动|加快|省委|政府|办公厅|委员会|领导小组)$")


def _continues(joined: str, nxt: str) -> bool:
    """Does a title that reads ``joined`` so far go on with the line ``nxt``?"""
    if re.search(r"[。！？!?]$", joined):
        return False
    if nxt.startswith(("关于", "印发", "——", "—", "(", "（")):
        return True  # a subtitle, the subject of a notice, or a bracketed year / 试行
    if _CONNECTIVE_END.search(joined):
        return True
    if joined.count("《") > joined.count("》") or joined.count("“") > joined.count("”"):
        return True
    # a government notice ("X关于印发Y的通知") is not finished before its document-type word
    return bool(re.search(r"关于|印发.", joined)) and not _is_title_complete(joined)


def _title_from(lines: list[Line], max_parts: int = 4) -> tuple[str, int]:
    """Title from the first non-blank lines; returns the title and how many lines it used.

    A title split over lines ("重庆市人民政府办公厅关于" / "印发《…》的通知") is joined
    while it is incomplete and the next line is short and not a sentence.
    """
    nb = _nonblank(lines)
    if not nb:
        return "", 0
    parts = [nb[0].content]
    used = 1
    while used < len(nb) and used < max_parts:
        joined = "".join(parts)
        nxt = nb[used].content
        if _key(joined).startswith(_key(nxt)[:8]) or _key(nxt).startswith(_key(joined)[:8]):
            break  # the title printed again (a header above the document)
        if not _continues(joined, nxt):
            break
        if len(nxt) > 45 or _SENTENCE_END.search(nxt) or _OUTLINE_NUM.match(nxt) or _ARTICLE.match(nxt):
            break
        if nxt.startswith(("（", "(")) and (len(nxt) > 14 or not re.match(r"^[（(]\s*(\d{4}|试行|草案|征求意见稿)", nxt)):
            break  # a long parenthetical is an adoption note, not part of the title
        parts.append(nxt)
        used += 1
    title = "".join(parts)
    title = re.sub(r"[\s\u00a0\u2000-\u200b\u3000]+", " ", title).strip()
    # Spaces inside CJK titles come from PDF conversion ("推动广州 高质量发展"); keep the
    # one between two issuing bodies ("中共中央 国务院关于…").
    title = re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff]{1,10}(?:关于|印发))", "\0", title)
    title = re.sub(r"(?<=部|委|局|署|院|厅|府|办|央) (?=[\u4e00-\u9fff]{2,12}(?:部|委|局|署|院|厅|府|办)(?:[ \0]|关于|印发))",
                   "\0", title)  # "应急管理部 工业和信息化部关于…": a space between two issuing bodies
    title = re.sub(r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])", "", title).replace("\0", " ")
    return title, used


def _make(source: SourceText, lines: list[Line], title: str, kind_hint: str = "") -> Document:
    start, end = lines[0].start, lines[-1].end
    return Document(
        id=_doc_id(source.path, start, title),
        title=title or Path(source.path).stem,
        source=source.path,
        start=start,
        end=end,
        line_start=lines[0].no,
        line_end=lines[-1].no,
        kind=kind_hint or "other",
    )


# An explanatory note printed after a law ("关于《…（草案）》的说明") is a document of its own.
_APPENDED_NOTE = re.compile(r"^关于《[^》]{4,60}》的(说明|解读|修改情况的汇报)$")


def _split_marked(source: SourceText, lines: list[Line]) -> list[Document]:
    marks = [i for i, ln in enumerate(lines) if _MARKER.match(ln.content)]
    docs = []
    for j, i in enumerate(marks):
        stop = marks[j + 1] if j + 1 < len(marks) else len(lines)
        cuts = [i + 1] + [k for k in range(i + 2, stop) if _APPENDED_NOTE.match(lines[k].content)] + [stop]
        for a, b in zip(cuts, cuts[1:]):
            body = lines[a:b]
            if not _nonblank(body):
                continue
            title, _ = _title_from(body)
            first = next(k for k, ln in enumerate(body) if ln.content)
            last = max(k for k, ln in enumerate(body) if ln.content)
            docs.append(_make(source, body[first : last + 1], title))
    return docs


def _toc_titles(lines: list[Line]) -> tuple[list[str], int]:
    """Titles listed in a newsletter's table of contents and the index after it."""
    for i, ln in enumerate(lines):
        if _TOC_HEAD.match(ln.content):
            titles: list[str] = []
            j, last, misses = i + 1, i, 0
            while j < len(lines) and misses < 6:
                c = lines[j].content
                m = _TOC_ENTRY.match(c)
                if m and re.match(r"^\d", c) and len(c) <= 70 and not _SENTENCE_END.search(c):
                    titles.append(m.group(1).strip())
                    last, misses = j, 0
                elif c:
                    misses += 1
                j += 1
            return titles, last + 1
    return [], 0


def _split_newsletter(source: SourceText, lines: list[Line]) -> list[Document]:
    toc, after = _toc_titles(lines)
    keys = [_key(t) for t in toc]
    starts: list[int] = []
    found_titles: list[str] = []
    forced_titles: dict[int, str] = {}
    k = after
    for title, key in zip(toc, keys):
        for i in range(k, len(lines)):
            c = _key(lines[i].content)
            if len(c) < 6:
                continue
            # a title may itself be wrapped over two lines
            c2 = c + (_key(lines[i + 2].content) if i + 2 < len(lines) else "")
            if c == key or (key.startswith(c) and c2.startswith(key[: len(c2)]) and len(c) >= 8) or c.startswith(key):
                starts.append(i)
                found_titles.append(title)
                k = i + 1
                break
    found = set(found_titles)
    missing = [t for t in toc if t not in found]
    if missing:
        # Items listed without a heading of their own (news briefs): an unclaimed block of
        # text that ends with （来源：…） gets the next missing title, in order.
        claimed = set(starts)
        block_start = after
        for i in range(after, len(lines)):
            if i in claimed:
                block_start = None
            if _SOURCE_LINE.match(lines[i].content):
                if block_start is not None and missing:
                    first = next((b for b in range(block_start, i) if lines[b].content), None)
                    if first is not None and not _EDITOR_NOTE.match(lines[first].content):
                        starts.append(first)
                        forced_titles[first] = missing.pop(0)
                block_start = i + 1
        starts.sort()
    # Digests after the listed documents: a top-level markdown heading after the last 来源.
    if starts:
        last_src = max((i for i in range(starts[-1], len(lines)) if _SOURCE_LINE.match(lines[i].content)), default=None)
        if last_src is not None:
            for i in range(last_src + 1, len(lines)):
                raw = lines[i].raw.lstrip()
                if raw.startswith("# ") and _is_title_complete(lines[i].content) and not _EDITOR_NOTE.match(lines[i].content):
                    starts.append(i)
    docs = []
    for n, s in enumerate(starts):
        stop = starts[n + 1] if n + 1 < len(starts) else len(lines)
        # The document ends at its （来源：…） line; what follows (编者按) introduces the next one.
        end = stop
        for i in range(s, stop):
            if _SOURCE_LINE.match(lines[i].content):
                end = i + 1
                break
        body = lines[s:end]
        while body and not body[-1].content:
            body.pop()
        title = forced_titles.get(s) or _title_from(body, max_parts=2)[0]
        docs.append(_make(source, body, title))
    return docs


# Words that end the title of a document that stands on its own (for run-together files).
_DOC_TYPE_END = re.compile(
    r"(意见|通知|办法|规定|方案|计划|规划|白皮书|报告|条例|指引|措施|细则|决定|纲要|要点|规则|规程|指南|法)"
    r"(\s*[（(]?\d{4}(年|—\d{4}年?)?[）)]?)?$"
)


def _looks_like_title(lines: list[Line], i: int) -> bool:
    c = lines[i].content
    if not (6 <= len(c) <= 60) or _SENTENCE_END.search(c) or _OUTLINE_NUM.match(c) or _ARTICLE.match(c):
        return False
    if c.startswith(("（", "(", "—", "“")) or re.match(r"^\d", c):
        return False
    if not _DOC_TYPE_END.search(c):
        return False
    # A body must open within the next few non-blank lines: the first outline heading, the
    # first article or chapter, or a salutation ("各省、自治区…：").
    following = [ln.content for ln in lines[i + 1 : i + 12] if ln.content][:4]
    return any(f.startswith(("一、", "第一条", "第一章")) or f.endswith("：") for f in following)


def _split_run_together(source: SourceText, lines: list[Line]) -> list[Document]:
    first_text = next((i for i, ln in enumerate(lines) if ln.content), None)
    if first_text is None:
        return []
    starts = [first_text]
    untitled: set[int] = set()
    top = 0  # highest 一、二、… heading seen in the current document
    for i in range(first_text + 1, len(lines)):
        c = lines[i].content
        if not c:
            continue
        if _looks_like_title(lines, i):
            # A law print repeats its title after the promulgation order: same document.
            if _key(c) == _key(lines[starts[-1]].content):
                continue
            starts.append(i)
            top = 0
            continue
        if (m := _OUTLINE_NUM.match(c)) and (n := cn_to_int(m.group(1))):
            if n == 1 and top >= 3:
                # the outline starts again at 一、 with no title line: a new, untitled document
                starts.append(i)
                untitled.add(i)
            top = n if n == 1 and top >= 3 else max(top, n)
    docs = []
    for n, s in enumerate(starts):
        stop = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = lines[s:stop]
        while body and not body[-1].content:
            body.pop()
        if not body:
            continue
        if s in untitled:
            heading = _OUTLINE_NUM.sub("", body[0].content)
            title = f"（无标题文件）{re.split(r'[：:]', heading)[-1]}"
        else:
            title, _ = _title_from(body, max_parts=2)
        docs.append(_make(source, body, title))
    return docs


def _split_cases(source: SourceText, lines: list[Line], starts: dict[int, str]) -> list[Document]:
    """One document per case; text before the first case is a document when it is more than a title."""
    cuts = sorted(starts)
    preamble = _nonblank(lines[: cuts[0]])
    title, used = _title_from(preamble)
    docs = [_make(source, preamble, title)] if used < len(preamble) else []
    return docs + [_make(source, _nonblank(lines[a:b]), starts[a]) for a, b in zip(cuts, cuts[1:] + [len(lines)])]


_ISSUED = re.compile(r"印发(?:关于)?《?(?P<name>[^《》]{4,80}?)》?的?(?:通知|公告)$")


def subject_titles(title: str) -> list[str]:
    """Names of the documents a notice issues: "关于印发《X》的通知" → ["X"].

    >>> subject_titles("国务院关于印发《中国（新疆）自由贸易试验区总体方案》的通知")
    ['中国（新疆）自由贸易试验区总体方案']
    >>> subject_titles("关于印发《吉林省大数据产业发展指导意见》《关于进一步加强数字政府建设的若干举措》的通知")
    ['吉林省大数据产业发展指导意见', '关于进一步加强数字政府建设的若干举措']
    """
    quoted = re.findall(r"《([^《》]{4,80})》", title)
    if quoted and re.search(r"印发|征求意见|发布", title):
        return quoted
    m = _ISSUED.search(title)
    if m:
        return [m.group("name")]
    # "国家发展改革委等部门关于深入实施…的实施意见": the subject without its issuer
    m = re.match(r"^[^《“]{2,60}?关于(?P<subject>[^《》]{6,80}(?:意见|办法|规定|方案|决定))$", title)
    return [m.group("subject")] if m else []


def split_documents(source: SourceText) -> list[Document]:
    """Split one source into its documents (without clauses).

    >>> src = SourceText("a.txt", "第1条政策\\n\\n数据安全法\\n\\n第一条 为了…\\n", "utf-8")
    >>> [d.title for d in split_documents(src)]
    ['数据安全法']
    """
    lines = list(iter_lines(source.text))
    contents = [ln.content for ln in lines]
    if sum(1 for c in contents if _MARKER.match(c)) >= 2 or (contents and any(_MARKER.match(c) for c in contents[:5])):
        return _split_marked(source, lines)
    if any(_TOC_HEAD.match(c) for c in contents[:200]) and any(_SOURCE_LINE.match(c) for c in contents):
        docs = _split_newsletter(source, lines)
        if docs:
            return docs
    if cases := case_starts(lines):
        return _split_cases(source, lines, cases)
    return _split_run_together(source, lines)


def whole_source(source: SourceText, title: str) -> Document:
    """The whole of ``source`` (its non-blank lines' span) as one document titled ``title``.

    >>> whole_source(SourceText("a.md", "\\n# Title\\n\\nBody.\\n", "utf-8"), "Title").start
    1
    """
    lines = _nonblank(list(iter_lines(source.text)))
    if not lines:
        return Document(_doc_id(source.path, 0, title), title, source.path, 0, 0, 1, 1, "other")
    return _make(source, lines, title)


def strip_title_lines(doc: Document, source: SourceText) -> int:
    """Offset where the document's body begins (after its title lines)."""
    lines = list(iter_lines(source.text, doc.start, doc.end, doc.line_start))
    _, used = _title_from(lines)
    nb = _nonblank(lines)
    if used and used <= len(nb):
        return nb[used - 1].end
    return doc.start


__all__ = ["split_documents", "strip_title_lines", "strip_markup"]

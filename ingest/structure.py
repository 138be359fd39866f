"""Document → clauses: the legal structure (编/章/节/条/款/项/目) or policy outline (一、（一）1.（1）).

An attachment after a statute's articles (附件, 附件2：…) is a part of its own, cited by its name
(《…办法》附件1一、（二）), numbered afresh, in articles or an outline: not a piece of the last article.

Headings are recognised only at the start of a line, and article numbers must
increase, so a cross-reference (依照本法第六十九条) or a number inside a sentence
(一是…二是…, "11.5.14.2的") never opens a clause. Wrapped lines (a line that does
not end a sentence) continue the paragraph they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .text import PARA_END, Line, cn_to_int, int_to_cn, iter_lines
from .titles import book
from .types import Clause, Document, SourceText

_CN = "一二三四五六七八九十百千万零〇两"
# A heading's number is followed by a blank or ends the line: "第二十一条的规定" is a reference.
_STATUTE_HEAD = re.compile(rf"^第([{_CN}\d]+)(编|章|节|条)(?:[\s\u3000\u00a0\u2000-\u200b]+|$)")
# "第十六条企业对…" — some texts print no blank after the number; accepted only for the next article.
_ARTICLE_TIGHT = re.compile(rf"^第([{_CN}\d]+)条(?=[^\s{_CN}的、，。之规款项])")
_ITEM = re.compile(rf"^[（(]([{_CN}]+)[)）]")
_SUBITEM = re.compile(r"^(\d{1,2})[.．、](?!\d)")
_SUBSUBITEM = re.compile(r"^[（(](\d{1,2})[)）]")
_OUTLINE1 = re.compile(rf"^([{_CN}]+)、")
# "附件", "附件2", "附件一：…", "附件个人信息保护合规审计指引": an attachment after the articles
# (a title has no comma: "附件中的表格应当按时填写，…" opening a 款 is no attachment)
_ANNEX = re.compile(rf"^附\s*件\s*([{_CN}\d]{{0,3}})\s*[：:]?\s*([^，,]{{0,40}})$")
_RANK = {"编": 0, "章": 1, "节": 2, "条": 3, "款": 4, "项": 5, "目": 6}
_POLICY_RANK = {"outline1": 1, "outline2": 2, "outline3": 3, "outline4": 4}
SHORT_LINE_CHARS = 20  # a shorter line that opens a unit is a heading: it ends its paragraph without a stop


@dataclass
class _Node:
    level: str
    number: int
    rank: float
    start: int
    head: str
    line_no: int
    parent: "_Node | None" = None
    end: int = 0
    children: list["_Node"] = field(default_factory=list)
    annex: bool = False  # an attachment (附件): a 编-level part cited by name


def _annex(content: str, after_articles: bool) -> int | None:
    """The number of an attachment (附件, 附件2 …; 0 for one unnumbered) that ``content`` opens, when
    it follows a statute's articles (or another attachment); else None."""
    m = _ANNEX.match(content) if after_articles else None
    if not m or PARA_END.search(content) and not content.endswith(("：", ":")):
        return None
    return cn_to_int(m.group(1)) or 0 if m.group(1) else 0


def _article_count(lines: list[Line]) -> int:
    """Lines that open an article, counting a tight "第N条…" only when it is the next number."""
    count, last = 0, 0
    for ln in lines:
        m = _STATUTE_HEAD.match(ln.content)
        if m and m.group(2) == "条":
            count += 1
            last = cn_to_int(m.group(1)) or last
        elif (t := _ARTICLE_TIGHT.match(ln.content)) and cn_to_int(t.group(1)) == last + 1:
            count += 1
            last += 1
    return count


def detect_kind(source: SourceText, doc: Document) -> str:
    """``statute`` when the body is organised in 第N条, ``policy`` when in 一、, else ``other``."""
    lines = list(iter_lines(source.text, doc.start, doc.end))
    if _article_count(lines) >= 3:
        return "statute"
    if sum(1 for ln in lines if _OUTLINE1.match(ln.content)) >= 2:
        return "policy"
    return "other"


def _toc_lines(lines: list[Line]) -> set[int]:
    """Line numbers of a statute's table of contents (目录): the headings listed before
    the first heading is printed a second time, all before the first article."""
    heads: list[tuple[int, str, int]] = []
    for ln in lines:
        m = _STATUTE_HEAD.match(ln.content)
        if not m:
            continue
        if m.group(2) == "条":
            break
        heads.append((ln.no, m.group(2), cn_to_int(m.group(1)) or 0))
    if not heads:
        return set()
    first = heads[0][1:]
    again = next((i for i in range(1, len(heads)) if heads[i][1:] == first), None)
    return {no for no, _, _ in heads[:again]} if again else set()


def _heading_text(content: str, limit: int = 24) -> str:
    """Short heading for a path: up to the first full stop if that is short."""
    m = re.match(r"^(.{1,%d}?)[。：:]" % limit, content)
    s = m.group(1) if m else content
    return s if len(s) <= limit + 6 else s[:limit] + "…"


def _classify(content: str, kind: str, last_article: int) -> tuple[str, int] | None:
    if kind == "statute":
        m = _STATUTE_HEAD.match(content)
        if m:
            n = cn_to_int(m.group(1))
            if n is None:
                return None
            level = m.group(2)
            if level == "条":
                # Articles only go forward; a smaller number at a line start is a wrapped cross-reference.
                if n <= last_article:
                    return None
            elif len(content) > 40:
                return None
            return level, n
        if (m := _ARTICLE_TIGHT.match(content)) and cn_to_int(m.group(1)) == last_article + 1:
            return "条", last_article + 1
        if (m := _ITEM.match(content)) and (n := cn_to_int(m.group(1))):
            return "项", n
        if (m := _SUBITEM.match(content)):
            return "目", int(m.group(1))
        return None
    if kind == "policy":
        if (m := _OUTLINE1.match(content)) and (n := cn_to_int(m.group(1))) and n <= 40:
            return "outline1", n
        if (m := _ITEM.match(content)) and (n := cn_to_int(m.group(1))):
            return "outline2", n
        if (m := _SUBITEM.match(content)):
            return "outline3", int(m.group(1))
        if (m := _SUBSUBITEM.match(content)):
            return "outline4", int(m.group(1))
    return None


_LABEL = {"编": "第{cn}编", "章": "第{cn}章", "节": "第{cn}节", "条": "第{cn}条", "款": "第{cn}款",
          "项": "第（{cn}）项", "目": "第{n}目",
          # policy outline: the marker as printed, normalised
          "outline1": "{cn}、", "outline2": "（{cn}）", "outline3": "{n}.", "outline4": "（{n}）"}


def _number_label(level: str, n: int) -> str:
    """How a clause's number is cited: 第十三条, 第（二）项, 二、, （三）…"""
    return _LABEL[level].format(cn=int_to_cn(n), n=n)


def parse_clauses(source: SourceText, doc: Document, body_start: int | None = None) -> list[Clause]:
    """Parse a document's body into clauses, in reading order (parents before children).

    ``body_start`` skips the title lines. Every clause's ``[start, end)`` lies in the
    source and ``source.text[start:end] == clause.text``.
    """
    kind = doc.kind if doc.kind in ("statute", "policy") else detect_kind(source, doc)
    doc.kind = kind
    start = doc.start if body_start is None else body_start
    lines = [ln for ln in iter_lines(source.text, doc.start, doc.end, doc.line_start) if ln.end > start]
    root = _Node("doc", 0, -1, start, "", doc.line_start)
    stack: list[_Node] = [root]
    nodes: list[_Node] = []
    last_article = 0
    in_annex = False
    prev_ended = True  # did the previous non-blank line end a paragraph?
    para_node: _Node | None = None  # current unstructured paragraph (outside any heading)

    def close_to(rank: float, at: int) -> None:
        while len(stack) > 1 and stack[-1].rank >= rank:
            stack.pop().end = at

    def push(level: str, number: int, rank: float, ln: Line, head: str) -> _Node:
        node = _Node(level, number, rank, ln.content_start, head, ln.no, parent=stack[-1])
        stack[-1].children.append(node)
        stack.append(node)
        nodes.append(node)
        return node

    skip = _toc_lines(lines) if kind == "statute" else set()
    for ln in lines:
        content = ln.content
        if not content or ln.no in skip:
            continue
        if kind == "statute" and prev_ended and (annex := _annex(content, bool(last_article) or in_annex)) is not None:
            # an attachment after the articles: a part of its own, numbered afresh, in articles or
            # an outline
            close_to(-0.5, ln.start)
            para_node = None
            node = push("编", annex, _RANK["编"], ln, content)
            node.annex = True
            last_article = 0
            in_annex = True
            prev_ended = True
            last_end = ln.content_end
            node.end = last_end
            continue
        cls = _classify(content, kind, last_article)
        if in_annex and not any(x.level == "条" for x in stack) and (cls is None or cls[0] in ("项", "目")):
            cls = _classify(content, "policy", last_article)  # an attachment outside articles: an outline
        if cls is not None and not prev_ended and cls[0] in ("项", "目"):
            cls = None  # a line that continues an unfinished sentence is not a heading
        elif cls is not None and not prev_ended and cls[0] == "条" and cls[1] != last_article + 1:
            cls = None  # …unless it is the very next article (after a table row, a heading without a stop)
        if cls is not None:
            level, n = cls
            rank = _RANK.get(level, _POLICY_RANK.get(level, 9))
            close_to(rank, ln.start)
            para_node = None
            node = push(level, n, rank, ln, _heading_text(content))
            if level == "条":
                last_article = n
                # The article's own first paragraph is its first 款.
                push("款", 1, _RANK["款"], ln, "")
            elif level in ("项", "目") and not any(s.level == "条" for s in stack):
                # An item list outside any article (a preamble list): keep it at paragraph level.
                node.level = "para"
        else:
            in_article = any(s.level == "条" for s in stack)
            if in_article and prev_ended:
                article = next(s for s in reversed(stack) if s.level == "条")
                kuan = sum(1 for c in article.children if c.level == "款") + 1
                close_to(_RANK["款"], ln.start)
                push("款", kuan, _RANK["款"], ln, "")
            elif not in_article and prev_ended and (len(stack) == 1 or stack[-1].annex):
                # Free text outside any structure: one clause per paragraph.
                close_to(9, ln.start)
                para_node = push("para", 0, 9, ln, "")
            elif not in_article and prev_ended and para_node is None and stack[-1].level.startswith("outline") \
                    and stack[-1].children:
                # text after the children of an outline item (rare): attach as a paragraph
                para_node = push("para", 0, 9, ln, "")
        prev_ended = bool(PARA_END.search(content)) or len(content) < SHORT_LINE_CHARS and cls is not None
        last_end = ln.content_end
        for s in stack[1:]:
            s.end = max(s.end, last_end)
    close_to(-0.5, doc.end)

    # An article with a single 款 is cited without it: fold the 款 into the article.
    for node in nodes:
        if node.level == "条":
            kuans = [c for c in node.children if c.level == "款"]
            if len(kuans) == 1:
                only = kuans[0]
                node.children = [c for c in node.children if c is not only] + only.children
                for c in only.children:
                    c.parent = node
                only.level = "_dropped"
    nodes = [n for n in nodes if n.level != "_dropped"]

    return _to_clauses(source, doc, nodes)


def unique_id(seen: dict[str, int], cid: str) -> str:
    """``cid`` the first time, ``cid~1``, ``cid~2`` … after (``seen`` counts, and is updated).

    >>> seen = {}; [unique_id(seen, "d:t1") for _ in range(3)]
    ['d:t1', 'd:t1~1', 'd:t1~2']
    """
    if cid in seen:
        seen[cid] += 1
        return f"{cid}~{seen[cid]}"
    seen[cid] = 0
    return cid


def ancestors(node: Any, is_top: Callable[[Any], bool]) -> list[Any]:
    """``node``'s ancestors, outermost first, below the first one ``is_top`` (the document's root node)."""
    chain = []
    p = node.parent
    while p is not None and not is_top(p):
        chain.append(p)
        p = p.parent
    chain.reverse()
    return chain


_MARKUP_LINE = re.compile(r"^(?:#|[-*+>|]|```)")


def opens_unit(content: str) -> bool:
    """Whether a line (``content``, stripped) opens a unit of structure: a 编/章/节/条, an item or outline number,
    an attachment, or Markdown furniture (a heading, a list bullet, a table row)."""
    return bool(_STATUTE_HEAD.match(content) or _ARTICLE_TIGHT.match(content) or _ITEM.match(content)
                or _SUBITEM.match(content) or _SUBSUBITEM.match(content) or _OUTLINE1.match(content)
                or _ANNEX.match(content) or _MARKUP_LINE.match(content))


def text_end(source: SourceText, start: int, end: int) -> int:
    """``end`` moved back over trailing blanks and markup, so that a span ends on text."""
    end = max(end, start)
    return start + len(source.text[start:end].rstrip(" \t\n\u3000*"))


def _to_clauses(source: SourceText, doc: Document, nodes: list[_Node]) -> list[Clause]:
    clauses: list[Clause] = []
    ids: dict[int, str] = {}
    seen: dict[str, int] = {}
    para_counter = 0
    for node in nodes:
        end = text_end(source, node.start, node.end)
        chain: list[_Node] = ancestors(node, lambda a: a.level == "doc")
        if node.level == "para":
            para_counter += 1
            number = f"第{para_counter}段"
        else:
            number = _annex_label(node) if node.annex else _number_label(node.level, node.number)
        # Citation label: the article and what it contains; headings for policies; an attachment
        # by its name
        cite_parts = [a for a in chain if a.level in ("条", "款", "项", "目") or a.level.startswith("outline")
                      or a.annex]
        if node.level in _HEADINGS:
            label_tail = number
        elif node.level == "para" and chain:
            label_tail = "".join(_cite(a) for a in cite_parts)
        else:
            label_tail = "".join(_cite(a) for a in cite_parts) + number
        label = f"{book(doc.title)}{label_tail}" if label_tail else book(doc.title)
        path = tuple(_path_entry(a) for a in chain if a.level in _HEADINGS or a.level.startswith("outline"))
        cid = unique_id(seen, f"{doc.id}:{_slug(chain, node, para_counter)}")
        ids[id(node)] = cid
        clauses.append(
            Clause(
                id=cid,
                doc_id=doc.id,
                level=node.level,
                number=number,
                label=label,
                path=path,
                start=node.start,
                end=end,
                text=source.text[node.start:end],
                parent=ids.get(id(node.parent)) if node.parent is not None else None,
                page=source.page_at(node.start),
            )
        )
    return clauses


_HEADINGS = ("编", "章", "节")


def _annex_label(node: _Node) -> str:
    """How an attachment is cited: 附件, 附件2."""
    return f"附件{node.number}" if node.number else "附件"


def _cite(node: _Node) -> str:
    return _annex_label(node) if node.annex else _number_label(node.level, node.number)


def _path_entry(node: _Node) -> str:
    """A heading as shown in a path: "第二章 个人信息处理规则", "（一）指导思想", "附件 …"."""
    if node.annex:
        name = _ANNEX.match(node.head)
        return " ".join(x for x in (_annex_label(node), name.group(2).strip() if name else "") if x)
    if node.level in _HEADINGS:
        name = node.head.split(maxsplit=1)[1:]  # the text after "第二章"
        return " ".join([_number_label(node.level, node.number), *name])
    return node.head


_SLUG = {"编": "b", "章": "z", "节": "j", "条": "t", "款": "k", "项": "x", "目": "m",
         "outline1": "A", "outline2": "B", "outline3": "C", "outline4": "D"}


def _slug(ancestors: list[_Node], node: _Node, para_counter: int) -> str:
    """A stable, ASCII clause id: ``t13.k1.x2`` (第十三条第一款第（二）项), ``A2.B3`` (二、（三）)."""
    if node.level in ("编", "章", "节"):
        return "".join(f"F{a.number}" if a.annex else f"{_SLUG[a.level]}{a.number}"
                       for a in [*ancestors, node] if a.level in ("编", "章", "节"))
    parts = []
    for a in [*ancestors, node]:
        if a.annex:
            parts.append(f"F{a.number}")  # an attachment's articles are numbered afresh
            continue
        if a.level in ("编", "章", "节"):
            continue  # ids stay stable when chapters are renumbered around an article
        parts.append(f"p{para_counter}" if a.level == "para" else f"{_SLUG[a.level]}{a.number}")
    return ".".join(parts)

"""An answer (or a whole conversation) with its citations as Markdown or .docx, ready for a memo.

Each citation's source line is what a memo cites — the document, the clause path, 发布机关 · 文号 ·
施行日期 · 效力; the file and character offsets go to a collapsed 技术信息 block at the end (and the
JSON of ``/ask``). The .docx is A4 with Chinese fonts: 宋体 body, 仿宋 quotes, 黑体 headings.

>>> from qa.types import Answer, Citation
>>> a = Answer("问？", "根据《办法》第四条：……[1]", False,
...            [Citation(1, "办法", "《办法》第四条", "第四条 ……", "a.txt", None, 10, 16, 1.0)])
>>> print(answer_markdown(a, generated="2026-11-23 10:00"))  # doctest: +NORMALIZE_WHITESPACE
### 问题
<BLANKLINE>
问？
<BLANKLINE>
### 回答
<BLANKLINE>
根据《办法》第四条：……[1]
<BLANKLINE>
### 依据
<BLANKLINE>
1. **《办法》第四条**
   > 第四条 ……
<BLANKLINE>
   出处：《办法》
<BLANKLINE>
<details><summary>技术信息（文件与字符位置）</summary>
<BLANKLINE>
- [1] a.txt，字符 10–16
<BLANKLINE>
</details>
<BLANKLINE>
*policyqa · 2026-11-23 10:00*
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.titles import book

from .render import short_text, status_label

SNIPPET = 120  # characters of a related clause's snippet in an export (cut at a sentence or clause boundary)

if TYPE_CHECKING:  # pragma: no cover
    from ingest.types import Document
    from qa.types import Answer

_MD_SPECIAL = re.compile(r"([\\`*_])")
_HTML = {"<": "&lt;", ">": "&gt;"}
#: characters Word's XML cannot hold (C0 controls but tab and newline, lone surrogates, U+FFFE/U+FFFF)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def md_escape(text: str) -> str:
    r"""Escape what a user typed or a document says so that Markdown shows it as text: emphasis and
    code characters, a heading's #, a link's ``](``, and ``<``/``>`` (no HTML tag, no autolink).

    >>> md_escape("<script>alert(1)</script> [x](javascript:alert(1)) *a*")
    '&lt;script&gt;alert(1)&lt;/script&gt; [x\\](javascript:alert(1)) \\*a\\*'
    """
    out = _MD_SPECIAL.sub(r"\\\1", text)
    out = re.sub(r"[<>]", lambda m: _HTML[m.group(0)], out).replace("](", "\\](")
    return re.sub(r"(?m)^(\s*)#", r"\1\\#", out)


def xml_safe(text: str) -> str:
    """``text`` without the characters a .docx cannot hold (python-docx refuses them)."""
    return _NOT_XML.sub("", text)


def _quote_lines(quote: str) -> list[str]:
    return [line.strip() for line in quote.splitlines() if line.strip()]


STATUS_EFFECT = {"in_force": "现行有效", "draft": "征求意见稿（未生效）", "expired": "已失效",
                 "superseded": "已被取代", "unknown": "效力未知"}


def source_line(doc: "Document | None", clause_id: str = "", title: str = "") -> str:
    """Where a cited clause comes from, as a memo cites it: 《title》 › 章 › 条 ｜ 发布机关 · 文号 ·
    施行日期 · 效力 (what the document's metadata holds; no file, no offsets)."""
    if doc is None:
        return book(title) if title else ""
    clause = next((c for c in doc.clauses if c.id == clause_id), None)
    path = [*(clause.path if clause else ()), *([clause.number] if clause and clause.number else [])]
    where = " › ".join([book(doc.title), *[p for p in path if p]])
    meta = doc.meta
    bits = [meta.issuer_line, meta.doc_number or ""]
    if meta.effective_date:
        bits.append(f"{meta.effective_date} 施行")
    elif meta.published:
        bits.append(f"{meta.published} 发布")
    bits.append(STATUS_EFFECT.get(meta.status or "unknown", status_label(meta.status)))
    return where + " ｜ " + " · ".join(b for b in bits if b)


def _context_of(answer: "Answer", marker: int) -> list:
    """The clauses citation ``[marker]`` refers to (``Answer.context``)."""
    return [x for x in answer.context if x.marker == marker]


def _where(source: str, page: int | None, start: int, end: int) -> str:
    """The technical location: file, page, character span."""
    return source + (f"，第 {page} 页" if page else "") + f"，字符 {start}–{end}"


def _technical(answer: "Answer", prefix: str = "") -> list[str]:
    """Every citation's (and referenced clause's) file and offsets: ``[1] a.txt，字符 10–16``."""
    out = []
    for c in answer.citations:
        out.append(f"{prefix}[{c.marker}] {_where(c.source, c.page, c.start, c.end)}")
        out += [f"{prefix}[{c.marker}] 所引 {x.clause}：{_where(x.source, x.page, x.start, x.end)}"
                for x in _context_of(answer, c.marker)]
    return out


def _answer_lines(answer: "Answer", documents: dict[str, "Document"], asked: str | None, h: str,
                  typed: str | None = None) -> list[str]:
    """One answer as Markdown lines, its headings at level ``h`` (``"###"``); ``typed`` is the question
    as the user typed it when that is not the one asked (a follow-up)."""
    question = typed or answer.question
    lines = [f"{h} 问题", "", md_escape(question), ""]
    if asked and asked != question:
        lines += [f"（按上文理解为：{md_escape(asked)}）", ""]
    lines += [f"{h} 回答", ""]
    if answer.abstained:
        lines += [f"**无法回答**：{md_escape(answer.answer)}", ""]
    else:
        for para in answer.answer.splitlines():
            if para.strip():
                lines += [md_escape(para.strip()), ""]
    for w in answer.warnings:
        lines += [f"> **注意**：{md_escape(w)}", ""]
    if answer.citations:
        lines += [f"{h} 依据", ""]
        for c in answer.citations:
            lines.append(f"{c.marker}. **{md_escape(c.clause)}**")
            lines += [f"   > {md_escape(q)}" for q in _quote_lines(c.quote)]
            lines += ["", "   出处：" + md_escape(source_line(documents.get(c.doc_id), c.clause_id, c.doc_title)), ""]
            for x in _context_of(answer, c.marker):
                lines.append(f"   所引条款：{md_escape(x.ref)} → **{md_escape(x.clause)}**")
                lines += [f"   > {md_escape(q)}" for q in _quote_lines(x.quote)]
                line = source_line(documents.get(x.doc_id), x.clause_id, x.doc_title)
                lines += ["", f"   出处：{md_escape(line)}", ""] if line else [""]
    if answer.related:
        lines += [f"{h} " + ("最接近的条款（不足以作答）" if answer.abstained else "相关条款（供参考）"), ""]
        lines += [f"- {md_escape(r.clause)}：{md_escape(short_text(r.snippet, SNIPPET))}" for r in answer.related]
        lines.append("")
    return lines


def _details(technical: list[str]) -> list[str]:
    if not technical:
        return []
    return ["<details><summary>技术信息（文件与字符位置）</summary>", "",
            *[f"- {md_escape(t)}" for t in technical], "", "</details>", ""]


def answer_markdown(answer: "Answer", documents: dict[str, "Document"] | None = None,
                    asked: str | None = None, generated: str | None = None) -> str:
    """The answer, its warnings and its citations (numbered as the [n] markers, each with its quote
    and where it comes from: document, clause path, issuer, 文号, dates, effect) as Markdown; files
    and offsets in a collapsed 技术信息 block."""
    lines = _answer_lines(answer, documents or {}, asked, "###")
    lines += _details(_technical(answer))
    lines.append(f"*policyqa · {generated or time.strftime('%Y-%m-%d %H:%M')}*")
    return "\n".join(lines)


def thread_markdown(items: list[tuple[str, "Answer", str | None]], documents: dict[str, "Document"] | None = None,
                    generated: str | None = None) -> str:
    """A conversation — ``(question as typed, answer, question as asked)``, oldest first — as one
    Markdown memo: ``## 第 n 问`` then each answer as :func:`answer_markdown` gives it."""
    lines = ["# 问答记录", ""]
    technical: list[str] = []
    for n, (typed, answer, asked) in enumerate(items, start=1):
        lines += [f"## 第 {n} 问：{md_escape(typed)}", ""]
        lines += _answer_lines(answer, documents or {}, asked, "###", typed)
        technical += _technical(answer, prefix=f"第 {n} 问 ")
    lines += _details(technical)
    lines.append(f"*policyqa · {generated or time.strftime('%Y-%m-%d %H:%M')}*")
    return "\n".join(lines)


# -- Word ---------------------------------------------------------------------------------------
BODY_FONT, QUOTE_FONT, HEADING_FONT, LATIN_FONT = "宋体", "仿宋", "黑体", "Times New Roman"


def _fonts(style_or_run, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Set a style's (or run's) fonts: ``east_asian`` for Chinese, ``latin`` for the rest."""
    from docx.oxml.ns import qn

    style_or_run.font.name = latin
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(key), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def new_docx():
    """An empty Word document laid out for a Chinese memo: A4, 2.54 / 3.17 cm margins, 宋体 小四 body,
    仿宋 quotes, 黑体 headings in black."""
    from docx import Document as Docx
    from docx.shared import Cm, Pt, RGBColor

    doc = Docx()
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2.54)
        section.left_margin = section.right_margin = Cm(3.17)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    _fonts(normal, BODY_FONT)
    _fonts(doc.styles["Quote"], QUOTE_FONT)
    doc.styles["Quote"].font.italic = False
    for name, size in (("Title", 18), ("Heading 1", 16), ("Heading 2", 14), ("Heading 3", 12)):
        style = doc.styles[name]
        _fonts(style, HEADING_FONT)
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
    return doc


def _write_answer(doc, answer: "Answer", documents: dict[str, "Document"], asked: str | None, level: int,
                  typed: str | None = None) -> None:
    from docx.shared import Pt, RGBColor

    question = typed or answer.question
    doc.add_heading("问题", level=level)
    doc.add_paragraph(xml_safe(question))
    if asked and asked != question:
        doc.add_paragraph(xml_safe(f"（按上文理解为：{asked}）"))
    doc.add_heading("回答", level=level)
    if answer.abstained:
        p = doc.add_paragraph()
        p.add_run("无法回答：").bold = True
        p.add_run(xml_safe(answer.answer))
    else:
        for para in answer.answer.splitlines():
            if para.strip():
                doc.add_paragraph(xml_safe(para.strip()))
    for w in answer.warnings:
        run = doc.add_paragraph().add_run(xml_safe(f"注意：{w}"))
        run.bold = True
        run.font.color.rgb = RGBColor(0x8A, 0x53, 0x00)
    if answer.citations:
        doc.add_heading("依据", level=level)
        for c in answer.citations:
            doc.add_paragraph(style="List Number").add_run(xml_safe(c.clause)).bold = True
            for q in _quote_lines(c.quote):
                doc.add_paragraph(xml_safe(q), style="Quote")
            line = source_line(documents.get(c.doc_id), c.clause_id, c.doc_title)
            doc.add_paragraph().add_run(xml_safe(f"出处：{line}")).font.size = Pt(10.5)
            for x in _context_of(answer, c.marker):
                p = doc.add_paragraph()
                p.add_run(xml_safe(f"所引条款：{x.ref} → "))
                p.add_run(xml_safe(x.clause)).bold = True
                for q in _quote_lines(x.quote):
                    doc.add_paragraph(xml_safe(q), style="Quote")
                line = source_line(documents.get(x.doc_id), x.clause_id, x.doc_title)
                if line:
                    doc.add_paragraph().add_run(xml_safe(f"出处：{line}")).font.size = Pt(10.5)
    if answer.related:
        doc.add_heading("最接近的条款（不足以作答）" if answer.abstained else "相关条款（供参考）", level=level)
        for r in answer.related:
            doc.add_paragraph(xml_safe(f"{r.clause}：{short_text(r.snippet, SNIPPET)}"), style="List Bullet")


def _write_technical(doc, technical: list[str]) -> None:
    from docx.shared import Pt

    if not technical:
        return
    doc.add_heading("附：技术信息（文件与字符位置）", level=3)
    for t in technical:
        doc.add_paragraph().add_run(xml_safe(t)).font.size = Pt(9)


def answer_docx(answer: "Answer", path: str | Path, documents: dict[str, "Document"] | None = None,
                asked: str | None = None) -> Path:
    """The same content as :func:`answer_markdown`, written as a Word document at ``path``."""
    doc = new_docx()
    _write_answer(doc, answer, documents or {}, asked, level=2)
    _write_technical(doc, _technical(answer))
    path = Path(path)
    doc.save(str(path))
    return path


def thread_docx(items: list[tuple[str, "Answer", str | None]], path: str | Path,
                documents: dict[str, "Document"] | None = None) -> Path:
    """The same content as :func:`thread_markdown`, written as a Word document at ``path``."""
    doc = new_docx()
    doc.add_heading("问答记录", level=1)
    technical: list[str] = []
    for n, (typed, answer, asked) in enumerate(items, start=1):
        doc.add_heading(xml_safe(f"第 {n} 问：{typed}"), level=2)
        _write_answer(doc, answer, documents or {}, asked, level=3, typed=typed)
        technical += _technical(answer, prefix=f"第 {n} 问 ")
    _write_technical(doc, technical)
    path = Path(path)
    doc.save(str(path))
    return path

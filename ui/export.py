"""An answer with its citations as Markdown or .docx, ready to paste into a memo.

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
   来源：a.txt，字符 10–16
<BLANKLINE>
*policyqa · 2026-11-23 10:00*
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .render import region_label, status_label

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


def _doc_line(doc: "Document | None") -> str:
    if doc is None:
        return ""
    meta = doc.meta
    bits = []
    if meta.issuers:
        bits.append("发布机关：" + "、".join(meta.issuers))
    if meta.doc_number:
        bits.append(f"文号：{meta.doc_number}")
    if meta.effective_date or meta.published:
        bits.append(f"{'施行' if meta.effective_date else '发布'}日期：{meta.effective_date or meta.published}")
    if meta.region:
        bits.append(f"地区：{region_label(meta.region)}")
    bits.append(f"状态：{status_label(meta.status)}")
    return "；".join(bits)


def _context_of(answer: "Answer", marker: int) -> list:
    """The clauses citation ``[marker]`` refers to (``Answer.context``)."""
    return [x for x in answer.context if x.marker == marker]


def _where(source: str, page: int | None, start: int, end: int) -> str:
    return f"来源：{source}" + (f"，第 {page} 页" if page else "") + f"，字符 {start}–{end}"


def answer_markdown(answer: "Answer", documents: dict[str, "Document"] | None = None,
                    asked: str | None = None, generated: str | None = None) -> str:
    """The answer, its warnings and its citations (numbered as the [n] markers, each with its
    quote, source file, page and span, and the document's metadata) as Markdown."""
    documents = documents or {}
    lines = ["### 问题", "", md_escape(answer.question), ""]
    if asked and asked != answer.question:
        lines += [f"（按上文理解为：{md_escape(asked)}）", ""]
    lines += ["### 回答", ""]
    if answer.abstained:
        lines += [f"**无法回答**：{md_escape(answer.answer)}", ""]
    else:
        for para in answer.answer.splitlines():
            if para.strip():
                lines += [md_escape(para.strip()), ""]
    for w in answer.warnings:
        lines += [f"> **注意**：{md_escape(w)}", ""]
    if answer.citations:
        lines += ["### 依据", ""]
        for c in answer.citations:
            lines.append(f"{c.marker}. **{md_escape(c.clause)}**")
            lines += [f"   > {md_escape(q)}" for q in _quote_lines(c.quote)]
            lines.append("")
            meta = _doc_line(documents.get(c.doc_id))
            lines.append("   " + _where(c.source, c.page, c.start, c.end) + (f"；{meta}" if meta else ""))
            lines.append("")
            for x in _context_of(answer, c.marker):
                lines.append(f"   所引条款：{md_escape(x.ref)} → **{md_escape(x.clause)}**")
                lines += [f"   > {md_escape(q)}" for q in _quote_lines(x.quote)]
                lines += ["", "   " + _where(x.source, x.page, x.start, x.end), ""]
    if answer.related:
        lines += ["### " + ("最接近的条款（不足以作答）" if answer.abstained else "相关条款（供参考）"), ""]
        lines += [f"- {md_escape(r.clause)}：{md_escape(r.snippet)}" for r in answer.related]
        lines.append("")
    lines.append(f"*policyqa · {generated or time.strftime('%Y-%m-%d %H:%M')}*")
    return "\n".join(lines)


def _east_asian_font(run_or_style, name: str = "SimSun") -> None:
    from docx.oxml.ns import qn

    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def answer_docx(answer: "Answer", path: str | Path, documents: dict[str, "Document"] | None = None,
                asked: str | None = None) -> Path:
    """The same content as :func:`answer_markdown`, written as a Word document at ``path``."""
    from docx import Document as Docx
    from docx.shared import Pt, RGBColor

    documents = documents or {}
    doc = Docx()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    _east_asian_font(normal)
    doc.add_heading("问题", level=2)
    doc.add_paragraph(xml_safe(answer.question))
    if asked and asked != answer.question:
        doc.add_paragraph(xml_safe(f"（按上文理解为：{asked}）"))
    doc.add_heading("回答", level=2)
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
        run.italic = True
        run.font.color.rgb = RGBColor(0x8A, 0x53, 0x00)
    if answer.citations:
        doc.add_heading("依据", level=2)
        for c in answer.citations:
            doc.add_paragraph(style="List Number").add_run(xml_safe(c.clause)).bold = True
            for q in _quote_lines(c.quote):
                doc.add_paragraph(xml_safe(q), style="Quote")
            meta = _doc_line(documents.get(c.doc_id))
            where = _where(c.source, c.page, c.start, c.end) + (f"；{meta}" if meta else "")
            small = doc.add_paragraph().add_run(xml_safe(where))
            small.font.size = Pt(9)
            for x in _context_of(answer, c.marker):
                p = doc.add_paragraph()
                p.add_run(xml_safe(f"所引条款：{x.ref} → "))
                p.add_run(xml_safe(x.clause)).bold = True
                for q in _quote_lines(x.quote):
                    doc.add_paragraph(xml_safe(q), style="Quote")
                doc.add_paragraph().add_run(xml_safe(_where(x.source, x.page, x.start, x.end))).font.size = Pt(9)
    if answer.related:
        doc.add_heading("最接近的条款（不足以作答）" if answer.abstained else "相关条款（供参考）", level=2)
        for r in answer.related:
            doc.add_paragraph(xml_safe(f"{r.clause}：{r.snippet}"), style="List Bullet")
    path = Path(path)
    doc.save(str(path))
    return path

"""A conversation on the page: every question with its answer and citations kept on screen, the active
filters as removable chips, and the whole thread exported for a memo.

Pure functions over :class:`Entry` (one answered question), kept in a ``gr.State`` by
:mod:`ui.pages.ask`; nothing here touches Gradio. All text is escaped (:func:`ui.render.esc`).
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import render
from .export import thread_docx, thread_markdown

if TYPE_CHECKING:  # pragma: no cover
    from ingest.types import Document
    from qa.conversation import Rewrite, Turn
    from qa.types import Answer

log = logging.getLogger(__name__)

#: the most questions shown on the page at once: each answer re-renders the thread and its viewer
MAX_SHOWN = 20

#: the filter fields of the panel, in the order of its components, with their Chinese names
FILTER_FIELDS = (("types", "文件类型"), ("regions", "地区"), ("statuses", "状态"), ("date_from", "起始日期"),
                 ("date_to", "截止日期"))


@dataclass(frozen=True)
class FilterForm:
    """The values of the filter panel as the page holds them."""

    types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def of(cls, types: Sequence[str] | None, regions: Sequence[str] | None, statuses: Sequence[str] | None,
           date_from: str | None, date_to: str | None) -> "FilterForm":
        return cls(tuple(types or ()), tuple(regions or ()), tuple(statuses or ()), (date_from or "").strip(),
                   (date_to or "").strip())

    def values(self) -> tuple[list[str], list[str], list[str], str, str]:
        return list(self.types), list(self.regions), list(self.statuses), self.date_from, self.date_to

    def chips(self) -> list[tuple[str, str, str]]:
        """Every active filter as ``(field, value, label)``: 法律, 全国, 现行有效, 2021-01-01 起…"""
        out = [("types", v, "未分类" if v == "unknown" else v) for v in self.types]
        out += [("regions", v, render.region_label(v)) for v in self.regions]
        out += [("statuses", v, render.status_label(v)) for v in self.statuses]
        if self.date_from:
            out.append(("date_from", self.date_from, f"{self.date_from} 起"))
        if self.date_to:
            out.append(("date_to", self.date_to, f"至 {self.date_to}"))
        return out

    def without(self, name: str, value: str) -> "FilterForm":
        """The form with one filter value removed (``name`` a field of :data:`FILTER_FIELDS`)."""
        if name in ("types", "regions", "statuses"):
            kept = tuple(v for v in getattr(self, name) if v != value)
            return FilterForm(**{**self.__dict__, name: kept})
        if name in ("date_from", "date_to"):
            return FilterForm(**{**self.__dict__, name: ""})
        return self

    def __bool__(self) -> bool:
        return bool(self.chips())


def filter_chips(form: FilterForm) -> str:
    """The collapsed filter bar's summary: 已筛选：法律 × 全国 × (each × removes its filter)."""
    chips = form.chips()
    if not chips:
        return ""
    items = "".join(
        f"<span class='pq-chip'>{render.esc(label)}<button type='button' class='pq-chip-x' "
        f"data-clear-filter='{render.esc(json.dumps([name, value], ensure_ascii=False))}' "
        f"aria-label='取消筛选：{render.esc(label)}' title='取消这个筛选'>×</button></span>"
        for name, value, label in chips)
    return f"<div class='pq-chips' role='group' aria-label='当前筛选'><span class='pq-chips-head'>已筛选：</span>{items}</div>"


@dataclass
class Entry:
    """One answered question of the thread."""

    question: str  # as typed
    answer: "Answer"
    asked: "Rewrite"
    filters: dict[str, Any]  # as the API and feedback records hold them
    form: FilterForm = field(default_factory=FilterForm)
    previous: "Turn | None" = None  # the turn it followed (for 取消筛选重试)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


def filter_note(entry: Entry, last: bool) -> str:
    """Under an abstention asked with filters: that the filters may be why, and (for the last
    question) 取消筛选重试, which asks it again without them."""
    chips = entry.form.chips()
    if not entry.answer.abstained or not chips:
        return ""
    names = "、".join(label for _, _, label in chips)
    button = ("<button type='button' class='pq-retry' data-retry-unfiltered='1'>取消筛选重试</button>"
              if last else "")
    return (f"<div class='pq-filter-note' role='status'>这是在筛选条件（{render.esc(names)}）下的结果："
            f"筛选范围内没有找到依据，不加筛选也许能找到。{button}</div>")


def render_thread(entries: Sequence[Entry], view: render.CorpusView, error: str = "") -> tuple[str, str]:
    """The thread (each question, its answer and citations, oldest first) and the viewer holding the
    clauses of every answer, the newest answer's first clause shown; ``error`` (plain text) closes
    the thread (a question that could not be asked)."""
    if not entries and not error:
        return "", render.EMPTY_VIEWER
    first = max(1, len(entries) - MAX_SHOWN + 1)  # a long thread shows its latest questions; export has all
    turns = [f"<p class='pq-muted pq-thread-cut'>更早的 {first - 1} 个问答未显示（导出包含全部）。</p>"] if first > 1 else []
    for n, e in enumerate(entries, start=1):
        if n < first:
            continue
        last = n == len(entries)
        body = render.render_answer(e.answer, e.asked, prefix=f"t{n}-", note=filter_note(e, last))
        turns.append(f"<section class='pq-turn{' pq-last' if last else ''}' data-turn='{n}' "
                     f"aria-label='第 {n} 问'><div class='pq-q'><span class='pq-q-mark'>问</span>"
                     f"{render.esc(e.question)}</div>"
                     f"<div class='pq-answer-wrap' data-answer-id='{render.esc(e.id)}'>{body}</div></section>")
    if error:
        turns.append(f"<div class='pq-abstain pq-refused' role='alert'>{render.esc(error)}</div>")
    sections = "".join(render.evidence_sections(e.answer, view, f"t{n}-", active=n == len(entries))
                       for n, e in enumerate(entries, start=1) if n >= first)
    back = "<button type='button' class='pq-back' title='回到回答中点开这一条的位置'>← 返回回答</button>"
    viewer = f"<div class='pq-viewer'>{back}{sections}</div>" if sections else render.EMPTY_VIEWER
    return f"<div class='pq-thread'>{''.join(turns)}</div>", viewer


class ThreadExporter:
    """The whole thread as Markdown and as .md and .docx files in a private temporary folder."""

    def __init__(self) -> None:
        self._dir: Path | None = None

    def export(self, entries: Sequence[Entry], documents: dict[str, "Document"]) -> tuple[str, list[str]]:
        items = [(e.question, e.answer, e.asked.question) for e in entries]
        md = thread_markdown(items, documents)
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="policyqa-thread-"))
        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{uuid.uuid4().hex[:5]}"
        md_path = self._dir / f"policyqa-{stamp}.md"
        md_path.write_text(md, encoding="utf-8")
        docx_path = thread_docx(items, self._dir / f"policyqa-{stamp}.docx", documents)
        log.info("exported a thread of %d answers to %s", len(items), md_path.name)
        return md, [str(md_path), str(docx_path)]

"""Precedence, repeal and supersession between the documents of a corpus: which document prevails over
which ("与本规定不一致的，适用本规定"), which repeals which ("《X》同时废止"), which is an earlier version
of which (:mod:`.versions`), and a document's status."""

from __future__ import annotations

import datetime as _dt
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .common import DOC_NAMES, title_key
from .doctype import DRAFT, NORMATIVE

if TYPE_CHECKING:  # pragma: no cover
    from ..types import Document, SourceText

log = logging.getLogger(__name__)

_PRECEDENCE = re.compile(
    r"与本(?P<f>规定|办法|条例|法|决定|细则|规则|意见|通知|措施)不一致的[，,]?\s*(?:适用本(?P=f)|以本(?P=f)为准)|"
    r"以本(?P<g>规定|办法|条例|法|决定|细则|规则)为准")
_REPEAL = re.compile(r"《[^《》]{2,60}》[^。]{0,60}(?:同时|予以|即行)废止|废止《[^《》]{2,60}》")


def _name_index(documents: Sequence[Document]) -> dict[str, str]:
    """Every name a corpus document goes by (its title, the 《…》 it issues) → its title."""
    index: dict[str, str] = {}
    for d in documents:
        index.setdefault(title_key(d.title), d.title)
        if re.search(r"印发|发布|公布", d.title):
            for n in DOC_NAMES.findall(d.title):
                index.setdefault(title_key(n), d.title)
    return index


def _relations(documents: Sequence[Document], sources: dict[str, SourceText] | Sequence[SourceText],
               rx: re.Pattern[str]) -> dict[str, list[str]]:
    by_path = sources if isinstance(sources, dict) else {s.path: s for s in sources}
    index = _name_index(documents)
    out: dict[str, list[str]] = {}
    for d in documents:
        if DRAFT.search(d.title) or d.source not in by_path:
            continue
        text = by_path[d.source].text[d.start : d.end]
        for sent in re.split(r"[。\n]", text):
            if not rx.search(sent):
                continue
            for name in DOC_NAMES.findall(sent):
                target = index.get(title_key(name))
                if target and target != d.title:
                    lst = out.setdefault(target, [])
                    if d.title not in lst:
                        lst.append(d.title)
                        log.info("%s: %s prevails (%s)", target, d.title, sent.strip()[:80])
    return out


def find_precedence(documents: Sequence[Document],
                    sources: dict[str, SourceText] | Sequence[SourceText]) -> dict[str, list[str]]:
    """Corpus titles → titles of corpus documents that prevail over them where they differ.

    A document prevails over the documents it names in a clause "…与本规定不一致的，适用本规定"
    or "…以本规定为准"; drafts prevail over nothing.

    >>> from ingest.types import Document, SourceText
    >>> a = "数据出境安全评估办法\\n第一条 为了规范数据出境活动，制定本办法。"
    >>> b = "促进和规范数据跨境流动规定\\n第十三条 《数据出境安全评估办法》等相关规定与本规定不一致的，适用本规定。"
    >>> src = SourceText("c.txt", a + "\\n" + b, "utf-8")
    >>> docs = [Document("a", "数据出境安全评估办法", "c.txt", 0, len(a), 1, 2, "statute"),
    ...         Document("b", "促进和规范数据跨境流动规定", "c.txt", len(a) + 1, len(a) + 1 + len(b), 3, 4, "statute")]
    >>> find_precedence(docs, [src])
    {'数据出境安全评估办法': ['促进和规范数据跨境流动规定']}
    """
    return _relations(documents, sources, _PRECEDENCE)


def find_repeals(documents: Sequence[Document],
                 sources: dict[str, SourceText] | Sequence[SourceText]) -> dict[str, list[str]]:
    """Corpus titles → titles of corpus documents that repeal them ("《X》同时废止").

    >>> find_repeals([], [])
    {}
    """
    return _relations(documents, sources, _REPEAL)


def find_superseding(title: str, doc_type: str, corpus_titles: Sequence[str],
                     precedence: dict[str, list[str]] | None,
                     repeals: dict[str, list[str]] | None) -> tuple[list[str], list[str]]:
    """(titles that prevail over the document in part, titles that repeal it), from the corpus-wide
    tables of :func:`find_precedence` and :func:`find_repeals`; only a normative text is superseded."""
    superseded_in_part_by: list[str] = []
    superseded_by: list[str] = []
    keys = {title_key(title), *(title_key(n) for n in DOC_NAMES.findall(title))}
    for table, sink in ((precedence, superseded_in_part_by), (repeals, superseded_by)):
        if doc_type not in NORMATIVE:
            break  # a news item or a reading of a document is not itself superseded
        for k, v in (table or {}).items():
            if title_key(k) in keys:
                sink.extend(x for x in v if x not in sink and (not corpus_titles or x in corpus_titles))
    return superseded_in_part_by, superseded_by


def find_status(doc_type: str, superseded_by: list[str], valid_until: str | None,
                as_of: _dt.date | None = None, historical: bool = False) -> str:
    """``draft``, ``in_force``, ``superseded`` (repealed, or ``historical``: an earlier version of a
    rule whose later text is in the corpus), ``expired`` (an explicit 有效期至 before ``as_of``,
    default today) or ``unknown`` (not a normative text)."""
    today = as_of or _dt.date.today()
    if doc_type == "征求意见稿":
        status = "draft"
    elif doc_type in NORMATIVE:
        status = "in_force"
        if superseded_by or historical:
            status = "superseded"
        elif valid_until and len(valid_until) == 10 and valid_until < today.isoformat():
            status = "expired"
    else:
        status = "unknown"
    return status

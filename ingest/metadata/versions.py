"""Versions of one rule: an amended (修正/修订) text beside the text it amends.

Two normative documents of a corpus are versions of one rule when their titles are equal once a
version suffix is dropped (《…法（2025修正）》, 《…条例（2019年修订）》, …修订版, a leading 中华人民共和国),
or when a document's own header says which law it is an amended text of
(…《关于修改〈中华人民共和国网络安全法〉的决定》修正) and that law is in the corpus; and they are of one
region and, where both name their issuers, one issuer. Each version is dated by its own header:
the last 根据…修正 / …修订 date in it, else the day it was adopted, else the day it took effect or
was published. The latest version is current; every earlier one is a historical version of it.
Versions that cannot be ordered (no date, or the same date) are left alone, with a warning.

:func:`find_versions` does this for a corpus; the pipeline passes it to
:func:`~ingest.metadata.extract_metadata`, which writes it into each version's metadata
(``version_date``, ``versions``, and on an earlier version ``current_version``,
``current_version_title`` and status ``superseded``).

>>> version_key("中华人民共和国网络安全法（2025修正）") == version_key("网络安全法")
True
>>> version_key("科技伦理审查办法（试行）") == version_key("科技伦理审查办法")
False
>>> amendment_dates("中华人民共和国网络安全法\\n（2016年11月7日第十二届全国人民代表大会常务委员会第二十四次会议通过　"
...                 "根据2025年10月28日第十四届全国人民代表大会常务委员会第十八次会议"
...                 "《关于修改〈中华人民共和国网络安全法〉的决定》修正）")
['2025-10-28']
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .common import FW_DIGITS, title_key
from .dates import DATE, find_adopted, parse_date
from .doctype import DRAFT, NORMATIVE
from .extract import extract_metadata

if TYPE_CHECKING:  # pragma: no cover
    from ..types import Document, SourceText

log = logging.getLogger(__name__)

MIN_TITLE_CHARS = 2  # Chinese characters a title needs to name a rule (刑法, not "---")
_CJK = re.compile(r"[\u4e00-\u9fff]")
HEADER_CHARS = 600  # a law's header (…通过　根据…修正) sits right under its title
_AMENDED = r"(?:修正|修订|修改)"
# a version suffix: （2025修正）, (2019年修订), 【2018年第二次修正】, 修订版, 修正本
_VERSION_SUFFIX = re.compile(
    rf"(?:[（(〔【\[]\s*(?:(?:19|20)\d{{2}}\s*年?\s*)?(?:第[一二三四五六七八九十]+次)?{_AMENDED}(?:本|版|文本)?\s*[）)〕】\]]"
    rf"|{_AMENDED}(?:本|版|文本))$")
_NATIONAL_PREFIX = "中华人民共和国"
_HEADER_BLOCK = re.compile(r"[（(]([^（）()]{6,400})[）)]")
# the law a 修改决定 is about, when it is about that law alone: 《关于修改〈X〉的决定》
_DECISION_OF = re.compile(r"关于修改[〈<《]([^〈〉<>《》]{2,60})[〉>》]的决定")


@dataclass(frozen=True)
class Version:
    """One document's place among the versions of its rule.

    ``date`` is the date of this version; ``versions`` the ids of all versions, oldest first;
    ``current``/``current_title`` the id and title of the latest version (this one when it is
    current)."""

    doc_id: str
    date: str
    versions: tuple[str, ...]
    current: str
    current_title: str

    @property
    def historical(self) -> bool:
        """Whether a later version of the rule is in the corpus."""
        return self.current != self.doc_id


def version_key(title: str) -> str:
    """The title without a version suffix and a leading 中华人民共和国, in the compared form."""
    key = title_key(title)
    while True:
        stripped = _VERSION_SUFFIX.sub("", key)
        if stripped == key:
            break
        key = stripped
    return key[len(_NATIONAL_PREFIX):] if key.startswith(_NATIONAL_PREFIX) else key


def _header_blocks(head: str) -> list[str]:
    """The bracketed adoption and amendment notes under a title: （…通过　根据…修正）, without blanks
    (a text extracted from a PDF breaks them over lines: "根据\\n2025\\n年…")."""
    blocks = (re.sub(r"\s+", "", m.group(1)) for m in _HEADER_BLOCK.finditer(head[:HEADER_CHARS].translate(FW_DIGITS)))
    return [b for b in blocks if DATE.search(b) and re.search(rf"通过|{_AMENDED}", b)]


def amendment_dates(head: str) -> list[str]:
    """ISO dates of the amendments a document's header records ("根据2025年10月28日…《关于修改〈…〉的决定》修正",
    "2021年4月29日…会议修订"): each date followed, before the next date, by 修正 or 修订."""
    out: list[str] = []
    for block in _header_blocks(head):
        dates = list(DATE.finditer(block))
        for i, m in enumerate(dates):
            upto = block[m.end(): dates[i + 1].start() if i + 1 < len(dates) else len(block)]
            if re.search(r"修正|修订", upto):
                iso = parse_date(m.group())
                if iso:
                    out.append(iso)
    return out


def amended_law(head: str) -> str | None:
    """The law a document's header says it is the amended text of (《关于修改〈X〉的决定》), if one alone."""
    for block in _header_blocks(head):
        names = {m.group(1) for m in _DECISION_OF.finditer(block)}
        if len(names) == 1:
            return names.pop()
    return None


@dataclass(frozen=True)
class _Facts:
    doc: Document
    keys: frozenset[str]
    states: str | None  # the key of the law its header says it is the amended text of
    date: str | None
    region: str | None
    issuers: frozenset[str]


def _facts(doc: Document, source: SourceText) -> _Facts | None:
    """What deciding versions needs of one document; None when it is not a normative text."""
    if DRAFT.search(doc.title):
        return None
    meta = extract_metadata(doc, source)
    head = source.text[doc.start: doc.end][:HEADER_CHARS]
    law = amended_law(head)
    states = version_key(law) if law else None
    if meta.get("doc_type") not in NORMATIVE and not states:
        return None  # not a rule, unless its header says which law's amended text it is
    keys = {version_key(doc.title)}
    if states:
        keys.add(states)
    amended = amendment_dates(head)
    date = max(amended) if amended else (find_adopted(head) or meta.get("effective_date") or meta.get("published"))
    return _Facts(doc, frozenset(k for k in keys if k), states, date if isinstance(date, str) else None,
                  meta.get("region"), frozenset(meta.get("issuers") or ()))


def _compatible(a: _Facts, b: _Facts, key: str) -> bool:
    """Two texts of one title can be versions of one rule: one region and, where both name theirs, a
    common issuer — or one says in its own header that it is the amended text of the other."""
    if key in (a.states, b.states):
        return True
    return a.region == b.region and (not a.issuers or not b.issuers or bool(a.issuers & b.issuers))


def find_versions(documents: Sequence[Document],
                  sources: Mapping[str, SourceText] | Sequence[SourceText]) -> dict[str, Version]:
    """Document id → :class:`Version`, for every document of the corpus that has another version in it.

    >>> from ingest.types import Document, SourceText
    >>> old = "中华人民共和国数据法\\n（2016年11月7日第十二届全国人民代表大会常务委员会第二十四次会议通过）\\n第一条 为了保障数据安全，制定本法。"
    >>> new = ("中华人民共和国数据法\\n（2016年11月7日第十二届全国人民代表大会常务委员会第二十四次会议通过　根据2025年10月28日"
    ...        "第十四届全国人民代表大会常务委员会第十八次会议《关于修改〈中华人民共和国数据法〉的决定》修正）\\n第一条 为了保障数据安全，制定本法。")
    >>> src = SourceText("c.txt", old + "\\n" + new, "utf-8")
    >>> docs = [Document("a", "中华人民共和国数据法", "c.txt", 0, len(old), 1, 3, "statute"),
    ...         Document("b", "中华人民共和国数据法", "c.txt", len(old) + 1, len(old) + 1 + len(new), 4, 6, "statute")]
    >>> v = find_versions(docs, [src])
    >>> v["a"].historical, v["a"].current, v["a"].date, v["b"].date, v["b"].versions
    (True, 'b', '2016-11-07', '2025-10-28', ('a', 'b'))
    """
    by_path = sources if isinstance(sources, Mapping) else {s.path: s for s in sources}
    by_key: dict[str, list[Document]] = {}
    quick = {d.id: {version_key(d.title)} for d in documents}
    for d in documents:
        for k in quick[d.id]:
            if len(_CJK.findall(k)) >= MIN_TITLE_CHARS:  # a title of no words ("---") names no rule
                by_key.setdefault(k, []).append(d)
    # a header that names the law it amends joins that law's group (read only for headers that say so)
    for d in documents:
        if d.source in by_path:
            law = amended_law(by_path[d.source].text[d.start: d.end][:HEADER_CHARS])
            if law and version_key(law) in by_key and d.id not in {x.id for x in by_key[version_key(law)]}:
                by_key[version_key(law)].append(d)
    facts: dict[str, _Facts | None] = {}
    out: dict[str, Version] = {}
    for key, docs in by_key.items():
        if len(docs) < 2:
            continue
        for d in docs:
            if d.id not in facts:
                facts[d.id] = _facts(d, by_path[d.source]) if d.source in by_path else None
        group = [f for d in docs if (f := facts[d.id]) is not None and key in f.keys]
        group = [f for f in group if all(_compatible(f, g, key) for g in group)]
        if len(group) < 2:
            continue
        dated = [f for f in group if f.date]
        dates = [f.date for f in dated]
        if len(dated) < len(group) or len(set(dates)) < len(dates):
            log.warning("%d documents are versions of 《%s》 but cannot be ordered by date (%s); none is "
                        "marked historical", len(group), group[0].doc.title,
                        ", ".join(f"{f.doc.id}: {f.date}" for f in group))
            continue
        dated.sort(key=lambda f: str(f.date))
        ids = tuple(f.doc.id for f in dated)
        current = dated[-1].doc
        for f in dated:
            if f.doc.id in out:
                continue  # already placed by another of its keys
            out[f.doc.id] = Version(f.doc.id, str(f.date), ids, current.id, current.title)
        log.info("versions of 《%s》: %s; current %s (%s)", current.title,
                 ", ".join(f"{f.doc.id} ({f.date})" for f in dated), current.id, dated[-1].date)
    return out

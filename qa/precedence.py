"""Which rule prevails where the documents of an answer differ — derived from document metadata.

The rules, tried in this order for every pair of normative documents in an answer (cited or
attached as context); the first that applies decides:

0. ``current_version`` — the other is an earlier version of the same rule, amended by this one
   (:mod:`ingest.metadata.versions`): the current text applies;
1. ``superseded_by`` — a later text repeals the other (《X》同时废止): the later one applies;
2. ``superseded_in_part_by`` — a later rule's own precedence clause (…与本规定不一致的，适用本规定):
   that rule applies where the two differ;
3. a draft for comment (``status == "draft"``) is not in force: the text in force applies;
4. an expired text (``status == "expired"``): the text in force applies;
5. rank (``authority_level``): 法律 > 行政法规 > 地方性法规, 规章 > 规范性文件, and a national
   规范性文件 over a local one; a 地方性法规 is above the 地方政府规章 and 规范性文件 of its own
   region. A 部门规章 and a 地方性法规 (or a 地方政府规章) have no order by rank, so none is given;
6. the same rank, region and issuer (立法法: 新的规定与旧的规定不一致的，适用新的规定): the later
   ``effective_date`` (or ``published``) applies.

A document that is not itself a rule (news, a reading, a report) is never weighed. Everything
here is a pure function of :class:`~ingest.types.Document` metadata and clauses; no title is
hard-coded.

>>> from ingest.types import Document
>>> old = Document("a", "甲省数据条例", "s", 0, 1, 1, 1, "statute",
...                {"doc_type": "地方性法规", "authority_level": "地方性法规", "region": "甲省", "status": "in_force"})
>>> law = Document("b", "中华人民共和国数据法", "s", 0, 1, 1, 1, "statute",
...                {"doc_type": "法律", "authority_level": "法律", "region": "national", "status": "in_force"})
>>> v = compare(old, law)
>>> v.prevails.title, v.kind
('中华人民共和国数据法', 'rank')
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ingest.metadata import NORMATIVE
from ingest.titles import book
from ingest.types import Clause, Document, SourceText

from . import wording
from .types import Answer
from .verify import cite_clause, verify_answer_text

log = logging.getLogger(__name__)

_PRECEDENCE_WORDS = re.compile(r"不一致的[，,]?\s*(?:适用本|以本)|为准")
# (higher, lower, condition on the pair, reason); "same region" where the rule holds within one region only
_RANK_RULES: tuple[tuple[frozenset[str], frozenset[str], str, str], ...] = (
    (frozenset({"法律"}), frozenset(NORMATIVE) - {"法律"}, "any",
     "法律的效力高于行政法规、地方性法规和规章"),
    (frozenset({"行政法规"}), frozenset({"部门规章", "地方性法规", "地方政府规章", "规范性文件"}), "any",
     "行政法规的效力高于地方性法规和规章"),
    (frozenset({"地方性法规"}), frozenset({"地方政府规章", "规范性文件"}), "same_region",
     "地方性法规的效力高于本地的地方政府规章和规范性文件"),
    (frozenset({"部门规章"}), frozenset({"规范性文件"}), "any",
     "规范性文件不得与规章相抵触"),
    (frozenset({"地方政府规章"}), frozenset({"规范性文件"}), "same_region",
     "规范性文件不得与规章相抵触"),
    (frozenset({"规范性文件"}), frozenset({"规范性文件"}), "national_over_local",
     "地方的规定不得与国家的规定相抵触"),
)


@dataclass(frozen=True)
class Verdict:
    """Where ``yields`` and ``prevails`` differ, ``prevails`` applies, because of ``reason``.

    ``kind`` is one of ``amended`` (an earlier version of the same rule), ``superseded``,
    ``precedence_clause``, ``draft``, ``expired``, ``rank``, ``later``; ``clause`` is the prevailing document's precedence clause (kind
    ``precedence_clause``) when the corpus holds it.
    """

    prevails: Document
    yields: Document
    kind: str
    reason: str
    clause: Clause | None = None

    @property
    def warning(self) -> str:
        """The verdict as one warning sentence (:func:`qa.wording.verdict_warning`)."""
        return wording.verdict_warning(self)

    @property
    def sentence(self) -> str:
        """The verdict for the answer text (:func:`qa.wording.verdict_sentence`)."""
        return wording.verdict_sentence(self)


def _meta(doc: Document) -> Mapping[str, object]:
    return doc.metadata or {}


def is_draft(doc: Document) -> bool:
    """A draft for comment (征求意见稿, 草案) is not in force."""
    return _meta(doc).get("status") == "draft" or _meta(doc).get("doc_type") == "征求意见稿"


def is_rule(doc: Document) -> bool:
    """A normative text (法律 … 规范性文件) — the only kind weighed against another."""
    return _meta(doc).get("doc_type") in NORMATIVE


def in_force(doc: Document) -> bool:
    return is_rule(doc) and _meta(doc).get("status") not in ("draft", "expired", "superseded")


def _date(doc: Document) -> str | None:
    d = _meta(doc).get("effective_date") or _meta(doc).get("published")
    return d if isinstance(d, str) and len(d) == 10 else None


def precedence_clause(newer: Document, older_title: str) -> Clause | None:
    """The article of ``newer`` that says it prevails over ``older_title`` ("…与本规定不一致的，适用本规定").

    >>> from ingest.types import Clause, Document
    >>> t = "第十三条 《数据出境安全评估办法》等相关规定与本规定不一致的，适用本规定。"
    >>> c = Clause("b:t13", "b", "条", "十三", "《促进和规范数据跨境流动规定》第十三条", (), 0, len(t), t)
    >>> precedence_clause(Document("b", "促进和规范数据跨境流动规定", "s", 0, 1, 1, 1, "statute", clauses=[c]),
    ...                   "数据出境安全评估办法").id
    'b:t13'
    """
    for cl in newer.clauses:
        if cl.level == "条" and f"《{older_title}》" in cl.text and _PRECEDENCE_WORDS.search(cl.text):
            return cl
    for cl in newer.clauses:  # the older title without its 《》 (e.g. in a list of titles)
        if cl.level == "条" and older_title in cl.text and "不一致" in cl.text:
            return cl
    return None


def _regions(a: Document, b: Document) -> tuple[object, object]:
    return _meta(a).get("region"), _meta(b).get("region")


def _overlap(a: Document, b: Document) -> bool:
    """Whether two rules can govern the same place: one is national, or both are of one region."""
    ra, rb = _regions(a, b)
    return ra == "national" or rb == "national" or ra is None or rb is None or ra == rb


def _outranks(a: Document, b: Document) -> str | None:
    """Why ``a`` ranks above ``b``, or None."""
    la, lb = _meta(a).get("authority_level"), _meta(b).get("authority_level")
    ra, rb = _regions(a, b)
    for higher, lower, cond, reason in _RANK_RULES:
        if la not in higher or lb not in lower:
            continue
        if cond == "same_region" and not (ra and ra == rb):
            continue
        if cond == "national_over_local" and not (ra == "national" and rb not in (None, "national", "international")):
            continue
        return reason
    return None


def is_historical(doc: Document) -> bool:
    """An earlier version of a rule whose amended text is in the corpus (``current_version``)."""
    current = _meta(doc).get("current_version")
    return bool(current) and current != doc.id


def version_note(doc: Document) -> str:
    """The warning for a historical version: it has been amended, and which text is current."""
    meta = _meta(doc)
    when = f"（{meta['version_date']}）" if meta.get("version_date") else ""
    return (f"{book(doc.title)}{when}是历史版本，已被修改，不是现行文本；现行文本是修改后的"
            f"{book(meta.get('current_version_title') or doc.title)}，条文序号以现行文本为准。")


def _one_way(a: Document, b: Document) -> Verdict | None:
    """The verdict that ``b`` prevails over ``a``, if a rule says so."""
    ma = _meta(a)
    if is_historical(a) and ma.get("current_version") == b.id:
        return Verdict(b, a, "amended", "前者是后者修改前的历史版本，后者是现行文本")
    if b.title in (ma.get("superseded_by") or []):
        return Verdict(b, a, "superseded", "后者已将前者废止")
    if b.title in (ma.get("superseded_in_part_by") or []):
        clause = precedence_clause(b, a.title)
        where = clause.label if clause else book(b.title)
        return Verdict(b, a, "precedence_clause", f"{where}规定，与其不一致的，适用{book(b.title)}", clause)
    if not in_force(b):
        return None
    if not _overlap(a, b):
        return None  # rules of two regions govern different places: neither gives way
    if is_draft(a):
        return Verdict(b, a, "draft", "前者是征求意见稿，尚未生效")
    if ma.get("status") == "expired":
        return Verdict(b, a, "expired", f"前者已过有效期（至{ma.get('valid_until')}）")
    if not in_force(a):
        return None
    reason = _outranks(b, a)
    if reason:
        return Verdict(b, a, "rank", reason)
    mb = _meta(b)
    same_issuer = set(ma.get("issuers") or []) & set(mb.get("issuers") or [])  # type: ignore[arg-type]
    da, db = _date(a), _date(b)
    if (ma.get("authority_level") == mb.get("authority_level") and _regions(a, b)[0] == _regions(a, b)[1]
            and same_issuer and da and db and db > da):
        return Verdict(b, a, "later",
                       f"同一机关制定的同位阶规定，新的规定与旧的规定不一致的，适用新的规定"
                       f"（{book(b.title)}{db}施行，{book(a.title)}{da}施行）")
    return None


def compare(a: Document, b: Document) -> Verdict | None:
    """Which of two documents applies where they differ, and why; None when no rule decides
    (different matters of equal rank, a non-normative text, or the same document)."""
    if a.id == b.id or not (is_rule(a) or is_draft(a)) or not (is_rule(b) or is_draft(b)):
        return None
    return _one_way(a, b) or _one_way(b, a)


def verdicts(documents: Iterable[Document]) -> list[Verdict]:
    """The verdicts for every pair of ``documents`` (each pair once, in the order given)."""
    docs = list({d.id: d for d in documents}.values())
    out = []
    for i, a in enumerate(docs):
        for b in docs[i + 1:]:
            v = compare(a, b)
            if v is not None:
                out.append(v)
    return out


def force_notes(doc: Document) -> list[str]:
    """What a reader must know about one document's force: a historical version of an amended rule,
    a draft, expired, repealed, or prevailed over by a later rule (whether or not that rule is cited)."""
    meta = _meta(doc)
    out: list[str] = []
    if is_historical(doc):
        out.append(version_note(doc))
    if is_draft(doc) or "征求意见稿" in doc.title:
        out.append(wording.draft_note(doc))
    elif meta.get("status") == "expired":
        out.append(wording.expired_note(doc, meta.get("valid_until")))
    for newer in meta.get("superseded_by") or []:  # type: ignore[attr-defined]
        out.append(wording.superseded_note(doc, newer))
    for newer in meta.get("superseded_in_part_by") or []:  # type: ignore[attr-defined]
        out.append(wording.superseded_in_part_note(doc, newer))
    return out


def warnings_for(documents: Sequence[Document]) -> list[str]:
    """The force of each document, then which one applies for each pair that differs."""
    out: list[str] = []
    for d in {d.id: d for d in documents}.values():
        out += force_notes(d)
    # an amendment, a repeal or a precedence clause is already said by force_notes; the other verdicts are added
    out += [v.warning for v in verdicts(documents) if v.kind not in ("amended", "superseded", "precedence_clause")]
    return list(dict.fromkeys(out))


def explain(answer: Answer, documents: Mapping[str, Document],
            sources: Mapping[str, SourceText] | None = None, asks_which: bool = False) -> Answer:
    """``answer`` with the precedence among its documents (cited, and those of its context) in
    ``warnings`` and, as a verified ``适用说明`` line marked with the citations concerned, in the text.

    When the question asks which rule applies (``asks_which``, :attr:`retrieval.query.Query.asks_which`)
    and the verdict rests on the
    prevailing rule's own precedence clause, that clause is cited too (given ``sources``) and
    quoted in the line ("《…规定》第十三条：…适用本规定。"). A verdict whose precedence clause the
    answer already cites is not repeated. A line that would not pass
    :func:`qa.verify.verify_answer_text` is not added (and is logged).
    """
    if answer.abstained:
        return answer
    marker_of: dict[str, list[int]] = {}
    for c in answer.citations:
        marker_of.setdefault(c.doc_id, []).append(c.marker)
    for x in answer.context:
        marker_of.setdefault(x.doc_id, []).append(x.marker)
    docs = [documents[i] for i in marker_of if i in documents]
    found = verdicts(docs)
    warnings = list(dict.fromkeys([*answer.warnings, *warnings_for(docs)]))
    cited = {c.clause_id for c in answer.citations}
    citations = list(answer.citations)
    lines = []
    for v in found:
        if v.clause is not None and v.clause.id in cited:
            continue  # the answer already quotes the rule's own precedence clause
        markers = sorted(set(marker_of[v.yields.id][:1] + marker_of[v.prevails.id][:1]))
        quote_rule = v.clause is not None and sources is not None and asks_which
        rule = cite_clause(len(citations) + 1, v.prevails, v.clause, sources) if quote_rule else None
        line = (wording.verdict_line(v, markers, rule.clause, rule.quote, rule.marker) if rule is not None
                else wording.verdict_line(v, markers))
        check = verify_answer_text(line, citations + ([rule] if rule else []))
        if check.ok:
            lines.append(line)
            if rule is not None:
                citations.append(rule)
                cited.add(rule.clause_id)
        else:
            log.warning("precedence line not added, it fails verification: %s", "; ".join(
                r for s in check.failed for r in s.reasons))
    text = "\n".join([answer.answer, *lines]) if lines else answer.answer
    return replace(answer, answer=text, warnings=warnings, citations=citations)

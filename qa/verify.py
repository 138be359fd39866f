"""Verification, applied to every answer before it leaves (extractive and generated alike).

Three rules, as pure functions:

1. a quote is exactly the source text at its recorded span (:func:`verify_quote`);
2. every sentence of the answer carries ``[n]`` markers that name existing citations — a
   sentence without a marker of its own is covered by the next marker in the same line,
   as a marker closing a paragraph covers it;
3. every number, date, amount, percentage and duration in a sentence — Arabic or Chinese
   numerals, ``100万`` = ``一百万``, ``30日`` = ``三十日``, ``5%`` = ``百分之五`` — occurs in the
   quote of a clause the sentence cites. Clause labels (``第七条``, ``第（二）项``), item
   markers (``（一）``) and list numbers (``1、``) are not facts and are not checked; a
   number inside a title (``《…》``) may also come from the cited clause's label or title.

:func:`verify_answer_text` splits a text into sentences and returns the ones that pass and
the ones that fail with their reasons; :func:`verify_answer` enforces all three rules on an
:class:`~qa.types.Answer`: it drops citations that fail rule 1 and sentences that fail rule 2
or 3, and turns an answer with nothing left into an abstention. A sentence that fails is
dropped, not shown with a mark, unless ``mark=True`` is asked for. What is *not* checked:
whether a sentence's wording (beyond its numbers) says what its clause says.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ingest.text import CN_MULTIPLIERS, cn_number, cn_to_int
from ingest.titles import book
from ingest.types import Clause, Document, SourceText

from .types import Answer, Citation, ContextClause
from .wording import MARKER, marker_numbers

log = logging.getLogger(__name__)

UNVERIFIED_ANSWER = "语料中未找到依据：回答未通过引文核对，已撤回。"
FAILED_MARK = "〔未能核实〕"


# -- rule 1: quotes ---------------------------------------------------------------------------
class VerificationError(AssertionError):
    """A citation whose quote is not the source text at its span."""


def verify_quote(c: Citation | ContextClause, sources: Mapping[str, SourceText]) -> str | None:
    """Why ``c.quote`` (of a citation or a context clause) is not exactly the source text at
    ``c.start:c.end``, or None when it is."""
    src = sources.get(c.source)
    if src is None:
        return f"citation [{c.marker}] {c.clause}: source {c.source!r} is not in the index"
    if not c.quote.strip():
        return f"citation [{c.marker}] {c.clause}: the quote is empty"
    if not 0 <= c.start < c.end <= len(src.text):
        return f"citation [{c.marker}] {c.clause}: span {c.start}:{c.end} is outside {c.source}"
    if src.text[c.start:c.end] != c.quote:
        return f"citation [{c.marker}] {c.clause}: quote is not the source text at {c.start}:{c.end}"
    return None


def quoted(src: SourceText, start: int, end: int) -> tuple[str, int]:
    """The quote of ``src.text[start:end]`` with its trailing blank trimmed, and where it ends."""
    quote = src.text[start:end].rstrip()
    return quote, start + len(quote)


def cite_clause(marker: int, doc: Document, clause: Clause, sources: Mapping[str, SourceText],
                start: int | None = None, end: int | None = None, score: float = 0.0) -> Citation | None:
    """A citation labelled with ``clause`` that quotes ``doc``'s source at ``start:end`` (the whole
    clause by default) exactly; None when the source is not held or the span is blank."""
    src = sources.get(doc.source)
    start = clause.start if start is None else start
    if src is None:
        return None
    quote, stop = quoted(src, start, clause.end if end is None else end)
    if not quote.strip():
        return None
    return Citation(marker=marker, doc_title=doc.title, clause=clause.label, quote=quote, source=doc.source,
                    page=src.page_at(start), start=start, end=stop, score=round(score, 4), clause_id=clause.id,
                    doc_id=doc.id)


def verify_citation(c: Citation, sources: Mapping[str, SourceText]) -> None:
    """Raise :class:`VerificationError` unless ``c.quote`` is the source text at its span."""
    problem = verify_quote(c, sources)
    if problem:
        raise VerificationError(problem)


# -- numbers ----------------------------------------------------------------------------------
_CN_DIGIT = "零〇一二三四五六七八九两"
_AR = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN = rf"[{_CN_DIGIT}十][{_CN_DIGIT}十百千万亿]*(?:点[{_CN_DIGIT}]+)?"
_UNIT = r"个工作日|工作日|个小时|小时|分钟|个月|个百分点|百分点|周岁|岁|年|月|日|天|周|星期|元|人|倍|%|‰"
_Y = rf"\d{{4}}|[{_CN_DIGIT}]{{4}}"
_MD = r"\d{1,2}|[十一二三四五六七八九]{1,3}"
_TOKEN = re.compile(
    rf"(?P<y>{_Y})\s*年\s*(?:(?P<m>{_MD})\s*月\s*(?:(?P<d>{_MD})\s*[日号])?)?"
    rf"|(?P<m2>{_MD})\s*月\s*(?P<d2>{_MD})\s*[日号]"
    rf"|百分之(?P<pct>{_CN}|{_AR})|千分之(?P<pml>{_CN}|{_AR})"
    rf"|(?P<ar>{_AR})\s*(?P<armul>[十百千万亿]*)\s*(?P<arunit>{_UNIT})?"
    rf"|(?P<cn>{_CN})(?P<cnunit>{_UNIT})?"
)
_UNIT_NAMES = {"天": "日", "个月": "月", "个工作日": "工作日", "个小时": "小时", "周岁": "岁", "星期": "周",
               "个百分点": "百分点"}

# not facts: markers, clause labels, item markers, list numbers
_LABEL = re.compile(rf"第\s*[（(]?\s*(?:\d+|[{_CN_DIGIT}十百千]+)\s*[)）]?\s*[条款项章节编目段]")
_ITEM = re.compile(r"[（(]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[)）]")
_LIST_NO = re.compile(r"(?:^|(?<=[\n：:；;。]))\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[、.](?!\d)")


@dataclass(frozen=True)
class NumberToken:
    """A number found in text: ``kind`` is ``date`` (value = (year, month, day), None where the
    text does not say) or ``num`` (value = Decimal, ``unit`` normalised: 日, 月, 年, %, 元, 人 …)."""

    kind: str
    value: object
    unit: str
    text: str


def _arabic(digits: str, mult: str) -> Decimal:
    value = Decimal(digits.replace(",", ""))
    for ch in mult:
        value *= CN_MULTIPLIERS[ch]
    return value


def _small(s: str | None) -> int | None:
    return None if s is None else (int(s) if s.isdigit() else cn_to_int(s))


def _year(s: str) -> int | None:
    return int(s) if s.isdigit() else (int(v) if (v := cn_number(s)) is not None else None)


def _mask(text: str) -> str:
    for pattern in (MARKER, _LABEL, _ITEM, _LIST_NO):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def number_tokens(text: str) -> list[NumberToken]:
    """The numbers, dates, amounts, percentages and durations in ``text`` that are facts.

    >>> [(t.kind, str(t.value) if t.kind == "num" else t.value, t.unit) for t in number_tokens("第四条 处理一百万人以上，三十日内")]
    [('num', '1000000', '人'), ('num', '30', '日')]
    """
    text = _mask(unicodedata.normalize("NFKC", text))
    out: list[NumberToken] = []
    for m in _TOKEN.finditer(text):
        g = m.groupdict()
        if g["y"] or g["m2"]:
            y = _year(g["y"]) if g["y"] else None
            mo, d = _small(g["m"] or g["m2"]), _small(g["d"] or g["d2"])
            if mo is not None and not 1 <= mo <= 12 or d is not None and not 1 <= d <= 31:
                continue
            out.append(NumberToken("date", (y, mo, d), "", m.group(0)))
        elif g["pct"] or g["pml"]:
            raw = g["pct"] or g["pml"]
            value = Decimal(raw) if raw[0].isdigit() else cn_number(raw)
            if value is not None:
                out.append(NumberToken("num", value, "%" if g["pct"] else "‰", m.group(0)))
        elif g["ar"]:
            unit = g["arunit"] or ""
            out.append(NumberToken("num", _arabic(g["ar"], g["armul"]), _UNIT_NAMES.get(unit, unit), m.group(0)))
        elif g["cn"]:
            unit = g["cnunit"] or ""
            # a bare Chinese numeral counts only when it is plainly a number (一百, 三十, 五千万),
            # not the 一 of 统一/一些/之一
            if not unit and (len(g["cn"]) < 2 or not any(ch in CN_MULTIPLIERS for ch in g["cn"])):
                continue
            value = cn_number(g["cn"])
            if value is not None:
                out.append(NumberToken("num", value, _UNIT_NAMES.get(unit, unit), m.group(0)))
    return out


def _support(texts: Sequence[str]) -> list[NumberToken]:
    """Every token of ``texts``; a date also supports its year, month and day on their own."""
    out: list[NumberToken] = []
    for t in texts:
        for variant in dict.fromkeys((t, t.replace("\n", ""))):
            for tok in number_tokens(variant):
                out.append(tok)
                if tok.kind == "date":
                    for v, unit in zip(tok.value, ("年", "月", "日")):  # type: ignore[call-overload]
                        if v is not None:
                            out.append(NumberToken("num", Decimal(v), unit, tok.text))
    return out


def _supported(tok: NumberToken, support: Sequence[NumberToken]) -> bool:
    for s in support:
        if tok.kind == "date":
            if s.kind == "date" and all(a is None or a == b for a, b in zip(tok.value, s.value)):  # type: ignore[call-overload]
                return True
        elif s.kind == "num" and s.value == tok.value and (not tok.unit or not s.unit or tok.unit == s.unit):
            return True
    return False


def _titles(text: str) -> list[tuple[int, int]]:
    """The outermost 《…》 spans of ``text`` (titles nest: 《关于印发《…》的通知》)."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "《":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    return spans


def unsupported_numbers(sentence: str, quotes: Sequence[str], labels: Sequence[str] = ()) -> list[str]:
    """The number tokens of ``sentence`` that occur in none of ``quotes``. The cited clauses'
    ``labels`` are not facts: where the sentence repeats one (《X》第四条, or its part after the
    title, 五、（一）1.), it is not checked; numbers inside other titles (《…》) may come from
    the labels too."""
    return _unsupported(sentence, _support(quotes), labels, _support(labels))


def _unsupported(sentence: str, quote_support: Sequence[NumberToken], labels: Sequence[str],
                 label_support: Sequence[NumberToken]) -> list[str]:
    norm = unicodedata.normalize("NFKC", sentence)
    for label in sorted({unicodedata.normalize("NFKC", x) for x in labels if x}, key=len, reverse=True):
        tail = label[label.rindex("》") + 1:] if "》" in label else ""
        for part in (label, tail):
            if part.strip() and part in norm:  # whole: not the "1." of 1.5亿
                norm = re.sub(rf"(?<![\d.]){re.escape(part)}(?!\d)", lambda m: " " * len(m.group(0)), norm)
    spans = _titles(norm)
    body = norm
    for s, e in spans:
        body = body[:s] + " " * (e - s) + body[e:]
    bad = [t.text.strip() for t in number_tokens(body) if not _supported(t, quote_support)]
    if spans:
        title_support = [*quote_support, *label_support]
        bad += [t.text.strip() for s, e in spans for t in number_tokens(norm[s:e]) if not _supported(t, title_support)]
    return bad


# -- rules 2 and 3: the answer text ------------------------------------------------------------
_SENTENCE = re.compile(r"[^。！？!?]+(?:[。！？!?]+[”’」』)）]*)?(?:\s*" + MARKER.pattern + ")*")


@dataclass(frozen=True)
class SentenceCheck:
    """One sentence of an answer, the citation markers that cover it, and why it fails (if it does)."""

    sentence: str
    markers: tuple[int, ...]
    reasons: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.reasons


@dataclass
class VerifiedText:
    """The outcome of :func:`verify_answer_text`: ``text`` holds the sentences that passed (and,
    with ``mark=True``, the failed ones followed by ``〔未能核实〕``)."""

    text: str
    kept: list[SentenceCheck] = field(default_factory=list)
    failed: list[SentenceCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def markers(self) -> list[int]:
        """The citation markers the passing sentences use, in order of first use."""
        return list(dict.fromkeys(m for s in self.kept for m in s.markers))


def markers_in(text: str) -> list[int]:
    """The ``[n]`` / ``[n, m]`` markers of ``text`` (full-width brackets too), in order."""
    return [n for m in MARKER.finditer(unicodedata.normalize("NFKC", text)) for n in marker_numbers(m)]


def split_sentences(line: str) -> list[str]:
    """A line cut after 。！？!? ; markers following the stop stay with their sentence.

    >>> split_sentences("应当申报。[1]另据规定，无需申报[2]。")
    ['应当申报。[1]', '另据规定，无需申报[2]。']
    """
    return [m.group(0) for m in _SENTENCE.finditer(line) if m.group(0).strip()]


def _own_markers(sentence: str, by_marker: Mapping[int, Citation]) -> list[int]:
    """The sentence's markers. A bracketed number that names no citation but is printed in one
    of the citations' quotes (a footnote such as ``[9]``) is source text, not a marker: it is
    ignored, never counted as support, so the sentence still needs a real marker."""
    out = []
    for n in markers_in(sentence):
        if n not in by_marker and any(f"[{n}]" in unicodedata.normalize("NFKC", c.quote) for c in by_marker.values()):
            continue
        out.append(n)
    return out


def verify_answer_text(text: str, citations: Sequence[Citation], *, mark: bool = False) -> VerifiedText:
    """Check each sentence of ``text`` against ``citations`` (rules 2 and 3 of the module)."""
    by_marker = {c.marker: c for c in citations}
    quote_support = {c.marker: _support([c.quote]) for c in citations}
    labels = {c.marker: (c.clause, book(c.doc_title)) for c in citations}
    label_support = {n: _support(v) for n, v in labels.items()}
    kept: list[SentenceCheck] = []
    failed: list[SentenceCheck] = []
    out_lines: list[str] = []
    for line in text.split("\n"):
        sentences = split_sentences(line)
        own = [_own_markers(s, by_marker) for s in sentences]
        out: list[str] = []
        for i, sentence in enumerate(sentences):
            markers = own[i] or next((m for m in own[i + 1:] if m), [])
            reasons: list[str] = []
            if not markers:
                reasons.append("no clause marker")
            missing = [n for n in markers if n not in by_marker]
            reasons += [f"cites [{n}], which is not a given clause" for n in missing]
            if markers and not missing:
                cited = list(dict.fromkeys(markers))
                bad = _unsupported(sentence, [t for n in cited for t in quote_support[n]],
                                   [x for n in cited for x in labels[n]], [t for n in cited for t in label_support[n]])
                reasons += [f"{b} is in none of the cited quotes" for b in dict.fromkeys(bad)]
            check = SentenceCheck(sentence.strip(), tuple(dict.fromkeys(markers)), tuple(reasons))
            if check.ok:
                kept.append(check)
                out.append(sentence)
            else:
                failed.append(check)
                if mark:
                    out.append(sentence.rstrip() + FAILED_MARK)
        if "".join(out).strip():
            out_lines.append("".join(out).strip())
    return VerifiedText(text="\n".join(out_lines), kept=kept, failed=failed)


def verify_answer(answer: Answer, sources: Mapping[str, SourceText]) -> Answer:
    """``answer`` with every rule enforced: citations whose quote is not the source at its span
    are removed, sentences that fail are dropped (and logged), citations no kept sentence uses are
    removed; an answer with nothing left becomes an abstention. An abstention's text is not checked
    (it states what the corpus lacks, and cites nothing)."""
    if answer.abstained:
        return answer
    good: list[Citation] = []
    for c in answer.citations:
        problem = verify_quote(c, sources)
        if problem:
            log.error("dropped a citation that fails verification: %s", problem)
        else:
            good.append(c)
    checked = verify_answer_text(answer.answer, good)
    warnings = list(answer.warnings)
    for s in checked.failed:
        log.warning("dropped an unverified sentence %r: %s", s.sentence, "; ".join(s.reasons))
    if checked.failed:
        warnings.append(f"有{len(checked.failed)}句未能用所引条款核实，已删去。")
    if not checked.kept:
        return replace(answer, answer=UNVERIFIED_ANSWER, abstained=True, citations=[], warnings=warnings)
    used = set(checked.markers)
    return replace(answer, answer=checked.text, citations=[c for c in good if c.marker in used], warnings=warnings)

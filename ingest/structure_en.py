"""Document → clauses for English legislation (GDPR, UK DPA 2018, CCPA/CPRA, LGPD in English, …).

The units of English acts are mapped onto the level names :mod:`ingest.structure` gives Chinese
law, so that chunking, retrieval and answering treat both alike (``number`` in brackets):

* 编 — ``PART`` / ``TITLE`` (``PART 2``), and ``SCHEDULE`` / ``ANNEX`` (``SCHEDULE 1``);
* 章 — ``CHAPTER`` (``CHAPTER IV``); inside a Schedule, its ``PART``;
* 节 — a grouping ``Section`` of an act of articles (the GDPR's ``Section 2``), ``Division``,
  ``Subpart``; inside a Schedule, its ``CHAPTER``;
* 条 — the citable unit: ``Article 33`` (``Article 33`` / ``Article 5. Text``), a numbered
  section of a UK/US/Indian act (``26 Security…`` → ``Section 26``; ``1798.100. Title`` →
  ``1798.100``; ``Section 5.`` / ``§ 5`` → ``Section 5``; ``5. Title.—(1) …`` → ``Section 5``), a
  paragraph of a Schedule (``Schedule 1 paragraph 3``);
* 款 / 项 / 目 — the first, second and third level of numbered parts inside a unit (``(1)``,
  ``(a)``, ``(i)``; ``1.`` is cited ``(1)``).

The levels below 条 follow how deeply a marker is nested, not its style: GDPR ``1.``/``(a)``/``(i)``,
UK ``(1)``/``(a)``/``(i)`` and CCPA ``(a)``/``(1)``/``(A)`` all come out as 款/项/目 (a fourth
level, CCPA's ``(i)`` under ``(A)``, stays text of its 目). ``(i)``, ``(v)``, ``(x)`` are letters
when they continue a letter list and roman numerals otherwise. The LGPD's ``Paragraph 1.`` /
``Sole paragraph.`` are 款, its items ``I –`` at least 项 and its ``a)`` 目.

``label`` is ``book(title)`` and the citation path, English style: ``《General Data Protection
Regulation》Article 33(1)(a)``, ``《Data Protection Act 2018》Schedule 1 paragraph 2(2)(a)``,
``《…》1798.100(a)(1)``, ``《…》Article 4, item II(a)``. ``path`` holds the headings above a clause
(``CHAPTER IV Controller and processor``, ``Section 2 Security of personal data``); ids are
``doc.id + ":" + slug`` as :mod:`ingest.structure` makes them: ``t33.k1.xa``, ``t1798_100.ka.x1``,
``s1.t2.k2.xa`` in Schedule 1 (its paragraphs are numbered afresh), headings ``b2z1j3``.

How the artefacts of real files are handled:

* A heading or unit is recognised only at the start of a line that starts a block (the line
  before ends a sentence, or is a heading or its title, or a blank line comes between), so a
  reference in a sentence ("referred to in Article 6(1)", a wrapped "Article 39 by providing …")
  never opens a clause; nor does text an amending act quotes (“73S The power …”).
* Unit numbers increase (in each Schedule afresh): the units kept are the heaviest increasing
  sequence of candidates (a weighted longest increasing subsequence), where a candidate without
  text of its own weighs little, so the entries of a table of contents ("Article 1 … Article 99",
  "1 Overview … 215 Short title") lose to the units themselves, and a stray number that would
  block the rest is dropped.
* Everything before the body (the first kept unit and the headings right above it) is front
  matter. A table of contents in it (from a ``Contents`` line or its first entry to its last
  entry) belongs to no clause; the rest is free text, one ``para`` clause a paragraph.
* The preamble of an EU act (before ``HAVE ADOPTED THIS REGULATION``) is never read for
  articles. Its recitals ``(1) …`` are ``para`` clauses numbered ``Recital 1`` … (label
  ``《…》Recital 26``, id ``…:r26``): they are cited on their own ("Recital 26") but are part of
  no article, so they stay outside the 条 level; the citations before them are plain paragraphs,
  and so is the closing formula after the last article ("Done at Brussels …").
* Page furniture never opens, ends or splits anything (it stays inside a span only when text of
  the span follows it): Official Journal headers, ``Page 3 of 65``, lone page numbers, lines that
  come back with only a page number changing (``131 Data Protection Act 2018 (c. 12)``) and the
  running heads under them, footnote blocks just above a page header.
* Letter-spaced headings of PDF conversions (``S ec ti on 2`` / ``Se cur it y o f p er so na l
  da t a``) are read as ``Section 2 Security of personal data``, the words split with the
  document's own vocabulary.
* A Markdown summary (``## Summary`` / ``## Key compliance obligations``) has no units: it gives
  ``para`` clauses only.

>>> from ingest.types import Document, SourceText
>>> text = ("CHAPTER IV\\nController and processor\\nArticle 33\\nNotification of a breach\\n"
...         "1. The controller shall notify:\\n(a) the authority;\\n(b) the subject.\\n"
...         "2. The processor shall inform the controller.\\n")
>>> doc = Document("d", "GDPR", "g.md", 0, len(text), 1, 9, "other")
>>> clauses = parse_english_clauses(SourceText("g.md", text, "utf-8"), doc)
>>> [(c.level, c.label) for c in clauses]  # doctest: +NORMALIZE_WHITESPACE
[('章', '《GDPR》CHAPTER IV'), ('条', '《GDPR》Article 33'), ('款', '《GDPR》Article 33(1)'),
 ('项', '《GDPR》Article 33(1)(a)'), ('项', '《GDPR》Article 33(1)(b)'), ('款', '《GDPR》Article 33(2)')]
>>> point = clauses[3]
>>> point.id, point.parent, point.path, point.text
('d:t33.k1.xa', 'd:t33.k1', ('CHAPTER IV Controller and processor',), '(a) the authority;')
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from .structure import ancestors, text_end, unique_id
from .text import Line, iter_lines
from .titles import book
from .types import Clause, Document, SourceText

_RANK = {"编": 0, "章": 1, "节": 2, "条": 3, "款": 4, "项": 5, "目": 6, "para": 9}
_LEVEL_OF_RANK = {r: lv for lv, r in _RANK.items()}
_SUB_LEVELS = ("款", "项", "目")
_SP = r"[ \t\u00a0]"

# ---------------------------------------------------------------------------------------------
# Numbers

_ROMAN = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_WORD_NUMBERS = {w: i for i, w in enumerate(
    ("ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN", "ELEVEN", "TWELVE",
     "THIRTEEN", "FOURTEEN", "FIFTEEN", "SIXTEEN", "SEVENTEEN", "EIGHTEEN", "NINETEEN", "TWENTY"), start=1)}


def _roman(s: str) -> int | None:
    """The value of a roman numeral (either case), or None.

    >>> _roman("XIV"), _roman("iv"), _roman("IIII"), _roman("")
    (14, 4, None, None)
    """
    u = s.upper()
    if not u or not _ROMAN.match(u):
        return None
    total = 0
    for a, b in zip(u, u[1:] + " "):
        v = _ROMAN_VALUES[a]
        total += -v if b != " " and _ROMAN_VALUES[b] > v else v
    return total


def _heading_number(s: str) -> int | None:
    """``4``, ``4A``, ``IV``, ``FOUR`` → 4."""
    if s[:1].isdigit():
        return int(re.match(r"\d+", s).group())  # type: ignore[union-attr]
    return _roman(s) or _WORD_NUMBERS.get(s.upper())


def _letters(s: str) -> int:
    """The place of a letter label: ``a`` → 1, ``z`` → 26, then ``aa``/``za`` → 27 and ``ab``/``zb``
    → 28 (the CCPA goes on ``(aa)``, ``(ab)``; India's acts ``(za)``, ``(zb)``).

    >>> _letters("c"), _letters("aa"), _letters("ad"), _letters("zb"), _letters("ba")
    (3, 27, 30, 28, 53)
    """
    s = s.lower()
    if len(s) == 1:
        return ord(s) - 96
    return 26 * (1 if s[0] == "z" else ord(s[0]) - 96) + ord(s[1]) - 96


def _unit_key(num: str) -> tuple[int, ...]:
    """A unit number as a sortable key.

    >>> _unit_key("33"), _unit_key("26A"), _unit_key("55-B"), _unit_key("1798.199.10")
    ((33, 0), (26, 1), (55, 2), (1798, 199, 10))
    """
    if m := re.fullmatch(r"(\d+)-([A-Z]{1,2})", num):  # the LGPD's "Article 55-A"
        return (int(m.group(1)), _letters(m.group(2)))
    if "." in num or "-" in num:
        return tuple(int(p) for p in re.findall(r"\d+", num))
    m = re.match(r"(\d+)([A-Za-z]*)", num)
    assert m is not None
    suffix = m.group(2)
    return (int(m.group(1)), _letters(suffix) if 0 < len(suffix) <= 2 else 0)


def _safe(s: str) -> str:
    """A number as an id part: ``1798.100`` → ``1798_100``."""
    return re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_") or "0"


# ---------------------------------------------------------------------------------------------
# Line shapes

# a sentence (or list item, or chapeau) ends; also "… this Law. (Included by Law No. …)"
_STRONG_END = re.compile(r"(?:[.;:!?]|[—–]|--|:-)[\"”’'»)\]*]*$|[.;:]\s*\([^()]*\)$")
_CLOSING_END = re.compile(r"[.:!?][\"”’'»)\]*]*$")
_INTRO_END = re.compile(r"[:—–-][\"”’')\]*]*$")
_WEAK_WORDS = frozenset(("and", "or", "but", "nor", "then"))
_FUNCTION_WORDS = frozenset((
    "the", "a", "an", "of", "to", "and", "or", "in", "by", "for", "with", "on", "at", "from", "that", "which",
    "be", "is", "are", "as", "under", "into", "its", "their", "this", "these", "such", "any"))
_DOT_LEADER = re.compile(r"\.{4,}|(?:\.\s){4,}|…{2,}")
_TOC_MARK = re.compile(r"^(?:table of contents|contents|arrangement of (?:sections|articles|clauses|"
                       r"regulations|rules)|index of (?:sections|articles))$", re.IGNORECASE)
_TOC_ENTRY_LOOSE = re.compile(r"^\d{1,3}[A-Z]?\.\s+[A-Z].{0,150}\.$")  # India: "4. Grounds for …."
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_MARK_PAREN = re.compile(r"^\((?P<v>\d{1,3}[A-Z]{0,2}|[a-z]{1,4}|[A-Z]{1,4})\)(?=\s|$)")


def _letter_spaced(s: str) -> bool:
    """A line whose letters a PDF conversion spread out: ``S ec ti on 2``, ``Co mp e te nc e, t a sks``."""
    toks = s.split()
    if len(toks) < 4 or not all(re.fullmatch(r"[A-Za-z’',-]+", t) for t in toks):
        return False
    return sum(len(re.sub(r"[^A-Za-z]", "", t)) for t in toks) / len(toks) <= 3.0


def _title_like(s: str) -> bool:
    """A short line that can be a heading or a title: capitalised, no sentence end, not cut after
    a comma or a function word, not a list item (a letter-spaced title counts)."""
    if s[:1].isupper() and _letter_spaced(s):
        return True
    if not 0 < len(s) <= 160 or _STRONG_END.search(s) or s.endswith(",") or _MARK_PAREN.match(s):
        return False
    if not (s[0].isupper() or s[0].isdigit() or s[0] in "“‘\"'("):
        return False
    return s.rsplit(None, 1)[-1].lower() not in _FUNCTION_WORDS


def _weak_end(s: str) -> bool:
    """A line after which a list item may start: a sentence end, a comma, ``and``/``or``."""
    if _STRONG_END.search(s) or s.endswith(","):
        return True
    return s.rsplit(None, 1)[-1].lower() in _WEAK_WORDS


def _title_text_ok(t: str, *, spaced: bool) -> bool:
    """Whether the text after a heading's number can be a title (or, after a separator, text).
    After a mere blank it must be a title: ``Article 5 Principles``, not ``Article 263 TFEU. …``."""
    if not t:
        return True
    if not (t[0].isupper() or t[0].isdigit() or t[0] in "“‘\"'("):
        return False
    return not spaced or (len(t) <= 200 and not re.search(r"[.;:,]$|\.\s+[A-Z]", t))


# ---------------------------------------------------------------------------------------------
# Headings: PART / TITLE / CHAPTER / grouping Section / SCHEDULE / ANNEX / DIVISION

_HEAD = re.compile(
    r"^(?P<word>PART|Part|TITLE|Title|CHAPTER|Chapter|SCHEDULE|Schedule|ANNEX|Annex|DIVISION|Division|"
    r"SUBPART|Subpart|Sub-part|S ?E ?C ?T ?I ?O ?N|S ?e ?c ?t ?i ?o ?n)"
    rf"{_SP}+(?P<num>\d{{1,3}}[A-Z]?|[IVXLC]{{1,7}}|[A-Z]{{3,9}})(?=$|[\s.:–—-])(?P<rest>.*)$")
_SOLE_SCHEDULE = re.compile(r"^(?:THE\s+)?(?P<word>SCHEDULE|ANNEX)\.?$")
_SCHEDULE_NOTE = re.compile(r"^(?:Sections?|Articles?|Regulations?|Rules?)\s+[\d()A-Za-z,\s]*$")
_SEPARATOR = re.compile(r"^\s*(?:[.:]|[–—-]{1,2})\s*")
_HEAD_KIND = {"part": "part", "title": "part", "chapter": "chapter", "schedule": "schedule",
              "annex": "schedule", "division": "section", "subpart": "section", "sub-part": "section",
              "section": "section"}


@dataclass(frozen=True)
class _Head:
    kind: str  # part | chapter | section | schedule
    number: str  # as printed, letter spacing removed: "CHAPTER IV", "Section 2"
    value: int
    title: str  # the title on the heading's own line ("" when it is on the next)


def _parse_heading(text: str, article_mode: bool) -> _Head | None:
    """A heading line, or None. In an act of numbered sections (no articles) ``Section N`` is a
    unit, not a heading.

    >>> _parse_heading("S ec ti on 2", True), _parse_heading("Part 2, Part 3 or Part 4 applies;", True)
    (_Head(kind='section', number='Section 2', value=2, title=''), None)
    >>> _parse_heading("SCHEDULE 1 Section 10", False).title, _parse_heading("CHAPTER II - Principles", True).title
    ('', 'Principles')
    """
    if m := _SOLE_SCHEDULE.match(text):
        return _Head("schedule", m.group("word"), 1, "")
    m = _HEAD.match(text)
    if not m:
        return None
    word = m.group("word").replace(" ", "")
    kind = _HEAD_KIND[word.lower()]
    if word.lower() == "section" and not article_mode:
        return None
    num = m.group("num")
    value = _heading_number(num)
    if value is None:
        return None
    after = _after_number(m.group("rest"))
    if after is None:
        return None
    title, separated = after
    if kind == "schedule" and _SCHEDULE_NOTE.match(title):
        title = ""  # "SCHEDULE 1 Section 10": the section that introduces it
    if not _title_text_ok(title, spaced=not separated):
        return None
    shown = word if word.isupper() else word.capitalize()
    return _Head(kind, f"{shown} {num}", value, title.strip())


# ---------------------------------------------------------------------------------------------
# Units: Article N / numbered sections / paragraphs of a Schedule

_ARTICLE = re.compile(
    rf"^(?:[.·•]{_SP}*)?(?:ARTICLE|Article|Art\.){_SP}*(?P<num>\d{{1,4}}(?:[a-z]{{1,2}}|-[A-Z]{{1,2}})?)[º°]?"
    rf"(?=$|[\s.:–—-])(?P<rest>.*)$")
_DOTTED = re.compile(r"^(?P<num>\d{1,5}(?:\.\d{1,3})+)\.(?=$|\s)(?P<rest>.*)$")
_SECTION_WORD = re.compile(
    rf"^(?:SECTION|Section|SEC\.|Sec\.|§{{1,2}}){_SP}*(?P<num>\d{{1,5}}[A-Za-z]?(?:[.-]\d+)*)\.?(?=$|\s)"
    rf"(?P<rest>.*)$")
_INDIAN = re.compile(
    rf"^(?P<num>\d{{1,3}}[A-Z]{{0,2}})\.{_SP}+(?P<title>[A-Z“‘\"][^–—]{{0,200}}?)\.{_SP}*(?:[–—]{{1,3}}|--)"
    rf"{_SP}*(?P<rest>.*)$")
_INDIAN_START = re.compile(r"^\d{1,3}[A-Z]{0,2}\.\s+[A-Z]")
_NUMBERED = re.compile(
    rf"^(?P<num>[1-9]\d{{0,2}}[A-Z]{{0,2}}){_SP}+(?P<rest>(?:\(\d{{1,3}}[A-Z]?\){_SP}|[A-Z“‘\"]).*)$")


@dataclass(frozen=True)
class _Unit:
    style: str  # article | dotted | section | numbered
    num: str
    key: tuple[int, ...]
    rest: str  # the text after the number: a title, or text ("" when the number stands alone)
    title: str  # the rest when it is a title
    wrapped: bool = False  # the heading goes on to the next row, which holds ``rest``


def _after_number(rest: str) -> tuple[str, bool] | None:
    """The text after a heading's or an article's number, and whether a separator (a dash, colon or full
    stop) sets it off; None when the number runs on into a word ("Article 8(1) of …")."""
    sep = _SEPARATOR.match(rest)
    if sep is None and rest and not rest[0].isspace():
        return None
    return (rest[sep.end():], True) if sep else (rest.strip(), False)


def _parse_unit(text: str, article_mode: bool, following: str = "") -> _Unit | None:
    """A line that opens an article (``article_mode``) or a numbered section, or None.
    ``following`` is the next row, for a heading printed over two rows ("21. Disqualifications …
    Members of / Board.—(1) …").

    >>> _parse_unit("Article 33", True).key, _parse_unit("Article 8(1) of the Charter", True)
    ((33, 0), None)
    >>> [_parse_unit(t, False).num for t in ("1798.100. General Duties", "26 Security of processing", "§ 5")]
    ['1798.100', '26', '5']
    """
    if article_mode:
        m = _ARTICLE.match(text)
        if not m:
            return None
        after = _after_number(m.group("rest"))
        if after is None:
            return None
        body, separated = after
        if not _title_text_ok(body, spaced=not separated):
            return None
        return _Unit("article", m.group("num"), _unit_key(m.group("num")), body, body if _title_like(body) else "")
    for style, pattern in (("dotted", _DOTTED), ("section", _SECTION_WORD)):
        if m := pattern.match(text):
            body = _DOT_LEADER.split(m.group("rest"), 1)[0].strip()  # a contents entry's "…… 3"
            if not _title_text_ok(body, spaced=False):
                return None
            return _Unit(style, m.group("num"), _unit_key(m.group("num")), body, body if _title_like(body) else "")
    m = _INDIAN.match(text)
    wrapped = False
    if m is None and following and _INDIAN_START.match(text) and not _STRONG_END.search(text):
        joined = _INDIAN.match(f"{text} {following}")
        if joined is not None and joined.start("rest") > len(text):
            m, wrapped = joined, True
    if m is not None:
        title = m.group("title").strip()
        if re.search(r"\.\s+[A-Z]", title):
            return None
        return _Unit("section", m.group("num"), _unit_key(m.group("num")), m.group("rest"), title, wrapped)
    if m := _NUMBERED.match(text):
        rest = m.group("rest")
        if re.match(rf"(?:{_MONTHS})\b", rest):
            return None  # "28 January 1981, …": a date, not section 28
        return _Unit("numbered", m.group("num"), _unit_key(m.group("num")), rest, rest if _title_like(rest) else "")
    return None


# ---------------------------------------------------------------------------------------------
# Markers of paragraphs, points and sub-points

_MARK_NUMDOT = re.compile(rf"^(?P<v>\d{{1,3}})\.(?={_SP}+\S)")
_MARK_ALPHA_RIGHT = re.compile(rf"^(?P<v>[a-z])\)(?={_SP}+\S)")
_MARK_ROMAN_DASH = re.compile(rf"^(?P<v>[IVXLC]{{1,7}}){_SP}*[–—-]{_SP}+(?=\S)")
_MARK_PARA_WORD = re.compile(
    rf"^(?:(?:Paragraph|PARAGRAPH){_SP}*(?P<v>\d{{1,3}})[º°o]?\.|§{_SP}*(?P<w>\d{{1,3}})[º°o]?\.?|"
    rf"(?P<sole>Sole|Single|Only){_SP}+[Pp]aragraph\.)(?={_SP}+\S|$)")
_MIN_RANK = {"romandash": _RANK["项"], "alpharight": _RANK["目"]}
_WORD_STYLES = ("romandash", "paraword")


@dataclass(frozen=True)
class _Mark:
    style: str  # num alpha roman ALPHA ROMAN numdot alpharight romandash paraword
    ordinal: float
    shown: str  # "(1)", "(a)", "item I", "paragraph 1"
    slug: str
    length: int  # characters of the marker


def _parse_marks(text: str) -> list[_Mark]:
    """Every reading of a line's leading marker (``(i)`` is a letter and a roman numeral).

    >>> [(m.style, m.ordinal) for m in _parse_marks("(i) the controller")]
    [('alpha', 9), ('roman', 1)]
    >>> [m.shown for m in _parse_marks("1. The controller")], _parse_marks("1798.100. Title")
    (['(1)'], [])
    """
    if m := _MARK_PAREN.match(text):
        v = m.group("v")
        if v[0].isdigit():
            digits = re.match(r"\d+", v).group()  # type: ignore[union-attr]
            suffix = v[len(digits):]  # "(1A)", inserted after (1)
            return [_Mark("num", int(digits) + (_letters(suffix) / 1000 if suffix else 0), f"({v})", v, m.end())]
        out = []
        if len(v) <= 2:
            out.append(_Mark("alpha" if v.islower() else "ALPHA", _letters(v), f"({v})", v, m.end()))
        if (r := _roman(v)) is not None:
            out.append(_Mark("roman" if v.islower() else "ROMAN", r, f"({v})", v, m.end()))
        return out
    if m := _MARK_NUMDOT.match(text):
        return [_Mark("numdot", int(m.group("v")), f"({m.group('v')})", m.group("v"), m.end())]
    if m := _MARK_ALPHA_RIGHT.match(text):
        return [_Mark("alpharight", _letters(m.group("v")), f"({m.group('v')})", m.group("v"), m.end())]
    if (m := _MARK_ROMAN_DASH.match(text)) and (r := _roman(m.group("v"))):
        return [_Mark("romandash", r, f"item {m.group('v')}", m.group("v"), m.end())]
    if m := _MARK_PARA_WORD.match(text):
        if m.group("sole"):
            return [_Mark("paraword", 1, "sole paragraph", "sole", m.end())]
        v = m.group("v") or m.group("w")
        return [_Mark("paraword", int(v), f"paragraph {v}", v, m.end())]
    return []


# ---------------------------------------------------------------------------------------------
# Page furniture

_OJ = re.compile(r"Official Journal of the European (?:Union|Communities)")
_OJ_REST = re.compile(r"^[\s\dA-Z./]*$")
_PAGE_OF = re.compile(r"^(?:Page|PAGE|p\.)\s*\d+\s*(?:of|/)\s*\d+$")
_PAGE_NO = re.compile(r"^[-–—]?\s*\d{1,4}\s*[-–—]?$|^[ivxlc]{1,6}$")
_RUNNING_HEAD = re.compile(r"^(?:Part|Chapter|Schedule|Title|Section|Division)\s+\S+\s+[—–]\s+\S")
_NUMBER_RUN = re.compile(r"\d+")
_EDGE_ROMAN = re.compile(r"^[ivxlc]{1,6}\s|\s[ivxlc]{1,6}$")
_FOOTNOTE_START = re.compile(r"^(?:\(\d{1,3}\)\s|\*+\s*\d*\.?\s?)")


def _edge_number(t: str, at_start: bool) -> int | None:
    m = re.match(r"^(\d+|[ivxlc]+)\b", t) if at_start else re.search(r"\b(\d+|[ivxlc]+)$", t)
    if not m:
        return None
    return int(m.group(1)) if m.group(1).isdigit() else _roman(m.group(1))


def _furniture(texts: list[str], blank_before: list[bool]) -> list[bool]:
    """Which rows are page furniture: headers, footers, page numbers, running heads, footnotes.

    Besides the known forms (Official Journal headers, ``Page 3 of 65``, lone page numbers), a
    line is a page header when it comes back at least eight times with only a number at its start
    or end changing, and those numbers run like page numbers (steps of one to three): ``131 Data
    Protection Act 2018 (c. 12)``, but not ``85 Overview``.
    """
    norm = [_EDGE_ROMAN.sub(" # ", _NUMBER_RUN.sub("#", t)).strip() for t in texts]
    freq = Counter(norm)
    pages: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        k = norm[i]
        if freq[k] >= 8 and len(t) <= 100 and (k.startswith("#") or k.endswith("#")) \
                and len(re.findall(r"[A-Za-z]{2,}", t)) >= 2 and not _STRONG_END.search(t) \
                and not _HEAD.match(t) and not _parse_marks(t):
            v = _edge_number(t, k.startswith("#"))
            if v is not None:
                pages.setdefault(k, []).append(v)
    running = set()
    for k, values in pages.items():
        distinct = sorted(set(values))
        steps = sorted(b - a for a, b in pairwise(distinct))
        if len(distinct) >= 4 and steps[len(steps) // 2] <= 3:
            running.add(k)
    header = [bool((_OJ.search(t) and len(t) < 100 and _OJ_REST.match(_OJ.sub("", t))) or _PAGE_OF.match(t)
                   or _PAGE_NO.match(t) or norm[i] in running) for i, t in enumerate(texts)]
    skip = list(header)
    for i in (i for i, h in enumerate(header) if h):
        j = i + 1  # running heads printed under a page header ("Part 1 — Preliminary")
        while j < len(texts) and not blank_before[j] and _RUNNING_HEAD.match(texts[j]):
            skip[j] = True
            j += 1
        b = i - 1  # a footnote block just above it: "(1) OJ C 229, …", "*1. 13th November, 2025—…"
        while b > 0 and i - b < 12 and not blank_before[b] and not header[b]:
            b -= 1
        if 0 <= b < i and not header[b] and _FOOTNOTE_START.match(texts[b]):
            block = " ".join(texts[b:i])
            if texts[b].startswith("*") or re.search(r"\bOJ\b|Official Journal", block):
                for k in range(b, i):
                    skip[k] = True
    return skip


# ---------------------------------------------------------------------------------------------
# Letter-spaced headings of PDF conversions


def _split_words(run: str, words: frozenset[str]) -> list[str] | None:
    """``run`` as the fewest words of ``words`` (its case kept), or None."""
    low = run.lower()
    best = [0] + [len(low) + 1] * len(low)
    back = [0] * (len(low) + 1)
    for i in range(1, len(low) + 1):
        for j in range(max(0, i - 24), i):
            if best[j] + 1 < best[i] and low[j:i] in words:
                best[i], back[i] = best[j] + 1, j
    if best[-1] > len(low):
        return None
    cuts, i = [], len(low)
    while i > 0:
        cuts.append(back[i])
        i = back[i]
    cuts.reverse()
    return [run[a:b] for a, b in zip(cuts, cuts[1:] + [len(run)])]


def _despace(s: str, vocabulary: Callable[[], frozenset[str]]) -> str:
    """``Se cur it y o f p er so na l da t a`` → ``Security of personal data`` (the fewest words
    of the document's vocabulary); unchanged when it cannot be split so.

    >>> _despace("Co mp e te nc e, t a sks a nd p owe rs", lambda: frozenset({"competence", "tasks", "and", "powers"}))
    'Competence, tasks and powers'
    """
    if not _letter_spaced(s):
        return s
    out = ""
    for piece in re.findall(r"[A-Za-z]+|[^A-Za-z\s]", s.replace(" ", "")):
        if piece[0].isalpha():
            split = _split_words(piece, vocabulary())
            if split is None:
                return s
            out += ("" if not out or out.endswith(("-", "’", "'")) else " ") + " ".join(split)
        else:
            out += piece
    return out


# ---------------------------------------------------------------------------------------------
# Weighted longest increasing subsequence


def _heaviest_increasing(keys: list[tuple], weights: list[float]) -> set[int]:
    """Indices of the subsequence with strictly increasing keys and the largest total weight
    (O(n log n): a Fenwick tree of prefix maxima over the keys' ranks).

    >>> sorted(_heaviest_increasing([(1,), (2,), (1,), (2,), (3,)], [0.1, 0.1, 1, 1, 1]))
    [2, 3, 4]
    """
    if not keys:
        return set()
    ranks = {k: r for r, k in enumerate(sorted(set(keys)), start=1)}
    size = len(ranks)
    tree: list[tuple[float, int]] = [(0.0, -1)] * (size + 1)
    score = [0.0] * len(keys)
    prev = [-1] * len(keys)
    for i, (k, w) in enumerate(zip(keys, weights)):
        best, r = (0.0, -1), ranks[k] - 1
        while r > 0:
            if tree[r][0] > best[0]:
                best = tree[r]
            r -= r & -r
        score[i], prev[i] = best[0] + w, best[1]
        r = ranks[k]
        while r <= size:
            if score[i] > tree[r][0]:
                tree[r] = (score[i], i)
            r += r & -r
    i = max(range(len(keys)), key=lambda j: (score[j], -j))
    chosen = set()
    while i >= 0:
        chosen.add(i)
        i = prev[i]
    return chosen


# ---------------------------------------------------------------------------------------------
# The parse

_ENACTING = re.compile(r"^(?:HAVE|HAS)\s+ADOPTED\s+TH(?:IS|E FOLLOWING)\b")
_CLOSING = re.compile(r"^(?:This (?:Regulation|Directive|Decision) shall be binding|Done at\s+[A-Z])")
_RECITAL = re.compile(r"^\((?P<n>\d{1,3})\)\s+\S")


@dataclass
class _Node:
    level: str
    kind: str  # root | heading | unit | sub | para | recital
    number: str  # the clause's number
    cite: str  # what it adds to a label
    slug: str
    rank: float
    start: int
    parent: _Node | None = None
    end: int = 0
    title: str = ""
    depth: int = 0  # of a sub: 1 for the first level inside its unit
    style: str = ""  # of a sub: its marker's style
    ordinal: float = 0.0
    last_heading: dict[str, int] = field(default_factory=dict)  # kind → the last number under it


@dataclass
class _Rows:
    """The document's non-blank rows and what each looks like."""

    lines: list[Line]
    texts: list[str]  # content, markup stripped
    md: list[bool]  # a Markdown heading
    live: list[int]  # rows that are not page furniture
    prev: list[int]  # the live row before (-1)
    next: list[int]  # the live row after (-1)
    blank: list[bool]  # a blank line (not across page furniture) before the row
    quoted: list[bool]  # inside a quotation an amending act makes


def _rows(text: str, doc: Document, start: int) -> _Rows:
    lines: list[Line] = []
    texts: list[str] = []
    blank: list[bool] = []
    gap = False
    for ln in iter_lines(text, doc.start, doc.end, doc.line_start):
        if ln.end <= start:
            continue
        if not (c := ln.content):
            gap = True
            continue
        lines.append(ln)
        texts.append(c)
        blank.append(gap)
        gap = False
    n = len(lines)
    skip = _furniture(texts, blank)
    live = [i for i in range(n) if not skip[i]]
    prev, nxt, blank_eff = [-1] * n, [-1] * n, [False] * n
    last = -1
    for i in live:
        prev[i] = last
        blank_eff[i] = blank[i] and (last == -1 or not any(skip[last + 1:i]))
        if last != -1:
            nxt[last] = i
        last = i
    # Text an amending act inserts opens nothing: a quotation that opens at the start of a row and
    # goes on past it (“Data Protection Act 2018 / 73S The power of seizure …”). One left open is
    # given up after 60 rows; a quotation opened inside a sentence is not followed.
    quoted = [False] * n
    depth = since = 0
    for i in live:
        quoted[i] = depth > 0
        t = texts[i]
        balance = t.count("“") - t.count("”") - t.count("’’")
        if depth:
            depth = max(0, depth + balance)
        elif t.startswith("“") and balance > 0:
            depth = balance
        since = since + 1 if depth else 0
        if since > 60:
            depth = since = 0
    md = [lines[i].raw.lstrip().startswith("#") for i in range(n)]
    return _Rows(lines, texts, md, live, prev, nxt, blank_eff, quoted)


def looks_like_english_legislation(text: str) -> bool:
    """Whether ``text`` reads as English legislation: Latin script (CJK characters under a tenth
    of the letters) and at least three lines that open an article, a numbered section or a
    PART/CHAPTER/Section heading.

    >>> looks_like_english_legislation("Article 1\\nScope\\nArticle 2\\nDefinitions\\nCHAPTER II\\nArticle 3\\nText.")
    True
    >>> looks_like_english_legislation("第一条 为了规范数据处理活动。\\n第二条 …"), looks_like_english_legislation("## Summary\\nA law.")
    (False, False)
    """
    latin = len(re.findall(r"[A-Za-z]", text))
    if latin == 0 or len(re.findall(r"[\u4e00-\u9fff]", text)) > latin / 10:
        return False
    heads = 0
    for raw in text.splitlines():
        s = raw.strip().lstrip("#*> ").strip("* ")
        if _ARTICLE.match(s) or _DOTTED.match(s) or _SECTION_WORD.match(s) or _HEAD.match(s) or _INDIAN.match(s):
            heads += 1
            if heads >= 3:
                return True
    return False


def parse_english_clauses(source: SourceText, doc: Document, body_start: int | None = None) -> list[Clause]:
    """Parse an English act's body into clauses, in reading order (parents before children).

    ``body_start`` skips the title lines. Every clause's ``[start, end)`` lies in the source,
    ``source.text[start:end] == clause.text``, a child lies within its parent, ids are unique.
    The function only reads ``doc`` (a caller that wants ``doc.kind`` set does so itself).
    """
    text = source.text
    rs = _rows(text, doc, doc.start if body_start is None else body_start)
    texts, live, prev_of, next_of = rs.texts, rs.live, rs.prev, rs.next
    n = len(texts)

    # What each row could open (no matter where it stands).
    any_head = [not rs.quoted[i] and _parse_heading(texts[i], True) is not None for i in range(n)]
    art = [None if rs.quoted[i] else _parse_unit(texts[i], True) for i in range(n)]
    sec = [None if rs.quoted[i] else _parse_unit(texts[i], False, texts[next_of[i]] if next_of[i] != -1 else "")
           for i in range(n)]

    # Where a block may start: after a row that ends a sentence, is a heading or unit, or is a
    # title right after one ("ok"); after a blank line, a weaker sign ("soft").
    strong = [bool(_STRONG_END.search(t)) for t in texts]
    for i in live:  # a note after a sentence, wrapped: "… this Law. (New wording given by Law / No. 13,853/2019)"
        p = prev_of[i]
        if not strong[i] and texts[i].endswith(")") and texts[i].count(")") > texts[i].count("(") and p != -1 \
                and re.search(r"[.;:]\s*\([^()]*$", texts[p]):
            strong[i] = True
    ok, soft, ended = [False] * n, [False] * n, [False] * n
    for i in live:
        p = prev_of[i]
        ok[i] = p == -1 or ended[p] or rs.md[i] or rs.md[p]
        syntax = any_head[i] or art[i] is not None or sec[i] is not None
        ended[i] = strong[i] or syntax or rs.md[i] or (ok[i] and _title_like(texts[i])) \
            or bool(_DOT_LEADER.search(texts[i]))
        soft[i] = not ok[i] and (rs.blank[i] or (p != -1 and rs.blank[p] and _title_like(texts[p])))
    starts = [ok[i] or soft[i] for i in range(n)]

    # Articles, or numbered sections?
    n_art = sum(1 for i in live if art[i] is not None and ok[i])
    n_sec = sum(1 for i in live if sec[i] is not None and ok[i])
    article_mode = n_art >= 1 and 2 * n_art > n_sec
    heads = [_parse_heading(texts[i], article_mode) if any_head[i] else None for i in range(n)]
    units = art if article_mode else sec
    enacting = next((i for i in live if _ENACTING.match(texts[i])), -1) if article_mode else -1

    accepted_units, accepted_schedules = _select(rs, units, heads, starts, ok, strong, article_mode, enacting)
    body_begin, toc = _front_matter(rs, units, heads, any_head, sec, ok, accepted_units, article_mode)
    nodes = _walk(source, doc, rs, _Plan(units, heads, starts, strong, article_mode, enacting, accepted_units,
                                         accepted_schedules, body_begin, toc))
    return _to_clauses(source, doc, nodes)


def _has_text(rs: _Rows, units: list[_Unit | None], i: int, stop: Callable[[int], bool]) -> bool:
    """Whether candidate row ``i`` has text of its own (not a title, not a contents entry) before
    the next row where ``stop`` holds."""
    u = units[i]
    if u is not None and u.rest and not _DOT_LEADER.search(rs.texts[i]) \
            and (len(u.rest) > 100 or _STRONG_END.search(u.rest) or _parse_marks(u.rest)):
        return True
    j, first = rs.next[i], True
    while j != -1 and not stop(j):
        t = rs.texts[j]
        if not _DOT_LEADER.search(t) and (len(t) > 100 or _STRONG_END.search(t) or _parse_marks(t)) \
                and not (first and _title_like(t)):
            return True
        first = False
        j = rs.next[j]
    return False


def _select(rs: _Rows, units: list[_Unit | None], heads: list[_Head | None], starts: list[bool], ok: list[bool],
            strong: list[bool], article_mode: bool, enacting: int) -> tuple[set[int], set[int]]:
    """The rows that open units, and (in an act of sections) those that open its schedules."""
    cand = [i for i in rs.live if units[i] is not None or heads[i] is not None]
    is_cand = set(cand).__contains__

    def is_schedule(j: int) -> bool:
        h = heads[j]
        return h is not None and h.kind == "schedule"

    # Schedules first: their own increasing sequence, after some unit with text (a schedule
    # follows the body), a listing without text of its own weighing little.
    schedules: dict[int, bool] = {}
    if not article_mode:
        seen_text = False
        for i in cand:
            if units[i] is not None and starts[i] and not seen_text:
                seen_text = _has_text(rs, units, i, is_cand)
            if is_schedule(i) and starts[i] and seen_text:
                schedules[i] = _has_text(rs, units, i, is_schedule)
    order = list(schedules)
    picked = _heaviest_increasing([(heads[i].value,) for i in order],  # type: ignore[union-attr]
                                  [1.0 if schedules[i] else 0.05 for i in order])
    accepted_schedules = {order[k] for k in picked}
    # Then the units, numbered afresh in each schedule.
    items: list[int] = []
    keys: list[tuple] = []
    weights: list[float] = []
    group = 0
    for i in cand:
        if i in accepted_schedules:
            group = heads[i].value  # type: ignore[union-attr]
        u = units[i]
        if u is None or not starts[i] or i <= enacting:
            continue
        p = rs.prev[i]
        sure = rs.md[i] or p == -1 or strong[p]
        weight = (1.0 if ok[i] else 0.5) if _has_text(rs, units, i, is_cand) else 0.05
        items.append(i)
        keys.append((group, u.key))
        weights.append(weight + (0.1 if sure else 0.0))
    return {items[k] for k in _heaviest_increasing(keys, weights)}, accepted_schedules


def _front_matter(rs: _Rows, units: list[_Unit | None], heads: list[_Head | None], any_head: list[bool],
                  sec: list[_Unit | None], ok: list[bool], accepted_units: set[int],
                  article_mode: bool) -> tuple[int, tuple[int, int]]:
    """Where the body begins (the first unit, with the headings and titles right above it), and
    the rows ``(first, last)`` of a table of contents before it (``(n, n)`` when there is none)."""
    texts, n = rs.texts, len(rs.texts)
    body_begin = n
    if accepted_units:
        first = body_begin = min(accepted_units)
        j = rs.prev[first]
        while j != -1:
            p, q = rs.prev[j], rs.next[j]
            if heads[j] is not None and ok[j]:
                body_begin = j
            elif not (_title_like(texts[j]) and units[j] is None and not _DOT_LEADER.search(texts[j]) and (
                    (p != -1 and heads[p] is not None) or q == first or heads[q] is not None)):
                break  # not a heading's title, nor a cross-heading over the first unit
            j = p
    front = [i for i in rs.live if i < body_begin]

    def entry(i: int) -> bool:
        t = texts[i]
        return units[i] is not None or any_head[i] or bool(_DOT_LEADER.search(t) or _RUNNING_HEAD.match(t)) \
            or (not article_mode and (sec[i] is not None or bool(_TOC_ENTRY_LOOSE.match(t))))

    mark = next((i for i in front if _TOC_MARK.match(texts[i].strip(" :"))), n)
    first_entry = next((i for i in front if units[i] is not None or _DOT_LEADER.search(texts[i])), n)
    toc_from = min(mark, first_entry)
    if toc_from >= body_begin:
        return body_begin, (n, n)
    end, entries = toc_from, 0
    for i in front:
        if i <= toc_from:
            continue
        if entry(i):
            end, entries = i, entries + 1
        elif len(texts[i]) > 100 or (_STRONG_END.search(texts[i]) and len(texts[i]) > 60):
            break  # running text: the contents are over
    if mark == n and entries < 2:
        return body_begin, (n, n)
    return body_begin, (toc_from, end)


@dataclass(frozen=True)
class _Plan:
    units: list[_Unit | None]
    heads: list[_Head | None]
    starts: list[bool]
    strong: list[bool]
    article_mode: bool
    enacting: int
    accepted_units: set[int]
    accepted_schedules: set[int]
    body_begin: int
    toc: tuple[int, int]


def _walk(source: SourceText, doc: Document, rs: _Rows, plan: _Plan) -> list[_Node]:
    """Read the rows in order and build the tree of nodes (in reading order)."""
    text, texts, live, prev_of, next_of = source.text, rs.texts, rs.live, rs.prev, rs.next
    units, heads = plan.units, plan.heads
    n = len(texts)
    root = _Node("doc", "root", "", "", "", -1, doc.start)
    stack: list[_Node] = [root]
    nodes: list[_Node] = []
    consumed: set[int] = set()  # rows read as a heading's title
    state = {"para": 0, "recital": 0, "schedule": 0}
    last_unit = max(plan.accepted_units, default=n)
    vocabulary_cache: list[frozenset[str]] = []

    def vocabulary() -> frozenset[str]:
        if not vocabulary_cache:
            words = re.findall(r"[a-z]+", text[doc.start:doc.end].lower())
            vocabulary_cache.append(frozenset(w for w in words if len(w) > 1 or w == "a"))
        return vocabulary_cache[0]

    # the next row that starts with a marker, up to the next unit or heading
    next_mark = [-1] * n
    following = -1
    for i in reversed(live):
        next_mark[i] = following
        if units[i] is not None or heads[i] is not None:
            following = -1
        elif _parse_marks(texts[i]):
            following = i

    def close_to(rank: float) -> None:
        while len(stack) > 1 and stack[-1].rank >= rank:
            stack.pop()

    def push(node: _Node) -> _Node:
        node.parent = stack[-1]
        stack.append(node)
        nodes.append(node)
        return node

    def take_title(i: int) -> str:
        """The title printed on the rows after heading row ``i`` (they are consumed)."""
        j = next_of[i]
        if j == -1 or heads[j] is not None or units[j] is not None or _parse_marks(texts[j]):
            return ""
        t = texts[j]
        if not (_title_like(t) or (t[:1].isupper() and not plan.strong[j] and len(t) <= 160)):
            return ""
        parts = [t]
        consumed.add(j)
        k = next_of[j]
        while k != -1 and len(parts) < 3 and not _parse_marks(texts[k]) and len(texts[k]) <= 100 \
                and heads[k] is None and units[k] is None and not _STRONG_END.search(parts[-1]) \
                and (texts[k][:1].islower() or not _title_like(parts[-1])):
            parts.append(texts[k])
            consumed.add(k)
            k = next_of[k]
        return " ".join(parts)

    def new_paragraph(i: int) -> bool:
        """A paragraph starts at a Markdown heading, after a sentence, after a blank line (but the
        text under a Markdown heading goes with it: "## Summary / UK data protection regime …")."""
        p = prev_of[i]
        return p == -1 or rs.md[i] or (not rs.md[p] and (plan.strong[p] or rs.blank[i]))

    def open_para(i: int, recital: int = 0) -> None:
        close_to(_RANK["para"])
        at = rs.lines[i].content_start
        if recital:
            push(_Node("para", "recital", f"Recital {recital}", f"Recital {recital}", f"r{recital}", 9, at))
        else:
            state["para"] += 1
            k = state["para"]
            push(_Node("para", "para", f"para {k}", "", f"p{k}", 9, at))

    def open_sub(mark: _Mark, depth: int, at: int) -> bool:
        """Open a 款/项/目 for ``mark`` at ``depth`` in the current unit (False: too deep)."""
        while stack[-1].kind == "sub" and stack[-1].depth >= depth:
            stack.pop()
        parent_rank = stack[-1].rank if stack[-1].kind == "sub" else _RANK["条"]
        if mark.style == "paraword":
            rank = _RANK["款"]
        elif depth > len(_SUB_LEVELS):
            return False
        else:
            rank = max(_RANK[_SUB_LEVELS[depth - 1]], _MIN_RANK.get(mark.style, 0), parent_rank + 1)
        if rank > _RANK["目"]:
            return False
        level = _LEVEL_OF_RANK[rank]
        cite = f", {mark.shown}" if mark.style in _WORD_STYLES else mark.shown
        push(_Node(level, "sub", mark.shown, cite, {"款": "k", "项": "x", "目": "m"}[level] + _safe(mark.slug),
                   rank, at, depth=depth, style=mark.style, ordinal=mark.ordinal))
        return True

    def place_mark(marks: list[_Mark], at: int, prev_line: str | None, line: Line) -> bool:
        """Place a marker in the current unit; False when it is text after all."""
        for mk in marks:
            if mk.style == "paraword":  # "Paragraph 1." / "Sole paragraph.": always a first level
                return open_sub(mk, 1, at)
        frames = [s for s in stack if s.kind == "sub"]
        sibling = [(mk, f) for mk in marks for f in frames if f.style == mk.style and mk.ordinal == f.ordinal + 1]
        first = [mk for mk in marks if mk.ordinal == 1 and all(f.style != mk.style for f in frames)]
        if sibling and first and prev_line is not None and _INTRO_END.search(prev_line):
            sibling = []  # "(h) … as follows: / (i) …": a new list of roman numerals, not letter (i)
        if sibling:  # 1. the next item of an open list
            mk, f = max(sibling, key=lambda x: x[1].depth)
            placed = open_sub(mk, f.depth, at)
        elif first:  # 2. the first item of a new, deeper list
            mk = first[0]
            placed = open_sub(mk, len(frames) + 1, at)
        else:  # 3. a gap in the numbering (an item repealed or inserted)
            later = [(mk, f) for mk in marks for f in frames if f.style == mk.style
                     and f.ordinal < mk.ordinal <= f.ordinal + 3]
            if not (later and prev_line is not None and _STRONG_END.search(prev_line)):
                return False
            mk, f = max(later, key=lambda x: x[1].depth)
            placed = open_sub(mk, f.depth, at)
        # a deeper first marker on the same line: "(a) (1) The obligations …"
        rest = line.raw[at - line.start + mk.length:] if placed else ""
        inner = _parse_marks(rest.lstrip())
        if inner and all(m.ordinal == 1 for m in inner):
            place_mark(inner, at + mk.length + len(rest) - len(rest.lstrip()), ":", line)
        return placed

    def list_goes_on(i: int) -> bool:
        """Whether the next marker continues a list below the first level, so that the text
        before it belongs to the list's current item ("(b) … processing. / Activities … ; / (c) …")."""
        j = next_mark[i]
        if j == -1:
            return False
        frames = [s for s in stack if s.kind == "sub" and s.depth > 1]
        return any(f.style == mk.style and mk.ordinal == f.ordinal + 1 for mk in _parse_marks(texts[j]) for f in frames)

    def open_unit(i: int) -> None:
        u = units[i]
        assert u is not None
        close_to(_RANK["条"])
        if u.style == "article":
            shown = f"Article {u.num}"
        elif u.style == "dotted":
            shown = u.num
        elif state["schedule"]:
            shown = f"Schedule {state['schedule']} paragraph {u.num}"
        else:
            shown = f"Section {u.num}"
        node = push(_Node("条", "unit", shown, shown, f"t{_safe(u.num)}", _RANK["条"], rs.lines[i].content_start))
        node.title = u.title or ("" if u.rest else take_title(i))
        line = rs.lines[i]
        if u.wrapped:  # the heading's end, and the text after it, are on the next row
            consumed.add(next_of[i])
            line = rs.lines[next_of[i]]
        # a first marker on the unit's line: "1 (1) This condition …", "1. Short title.––(1) This Act …"
        body = u.rest if not u.title or u.style == "section" else ""
        marks = _parse_marks(body) if body else []
        if marks:
            at = text.find(body[:marks[0].length], line.content_start, line.end)
            place_mark(marks, at if at >= 0 else line.content_start, ":", line)

    def open_heading(i: int, h: _Head) -> bool:
        in_schedule = bool(state["schedule"])
        if h.kind == "schedule":
            level = "编"
        else:
            level = ({"part": "章", "chapter": "节", "section": "节"} if in_schedule
                     else {"part": "编", "chapter": "章", "section": "节"})[h.kind]
        rank = _RANK[level]
        parent = next(s for s in reversed(stack) if s.rank < rank and s.kind in ("heading", "root"))
        if h.kind == "schedule":
            if h.value <= root.last_heading.get("schedule", 0):
                return False
            state["schedule"] = h.value
        elif h.value <= parent.last_heading.get(h.kind, 0) or i > last_unit:
            return False  # numbers go forward, and a heading heads units
        parent.last_heading[h.kind] = h.value
        close_to(rank)
        letter = "s" if h.kind == "schedule" else {"编": "b", "章": "z", "节": "j"}[level]
        node = push(_Node(level, "heading", h.number, h.number, f"{letter}{h.value}", rank, rs.lines[i].content_start))
        node.title = _despace(h.title or take_title(i), vocabulary)
        return True

    tail = False  # after an EU act's closing formula
    for i in live:
        t, line = texts[i], rs.lines[i]
        p = prev_of[i]
        prev_line = texts[p] if p != -1 else None
        h = heads[i]
        if i < plan.body_begin or tail:
            # front matter (title page, contents, preamble, recitals) and the closing formula
            if plan.toc[0] <= i <= plan.toc[1]:
                close_to(_RANK["para"])
                continue  # a table of contents belongs to no clause
            if plan.article_mode and not tail and i < plan.enacting:
                m = _RECITAL.match(t)
                if m and int(m.group("n")) == state["recital"] + 1 and (p == -1 or plan.strong[p] or rs.blank[i]):
                    state["recital"] += 1
                    open_para(i, state["recital"])
                elif not (state["recital"] and stack[-1].kind == "recital") \
                        and (stack[-1].kind != "para" or new_paragraph(i)):
                    open_para(i)
            elif i == plan.enacting or stack[-1].kind not in ("para", "recital") or new_paragraph(i):
                open_para(i)
        elif i in consumed:
            pass  # a heading's title
        elif plan.article_mode and _CLOSING.match(t):
            close_to(0)
            tail = True
            open_para(i)
        elif i in plan.accepted_units:
            open_unit(i)
        elif h is not None and plan.starts[i] and (h.kind != "schedule" or plan.article_mode
                                                   or i in plan.accepted_schedules) and open_heading(i, h):
            pass
        else:
            in_unit = any(s.kind == "unit" for s in stack)
            marks = _parse_marks(t) if in_unit and not rs.quoted[i] else []
            q = next_of[i]
            if marks and prev_line is not None \
                    and (_weak_end(prev_line) or p in consumed or p in plan.accepted_units or rs.blank[i]) \
                    and place_mark(marks, line.content_start, prev_line, line):
                pass
            elif _title_like(t) and plan.starts[i] and q != -1 and (q in plan.accepted_units or heads[q] is not None):
                close_to(_RANK["条"])  # a cross-heading over the next unit ends the unit before it
                if len(stack) == 1:
                    open_para(i)
            elif in_unit:
                if prev_line is not None and _CLOSING_END.search(prev_line) and not t[:1].islower() \
                        and not marks and not list_goes_on(i):
                    while stack[-1].kind == "sub" and stack[-1].depth > 1:
                        stack.pop()  # text after a list belongs to the paragraph that introduced it
            elif (len(stack) == 1 or (state["schedule"] and stack[-1].kind == "heading" and stack[-1].level == "编")
                  or (stack[-1].kind == "para" and new_paragraph(i))):
                open_para(i)  # free text: outside any heading, or in a schedule without paragraphs
        end = line.content_end
        for s in stack[1:]:
            s.end = max(s.end, end)
    return nodes


def _to_clauses(source: SourceText, doc: Document, nodes: list[_Node]) -> list[Clause]:
    clauses: list[Clause] = []
    ids: dict[int, str] = {}
    seen: dict[str, int] = {}
    title = book(doc.title)
    for node in nodes:
        end = text_end(source, node.start, node.end)
        chain: list[_Node] = ancestors(node, lambda a: a.kind == "root")
        cites = "".join(a.cite for a in chain if a.kind in ("unit", "sub"))
        tail = node.cite if node.kind in ("heading", "recital") else cites + node.cite
        if node.kind == "heading":  # b2z1j3, as ingest.structure makes heading ids
            slug = "".join(a.slug for a in [*chain, node] if a.kind == "heading")
        else:  # headings left out (ids stay when chapters are renumbered), but a schedule kept
            schedule = [a.slug for a in chain if a.kind == "heading" and a.slug[:1] == "s"]
            slug = ".".join(schedule + [a.slug for a in [*chain, node] if a.kind != "heading"])
        cid = unique_id(seen, f"{doc.id}:{slug}")
        ids[id(node)] = cid
        clauses.append(Clause(
            id=cid,
            doc_id=doc.id,
            level=node.level,
            number=node.number,
            label=f"{title}{tail}",
            path=tuple(_path_entry(a) for a in chain if a.kind == "heading"),
            start=node.start,
            end=end,
            text=source.text[node.start:end],
            parent=ids.get(id(node.parent)) if node.parent is not None and node.parent.kind != "root" else None,
            page=source.page_at(node.start),
        ))
    return clauses


def _path_entry(node: _Node, limit: int = 80) -> str:
    """A heading as a path shows it: ``CHAPTER IV Controller and processor``."""
    title = node.title if len(node.title) <= limit else node.title[:limit].rstrip() + "…"
    return f"{node.number} {title}".strip()


__all__ = ["looks_like_english_legislation", "parse_english_clauses"]

"""Whose law a question asks about, and which documents retrieval may answer it from.

A corpus may hold foreign law beside Chinese law (a knowledge base's front matter gives each
document its ``jurisdiction``: ``CN``, or ``SG``, ``EU``, ``US-CA`` …, see
:mod:`ingest.metadata.frontmatter`). A question about Chinese law must never be answered from a
foreign law: a question that names no foreign jurisdiction is answered from the Chinese documents
(and those of no stated jurisdiction); one that names some (新加坡, 欧盟, GDPR, 加州) from those and
the Chinese ones, for comparisons; a question in English, or a filter that sets jurisdictions,
from what it asks for.

A jurisdiction is named by its Chinese or English name (``retrieval/data/jurisdictions.tsv``, a
gazetteer: a state names its country's code too, 美国 all of its states) or by an acronym the corpus
itself ties to it: an all-capital word of a foreign document's title or keywords (GDPR, PDPA, CCPA)
belongs to that document's jurisdictions, unless it is so common that it belongs to those of more than
:data:`MAX_ACRONYM_PLACES` countries or unions, or the corpus's own documents (Chinese, or of no stated
jurisdiction) use it as a word of their own: more of those that write it name none of its jurisdictions than name
one (APP for a mobile app, GBA for the Greater Bay Area, LED for a lamp; GDPR beside 欧盟 names the EU). A foreign jurisdiction whose law the question names
(its acronym, or the place followed closely by a word for law: :meth:`Jurisdictions.read`) is also a
place the question names (:attr:`retrieval.query.Query.places`; a foreign law's region is its
jurisdiction's code), and its documents are searched and lifted as a named document's are; one named
as a destination or a setting (同步到新加坡办公室) only lets its law be found.

>>> from ingest.types import Document
>>> def doc(i, title, j, keywords=()):
...     return Document(i, title, "s", 0, 1, 1, 1, "other", {"jurisdiction": j, "keywords": list(keywords)})
>>> places = Jurisdictions([doc("a", "General Data Protection Regulation (GDPR)", "EU"),
...                         doc("b", "Personal Data Protection Act 2012", "SG", ["Singapore PDPA"]),
...                         doc("c", "个人信息保护法", "CN")])
>>> sorted(places.named("GDPR对数据泄露通知有什么要求")), sorted(places.named("新加坡的个人数据保护法"))
(['EU'], ['SG'])
>>> sorted(places.restrict(None, places.named("数据出境安全评估的申报情形"), "zh").exclude_ids)
['a', 'b']
>>> sorted(places.restrict(None, places.named("新加坡PDPA对数据泄露通知的时限"), "zh").exclude_ids)
['a']
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from importlib import resources

from ingest.types import Document

from .filters import Filters

HOME = "CN"
MAX_ACRONYM_PLACES = 3
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z]{3,6}(?![A-Za-z])")
# a word for law within a few characters after a place's name: 新加坡的个人数据保护法, 欧盟规定, 加州法律; a 法 that
# begins a word naming no law (法院, 法官, 法庭, 法人, 法治, 法学: 欧盟法院的判决, 日本法人的子公司) is none
_LAW_ZH = re.compile(r"[^，。？！；,.?!;]{0,12}?(?:法(?![院官庭人治学])|法律|法规|法案|条例|规定|规则|指令|监管|立法|指南|准则)")
_LAW_EN = re.compile(r"[^,.?!;]{0,40}?\b(?:law|act|regulation|directive|code|statute|rules?)\b")


CODE = re.compile(r"^[A-Z]{2,3}(?:-[A-Z]{2,3})?$")  # a jurisdiction's code: CN, EU, SG, US-CA


@lru_cache(maxsize=1)
def _rows() -> tuple[tuple[str, str, str, str], ...]:
    rows = []
    for line in resources.files("retrieval").joinpath("data/jurisdictions.tsv").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, parent, zh, en = (line.split("\t") + ["", "", ""])[:4]
            rows.append((code.strip(), parent.strip(), zh, en))
    return tuple(rows)


@lru_cache(maxsize=1)
def _labels_and_parents() -> tuple[dict[str, str], dict[str, str]]:
    """(code → its first Chinese name, code → the code it belongs to), read once."""
    labels = {c: zh.split("|")[0].strip() for c, _, zh, _ in _rows() if zh.strip()}
    parents = {c: p for c, p, _, _ in _rows() if p}
    return labels, parents


def jurisdiction_label(code: str) -> str:
    """A jurisdiction's Chinese name (the gazetteer's first), or its code when it has none.

    >>> jurisdiction_label("SG"), jurisdiction_label("US-CA"), jurisdiction_label("XX")
    ('新加坡', '加州', 'XX')
    """
    return _labels_and_parents()[0].get(code, code)


def top(code: str) -> str:
    """The country or union a jurisdiction belongs to (US for US-CA, EU for DE), itself for one on
    its own.

    >>> top("US-CA"), top("DE"), top("SG"), top("XX")
    ('US', 'EU', 'SG', 'XX')
    """
    return _labels_and_parents()[1].get(code, code)


@lru_cache(maxsize=1)
def gazetteer() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(Chinese name → codes, English name lower-cased → codes) from ``data/jurisdictions.tsv``; a
    name of a country with states (美国) stands for every state too."""
    rows = _rows()
    children: dict[str, set[str]] = defaultdict(set)
    for code, parent, _, _ in rows:
        if parent:
            children[parent].add(code)
    zh_names: dict[str, set[str]] = defaultdict(set)
    en_names: dict[str, set[str]] = defaultdict(set)
    for code, _, zh, en in rows:
        codes = {code, *children.get(code, ())}
        for name in filter(None, (n.strip() for n in zh.split("|"))):
            zh_names[name] |= codes
        for name in filter(None, (n.strip() for n in en.split("|"))):
            en_names[name.lower()] |= codes
    return ({k: frozenset(v) for k, v in zh_names.items()}, {k: frozenset(v) for k, v in en_names.items()})


class Jurisdictions:
    """The jurisdictions of an index's documents, the acronyms its foreign documents go by, and
    the restriction a question puts on retrieval (see the module)."""

    def __init__(self, documents: Sequence[Document], text_of: Callable[[Document], str] | None = None) -> None:
        """``text_of`` gives a document's text: with it, an acronym the corpus's own documents use as a word of
        their own names nothing (see the module; :attr:`home_words`)."""
        self.of: dict[str, str | None] = {d.id: (d.metadata or {}).get("jurisdiction") for d in documents}
        self.foreign = {i for i, j in self.of.items() if j and j != HOME}
        places: dict[str, set[str]] = defaultdict(set)
        for d in documents:
            j = self.of[d.id]
            if d.id in self.foreign and j:
                words = " ".join([d.title, *((d.metadata or {}).get("keywords") or ())])
                for acronym in _ACRONYM.findall(words):
                    places[acronym].add(j)
        # an acronym of several jurisdictions of one country or union (GDPR: the EU's and its member
        # states' laws) names them all; one of several countries (DPO, PII) names none
        acronyms = {a: frozenset(js) for a, js in places.items() if len({top(j) for j in js}) <= MAX_ACRONYM_PLACES}
        self.home_words = _home_words(acronyms, (text_of(d) for d in documents if d.id not in self.foreign)
                                      if text_of is not None and acronyms else ())
        self.acronyms = {a: js for a, js in acronyms.items() if a not in self.home_words}

    def named(self, question: str) -> frozenset[str]:
        """The jurisdictions ``question`` names (by name or by an acronym of the corpus)."""
        return self.read(question)[0]

    def read(self, question: str) -> tuple[frozenset[str], frozenset[str]]:
        """(the jurisdictions ``question`` names, those whose law it asks about). A place named as a
        destination or a setting (同步到新加坡办公室, 去美国上市) lets its law be found; its law is asked
        about when the question names the law: an acronym the corpus ties to it (GDPR, PDPA), or the
        place followed closely by a word for law (新加坡的个人数据保护法, 欧盟规定, 加州法律).

        >>> from ingest.types import Document
        >>> j = Jurisdictions([Document("a", "PDPA", "s", 0, 1, 1, 1, "other", {"jurisdiction": "SG"})])
        >>> [sorted(x) for x in j.read("要把客服数据同步到新加坡办公室，需要申报吗")]
        [['SG'], []]
        >>> [sorted(x) for x in j.read("新加坡的个人数据保护法对通知时限怎么规定")], sorted(j.read("PDPA的罚则")[1])
        ([['SG'], ['SG']], ['SG'])
        >>> [sorted(x) for x in j.read("新加坡的法官来函调取员工资料")]
        [['SG'], []]
        """
        zh_names, en_names = gazetteer()
        found: set[str] = set()
        law: set[str] = set()
        for name, codes in zh_names.items():
            for m in re.finditer(re.escape(name), question):
                found |= codes
                if _LAW_ZH.match(question, m.end()):
                    law |= codes
        lower = question.lower()
        for name, codes in en_names.items():
            for m in re.finditer(rf"(?<![a-z]){re.escape(name)}(?![a-z])", lower):
                found |= codes
                if _LAW_EN.match(lower, m.end()):
                    law |= codes
        for acronym in _ACRONYM.findall(question):
            found |= self.acronyms.get(acronym, frozenset())
            law |= self.acronyms.get(acronym, frozenset())
        return frozenset(found), frozenset(law)

    def restrict(self, filters: Filters | None, asked: frozenset[str], language: str) -> Filters | None:
        """``filters`` with the foreign documents of jurisdictions not ``asked`` excluded (unchanged
        when the index holds none, when the filters choose jurisdictions, or for a question whose
        ``language`` is English)."""
        if not self.foreign or (filters is not None and filters.jurisdictions) or language == "en":
            return filters
        out = frozenset(i for i in self.foreign if self.of[i] not in asked)
        if not out:
            return filters
        base = filters or Filters()
        return replace(base, exclude_ids=base.exclude_ids | out)

    def documents_of(self, codes: frozenset[str]) -> list[str]:
        """The ids of the documents of jurisdictions ``codes``."""
        return [i for i, j in self.of.items() if j in codes] if codes else []


@lru_cache(maxsize=1)
def _name_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The gazetteer's Chinese names and its English names (lower case, whole words) as one pattern each, longest
    first."""
    zh_names, en_names = gazetteer()
    zh = "|".join(map(re.escape, sorted(zh_names, key=len, reverse=True)))
    en = "|".join(map(re.escape, sorted(en_names, key=len, reverse=True)))
    return re.compile(zh), re.compile(rf"(?<![a-z])(?:{en})(?![a-z])")


def _places_named(text: str) -> set[str]:
    """The jurisdictions a long ``text`` names by a name of the gazetteer (one pass of each pattern: a name inside a
    longer one the pass matched is not read again).

    >>> sorted({top(c) for c in _places_named("欧盟GDPR与新加坡的规定；see the law of Japan")})
    ['EU', 'JP', 'SG']
    """
    zh_names, en_names = gazetteer()
    zh, en = _name_patterns()
    found = {c for m in zh.finditer(text) for c in zh_names[m.group()]}
    return found | {c for m in en.finditer(text.lower()) for c in en_names[m.group()]}


def _home_words(acronyms: dict[str, frozenset[str]], home_texts: Iterable[str]) -> frozenset[str]:
    """The ``acronyms`` that more of the ``home_texts`` (the corpus's own documents: Chinese, or of no stated
    jurisdiction) write without naming any of their jurisdictions (their countries or unions, by the gazetteer) than
    with one. The texts are read once, one at a time.

    >>> sorted(_home_words({"APP": frozenset({"AU"}), "GDPR": frozenset({"EU"})},
    ...                    ["APP不得强制索取权限", "移动APP个人信息保护", "欧盟GDPR的罚款", "GDPR与澳大利亚APP的比较"]))
    ['APP']
    """
    used: dict[str, int] = defaultdict(int)
    tied: dict[str, int] = defaultdict(int)
    for text in home_texts:
        written = set(_ACRONYM.findall(text)) & acronyms.keys()
        if not written:
            continue
        named = {top(c) for c in _places_named(text)}
        for a in written:
            used[a] += 1
            tied[a] += bool(named & {top(j) for j in acronyms[a]})
    return frozenset(a for a, n in used.items() if n - tied[a] > tied[a])

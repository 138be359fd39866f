"""A question's text as the corpus writes it: width folded, traditional characters simplified,
short names of laws expanded, article numbers in Chinese numerals; the thesaurus' legal words
for everyday ones; the places it names.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from ingest.metadata import PLACE_NAMES
from ingest.text import cn_to_int, int_to_cn

# Everyday short names of laws and policies → the words of their titles.
ALIASES = {
    "个保法": "个人信息保护法",
    "个人信息法": "个人信息保护法",
    "pipl": "个人信息保护法",
    "数安法": "数据安全法",
    "dsl": "数据安全法",
    "网安法": "网络安全法",
    "数据二十条": "数据二十条 关于构建数据基础制度更好发挥数据要素作用的意见",
    "评估办法": "数据出境安全评估办法",
    "跨境流动规定": "促进和规范数据跨境流动规定",
}
ARTICLE_REF = re.compile(r"第\s*([0-9一二三四五六七八九十百千零〇两]+)\s*条")


def load_synonyms() -> dict[str, str]:
    """The shipped thesaurus: everyday term → the words the law uses (see data/synonyms.txt)."""
    from importlib import resources

    out: dict[str, str] = {}
    for line in resources.files("retrieval").joinpath("data/synonyms.txt").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            term, expansion = line.split("\t", 1)
            out[term.strip()] = expansion.strip()
    return out


def expand_query(query: str, synonyms: dict[str, str]) -> str:
    """The query followed by the legal words for the everyday ones it uses.

    >>> expand_query("App把用户数据传到国外", {"传到国外": "向境外提供", "用户": "个人"})
    'App把用户数据传到国外 向境外提供 个人'
    """
    extra = [exp for term, exp in synonyms.items() if term in query]
    return " ".join([query, *extra]) if extra else query


@functools.lru_cache(maxsize=1)
def _opencc() -> tuple[Any, Any]:
    import opencc

    return opencc.OpenCC("t2s"), opencc.OpenCC("tw2sp")


def to_simplified(text: str) -> str:
    """Traditional Chinese written as the mainland writes it, phrases included (OpenCC
    ``tw2sp``: 個人資訊 → 个人信息, 網路 → 网络); text without traditional characters is
    returned unchanged.

    >>> to_simplified("個人資訊保護法第十三條"), to_simplified("个人信息")
    ('个人信息保护法第十三条', '个人信息')
    """
    t2s, tw2sp = _opencc()
    return tw2sp.convert(text) if t2s.convert(text) != text else text


def normalise_query(query: str) -> str:
    """Width folded, traditional characters simplified, aliases expanded, Arabic article
    numbers written as in the law.

    >>> normalise_query("个保法第13条"), normalise_query("網安法第37條")
    ('个人信息保护法第十三条', '网络安全法第三十七条')
    >>> normalise_query("查数据二十条全文")
    '查数据二十条 关于构建数据基础制度更好发挥数据要素作用的意见全文'
    """
    q = to_simplified(unicodedata.normalize("NFKC", query).strip())
    lowered = q.lower()
    for short, full in ALIASES.items():
        if short in lowered and full.lower() not in lowered:  # "数据二十条" expands to itself and the title
            i = lowered.index(short)
            q = q[:i] + full + q[i + len(short):]
            lowered = q.lower()
    # article numbers as the law writes them; past any real code's length (the Civil Code has 1,260) a
    # number stays in digits, so that a lookup still reads it and says there is no such article
    q = ARTICLE_REF.sub(lambda m: f"第{int_to_cn(n)}条" if (n := cn_to_int(m.group(1))) and n < 10_000
                        else m.group(0), q)
    return q


@functools.cache
def _place_pattern() -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, PLACE_NAMES)))


def places_named(text: str) -> set[str]:
    """The regions ``text`` names, as documents' ``region`` metadata spells them.

    >>> sorted(places_named("浙江和广东的规划各有什么重点？")), places_named("数据出境安全评估办法")
    (['广东省', '浙江省'], set())
    """
    return {PLACE_NAMES[m.group()] for m in _place_pattern().finditer(text)}

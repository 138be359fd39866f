"""Every sentence an answer says, in one place: the cited lines, the abstentions, the threshold
lines of a scenario, which rule prevails and a document's force.

Change the answer's wording here and nowhere else. A line that cites ends with its ``[n]``
markers; the numbers it states come from the quotes it cites (:mod:`qa.verify` checks them), so
nothing here adds a date or a figure of its own to a cited line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ingest.text import int_to_cn, one_line
from ingest.titles import book

if TYPE_CHECKING:
    from ingest.types import Document

    from .precedence import Verdict

# a citation marker: [1], [1, 2], ［１］ — the answer's own, a model's, or a user's
MARKER = re.compile(r"[\[［]\s*([0-9０-９]+(?:\s*[,，、]\s*[0-9０-９]+)*)\s*[\]］]")


def marker_numbers(match: re.Match[str]) -> list[int]:
    """The numbers of one :data:`MARKER` match: ``[3]`` → [3], ``[5, 3]`` → [5, 3], ``［１］`` → [1].

    >>> [marker_numbers(m) for m in MARKER.finditer("见[3]，另见[5, 3]和［１］。")]
    [[3], [5, 3], [1]]
    """
    return [int(n) for n in re.split(r"\s*[,，、]\s*", match.group(1))]


NO_BASIS = "语料中未找到依据：现有文件没有能回答这个问题的条款。"
FIGURE_WORDS = {"amount": "金额或数额", "share": "比例", "date": "日期", "duration": "期限", "count": "数量"}

_ARTICLE_LABEL = re.compile(r"^\s*第[〇零一二三四五六七八九十百千两0-9]+条(?:之[一二三四五六七八九十]+)?[\s\u3000]*")


def without_article_label(text: str) -> str:
    """``text`` without the article label it opens with, for reading after "根据…第二十八条：".

    >>> without_article_label("第二十八条　敏感个人信息是…"), without_article_label("（二）向境外提供重要数据")
    ('敏感个人信息是…', '（二）向境外提供重要数据')
    """
    return _ARTICLE_LABEL.sub("", text, count=1)


def quote_line(quote: str) -> str:
    r"""A quote as it reads after "根据…第二十八条：" in an answer: one line, its own article label dropped.

    >>> quote_line("第二十八条　敏感个人信息是\n一旦泄露…")
    '敏感个人信息是一旦泄露…'
    """
    return one_line(without_article_label(quote))


# -- abstentions --------------------------------------------------------------------------------
def absent_document(title: str) -> str:
    """The question's document is not in the corpus."""
    return f"{NO_BASIS}语料中没有{book(title)}的文本。"


def figure_not_stated(kind: str) -> str:
    """No retrieved clause states the kind of figure asked for."""
    return f"{NO_BASIS}检索到的条款都没有给出所问的{FIGURE_WORDS[kind]}。"


def article_filtered_out(title: str, article: int) -> str:
    """The named article exists, but the filters leave its document out."""
    return f"{book(title)}第{int_to_cn(article)}条不在所选的筛选范围内。"


def no_such_article(title: str, count: int, article: int) -> str:
    """The named law has fewer articles than the one asked for."""
    return f"{book(title)}共{count}条，没有第{int_to_cn(article) if article < 10_000 else article}条。"


# -- cited lines --------------------------------------------------------------------------------
def cited_line(marker: int, label: str, quote: str) -> str:
    """"根据《…》第N条：…[1]" for the decisive clause, "另据…" for each further one."""
    lead = "根据" if marker == 1 else "另据"
    return f"{lead}{label}：{quote_line(quote)}[{marker}]"


def threshold_line(label: str, quote: str) -> str:
    """The item whose condition a scenario meets."""
    return f"适用{label}：{one_line(quote)}[1]"


def lead_in_line(quote: str, marker: int = 2) -> str:
    """The lead-in of the item's article: what follows from the condition."""
    return f"该条规定：{quote_line(quote)}[{marker}]"


# what a yes-or-no question is told first, by the kind of the deciding clause's modal verb
VERDICTS = {"required": "需要", "prohibited": "不可以", "exempt": "不需要", "allowed": "可以"}


def conclusion_line(kind: str, words: str, marker: int) -> str:
    """The answer's first line for a yes-or-no question: the verdict, then the clause's own words
    that decide it ("结论：需要——应当…申报数据出境安全评估[2]")."""
    return f"结论：{VERDICTS[kind]}——{one_line(words)}[{marker}]"


def condition_met_line(condition: str) -> str:
    """Which condition of the item the scenario meets."""
    return f"所述情形符合其中“{condition}”这一条件[1]。"


def prevailing_rule_line(older_title: str, older_label: str, rule_label: str, newer_title: str, quote: str,
                         marker: int) -> str:
    """The retrieved older rule yields to the newer one, whose own precedence clause is quoted."""
    return (f"检索到的{book(older_title)}{older_label}另有规定，"
            f"但{rule_label}规定二者不一致时适用{book(newer_title)}：{quote_line(quote)}[{marker}]")


# -- precedence and force -------------------------------------------------------------------------
def verdict_warning(v: Verdict) -> str:
    """A verdict as one warning sentence (dates may appear here: warnings are not cited text)."""
    return (f"{book(v.yields.title)}与{book(v.prevails.title)}规定不一致的，适用{book(v.prevails.title)}："
            f"{v.reason}。")


def verdict_sentence(v: Verdict) -> str:
    """A verdict for the answer text: no date or number of its own (the answer's sentences are
    verified against the cited quotes), only titles and clause labels."""
    why = {
        "precedence_clause": f"后者{v.clause.label.split('》')[-1] if v.clause else ''}规定与其不一致的适用后者",
        "expired": "前者已过有效期",
        "later": "二者为同一机关制定的同位阶规定，后者施行在后",
    }.get(v.kind, v.reason)
    return f"适用说明：{book(v.yields.title)}与{book(v.prevails.title)}规定不一致的，适用{book(v.prevails.title)}（{why}）"


def verdict_line(v: Verdict, markers: list[int], rule_label: str | None = None, rule_quote: str = "",
                 rule_marker: int = 0) -> str:
    """The 适用说明 line with the markers of the citations concerned, and the prevailing rule's own
    precedence clause quoted when it is cited (``rule_label``)."""
    line = verdict_sentence(v) + "".join(f"[{m}]" for m in markers) + "。"
    if rule_label is not None:
        line += f"{rule_label}：{quote_line(rule_quote)}[{rule_marker}]"
    return line


def draft_note(doc: Document) -> str:
    return f"{book(doc.title)}是征求意见稿，不是生效的规定。"


def expired_note(doc: Document, valid_until: object) -> str:
    return f"{book(doc.title)}已过有效期（至{valid_until}）。"


def superseded_note(doc: Document, newer: str) -> str:
    return f"{book(doc.title)}已被{book(newer)}取代。"


def superseded_in_part_note(doc: Document, newer: str) -> str:
    return f"{book(newer)}规定：与其不一致的，适用{book(newer)}——{book(doc.title)}的相关规定以其为准。"

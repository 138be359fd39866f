"""Text printed at a fixed width, read in sentences: the line breaks inside a sentence made blanks.

A PDF turned into text (corpus-large's Markdown, some of the bundled corpus) breaks its lines where the page
ended, mid-sentence and mid-word, often with a blank line between; what reads phrases or sentences off line ends
cuts a rule in two. :func:`unwrap` gives a copy to read, of the same length, so spans found in it are spans of
the source.
"""

from __future__ import annotations

import re

from .structure import SHORT_LINE_CHARS, opens_unit
from .text import PARA_END

# a line break and the blanks around it (a blank line between two wrapped lines too)
_BREAK = re.compile(r"[ \t\u3000]*\n[\s\u3000]*")


def unwrap(text: str) -> str:
    r"""``text`` with the line breaks inside its sentences made blanks, its length kept (spans into it hold).

    A break is soft — made blanks — when the line before ends no paragraph (:data:`~ingest.text.PARA_END`) and
    is no short heading, and the line after opens no unit of structure (:func:`~ingest.structure.opens_unit`), as
    :func:`~ingest.structure.parse_clauses` reads continued lines.

    >>> unwrap("第三十七条 网络数据处理者按照国家有关规定识别、申报重要\n\n数据，不需要将其作为重要数据申报。\n第三十八条 …")
    '第三十七条 网络数据处理者按照国家有关规定识别、申报重要  数据，不需要将其作为重要数据申报。\n第三十八条 …'
    >>> unwrap("第一章 总则\n第一条 为了规范数据处理活动，制定本法。")
    '第一章 总则\n第一条 为了规范数据处理活动，制定本法。'
    """
    def soft(m: re.Match[str]) -> str:
        before = text[text.rfind("\n", 0, m.start()) + 1: m.start()].strip()
        after_end = text.find("\n", m.end())
        after = text[m.end(): after_end if after_end >= 0 else len(text)].strip()
        if (not before or not after or PARA_END.search(before) or opens_unit(after)
                or len(before) < SHORT_LINE_CHARS and opens_unit(before)):
            return m.group()
        return " " * len(m.group())

    return _BREAK.sub(soft, text) if "\n" in text else text

"""Build ``tests/data/网络安全法-2025修正.txt``: the 2025 amended text of 中华人民共和国网络安全法,
one article per line, from a pypdf extraction of the official text.

Source (see ``tests/data/SOURCES.md``): ``../shared/corpus-large/zh/一、国家法律、法规、规范文件/
中华人民共和国网络安全法-2025修正-9b8e6275ff.md``, pypdf's text of the 北大法宝 PDF of
《中华人民共和国网络安全法（2025修正）》 (as amended by the 第十四届全国人民代表大会常务委员会第十八次会议
《关于修改〈中华人民共和国网络安全法〉的决定》of 2025-10-28). Chinese laws are not subject to copyright
(著作权法 第五条).

The extraction is messy in three ways, each undone here mechanically (no word of the law is typed):

* each page's article labels (第一条 …) and chapter headings sit, twice each, at the end of the page,
  after its text, instead of before their articles; the page footer (【法宝引证码】…下载日期) follows;
* the text is wrapped at the page width (44 characters), so an article runs over several lines;
* a run in another font (digits, ``<``, ``>``, ``《``) is on a line of its own.

Paragraphs are found by the page layout: one starts after a line that ends a sentence; an
article's first line is indented by its label (at most 39 characters wide), a 款's or an item's by
two characters only. A one-line paragraph that narrow may be either, so the count decides: each page
must start exactly as many articles as it has labels, else this fails rather than guess.
``<…>`` inside 《…》 is the nested title mark 〈…〉 the PDF prints.

Run from the repository root: ``python tests/data/make_cybersecurity_2025.py [SOURCE]``.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = (HERE.parents[2] / "shared" / "corpus-large" / "zh" / "一、国家法律、法规、规范文件"
                  / "中华人民共和国网络安全法-2025修正-9b8e6275ff.md")
OUT = HERE / "网络安全法-2025修正.txt"

_FOOTER = re.compile(r"【法宝引证码】\nCLI\.[\d.]+\n\d+\n/\n\d+\n下载日期：\n[\d-]+\n")
_NUM = "[一二三四五六七八九十百零]+"
_LABEL = re.compile(rf"第{_NUM}条")
_HEADING = re.compile(rf"第{_NUM}[章节]\u3000\S.*")
_RUNNING_HEAD = re.compile(r"中华人民共和国网络安全法|\(2025|修正|\)")
_FRAGMENT = re.compile(r"[\x20-\x7e]+|[《》〈〉（）]")
_ENDS_SENTENCE = re.compile(r"[。；：]$")
FULL = 44  # characters in a full line of the page
ARTICLE_START_MAX = 39  # an article's first line is indented by its label: at most this wide
FRAGMENT_MAX = 34  # a line narrower than any first or middle line of a paragraph is a run split off one
END_OF_LAW = "*"  # the line after the last article (the publisher's notes follow)


def width(line: str) -> float:
    """Printed width of a line in CJK characters (an ASCII character is half)."""
    return sum(0.5 if ord(ch) < 0x7F else 1.0 for ch in line)


def split_page(page: str) -> tuple[list[str], list[str]]:
    """(text lines, margin entries) of one page: the margin is the trailing run of labels, headings
    and the running head, each printed twice; entries are returned once, in order."""
    lines = [x for x in page.split("\n") if x.strip()]
    j = len(lines)
    while j > 0 and (_LABEL.fullmatch(lines[j - 1]) or _HEADING.fullmatch(lines[j - 1])
                     or _RUNNING_HEAD.fullmatch(lines[j - 1])):
        j -= 1
    margin: list[str] = []
    for x in lines[j:]:
        if (_LABEL.fullmatch(x) or _HEADING.fullmatch(x)) and (not margin or margin[-1] != x):
            margin.append(x)
    return lines[:j], margin


def visual_lines(lines: list[str]) -> list[str]:
    """Lines with the runs pypdf put on lines of their own joined back to their neighbours: an
    ASCII or bracket run, or a line too short to start or continue a paragraph that does not end a
    sentence (a run in another font inside a printed line)."""
    out: list[str] = []
    glue = False
    for x in lines:
        frag = bool(_FRAGMENT.fullmatch(x))
        short = bool(out) and width(out[-1]) < FRAGMENT_MAX and not _ENDS_SENTENCE.search(out[-1])
        if out and (frag or glue or (short and width(out[-1]) + width(x) <= FULL)):
            out[-1] += x
        else:
            out.append(x)
        glue = frag
    return out


def nested_titles(s: str) -> str:
    """``<…>`` inside ``《…》`` as the nested title mark ``〈…〉``."""
    return re.sub(r"《[^《》]*》", lambda m: m.group().replace("<", "〈").replace(">", "〉"), s)


def paragraphs(lines: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    """``(page, line)`` pairs grouped into paragraphs, each with the page it starts on: one starts
    after a line that ends a sentence, unless both lines are full (a sentence ending at the margin)."""
    out: list[tuple[int, list[str]]] = []
    for i, (page, x) in enumerate(lines):
        prev = lines[i - 1][1] if i else ""
        ends = not prev or bool(_ENDS_SENTENCE.search(prev))
        full = width(prev) >= FULL - 1 and width(x) >= FULL - 1
        if not out or (ends and not full):
            out.append((page, [x]))
        else:
            out[-1][1].append(x)
    return out


def article_starts(paras: list[tuple[int, list[str]]], page: int, labels: int) -> set[int]:
    """Indices of the paragraphs on ``page`` that start an article, given how many labels it has.

    A first line at most :data:`ARTICLE_START_MAX` wide is indented by a label; a paragraph of one
    line that narrow may also be a 款, so those are all articles or all 款 — whichever makes the
    count right — or this fails."""
    mine = [i for i, (p, lines) in enumerate(paras)
            if p == page and width(lines[0]) <= ARTICLE_START_MAX and not lines[0].startswith("（")]
    sure = [i for i in mine if len(paras[i][1]) > 1]
    maybe = [i for i in mine if len(paras[i][1]) == 1]
    if len(sure) == labels:
        return set(sure)
    if len(sure) + len(maybe) == labels:
        return set(sure + maybe)
    raise SystemExit(f"page {page + 1}: {labels} labels but {len(sure)} article starts and "
                     f"{len(maybe)} one-line paragraphs: {[paras[i][1][0][:12] for i in mine]}")


def rebuild(source: str) -> str:
    """The law as text: title, header, 目录, then headings and one article per line."""
    pages = _FOOTER.split(source.split("## 正文", 1)[1])
    lines: list[tuple[int, str]] = []
    margins: list[list[str]] = []
    out: list[str] = []
    for p, page in enumerate(pages):
        text, margin = split_page(page)
        margins.append(margin)
        if p == 0:
            # the head: title, the (…通过　根据…修正) line, 目录 and its headings
            close = next(i for i, x in enumerate(text) if x.endswith("）"))
            toc_end = text.index("目录", close) + 1
            while _HEADING.fullmatch(text[toc_end]):
                toc_end += 1
            out += [text[0], "".join(text[1:close + 1]), *text[close + 1:toc_end]]
            text = text[toc_end:]
        last = END_OF_LAW in text
        lines += [(p, x) for x in visual_lines(text[: text.index(END_OF_LAW)] if last else text)]
        if last:
            break
    paras = paragraphs(lines)
    starts: dict[int, str] = {}
    for p, margin in enumerate(margins):
        labels = [e for e in margin if _LABEL.fullmatch(e)]
        for i, label in zip(sorted(article_starts(paras, p, len(labels))), labels):
            starts[i] = label
    entries = [e for margin in margins for e in margin]
    for i, (_, text) in enumerate(paras):
        body = "".join(text)
        if i in starts:
            while entries[0] != starts[i]:  # the headings printed before this label
                out.append(entries.pop(0))
            entries.pop(0)
            body = f"{starts[i]}\u3000{body}"
        out.append(body)
    return "\n".join(nested_titles(x) for x in out) + "\n"


def main(argv: list[str]) -> int:
    """Write the fixture from ``argv[0]`` (default: the shared corpus copy)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    text = rebuild(source.read_text(encoding="utf-8"))
    OUT.write_text(text, encoding="utf-8")
    n = sum(1 for x in text.split("\n") if _LABEL.match(x))
    log.info("wrote %s: %d articles", OUT, n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

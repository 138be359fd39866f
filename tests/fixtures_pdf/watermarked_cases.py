"""A watermarked case collection as a real PDF: tiled watermark, running header, page-number footer.

The body holds three short administrative-penalty cases (案例一/二/三) with 条-style citations,
set in reportlab's built-in CID font ``STSong-Light`` (no font file, nothing downloaded) at 12 pt
with a two-character first-line indent, flowing over at least three A4 pages. Every page carries:

* a running header (the collection's name) and a footer ``第 N 页 共 M 页``;
* a watermark tiled over the page, drawn after the body so that its characters come between the
  body's in the content stream. Its style is one of :data:`STYLES`, each alone a reason to drop it:
  ``rotated`` (black, body size, tilted 45°), ``light`` (upright, body size, light grey),
  ``large`` (upright, black, four times the body size) or ``all`` (tilted, light grey,
  semi-transparent and large, as real watermarks are).

``python -m tests.fixtures_pdf.watermarked_cases OUT.pdf [STYLE]`` writes one to look at.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

FONT = "STSong-Light"
BODY_SIZE = 12.0
LEADING = 30.0
PAGE_W, PAGE_H = 595.0, 842.0
LEFT, RIGHT = 72.0, 523.0
TOP_Y, BOTTOM_Y = 760.0, 400.0
HEADER = "某市市场监督管理局行政处罚案例汇编"
WATERMARK = "内部资料 仅供参考"
COLLECTION_TITLE = "行政处罚典型案例汇编"

# (heading, paragraphs) per case; the headings are what the documents are titled by.
CASES: list[tuple[str, list[str]]] = [
    ("案例一 某某食品有限公司销售超过保质期食品案", [
        "当事人：某某食品有限公司，住所位于某市某区某路88号。",
        "经查，当事人于2023年3月在其经营场所销售超过保质期的预包装食品共计十二件，货值金额三百六十元，违法所得一百二十元。",
        "当事人的上述行为违反了《中华人民共和国食品安全法》第三十四条的规定。依据《中华人民共和国食品安全法》第一百二十四条第一款的规定，本局决定没收违法所得并处罚款五万元。",
        "当事人如不服本处罚决定，可在收到本决定书之日起六十日内申请行政复议，或者在六个月内依法提起行政诉讼。",
    ]),
    ("案例二 某某网络科技有限公司发布虚假广告案", [
        "当事人：某某网络科技有限公司，统一社会信用代码为91330100MA2ABCDE1X。",
        "经查，当事人在其运营的网店页面宣称其销售的保健食品具有治疗糖尿病的功效，上述内容无任何依据，广告费用无法计算。",
        "当事人的上述行为违反了《中华人民共和国广告法》第四条和第十八条的规定。依据《中华人民共和国广告法》第五十五条第一款的规定，本局责令当事人停止发布违法广告，在相应范围内消除影响，并处罚款二十万元。",
        "本案在调查过程中，当事人积极配合调查并主动删除了违法内容，本局在法定幅度内从轻作出处罚。",
    ]),
    ("案例三 某某商贸有限公司未按规定明码标价案", [
        "当事人：某某商贸有限公司，经营范围包括日用百货和家用电器的零售。",
        "经查，当事人在其门店销售的二十三种商品未按照规定明码标价，部分商品的标价签标示的价格与实际结算价格不一致。",
        "当事人的上述行为违反了《中华人民共和国价格法》第十三条第一款的规定。依据《中华人民共和国价格法》第四十二条和《价格违法行为行政处罚规定》第十三条的规定，本局决定对当事人处以罚款三千元。",
    ]),
]

STYLES = ("rotated", "light", "large", "all")


@dataclass(frozen=True)
class _Mark:
    """How the watermark is drawn."""

    size: float
    angle: float
    gray: float
    alpha: float


_MARKS = {
    "rotated": _Mark(size=BODY_SIZE, angle=45, gray=0.0, alpha=1.0),
    "light": _Mark(size=BODY_SIZE, angle=0, gray=0.85, alpha=1.0),
    "large": _Mark(size=4 * BODY_SIZE, angle=0, gray=0.0, alpha=1.0),
    "all": _Mark(size=3 * BODY_SIZE, angle=45, gray=0.8, alpha=0.3),
}


def body_paragraphs() -> list[str]:
    """Every paragraph of the body, in order (the collection title, then each case)."""
    return [COLLECTION_TITLE] + [p for heading, paras in CASES for p in [heading, *paras]]


def heading_pages() -> list[int]:
    """The 1-based page on which each case's heading is printed."""
    headings = [heading for heading, _ in CASES]
    return [no for no, lines in enumerate(_layout(), 1) for *_, text in lines if text in headings]


def page_count() -> int:
    """How many pages the collection has."""
    return len(_layout())


def _wrap(text: str, width: int) -> list[str]:
    """Break ``text`` into lines of at most ``width`` characters, never inside a run of ASCII
    letters and digits and never before a character that would read as a heading or an item."""
    lines: list[str] = []
    while len(text) > width:
        cut = width
        while cut > 1 and (
            (text[cut - 1].isascii() and text[cut - 1].isalnum() and text[cut].isascii() and text[cut].isalnum())
            or text[cut] in "（第，。、；：》"
        ):
            cut -= 1
        lines.append(text[:cut])
        text = text[cut:]
    return lines + ([text] if text else [])


def _layout() -> list[list[tuple[float, float, float, str]]]:
    """Body lines per page as ``(x, y, size, text)``."""
    chars_per_line = int((RIGHT - LEFT) // BODY_SIZE)
    pages: list[list[tuple[float, float, float, str]]] = [[(PAGE_W / 2 - 5 * 18, TOP_Y, 18, COLLECTION_TITLE)]]
    y = TOP_Y - 2 * LEADING
    for heading, paras in CASES:
        if y < BOTTOM_Y + 3 * LEADING:  # no heading alone at the foot of a page
            pages.append([])
            y = TOP_Y
        pages[-1].append((LEFT, y, BODY_SIZE, heading))
        y -= LEADING
        for para in paras:
            for i, line in enumerate(_wrap(para, chars_per_line - 2)):
                if y < BOTTOM_Y:
                    pages.append([])
                    y = TOP_Y
                x = LEFT + (2 * BODY_SIZE if i == 0 else 0)
                pages[-1].append((x, y, BODY_SIZE, line))
                y -= LEADING
        y -= LEADING / 2
    return pages


def build(path: Path, style: str = "all", body_gray: float = 0.0) -> Path:
    """Write the watermarked collection to ``path`` (at least three pages) and return the path.

    ``body_gray`` is the grey level of the body text (0 black, 1 white)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    mark = _MARKS[style]
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    pages = _layout()
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1)
    for no, lines in enumerate(pages, 1):
        c.setFont(FONT, 9)
        c.drawCentredString(PAGE_W / 2, PAGE_H - 40, HEADER)
        c.drawCentredString(PAGE_W / 2, 40, f"第 {no} 页 共 {len(pages)} 页")
        c.setFillGray(body_gray)
        for x, y, size, text in lines:
            c.setFont(FONT, size)
            c.drawString(x, y, text)
        step_x, step_y = (200, 150) if mark.size <= 2 * BODY_SIZE else (260, 200)
        for row in range(int(PAGE_H // step_y) + 1):
            for col in range(int(PAGE_W // step_x) + 1):
                c.saveState()
                c.setFillGray(mark.gray)
                c.setFillAlpha(mark.alpha)
                c.translate(30 + col * step_x + (row % 2) * step_x / 2, 60 + row * step_y)
                c.rotate(mark.angle)
                c.setFont(FONT, mark.size)
                c.drawString(0, 0, WATERMARK)
                c.restoreState()
        c.showPage()
    c.save()
    return path


BANNER = "违法行为、处罚依据和处罚结果"


def build_white_on_dark(path: Path) -> Path:
    """One page: a dark banner with :data:`BANNER` in white over the first case, and a light-grey
    upright watermark tiled over the page. The banner is ink; the watermark is not."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1)
    c.setFillColorRGB(0.1, 0.2, 0.5)
    c.rect(LEFT, TOP_Y - 6, RIGHT - LEFT, 2 * BODY_SIZE, stroke=0, fill=1)
    c.setFillGray(1.0)
    c.setFont(FONT, BODY_SIZE)
    c.drawString(LEFT + BODY_SIZE, TOP_Y, BANNER)
    c.setFillGray(0.0)
    heading, paras = CASES[0]
    lines = [heading, *(line for para in paras for line in _wrap(para, int((RIGHT - LEFT) // BODY_SIZE)))]
    for i, line in enumerate(lines, 1):
        c.drawString(LEFT, TOP_Y - i * LEADING, line)
    c.setFillGray(0.85)
    for row in range(5):
        c.drawString(100 + (row % 2) * 150, 150 + row * 140, WATERMARK)
    c.showPage()
    c.save()
    return path


if __name__ == "__main__":
    build(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "all")

"""The one form in which document titles are compared: a title (or a question naming one) with
its width folded, bracketed parts (（试行）, （2023—2025年）) and title marks (《》“”) dropped, no
blanks, and without a leading 中华人民共和国 / 关于印发 / 关于, which people leave out.

>>> title_key("中华人民共和国个人信息保护法"), title_key("《科技伦理审查办法（试行）》")
('个人信息保护法', '科技伦理审查办法')
>>> title_key("关于印发 《数字中国建设整体布局规划》 的通知")
'数字中国建设整体布局规划的通知'
"""

from __future__ import annotations

import re
import unicodedata

TITLE_PREFIXES = ("中华人民共和国", "关于印发", "关于")
_BRACKETED = re.compile(r"[（(][^）)]*[）)]")
_MARKS = re.compile(r"[《》“”\"\s]")


def title_key(title: str, *, prefixes: tuple[str, ...] = TITLE_PREFIXES, lower: bool = False) -> str:
    """``title`` in the compared form; ``prefixes`` are the leading words dropped (the first that
    matches), ``lower`` folds Latin letters too (App, SDK).

    >>> title_key("中华人民共和国 网络安全法", prefixes=()), title_key("APP（试行）", lower=True)
    ('中华人民共和国网络安全法', 'app')
    """
    t = unicodedata.normalize("NFKC", title)
    if lower:
        t = t.lower()
    t = _BRACKETED.sub("", t)
    for prefix in prefixes:
        if t.startswith(prefix):
            t = t[len(prefix):]
            break
    return _MARKS.sub("", t)


def book(title: str) -> str:
    """A title between book marks, as a text cites it: 《title》, a title's own 《》 made 〈〉 (书名号
    within 书名号, GB/T 15834), so a headline that names a rule is not cited as 《《…》发布》.

    >>> book("中华人民共和国网络安全法"), book("《深圳市数据产权登记管理暂行办法》发布")
    ('《中华人民共和国网络安全法》', '《〈深圳市数据产权登记管理暂行办法〉发布》')
    """
    return f"《{title.replace('《', '〈').replace('》', '〉')}》"

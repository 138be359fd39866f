"""A Markdown file's front matter (:mod:`ingest.markdown`) as document metadata, over what the
text's own words give (:func:`ingest.metadata.extract_metadata`): where the front matter says
something, it was written by whoever collected the file and it wins.

Two vocabularies are read:

* Chinese (``法规名称``, ``标准编号``, ``文档分类``, ``效力层级``, ``地区``, ``是否征求意见稿``): the title, a
  standard's number as its 文号, the type (法律, 标准, 征求意见稿 …; a policy keeps the type its text
  gives), the region (a place named in ``地区``), a draft's status; jurisdiction ``CN``.
* English, for foreign law (``Jurisdiction``, ``Region``, ``Citation``, ``Authority``, ``Source URL``,
  ``Topics``, ``Keywords``): type 境外法规, jurisdiction the ``Region`` code (``SG``, ``EU``, ``US-CA`` …)
  and its name, region that code too (a foreign law is the law of a place: a question that names
  that law lifts it as a question naming a Chinese place lifts its rules, see
  :mod:`retrieval.jurisdictions`), issuers from ``Authority``, topics and the source URL.

Every document also gets ``language`` (``zh`` or ``en``, :func:`language_of`) and, when nothing else
says, jurisdiction ``CN`` for a Chinese text.

>>> m = front_matter_metadata({"title": "Personal Data Protection Act 2012", "Jurisdiction": "Singapore",
...                            "Region": "SG", "Authority": "PDPC Singapore / Singapore Statutes Online",
...                            "Topics": "consent, cross_border_transfer"})
>>> m["jurisdiction"], m["jurisdiction_name"], m["doc_type"], m["issuers"], m["topics"]
('SG', 'Singapore', '境外法规', ['PDPC Singapore', 'Singapore Statutes Online'], ['consent', 'cross_border_transfer'])
>>> m = front_matter_metadata({"法规名称": "个人信息出境标准合同备案指南（第二版）", "效力层级": "国家政策/规范", "地区": ""})
>>> m["jurisdiction"], "doc_type" in m, m["region"]
('CN', False, 'national')
>>> front_matter_metadata({"法规名称": "某市数据条例（征求意见稿）", "效力层级": "征求意见稿/草案", "是否征求意见稿": "true"})["status"]
'draft'
>>> front_matter_metadata({"title": "General Data Protection Regulation"})  # a title alone says nothing more
{}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..text import drop_invisible
from .doctype import NORMATIVE_END
from .places import PLACE_NAMES

# 效力层级 / 文档分类 → a document type; a level not listed keeps the type the text gives
_LEVEL_TYPES = {"法律": "法律", "国家标准/行业标准/技术指南": "标准", "征求意见稿/草案": "征求意见稿"}
_CLASS_TYPES = {"national_law": "法律", "standard_or_guideline": "标准"}
_TRUE = {"true", "yes", "1", "是"}
_POLICY_LEVELS = ("国家政策/规范", "地方政策/地方标准")
# a standard's number (GB/T, DB32/T, YD/T, JR/T, T/…) or its name for itself
_STANDARD = re.compile(r"^(?:GB|DB\s*\d|YD|JR|GA|T\s*[/／_])|[（(]?(?:国家|行业|地方|团体)标准|标准体系")
_ZH_KEYS = ("法规名称", "标准编号", "文档分类", "效力层级", "地区", "是否征求意见稿")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def language_of(text: str) -> str:
    """``zh`` when ``text`` has at least a tenth as many Chinese characters as Latin letters (a
    Chinese character is a word, an English word some five letters: Chinese text quoting English
    names stays Chinese, an English text with a Chinese keyword stays English), else ``en``.

    >>> language_of("根据GDPR Article 33，应当在72小时内通知")
    'zh'
    >>> language_of("Notify the Commission within 3 calendar days of assessing the breach (新加坡)")
    'en'
    >>> language_of("")  # no letters: the corpus's own language
    'zh'
    """
    cjk, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    return "zh" if cjk * 10 >= latin else "en"


def front_matter_title(fm: Mapping[str, str]) -> str | None:
    """The document's title as the front matter gives it (without book marks around the whole of
    it, invisible characters, or the site names a web page's title carries after it), or None.

    >>> front_matter_title({"法规名称": "《个人信息保护合规审计管理办法》"})
    '个人信息保护合规审计管理办法'
    >>> front_matter_title({"法规名称": "\u200b某局关于印发《某办法》的通知_国务院部门文件_中国政府网"})
    '某局关于印发《某办法》的通知'
    >>> front_matter_title({"法规名称": "GB_T 45577-2025《数据安全技术 数据安全风险评估方法》"})
    'GB_T 45577-2025《数据安全技术 数据安全风险评估方法》'
    """
    title = drop_invisible(fm.get("法规名称") or fm.get("title") or fm.get("Citation") or "").strip()
    head = title.split("_", 1)[0]
    if head != title and NORMATIVE_END.search(head) and not _LATIN.search(head):
        title = head  # "…的通知_中央网络安全和信息化委员会办公室": the page's site after the title
    if title.startswith("《") and title.endswith("》") and title.count("《") == 1 and title.count("》") == 1:
        title = title[1:-1].strip()
    return title or None


def _split(value: str, seps: str) -> list[str]:
    return [p.strip() for p in re.split(seps, value) if p.strip()]


def front_matter_metadata(fm: Mapping[str, str], text_type: str | None = None) -> dict[str, Any]:
    """The metadata keys the front matter ``fm`` sets (empty for no front matter). ``text_type`` is the
    type the text's own words give; where they give none (``"unknown"``) and the front matter files
    the document as a policy or norm (国家政策/规范, 地方政策/地方标准), it is a normative document, or
    a standard when its number or title says so.

    >>> front_matter_metadata({"法规名称": "2025年数字经济工作要点", "效力层级": "国家政策/规范"}, "unknown")["doc_type"]
    '规范性文件'
    >>> front_matter_metadata({"法规名称": "DB3212T1176-2025公共数据安全事件应急管理规范", "效力层级": "地方政策/地方标准",
    ...                        "地区": "江苏省"}, "unknown")["doc_type"]
    '标准'
    """
    if not fm:
        return {}
    out: dict[str, Any] = {}
    if "Jurisdiction" in fm or "Region" in fm:
        code = (fm.get("Region") or "").strip().upper()
        out.update(jurisdiction=code or None, jurisdiction_name=(fm.get("Jurisdiction") or "").strip() or None,
                   doc_type="境外法规", authority_level="unknown", region=code or "international", status="unknown",
                   doc_number=None)
        if fm.get("Authority"):
            out["issuers"] = _split(fm["Authority"], r"\s+/\s+|;|；")
    elif any(k in fm for k in _ZH_KEYS):
        out["jurisdiction"] = "CN"
        doc_type = _LEVEL_TYPES.get(fm.get("效力层级", "")) or _CLASS_TYPES.get(fm.get("文档分类", ""))
        if (fm.get("是否征求意见稿") or "").strip().lower() in _TRUE:
            doc_type = "征求意见稿"
        if not doc_type and text_type == "unknown" and fm.get("效力层级", "") in _POLICY_LEVELS:
            title = front_matter_title(fm) or ""
            doc_type = "标准" if fm.get("标准编号") or _STANDARD.search(title) else "规范性文件"
            if doc_type == "规范性文件":
                out["authority_level"] = doc_type
        if doc_type:
            out["doc_type"] = doc_type
            if doc_type == "征求意见稿":
                out["status"] = "draft"
            elif doc_type == "标准":
                out.update(status="unknown", authority_level="unknown")
        place = (fm.get("地区") or "").strip()
        if place in PLACE_NAMES:
            out["region"] = PLACE_NAMES[place]
        elif not place and ((fm.get("文档分类") or "").startswith("national") or fm.get("效力层级") == "国家政策/规范"):
            out["region"] = "national"  # (a standard's level, 国家标准/行业标准, says nothing of its region)
        if fm.get("标准编号"):
            out["doc_number"] = fm["标准编号"].strip()
    if fm.get("Source URL"):
        out["source_url"] = fm["Source URL"].strip()
    for key, name in (("Topics", "topics"), ("Keywords", "keywords")):
        words = _split(fm.get(key, ""), r"[,，;；]")
        if words:
            out[name] = words
    return out

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
>>> m = front_matter_metadata({"法规名称": "数据出境安全评估申报指南（第三版）", "效力层级": "国家政策/规范", "地区": ""})
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

from .places import PLACE_NAMES

# 效力层级 / 文档分类 → a document type; a level not listed keeps the type the text gives
_LEVEL_TYPES = {"法律": "法律", "国家标准/行业标准/技术指南": "标准", "征求意见稿/草案": "征求意见稿"}
_CLASS_TYPES = {"national_law": "法律", "standard_or_guideline": "标准"}
_TRUE = {"true", "yes", "1", "是"}
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
    it), or None.

    >>> front_matter_title({"法规名称": "《个人信息保护合规审计管理办法》"})
    '个人信息保护合规审计管理办法'
    """
    title = (fm.get("法规名称") or fm.get("title") or fm.get("Citation") or "").strip()
    if title.startswith("《") and title.endswith("》") and title.count("《") == 1 and title.count("》") == 1:
        title = title[1:-1].strip()
    return title or None


def _split(value: str, seps: str) -> list[str]:
    return [p.strip() for p in re.split(seps, value) if p.strip()]


def front_matter_metadata(fm: Mapping[str, str]) -> dict[str, Any]:
    """The metadata keys the front matter ``fm`` sets (empty for no front matter)."""
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

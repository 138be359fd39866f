"""Document type and legal rank: a law, a regulation or rule (by rank), a normative document, a draft,
a reading of a document, a report, a white paper, news — from the title, the head and the signatures."""

from __future__ import annotations

import re

DOC_TYPES = ("法律", "行政法规", "部门规章", "地方性法规", "地方政府规章", "规范性文件",
             "征求意见稿", "解读", "报告", "新闻", "白皮书", "标准", "境外法规", "unknown")
NORMATIVE = ("法律", "行政法规", "部门规章", "地方性法规", "地方政府规章", "规范性文件")

NORMATIVE_END = re.compile(
    r"(?:意见|通知|方案|计划|规划|办法|规定|细则|规则|规程|指引|指南|措施|决定|纲要|要点|条例|法|公告|令)"
    r"\s*(?:[（(][^）)]{0,20}[）)])?$")
DRAFT = re.compile(r"征求意见稿|草案|公开征求意见")
INTERP = re.compile(r"答记者问|解读|一图读懂|一图速看|图解|要点解析|问答")
_NEWS_VERB = re.compile(r"(?:发布|印发|公布|出台|通过|召开|签署)(?:了)?[：:\s]*《|》\s*(?:正式)?(?:对外)?(?:发布|印发|出台)|"
                        r"》由.{0,40}发布|重磅发布|记者|报道|观察\s*\||发布[:：]")
REPORT_TITLE = re.compile(r"报告|研究$")
SELF_REF = re.compile(r"制定本(?:方案|办法|规定|条例|细则|规则|规程|指引|指南|措施|意见|计划|实施方案|行动方案)|"
                       r"现提出如下(?:实施)?意见|现就.{0,30}提出(?:如下)?(?:实施)?意见|提出如下(?:实施)?意见|"
                       r"^第一条", re.M)
NEWS_LEAD = re.compile(r"^(?:新华社|中新社|人民网|央视|本报|据.{0,20}消息|(?:近日|日前)[，,]?)", re.M)
# a text that opens by reporting that a document came out is about it, not the document itself
NEWS_ABOUT = re.compile(r"^(?:近日|日前|[^。\n]{0,60}(?:近日|日前))[^。\n]{0,60}(?:印发|发布|公布|出台)[^。\n]{0,80}以下简称",
                         re.M)
DATELINE = re.compile(r"(?:新华社|中新社|人民日报)[\u4e00-\u9fff]{0,6}?(?P<m>\d{1,2})月(?P<d>\d{1,2})日电")
REPORT_BODY = re.compile(r"^(?:版权声明|前\s*言|目\s*录|报告发布日期)", re.M)
# a law's title, possibly with the version it is (…法（2025修正）, …法（2018年修订）)
LAW_TITLE = re.compile(r"^中华人民共和国[\u4e00-\u9fff]{1,30}法"
                       r"(?:\s*[（(](?:(?:19|20)\d{2}\s*年?\s*)?(?:第[一二三四五六七八九十]+次)?(?:修正|修订)(?:本|版|文本)?[）)])?$")


def official_title(title: str) -> bool:
    return bool(NORMATIVE_END.search(title)) and not INTERP.search(title)


def news_title(title: str) -> bool:
    """A headline that reports a release ("X印发《Y》"), not the title of a 印发 notice."""
    return bool(_NEWS_VERB.search(title)) and not re.search(r"的通知$", title)


def legal_rank(title: str, doc_number: str | None, heading: tuple[list[str], bool, str] | None,
               head: str, signed: list[str]) -> str:
    """Legal rank of an official text."""
    if LAW_TITLE.match(title):
        return "法律"
    issuers = (heading[0] if heading else []) or signed
    if doc_number and "令第" in doc_number:
        if doc_number.startswith(("国务院令", "中华人民共和国国务院令")):
            return "行政法规"
        if re.search(r"(?:省|市|自治区)人民政府令第", doc_number):
            return "地方政府规章"
        if doc_number.startswith("中华人民共和国主席令"):
            return "法律"
        return "部门规章"
    if re.search(r"条例\s*(?:[（(][^）)]*[）)])?$", title):
        if re.search(r"人民代表大会常务委员会第[一二三四五六七八九十百]+次会议[^。]{0,30}通过", head) and \
                not re.search(r"全国人民代表大会", head[:300]):
            return "地方性法规"
        if issuers == ["国务院"]:
            return "行政法规"
    return "规范性文件"


def find_doc_type(title: str, *, official: bool, doc_number: str | None,
                  heading: tuple[list[str], bool, str] | None, head: str, tail: str, signed: list[str],
                  body_start: str, news_lead: bool, report_body: bool) -> str:
    """One of :data:`DOC_TYPES`: a draft or a reading by its title, an official text by its rank, then
    a white paper, a report or news by their marks; ``"unknown"`` when none fits."""
    if DRAFT.search(title):
        doc_type = "征求意见稿"
    elif INTERP.search(title):
        doc_type = "解读"
    elif official:
        doc_type = legal_rank(title, doc_number, heading, head, signed)
    elif "白皮书" in title and (report_body or not news_title(title)):
        doc_type = "白皮书"
    elif report_body and (REPORT_TITLE.search(title) or re.search(r"报告发布日期", head)):
        doc_type = "报告"
    elif REPORT_TITLE.search(title) and "报告" in title and not news_title(title):
        doc_type = "报告"
    elif news_title(title) or DATELINE.search(body_start) or news_lead or re.search(
            r"[（(]记者[\s\u3000]|责任编辑", head + tail):
        doc_type = "新闻"
    else:
        doc_type = "unknown"
    return doc_type

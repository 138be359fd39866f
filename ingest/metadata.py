"""Document metadata read from the document's own words: issuers, 文号, dates, type, level, region, status.

Every rule is general (issuing-body names, date and 文号 patterns, signature blocks) and
reads the title, the first ~1500 and the last ~800 characters of the document. A rule
that is not sure returns ``None`` / ``"unknown"``: unknown is a valid answer, a wrong
one is a bug.

>>> from ingest.types import Document, SourceText
>>> text = ("数据出境安全评估办法\\n国家互联网信息办公室令\\n第11号\\n"
...         "《数据出境安全评估办法》已经2022年5月19日国家互联网信息办公室2022年第10次室务会议审议通过，"
...         "现予公布，自2022年9月1日起施行。\\n国家互联网信息办公室主任 庄荣文\\n2022年7月7日\\n"
...         "第一条 为了规范数据出境活动，制定本办法。\\n")
>>> src = SourceText("x.txt", text, "utf-8")
>>> doc = Document("d", "数据出境安全评估办法", "x.txt", 0, len(text), 1, 7, "statute")
>>> m = extract_metadata(doc, src)
>>> m["issuers"], m["doc_number"], m["published"], m["effective"], m["doc_type"], m["region"]
(['国家互联网信息办公室'], '国家互联网信息办公室令第11号', '2022-07-07', '2022-09-01', '部门规章', 'national')
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from .text import cn_to_int, strip_markup
from .types import Document, SourceText

log = logging.getLogger(__name__)

HEAD_CHARS = 1500
TAIL_CHARS = 800

DOC_TYPES = ("法律", "行政法规", "部门规章", "地方性法规", "地方政府规章", "规范性文件",
             "征求意见稿", "解读", "报告", "新闻", "白皮书", "unknown")
NORMATIVE = ("法律", "行政法规", "部门规章", "地方性法规", "地方政府规章", "规范性文件")

# ---------------------------------------------------------------- known names

NATIONAL_BODIES: tuple[str, ...] = (
    "中共中央", "国务院", "中共中央办公厅", "国务院办公厅", "全国人民代表大会", "全国人民代表大会常务委员会",
    "全国人大常委会", "中央军事委员会", "中央军委科技委", "中共中央组织部", "中共中央宣传部",
    "中央网络安全和信息化委员会办公室", "中央网信办", "国家互联网信息办公室", "国家网信办",
    "国家发展和改革委员会", "国家发展改革委", "工业和信息化部", "工信部", "财政部", "教育部", "科学技术部", "科技部",
    "公安部", "国家安全部", "民政部", "司法部", "人力资源和社会保障部", "人力资源社会保障部", "自然资源部",
    "生态环境部", "住房和城乡建设部", "住房城乡建设部", "交通运输部", "水利部", "农业农村部", "商务部",
    "文化和旅游部", "国家卫生健康委员会", "国家卫生健康委", "退役军人事务部", "应急管理部", "中国人民银行",
    "审计署", "国务院国有资产监督管理委员会", "国务院国资委", "海关总署", "国家税务总局",
    "国家市场监督管理总局", "市场监管总局", "国家金融监督管理总局", "金融监管总局", "中国证券监督管理委员会",
    "中国证监会", "国家统计局", "国家知识产权局", "国家数据局", "国家能源局", "国家医疗保障局", "国家医保局",
    "中国科学院", "中国社会科学院", "中国社科院", "中国工程院", "中国科学技术协会", "中国科协", "中国气象局",
    "国家文物局", "国家中医药管理局", "国家中医药局", "国家标准化管理委员会", "国家广播电视总局",
    "国家新闻出版署", "最高人民法院", "最高人民检察院", "国家铁路局", "中国民用航空局", "国家邮政局",
    "国家外汇管理局", "国家保密局", "国家密码管理局", "国家版权局", "国家国防科技工业局", "国家林业和草原局",
)

# canonical region → full administrative name, and the short forms met in titles
_PROVINCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "北京市": ("北京市", ("北京",)), "天津市": ("天津市", ("天津",)), "上海市": ("上海市", ("上海", "沪")),
    "重庆市": ("重庆市", ("重庆",)), "河北省": ("河北省", ("河北",)), "山西省": ("山西省", ("山西",)),
    "辽宁省": ("辽宁省", ("辽宁",)), "吉林省": ("吉林省", ("吉林",)), "黑龙江省": ("黑龙江省", ("黑龙江",)),
    "江苏省": ("江苏省", ("江苏",)), "浙江省": ("浙江省", ("浙江",)), "安徽省": ("安徽省", ("安徽",)),
    "福建省": ("福建省", ("福建",)), "江西省": ("江西省", ("江西",)), "山东省": ("山东省", ("山东",)),
    "河南省": ("河南省", ("河南",)), "湖北省": ("湖北省", ("湖北",)), "湖南省": ("湖南省", ("湖南",)),
    "广东省": ("广东省", ("广东",)), "海南省": ("海南省", ("海南",)), "四川省": ("四川省", ("四川",)),
    "贵州省": ("贵州省", ("贵州",)), "云南省": ("云南省", ("云南",)), "陕西省": ("陕西省", ("陕西",)),
    "甘肃省": ("甘肃省", ("甘肃",)), "青海省": ("青海省", ("青海",)), "台湾省": ("台湾省", ("台湾",)),
    "内蒙古": ("内蒙古自治区", ("内蒙古",)), "广西": ("广西壮族自治区", ("广西",)),
    "西藏": ("西藏自治区", ("西藏",)), "宁夏": ("宁夏回族自治区", ("宁夏",)),
    "新疆": ("新疆维吾尔自治区", ("新疆",)),
    "香港": ("香港特别行政区", ("香港特区政府", "香港特别行政区政府", "香港特区", "香港")),
    "澳门": ("澳门特别行政区", ("澳门特区", "澳门")),
}
# city → its province (a city named with its province still resolves to the city)
_CITIES: dict[str, str] = {
    "深圳市": "广东省", "广州市": "广东省", "珠海市": "广东省", "佛山市": "广东省", "东莞市": "广东省",
    "厦门市": "福建省", "福州市": "福建省", "郑州市": "河南省", "杭州市": "浙江省", "宁波市": "浙江省",
    "温州市": "浙江省", "贵阳市": "贵州省", "成都市": "四川省", "武汉市": "湖北省", "西安市": "陕西省",
    "南京市": "江苏省", "苏州市": "江苏省", "无锡市": "江苏省", "青岛市": "山东省", "济南市": "山东省",
    "大连市": "辽宁省", "沈阳市": "辽宁省", "长沙市": "湖南省", "合肥市": "安徽省", "南昌市": "江西省",
    "昆明市": "云南省", "南宁市": "广西", "海口市": "海南省", "长春市": "吉林省", "哈尔滨市": "黑龙江省",
    "石家庄市": "河北省", "太原市": "山西省", "兰州市": "甘肃省", "西宁市": "青海省", "银川市": "宁夏",
    "乌鲁木齐市": "新疆", "拉萨市": "西藏", "呼和浩特市": "内蒙古",
}
SPECIAL_REGIONS: tuple[str, ...] = ("粤港澳大湾区", "长三角", "京津冀", "成渝地区双城经济圈")
_FOREIGN = re.compile(r"美国|美众议院|美参议院|美联邦|欧盟|欧洲|英国|日本|德国|法国|韩国|新加坡|印度|俄罗斯|"
                      r"澳大利亚|加拿大|联合国")


def _place_names() -> dict[str, str]:
    """Every spelling of a place → canonical region (longest spellings first)."""
    names: dict[str, str] = {}
    for canon, (full, shorts) in _PROVINCES.items():
        names[full] = canon
        names[canon] = canon
        for s in shorts:
            if len(s) >= 2:
                names[s] = canon
    for city in _CITIES:
        names[city] = city
        names[city[:-1]] = city
    return dict(sorted(names.items(), key=lambda kv: -len(kv[0])))


PLACE_NAMES = _place_names()
_PLACE_ALT = "|".join(map(re.escape, PLACE_NAMES))
_FULL_PLACE_ALT = "|".join(
    map(re.escape, sorted({n for n, c in PLACE_NAMES.items() if n.endswith(("省", "市", "自治区", "政府", "特区"))
                           or n in ("内蒙古", "广西", "西藏", "宁夏", "新疆")}, key=len, reverse=True)))

# ---------------------------------------------------------------- issuing bodies

_NAT_ALT = "|".join(map(re.escape, sorted(NATIONAL_BODIES, key=len, reverse=True)))
_LOCAL_SUFFIX = (r"(?:人民政府办公厅|人民政府办公室|人民政府|政府办公厅|政府|办公厅|办公室|委员会|网信办|管理委员会|"
                 r"管委会|领导小组办公室|领导小组|行署|厅|局|委|中心)")
_MID = rf"(?:(?!{_FULL_PLACE_ALT}|中共|政府)[\u4e00-\u9fff“”])" + "{0,16}?"
_LOCAL = (rf"(?:中共(?:{_FULL_PLACE_ALT})(?:委|党委)(?:{_MID}{_LOCAL_SUFFIX})?"
          rf"|(?:{_FULL_PLACE_ALT}|省|市|自治区)(?:人民代表大会常务委员会|人大常委会|{_MID}{_LOCAL_SUFFIX}))")
_GENERIC = r"[\u4e00-\u9fff“”]{2,20}?(?:部|委|院|局|厅|署|办公室|办公厅|委员会|人民政府|中心|科协|网信办|银行)"
_NAT_RE = re.compile(f"(?:{_NAT_ALT})")
_LOCAL_RE = re.compile(_LOCAL)
_GENERIC_RE = re.compile(_GENERIC)
_MULTI = re.compile(r"(?:等)?[一二三四五六七八九十\d]*(?:个)?部门$")


@lru_cache(maxsize=4096)
def _segment(s: str) -> tuple[str, ...] | None:
    """Split a run of issuing-body names with no separators; None if some part is not a body.

    Known national bodies and place-named local bodies cost 1, any other name that ends
    like a body (…局, …委员会) costs 10, so a generic token never swallows two known ones.
    """
    n = len(s)
    best: list[tuple[int, tuple[str, ...]] | None] = [None] * (n + 1)
    best[0] = (0, ())
    for i in range(n):
        if best[i] is None:
            continue
        cost_i, toks = best[i]  # type: ignore[misc]
        for j in range(i + 2, min(n, i + 36) + 1):
            piece = s[i:j]
            if _NAT_RE.fullmatch(piece) or _LOCAL_RE.fullmatch(piece):
                c = 1
            elif _GENERIC_RE.fullmatch(piece):
                c = 10
            else:
                continue
            cand = (cost_i + c, toks + (piece,))
            if best[j] is None or cand[0] < best[j][0]:  # type: ignore[index]
                best[j] = cand
    return best[n][1] if best[n] else None


def split_bodies(text: str) -> list[str] | None:
    """Issuing bodies named in ``text`` (blank- or 、-separated, or run together); None if not only bodies.

    >>> split_bodies("中共山东省委山东省人民政府")
    ['中共山东省委', '山东省人民政府']
    >>> split_bodies("科　技　部　　教　育　部　　工业和信息化部")
    ['科技部', '教育部', '工业和信息化部']
    >>> split_bodies("为深入贯彻党的二十大精神") is None
    True
    """
    s = re.sub(r"[\s\u3000\u00a0、，,]+", " ", text).strip()
    if not s or len(s) > 160 or re.search(r"[。；：:！？《》（）()]", s):
        return None
    out: list[str] = []
    for chunk in s.split(" "):
        seg = _segment(chunk)
        if seg is None:
            out = []
            break
        out.extend(seg)
    if not out:
        seg = _segment(s.replace(" ", ""))
        if seg is None:
            return None
        out = list(seg)
    return out


def body_region(body: str) -> str | None:
    """``"national"``, a canonical region, or None for a body of unknown level.

    >>> body_region("国家数据局"), body_region("中共河南省委"), body_region("深圳市工业和信息化局")
    ('national', '河南省', '深圳市')
    """
    if _NAT_RE.fullmatch(body):
        return "national"
    b = body[2:] if body.startswith("中共") else body
    for name, canon in PLACE_NAMES.items():
        if b.startswith(name) and name.endswith(("省", "市", "自治区", "政府", "特区", "内蒙古", "广西", "西藏",
                                                 "宁夏", "新疆")):
            return canon
    return None


# ---------------------------------------------------------------- dates

_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?")
_CN_DATE = re.compile(r"(?P<y>[〇○零一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月"
                      r"(?:\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日)?")
_ISO_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
_CN_YEAR_DIGIT = {"〇": "0", "○": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5",
                  "六": "6", "七": "7", "八": "8", "九": "9"}
_FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _iso(y: int, m: int, d: int | None) -> str | None:
    try:
        return _dt.date(y, m, d or 1).isoformat()[: 10 if d else 7]
    except ValueError:
        return None


def parse_date(s: str) -> str | None:
    """The first date in ``s`` as ISO ``YYYY-MM-DD`` (or ``YYYY-MM`` without a day).

    >>> parse_date("（2022年12月2日）"), parse_date("二〇二三年三月二日"), parse_date("2023年 4 月 16 日")
    ('2022-12-02', '2023-03-02', '2023-04-16')
    >>> parse_date("2024年02月"), parse_date("发布时间： 2021-09-06"), parse_date("12月19日") is None
    ('2024-02', '2021-09-06', True)
    """
    s = s.translate(_FW_DIGITS)
    found = []
    for rx in (_DATE, _ISO_DATE):
        m = rx.search(s)
        if m:
            d = m.group("d")
            found.append((m.start(), _iso(int(m.group("y")), int(m.group("m")), int(d) if d else None)))
    m = _CN_DATE.search(s)
    if m:
        y = int("".join(_CN_YEAR_DIGIT[c] for c in m.group("y")))
        mo = cn_to_int(m.group("m"))
        d = cn_to_int(m.group("d")) if m.group("d") else None
        if mo:
            found.append((m.start(), _iso(y, mo, d)))
    found = [f for f in found if f[1]]
    return min(found)[1] if found else None


def _is_date_line(line: str) -> str | None:
    """ISO date when the whole line is a 年月日 date (possibly in brackets), else None.

    Bare ``2023-01-30`` lines are left out: they are table cells far more often than dates of issue.
    """
    s = re.sub(r"[\s\u3000]+", "", line.translate(_FW_DIGITS)).strip("()（）[]【】")
    if not s:
        return None
    for rx in (_DATE, _CN_DATE):
        if rx.fullmatch(s):
            return parse_date(s)
    return None


# ---------------------------------------------------------------- 文号

_BRACKET_NO = re.compile(r"(?P<p>[\u4e00-\u9fff“”]{1,12})[〔\[［【(（](?P<y>(?:19|20)\d{2})[〕\]］】)）](?P<n>\d{1,5})号")
_LING_NO = re.compile(r"(?P<p>[\u4e00-\u9fff]{2,30})令第(?P<n>[0-9一二三四五六七八九十百零〇]{1,6})号")
_GONGGAO_NO = re.compile(r"(?P<p>[\u4e00-\u9fff]{2,40})公告(?:(?P<y>(?:19|20)\d{2})年|〔(?P<y2>(?:19|20)\d{2})〕)"
                         r"第?(?P<n>\d{1,4})号")
DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff“”]{1,12}〔(?:19|20)\d{2}〕\d{1,5}号"
                           r"|[\u4e00-\u9fff]{2,30}令第[0-9一二三四五六七八九十百零〇]{1,6}号"
                           r"|[\u4e00-\u9fff]{2,40}公告(?:(?:19|20)\d{2}年|〔(?:19|20)\d{2}〕)第?\d{1,4}号")
"""Every ``doc_number`` returned matches this in full: 〔YYYY〕N号 (brackets normalised), X令第N号, X公告YYYY年N号."""


def normalize_doc_number(s: str) -> str | None:
    """A standalone 文号 with blanks removed and brackets normalised to 〔〕; None if it is not one.

    >>> normalize_doc_number("沪府办规〔2023〕27 号"), normalize_doc_number("（桂政办发[2023]51号）")
    ('沪府办规〔2023〕27号', '桂政办发〔2023〕51号')
    >>> normalize_doc_number("国家互联网信息办公室令 第11号")
    '国家互联网信息办公室令第11号'
    >>> normalize_doc_number("按照《国务院关于加强数字政府建设的指导意见》(国发〔2022〕14号)") is None
    True
    """
    t = re.sub(r"[\s\u3000]+", "", s.translate(_FW_DIGITS))
    if t[:1] in "(（" and t[-1:] in ")）":
        t = t[1:-1]
    m = _BRACKET_NO.fullmatch(t)
    if m:
        return f"{m.group('p')}〔{m.group('y')}〕{m.group('n')}号"
    if _LING_NO.fullmatch(t) or _GONGGAO_NO.fullmatch(t):
        return t
    return None


# ---------------------------------------------------------------- lines

def _lines(text: str) -> list[str]:
    return [strip_markup(x) for x in text.translate(_FW_DIGITS).split("\n")]


def _nonblank(lines: list[str]) -> list[str]:
    return [x for x in lines if x]


_PERSON_LINE = re.compile(r"^(?P<body>.+?)(?:主任|副主任|部长|局长|署长|主席|委员长|省长|市长|主任委员|书记)?"
                          r"[\s\u3000]+(?P<name>[\u4e00-\u9fff·]{2,4})$")


def _signature_bodies(line: str) -> list[str] | None:
    """Bodies on a signature line: names only, or one body followed by an official's name."""
    got = split_bodies(line)
    if got:
        return got
    m = _PERSON_LINE.match(line.strip())
    if m:
        got = split_bodies(m.group("body"))
        if got and len(got) == 1:
            return got
    return None


def _signature_blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(date, bodies) for each date line; bodies are the signature lines just above it (maybe none)."""
    out = []
    for i, line in enumerate(lines):
        iso = _is_date_line(line)
        if not iso:
            continue
        bodies: list[str] = []
        j, seen = i - 1, 0
        while j >= 0 and seen < 30:
            if not lines[j]:
                j -= 1
                continue
            got = _signature_bodies(lines[j])
            if not got:
                break
            bodies[:0] = got
            j, seen = j - 1, seen + 1
        out.append((iso, bodies))
    return out


# ---------------------------------------------------------------- titles

_NORMATIVE_END = re.compile(
    r"(?:意见|通知|方案|计划|规划|办法|规定|细则|规则|规程|指引|指南|措施|决定|纲要|要点|条例|法|公告|令)"
    r"\s*(?:[（(][^）)]{0,20}[）)])?$")
_HEADING = re.compile(r"^(?P<prefix>[^，。：:；|《》]{0,90}?)\s*(?P<rest>(?:关于|印发).+)$")
_DRAFT = re.compile(r"征求意见稿|草案|公开征求意见")
_INTERP = re.compile(r"答记者问|解读|一图读懂|一图速看|图解|要点解析|问答")
_NEWS_VERB = re.compile(r"(?:发布|印发|公布|出台|通过|召开|签署)(?:了)?[：:\s]*《|》\s*(?:正式)?(?:对外)?(?:发布|印发|出台)|"
                        r"》由.{0,40}发布|重磅发布|记者|报道|观察\s*\||发布[:：]")
_REPORT_TITLE = re.compile(r"报告|研究$")
_SELF_REF = re.compile(r"制定本(?:方案|办法|规定|条例|细则|规则|规程|指引|指南|措施|意见|计划|实施方案|行动方案)|"
                       r"现提出如下(?:实施)?意见|现就.{0,30}提出(?:如下)?(?:实施)?意见|提出如下(?:实施)?意见|"
                       r"^第一条", re.M)
_NEWS_LEAD = re.compile(r"^(?:新华社|中新社|人民网|央视|本报|据.{0,20}消息|(?:近日|日前)[，,]?)", re.M)
# a text that opens by reporting that a document came out is about it, not the document itself
_NEWS_ABOUT = re.compile(r"^(?:近日|日前|[^。\n]{0,60}(?:近日|日前))[^。\n]{0,60}(?:印发|发布|公布|出台)[^。\n]{0,80}以下简称",
                         re.M)
_DATELINE = re.compile(r"(?:新华社|中新社|人民日报)[\u4e00-\u9fff]{0,6}?(?P<m>\d{1,2})月(?P<d>\d{1,2})日电")
_REPORT_BODY = re.compile(r"^(?:版权声明|前\s*言|目\s*录|报告发布日期)", re.M)
_LAW_TITLE = re.compile(r"^中华人民共和国[\u4e00-\u9fff]{1,30}法$")
_ADOPTION = re.compile(
    r"(?:中华人民共和国)?(?P<place>" + _FULL_PLACE_ALT + r")?第[一二三四五六七八九十]+届"
    r"(?P<body>全国人民代表大会常务委员会|全国人民代表大会|人民代表大会常务委员会)"
    r"第[一二三四五六七八九十百]+次会议[^。]{0,30}?通过")
_ADOPTED_DATE = re.compile(r"[（(](?P<d>[^（）()]{6,14}日)[^（）()]{0,40}?会议[^（）()]{0,10}通过[）)]|"
                           r"(?:已经|已由|经)(?P<d2>\d{4}年\d{1,2}月\d{1,2}日)[^。，]{0,40}?(?:会议)?(?:审议)?通过|"
                           r"(?:已经|已由)[^。，]{0,50}?会议于(?P<d3>\d{4}年\d{1,2}月\d{1,2}日)通过")

_DATE_ANY = r"(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日)"
_EFFECT_LEAD = r"(?:本(?![市省区县])[\u4e00-\u9fff]{0,8}?|现予(?:公布|发布|印发)[，,]\s*)"
_EFFECTIVE = re.compile(_EFFECT_LEAD + rf"自\s*(?P<d>{_DATE_ANY})\s*起(?:施行|实施|生效|试行|执行)")
_ON_PUB = re.compile(_EFFECT_LEAD + r"自(?:公布|印发|发布|签发|颁布)之日起(?:施行|实施|生效|试行|执行)")
# validity of the document itself ("本办法自…起施行，有效期五年"), not of a licence or an assessment it grants
_VALIDITY = re.compile(rf"本(?![市省区县])[\u4e00-\u9fff]{{0,8}}?(?:自[^。；]{{0,30}}?起(?:施行|实施|生效|试行|执行)[，,]\s*)?"
                       rf"有效期(?:至\s*(?P<d>{_DATE_ANY})|(?:为)?(?P<n>[一二两三四五六七八九十\d]{{1,3}})年)")
_PUB_LABEL = re.compile(r"(?:发布时间|发布日期|印发日期|成文日期)[：:\s]*(?P<d>\d{4}(?:-\d{1,2}-\d{1,2}|\s*年\s*\d{1,2}\s*月"
                        r"(?:\s*\d{1,2}\s*日)?))")
_DOC_NAMES = re.compile(r"《([^《》]{2,60})》")


_PLACE_RE = re.compile(_PLACE_ALT)


def _title_key(s: str) -> str:
    """Form used to compare titles: blanks removed, brackets and dashes folded."""
    s = re.sub(r"[\s\u3000]+", "", s.translate(_FW_DIGITS))
    return s.translate(str.maketrans("()[]-–－―", "（）〔〕————"))


def _heading_issuers(line: str) -> tuple[list[str], bool, str] | None:
    """(issuers, more-not-named, rest) for "X关于…"/"X印发…" headings; None if not one."""
    m = _HEADING.match(line)
    if not m:
        return None
    prefix, rest = m.group("prefix").strip(), m.group("rest")
    multi = False
    mm = _MULTI.search(prefix)
    if mm and mm.group():
        multi = True
        prefix = prefix[: mm.start()]
    if not prefix:
        return ([], multi, rest) if (multi or rest.startswith("关于")) else None
    bodies = split_bodies(prefix)
    if bodies is None:
        return None
    return bodies, multi, rest


def _official_title(title: str) -> bool:
    return bool(_NORMATIVE_END.search(title)) and not _INTERP.search(title)


def _news_title(title: str) -> bool:
    """A headline that reports a release ("X印发《Y》"), not the title of a 印发 notice."""
    return bool(_NEWS_VERB.search(title)) and not re.search(r"的通知$", title)


def _title_regions(title: str) -> list[str]:
    """Canonical regions named in a title (bylines like "…广州报道" left out)."""
    t = re.sub(r"[^|，,\s]*(?:记者|报道)[^|，,]*$", "", title)
    t = re.sub(r"[\u4e00-\u9fff]{2,8}记者.*$", "", t)
    found: list[str] = []
    for special in SPECIAL_REGIONS:
        if special in t:
            found.append(special)
            t = t.replace(special, "")
    m = re.search(r"中国[（(]([\u4e00-\u9fff]{2,3})[）)]", t)
    if m and m.group(1) in PLACE_NAMES:
        found.append(PLACE_NAMES[m.group(1)])
    for pm in _PLACE_RE.finditer(t):
        found.append(PLACE_NAMES[pm.group()])
    out: list[str] = []
    for r in found:
        if r not in out:
            out.append(r)
    return out


def _pick_region(regions: list[str]) -> str | None:
    """One region from several: a special region wins, a city beats its own province."""
    if not regions:
        return None
    specials = [r for r in regions if r in SPECIAL_REGIONS]
    if specials:
        return specials[0] if len(set(specials)) == 1 else None
    cities = {r for r in regions if r in _CITIES}
    rest = {r for r in regions if r not in _CITIES}
    if len(cities) == 1:
        city = next(iter(cities))
        if all(r == _CITIES[city] for r in rest):
            return city
        return None
    if not cities and len(rest) == 1:
        return next(iter(rest))
    return None


def _resolve_bare(body: str, region: str | None, signed: list[str]) -> str | None:
    """A body named without its place ("省人民政府", "自治区人民政府办公厅") made whole, or None."""
    m = re.match(r"^(中共)?(省|市|自治区)(.*)$", body)
    if not m:
        return body
    party, level, rest = m.group(1) or "", m.group(2), m.group(3)
    rest = re.sub(r"^政府", "人民政府", rest)
    for s in signed:
        if s.endswith(rest) and body_region(s) not in (None, "national"):
            return s
    if region and region not in ("national", "international") and region not in SPECIAL_REGIONS:
        full = _PROVINCES[region][0] if region in _PROVINCES else region
        if full.endswith(level):
            return f"{party}{full}{rest}"
    return None


# ---------------------------------------------------------------- main entry

def extract_metadata(
    doc: Document,
    source: SourceText,
    corpus_titles: Sequence[str] = (),
    precedence: dict[str, list[str]] | None = None,
    repeals: dict[str, list[str]] | None = None,
    as_of: _dt.date | None = None,
) -> dict[str, Any]:
    """Metadata of ``doc`` read from its own text (see the module docstring for an example).

    Keys: ``issuers`` (list), ``doc_number``, ``published``, ``adopted``, ``effective``
    (ISO date or ``"on_publication"``), ``effective_date``, ``valid_until``, ``doc_type``,
    ``authority_level``, ``region``, ``status`` and ``superseded_in_part_by`` /
    ``superseded_by`` (lists). ``precedence`` and ``repeals`` come from
    :func:`find_precedence` and :func:`find_repeals` over the whole corpus; ``as_of``
    (default today) decides whether an explicit 有效期至 date has passed.
    """
    text = source.text[doc.start : doc.end]
    title = doc.title.strip()
    head, tail = text[:HEAD_CHARS], text[-TAIL_CHARS:]
    head_lines, tail_lines = _lines(head), _lines(tail)
    hb = _nonblank(head_lines)
    body_lines = hb[1:] if hb else []
    body_start = "\n".join(body_lines[:8])

    # --- headings: the title, or an official heading inside the first lines
    heading = _heading_issuers(title.replace("\u3000", " "))
    embedded: tuple[list[str], bool, str] | None = None
    for k in range(min(8, len(hb))):
        for cand in (hb[k], hb[k] + (hb[k + 1] if k + 1 < len(hb) else "")):
            h = _heading_issuers(cand)
            if h and h[0] and _official_title(h[2]) and not _news_title(cand):
                embedded = h
                break
        if embedded:
            break
    if embedded and (heading is None or (not heading[0] and not heading[1])):
        heading = embedded

    title_official = _official_title(title) and not _news_title(title)
    if heading and not _official_title(heading[2]):
        title_official = False
    doc_number = _find_doc_number(head_lines)
    signatures = _signature_blocks(head_lines) + _signature_blocks(tail_lines)
    signed = [b for _, bodies in signatures for b in bodies]
    self_ref = bool(_SELF_REF.search("\n".join(body_lines[:40])))
    news_lead = bool(body_lines and _NEWS_LEAD.match(body_lines[0]))
    news_about = news_lead or bool(_NEWS_ABOUT.search(body_start))
    report_body = bool(_REPORT_BODY.search("\n".join(body_lines[:60])))
    starts_with_place = bool(re.match(_PLACE_ALT, title)) or title.startswith("关于")

    official = bool(
        doc_number
        or (embedded is not None)
        or (title_official and (heading is not None or starts_with_place or self_ref or signed))
        or (_LAW_TITLE.match(title) and doc.kind == "statute")
    ) and not (news_about and not doc_number and embedded is None and not self_ref)

    # --- doc_type
    if _DRAFT.search(title):
        doc_type = "征求意见稿"
    elif _INTERP.search(title):
        doc_type = "解读"
    elif official:
        doc_type = _level(title, doc_number, heading, head, signed)
    elif "白皮书" in title and (report_body or not _news_title(title)):
        doc_type = "白皮书"
    elif report_body and (_REPORT_TITLE.search(title) or re.search(r"报告发布日期", head)):
        doc_type = "报告"
    elif _REPORT_TITLE.search(title) and "报告" in title and not _news_title(title):
        doc_type = "报告"
    elif _news_title(title) or _DATELINE.search(body_start) or news_lead or re.search(
            r"[（(]记者[\s\u3000]|责任编辑", head + tail):
        doc_type = "新闻"
    else:
        doc_type = "unknown"
    authority_level = doc_type if doc_type in NORMATIVE else "unknown"
    is_text_itself = doc_type in NORMATIVE or doc_type == "征求意见稿"

    # --- region (needed to resolve bare bodies like 省人民政府)
    t_regions = _title_regions(title)
    heading_bodies = heading[0] if heading else []
    for b in heading_bodies + signed:
        r = body_region(b)
        if r and r != "national" and r not in t_regions:
            t_regions.append(r)
    region_guess = _pick_region(t_regions)

    # --- issuers
    issuers: list[str] = []
    if doc_type in ("法律", "地方性法规"):
        for m in _ADOPTION.finditer(head):
            place = m.group("place")
            body = m.group("body")
            if body.startswith("全国"):
                issuers = [body]
            elif place:
                full = _PROVINCES[PLACE_NAMES[place]][0] if PLACE_NAMES[place] in _PROVINCES else place
                issuers = [full + body]
            break
    elif is_text_itself:
        named = list(heading_bodies)
        if heading and heading[1]:  # "X等七部门关于…", "十七部门关于…": the signature names them all
            named += [s for s in signed if s not in named]
        if not named:
            named = list(dict.fromkeys(signed))
        for b in named:
            full = _resolve_bare(b, region_guess, signed)
            if full and full not in issuers:
                issuers.append(full)
    elif doc_type in ("报告", "白皮书"):
        issuers = list(dict.fromkeys(b for b in signed if not re.match(r"^(?:省|市|自治区)", b)))

    # --- region
    regions = list(_title_regions(title))
    issuer_regions = [body_region(b) for b in (issuers or heading_bodies)]
    local = [r for r in issuer_regions if r and r != "national"]
    for r in local:
        if r not in regions:
            regions.append(r)
    region = _pick_region(regions)
    if region is None and not regions:
        if issuer_regions and all(r == "national" for r in issuer_regions):
            region = "national"
        elif _LAW_TITLE.match(title) and doc_type == "法律":
            region = "national"
        elif _FOREIGN.search(title):
            region = "international"

    # --- dates
    published = _published(title, head_lines, tail_lines, signatures, head, doc_type)
    adopted = None
    if is_text_itself:
        m = _ADOPTED_DATE.search(head)
        if m:
            adopted = parse_date(m.group("d") or m.group("d2") or m.group("d3") or "")
    effective: str | None = None
    valid_until: str | None = None
    if is_text_itself:
        effective = _effective(title, head, tail, text)
    effective_date = (published if effective == "on_publication" else effective)
    if is_text_itself:
        valid_until = _valid_until(head, tail, effective_date)
    if doc_type == "征求意见稿":
        effective = effective_date = None

    # --- status
    superseded_in_part_by: list[str] = []
    superseded_by: list[str] = []
    keys = {_title_key(title), *(_title_key(n) for n in _DOC_NAMES.findall(title))}
    for table, sink in ((precedence, superseded_in_part_by), (repeals, superseded_by)):
        if doc_type not in NORMATIVE:
            break  # a news item or a reading of a document is not itself superseded
        for k, v in (table or {}).items():
            if _title_key(k) in keys:
                sink.extend(x for x in v if x not in sink and (not corpus_titles or x in corpus_titles))
    today = as_of or _dt.date.today()
    if doc_type == "征求意见稿":
        status = "draft"
    elif doc_type in NORMATIVE:
        status = "in_force"
        if superseded_by:
            status = "superseded"
        elif valid_until and len(valid_until) == 10 and valid_until < today.isoformat():
            status = "expired"
    else:
        status = "unknown"

    meta: dict[str, Any] = {
        "issuers": issuers,
        "doc_number": doc_number if is_text_itself else None,
        "published": published,
        "adopted": adopted,
        "effective": effective,
        "effective_date": effective_date,
        "valid_until": valid_until,
        "doc_type": doc_type,
        "authority_level": authority_level,
        "region": region,
        "status": status,
        "superseded_in_part_by": superseded_in_part_by,
        "superseded_by": superseded_by,
    }
    log.debug("metadata %s: %s", title, meta)
    return meta


def _valid_until(head: str, tail: str, effective_date: str | None) -> str | None:
    """Last day of validity: "本…有效期至2028年12月31日", or "本…有效期N年" counted from the day it took effect."""
    for part in (tail, head):
        m = _VALIDITY.search(part)
        if m and m.group("d"):
            return parse_date(m.group("d"))
        if m and effective_date and len(effective_date) == 10:
            n = cn_to_int(m.group("n"))
            start = _dt.date.fromisoformat(effective_date)
            if n:
                try:
                    end = start.replace(year=start.year + n)
                except ValueError:  # 29 February
                    end = start.replace(year=start.year + n, day=28)
                return (end - _dt.timedelta(days=1)).isoformat()
    return None


def _find_doc_number(lines: list[str]) -> str | None:
    """The first standalone 文号 line in the head (a 令 may be split as "X令" / "第N号")."""
    nb = [x for x in lines if x][:40]
    for i, line in enumerate(nb):
        got = normalize_doc_number(line)
        if got:
            return got
        if line.endswith("令") and i + 1 < len(nb) and re.fullmatch(r"第\s*[0-9一二三四五六七八九十百零〇]+\s*号", nb[i + 1]):
            got = normalize_doc_number(line + nb[i + 1])
            if got:
                return got
    return None


def _level(title: str, doc_number: str | None, heading: tuple[list[str], bool, str] | None,
           head: str, signed: list[str]) -> str:
    """Legal rank of an official text."""
    if _LAW_TITLE.match(title):
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


def _published(title: str, head_lines: list[str], tail_lines: list[str],
               signatures: list[tuple[str, list[str]]], head: str, doc_type: str) -> str | None:
    """Issue date: a signed date, a date line under the title, a 发布时间 label, or a dated release."""
    for iso, bodies in signatures:
        if bodies:
            return iso
    hb = _nonblank(head_lines)
    for line in hb[:30]:
        iso = _is_date_line(line)
        if iso:
            return iso
    m = _PUB_LABEL.search(head)
    if m:
        return parse_date(m.group("d"))
    key = _title_key(title)
    for sent in re.split(r"[。！？\n]", head[:800]):
        dm = re.match(rf"^\s*(?P<d>{_DATE_ANY})[，,]", sent)
        if dm:
            for name in _DOC_NAMES.findall(sent):
                if _title_key(name) == key and re.search(r"发布(?:了)?《", sent):
                    return parse_date(dm.group("d"))
    if doc_type in ("报告", "白皮书"):
        for line in hb[:12]:
            lm = re.match(r"^[\u4e00-\u9fff“”\s]{4,40}?\s*(?P<d>(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月)$", line)
            if lm:
                return parse_date(lm.group("d"))
    dl = _DATELINE.search(head[:400])
    if dl:
        mo, d = int(dl.group("m")), int(dl.group("d"))
        for fm in _DATE.finditer(head):
            if fm.group("d") and int(fm.group("m")) == mo and int(fm.group("d")) == d:
                return _iso(int(fm.group("y")), mo, d)
    return None


def _effective(title: str, head: str, tail: str, text: str) -> str | None:
    """施行日期: ISO date, ``"on_publication"``, or None."""
    for part in (head, tail):
        m_date = _EFFECTIVE.search(part)
        m_pub = _ON_PUB.search(part)
        if m_date and (not m_pub or m_date.start() < m_pub.start()):
            return parse_date(m_date.group("d"))
        if m_pub:
            return "on_publication"
    # a clause in the body that names the document's own form (本法 / 本办法 …)
    form = _NORMATIVE_END.search(title)
    if form:
        word = re.sub(r"\s*[（(].*$", "", form.group())
        word = {"法": "法", "条例": "条例", "办法": "办法", "规定": "规定", "细则": "细则", "规则": "规则"}.get(word)
        if word:
            m = re.search(rf"本{word}自\s*(?P<d>{_DATE_ANY})\s*起(?:施行|实施|生效)", text)
            if m:
                return parse_date(m.group("d"))
            if re.search(rf"本{word}自(?:公布|印发|发布)之日起(?:施行|实施|生效)", text):
                return "on_publication"
    return None


# ---------------------------------------------------------------- corpus-wide relations

_PRECEDENCE = re.compile(
    r"与本(?P<f>规定|办法|条例|法|决定|细则|规则|意见|通知|措施)不一致的[，,]?\s*(?:适用本(?P=f)|以本(?P=f)为准)|"
    r"以本(?P<g>规定|办法|条例|法|决定|细则|规则)为准")
_REPEAL = re.compile(r"《[^《》]{2,60}》[^。]{0,60}(?:同时|予以|即行)废止|废止《[^《》]{2,60}》")


def _name_index(documents: Sequence[Document]) -> dict[str, str]:
    """Every name a corpus document goes by (its title, the 《…》 it issues) → its title."""
    index: dict[str, str] = {}
    for d in documents:
        index.setdefault(_title_key(d.title), d.title)
        if re.search(r"印发|发布|公布", d.title):
            for n in _DOC_NAMES.findall(d.title):
                index.setdefault(_title_key(n), d.title)
    return index


def _relations(documents: Sequence[Document], sources: dict[str, SourceText] | Sequence[SourceText],
               rx: re.Pattern[str]) -> dict[str, list[str]]:
    by_path = sources if isinstance(sources, dict) else {s.path: s for s in sources}
    index = _name_index(documents)
    out: dict[str, list[str]] = {}
    for d in documents:
        if _DRAFT.search(d.title) or d.source not in by_path:
            continue
        text = by_path[d.source].text[d.start : d.end]
        for sent in re.split(r"[。\n]", text):
            if not rx.search(sent):
                continue
            for name in _DOC_NAMES.findall(sent):
                target = index.get(_title_key(name))
                if target and target != d.title:
                    lst = out.setdefault(target, [])
                    if d.title not in lst:
                        lst.append(d.title)
                        log.info("%s: %s prevails (%s)", target, d.title, sent.strip()[:80])
    return out


def find_precedence(documents: Sequence[Document],
                    sources: dict[str, SourceText] | Sequence[SourceText]) -> dict[str, list[str]]:
    """Corpus titles → titles of corpus documents that prevail over them where they differ.

    A document prevails over the documents it names in a clause "…与本规定不一致的，适用本规定"
    or "…以本规定为准"; drafts prevail over nothing.

    >>> from ingest.types import Document, SourceText
    >>> a = "数据出境安全评估办法\\n第一条 为了规范数据出境活动，制定本办法。"
    >>> b = "促进和规范数据跨境流动规定\\n第十三条 《数据出境安全评估办法》等相关规定与本规定不一致的，适用本规定。"
    >>> src = SourceText("c.txt", a + "\\n" + b, "utf-8")
    >>> docs = [Document("a", "数据出境安全评估办法", "c.txt", 0, len(a), 1, 2, "statute"),
    ...         Document("b", "促进和规范数据跨境流动规定", "c.txt", len(a) + 1, len(a) + 1 + len(b), 3, 4, "statute")]
    >>> find_precedence(docs, [src])
    {'数据出境安全评估办法': ['促进和规范数据跨境流动规定']}
    """
    return _relations(documents, sources, _PRECEDENCE)


def find_repeals(documents: Sequence[Document],
                 sources: dict[str, SourceText] | Sequence[SourceText]) -> dict[str, list[str]]:
    """Corpus titles → titles of corpus documents that repeal them ("《X》同时废止").

    >>> find_repeals([], [])
    {}
    """
    return _relations(documents, sources, _REPEAL)


__all__ = ["extract_metadata", "find_precedence", "find_repeals", "parse_date", "normalize_doc_number",
           "split_bodies", "body_region", "DOC_NUMBER_RE", "DOC_TYPES"]

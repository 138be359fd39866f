"""Issuing bodies: names of national and local bodies, split from a run of names, found in a heading
("X关于…", "X等七部门关于…"), on a signature block above a date, or in a law's adoption line; a body's
region; a body named without its place ("省人民政府") made whole."""

from __future__ import annotations

import re
from functools import lru_cache

from .dates import is_date_line
from .places import FULL_PLACE_ALT, PLACE_NAMES, PROVINCES, SPECIAL_REGIONS

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

_NAT_ALT = "|".join(map(re.escape, sorted(NATIONAL_BODIES, key=len, reverse=True)))
_LOCAL_SUFFIX = (r"(?:人民政府办公厅|人民政府办公室|人民政府|政府办公厅|政府|办公厅|办公室|委员会|网信办|管理委员会|"
                 r"管委会|领导小组办公室|领导小组|行署|厅|局|委|中心)")
_MID = rf"(?:(?!{FULL_PLACE_ALT}|中共|政府)[\u4e00-\u9fff“”])" + "{0,16}?"
_LOCAL = (rf"(?:中共(?:{FULL_PLACE_ALT})(?:委|党委)(?:{_MID}{_LOCAL_SUFFIX})?"
          rf"|(?:{FULL_PLACE_ALT}|省|市|自治区)(?:人民代表大会常务委员会|人大常委会|{_MID}{_LOCAL_SUFFIX}))")
_GENERIC = r"[\u4e00-\u9fff“”]{2,20}?(?:部|委|院|局|厅|署|办公室|办公厅|委员会|人民政府|中心|科协|网信办|银行)"
_NAT_RE = re.compile(f"(?:{_NAT_ALT})")
_LOCAL_RE = re.compile(_LOCAL)
_GENERIC_RE = re.compile(_GENERIC)
_MULTI = re.compile(r"(?:等)?[一二三四五六七八九十\d]*(?:个)?部门$")
_HEADING = re.compile(r"^(?P<prefix>[^，。：:；|《》]{0,90}?)\s*(?P<rest>(?:关于|印发).+)$")
_PERSON_LINE = re.compile(r"^(?P<body>.+?)(?:主任|副主任|部长|局长|署长|主席|委员长|省长|市长|主任委员|书记)?"
                          r"[\s\u3000]+(?P<name>[\u4e00-\u9fff·]{2,4})$")
ADOPTION = re.compile(
    r"(?:中华人民共和国)?(?P<place>" + FULL_PLACE_ALT + r")?第[一二三四五六七八九十]+届"
    r"(?P<body>全国人民代表大会常务委员会|全国人民代表大会|人民代表大会常务委员会)"
    r"第[一二三四五六七八九十百]+次会议[^。]{0,30}?通过")


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


def signature_blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(date, bodies) for each date line; bodies are the signature lines just above it (maybe none)."""
    out = []
    for i, line in enumerate(lines):
        iso = is_date_line(line)
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


def heading_issuers(line: str) -> tuple[list[str], bool, str] | None:
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


def resolve_bare(body: str, region: str | None, signed: list[str]) -> str | None:
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
        full = PROVINCES[region][0] if region in PROVINCES else region
        if full.endswith(level):
            return f"{party}{full}{rest}"
    return None


def find_issuers(doc_type: str, is_text_itself: bool, head: str, heading: tuple[list[str], bool, str] | None,
                 signed: list[str], region_guess: str | None) -> list[str]:
    """The issuers of a document of ``doc_type``: a law's or local regulation's adopting congress, an
    official text's heading bodies (or its signatories), a report's or white paper's signatories."""
    heading_bodies = heading[0] if heading else []
    issuers: list[str] = []
    if doc_type in ("法律", "地方性法规"):
        for m in ADOPTION.finditer(head):
            place = m.group("place")
            body = m.group("body")
            if body.startswith("全国"):
                issuers = [body]
            elif place:
                full = PROVINCES[PLACE_NAMES[place]][0] if PLACE_NAMES[place] in PROVINCES else place
                issuers = [full + body]
            break
    elif is_text_itself:
        named = list(heading_bodies)
        if heading and heading[1]:  # "X等七部门关于…", "十七部门关于…": the signature names them all
            named += [s for s in signed if s not in named]
        if not named:
            named = list(dict.fromkeys(signed))
        for b in named:
            full = resolve_bare(b, region_guess, signed)
            if full and full not in issuers:
                issuers.append(full)
    elif doc_type in ("报告", "白皮书"):
        issuers = list(dict.fromkeys(b for b in signed if not re.match(r"^(?:省|市|自治区)", b)))
    return issuers

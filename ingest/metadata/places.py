"""Places: every spelling of a province, city or special region, the regions a title names, and one
region picked from several."""

from __future__ import annotations

import re

# canonical region → full administrative name, and the short forms met in titles
PROVINCES: dict[str, tuple[str, tuple[str, ...]]] = {
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
CITIES: dict[str, str] = {
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
FOREIGN = re.compile(r"美国|美众议院|美参议院|美联邦|欧盟|欧洲|英国|日本|德国|法国|韩国|新加坡|印度|俄罗斯|"
                      r"澳大利亚|加拿大|联合国")


def _place_names() -> dict[str, str]:
    """Every spelling of a place → canonical region (longest spellings first)."""
    names: dict[str, str] = {}
    for canon, (full, shorts) in PROVINCES.items():
        names[full] = canon
        names[canon] = canon
        for s in shorts:
            if len(s) >= 2:
                names[s] = canon
    for city in CITIES:
        names[city] = city
        names[city[:-1]] = city
    return dict(sorted(names.items(), key=lambda kv: -len(kv[0])))


PLACE_NAMES = _place_names()
PLACE_ALT = "|".join(map(re.escape, PLACE_NAMES))
FULL_PLACE_ALT = "|".join(
    map(re.escape, sorted({n for n, c in PLACE_NAMES.items() if n.endswith(("省", "市", "自治区", "政府", "特区"))
                           or n in ("内蒙古", "广西", "西藏", "宁夏", "新疆")}, key=len, reverse=True)))
_PLACE_RE = re.compile(PLACE_ALT)


def title_regions(title: str) -> list[str]:
    """Canonical regions named in a title (bylines like "…广州报道" left out).

    Only a title's first 300 characters are read (the longest real title is under 100): the
    byline patterns are quadratic in length, and a "title" of thousands is a file without lines.
    """
    title = title[:300]
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


def pick_region(regions: list[str]) -> str | None:
    """One region from several: a special region wins, a city beats its own province."""
    if not regions:
        return None
    specials = [r for r in regions if r in SPECIAL_REGIONS]
    if specials:
        return specials[0] if len(set(specials)) == 1 else None
    cities = {r for r in regions if r in CITIES}
    rest = {r for r in regions if r not in CITIES}
    if len(cities) == 1:
        city = next(iter(cities))
        if all(r == CITIES[city] for r in rest):
            return city
        return None
    if not cities and len(rest) == 1:
        return next(iter(rest))
    return None

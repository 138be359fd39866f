"""Form values → typed objects: the filter panel and its choices.

>>> make_filters(["部门规章"], [], ["in_force"], "2022", "2024-03").date_to
'2024-03-31'
>>> parse_date("2024-2-30", "date_from")
Traceback (most recent call last):
...
ValueError: 起始日期“2024-2-30”不是有效日期：请写成 2024-03-01、2024-03 或 2024
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .render import region_label, status_label

if TYPE_CHECKING:  # pragma: no cover
    from retrieval.filters import Filters
    from ingest.types import Document

_DATE = re.compile(r"^(\d{4})(?:[-./年](\d{1,2})(?:[-./月](\d{1,2})日?)?月?)?$")
_FIELD_ZH = {"date_from": "起始日期", "date_to": "截止日期"}


def parse_date(value: str | None, field: str) -> str | None:
    """A typed date as ISO ``YYYY-MM-DD``; a year or month stands for its first day (``date_from``)
    or its last (``date_to``). Empty → None."""
    text = (value or "").strip()
    if not text:
        return None
    m = _DATE.match(text)
    try:
        if not m:
            raise ValueError
        y, mo, d = int(m.group(1)), m.group(2), m.group(3)
        end = field == "date_to"
        month = int(mo) if mo else (12 if end else 1)
        day = int(d) if d else (calendar.monthrange(y, month)[1] if end else 1)
        return dt.date(y, month, day).isoformat()
    except ValueError:
        raise ValueError(f"{_FIELD_ZH.get(field, field)}“{text}”不是有效日期：请写成 2024-03-01、2024-03 或 2024") from None


def make_filters(doc_types: Sequence[str] | None = None, regions: Sequence[str] | None = None,
                 statuses: Sequence[str] | None = None, date_from: str | None = None,
                 date_to: str | None = None) -> "Filters":
    """The retrieval filters for the panel's values; raises ValueError (in Chinese) on a bad date."""
    from retrieval.filters import Filters
    from retrieval.jurisdictions import CODE

    lo, hi = parse_date(date_from, "date_from"), parse_date(date_to, "date_to")
    if lo and hi and lo > hi:
        raise ValueError(f"起始日期 {lo} 晚于截止日期 {hi}")
    # 地区 lists Chinese places and, where the corpus holds foreign law, jurisdictions by code (CN, SG, EU)
    places = [r for r in regions or () if not CODE.match(r)]
    codes = [r for r in regions or () if CODE.match(r)]
    return Filters(doc_types=frozenset(doc_types or ()), regions=frozenset(places), jurisdictions=frozenset(codes),
                   statuses=frozenset(statuses or ()), date_from=lo, date_to=hi)


def filters_dict(f: "Filters") -> dict[str, Any]:
    """The non-empty fields of a Filters, JSON-ready (for feedback records and exports)."""
    out: dict[str, Any] = {}
    for name in ("doc_ids", "doc_types", "regions", "jurisdictions", "languages", "statuses", "issuers"):
        value = getattr(f, name, None)
        if value:
            out[name] = sorted(value)
    for name in ("date_from", "date_to"):
        if getattr(f, name, None):
            out[name] = getattr(f, name)
    return out


def filter_choices(documents: Iterable["Document"]) -> dict[str, list[tuple[str, str]]]:
    """(label, value) choices for each filter, most frequent first, from the documents' metadata."""
    from retrieval.jurisdictions import CODE

    docs = list(documents)
    types = Counter(str(d.metadata.get("doc_type")) for d in docs if d.metadata.get("doc_type"))
    regions = Counter(str(d.metadata.get("region")) for d in docs if d.metadata.get("region"))
    statuses = Counter(str(d.metadata.get("status") or "unknown") for d in docs)

    def ordered(c: Counter[str], label) -> list[tuple[str, str]]:
        return [(f"{label(v)}（{n}）", v) for v, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))]

    # a foreign law's region is its jurisdiction's code (SG, EU): 境外：新加坡; where the corpus holds
    # any, 法域：中国 chooses every Chinese document at once
    places = ordered(regions, lambda v: f"境外：{region_label(v)}" if CODE.match(v) else region_label(v))
    juris = Counter(str(d.metadata.get("jurisdiction")) for d in docs if d.metadata.get("jurisdiction"))
    if len(juris) > 1 and juris["CN"]:
        places.insert(0, (f"法域：中国（{juris['CN']}）", "CN"))
    return {"doc_types": ordered(types, lambda v: "未分类" if v == "unknown" else v),
            "regions": places,
            "statuses": ordered(statuses, status_label)}

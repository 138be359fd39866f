"""Document metadata read from the document's own words: issuers, 文号, dates, type, level, region, status.

Every rule is general (issuing-body names, date and 文号 patterns, signature blocks) and
reads the title, the first ~1500 and the last ~800 characters of the document. A rule
that is not sure returns ``None`` / ``"unknown"``: unknown is a valid answer, a wrong
one is a bug.

One module per thing read: :mod:`.places` (regions), :mod:`.dates`, :mod:`.numbers` (文号),
:mod:`.issuers` (issuing bodies, signatures), :mod:`.doctype` (document type and legal rank),
:mod:`.relations` (precedence, repeal, supersession, status), :mod:`.versions` (an amended text beside
the text it amends: which is current); :mod:`.extract` puts them together
for one document (:func:`extract_metadata`), :mod:`.common` holds what they share. The dict it
returns is what :attr:`ingest.types.Document.metadata` stores; :attr:`ingest.types.Document.meta`
reads it as a typed :class:`~ingest.types.DocumentMetadata`.

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

from ..types import DocumentMetadata
from .dates import parse_date
from .doctype import DOC_TYPES, NORMATIVE
from .extract import HEAD_CHARS, TAIL_CHARS, extract_metadata
from .issuers import NATIONAL_BODIES, body_region, split_bodies
from .numbers import DOC_NUMBER_RE, normalize_doc_number
from .places import PLACE_NAMES, SPECIAL_REGIONS
from .relations import find_precedence, find_repeals
from .versions import Version, find_versions, version_key

__all__ = ["extract_metadata", "find_precedence", "find_repeals", "find_versions", "Version", "version_key",
           "parse_date", "normalize_doc_number",
           "split_bodies", "body_region", "DOC_NUMBER_RE", "DOC_TYPES", "NORMATIVE", "PLACE_NAMES",
           "SPECIAL_REGIONS", "NATIONAL_BODIES", "HEAD_CHARS", "TAIL_CHARS", "DocumentMetadata"]

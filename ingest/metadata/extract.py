"""The metadata of one document, read from its own words: each aspect is found by its module
(:mod:`.doctype`, :mod:`.issuers`, :mod:`.places`, :mod:`.dates`, :mod:`.numbers`, :mod:`.relations`)
and put together here as the dict a :class:`~ingest.types.Document` stores."""

from __future__ import annotations

import datetime as _dt
import logging
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .common import nonblank, read_lines
from .dates import find_adopted, find_effective, find_published, find_valid_until
from .doctype import (LAW_TITLE, NEWS_ABOUT, NEWS_LEAD, NORMATIVE, REPORT_BODY, SELF_REF, find_doc_type, news_title,
                      official_title)
from .issuers import body_region, find_issuers, heading_issuers, signature_blocks
from .numbers import find_doc_number
from .places import FOREIGN, PLACE_ALT, pick_region, title_regions
from .relations import find_status, find_superseding

if TYPE_CHECKING:  # pragma: no cover
    from ..types import Document, SourceText
    from .versions import Version

log = logging.getLogger(__name__)

HEAD_CHARS = 1500
TAIL_CHARS = 800


def extract_metadata(
    doc: Document,
    source: SourceText,
    corpus_titles: Sequence[str] = (),
    precedence: dict[str, list[str]] | None = None,
    repeals: dict[str, list[str]] | None = None,
    as_of: _dt.date | None = None,
    versions: Mapping[str, Version] | None = None,
) -> dict[str, Any]:
    """Metadata of ``doc`` read from its own text (see :mod:`ingest.metadata` for an example).

    Keys: ``issuers`` (list), ``doc_number``, ``published``, ``adopted``, ``effective``
    (ISO date or ``"on_publication"``), ``effective_date``, ``valid_until``, ``doc_type``,
    ``authority_level``, ``region``, ``status`` and ``superseded_in_part_by`` /
    ``superseded_by`` (lists). ``precedence`` and ``repeals`` come from
    :func:`find_precedence` and :func:`find_repeals` over the whole corpus; ``as_of``
    (default today) decides whether an explicit 有效期至 date has passed.

    ``versions`` (from :func:`~ingest.metadata.versions.find_versions` over the whole corpus) places
    the document among the versions of its rule: a document with another version in the corpus has ``version_date`` and ``versions``
    (ids, oldest first); an earlier one also ``current_version`` and ``current_version_title``
    (the latest version) and status ``superseded`` (None / empty for any other document).
    """
    text = source.text[doc.start : doc.end]
    title = doc.title.strip()
    head, tail = text[:HEAD_CHARS], text[-TAIL_CHARS:]
    head_lines, tail_lines = read_lines(head), read_lines(tail)
    hb = nonblank(head_lines)
    body_lines = hb[1:] if hb else []
    body_start = "\n".join(body_lines[:8])

    # --- headings: the title, or an official heading inside the first lines
    heading = heading_issuers(title.replace("\u3000", " "))
    embedded: tuple[list[str], bool, str] | None = None
    for k in range(min(8, len(hb))):
        for cand in (hb[k], hb[k] + (hb[k + 1] if k + 1 < len(hb) else "")):
            h = heading_issuers(cand)
            if h and h[0] and official_title(h[2]) and not news_title(cand):
                embedded = h
                break
        if embedded:
            break
    if embedded and (heading is None or (not heading[0] and not heading[1])):
        heading = embedded

    title_official = official_title(title) and not news_title(title)
    if heading and not official_title(heading[2]):
        title_official = False
    doc_number = find_doc_number(head_lines)
    signatures = signature_blocks(head_lines) + signature_blocks(tail_lines)
    signed = [b for _, bodies in signatures for b in bodies]
    self_ref = bool(SELF_REF.search("\n".join(body_lines[:40])))
    news_lead = bool(body_lines and NEWS_LEAD.match(body_lines[0]))
    news_about = news_lead or bool(NEWS_ABOUT.search(body_start))
    report_body = bool(REPORT_BODY.search("\n".join(body_lines[:60])))
    starts_with_place = bool(re.match(PLACE_ALT, title)) or title.startswith("关于")

    official = bool(
        doc_number
        or (embedded is not None)
        or (title_official and (heading is not None or starts_with_place or self_ref or signed))
        or (LAW_TITLE.match(title) and doc.kind == "statute")
    ) and not (news_about and not doc_number and embedded is None and not self_ref)

    # --- doc_type
    doc_type = find_doc_type(title, official=official, doc_number=doc_number, heading=heading, head=head, tail=tail,
                             signed=signed, body_start=body_start, news_lead=news_lead, report_body=report_body)
    authority_level = doc_type if doc_type in NORMATIVE else "unknown"
    is_text_itself = doc_type in NORMATIVE or doc_type == "征求意见稿"

    # --- region (needed to resolve bare bodies like 省人民政府)
    t_regions = title_regions(title)
    heading_bodies = heading[0] if heading else []
    for b in heading_bodies + signed:
        r = body_region(b)
        if r and r != "national" and r not in t_regions:
            t_regions.append(r)
    region_guess = pick_region(t_regions)

    # --- issuers
    issuers = find_issuers(doc_type, is_text_itself, head, heading, signed, region_guess)
    issuer_basis = None
    if not issuers and doc_type == "法律" and LAW_TITLE.match(title):
        # a national law whose text carries no adoption line: 立法法 gives national laws to the NPC and
        # its Standing Committee, which makes all but the basic laws; said to be inferred wherever shown
        issuers, issuer_basis = ["全国人民代表大会常务委员会"], "inferred"

    # --- region
    regions = list(title_regions(title))
    issuer_regions = [body_region(b) for b in (issuers or heading_bodies)]
    local = [r for r in issuer_regions if r and r != "national"]
    for r in local:
        if r not in regions:
            regions.append(r)
    region = pick_region(regions)
    if region is None and not regions:
        if issuer_regions and all(r == "national" for r in issuer_regions):
            region = "national"
        elif LAW_TITLE.match(title) and doc_type == "法律":
            region = "national"
        elif FOREIGN.search(title):
            region = "international"

    # --- dates
    published = find_published(title, head_lines, tail_lines, signatures, head, doc_type)
    adopted = find_adopted(head) if is_text_itself else None
    effective: str | None = None
    valid_until: str | None = None
    if is_text_itself:
        effective = find_effective(title, head, tail, text)
    effective_date = (published if effective == "on_publication" else effective)
    if is_text_itself:
        valid_until = find_valid_until(head, tail, effective_date)
    if doc_type == "征求意见稿":
        effective = effective_date = None

    # --- status
    superseded_in_part_by, superseded_by = find_superseding(title, doc_type, corpus_titles, precedence, repeals)
    version = (versions or {}).get(doc.id)
    historical = version is not None and version.historical and doc_type in NORMATIVE
    status = find_status(doc_type, superseded_by, valid_until, as_of, historical=historical)

    meta: dict[str, Any] = {
        "issuers": issuers,
        "issuer_basis": issuer_basis,
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
    meta.update({"version_date": version.date if version else None,
                 "versions": list(version.versions) if version else [],
                 "current_version": version.current if historical and version else None,
                 "current_version_title": version.current_title if historical and version else None})
    log.debug("metadata %s: %s", title, meta)
    return meta

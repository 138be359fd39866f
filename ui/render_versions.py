"""The versions of one rule side by side in 文件库: for a document whose corpus holds another version
(an amended law beside the text it amends, ``metadata["versions"]``), each article beside what it
became in the other version — the same, reworded, renumbered, new or gone (:mod:`qa.versions`).
All text is escaped."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

from qa.versions import ArticlePair, align_versions

from .render import esc, esc_text

if TYPE_CHECKING:  # pragma: no cover
    from ingest.types import Document


class _Pair:
    """Two documents, hashed by their ids (a document itself is not hashable): the cache's key."""

    def __init__(self, old: "Document", new: "Document") -> None:
        self.old, self.new, self.key = old, new, (old.id, new.id, len(old.clauses), len(new.clauses))

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Pair) and other.key == self.key


@functools.lru_cache(maxsize=16)
def _aligned(pair: _Pair) -> tuple[ArticlePair, ...]:
    """Aligning two long laws takes most of a second: once per pair of versions."""
    return tuple(align_versions(pair.old, pair.new))


def other_versions(doc: "Document", docs: Mapping[str, "Document"]) -> list["Document"]:
    """The other versions of ``doc``'s rule in the corpus, oldest first."""
    return [docs[i] for i in doc.meta.versions if i != doc.id and i in docs]


def _date(doc: "Document") -> str:
    return doc.meta.version_date or "日期不详"


def render_versions(doc: "Document", docs: Mapping[str, "Document"], clause_id: str | None = None) -> str:
    """A collapsed 版本对照 block for each other version of ``doc``'s rule ("" when there is none):
    the earlier text on the left, the later on the right, one row per article; ``clause_id``'s row
    is marked and open. Unchanged articles are folded into a count."""
    out = []
    for other in other_versions(doc, docs):
        old, new = sorted((doc, other), key=_date)
        pairs = _aligned(_Pair(old, new))
        changed = [p for p in pairs if p.changed]
        same = len(pairs) - len(changed)
        # every changed article, and the opened one even where its words stayed (renumbered, or not)
        rows = "".join(_row(p, clause_id) for p in pairs if p.changed or _holds(p, clause_id))
        mark = any(_holds(p, clause_id) for p in pairs)
        out.append(
            f"<details class='pq-versions'{' open' if mark else ''}><summary>版本对照：{esc(_date(old))} 版 ↔ "
            f"{esc(_date(new))} 版（{len(changed)} 处不同，{same} 条相同）</summary>"
            f"<table class='pq-versions-table'><thead><tr><th scope='col'>{esc(_date(old))} 版</th>"
            f"<th scope='col'>{esc(_date(new))} 版</th></tr></thead><tbody>{rows}</tbody></table></details>")
    return "".join(out)


def _holds(p: ArticlePair, clause_id: str | None) -> bool:
    return clause_id is not None and clause_id in (p.old and p.old.id, p.new and p.new.id)


def _row(p: ArticlePair, clause_id: str | None) -> str:
    here = _holds(p, clause_id)
    kind = "新增" if p.old is None else "删除" if p.new is None else "改写" if p.changed else "未改（序号可能变了）"
    cells = "".join(f"<td>{esc_text(c.text) if c is not None else '<span class=pq-muted>（无）</span>'}</td>"
                    for c in (p.old, p.new))
    return f"<tr class='pq-version-row{' pq-here' if here else ''}' data-kind='{kind}'>{cells}</tr>"

"""The versions of one rule side by side in 文件库: for a document whose corpus holds another version
(an amended law beside the text it amends, ``metadata["versions"]``), each article beside what it
became in the other version — the same, reworded, renumbered, new or gone (:mod:`qa.versions`); and
for a rule that a later, different rule repeals or prevails over (``superseded_by`` /
``superseded_in_part_by``), each article of the older beside the newer's article on the same matter
(:func:`qa.versions.match_matters`), with a link that opens it. All text is escaped."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ingest.titles import book
from qa.precedence import precedence_clause
from qa.versions import ArticlePair, align_versions, match_matters

from .corpus_view import CorpusView
from .render import esc, esc_text

if TYPE_CHECKING:  # pragma: no cover
    from ingest.types import Clause, Document


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


# -- a rule beside the later rule that prevails over it ----------------------------------------
def prevailing_pairs(doc: "Document", docs: Mapping[str, "Document"]) -> list[tuple["Document", "Document", bool]]:
    """(older, newer, whole) for each later rule in the corpus that repeals ``doc`` (``whole``) or
    prevails over it where they differ, and for each earlier rule ``doc`` so treats."""
    by_title: dict[str, Document] = {}
    for d in docs.values():
        by_title.setdefault(d.title, d)
    out = []
    for titles, whole in ((doc.meta.superseded_by, True), (doc.meta.superseded_in_part_by, False)):
        out += [(doc, by_title[t], whole) for t in titles if t in by_title and by_title[t].id != doc.id]
    for d in docs.values():
        if d.id != doc.id and doc.title in (*d.meta.superseded_by, *d.meta.superseded_in_part_by):
            out.append((d, doc, doc.title in d.meta.superseded_by))
    return out


@functools.lru_cache(maxsize=16)
def _matched(pair: _Pair, view: CorpusView) -> tuple[ArticlePair, ...]:
    """The articles of an older and a newer rule matched by matter, by their words and, where the
    index gives their vectors back, by their embeddings too."""
    older = [c for c in pair.old.clauses if c.level == "条"]
    newer = [c for c in pair.new.clauses if c.level == "条"]
    a, b = view.article_vectors(older), view.article_vectors(newer)
    return tuple(match_matters(older, newer, dense=a @ b.T if a is not None and b is not None else None))


def render_prevailing(doc: "Document", view: CorpusView, clause_id: str | None = None) -> str:
    """A collapsed 新旧规定对照 block for each rule pair :func:`prevailing_pairs` finds ("" when none):
    the older rule's articles on the left, the newer's on the same matter on the right, each with a
    link that opens it; open with ``clause_id``'s row marked when that article is in the pair (and
    said to have no counterpart when it has none)."""
    out = []
    for older, newer, whole in prevailing_pairs(doc, view.docs):
        pairs = _matched(_Pair(older, newer), view)
        matched = [p for p in pairs if p.new is not None]
        here = next((p for p in pairs if _holds(p, clause_id)), None)
        if here is None and clause_id:  # the opened article of the newer rule that no older one matched
            opened = view.clauses.get(clause_id)
            if opened is not None and opened.doc_id == newer.id and opened.level == "条":
                here = ArticlePair(None, opened, 0.0)
        rows = [p for p in matched if p is not here]
        if here is not None:
            rows.insert(0, here)
        how = "后者已废止前者" if whole else "二者不一致的，适用后者"
        clause = precedence_clause(newer, older.title)
        why = f"，见{esc(book(newer.title))}{esc(clause.number)}" if clause is not None and clause.number else ""
        body = "".join(_matter_row(p, p is here) for p in rows)
        out.append(
            f"<details class='pq-versions pq-prevailing'{' open' if here is not None else ''}>"
            f"<summary>新旧规定对照：{esc(book(older.title))}→{esc(book(newer.title))}（{how}{why}；"
            f"{len(matched)} 条内容相当）</summary>"
            f"<table class='pq-versions-table'><thead><tr><th scope='col'>{esc(book(older.title))}</th>"
            f"<th scope='col'>{esc(book(newer.title))}（优先适用）</th></tr></thead><tbody>{body}</tbody></table>"
            "<p class='pq-muted'>按条文内容配对：两条彼此最相近（字词与语义两种相似度一致）才列为同一事项。"
            "未列出的旧条款，新规定中没有相当的条款。</p></details>")
    return "".join(out)


def _matter_cell(c: "Clause | None", side: str) -> str:
    if c is None:
        return f"<td><span class='pq-muted'>{side}中没有内容相当的条款</span></td>"
    link = (f"<a class='pq-open-doc' href='#' data-open-doc='{esc(c.doc_id)}' data-clause='{esc(c.id)}' "
            f"data-start='{c.start}' data-end='{c.end}'>打开{esc(c.number or c.label)}</a>")
    return f"<td>{esc_text(c.text)}<div class='pq-where'>{link}</div></td>"


def _matter_row(p: ArticlePair, here: bool) -> str:
    kind = "无对应" if p.old is None or p.new is None else "内容相当"
    return (f"<tr class='pq-version-row{' pq-here' if here else ''}' data-kind='{kind}'>"
            f"{_matter_cell(p.old, '旧规定')}{_matter_cell(p.new, '新规定')}</tr>")

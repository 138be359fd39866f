"""The corpus' document titles, and the documents and the article a question names by them.

A question names a document by its title or by most of it ("数据跨境流动规定" for
《促进和规范数据跨境流动规定》), and an article by a title and 第N条
("个人信息保护法第二十八条", "第三十条第二款").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.text import char_bigrams, cn_to_int
from ingest.titles import title_key
from ingest.types import Document

from .normalise import ARTICLE_REF
from .types import ArticleRef

_PARAGRAPH_REF = re.compile(r"^\s*第\s*([0-9一二三四五六七八九十]+)\s*款")
_DRAFT = re.compile(r"征求意见稿|意见稿|草案|送审稿|征求意见")
_ITEM_REF = re.compile(r"第?\s*[（(]?\s*([0-9一二三四五六七八九十]+)\s*[)）]?\s*项")


def asks_for_draft(text: str) -> bool:
    """Whether a question asks about a draft for comment (征求意见稿, 草案, 送审稿…).

    >>> asks_for_draft("草案对委托处理怎么规定"), asks_for_draft("条例对委托处理怎么规定")
    (True, False)
    """
    return bool(_DRAFT.search(text))


class Titles:
    """Every title and subject title of the indexed documents, ready to be matched in a question.

    ``min_overlap`` is the share of a long title's character bigrams a question must contain to
    name it (:meth:`named`).
    """

    def __init__(self, documents: Sequence[Document], min_overlap: float = 0.75) -> None:
        if not 0.0 < min_overlap <= 1.0:
            raise ValueError("min_overlap must be in (0, 1]")
        self.min_overlap = min_overlap
        names = [(d.title, d.id) for d in documents]
        names += [(t, d.id) for d in documents for t in d.metadata.get("subject_titles", [])]
        self.titles = [t for t, _ in names]  # every title and subject title, as printed
        self._keys = sorted(((title_key(t), doc_id) for t, doc_id in names), key=lambda t: -len(t[0]))
        self._bigrams = [(key, doc_id, char_bigrams(key)) for key, doc_id in self._keys if len(key) >= 4]
        # a draft for comment shares its rule's title key (the 征求意见稿 is not part of a title's key)
        self._draft = {d.id: d.metadata.get("doc_type") == "征求意见稿" or d.metadata.get("status") == "draft"
                       for d in documents}

    def article(self, query: str) -> ArticleRef | None:
        """The document(s) and article a query names ("个人信息保护法第二十八条"), if any."""
        m = ARTICLE_REF.search(query)
        n = cn_to_int(m.group(1)) if m else None
        if not m or not n:
            return None
        q = title_key(query)
        matches = [(key, doc_id) for key, doc_id in self._keys if len(key) >= 4 and key in q]
        if not matches:
            return None
        best = len(matches[0][0])  # the longest title named wins (数据安全法 inside 网络数据安全管理条例…)
        keys = {d: k for k, d in matches if len(k) == best}
        doc_ids = tuple(self._rule_or_draft(list(keys), keys, query))
        item = _ITEM_REF.search(query[m.end():])
        para = _PARAGRAPH_REF.match(query[m.end():])
        return ArticleRef(doc_ids, n, cn_to_int(item.group(1)) if item else None,
                          cn_to_int(para.group(1)) if para else None)

    def named(self, query: str) -> list[str]:
        """Documents the query names by their title, or by most of it: the share of the title's
        character bigrams found in the query is at least ``min_overlap``; only the best-covered
        titles count."""
        qkey = title_key(query)
        q = char_bigrams(qkey)
        if not q:
            return []
        scored: dict[str, float] = {}
        keys: dict[str, str] = {}
        for key, doc_id, grams in self._bigrams:
            # a short title ("数据安全法") must appear whole: most of it is a common phrase ("数据安全")
            # and a long one is named only with its kind of document (…办法, …方案): "数据出境安全评估"
            # is a procedure, "数据出境安全评估办法" a document
            if len(grams) < 8:
                share = float(key in qkey)
            else:
                share = len(grams & q) / len(grams) if key[-2:] in q else 0.0
            if share >= self.min_overlap and share > scored.get(doc_id, 0.0):
                scored[doc_id], keys[doc_id] = share, key
        if not scored:
            return []
        best = max(scored.values())
        named = [d for d, share in sorted(scored.items(), key=lambda kv: -kv[1]) if share >= best - 0.05]
        return self._rule_or_draft(named, keys, query)

    def _rule_or_draft(self, doc_ids: Sequence[str], keys: dict[str, str], query: str) -> list[str]:
        """``doc_ids`` (each named by title ``keys[id]``) with, of a rule and its draft named by one title,
        the draft when the query says it asks about a draft (征求意见稿, 草案…), else the rule."""
        wants_draft = asks_for_draft(query)
        drafts = {keys[d] for d in doc_ids if self._draft.get(d)}
        rules = {keys[d] for d in doc_ids if not self._draft.get(d)}
        return [d for d in doc_ids if keys[d] not in drafts & rules or self._draft.get(d) == wants_draft]

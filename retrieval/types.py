"""What retrieval returns: :class:`Hit` (one chunk, its fused score and each ranker's rank),
:class:`ArticleRef` (an article a question names) and :class:`Retrieval` (the parsed question
with its hits, best first)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, overload

from ingest.types import Chunk

if TYPE_CHECKING:
    from .query import Query


@dataclass
class Hit:
    """One retrieved chunk with its fused score and the rank each ranker gave it."""

    chunk: Chunk
    score: float
    rank: int
    ranks: dict[str, int] = field(default_factory=dict)
    prevails_over: str | None = None  # the chunk id of an older rule's clause this one was moved above


@dataclass(frozen=True)
class ArticleRef:
    """An article named in a query: the documents it may belong to, its number, and a 项."""

    doc_ids: tuple[str, ...]
    article: int
    item: int | None = None
    paragraph: int | None = None

    def in_article(self, clause_id: str) -> bool:
        """Whether a clause id (``doc:t13.k1.x2``) lies in the named article."""
        return clause_id.split(":", 1)[-1].split(".")[0] == f"t{self.article}"

    def names(self, clause_id: str) -> bool:
        """Whether a clause id is (inside) the 款 and/or 项 the query names.

        >>> ref = ArticleRef(("d",), 66, paragraph=2)
        >>> ref.names("d:t66.k2"), ref.names("d:t66.k1"), ArticleRef(("d",), 66).names("d:t66")
        (True, False, False)
        """
        if (self.item is None and self.paragraph is None) or not self.in_article(clause_id):
            return False
        parts = clause_id.split(":", 1)[-1].split(".")
        return ((self.item is None or f"x{self.item}" in parts)
                and (self.paragraph is None or f"k{self.paragraph}" in parts))


class Retrieval(Sequence[Hit]):
    """The hits of one search, best first, with the :class:`~retrieval.query.Query` they answer.

    It is a sequence of its hits (``retrieval[0]``, ``retrieval[:5]``, ``len``), so a caller
    that only wants the hits reads it as a list.
    """

    def __init__(self, query: Query, hits: list[Hit]) -> None:
        self.query = query
        self.hits = hits

    @overload
    def __getitem__(self, i: int) -> Hit: ...
    @overload
    def __getitem__(self, i: slice) -> list[Hit]: ...

    def __getitem__(self, i: int | slice) -> Hit | list[Hit]:
        return self.hits[i]

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __repr__(self) -> str:
        return f"Retrieval({self.query.text!r}, {len(self.hits)} hits)"

"""BM25 over stored tokens: the token table kept with every index version, and a bm25s index built
from it in a few vectorised passes.

bm25s cannot add documents to an index, so an update re-indexes every chunk. Doing that from
Python lists (as ``bm25s.BM25.index`` does) costs minutes and gigabytes at 10^6 chunks; from a
:class:`TokenTable` (token ids in one int32 array) it is a few scipy.sparse operations. The result is a plain
``bm25s.BM25`` (Lucene BM25, k1=1.2, b=0.5: see :data:`B`) with the same scores ``bm25s.BM25.index`` computes
(``tests/test_index.py`` compares them), saved and loaded by bm25s.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)

EMPTY = "\u2400"  # stands for a chunk without tokens: bm25s needs one, no query contains it
# b below Lucene's 0.75: a long article (a list of items, an annex) is not pushed under short ones
# that share one query word; tuned on the dev questions (scripts/bench_retrieval.py)
K1, B = 1.2, 0.5


@dataclass
class TokenTable:
    """The BM25 tokens of each chunk: chunk ``i`` is ``vocab[ids[offsets[i]:offsets[i + 1]]]``.

    >>> t = TokenTable.from_lists([["数据", "出境"], [], ["数据"]])
    >>> t.to_lists(), len(t)
    ([['数据', '出境'], [], ['数据']], 3)
    >>> t.take([2, 0]).concat(TokenTable.from_lists([["评估"]])).to_lists()
    [['数据'], ['数据', '出境'], ['评估']]
    """

    vocab: list[str]
    ids: np.ndarray  # int32, all chunks' token ids one after the other
    offsets: np.ndarray  # int64, len(chunks) + 1

    def __post_init__(self) -> None:
        if len(self.offsets) == 0 or self.offsets[0] != 0 or self.offsets[-1] != len(self.ids):
            raise ValueError("token table offsets must run from 0 to the number of token ids")

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @classmethod
    def from_lists(cls, token_lists: Iterable[Sequence[str]], vocab: list[str] | None = None) -> "TokenTable":
        """A table of ``token_lists``; ``vocab`` (extended as needed) fixes the first ids."""
        vocab = list(vocab or [])
        index = {w: i for i, w in enumerate(vocab)}
        lengths: list[int] = []
        flat: list[int] = []
        for tokens in token_lists:
            lengths.append(len(tokens))
            for w in tokens:
                i = index.get(w)
                if i is None:
                    i = index[w] = len(vocab)
                    vocab.append(w)
                flat.append(i)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(vocab, np.asarray(flat, dtype=np.int32), offsets)

    def to_lists(self) -> list[list[str]]:
        return [[self.vocab[i] for i in self.ids[a:b].tolist()] for a, b in zip(self.offsets[:-1], self.offsets[1:])]

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def take(self, rows: Sequence[int] | np.ndarray) -> "TokenTable":
        """The table of chunks ``rows``, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        lengths = self.lengths()[rows]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if len(rows) < 2 or (np.diff(rows) > 0).all():  # in order (an update's kept rows): a mask
            keep = np.zeros(len(self), dtype=bool)
            keep[rows] = True
            ids = self.ids[np.repeat(keep, self.lengths())]
        else:  # position of every kept token: the start of its chunk plus its place in the chunk
            starts = np.repeat(self.offsets[:-1][rows] - offsets[:-1], lengths)
            ids = self.ids[starts + np.arange(offsets[-1], dtype=np.int64)]
        # words no kept chunk has leave the vocabulary
        used = np.bincount(ids, minlength=len(self.vocab)) > 0
        remap = (np.cumsum(used) - 1).astype(np.int32)
        vocab = [w for w, u in zip(self.vocab, used.tolist()) if u]
        return TokenTable(vocab, remap[ids], offsets)

    def concat(self, other: "TokenTable") -> "TokenTable":
        """This table followed by ``other`` (whose tokens are mapped into this vocabulary)."""
        vocab = list(self.vocab)
        index = {w: i for i, w in enumerate(vocab)}
        remap = np.empty(len(other.vocab), dtype=np.int32)
        for j, w in enumerate(other.vocab):
            i = index.get(w)
            if i is None:
                i = index[w] = len(vocab)
                vocab.append(w)
            remap[j] = i
        ids = np.concatenate([self.ids, remap[other.ids] if len(other.ids) else other.ids.astype(np.int32)])
        offsets = np.concatenate([self.offsets, self.offsets[-1] + other.offsets[1:]])
        return TokenTable(vocab, ids.astype(np.int32, copy=False), offsets)

    def save(self, path: str | Path) -> None:
        np.savez(path, vocab=np.asarray(self.vocab, dtype=str), ids=self.ids, offsets=self.offsets)

    @staticmethod
    def load_vocab(path: str | Path) -> list[str]:
        """Only the vocabulary of a saved table (its token ids are not read)."""
        with np.load(path, allow_pickle=False) as z:
            return z["vocab"].tolist()

    @classmethod
    def load(cls, path: str | Path) -> "TokenTable":
        with np.load(path, allow_pickle=False) as z:
            return cls(z["vocab"].tolist(), z["ids"].astype(np.int32, copy=False), z["offsets"].astype(np.int64))


def quiet_bm25s() -> None:
    """bm25s sets its own logger to DEBUG when imported; put it back under the application's control."""
    bm25_log = logging.getLogger("bm25s")
    if bm25_log.level == logging.DEBUG:
        bm25_log.setLevel(logging.NOTSET)


def bm25_from_table(table: TokenTable, k1: float = K1, b: float = B) -> Any:
    """A ``bm25s.BM25`` (Lucene variant, ``k1`` and ``b``) over the chunks of ``table`` (row ``i`` = chunk ``i``)."""
    import bm25s

    quiet_bm25s()
    n = len(table)
    if n == 0:
        raise ValueError("a BM25 index needs at least one chunk")
    table = _with_placeholders(table)
    lengths, ids, vocab = table.lengths(), table.ids, table.vocab
    n_vocab = len(vocab)
    # term frequencies as a chunk × token matrix: scipy sums the repeated tokens of each chunk in
    # place (on a copy: the table is kept), then turns it into the token-major (CSC) layout bm25s keeps
    tf = sp.csr_matrix((np.ones(len(ids), dtype=np.float32), ids, table.offsets), shape=(n, n_vocab), copy=True)
    tf.sum_duplicates()
    tf = tf.tocsc()
    tf.sort_indices()
    df = np.diff(tf.indptr)
    idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
    norm = (k1 * (1.0 - b + b * lengths / lengths.mean())).astype(np.float32)
    chunk = tf.indices.astype(np.int32, copy=False)
    data = tf.data
    data /= norm[chunk] + data
    data *= np.repeat(idf, df)
    indptr = tf.indptr
    del tf
    retriever = bm25s.BM25(k1=k1, b=b)
    # what bm25s.BM25.index leaves behind (create_empty_token adds "" to the vocabulary, not the matrix)
    retriever.scores = {"data": data, "indices": chunk, "indptr": indptr, "num_docs": n}
    vocab_dict = {w: i for i, w in enumerate(vocab)}
    vocab_dict.setdefault("", len(vocab))
    retriever.vocab_dict = vocab_dict
    retriever.unique_token_ids_set = set(vocab_dict.values())
    retriever.nonoccurrence_array = None
    return retriever


def _with_placeholders(table: TokenTable) -> TokenTable:
    """``table`` with the token :data:`EMPTY` in each chunk that has none (bm25s needs one in every chunk;
    no query contains it)."""
    lengths = table.lengths()
    empty = lengths == 0
    if not empty.any():
        return table
    vocab = table.vocab if EMPTY in table.vocab else [*table.vocab, EMPTY]
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.where(empty, 1, lengths), out=offsets[1:])
    ids = np.full(offsets[-1], vocab.index(EMPTY), dtype=np.int32)
    # each token moves by how much earlier placeholders pushed its chunk
    ids[np.arange(len(table.ids)) + np.repeat(offsets[:-1] - table.offsets[:-1], lengths)] = table.ids
    return TokenTable(vocab, ids, offsets)

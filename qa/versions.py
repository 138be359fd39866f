"""Two versions of one rule side by side: which article of the amended text each article of the
earlier text became (renumbered, reworded, unchanged), and which articles are new or gone; and a
rule beside a later, differently written rule that prevails over it (:func:`match_matters`).

The articles are aligned in order (an amendment inserts, deletes and rewords articles but does not
reorder them): a dynamic programme over the two lists that maximises the summed similarity of the
matched pairs, where two articles match when their texts, without their 第N条 labels, are at least
``min_similarity`` alike (difflib's ratio). Pure functions of the two documents.

>>> from ingest.types import Clause
>>> def art(doc, n, text):
...     return Clause(f"{doc}t{n}", doc, "条", str(n), f"第{n}条", (), 0, 0, f"第{n}条 {text}")
>>> old = [art("a", 1, "为了保障网络安全，制定本法。"), art("a", 2, "有关单位要把台账保存三年。")]
>>> new = [art("b", 1, "为了保障网络安全，制定本法。"), art("b", 2, "国家支持人工智能基础理论研究。"),
...        art("b", 3, "有关单位要把台账完整保存三年。")]
>>> [(p.old.number if p.old else None, p.new.number if p.new else None, p.changed) for p in align(old, new)]
[('1', '1', False), (None, '2', True), ('2', '3', True)]
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from ingest.text import compact
from ingest.types import Clause, Document

_LABEL = re.compile(r"^\s*第[〇零一二三四五六七八九十百千两0-9]+条(?:之[一二三四五六七八九十]+)?")


@dataclass(frozen=True)
class ArticlePair:
    """An article of the earlier text and what it became (``new`` None: deleted; ``old`` None: new)."""

    old: Clause | None
    new: Clause | None
    similarity: float

    @property
    def changed(self) -> bool:
        """Anything but the same words (a renumbered article with the same words is unchanged)."""
        return self.old is None or self.new is None or self.similarity < 1.0

    @property
    def renumbered(self) -> bool:
        return self.old is not None and self.new is not None and self.old.number != self.new.number


def _body(clause: Clause) -> str:
    return compact(_LABEL.sub("", clause.text))


def align(old: Sequence[Clause], new: Sequence[Clause], min_similarity: float = 0.5) -> list[ArticlePair]:
    """The articles of ``old`` and ``new`` aligned in order; every article of each appears once."""
    a, b = [_body(c) for c in old], [_body(c) for c in new]
    n, m = len(a), len(b)
    sim = [[0.0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            matcher = SequenceMatcher(None, a[i], b[j], autojunk=False)
            if matcher.real_quick_ratio() >= min_similarity and matcher.quick_ratio() >= min_similarity:
                sim[i][j] = matcher.ratio()
    # best[i][j]: the most summed similarity aligning old[i:] with new[j:]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = sim[i][j] + best[i + 1][j + 1] if sim[i][j] >= min_similarity else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    pairs: list[ArticlePair] = []
    i = j = 0
    while i < n and j < m:
        if sim[i][j] >= min_similarity and best[i][j] == sim[i][j] + best[i + 1][j + 1]:
            pairs.append(ArticlePair(old[i], new[j], 1.0 if a[i] == b[j] else sim[i][j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            pairs.append(ArticlePair(old[i], None, 0.0))
            i += 1
        else:
            pairs.append(ArticlePair(None, new[j], 0.0))
            j += 1
    pairs += [ArticlePair(c, None, 0.0) for c in old[i:]] + [ArticlePair(None, c, 0.0) for c in new[j:]]
    return pairs


def align_versions(old: Document, new: Document, min_similarity: float = 0.5) -> list[ArticlePair]:
    """The articles (条) of two versions of one rule, aligned (see :func:`align`)."""
    return align([c for c in old.clauses if c.level == "条"], [c for c in new.clauses if c.level == "条"],
                 min_similarity)


def counterpart(pairs: Sequence[ArticlePair], clause_id: str) -> ArticlePair | None:
    """The pair holding the article ``clause_id`` (of either version), or None."""
    return next((p for p in pairs if clause_id in ((p.old.id if p.old else None), (p.new.id if p.new else None))),
                None)


def _bigram_vectors(texts: Sequence[str]) -> np.ndarray:
    """Unit TF-IDF vectors of the texts' character bigrams (sublinear tf; idf over ``texts``)."""
    grams = [Counter(t[i:i + 2] for i in range(len(t) - 1)) for t in texts]
    df: Counter[str] = Counter()
    for g in grams:
        df.update(g.keys())
    vocab = {w: i for i, w in enumerate(sorted(df))}
    out = np.zeros((len(texts), len(vocab)))
    for row, g in enumerate(grams):
        for w, tf in g.items():
            out[row, vocab[w]] = (1.0 + math.log(tf)) * math.log(1.0 + len(texts) / df[w])
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


def match_matters(older: Sequence[Clause], newer: Sequence[Clause], neighbours: int = 3,
                  dense: np.ndarray | None = None) -> list[ArticlePair]:
    """Each article of ``older`` beside the article of a later, differently written rule on the same
    matter (``new`` None where the later rule has none), in ``older``'s order.

    A later rule is not an amendment: it is ordered and worded its own way, so articles are matched
    by what they say, not by position. Two articles match when each is the other's nearest under
    cross-domain similarity local scaling (CSLS: twice their cosine, less each one's mean cosine to
    its ``neighbours`` nearest articles of the other rule), which keeps a general article that is
    close to everything from matching everything, and when that score is above zero: the two are
    closer to each other than to their neighbourhoods. Cosines are of character-bigram TF-IDF over
    the two rules' articles. With ``dense`` (the articles' embedding cosines, ``older`` × ``newer``),
    a pair must also be the mutual CSLS match there: two independent readings of "the same matter"
    must agree, which drops the pairs that only share a few stock phrases or only sound alike.
    ``similarity`` is the bigram cosine. Every article matches at most once.

    >>> from ingest.types import Clause
    >>> def art(doc, n, text):
    ...     return Clause(f"{doc}t{n}", doc, "条", str(n), f"第{n}条", (), 0, 0, f"第{n}条 {text}")
    >>> old = [art("a", 1, "许可证有效期为两年，自发证之日起算。"), art("a", 2, "年产量五千吨以上的工厂须备案排放记录。"),
    ...        art("a", 3, "检查人员对所知秘密负保密义务。")]
    >>> new = [art("b", 1, "年产量一千吨以上的工厂须备案排放记录。"), art("b", 2, "许可证有效期为五年，自发证之日起算。"),
    ...        art("b", 3, "本规定自公布之日起施行。")]
    >>> [(p.old.number, p.new.number if p.new else None) for p in match_matters(old, new)]
    [('1', '2'), ('2', '1'), ('3', None)]
    """
    if not older or not newer:
        return [ArticlePair(c, None, 0.0) for c in older]
    vecs = _bigram_vectors([_body(c) for c in [*older, *newer]])
    cos = vecs[:len(older)] @ vecs[len(older):].T
    found = _mutual_csls(cos, neighbours)
    if dense is not None:
        if dense.shape != cos.shape:
            raise ValueError(f"dense similarities are {dense.shape}, the articles {cos.shape}")
        found &= _mutual_csls(dense, neighbours)
    pairs = []
    for i, c in enumerate(older):
        j = next((j for (a, j) in found if a == i), None)
        pairs.append(ArticlePair(c, newer[j], float(cos[i, j])) if j is not None else ArticlePair(c, None, 0.0))
    return pairs


def _mutual_csls(cos: np.ndarray, neighbours: int) -> set[tuple[int, int]]:
    """The (row, column) pairs that are each other's best under CSLS, with a score above zero."""
    k_rows, k_cols = min(neighbours, cos.shape[1]), min(neighbours, cos.shape[0])
    r_rows = np.sort(cos, axis=1)[:, -k_rows:].mean(axis=1)
    r_cols = np.sort(cos, axis=0)[-k_cols:, :].mean(axis=0)
    csls = 2 * cos - r_rows[:, None] - r_cols[None, :]
    out = set()
    for i in range(cos.shape[0]):
        j = int(csls[i].argmax())
        if int(csls[:, j].argmax()) == i and csls[i, j] > 0:
            out.add((i, j))
    return out

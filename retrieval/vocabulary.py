"""Words a question does not say but its answer does.

:class:`Synonyms`: general Chinese synonyms for words the corpus does not use: the tight groups of
同义词词林 (``data/cilin.tsv``, see scripts/build_cilin.py), filtered by the corpus itself.
:class:`Expansions`: the law's words that people's question words go with, learned from the
questions written for training and the evidence that answers them (``data/expansions.tsv``, see
training/expansion.py).

A question's word that no indexed text uses adds the words of its synonym groups that the corpus
does use (``known``), at most ``limit`` of them: 手机号码 finds nothing, 电话号码 might. A word the
corpus already uses is left alone — it matches as it is.

>>> v = Synonyms({"A": ["删掉", "删除", "抹掉"], "B": ["上传", "上载"]})
>>> v.expansions(["删掉", "上传", "数据"], known={"删除", "上传", "数据"}.__contains__)
['删除']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import resources


class Synonyms:
    """Synonym groups, looked up by word."""

    def __init__(self, groups: Mapping[str, Sequence[str]]) -> None:
        self.by_word: dict[str, list[str]] = {}
        for words in groups.values():
            for w in words:
                self.by_word.setdefault(w, []).extend(x for x in words if x != w)

    @classmethod
    def shipped(cls) -> "Synonyms":
        text = resources.files("retrieval").joinpath("data/cilin.tsv").read_text("utf-8")
        groups = {}
        for line in text.splitlines():
            if line and not line.startswith("#") and "\t" in line:
                code, words = line.split("\t", 1)
                groups[code] = words.split()
        return cls(groups)

    def expansions(self, tokens: Iterable[str], known: Callable[[str], bool], limit: int = 2) -> list[str]:
        """For each token the corpus does not use, up to ``limit`` synonyms it does use."""
        out: list[str] = []
        for t in dict.fromkeys(tokens):
            if len(t) < 2 or known(t):
                continue
            out += [w for w in dict.fromkeys(self.by_word.get(t, ())) if known(w)][:limit]
        return list(dict.fromkeys(out))


class Expansions:
    """Learned expansions: question word → the words of the law that answer it."""

    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        self.table = {w: list(ts) for w, ts in table.items()}

    @classmethod
    def shipped(cls) -> "Expansions":
        text = resources.files("retrieval").joinpath("data/expansions.tsv").read_text("utf-8")
        return cls({w: ts.split() for w, ts in (line.split("\t", 1) for line in text.splitlines()
                                                if line and not line.startswith("#") and "\t" in line)})

    def expansions(self, tokens: Iterable[str], have: Iterable[str] = (), limit: int = 6) -> list[str]:
        """The learned words of ``tokens``, in their order, less those in ``have``, at most ``limit``.

        >>> Expansions({"国内": ["境内"], "员工": ["劳动", "集体"]}).expansions(["员工", "国内", "数据"], have=["集体"])
        ['劳动', '境内']
        """
        seen = set(have)
        out: list[str] = []
        for t in dict.fromkeys(tokens):
            for w in self.table.get(t, ()):
                if w not in seen:
                    seen.add(w)
                    out.append(w)
        return out[:limit]

"""Learned query expansion: which words of the law's text people's question words go with.

For every written training question (``training/data/answerable*.jsonl``, each with the exact
evidence it is answered by) count, for each of its words ``w``, the words ``t`` of its evidence that
the question does not use. A pair is kept when ``t`` follows ``w`` often enough to be a habit, not a
coincidence: seen together in at least ``min_pairs`` questions, in at least ``min_share`` of the
questions that use ``w``, ``min_lift`` times more often than ``t`` turns up in evidence at all, and
``t`` is a word of the corpus that at most ``max_df`` of its chunks use (a word every clause holds
finds nothing) and at least as many as use ``w`` (an expansion rarer than the word that brings it
would outweigh it in BM25: 敏感 would search for the 不满十四周岁 of the definition it often comes with). Each word keeps its ``top`` best by share × log(lift), none a fragment of another. A question "国内的服务器"
then also searches 境内; "员工" adds 劳动 words the corpus uses.

    python -m training.expansion --index var/index      # writes retrieval/data/expansions.tsv

The data are the questions written for training (never evaluation questions); the thresholds were
chosen on the dev split of ``eval/questions.jsonl`` among five settings (see training/README.md).
"""

from __future__ import annotations

import argparse
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.tokenize import JiebaTokenizer
from settings import PROJECT_ROOT

from .questions import DATA, written_questions

log = logging.getLogger(__name__)

OUT = PROJECT_ROOT / "retrieval" / "data" / "expansions.tsv"


@dataclass(frozen=True)
class ExpansionParams:
    min_pairs: int = 3
    min_share: float = 0.3
    min_lift: float = 3.0
    top: int = 2
    max_df: float = 0.05  # share of the corpus' chunks


def words(text: str, tokenizer: Callable[[str], list[str]]) -> set[str]:
    """The content words of ``text``: two characters or more, no digits."""
    return {t for t in tokenizer(text) if len(t) >= 2 and not any(c.isdigit() for c in t)}


def learn(pairs: Iterable[tuple[str, Sequence[str]]], tokenizer: Callable[[str], list[str]],
          df: Callable[[str], float], params: ExpansionParams = ExpansionParams()) -> dict[str, list[str]]:
    """``{question word: [evidence words]}`` from (question, evidence strings) pairs; ``df(t)``: the
    share of the corpus' chunks that use ``t``.

    >>> tok = lambda s: s.split()
    >>> pairs = [("国内 服务器", ["境内 存储"]), ("国内 机房", ["境内 网络"]), ("国内 数据", ["境内 处理"])]
    >>> learn(pairs, tok, lambda t: 0.01, ExpansionParams(min_pairs=3, min_lift=1.0))
    {'国内': ['境内']}
    >>> learn(pairs, tok, lambda t: 0.001 if t == "境内" else 0.01, ExpansionParams(min_pairs=3, min_lift=1.0))
    {}
    """
    asked: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    together: defaultdict[str, Counter[str]] = defaultdict(Counter)
    n = 0
    for question, evidence in pairs:
        q, e = words(question, tokenizer), words(" ".join(evidence), tokenizer)
        n += 1
        asked.update(q)
        answered.update(e)
        for w in q:
            together[w].update(e - q)
    out: dict[str, list[str]] = {}
    for w in sorted(together):
        if asked[w] < 2:
            continue
        scored = []
        for t, k in together[w].items():
            if k < params.min_pairs:
                continue
            share = k / asked[w]
            lift = share / (answered[t] / n)
            # and it is no rarer in the corpus than the word that brings it: an expansion must not
            # outweigh its source in the lexical search
            if share >= params.min_share and lift >= params.min_lift and 0 < df(t) <= params.max_df \
                    and df(t) >= df(w):
                scored.append((share * math.log(lift) if lift > 1 else share, t))
        kept: list[str] = []
        # best first, a longer word before its own fragments on a tie (jieba's search mode cuts 集成电路
        # into 集成, 成电…); a fragment of a word kept adds nothing
        for _, t in sorted(scored, key=lambda s: (-s[0], -len(s[1]), s[1])):
            if len(kept) < params.top and not any(t in k or k in t for k in kept):
                kept.append(t)
        if kept:
            out[w] = kept
    return out


def training_pairs(paths: Sequence[Path]) -> list[tuple[str, list[str]]]:
    """(question, evidence strings) of the written answerable training questions in ``paths``."""
    return [(q["question"], list(q["evidence"])) for q in written_questions(paths)]


def write(table: dict[str, list[str]], path: Path, params: ExpansionParams, n: int) -> None:
    head = (f"# question word → evidence words, learned from {n} training questions (training/expansion.py, "
            f"{params}); data: training/data/answerable*.jsonl\n")
    body = "".join(f"{w}\t{' '.join(ts)}\n" for w, ts in table.items())
    tmp = path.with_suffix(".tmp")
    tmp.write_text(head + body, "utf-8")
    tmp.replace(path)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", required=True, help="an index over the corpus, for how many chunks use a word")
    p.add_argument("--out", default=str(OUT))
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from index.store import load_index
    from retrieval.terms import TermWeights

    data = load_index(args.index)
    terms = TermWeights(c.text for c in data.chunks)
    n_chunks = len(data.chunks)
    pairs = training_pairs(sorted(DATA.glob("answerable*.jsonl")))
    params = ExpansionParams()
    table = learn(pairs, JiebaTokenizer(), lambda t: terms.df(t) / n_chunks, params)
    write(table, Path(args.out), params, len(pairs))
    log.info("%d question words from %d training questions → %s", len(table), len(pairs), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

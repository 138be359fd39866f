"""Training questions generated from an index's own clauses — never from evaluation questions.

Each generated question is made from one clause and is labelled with it:

* ``keywords`` — a few of the clause's rarest terms (IDF over the indexed chunks, the document's
  title words left out) in a general ask form ("…有什么规定？", "…由谁负责？"), sometimes with
  (part of) the document's title;
* ``dropped`` — a sentence of the clause with a third to a half of its words left out;
* ``figure`` — for a clause that states an amount, a share, a date, a duration or a count, a
  question asking for that kind of figure about its terms;
* ``definition`` — for a clause that defines a term ("本法所称X，是指…"), "X是指什么？";
* ``heading`` — an outline heading ("（三）强化数据安全保障") asked as a question about its section.

Everything is drawn with a seeded random generator, so the same index gives the same questions.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass

from index.store import IndexData
from index.tokenize import JiebaTokenizer
from ingest.text import clean, cn_to_int
from ingest.titles import title_key
from ingest.types import Clause, Document
from retrieval.figures import states_figure
from retrieval.terms import TermWeights

# general ask forms, as people end a question whatever it is about
ASKS = ("有什么规定？", "有哪些要求？", "是怎么要求的？", "应该怎么做？", "需要满足什么条件？", "要注意什么？",
        "具体怎么规定的", "怎么办？", "", "？", "相关规定是什么", "有没有要求？", "该怎么处理？", "由谁负责？")
FIGURE_ASKS = {"amount": ("罚多少钱？", "金额是多少？", "多少万元？"), "share": ("比例是多少？", "占比多少？"),
               "date": ("什么时候施行？", "哪天开始实施？"), "duration": ("期限是多久？", "多长时间？", "几个月？"),
               "count": ("多少人？", "数量是多少？", "多少家？")}
_DEFINES = re.compile(r"所称([\u4e00-\u9fff]{2,12})[，,]?\s*(?:是指|指)")
_OUTLINE_MARK = re.compile(r"^[（(]?[一二三四五六七八九十0-9]+[)）、.．]\s*")
_SENT = re.compile(r"[^。；！？\n]{12,120}[。；！？]?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LABEL = re.compile(r"^\s*第[〇零一二三四五六七八九十百千两0-9]+条\s*")
LEVELS = ("条", "款", "项", "outline2", "outline3", "outline4", "目")


@dataclass(frozen=True)
class Generated:
    """One generated training question and the clause it was made from."""

    question: str
    kind: str
    doc_id: str
    clause_id: str
    source: str
    start: int
    end: int

    def to_json(self) -> dict:
        return asdict(self)


def _short_title(title: str, rng: random.Random) -> str:
    key = title_key(title)
    if len(key) <= 8 or rng.random() < 0.5:
        return key
    cut = rng.randint(6, max(6, len(key) - 2))
    return key[:cut]


def _words(text: str, tokenizer: JiebaTokenizer) -> list[str]:
    return [w for w, _, _ in tokenizer.words(text)]


def _content(word: str) -> bool:
    """A word that says what a clause is about: two or more Chinese characters, not a numeral."""
    return len(_CJK.findall(word)) >= 2 and cn_to_int(word) is None


def _terms(text: str, title: str, tokenizer: JiebaTokenizer, weights: TermWeights, n: int) -> list[str]:
    """The clause's ``n`` rarest content terms (not its title's), in the order it says them."""
    tokens = list(dict.fromkeys(t for t in _words(text, tokenizer) if _content(t) and t not in title))
    w = weights.weights(tokens)
    best = sorted(w, key=lambda t: -w[t])[:n]
    order = {t: text.find(t) for t in best}
    return sorted(best, key=lambda t: order[t])


def _clauses(doc: Document) -> Iterator[Clause]:
    for c in doc.clauses:
        if c.level in LEVELS and 20 <= len(clean(c.text)) <= 800:
            yield c


def generate(data: IndexData, n: int, seed: int = 14, tokenizer: JiebaTokenizer | None = None) -> list[Generated]:
    """About ``n`` questions over the index's documents (at most a few per clause), seeded."""
    rng = random.Random(seed)
    tok = tokenizer or JiebaTokenizer()
    weights = TermWeights(c.text for c in data.chunks)
    candidates = [(d, c) for d in data.documents for c in _clauses(d)]
    rng.shuffle(candidates)
    out: list[Generated] = []
    seen: set[str] = set()

    def add(q: str, kind: str, d: Document, c: Clause) -> None:
        q = q.strip("，, ")
        if len(q) >= 4 and q not in seen:
            seen.add(q)
            out.append(Generated(q, kind, d.id, c.id, d.source, c.start, c.end))

    for d, c in candidates:
        if len(out) >= n:
            break
        text = _LABEL.sub("", clean(c.text))
        title_words = title_key(d.title)
        prefix = _short_title(d.title, rng) + rng.choice(("", "里", "中", "规定", "对")) if rng.random() < 0.4 else ""
        terms = _terms(text, title_words, tok, weights, 6)
        if c.level.startswith("outline") and len(text) <= 30:
            heading = _OUTLINE_MARK.sub("", text).rstrip("。；")
            add(f"{prefix}{heading}{rng.choice(('有哪些措施？', '具体要做什么？', '怎么推进？'))}", "heading", d, c)
            continue
        if len(terms) >= 2:
            k = rng.randint(2, min(4, len(terms)))
            picked = sorted(rng.sample(terms, k), key=terms.index)
            add(prefix + rng.choice(("", "的", " ")).join(picked) + rng.choice(ASKS), "keywords", d, c)
        m = _DEFINES.search(text)
        if m:
            add(rng.choice((f"{m.group(1)}是指什么？", f"什么是{m.group(1)}？", f"{m.group(1)}怎么定义")), "definition", d, c)
        for kind, asks in FIGURE_ASKS.items():
            if states_figure(text, kind) and terms and rng.random() < 0.6:
                add(prefix + "".join(terms[:2]) + rng.choice(asks), "figure", d, c)
                break
        sents = _SENT.findall(text)
        if sents and rng.random() < 0.5:
            words = _words(rng.choice(sents), tok)
            kept = [w for w in words if rng.random() > rng.uniform(0.3, 0.5)]
            if len(kept) >= 3:
                add("".join(kept) + "？", "dropped", d, c)
    return out


def same_clause(g: Generated, source: str, start: int, end: int) -> bool:
    """Whether a chunk at ``source[start:end]`` holds at least half of ``g``'s clause."""
    if source != g.source:
        return False
    overlap = min(end, g.end) - max(start, g.start)
    return overlap >= 0.5 * min(g.end - g.start, end - start)


def texts_of(questions: Sequence[Generated]) -> list[str]:
    return [g.question for g in questions]

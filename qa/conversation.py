"""Follow-up questions within a conversation, without an LLM.

A compliance officer asks "个人信息保护法关于处理个人信息的告知义务", then "那敏感个人信息呢？".
The second question names no document and no subject of its own; asked alone it would be
answered from anywhere in the corpus. :func:`rewrite` turns it into a question that carries
the context of the previous turn, by fixed rules:

1. **Is it a follow-up?** Only when there is a previous turn, the question names no document
   (no 《…》 and no known title, after the usual aliases such as 个保法 are expanded), and it
   looks elliptical: it starts with a connective (那/那么/如果/假如/要是/若/还有/另外/此外/同样),
   ends with 呢, or is short (at most :data:`SHORT` characters without punctuation).
2. **The core** is the question without its connective, trailing 呢 and punctuation
   ("那敏感个人信息呢？" → "敏感个人信息").
3. **The previous subject** is the previous (already rewritten) question without the documents it
   names, a leading 关于/根据/按照, and trailing punctuation ("个人信息保护法关于处理个人信息的告知
   义务" → "处理个人信息的告知义务").
4. **The topic** of the conversation is the subject of the last question that stood alone (its
   *frame*); every follow-up of a chain is rewritten from that frame, never from the previous
   rewrite, so a chain of follow-ups does not pile its words up.
5. **Substitution**: when the core contains a piece of the frame (the longest shared run of at
   least two characters, but not the whole core), that piece is replaced by the core:
   "处理个人信息的告知义务" + "敏感个人信息" → "处理敏感个人信息的告知义务". When it shares nothing but
   is a verb phrase (its last word a verb, by jieba's part-of-speech tags), it takes the place of the
   frame's first verb that has an object: + "向境外提供" → "向境外提供个人信息的告知义务". Otherwise the
   core is appended to the frame ("数据出境安全评估的申报情形有哪些，只有5万人"). After "那敏感个人信息呢？",
   "那向境外提供呢？" is thus "向境外提供个人信息的告知义务", not the previous rewrite with 向境外提供 glued on.
6. **Documents**: the previous turn's documents (those its question named, else those its answer
   cited, at most two) are named in front: "《中华人民共和国个人信息保护法》处理敏感个人信息的
   告知义务". Their ids are also returned as a *soft* preference: :func:`ask_in_context` first
   asks within those documents and asks the whole corpus only if that abstains.

Everything here is deterministic and pure except :func:`ask_in_context`, which calls the engine.

>>> titles = TitleIndex([("中华人民共和国个人信息保护法", "pipl")])
>>> prev = Turn("个人信息保护法关于处理个人信息的告知义务", "个人信息保护法关于处理个人信息的告知义务",
...             ("中华人民共和国个人信息保护法",), ("pipl",))
>>> r = rewrite("那敏感个人信息呢？", prev, titles)
>>> r.question
'《中华人民共和国个人信息保护法》处理敏感个人信息的告知义务'
>>> r.doc_ids
('pipl',)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from index.tokenize import pos_tags
from ingest.titles import book, title_key
from retrieval.normalise import ALIASES, normalise_query

if TYPE_CHECKING:  # pragma: no cover
    from retrieval.filters import Filters
    from ingest.types import Document
    from qa.engine import PolicyQA
    from qa.types import Answer

CONNECTIVES = ("那如果", "那要是", "那么", "那对于", "那", "如果", "假如", "要是", "若是", "还有", "另外", "此外", "同样")
SHORT = 8  # a question this short (without punctuation) cannot stand alone
MIN_TITLE_KEY = 5  # shorter title keys (e.g. 通知) would match everyday words
MAX_DOCS = 2
_PUNCT = "？?。！!，,；;：:、 \t\u3000"
_LEADING = re.compile(r"^(关于|根据|按照|依照|依据|对于|在)")
_BRACKETED = re.compile(r"《[^》]{2,}》")
_CJK_OR_WORD = re.compile(r"^[\w\u4e00-\u9fff]+$")


class TitleIndex:
    """Document titles (and their keys without 中华人民共和国, brackets, spaces) → document ids."""

    def __init__(self, titles: Iterable[tuple[str, str]]) -> None:
        keys: dict[str, tuple[str, str]] = {}
        for title, doc_id in titles:
            key = title_key(title)
            if len(key) >= MIN_TITLE_KEY:
                keys.setdefault(key, (title, doc_id))
        self._keys = sorted(keys.items(), key=lambda kv: -len(kv[0]))

    @classmethod
    def from_documents(cls, documents: Iterable["Document"]) -> "TitleIndex":
        pairs: list[tuple[str, str]] = []
        for d in documents:
            pairs.append((d.title, d.id))
            pairs.extend((t, d.id) for t in (d.metadata or {}).get("subject_titles", []) or [])
        return cls(pairs)

    def named(self, text: str) -> list[tuple[str, str, str]]:
        """The documents ``text`` names, as ``(key, title, doc_id)``; a longer name hides the shorter
        ones inside it (数据安全法 inside 网络数据安全管理条例)."""
        q = title_key(normalise_query(text))
        found: list[tuple[str, str, str]] = []
        taken: list[tuple[int, int]] = []
        for key, (title, doc_id) in self._keys:
            i = q.find(key)
            if i < 0 or any(a <= i < b or a < i + len(key) <= b for a, b in taken):
                continue
            taken.append((i, i + len(key)))
            found.append((key, title, doc_id))
        return found


@dataclass(frozen=True)
class Turn:
    """One answered question of a conversation."""

    question: str  # as typed
    effective: str  # as asked (the rewrite, for a follow-up)
    doc_titles: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    focus: str = ""  # the term a follow-up substituted into the subject
    topic: str = ""  # the frame of the conversation: the subject of its last standalone question


@dataclass(frozen=True)
class Rewrite:
    """What to ask for a typed question, and why."""

    question: str
    follow_up: bool = False
    doc_ids: tuple[str, ...] = ()  # soft preference: the previous turn's documents
    rule: str = "standalone"  # standalone | substitute | verb | append
    focus: str = ""  # the term substituted (rules "substitute" and "verb")
    topic: str = ""  # the frame the question was rewritten from (its own subject when it stands alone)


def names_document(question: str, titles: TitleIndex) -> bool:
    return bool(_BRACKETED.search(question)) or bool(titles.named(question))


def strip_question(question: str) -> str:
    """The core of an elliptical question: no connective, no trailing 呢 or punctuation.

    >>> strip_question("那敏感个人信息呢？")
    '敏感个人信息'
    """
    q = unicodedata.normalize("NFKC", question).strip().strip(_PUNCT)
    for c in CONNECTIVES:
        if q.startswith(c) and not q.startswith(("那些", "那个", "那里")):
            q = q[len(c):]
            break
    q = q.strip(_PUNCT)
    if q.startswith("是") and len(q) > 2 and not q.startswith("是否"):  # 如果是向境外提供 → 向境外提供
        q = q[1:]
    if q.endswith("呢"):
        q = q[:-1]
    return q.strip(_PUNCT)


def is_follow_up(question: str, previous: Turn | None, titles: TitleIndex) -> bool:
    """Rule 1 of the module docstring."""
    if previous is None or not question.strip() or names_document(question, titles):
        return False
    q = unicodedata.normalize("NFKC", question).strip()
    bare = q.strip(_PUNCT)
    starts = any(bare.startswith(c) for c in CONNECTIVES) and not bare.startswith(("那些", "那个", "那里"))
    return starts or bare.endswith("呢") or len(re.sub(f"[{_PUNCT}]", "", bare)) <= SHORT


def subject_of(question: str, titles: TitleIndex) -> str:
    """Rule 3: the previous question without the documents it names.

    >>> subject_of("个人信息保护法关于处理个人信息的告知义务？", TitleIndex([("中华人民共和国个人信息保护法", "p")]))
    '处理个人信息的告知义务'
    """
    s = unicodedata.normalize("NFC", question).strip()
    s = _BRACKETED.sub("", s)
    for key, title, _ in titles.named(s):
        shorts = [a for a, full in ALIASES.items() if full.split()[0] == key]
        for form in (title, f"中华人民共和国{key}", key, *shorts, *(a.upper() for a in shorts)):
            s = s.replace(form, "")
    s = s.strip(_PUNCT)
    s = _LEADING.sub("", s).strip(_PUNCT)
    return s


def _longest_shared(core: str, subject: str) -> str:
    """The longest run of at least two word characters that is in both strings."""
    best = ""
    for i in range(len(core)):
        for j in range(len(core), i + max(2, len(best)), -1):
            piece = core[i:j]
            if len(piece) > len(best) and _CJK_OR_WORD.match(piece) and piece in subject:
                best = piece
                break
    return best


def warm_up() -> None:
    """Load jieba's part-of-speech model now (a second or two), not on a user's first follow-up."""
    pos_tags("处理数据")


def _is_verb_phrase(core: str) -> bool:
    """Whether ``core`` ends in a verb ("向境外提供", "委托处理"), so it names an action, not a thing."""
    words = [(w, f) for w, f in pos_tags(core) if w.strip(_PUNCT)]
    return bool(words) and words[-1][1] == "v"


def _object_verb(frame: str) -> str:
    """The frame's first verb that takes a noun object ("处理" of "处理个人信息的…"); "" when none."""
    words = [(w, f) for w, f in pos_tags(frame) if w.strip()]
    for (word, flag), (_, following) in zip(words, words[1:]):
        if flag == "v" and len(word) >= 2 and following.startswith("n"):
            return word
    return ""


def topic_of(previous: Turn, titles: TitleIndex) -> str:
    """The frame a follow-up of ``previous`` is rewritten from: the conversation's topic, else (a turn
    remembered without one) the previous question's subject."""
    return previous.topic or subject_of(previous.effective, titles)


def rewrite(question: str, previous: Turn | None, titles: TitleIndex) -> Rewrite:
    """The question to ask for ``question`` typed after ``previous`` (rules in the module docstring)."""
    if not is_follow_up(question, previous, titles):
        q = question.strip()
        return Rewrite(question=q, topic=subject_of(q, titles))
    assert previous is not None
    core = strip_question(question)
    frame = topic_of(previous, titles)
    shared = _longest_shared(core, frame) if core else ""
    focus = previous.focus
    verb = _object_verb(frame) if core and not shared and _is_verb_phrase(core) else ""
    if not previous.topic and shared and shared != core and focus and focus in frame and shared in focus:
        body, rule = frame.replace(focus, core, 1), "substitute"  # a turn without its topic: its focus
    elif shared and shared != core:
        body, rule = frame.replace(shared, core, 1), "substitute"
    elif verb:
        body, rule = frame.replace(verb, core, 1), "verb"
    elif core and core not in frame:
        body, rule = (f"{frame}，{core}" if frame else core), "append"
    else:
        body, rule = frame or core, "append"
    docs = "、".join(book(t) for t in previous.doc_titles)
    text = f"{docs}{body}"
    return Rewrite(question=text, follow_up=True, doc_ids=previous.doc_ids, rule=rule,
                   focus=core if rule in ("substitute", "verb") else "", topic=frame)


def turn_after(question: str, asked: Rewrite, answer: "Answer", titles: TitleIndex) -> Turn:
    """The turn to remember: documents the asked question names, else those the answer cites."""
    named = titles.named(asked.question)
    if named:
        pairs = [(title, doc_id) for _, title, doc_id in named]
    else:
        pairs = [(c.doc_title, c.doc_id) for c in answer.citations]
    pairs = list(dict.fromkeys(pairs))[:MAX_DOCS]
    if not pairs and asked.follow_up and answer.abstained:
        return Turn(question, asked.question, focus=asked.focus, topic=asked.topic)
    return Turn(question, asked.question, tuple(t for t, _ in pairs), tuple(d for _, d in pairs if d), asked.focus,
                asked.topic)


def ask_in_context(engine: "PolicyQA", asked: Rewrite, filters: "Filters | None" = None) -> "Answer":
    """Ask ``asked.question``; for a follow-up, within the previous turn's documents first and the
    whole (filtered) corpus when that abstains."""
    from retrieval.filters import Filters

    base = filters or Filters()
    if asked.follow_up and asked.doc_ids:
        wanted = frozenset(asked.doc_ids)
        scoped = replace(base, doc_ids=base.doc_ids & wanted if base.doc_ids else wanted)
        if scoped.doc_ids:
            answer = engine.ask(asked.question, filters=scoped)
            if not answer.abstained:
                return answer
    return engine.ask(asked.question, filters=None if base.is_empty() else base)

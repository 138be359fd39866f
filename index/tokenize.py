"""The one tokenizer BM25 uses for chunks and queries: jieba with a domain dictionary.

It is a callable object (injectable into any BM25 backend, as bm25s allows) with its own
``jieba.Tokenizer``, loaded on first use and shared by the process's tokenizers of the same words (a jieba
dictionary takes about 50 MB; it is only read once loaded); nothing global is touched at import.

>>> tok = JiebaTokenizer()
>>> "个人信息处理者" in tok("个人信息处理者应当取得单独同意")
True
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import cache
from importlib import resources

log = logging.getLogger(__name__)

_KEEP = re.compile(r"[\w\u3400-\u9fff]")
# Function words that carry no retrieval signal.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 等 是 在 对 为 以 于 由 将 把 被 其 之 也 并 而 且 则 就 都 要 应 "
    "应当 可以 按照 依照 根据 有关 相关 进行 开展 一 个 这 那 我 我们 你 您 他 她 它 吗 呢 吧 啊 "
    "什么 怎么 如何 哪些 哪个 是否 有没有 需要 需 请问 规定 问题".split()
)


def _domain_words() -> list[tuple[str, int | None]]:
    """The bundled domain dictionary (``index/data/domain_dict.txt``): each word with its frequency, if it gives one."""
    text = resources.files("index").joinpath("data/domain_dict.txt").read_text("utf-8")
    return [(parts[0], int(parts[1]) if len(parts) > 1 else None) for parts in map(str.split, text.splitlines())
            if parts]


_LOADING = threading.Lock()  # two tokenizers of the same words used first at once still load one dictionary


def _loaded(extra_words: tuple[str, ...]):
    """jieba's dictionary with the domain words and ``extra_words`` added, loaded once per process and word list."""
    with _LOADING:
        return _load_dictionary(extra_words)


@cache
def _load_dictionary(extra_words: tuple[str, ...]):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    for word, freq in _domain_words():
        tk.add_word(word, freq)
    for w in extra_words:
        tk.add_word(w)
    tk.initialize()
    return tk


@cache
def symbol_tokens() -> tuple[str, ...]:
    """The one-character tokens :meth:`JiebaTokenizer.__call__` never keeps and Milvus's jieba would: punctuation
    and symbols of the Basic Multilingual Plane (Unicode categories P and S) that are not word characters.

    >>> {"，", "《", "%", "·"} <= set(symbol_tokens()), "a" in symbol_tokens()
    (True, False)
    """
    chars = (chr(c) for c in range(0x10000))
    return tuple(ch for ch in chars if unicodedata.category(ch)[0] in "PS" and not _KEEP.search(ch))


def pos_tags(text: str) -> list[tuple[str, str]]:
    """``text`` as jieba's (word, part-of-speech flag) pairs (jieba's own model, loaded on first use).

    >>> pos_tags("处理数据")
    [('处理', 'v'), ('数据', 'n')]
    """
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return [(w.word, w.flag) for w in jieba.posseg.cut(text)]


class JiebaTokenizer:
    """Chinese word segmentation for search: ``cut_for_search`` plus NFKC and lower-casing.

    ``extra_words`` adds terms to the bundled domain dictionary.
    """

    def __init__(self, extra_words: tuple[str, ...] = (), stopwords: frozenset[str] = STOPWORDS) -> None:
        self.extra_words = tuple(extra_words)
        self.stopwords = stopwords
        self._jieba = None

    @property
    def name(self) -> str:
        return "jieba-search+domain-v1"

    def dictionary(self) -> list[str]:
        """The words this tokenizer adds to jieba's own dictionary (the domain's, then ``extra_words``)."""
        return [word for word, _ in _domain_words()] + list(self.extra_words)

    def analyzer_params(self) -> dict[str, object]:
        """The same segmentation as a Milvus jieba analyzer: search mode, jieba's own dictionary (``"_default_"``:
        on a Milvus server a custom word list alone replaces it) with this one beside it, and as stop words these
        and the punctuation and symbols :meth:`__call__` drops (:func:`symbol_tokens`), so chunk lengths, and BM25
        scores, are the same (Milvus folds case itself; :meth:`fold` is applied to the text it is given).

        >>> JiebaTokenizer().analyzer_params()["tokenizer"]["dict"][0]
        '_default_'
        """
        stop = sorted(self.stopwords | set(symbol_tokens()))
        return {"tokenizer": {"type": "jieba", "mode": "search", "dict": ["_default_", *self.dictionary()]},
                "filter": [{"type": "stop", "stop_words": stop}]}

    @staticmethod
    def fold(text: str) -> str:
        """NFKC and lower case, as :meth:`__call__` reads text."""
        return unicodedata.normalize("NFKC", text).lower()

    def _load(self):
        self._jieba = _loaded(self.extra_words)
        return self._jieba

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """``text``'s words in jieba's precise mode as ``(word, start, end)``, offsets into ``text``
        as given (no folding, no stop words dropped): for reading a question's structure."""
        tk = self._jieba or self._load()
        return list(tk.tokenize(text))

    def __call__(self, text: str) -> list[str]:
        tk = self._jieba or self._load()
        text = self.fold(text)
        out = []
        for w in tk.cut_for_search(text):
            w = w.strip()
            if not w or w in self.stopwords or not _KEEP.search(w):
                continue
            out.append(w)
        return out

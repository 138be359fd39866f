"""Any sentence-transformers model, by local path or hub name (offline: no download).

Hub names resolve only from the local Hugging Face cache; the backend sets
``HF_HUB_OFFLINE`` for its own load so an air-gapped machine fails fast with a
clear message instead of hanging on the network.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from .base import normalise

log = logging.getLogger(__name__)


class SentenceTransformerEmbedder:
    """Embedder over ``sentence_transformers.SentenceTransformer``.

    ``query_prefix``/``passage_prefix`` default to e5's ("query: "/"passage: ") when
    the model name contains "e5", else to nothing (bge-zh users may pass their instruction).

    >>> e = SentenceTransformerEmbedder("/models/bge-small-zh-v1.5")   # doctest: +SKIP
    """

    def __init__(
        self,
        model: str,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 32,
        device: str = "cpu",
    ) -> None:
        if not model:
            raise ValueError("model must be a local path or a model name")
        self.model = model
        is_e5 = "e5" in Path(model).name.lower()
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        self.batch_size = batch_size
        self.device = device
        self.name = f"st/{Path(model).name if Path(model).exists() else model}"
        self._st = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._st is None:
                from sentence_transformers import SentenceTransformer

                local = Path(self.model).expanduser()
                kwargs = {"device": self.device}
                if local.exists():
                    target = str(local)
                else:
                    target = self.model
                    kwargs["local_files_only"] = True
                try:
                    self._st = SentenceTransformer(target, **kwargs)
                except Exception as exc:
                    raise RuntimeError(
                        f"cannot load sentence-transformers model {self.model!r}: {exc}. "
                        "Give a local directory holding the model, or copy it into the Hugging Face cache "
                        "(nothing is downloaded at run time)."
                    ) from exc
        return self._st

    @property
    def dim(self) -> int:
        st = self._st or self._load()
        get = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(get())

    def _encode(self, texts: list[str]) -> np.ndarray:
        st = self._st or self._load()
        out = st.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                        normalize_embeddings=True, show_progress_bar=False)
        return normalise(out)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self.query_prefix + text])[0]



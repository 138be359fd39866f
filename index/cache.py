"""Embeddings cached by content hash, so an unchanged chunk is never embedded twice.

One SQLite file maps ``sha256(embedder name, mode, text)`` to the vector. It lives
outside the index directory, so it survives rebuilds and is shared between indexes
built with the same embedder.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

log = logging.getLogger(__name__)


def content_key(model: str, mode: str, text: str) -> bytes:
    return hashlib.sha256(f"{model}\0{mode}\0{text}".encode("utf-8")).digest()


class EmbeddingCache:
    """A persistent map from (model, text) to a float32 vector.

    >>> cache = EmbeddingCache(tmp_path / "emb.sqlite")        # doctest: +SKIP
    >>> vecs = cache.embed(embedder.name, texts, embedder.embed_passages)  # doctest: +SKIP
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS emb (key BLOB PRIMARY KEY, dim INTEGER, vec BLOB)")
        self.hits = 0
        self.misses = 0

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = list(keys[i : i + 500])
                q = f"SELECT key, dim, vec FROM emb WHERE key IN ({','.join('?' * len(part))})"
                for key, dim, blob in self._db.execute(q, part):
                    found[key] = np.frombuffer(blob, dtype=np.float32, count=dim).copy()
        return found

    def put_many(self, items: Sequence[tuple[bytes, np.ndarray]]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO emb (key, dim, vec) VALUES (?, ?, ?)",
                [(k, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for k, v in items],
            )

    def embed(
        self,
        model: str,
        texts: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
        mode: str = "passage",
        batch_size: int = 32,
        progress: bool = True,
    ) -> np.ndarray:
        """Vectors for ``texts``: cached ones read back, the others encoded in batches and stored.

        Identical texts are encoded once. Batches are written as they finish, so an
        interrupted build keeps what it had embedded.
        """
        keys = [content_key(model, mode, t) for t in texts]
        found = self.get_many(keys)
        todo: dict[bytes, str] = {}
        for k, t in zip(keys, texts):
            if k not in found and k not in todo:
                todo[k] = t
        self.hits += len(texts) - sum(1 for k in keys if k not in found)
        self.misses += len(todo)
        if todo:
            items = list(todo.items())
            # longest first: batches of similar length waste less padding
            items.sort(key=lambda kv: len(kv[1]), reverse=True)
            total_chars = sum(len(t) for _, t in items)
            with tqdm(total=total_chars, unit="char", unit_scale=True, desc="embedding",
                      disable=not progress, leave=False) as bar:
                for i in range(0, len(items), batch_size):
                    batch = items[i : i + batch_size]
                    vecs = encode([t for _, t in batch])
                    self.put_many([(k, v) for (k, _), v in zip(batch, vecs)])
                    for (k, _), v in zip(batch, vecs):
                        found[k] = v
                    bar.update(sum(len(t) for _, t in batch))
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def close(self) -> None:
        with self._lock:
            self._db.close()

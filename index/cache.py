"""Embeddings cached by content hash, so an unchanged chunk is never embedded twice.

One SQLite file maps ``sha256(embedder name, mode, text)`` to the vector. It lives
outside the index directory, so it survives rebuilds and is shared between indexes
built with the same embedder.

The file is in WAL mode and each batch is one transaction: a process killed while it
writes loses at most the batch it was writing, and the file opens afterwards. A file
SQLite cannot read (not a database, or damaged pages found when it is read or written)
is only a cache: it is moved aside as ``<name>.corrupt-<time>`` with a warning and an
empty cache takes its place, so the build goes on and recomputes what it needs.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
from tqdm.auto import tqdm

from .writers import fault_point

log = logging.getLogger(__name__)

T = TypeVar("T")


def is_busy(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite refused because another connection holds the file (not because it is damaged)."""
    return isinstance(exc, sqlite3.OperationalError) and any(word in str(exc) for word in ("locked", "busy"))


def content_key(model: str, mode: str, text: str) -> bytes:
    return hashlib.sha256(f"{model}\0{mode}\0{text}".encode("utf-8")).digest()


class EmbeddingCache:
    """A persistent map from (model, text) to a float32 vector.

    >>> cache = EmbeddingCache(tmp_path / "emb.sqlite")        # doctest: +SKIP
    >>> vecs = cache.embed(embedder.name, texts, embedder.embed_passages)  # doctest: +SKIP
    """

    def __init__(self, path: str | Path, busy_timeout_s: float = 30.0) -> None:
        """``busy_timeout_s``: how long SQLite waits for another process's transaction (a build beside a
        served UI, a distributed build's workers) before an open or a batch is tried again."""
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.recovered: Path | None = None  # where an unreadable cache file was moved, if one was
        for attempt in range(4):
            try:
                self._db = self._connect()
                break
            except sqlite3.OperationalError as exc:
                # a file another process holds locked past the busy timeout is busy, not damaged: wait
                if not is_busy(exc):
                    self._db = self._recover(exc)
                    break
                if attempt == 3:
                    raise
                log.warning("embedding cache %s is busy (%s); opening it again", self.path, exc)
                time.sleep(1.0 + attempt)
            except sqlite3.DatabaseError as exc:
                self._db = self._recover(exc)
                break

    def _connect(self) -> sqlite3.Connection:
        # timeout: another process (a build beside a served UI) may hold the write lock for a batch
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=self.busy_timeout_s)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS emb (key BLOB PRIMARY KEY, dim INTEGER, vec BLOB)")
            db.execute("SELECT key, dim, vec FROM emb LIMIT 1").fetchall()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _recover(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Move the unreadable cache file (with its WAL) aside and start an empty cache."""
        base = f"{self.path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}"
        aside, n = self.path.with_name(base), 1
        while aside.exists():
            aside, n = self.path.with_name(f"{base}-{n}"), n + 1
        try:
            self.path.replace(aside)
        except FileNotFoundError:  # another process moved it aside first
            log.warning("embedding cache %s could not be read (%s); another process replaced it", self.path, exc)
            return self._connect()
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.replace(aside.with_name(aside.name + suffix))
        log.warning("embedding cache %s could not be read (%s): moved it aside to %s and started an empty cache; "
                    "embeddings are recomputed as needed. Delete %s when you no longer need it.",
                    self.path, exc, aside, aside)
        self.recovered = aside
        return self._connect()

    def _guarded(self, op: Callable[[sqlite3.Connection], T], on_loss: Callable[[], T]) -> T:
        """Run ``op`` on the database (under the lock); a damaged file is recovered and ``on_loss`` answers."""
        with self._lock:
            try:
                return op(self._db)
            except sqlite3.DatabaseError as exc:
                if is_busy(exc):
                    raise  # busy, not damaged: another process held the file longer than the timeout
                log.debug("embedding cache %s failed: %s", self.path, exc)
                self._db.close()
                self._db = self._recover(exc)
        return on_loss()

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        def read(db: sqlite3.Connection) -> dict[bytes, np.ndarray]:
            found: dict[bytes, np.ndarray] = {}
            for i in range(0, len(keys), 500):
                part = list(keys[i : i + 500])
                q = f"SELECT key, dim, vec FROM emb WHERE key IN ({','.join('?' * len(part))})"
                for key, dim, blob in db.execute(q, part):
                    found[key] = np.frombuffer(blob, dtype=np.float32, count=dim).copy()
            return found

        return self._guarded(read, dict)

    def put_many(self, items: Sequence[tuple[bytes, np.ndarray]]) -> None:
        rows = [(k, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for k, v in items]

        def write(db: sqlite3.Connection) -> None:
            with db:  # one transaction: a kill before its commit loses this batch only
                db.executemany("INSERT OR REPLACE INTO emb (key, dim, vec) VALUES (?, ?, ?)", rows)
                fault_point("cache:batch")

        def again() -> None:  # into the fresh cache
            with self._lock:
                write(self._db)

        self._guarded(write, again)

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

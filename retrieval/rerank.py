"""Optional second-stage reranking of the fused hits with a cross-encoder.

A reranker rescores the top ``top_n`` fused hits of a query and reorders them; hits
below ``top_n`` follow unchanged. ``make_reranker("ce:/models/bge-reranker-base")``
gives a :class:`CrossEncoderReranker`; ``make_reranker("")`` or ``"none"`` gives None.

Scores. The cross-encoder's score is the model's sigmoid output in (0, 1). With
``blend=1.0`` (the default) it *replaces* the fused score; with ``0 <= blend < 1`` the
new score is ``blend * ce + (1 - blend) * fused / max_fused`` over the reranked window
(the fused score scaled so that the window's best is 1). The tail below ``top_n`` keeps
its fused scores, which are on the fusion's scale.

Nothing is downloaded: a model is a local directory, or a name already in the local
Hugging Face cache (loaded with ``local_files_only``).

>>> make_reranker("none") is None
True
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .types import Hit

log = logging.getLogger(__name__)

RERANK = "rerank"  # the key of the reranker's own rank in Hit.ranks

AIR_GAP_HELP = (
    "Put a cross-encoder on this machine first: on a machine with network run "
    "`python -c \"from sentence_transformers import CrossEncoder; "
    "CrossEncoder('BAAI/bge-reranker-base').save_pretrained('bge-reranker-base')\"` "
    "(or `hf download BAAI/bge-reranker-base --local-dir bge-reranker-base`), copy the folder over, "
    "and pass --reranker ce:/path/to/bge-reranker-base (or set POLICYQA_RERANKER). "
    "Nothing is downloaded at run time."
)


class RerankerError(ValueError):
    """A reranker that cannot be built or loaded (bad spec, missing model)."""


@runtime_checkable
class Reranker(Protocol):
    """Reorders the best ``top_n`` of ``hits`` for ``query``; see :func:`rerank_hits` for the contract."""

    def rerank(self, query: str, hits: list[Hit], top_n: int) -> list[Hit]: ...


@dataclass
class RerankedHit(Hit):
    """A hit the reranker scored: ``score`` is the final score, the other two its parts."""

    fused_score: float = 0.0
    rerank_score: float = 0.0


def unique_clauses(hits: Sequence[Hit]) -> list[Hit]:
    """``hits`` without a second hit on the same clause (the first, best-fused, stays)."""
    seen: set[str] = set()
    out = []
    for h in hits:
        if h.chunk.clause_id not in seen:
            seen.add(h.chunk.clause_id)
            out.append(h)
    return out


def passage_text(hit: Hit) -> str:
    """What the cross-encoder reads for a hit: document title and clause label, then the text."""
    c = hit.chunk
    return c.index_text or f"{c.doc_title} {c.clause_label}\n{c.text}"


def rerank_hits(hits: Sequence[Hit], scores: Sequence[float], top_n: int, blend: float = 1.0) -> list[Hit]:
    """Reorder the first ``top_n`` distinct-clause ``hits`` by ``scores`` (one per such hit).

    The result is those hits in descending order of their new score (ties keep the fused
    order), each a :class:`RerankedHit` with ``ranks["rerank"]`` its rank by ``scores``
    alone, then the remaining hits in their fused order with their fused scores; ranks
    are renumbered 1..n and no clause repeats. The input is not modified.

    >>> from ingest.types import Chunk
    >>> hs = [Hit(Chunk(str(i), "d", "T", f"d:t{i}", f"第{i}条", (), "s", 0, 1, "x", "x"), 3.0 - i, i + 1)
    ...       for i in range(3)]
    >>> [h.chunk.id for h in rerank_hits(hs, [0.1, 0.9], top_n=2)]
    ['1', '0', '2']
    """
    if top_n < 1:
        raise ValueError("top_n must be at least 1")
    if not 0.0 <= blend <= 1.0:
        raise ValueError(f"blend must be between 0 and 1, got {blend}")
    distinct = unique_clauses(hits)
    window, tail = distinct[:top_n], distinct[top_n:]
    ce = np.asarray(scores, dtype=np.float64).reshape(-1)
    if len(ce) != len(window):
        raise ValueError(f"{len(ce)} scores for {len(window)} hits to rerank")
    fused = np.asarray([h.score for h in window], dtype=np.float64)
    if blend >= 1.0:
        final = ce
    else:
        top = fused.max() if len(fused) and fused.max() > 0 else 1.0
        final = blend * ce + (1.0 - blend) * fused / top
    by_model = {int(i): r for r, i in enumerate(np.argsort(-ce, kind="stable"), start=1)}
    order = np.argsort(-final, kind="stable")
    out: list[Hit] = []
    for i in order:
        h = window[int(i)]
        out.append(RerankedHit(chunk=h.chunk, score=float(final[i]), rank=len(out) + 1,
                               ranks={**h.ranks, RERANK: by_model[int(i)]},
                               fused_score=float(h.score), rerank_score=float(ce[i])))
    out += [replace(h, rank=i, ranks=dict(h.ranks)) for i, h in enumerate(tail, start=len(out) + 1)]
    return out


def _looks_like_path(model: str) -> bool:
    """A spec meant as a directory (absolute, ./, ~, Windows drive) rather than a hub name."""
    return model.startswith(("/", ".", "~", "\\")) or (len(model) > 1 and model[1] == ":") or model.count("/") > 1


class CrossEncoderReranker:
    """Reranks with ``sentence_transformers.CrossEncoder`` over (query, title + label + clause text).

    ``model`` is a local directory or a model name already in the Hugging Face cache; a
    path that does not exist is rejected here, a name that is not cached on first use.
    The model is loaded on the first :meth:`rerank`. ``blend``: see the module docstring.

    >>> r = CrossEncoderReranker("/models/bge-reranker-base")   # doctest: +SKIP
    """

    def __init__(self, model: str, batch_size: int = 16, max_length: int = 512, device: str = "cpu",
                 blend: float = 1.0) -> None:
        if not model or not model.strip():
            raise RerankerError("reranker model is empty: give ce:<model directory>. " + AIR_GAP_HELP)
        if batch_size < 1 or max_length < 8:
            raise ValueError("batch_size must be at least 1 and max_length at least 8")
        if not 0.0 <= blend <= 1.0:
            raise ValueError(f"blend must be between 0 and 1, got {blend}")
        self.model = model.strip()
        path = Path(self.model).expanduser()
        if path.exists():
            if not path.is_dir():
                raise RerankerError(f"reranker model {path} is a file; give the model's directory")
            self._target = str(path)
        elif _looks_like_path(self.model):
            raise RerankerError(f"reranker model directory {path} does not exist. " + AIR_GAP_HELP)
        else:
            self._target = self.model  # a hub name: the local cache only
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self.blend = blend
        self.name = f"ce/{path.name if path.exists() else self.model}"
        self._ce = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._ce is None:
                from sentence_transformers import CrossEncoder

                try:
                    # num_labels=1: one relevance score per pair (what rerankers are trained for)
                    self._ce = CrossEncoder(self._target, device=self.device, max_length=self.max_length,
                                            num_labels=1, local_files_only=True)
                except Exception as exc:
                    raise RerankerError(f"cannot load cross-encoder {self.model!r}: {exc}. " + AIR_GAP_HELP) from exc
                log.info("reranker %s loaded", self.name)
        return self._ce

    def scores(self, query: str, passages: Sequence[str]) -> np.ndarray:
        """The model's relevance of each passage to ``query``, in (0, 1)."""
        if not passages:
            return np.zeros(0, dtype=np.float64)
        import torch

        ce = self._ce or self._load()
        out = ce.predict([(query, p) for p in passages], batch_size=self.batch_size, show_progress_bar=False,
                         activation_fn=torch.nn.Sigmoid(), convert_to_numpy=True)
        return np.asarray(out, dtype=np.float64).reshape(-1)

    def rerank(self, query: str, hits: list[Hit], top_n: int) -> list[Hit]:
        """The best ``top_n`` distinct-clause hits reordered by the cross-encoder (see :func:`rerank_hits`)."""
        if top_n < 1:
            raise ValueError("top_n must be at least 1")
        window = unique_clauses(hits)[:top_n]
        return rerank_hits(hits, self.scores(query, [passage_text(h) for h in window]), top_n, self.blend)


def make_reranker(spec: str | None, **kwargs) -> Reranker | None:
    """A reranker from a spec: ``""``/``"none"`` → None, ``"ce:<model dir or cached name>"`` → cross-encoder.

    ``kwargs`` go to :class:`CrossEncoderReranker` (``blend``, ``batch_size``, ``max_length``, ``device``).
    """
    spec = (spec or "").strip()
    if spec.lower() in ("", "none", "off"):
        return None
    if spec.startswith(("ce:", "cross-encoder:")):
        return CrossEncoderReranker(spec.split(":", 1)[1], **kwargs)
    raise RerankerError(f"unknown reranker {spec!r}: use 'none' or 'ce:<cross-encoder model directory>'")

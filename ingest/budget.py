"""Read and parse each input file within a time and memory budget, in a worker process.

A file that takes longer than ``FileBudget.seconds`` (a PDF page of 200,000 text runs) or needs
more memory than ``FileBudget.memory_bytes`` is skipped with the reason; the worker is replaced
and the build goes on with the next file. Nothing a file does can hold the build or the server
that runs it: the work happens in one child process (``python -m ingest.budget``; no fork of a
threaded server), started once per run and reused for every file that stays within the budget.

>>> budget = FileBudget(seconds=60)
>>> with BudgetedParser(budget) as parser:                      # doctest: +SKIP
...     got = parser.parse(Path("corpus/000_a6358ce5c5e8d387.txt"), "000_a6358ce5c5e8d387.txt")
"""

from __future__ import annotations

import logging
import os
import pickle
import resource
import select
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from .loaders import read_source
from .parsing import parse_source
from .types import Document, IngestError, IngestProblem, SourceText

log = logging.getLogger(__name__)

Parsed = tuple[SourceText, list[Document]]


@dataclass(frozen=True)
class FileBudget:
    """How long one file may take to read and parse, and how much memory its worker may use.

    The largest real law PDF at hand (under 5 MB, a few hundred pages) reads in under 30 s on
    a slow machine; 120 s is four times that. ``memory_bytes`` caps the worker's address space
    (``RLIMIT_AS``), well above what a normal file needs and well below the machine's.
    """

    seconds: float = 120.0
    memory_bytes: int = 3 * 1024 ** 3

    def __post_init__(self) -> None:
        if self.seconds <= 0 or self.memory_bytes <= 0:
            raise ValueError(f"FileBudget needs positive limits, got {self}")


def parse_file(path: Path, name: str) -> Parsed | IngestProblem:
    """Read one file and find its documents, in this process: its sources and documents, or its
    problem. What a worker runs; an unexpected error becomes a problem too."""
    try:
        source = read_source(path, name)
    except IngestError as exc:
        return exc.problem
    except MemoryError:
        return IngestProblem(name, "reading it needs more memory than a file may use", _SPLIT)
    except Exception as exc:  # a reader's library failing on odd input must not end the run
        log.exception("cannot read %s", name)
        return IngestProblem(name, f"cannot read the file ({type(exc).__name__})", "report this file as a bug")
    try:
        return source, parse_source(source)
    except MemoryError:
        return IngestProblem(name, "parsing it needs more memory than a file may use", _SPLIT)
    except Exception as exc:
        log.exception("cannot parse %s", name)
        return IngestProblem(name, f"parse failed ({type(exc).__name__})", "report this file as a bug")


_SPLIT = "split it into smaller files"
_READY = "ready"
_START_SECONDS = 120  # for the worker's imports, on a machine as busy as it may be


def _serve(memory_bytes: int) -> None:
    """The worker (``python -m ingest.budget MEMORY_BYTES``): parse each (path, name) read from
    stdin, write back what :func:`parse_file` gives; frames are a length and a pickle."""
    logging.basicConfig(level=logging.WARNING)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, never into the frames
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ValueError, OSError):  # a lower hard limit is already set: keep it
        pass
    _write_frame(out, _READY)  # loaded: the budget of the first file starts now, not with the imports
    while (job := _read_frame(sys.stdin.buffer)) is not None:
        _write_frame(out, parse_file(*job))


def _write_frame(f: BinaryIO, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    f.write(struct.pack("<Q", len(data)) + data)
    f.flush()


def _read_frame(f: BinaryIO) -> Any:
    head = f.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack("<Q", head)
    data = f.read(size)
    if len(data) < size:
        raise EOFError("the worker ended in the middle of an answer")
    return pickle.loads(data)


class BudgetedParser:
    """Parses files one by one in a worker process, each within the budget (a context manager).

    The worker is a child process of its own (``python -m ingest.budget``), so it can be started
    from any thread, from a server, even from a daemonic process, and killed when over budget.
    """

    def __init__(self, budget: FileBudget | None = None) -> None:
        self.budget = budget or FileBudget()
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "BudgetedParser":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            self.close()
            root = str(Path(__file__).resolve().parents[1])
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
            # -P: the worker imports this process's code (``root``), not a checkout that is the working directory
            proc = subprocess.Popen([sys.executable, "-P", "-m", "ingest.budget", str(self.budget.memory_bytes)],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            self._proc = proc
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], _START_SECONDS)
            try:
                started = bool(ready) and _read_frame(proc.stdout) == _READY
            except (EOFError, OSError, pickle.UnpicklingError):
                started = False
            if not started:
                self.close()
                raise RuntimeError(f"the reader process did not start within {_START_SECONDS} s")
        return self._proc

    def parse(self, path: Path, name: str) -> Parsed | IngestProblem:
        """The file's source and documents, or its problem — within the budget, whatever the file.
        Where no worker process can be started, the file is read in this process, without a budget."""
        try:
            proc = self._start()
        except (RuntimeError, OSError) as exc:
            log.warning("reading %s in this process, without a budget: %s", name, exc)
            return parse_file(path, name)
        assert proc.stdin is not None and proc.stdout is not None
        try:
            _write_frame(proc.stdin, (path, name))
            ready, _, _ = select.select([proc.stdout], [], [], self.budget.seconds)
            if ready:
                got = _read_frame(proc.stdout)
                if got is not None:
                    return got
        except (EOFError, OSError, pickle.UnpicklingError):
            pass
        else:
            if not ready:
                self.close()
                log.warning("skipped %s: not read within %.0f s", name, self.budget.seconds)
                return IngestProblem(name, f"not read within the time budget of {self.budget.seconds:.0f} s (too "
                                           "large or too complex: one line or one page holding too much)", _SPLIT)
        code = proc.poll()
        self.close()
        log.warning("the worker reading %s ended (exit code %s)", name, code)
        return IngestProblem(name, "reading it ended the reader (out of memory?)", _SPLIT)

    def close(self) -> None:
        """Stop the worker (a stuck one is killed)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))

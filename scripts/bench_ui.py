"""Web UI benchmark: time to interactive after ``policyqa serve`` is ready, and answer latency with
concurrent users.

1. Starts ``policyqa serve`` on 127.0.0.1 (a free port) over ``--index``, waits until it prints
   its URL (the engine is open and warm, the server listening), then loads the page in headless
   Chromium and times navigation start → the question box enabled (and the wall time from the
   ready line to that moment).
2. Runs ``--users`` concurrent users against ``/ask`` for ``--requests`` requests in all (questions
   from eval/questions.jsonl, in order, repeated as needed), and reports p50/p95/max latency per
   answer as a user sees it (request sent → answer received), p99 and the throughput, and the server
   process's resident memory after the load and at its peak. Users speak
   plain HTTP to the Gradio API (POST, then the event stream), as the page's JavaScript does;
   ``--via gradio_client`` uses the Python client instead, whose own cost per request (threads,
   polling) is several times the server's on a 2-core machine.

    python scripts/bench_ui.py --index /tmp/ui-index --cache /tmp/fullcache [--users 10 --requests 200]

The index is only read (asks do not write); copy it first if in doubt. Figures go to stdout and,
with ``--out``, to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout first: its cli, ui, and tests/browser/headless.py


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def _policyqa() -> list[str]:
    """``policyqa`` of this checkout (run from ROOT, so a shared venv's install is not used)."""
    return [sys.executable, "-m", "cli.main"]


def start_server(index: str, cache: str | None, port: int) -> tuple[subprocess.Popen, float, str]:
    """``policyqa serve`` as a child process; returns it, the time its ready line arrived, the URL."""
    # its clients all come from 127.0.0.1: no per-client rate limit for the benchmark
    env = dict(os.environ, PYTHONUNBUFFERED="1", POLICYQA_UI_ASKS_PER_MINUTE="0", POLICYQA_UI_UPLOADS_PER_MINUTE="0")
    cmd = [*_policyqa(), "serve", "--index", index, "--host", "127.0.0.1", "--port", str(port)]
    if cache:
        cmd += ["--cache", cache]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("policyqa UI: "):
            ready = time.perf_counter()
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # drain
            return proc, ready, line.split(": ", 1)[1].strip()
    proc.wait()
    raise SystemExit(f"policyqa serve exited with {proc.returncode} before it was ready")


def time_to_interactive(driver, url: str, ready: float) -> dict[str, float]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    box = WebDriverWait(driver, 60, poll_frequency=0.02).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, "#question textarea")))
    wall = time.perf_counter() - ready
    nav = driver.execute_script("return performance.now();")  # ms since navigation start
    assert box.is_enabled()
    return {"navigation_to_interactive_s": round(nav / 1000, 3), "ready_to_interactive_s": round(wall, 3)}


SCREENSHOT_QUESTION = "我们处理了120万人的个人信息，要把客服数据传到新加坡总部，需要申报安全评估吗？"


def screenshot(url: str, path: str, width: int = 1440, height: int = 900) -> None:
    """The README picture: the compliance question answered, its second citation opened."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser.headless import chrome

    driver = chrome(width, height)
    try:
        driver.get(url)
        wait = WebDriverWait(driver, 60)
        box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#question textarea")))
        box.send_keys(SCREENSHOT_QUESTION, Keys.ENTER)
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#answer .pq-marker")))
        markers = driver.find_elements(By.CSS_SELECTOR, "#answer .pq-marker")
        key = markers[min(1, len(markers) - 1)].get_attribute("data-view")
        driver.find_element(By.CSS_SELECTOR, f"#answer .pq-marker[data-view='{key}']").click()
        # the picture waits for what it shows: that citation's view open, its quote visible, fonts loaded
        wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, f"#pq-view-{key}.pq-active mark")))
        wait.until(lambda d: d.execute_script("return document.fonts.status === 'loaded';"))
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(path)
    finally:
        driver.quit()


def _ask_http(client, url: str, question: str) -> dict:
    """One /ask over Gradio's HTTP API, as the page's own JavaScript client does it: POST the
    inputs, then read the event stream until the result."""
    url = url.rstrip("/") + "/"
    r = client.post(f"{url}gradio_api/call/ask", json={"data": [question, None, None, None, "", "", None]})
    r.raise_for_status()
    event_id = r.json()["event_id"]
    event = None
    with client.stream("GET", f"{url}gradio_api/call/ask/{event_id}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                if event == "error":
                    raise RuntimeError(line[5:].strip())
                return json.loads(line[5:])[0]
    raise RuntimeError("the event stream ended without a result")


def load(url: str, questions: list[str], users: int, requests: int, via: str = "http") -> dict[str, float]:
    """``users`` threads share ``requests`` questions; each request is timed from sending to the
    answer received. ``via``: "http" (plain HTTP, like the browser) or "gradio_client"."""
    import httpx

    jobs: queue.Queue[str] = queue.Queue()
    for i in range(requests):
        jobs.put(questions[i % len(questions)])
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    if via == "gradio_client":
        from gradio_client import Client

        clients = [Client(url, verbose=False) for _ in range(users)]

        def ask(client, q: str) -> None:
            client.predict(q, api_name="/ask")
    else:
        clients = [httpx.Client(timeout=120) for _ in range(users)]

        def ask(client, q: str) -> None:
            _ask_http(client, url, q)
    ask(clients[0], "数据出境安全评估")  # one warm-up request, not counted
    barrier = threading.Barrier(users)

    def user(client) -> None:
        barrier.wait()
        while True:
            try:
                q = jobs.get_nowait()
            except queue.Empty:
                return
            t0 = time.perf_counter()
            try:
                ask(client, q)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(f"{q}: {exc}")
                continue
            with lock:
                latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=user, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if via != "gradio_client":
        for c in clients:
            c.close()
    if errors:
        print(f"{len(errors)} failed requests, first: {errors[0]}", file=sys.stderr)
    if not latencies:
        raise SystemExit("no request succeeded")
    return {"via": via, "users": users, "requests": requests, "answered": len(latencies), "errors": len(errors),
            "p50_ms": round(statistics.median(latencies) * 1000), "p95_ms": round(_percentile(latencies, 95) * 1000),
            "p99_ms": round(_percentile(latencies, 99) * 1000), "max_ms": round(max(latencies) * 1000),
            "throughput_per_s": round(len(latencies) / elapsed, 1),
            "elapsed_s": round(elapsed, 1)}


def _memory(pid: int) -> dict[str, float]:
    """The server process's resident memory now and at its peak (Linux /proc), in MB."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out["rss" if key == "VmRSS" else "peak_rss"] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", required=True, help="index directory (only read)")
    ap.add_argument("--cache", help="embedding cache directory")
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--via", choices=["http", "gradio_client"], default="http",
                    help="plain HTTP to the Gradio API, as the page does (default), or gradio_client")
    ap.add_argument("--tti-runs", type=int, default=5, help="page loads to time (a fresh browser each)")
    ap.add_argument("--questions", default=str(ROOT / "eval" / "questions.jsonl"))
    ap.add_argument("--out", help="write the figures as JSON here")
    ap.add_argument("--screenshot", help="also save the README screenshot (1440×900) here, e.g. docs/screenshot.png")
    args = ap.parse_args(argv)
    if args.users < 1 or args.requests < 1:
        ap.error("--users and --requests must be positive")

    from tests.browser.headless import chrome, missing

    why = missing()
    if why:
        raise SystemExit(why)
    questions = [json.loads(line)["question"] for line in open(args.questions, encoding="utf-8") if line.strip()]
    driver = chrome(1440, 900)  # started first, so the browser's own start-up is not counted
    driver.get("about:blank")
    proc, ready, url = start_server(args.index, args.cache, _free_port())
    try:
        try:
            first = time_to_interactive(driver, url, ready)  # the first page load right after "ready"
        finally:
            driver.quit()
        again = []
        for _ in range(args.tti_runs):  # a fresh browser (empty cache) each time
            driver = chrome(1440, 900)
            try:
                driver.get("about:blank")
                again.append(time_to_interactive(driver, url, time.perf_counter())["navigation_to_interactive_s"])
            finally:
                driver.quit()
        figures = {
            "time_to_interactive": {"first_load_after_ready": first,
                                    "navigation_to_interactive_s": {"best": min(again),
                                                                    "median": statistics.median(again),
                                                                    "runs": again}},
            "ask_under_load": load(url, questions, args.users, args.requests, args.via),
            "server_memory_mb": _memory(proc.pid),
        }
        if args.screenshot:
            screenshot(url, args.screenshot)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

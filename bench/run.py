"""Benchmark Kiosque against a bare Flask app: cold start, throughput, memory and page weight."""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.settings import SETTINGS
from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port
from tests.pages import PAGES

ROOT = Path(__file__).resolve().parent.parent

MIN_RATIO = 0.4
MAX_RSS_MB = 64.0
MAX_COLD_START_S = 1.5
MAX_PAGE_REQUESTS = 6
MAX_PAGE_KB = 60.0

PYTHON = str(ROOT / ".venv" / "bin" / "python")
THREADS = next(int(s.default) for s in SETTINGS if s.name == "KIOSK_THREADS")
COLD_STARTS = 5
WARMUP_SECONDS = 2
LATENCY_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
Server = tuple[subprocess.Popen, float]


@contextmanager
def server(cmd: list[str], env: dict[str, str], ready_url: str, log: Path) -> Iterator[Server]:
    """Run a server for the block; yield it and the seconds from spawn to its first 200."""
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text(errors="replace")[-2000:]
                    raise SystemExit(f"bench: {cmd[-1]} never answered {ready_url}:\n{tail}")
                try:
                    with urllib.request.urlopen(ready_url, timeout=1) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                time.sleep(0.01)
            yield proc, time.perf_counter() - start
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def app_server(tmp: Path, port: int) -> AbstractContextManager[Server]:
    """Return the real app's server context on `port`, with demo data in a fresh folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(KIOSK_HOST="127.0.0.1", KIOSK_PORT=str(port), KIOSK_DATA_DIR=str(tmp / "data"),
               KIOSK_DEMO="true")
    return server([PYTHON, "app.py"], env, f"http://127.0.0.1:{port}/healthz", tmp / "app.log")


def ensure_wrk() -> str:
    """Return the path of wrk, installing the Debian package if it is missing."""
    if path := shutil.which("wrk"):
        return path
    print("bench: wrk not found, running `apt-get install -y wrk`", file=sys.stderr)
    try:
        error = subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True,
                               text=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
                               ).stderr[-1500:]
    except OSError as exc:
        error = str(exc)
    if path := shutil.which("wrk"):
        return path
    raise SystemExit(f"bench: wrk is needed and `apt-get install -y wrk` failed:\n{error}")


def run_wrk(wrk: str, url: str, seconds: int) -> dict[str, float]:
    """Load `url` with wrk; return requests/s, p99 latency in ms, non-2xx/3xx and socket errors."""
    cmd = [wrk, "-t2", "-c8", f"-d{seconds}s", "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    if out.returncode or rps is None:
        raise SystemExit(f"bench: wrk failed on {url}:\n{out.stdout}{out.stderr}")
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", out.stdout, re.MULTILINE)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out.stdout)
    errors = re.search(r"Socket errors:(.*)", out.stdout)
    return {"rps": float(rps.group(1)),
            "p99_ms": float(p99.group(1)) * LATENCY_MS[p99.group(2)] if p99 else float("nan"),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(map(int, re.findall(r"\d+", errors.group(1)))) if errors else 0}


def summarize(runs: list[dict[str, float]]) -> dict[str, float]:
    """Return the median rate and p99 of several wrk runs, and their total failures."""
    return {"rps": statistics.median(r["rps"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "non2xx": sum(r["non2xx"] for r in runs),
            "socket_errors": sum(r["socket_errors"] for r in runs)}


def rss_mb(pid: int) -> float:
    """Return the resident memory of a process in MB, read from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def measure_page(browser: Any, url: str) -> dict[str, Any]:
    """Load `url` in a fresh context; return its status, requests, KB and browser errors."""
    context = browser.new_context()
    try:
        page = context.new_page()
        finished: list[Any] = []
        errors: list[str] = []
        page.on("requestfinished", lambda request: finished.append(request))
        page.on("requestfailed", lambda request: errors.append(f"failed {request.url}"))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        sizes = [request.sizes() for request in finished]
        total = sum(size["responseBodySize"] + size["responseHeadersSize"] for size in sizes)
        return {"status": response.status if response else None, "requests": len(finished),
                "kb": total / 1024, "errors": errors}
    finally:
        context.close()


def page_weights(base: str, lang: str = "fr") -> list[dict[str, Any]]:
    """Measure the first load of every resident page in a language with headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            return [{"name": p.name, "expected": p.status,
                     **measure_page(browser, p.url(base, lang))} for p in PAGES if p.resident]
        finally:
            browser.close()


def measure(rounds: int, duration: int) -> dict[str, Any]:
    """Take every measure: cold starts, wrk rounds, RSS, page weights and server-log warnings."""
    wrk = ensure_wrk()
    cold = []
    for _ in range(COLD_STARTS):
        with (
            tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp,
            app_server(Path(tmp), free_port()) as (_, seconds),
        ):
            cold.append(seconds)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kiosk-bench-")))
        port, bare_port = free_port(), free_port()
        app, _ = stack.enter_context(app_server(tmp, port))
        bare_url = f"http://127.0.0.1:{bare_port}/"
        bare_cmd = [PYTHON, str(ROOT / "bench" / "bare.py"), str(bare_port), str(THREADS)]
        bare, _ = stack.enter_context(server(bare_cmd, {**os.environ}, bare_url, tmp / "bare.log"))
        base = f"http://127.0.0.1:{port}"
        targets = {"bare /": bare_url, "app /": f"{base}/", "app /fr/": f"{base}/fr/"}
        for url in targets.values():
            run_wrk(wrk, url, WARMUP_SECONDS)
        runs = [[run_wrk(wrk, url, duration) for url in targets.values()] for _ in range(rounds)]
        rss = {"app": rss_mb(app.pid), "bare": rss_mb(bare.pid)}
        pages = page_weights(base)
        log = (tmp / "app.log").read_text(errors="replace").splitlines()
        problems = [f"app log: {line}" for line in log if re.search(r"Traceback|ERROR", line)][:5]
    load = {name: summarize([r[i] for r in runs]) for i, name in enumerate(targets)}
    # Each round loads the bare app then the app's pages back to back: a ratio per round.
    round_ratios = {name: [r[i]["rps"] / r[0]["rps"] for r in runs]
                    for i, name in enumerate(targets) if i}
    return {"round_ratios": round_ratios,
            "settings": {"rounds": rounds, "duration_s": duration, "threads": THREADS,
                         "cpus": os.cpu_count()},
            "cold_start_s": {"median": statistics.median(cold), "runs": cold},
            "load": load, "rss_mb": rss, "pages": pages, "problems": problems}


def check(result: dict[str, Any]) -> None:
    """Add ratios, budget verdicts and noticed problems to the result."""
    load, problems = result["load"], result["problems"]
    result["ratios"] = {n: load[n]["rps"] / load["bare /"]["rps"] for n in ("app /", "app /fr/")}
    budgets = [(f"ratio {n}", r, ">=", MIN_RATIO) for n, r in result["ratios"].items()]
    budgets += [("app RSS MB", result["rss_mb"]["app"], "<=", MAX_RSS_MB),
                ("cold start s", result["cold_start_s"]["median"], "<=", MAX_COLD_START_S)]
    for page in result["pages"]:
        budgets += [(f"{page['name']} requests", page["requests"], "<=", MAX_PAGE_REQUESTS),
                    (f"{page['name']} KB", page["kb"], "<=", MAX_PAGE_KB)]
        if page["status"] != page["expected"]:
            problems.append(f"{page['name']}: status {page['status']}, not {page['expected']}")
        own = f"status of {page['expected']}"  # the console line for a page's intended error
        problems += [f"{page['name']}: browser: {text}" for text in page["errors"]
                     if page["expected"] == 200 or own not in text]
    for name, figures in load.items():
        if figures["non2xx"] or figures["socket_errors"]:
            problems.append(f"wrk {name}: {figures['non2xx']:.0f} non-2xx/3xx responses, "
                            f"{figures['socket_errors']:.0f} socket errors")
    result["budgets"] = [{"name": name, "value": round(value, 3), "op": op, "limit": limit,
                          "pass": value <= limit if op == "<=" else value >= limit}
                         for name, value, op, limit in budgets]
    result["pass"] = all(b["pass"] for b in result["budgets"])


def report(result: dict[str, Any]) -> str:
    """Format the result as a compact text report, each budget beside its measure."""
    budgets = {b["name"]: f"{b['op']} {b['limit']:<4g} {'PASS' if b['pass'] else 'FAIL'}"
               for b in result["budgets"]}
    s, rss, cold = result["settings"], result["rss_mb"], result["cold_start_s"]
    lines = [f"Kiosque bench: {s['cpus']} CPUs, {s['threads']} server threads, wrk -t2 -c8 "
             f"-d{s['duration_s']}s, {s['rounds']} round(s), medians",
             "", f"{'load':<10}{'req/s':>8}{'p99 ms':>9}{'ratio':>7}  budget"]
    for name, fig in result["load"].items():
        ratio = result["ratios"].get(name)
        spread = " ".join(f"{r:.2f}" for r in result["round_ratios"].get(name, []))
        verdict = (f"{ratio:>7.2f}  {budgets['ratio ' + name]}   (rounds: {spread})"
                   if ratio is not None else "")
        lines.append(f"{name:<10}{fig['rps']:>8.0f}{fig['p99_ms']:>9.2f}{verdict}")
    runs = " ".join(f"{t:.2f}" for t in cold["runs"])
    lines += ["", f"{'cold start':<12}{cold['median']:>6.2f} s   {budgets['cold start s']}"
              f"   (runs: {runs})",
              f"{'app RSS':<12}{rss['app']:>6.1f} MB  {budgets['app RSS MB']}"
              f"   (bare: {rss['bare']:.1f} MB, after load)",
              "", f"{'page (fr, first load)':<24}{'status':>6}{'requests':>10}{'':14}{'KB':>8}"]
    lines += [f"{p['name']:<24}{p['status']!s:>6}{p['requests']:>10}  "
              f"{budgets[p['name'] + ' requests']}{p['kb']:>8.1f}  {budgets[p['name'] + ' KB']}"
              for p in result["pages"]]
    lines += ["", *(f"note: {problem}" for problem in result["problems"])]
    failed = sum(not b["pass"] for b in result["budgets"])
    lines.append(f"{failed} budget(s) FAIL" if failed else "all budgets PASS")
    return "\n".join(lines)


def main() -> int:
    """Parse options, run the benchmark, print the report; return 1 if a budget fails."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="wrk rounds (default 3)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    if args.rounds < 1 or args.duration < 1:
        parser.error("--rounds and --duration must be at least 1")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = measure(args.rounds, args.duration)
    check(result)
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())

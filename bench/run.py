"""Benchmark Kiosque against a bare Flask app: cold start, throughput, memory, leaks, page weight.

Throughput is measured twice: free on this machine, then with both servers pinned to one CPU
core (taskset) under a 256 MB address-space limit (prlimit), as on a 2014 dual-core kiosk PC.
"""
from __future__ import annotations

import argparse
import http.client
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

from bench import sync as sync_bench
from bench.ecoindex import DOM_COUNT_SCRIPT, ecoindex, grade
from kiosk.settings import SETTINGS
from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port
from tests.pages import PAGES

ROOT = Path(__file__).resolve().parent.parent

MIN_RATIO = 0.5
MAX_RSS_MB = 64.0
MAX_GROWTH_MB = 3.0  # RSS after 10,000 requests minus after 1,000: more means a leak
MIN_ECOINDEX = 85.0
PINNED_CPU = "0"
MEMORY_LIMIT = 256 * 1024 * 1024
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


def constrained(cmd: list[str], pinned: bool) -> list[str]:
    """Return a command run on one CPU core under the memory limit, when asked and possible.

    glibc reserves 64 MB of address space per thread arena: under a 256 MB limit, two arenas
    (MALLOC_ARENA_MAX=2, as deploy/kiosque.service sets) let waitress start its threads.
    """
    if not pinned:
        return cmd
    return ["env", "MALLOC_ARENA_MAX=2", "taskset", "-c", PINNED_CPU,
            "prlimit", f"--as={MEMORY_LIMIT}", "--", *cmd]


def app_server(tmp: Path, port: int, pinned: bool = False) -> AbstractContextManager[Server]:
    """Return the real app's server context on `port`, with demo data in a fresh folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(KIOSK_HOST="127.0.0.1", KIOSK_PORT=str(port), KIOSK_DATA_DIR=str(tmp / "data"),
               KIOSK_DEMO="true")
    log = tmp / ("app-pinned.log" if pinned else "app.log")
    return server(constrained([PYTHON, "app.py"], pinned), env, f"http://127.0.0.1:{port}/healthz", log)


def bare_server(tmp: Path, port: int, pinned: bool = False) -> AbstractContextManager[Server]:
    """Return the bare Flask + waitress baseline's server context on `port`."""
    cmd = constrained([PYTHON, str(ROOT / "bench" / "bare.py"), str(port), str(THREADS)], pinned)
    log = tmp / ("bare-pinned.log" if pinned else "bare.log")
    return server(cmd, {**os.environ}, f"http://127.0.0.1:{port}/", log)


def visit_cookie(base: str, path: str) -> str:
    """Open a page once and return the Cookie header that continues that visit."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    cookies = [value.split(";", 1)[0] for name, value in response.getheaders() if name == "Set-Cookie"]
    connection.close()
    return "; ".join(cookies)


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


def run_wrk(wrk: str, url: str, seconds: int, cookie: str = "", pinned: bool = False
            ) -> dict[str, float]:
    """Load `url` with wrk; return requests/s, p99 latency in ms, non-2xx/3xx and socket errors."""
    cmd = [wrk, "-t2", "-c8", f"-d{seconds}s", "--latency", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    if pinned:  # the load generator keeps off the servers' core
        cmd = ["taskset", "-c", f"1-{(os.cpu_count() or 2) - 1}", *cmd]
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
        dom = page.evaluate(DOM_COUNT_SCRIPT)
        score = ecoindex(dom, len(finished), total / 1024)
        return {"status": response.status if response else None, "requests": len(finished),
                "kb": total / 1024, "dom": dom, "ecoindex": score, "grade": grade(score),
                "errors": errors}
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


STEP = next(page for page in PAGES if page.name.startswith("ants-id-card/"))


def load_rounds(wrk: str, tmp: Path, rounds: int, duration: int, pinned: bool) -> tuple[Any, ...]:
    """Run wrk rounds on the bare app, the home and a flow step; return runs, processes, base."""
    stack = ExitStack()
    port, bare_port = free_port(), free_port()
    app, _ = stack.enter_context(app_server(tmp, port, pinned))
    bare, _ = stack.enter_context(bare_server(tmp, bare_port, pinned))
    base = f"http://127.0.0.1:{port}"
    step_path = STEP.path.format(lang="fr")
    cookie = visit_cookie(base, step_path)
    targets = {"bare /": (f"http://127.0.0.1:{bare_port}/", ""), "app /": (f"{base}/", ""),
               "app /fr/": (f"{base}/fr/", ""), "app step": (base + step_path, cookie)}
    for url, visit in targets.values():
        run_wrk(wrk, url, WARMUP_SECONDS, visit, pinned)
    runs = [[run_wrk(wrk, url, duration, visit, pinned) for url, visit in targets.values()]
            for _ in range(rounds)]
    return stack, runs, list(targets), app, bare, base


def leak_check(tmp: Path) -> dict[str, float]:
    """Serve every registered page in turn; return RSS after 1,000 and after 10,000 requests."""
    tmp.mkdir(parents=True, exist_ok=True)
    with app_server(tmp, port := free_port()) as (app, _):
        paths = [page.path.format(lang="fr") for page in PAGES if page.status == 200]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        cookie = visit_cookie(f"http://127.0.0.1:{port}", paths[0])
        rss = {}
        for n in range(10_000):
            connection.request("GET", paths[n % len(paths)], headers={"Cookie": cookie})
            connection.getresponse().read()
            if n + 1 in (1_000, 10_000):
                rss[f"after {n + 1}"] = rss_mb(app.pid)
        connection.close()
    return rss


def ratios_by_round(runs: list[list[dict[str, float]]], targets: list[str]) -> dict[str, list[float]]:
    """Return each app page's ratio to the bare app, round by round (a round loads the bare app
    then the app's pages back to back)."""
    return {name: [r[i]["rps"] / r[0]["rps"] for r in runs] for i, name in enumerate(targets) if i}


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
    can_pin = (os.cpu_count() or 1) >= 2 and bool(shutil.which("taskset") and shutil.which("prlimit"))
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as name:
        tmp = Path(name)
        stack, runs, targets, app, bare, base = load_rounds(wrk, tmp, rounds, duration, pinned=False)
        with stack:
            rss = {"app": rss_mb(app.pid), "bare": rss_mb(bare.pid)}
            pages = page_weights(base)
        pinned_runs: list[Any] = []
        if can_pin:
            stack, pinned_runs, _, _, _, _ = load_rounds(wrk, tmp, rounds, duration, pinned=True)
            stack.close()
        leak = leak_check(tmp / "leak")
        log = "\n".join(path.read_text(errors="replace") for path in tmp.glob("app*.log")).splitlines()
        problems = [f"app log: {line}" for line in log if re.search(r"Traceback|ERROR", line)][:5]
    if not can_pin:
        problems.append("pinned run skipped: needs 2 CPUs, taskset and prlimit")
    load = {name: summarize([r[i] for r in runs]) for i, name in enumerate(targets)}
    pinned = {name: summarize([r[i] for r in pinned_runs]) for i, name in enumerate(targets)
              } if pinned_runs else {}
    return {"round_ratios": ratios_by_round(runs, targets),
            "pinned_round_ratios": ratios_by_round(pinned_runs, targets),
            "settings": {"rounds": rounds, "duration_s": duration, "threads": THREADS,
                         "cpus": os.cpu_count(), "step": STEP.path.format(lang="fr")},
            "cold_start_s": {"median": statistics.median(cold), "runs": cold},
            "load": load, "pinned": pinned, "rss_mb": rss, "leak_rss_mb": leak, "pages": pages,
            "sync": sync_bench.measure(), "problems": problems}


def check(result: dict[str, Any]) -> None:
    """Add ratios, budget verdicts and noticed problems to the result."""
    load, problems = result["load"], result["problems"]
    result["ratios"] = {n: load[n]["rps"] / load["bare /"]["rps"] for n in load if n != "bare /"}
    pinned = result["pinned"]
    result["pinned_ratios"] = {n: pinned[n]["rps"] / pinned["bare /"]["rps"]
                               for n in pinned if n != "bare /"}
    budgets = [(f"ratio {n}", r, ">=", MIN_RATIO) for n, r in result["ratios"].items()]
    budgets += [(f"pinned ratio {n}", r, ">=", MIN_RATIO) for n, r in result["pinned_ratios"].items()]
    leak = result["leak_rss_mb"]
    budgets += [("app RSS MB", result["rss_mb"]["app"], "<=", MAX_RSS_MB),
                ("RSS after 10000 MB", leak["after 10000"], "<=", MAX_RSS_MB),
                ("RSS growth MB", leak["after 10000"] - leak["after 1000"], "<=", MAX_GROWTH_MB),
                ("cold start s", result["cold_start_s"]["median"], "<=", MAX_COLD_START_S)]
    budgets += sync_bench.budgets(result["sync"])
    for page in result["pages"]:
        budgets += [(f"{page['name']} requests", page["requests"], "<=", MAX_PAGE_REQUESTS),
                    (f"{page['name']} KB", page["kb"], "<=", MAX_PAGE_KB),
                    (f"{page['name']} EcoIndex", page["ecoindex"], ">=", MIN_ECOINDEX)]
        if page["status"] != page["expected"]:
            problems.append(f"{page['name']}: status {page['status']}, not {page['expected']}")
        own = f"status of {page['expected']}"  # the console line for a page's intended error
        problems += [f"{page['name']}: browser: {text}" for text in page["errors"]
                     if page["expected"] == 200 or own not in text]
    for name, figures in [*load.items(), *(("pinned " + n, f) for n, f in pinned.items())]:
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
    if result["pinned"]:
        lines += ["", f"pinned to CPU {PINNED_CPU}, address space <= {MEMORY_LIMIT // 2**20} MB:"]
        for name, fig in result["pinned"].items():
            ratio = result["pinned_ratios"].get(name)
            spread = " ".join(f"{r:.2f}" for r in result["pinned_round_ratios"].get(name, []))
            verdict = (f"{ratio:>7.2f}  {budgets['pinned ratio ' + name]}   (rounds: {spread})"
                       if ratio is not None else "")
            lines.append(f"{name:<10}{fig['rps']:>8.0f}{fig['p99_ms']:>9.2f}{verdict}")
    leak = result["leak_rss_mb"]
    runs = " ".join(f"{t:.2f}" for t in cold["runs"])
    lines += ["", f"{'cold start':<12}{cold['median']:>6.2f} s   {budgets['cold start s']}"
              f"   (runs: {runs})",
              f"{'app RSS':<12}{rss['app']:>6.1f} MB  {budgets['app RSS MB']}"
              f"   (bare: {rss['bare']:.1f} MB, after load)",
              f"{'leak check':<12}{leak['after 10000']:>6.1f} MB  {budgets['RSS after 10000 MB']}"
              f"   after 10,000 requests; after 1,000: {leak['after 1000']:.1f} MB, growth "
              f"{leak['after 10000'] - leak['after 1000']:.1f} MB {budgets['RSS growth MB']}",
              "", f"{'page (fr, first load)':<30}{'status':>6}{'req':>5}{'KB':>7}{'DOM':>6}"
              f"{'EcoIndex':>10}  budgets (requests, KB, EcoIndex)"]
    lines += [f"{p['name'][:29]:<30}{p['status']!s:>6}{p['requests']:>5}{p['kb']:>7.1f}{p['dom']:>6}"
              f"{p['ecoindex']:>8.1f} {p['grade']}  "
              + " ".join(budgets[p['name'] + k].split()[-1] for k in (" requests", " KB", " EcoIndex"))
              for p in result["pages"]]
    worst = min(result["pages"], key=lambda p: p["ecoindex"])
    lines.append(f"lowest EcoIndex: {worst['ecoindex']:.1f} ({worst['grade']}) on {worst['name']}; "
                 f"heaviest page: {max(p['kb'] for p in result['pages']):.1f} KB")
    lines += ["", "sync to central (site and central on this machine):"]
    for backend, figures in result["sync"].items():
        lines.append(f"  {backend:<11} push 10,000 activities {figures['push_10000_s']:6.2f} s   "
                     f"{budgets[f'sync push 10000 ({backend}) s']}; 5 sites at once "
                     f"{figures['ingest_5_sites_rps']:7.0f} records/s; 155,000 cheques imported in "
                     f"{figures['import_155000_s']:5.2f} s {budgets[f'pass import 155000 ({backend}) s']}")
    lines.append(f"  ingest budget (postgresql): {budgets['ingest 5 sites (postgresql) records/s']}")
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

"""Sync benchmark: push 10,000 activities to central (SQLite, PostgreSQL), ingest with 5 sites at
once, and import a year of issued pass books (155,000 cheques, as in 2021)."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import fresh_postgres_database  # noqa: E402
from tests.syncing import Central, central_server  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
PUSH_COUNT = 10_000
MAX_PUSH_SECONDS = 10.0
SITES = 5
PER_SITE = 2_000
MIN_INGEST_RATE = 1_000.0
BOOKS = 15_500
MAX_IMPORT_SECONDS = 30.0


def push(central: Central, tmp: Path, sites: int, count: int) -> list[dict[str, Any]]:
    """Queue `count` activities on each of `sites` site processes, then push them all at once."""
    processes = []
    for n in range(sites):
        site_id, key = central.new_site()
        data_dir = tmp / f"site{n}"
        data_dir.mkdir()
        process = subprocess.Popen([PYTHON, str(ROOT / "bench" / "sync_site.py"), str(data_dir), central.url,
                                    site_id, key, str(count)], cwd=ROOT, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        processes.append(process)
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in processes:
        assert process.stdout is not None
        results.append(json.loads(process.stdout.readline()))
        process.wait()
    wall = time.perf_counter() - started
    for result in results:
        result["wall"] = wall
    return results


def import_year(central: Central) -> float:
    """Import 15,500 books of 10 cheques through the CLI; return the seconds it took."""
    path = central.data_dir / "books-2021.csv"
    rows = [f"B21-{n:05d};{10_000_000 + n * 10};{10_000_000 + n * 10 + 9};Métropole du Grand Paris;"
            "CCAS;10;2021" for n in range(BOOKS)]
    path.write_text("carnet;premier;dernier;commanditaire;prescripteur;valeur;annee\n" + "\n".join(rows))
    started = time.perf_counter()
    subprocess.run([PYTHON, "-m", "flask", "--app", "app", "kiosk", "import-passes", str(path)], cwd=ROOT,
                   env=central.env, check=True, capture_output=True)
    return time.perf_counter() - started


def measure_backend(database_url: str, tmp: Path) -> dict[str, float]:
    """Measure one central backend."""
    with central_server(tmp / "central", database_url) as central:
        (tmp / "one").mkdir()
        (tmp / "many").mkdir()
        one = push(central, tmp / "one", 1, PUSH_COUNT)
        many = push(central, tmp / "many", SITES, PER_SITE)
        seconds = import_year(central)
        held = central.count("central_activity")
    errors = [r["error"] for r in one + many if r["error"]]
    return {"push_10000_s": one[0]["seconds"], "ingest_5_sites_rps": SITES * PER_SITE / many[0]["wall"],
            "import_155000_s": seconds, "held": held, "errors": len(errors)}


def measure() -> dict[str, Any]:
    """Measure SQLite and PostgreSQL centrals."""
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-sync-") as name:
        result["sqlite"] = measure_backend("", Path(name) / "sqlite")
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-sync-") as name, fresh_postgres_database() as url:
        result["postgresql"] = measure_backend(url, Path(name) / "pg")
    return result


def budgets(result: dict[str, Any]) -> list[tuple[str, float, str, float]]:
    """Return the sync budgets as (name, value, op, limit)."""
    rows = []
    for backend, figures in result.items():
        rows.append((f"sync push 10000 ({backend}) s", figures["push_10000_s"], "<=", MAX_PUSH_SECONDS))
        rows.append((f"pass import 155000 ({backend}) s", figures["import_155000_s"], "<=",
                     MAX_IMPORT_SECONDS))
        rows.append((f"sync records lost or doubled ({backend})",
                     abs(figures["held"] - PUSH_COUNT - SITES * PER_SITE) + figures["errors"], "<=", 0))
    rows.append(("ingest 5 sites (postgresql) records/s", result["postgresql"]["ingest_5_sites_rps"], ">=",
                 MIN_INGEST_RATE))
    return rows


if __name__ == "__main__":
    measured = measure()
    print(json.dumps(measured, indent=2))
    for name, value, op, limit in budgets(measured):
        ok = value <= limit if op == "<=" else value >= limit
        print(f"{name:<45}{value:>10.2f} {op} {limit:g} {'PASS' if ok else 'FAIL'}")

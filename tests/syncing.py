"""A central server for the sync tests: waitress in a subprocess, on SQLite or PostgreSQL.

Sites are registered through the real registry (one subprocess registers a pool of them), and
central's database is read directly to check what it holds.
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.browser import PROJECT_ROOT, server_process

REGISTER = """
import json, sys
from kiosk import create_app
from kiosk.central import registry
app = create_app({"KIOSK_ROLE": "central"})
with app.app_context():
    out = []
    for n in range(int(sys.argv[1])):
        site, key = registry.add_site(f"{sys.argv[2]}-{n}", f"Site {n}", "Montreuil", "93048")
        out.append([site.id, key])
print(json.dumps(out))
"""


class Central:
    """A running central server and a way to look into its database."""

    def __init__(self, url: str, data_dir: Path, database_url: str, env: dict[str, str],
                 process: subprocess.Popen | None = None) -> None:
        self.url = url
        self.process = process
        self.data_dir = data_dir
        self.database_url = database_url
        self.env = env
        self._pool: list[tuple[str, str]] = []
        self._batches = 0

    def new_site(self) -> tuple[str, str]:
        """Return the id and key of a freshly registered site."""
        if not self._pool:
            self._batches += 1
            output = subprocess.run([sys.executable, "-c", REGISTER, "20", f"s{self._batches}"],
                                    cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True,
                                    check=True).stdout
            self._pool = [tuple(pair) for pair in json.loads(output.strip().splitlines()[-1])]
        return self._pool.pop()

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run a read-only query on central's database (`?` placeholders)."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as connection:
                return list(connection.execute(sql.replace("?", "%s"), params).fetchall())
        connection = sqlite3.connect(self.data_dir / "kiosk.sqlite3", timeout=10)
        try:
            return list(connection.execute(sql, params).fetchall())
        finally:
            connection.close()

    def count(self, table: str, site: str | None = None) -> int:
        """Return how many rows a table holds (for one site)."""
        if site is None:
            return self.query(f"SELECT COUNT(*) FROM {table}")[0][0]
        return self.query(f"SELECT COUNT(*) FROM {table} WHERE site_id = ?", site)[0][0]


@contextmanager
def central_server(data_dir: Path, database_url: str = "") -> Iterator[Central]:
    """Start a central server (KIOSK_ROLE=central) on a free port."""
    import os

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = {"KIOSK_ROLE": "central", "KIOSK_DEMO": "false", "KIOSK_DATABASE_URL": database_url,
                "KIOSK_THREADS": "8"}
    env = {**os.environ, "KIOSK_DATA_DIR": str(data_dir), **settings}
    # The schema and the secret key exist before the server starts (as after an install).
    subprocess.run([sys.executable, "-c", "from kiosk import create_app; create_app()"], cwd=PROJECT_ROOT,
                   env=env, check=True)
    with server_process(data_dir, **settings) as (process, url):
        yield Central(url, data_dir, database_url, env, process)

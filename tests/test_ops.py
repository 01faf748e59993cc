"""Running for years: backups under write load and their restore, upgrades, power cuts, the kiosk browser."""
from __future__ import annotations

import http.cookiejar
import json
import logging
import os
import re
import shutil
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from peewee import SqliteDatabase
from playhouse.migrations import Runner

from kiosk import backups, create_app, db
from kiosk.db import MIGRATIONS_DIR, SQLITE_PRAGMAS, database, utcnow, write
from kiosk.deploy import browser_policy, official_hosts, site_domain
from kiosk.flows.models import FlowUse
from kiosk.resident.models import KioskSession
from tests.browser import PROJECT_ROOT, server_process


def database_file(app) -> Path:
    return Path(app.config["KIOSK_DATA_DIR"]) / "kiosk.sqlite3"


def sessions_in(path: Path) -> tuple[set[str], set[str]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        visits = {row[0] for row in connection.execute("SELECT id FROM kiosk_session")}
        uses = {row[0] for row in connection.execute("SELECT session_id FROM flow_use")}
    return visits, uses


def test_backups_under_write_load_are_consistent_and_restore(app, tmp_path: Path) -> None:
    committed: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        # Each visit and its flow use are written in one transaction: a sound copy has both or none.
        n = 0
        while not stop.is_set():
            with write():
                now = utcnow()
                visit = KioskSession.create(id=f"visit-{n:06d}", language="fr", created_at=now, last_seen=now)
                FlowUse.create(session=visit.id, flow="cv", version=1, started_at=now, updated_at=now)
            committed.append(visit.id)
            n += 1
        database.close()

    thread = threading.Thread(target=writer)
    thread.start()
    made = []
    try:
        for _ in range(4):
            time.sleep(0.15)
            before = set(committed)
            copy = backups.backup(database_file(app), tmp_path / "backups", keep=3)
            after = set(committed)
            made.append((copy, before, after))
    finally:
        stop.set()
        thread.join()
    assert len(committed) > 50, "the writer barely wrote: the test proves nothing"
    assert len(backups.backups(tmp_path / "backups")) == 3  # retention
    for copy, before, after in made[1:]:
        backups.check_integrity(copy)
        visits, uses = sessions_in(copy)
        assert visits == uses  # no half transaction
        assert before <= visits <= after | {f"visit-{len(committed):06d}"}
    newest, _, _ = made[-1]
    expected, _ = sessions_in(newest)
    assert len(expected) < len(committed)
    backups.restore(newest, database_file(app))  # while the app is open
    assert {v.id for v in KioskSession.select()} == expected
    assert app.test_client().get("/fr/").status_code == 200
    with sqlite3.connect(database_file(app)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_backup_and_restore_commands(app, tmp_path: Path) -> None:
    app.config.update(KIOSK_BACKUP_DIR=str(tmp_path / "copies"), KIOSK_BACKUP_KEEP=2)
    runner = app.test_cli_runner()
    now = utcnow()
    with write():
        KioskSession.create(id="before-backup", language="fr", created_at=now, last_seen=now)
    for _ in range(3):
        result = runner.invoke(args=["kiosk", "backup"])
        assert result.exit_code == 0, result.output
        assert "checked" in result.output
    assert len(backups.backups(tmp_path / "copies")) == 2
    with write():
        KioskSession.create(id="after-backup", language="fr", created_at=now, last_seen=now)
    result = runner.invoke(args=["kiosk", "restore", "--yes"])
    assert result.exit_code == 0, result.output
    assert [v.id for v in KioskSession.select()] == ["before-backup"]

    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"SQLite format 3\0" + os.urandom(5000))
    result = runner.invoke(args=["kiosk", "restore", "--yes", str(broken)])
    assert result.exit_code != 0 and "not a usable SQLite database" in result.output
    assert [v.id for v in KioskSession.select()] == ["before-backup"]  # untouched
    result = runner.invoke(args=["kiosk", "restore", str(broken)], input="n\n")
    assert result.exit_code != 0


def test_upgrade_from_the_first_schema_keeps_the_data(tmp_path: Path) -> None:
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(MIGRATIONS_DIR / "0001_initial.py", first)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    old = SqliteDatabase(str(data_dir / "kiosk.sqlite3"), pragmas=SQLITE_PRAGMAS)
    assert Runner(old, directory=str(first)).up() == ["0001_initial"]
    old.execute_sql("INSERT INTO site (code, name, commune, insee) VALUES "
                    "('mtr', 'Espace numérique', 'Montreuil', '93048')")
    old.execute_sql("INSERT INTO kiosk_session (id, language, text_size, high_contrast, created_at, "
                    "last_seen) VALUES ('v1', 'ar', 2, 1, '2026-11-26 09:00:00', '2026-11-26 09:00:00')")
    old.execute_sql("INSERT INTO help_call (session_id, language, page, created_at) VALUES "
                    "('v1', 'ar', '/ar/jobs', '2026-11-26 09:01:00')")
    old.close()

    create_app({"KIOSK_DATA_DIR": str(data_dir), "TESTING": True})
    try:
        assert db.migrate(database.obj) == []  # everything applied at start, once
        visit = KioskSession.get_by_id("v1")
        assert (visit.language, visit.text_size, visit.high_contrast) == ("ar", 2, True)
        from kiosk.cv.models import CvDraft
        from kiosk.resident.models import HelpCall
        from kiosk.sites import Site

        assert Site.get().insee == "93048" and HelpCall.get().page == "/ar/jobs"
        FlowUse.reach(visit, "cv", 1, "personal")
        CvDraft.for_session(visit).keep({"personal": {"first_name": "Amal"}})
        visit.wipe()
        assert FlowUse.select().count() == 0 and CvDraft.select().count() == 0
    finally:
        database.close()
    again = create_app({"KIOSK_DATA_DIR": str(data_dir), "TESTING": True})
    assert again is not None and db.migrate(database.obj) == []
    database.close()


class Writer(threading.Thread):
    """A resident saving the CV's 'about' text again and again; remembers what was acknowledged."""

    def __init__(self, base: str, number: int) -> None:
        super().__init__(daemon=True)
        self.base, self.number = base, number
        self.acknowledged = -1
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def run(self) -> None:
        try:
            page = self.opener.open(f"{self.base}/fr/jobs/cv/about", timeout=5).read().decode()
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            for n in range(100_000):
                body = urllib.parse.urlencode({"csrf_token": token, "about": f"w{self.number}-{n}"})
                try:
                    self.opener.open(f"{self.base}/fr/jobs/cv/about", body.encode(), timeout=5)
                except urllib.error.HTTPError as answer:
                    if answer.code != 303:
                        raise
                    self.acknowledged = n  # the server said it kept it
        except (OSError, urllib.error.URLError):
            return  # the server died under us: what it acknowledged must be on disk


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def test_a_power_cut_during_writes_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with server_process(data_dir, KIOSK_DEMO="false") as (process, base):
        writers = [Writer(base, n) for n in range(4)]
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 20
        while min(w.acknowledged for w in writers) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)  # no shutdown, no flush: a power cut for the database
        process.wait()
        for writer in writers:
            writer.join(timeout=10)
    assert all(w.acknowledged >= 20 for w in writers)
    with server_process(data_dir, KIOSK_DEMO="false") as (_, base):  # starts again on the same file
        with urllib.request.urlopen(base + "/healthz") as response:
            assert json.load(response)["status"] == "ok"
        with sqlite3.connect(data_dir / "kiosk.sqlite3") as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            stored = [json.loads(row[0])["about"]["about"]
                      for row in connection.execute("SELECT data FROM cv_draft")]
    kept = {int(text.split("-")[0][1:]): int(text.split("-")[1]) for text in stored}
    for writer in writers:
        assert kept[writer.number] >= writer.acknowledged, (writer.number, kept, writer.acknowledged)


def test_the_kiosk_browser_may_open_the_official_sites_and_nothing_else(app) -> None:
    from kiosk.flows import library

    with app.app_context():
        hosts = official_hosts(library().flows.values())
    assert site_domain("cfspart.impots.gouv.fr") == "impots.gouv.fr"
    assert site_domain("www.ameli.fr") == "ameli.fr"
    for expected in ("ameli.fr", "caf.fr", "impots.gouv.fr", "ants.gouv.fr", "francetravail.fr",
                     "service-public.fr"):
        assert expected in hosts
    assert not {"google.com", "facebook.com"} & set(hosts)
    chromium = browser_policy("chromium", "http://127.0.0.1:8080", hosts)
    assert chromium["URLBlocklist"] == ["*"]
    assert {"http://127.0.0.1:8080", "https://ameli.fr"} <= set(chromium["URLAllowlist"])
    firefox = browser_policy("firefox", "http://127.0.0.1:8080", hosts)["policies"]["WebsiteFilter"]
    assert firefox["Block"] == ["<all_urls>"] and "https://*.ameli.fr/*" in firefox["Exceptions"]
    result = app.test_cli_runner().invoke(args=["kiosk", "browser-policy", "--browser", "firefox"])
    assert result.exit_code == 0 and json.loads(result.output)["policies"]["WebsiteFilter"]


def test_deploy_files_point_at_real_commands() -> None:
    root = Path(__file__).resolve().parent.parent / "deploy"
    unit = (root / "kiosque.service").read_text()
    assert "ExecStart=" in unit and "Restart=always" in unit and "app.py" in unit
    launcher = (root / "kiosk-browser").read_text()
    assert "--kiosk" in launcher and "mktemp -d" in launcher
    assert os.access(root / "kiosk-browser", os.X_OK)
    assert (root / "kiosk-browser.service").read_text().count("Restart=always") == 1


@pytest.mark.parametrize("script", ["kiosk-browser", "install-debian.sh"])
def test_deploy_scripts_are_valid_shell(script: str) -> None:
    import subprocess

    path = Path(__file__).resolve().parent.parent / "deploy" / script
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0


def test_a_site_on_sqlite_does_not_load_the_postgresql_driver(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["KIOSK_DATA_DIR"] = str(tmp_path)
    probe = "import app, sys; print(sys.modules.get('psycopg') is not None)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "False"  # 22 MB of libpq and SSL libraries not mapped


def test_a_burst_of_requests_logs_one_busy_warning_not_one_per_request(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with server_process(data_dir, KIOSK_DEMO="false", KIOSK_THREADS="1") as (_, base):
        def fetch(_: int) -> int:
            with urllib.request.urlopen(base + "/fr/", timeout=10) as response:
                response.read()
                return response.status

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(fetch, range(400)))
    assert statuses == [200] * 400
    log = next(tmp_path.glob("server-*.log")).read_text()
    busy = [line for line in log.splitlines() if "Task queue depth" in line]
    assert len(busy) == 1, busy[:5]  # 8 clients on one thread: the queue was deep for a while


def test_a_repeated_warning_comes_back_after_its_minute_with_a_count() -> None:
    from kiosk import EveryMinute

    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("test.every-minute")
    logger.propagate = False
    logger.addHandler(handler)
    every = EveryMinute(seconds=0.2)
    logger.addFilter(every)
    for depth in range(50):
        logger.warning("Task queue depth is %d", depth)
    time.sleep(0.25)
    logger.warning("Task queue depth is %d", 7)
    assert records == ["Task queue depth is 0", "Task queue depth is 7 (49 more since)"]

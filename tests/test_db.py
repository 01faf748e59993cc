"""The database: pragmas once per connection, one connection per thread, migrations, PostgreSQL."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from kiosk import create_app, db
from kiosk.cv.models import CvDraft
from kiosk.db import database
from kiosk.flows.models import FlowUse
from kiosk.resident.models import HelpCall, KioskSession
from tests.conftest import Resident, csrf_of


def test_sqlite_pragmas_are_set_on_each_connection(app) -> None:
    def pragmas() -> dict[str, object]:
        return {
            name: database.execute_sql(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "foreign_keys", "secure_delete", "busy_timeout", "synchronous")
        }

    expected = {"journal_mode": "wal", "foreign_keys": 1, "secure_delete": 1,
                "busy_timeout": 5000, "synchronous": 2}
    assert pragmas() == expected
    seen: dict[str, object] = {}
    thread = threading.Thread(target=lambda: seen.update(pragmas()))
    thread.start()
    thread.join()
    assert seen == expected


def test_one_connection_per_thread_is_reused_across_requests(app, client) -> None:
    client.get("/fr/")
    first = database.connection()
    client.get("/fr/")
    client.get("/ar/")
    assert database.connection() is first
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(database.connection()))
    thread.start()
    thread.join()
    assert other[0] is not first


def test_schema_is_created_at_start(app) -> None:
    tables = set(database.get_tables())
    assert {"site", "kiosk_session", "help_call", "schema_migration"} <= tables


def test_migrations_run_once(app) -> None:
    assert db.migrate(database.obj) == []


def test_a_new_migration_is_applied_to_an_existing_database_keeping_its_rows(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(db.MIGRATIONS_DIR / "0001_initial.py", folder)
    sqlite = SqliteDatabase(str(tmp_path / "old.sqlite3"), pragmas=db.SQLITE_PRAGMAS)
    from playhouse.migrations import Runner

    assert Runner(sqlite, directory=str(folder)).up() == ["0001_initial"]
    sqlite.execute_sql("INSERT INTO site (code, name, commune, insee) VALUES ('a', 'A', 'B', '93048')")
    (folder / "0002_site_phone.py").write_text(
        "from peewee import CharField\n\n"
        "def up(migrator, db):\n"
        "    migrator.migrate(migrator.add_column('site', 'phone', CharField(default='')))\n"
    )
    assert Runner(sqlite, directory=str(folder)).up() == ["0002_site_phone"]
    assert Runner(sqlite, directory=str(folder)).up() == []
    assert sqlite.execute_sql("SELECT code, phone FROM site").fetchall() == [("a", "")]


def test_migrations_build_the_same_tables_as_the_models(app) -> None:
    from kiosk.sites import Site

    for model in (Site, KioskSession, HelpCall, FlowUse, CvDraft):
        columns = {column.name for column in database.get_columns(model._meta.table_name)}
        assert columns == {field.column_name for field in model._meta.sorted_fields}


@pytest.mark.postgres
def test_the_app_runs_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_DATABASE_URL": postgres_url,
                      "KIOSK_ROLE": "central"})
    assert db.is_postgres()
    assert {"site", "kiosk_session", "help_call", "flow_use"} <= set(database.get_tables())
    resident = Resident(app.test_client())
    response = resident.post("help", next="/fr/procedures")
    assert response.status_code == 303
    assert HelpCall.select().count() == 1
    assert KioskSession.select().count() == 1
    client = resident.client
    token = csrf_of(client.get("/fr/flows/email-address/prepare").get_data(as_text=True))
    client.post("/fr/flows/email-address/have-phone", data={"csrf_token": token, "choice": "no"})
    assert FlowUse.select().count() == 1
    resident.post("session/end")
    assert KioskSession.select().count() == 0
    assert FlowUse.select().count() == 0  # ON DELETE CASCADE on PostgreSQL too
    assert HelpCall.get().session is None
    assert app.test_client().get("/healthz").get_json() == {"status": "ok", "role": "central"}
    assert db.migrate(database.obj) == []

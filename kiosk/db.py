"""The database: deferred until start, pragmas set once per connection, one connection a thread.

Peewee keeps one connection per thread and opens it on first use; requests never close it,
since reconnecting with pragmas costs as much as a small request. Schema changes are scripts in
`kiosk/migrations/`, applied in order at start by peewee's migration runner.
"""
from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from flask import Flask
from peewee import Database, DatabaseProxy, DateTimeField, Model, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect as connect_url
from playhouse.migrations import Runner

database = DatabaseProxy()

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# WAL lets readers work while one writer commits; synchronous=FULL makes every acknowledged
# commit survive a power cut; secure_delete overwrites wiped resident data on disk.
SQLITE_PRAGMAS: dict[str, Any] = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "secure_delete": 1,
    "busy_timeout": 5000,
    "cache_size": -4000,
}


class BaseModel(Model):
    """Base of every Kiosque model: bound to the deferred database, snake_case table names."""

    class Meta:
        database = database
        legacy_table_names = False


class Lookup:
    """Find one row of a model by the same fields on every request, its SQL built once.

    peewee builds a query's SQL anew on each call (about 150 µs here, more than SQLite takes to
    answer): the lookups made on every page view use this instead.
    """

    def __init__(self, model: type[Model], *fields: Any) -> None:
        self.model = model
        self.fields = fields
        self._sql: dict[int, str] = {}
        # Each column's conversion from its stored value; timestamps with the C ISO parser
        # (peewee tries strptime formats in turn: ~10 µs a column, on every page view).
        self._convert = {name: (_timestamp if isinstance(column, DateTimeField) else column.python_value)
                         for name, column in model._meta.columns.items()}

    def __call__(self, *values: Any) -> Any:
        """Return the row whose fields have these values, as a model instance, or None."""
        sql = self._sql.get(id(database.obj))
        if sql is None:
            pairs = zip(self.fields, values, strict=True)
            query = self.model.select().where(*(field == value for field, value in pairs))
            sql = self._sql[id(database.obj)] = query.sql()[0]
        values = tuple(field.db_value(value) for field, value in zip(self.fields, values, strict=True))
        cursor = database.execute_sql(sql, values)
        row = cursor.fetchone()
        if row is None:
            return None
        names = [column[0] for column in cursor.description]
        columns, convert = self.model._meta.columns, self._convert
        instance = self.model(**{columns[name].name: convert[name](value)
                                 for name, value in zip(names, row, strict=True)})
        instance._dirty.clear()
        return instance


def _timestamp(value: Any) -> dt.datetime | None:
    """Read a stored timestamp (`2026-11-26 14:03:05.123456`, or a datetime from PostgreSQL)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


def utcnow() -> dt.datetime:
    """Return the current UTC time as a naive datetime, the form stored in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def open_database(url: str, data_dir: Path) -> Database:
    """Return the database the settings name: SQLite in the data folder unless a URL is given."""
    if not url:
        return SqliteDatabase(str(data_dir / "kiosk.sqlite3"), pragmas=SQLITE_PRAGMAS)
    if url.startswith("sqlite"):
        return connect_url(url, pragmas=SQLITE_PRAGMAS)
    return connect_url(url)


def migrate(db: Database) -> list[str]:
    """Apply the pending migrations in order and return their names (none when up to date)."""
    return Runner(db, directory=str(MIGRATIONS_DIR)).up()


def write() -> AbstractContextManager[Any]:
    """Open a short write transaction (SQLite takes the write lock up front to avoid deadlocks)."""
    if isinstance(database.obj, SqliteDatabase):
        return database.atomic("IMMEDIATE")
    return database.atomic()


def is_postgres() -> bool:
    """Tell whether the app runs on PostgreSQL."""
    return isinstance(database.obj, PostgresqlDatabase)


def init_app(app: Flask) -> None:
    """Open the configured database for this process and bring its schema up to date."""
    db = open_database(app.config["KIOSK_DATABASE_URL"], Path(app.config["KIOSK_DATA_DIR"]))
    database.initialize(db)
    migrate(db)

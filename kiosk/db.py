"""The database: deferred until start, pragmas set once per connection, one connection a thread.

Peewee keeps one connection per thread and opens it on first use; requests never close it,
since reconnecting with pragmas costs as much as a small request. Schema changes are scripts in
`kiosk/migrations/`, applied in order at start by peewee's migration runner.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, ClassVar

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


class RowGone(Exception):
    """A kept row was written to but is no longer in the database (a restore ran meanwhile)."""


class RowMemory:
    """Rows found by a Lookup, kept in this process after their first read: rows it alone writes.

    A site's visits are read on every page a resident opens and written only by the site server
    (one process). Under load a SQLite read costs ~0.1 ms more than alone, as the sqlite3 module
    hands the GIL to the other threads on each call: the largest cost of a flow step. Whoever
    writes a kept row does it in the database first, then `keep`s the new row or `forget`s it;
    a write that finds the row gone raises RowGone (another process, a restore, removed it).
    Rows that belong to a kept row (`belongs_to`, keyed by its key first) go when it goes.
    Only SQLite is kept: a PostgreSQL server may run several processes, each reads afresh.
    """

    _all: ClassVar[list[RowMemory]] = []

    def __init__(self, lookup: Lookup, limit: int = 512, belongs_to: RowMemory | None = None) -> None:
        self.lookup = lookup
        self.limit = limit
        self._rows: dict[tuple[Any, ...], Any] = {}
        self._database: Database | None = None
        self._kept = False
        self._generation = 0  # bumped by every forget: a read racing a forget keeps nothing
        self._lock = threading.Lock()
        self._children: list[RowMemory] = []
        if belongs_to is not None:
            belongs_to._children.append(self)
        RowMemory._all.append(self)

    def get(self, *key: Any) -> Any:
        """Return the row with this key, from memory or else from the database (then kept)."""
        if self._database is not database.obj:
            self._bind()
        row = self._rows.get(key)
        if row is None:
            generation = self._generation
            row = self.lookup(*key)
            if row is not None and self._kept:
                with self._lock:
                    if generation == self._generation:
                        self._store(key, row)
        return row

    def keep(self, row: Any, *key: Any) -> None:
        """Keep a row just committed under its key."""
        if self._database is not database.obj:
            self._bind()
        if self._kept:
            with self._lock:
                self._store(key, row)

    def written(self, row: Any, *key: Any) -> None:
        """Note a committed write made through `row`: if memory holds another copy of that row
        (this one was read before an eviction), memory forgets it and the next read asks the
        database, rather than show a copy without the write."""
        if self._rows.get(key) is not row:
            self.forget(*key)

    def forget(self, *key: Any) -> None:
        """Drop a row (and the rows belonging to it) from memory: the next read asks the database."""
        with self._lock:
            self._generation += 1
            self._rows.pop(key, None)
        for child in self._children:
            child.forget_owned_by(key[0])

    def forget_owned_by(self, owner: Any) -> None:
        """Drop every row whose key starts with an owner's key."""
        with self._lock:
            self._generation += 1
            for key in [k for k in self._rows if k[0] == owner]:
                del self._rows[key]

    @contextmanager
    def writing(self, *key: Any) -> Iterator[None]:
        """Wrap a write to a kept row: on any failure memory forgets it rather than keep a guess."""
        try:
            yield
        except BaseException:
            self.forget(*key)
            raise

    def clear(self) -> None:
        """Forget every row."""
        with self._lock:
            self._generation += 1
            self._rows.clear()

    @classmethod
    def clear_all(cls) -> None:
        """Forget every kept row of every table (for a test that wrote behind the server's back)."""
        for memory in cls._all:
            memory.clear()

    def _bind(self) -> None:
        with self._lock:
            self._generation += 1
            self._rows.clear()
            self._database = database.obj
            self._kept = isinstance(database.obj, SqliteDatabase)

    def _store(self, key: tuple[Any, ...], row: Any) -> None:
        if key not in self._rows and len(self._rows) >= self.limit:
            del self._rows[next(iter(self._rows))]  # the oldest kept
        self._rows[key] = row


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

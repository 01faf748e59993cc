"""Backups of a site's SQLite database, taken while the server runs, and their restore.

SQLite's online backup API copies the database page by page under its own locks, so the copy
is a consistent snapshot even while residents and médiateurs write. Each copy is checked with
`PRAGMA integrity_check` before it counts; only the newest `keep` copies are kept.
A restore goes through the same API into the live file, so the server may keep running: its
next query sees the restored data.
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

PREFIX = "kiosk-"
SUFFIX = ".sqlite3"


class BackupError(RuntimeError):
    """A backup or a restore that could not be done, with why."""


def check_integrity(path: Path) -> None:
    """Raise BackupError unless the file is a sound SQLite database."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a usable SQLite database: {error}") from error
    if result != [("ok",)]:
        raise BackupError(f"{path} failed the integrity check: {result[:3]}")


def backup(database: Path, folder: Path, keep: int, now: dt.datetime | None = None) -> Path:
    """Copy the live database into `folder` as kiosk-YYYYMMDD-HHMMSS-micro.sqlite3; keep the newest."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{PREFIX}{stamp}{SUFFIX}"
    partial = target.with_suffix(".part")
    source = sqlite3.connect(str(database), timeout=30)
    try:
        copy = sqlite3.connect(str(partial))
        try:
            source.backup(copy, pages=256)  # in steps, so writers are never held up for long
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
    finally:
        source.close()
    check_integrity(partial)
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)
    for old in backups(folder)[keep:]:
        old.unlink()
    return target


def backups(folder: Path) -> list[Path]:
    """Return the backups in a folder, newest first."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{PREFIX}*{SUFFIX}"), reverse=True)


def restore(copy: Path, database: Path) -> None:
    """Replace the live database's content with a backup's, after checking the backup."""
    check_integrity(copy)
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(str(database), timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    check_integrity(database)

"""Every setting of Kiosque, declared once with its default and help, read from KIOSK_* variables."""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def _languages(raw: str) -> tuple[str, ...]:
    codes = tuple(code.strip() for code in raw.split(",") if code.strip())
    if not codes:
        raise ValueError("at least one language is needed")
    return codes


def _role(raw: str) -> str:
    if raw not in {"site", "central"}:
        raise ValueError(f"expected 'site' or 'central', got {raw!r}")
    return raw


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError(f"expected a positive number, got {raw!r}")
    return value


def _non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(f"expected 0 or more, got {raw!r}")
    return value


@dataclass(frozen=True)
class Setting:
    """One KIOSK_* environment variable: its default (as text), what it means, how to parse it."""

    name: str
    default: str
    help: str
    parse: Callable[[str], Any] = str


SETTINGS: tuple[Setting, ...] = (
    Setting("KIOSK_HOST", "127.0.0.1", "Address the server listens on."),
    Setting("KIOSK_PORT", "8080", "Port the server listens on.", _positive_int),
    Setting(
        "KIOSK_DATA_DIR",
        "./instance",
        "Folder for the SQLite database, the generated secret key and anything the app writes.",
    ),
    Setting(
        "KIOSK_ROLE",
        "site",
        "`site` for a centre's server, `central` for the Métropole's server.",
        _role,
    ),
    Setting(
        "KIOSK_DATABASE_URL",
        "",
        "Database URL (e.g. `postgresql://user@host/db`); empty means SQLite in the data folder.",
    ),
    Setting(
        "KIOSK_SECRET_KEY",
        "",
        "Key that signs cookies; empty means one is generated once and kept in the data folder.",
    ),
    Setting(
        "KIOSK_IDLE_SECONDS",
        "180",
        "Seconds without activity before a resident's kiosk session ends.",
        _positive_int,
    ),
    Setting(
        "KIOSK_IDLE_WARNING_SECONDS",
        "30",
        "Seconds of warning, with a 'Je suis encore là' button, before the idle end (20 at least).",
        _positive_int,
    ),
    Setting(
        "KIOSK_SESSION_MAX_SECONDS",
        "14400",
        "Age after which the janitor wipes any kiosk session, whatever its activity.",
        _positive_int,
    ),
    Setting(
        "KIOSK_LANGUAGES",
        "fr,en,ar,fa,ps,ti,uk,ru,pt,tr,zh,ro,ta,bn",
        "Comma-separated language codes offered to residents; the first is the default.",
        _languages,
    ),
    Setting(
        "KIOSK_HTTPS",
        "false",
        "Set to true when the site is served over HTTPS: cookies are then marked Secure.",
        _bool,
    ),
    Setting(
        "KIOSK_MAX_BODY_BYTES",
        "2097152",
        "Largest request body accepted, in bytes; larger requests get a readable 413 page.",
        _positive_int,
    ),
    Setting("KIOSK_THREADS", "4", "Worker threads of the waitress server.", _positive_int),
    Setting(
        "KIOSK_BACKUP_DIR",
        "",
        "Folder of `flask kiosk backup` copies; empty means `backups/` in the data folder.",
    ),
    Setting("KIOSK_BACKUP_KEEP", "14", "How many backups `flask kiosk backup` keeps (the newest).",
            _positive_int),
    Setting("KIOSK_STAFF_SESSION_HOURS", "10",
            "Hours after which a médiateur must log in again, even if active.", _positive_int),
    Setting("KIOSK_STAFF_IDLE_MINUTES", "60",
            "Minutes without a page view after which a médiateur is logged out.", _positive_int),
    Setting(
        "KIOSK_RETENTION_DAYS",
        "730",
        "Days without any activity after which a followed beneficiary is purged by the janitor.",
        _positive_int,
    ),
    Setting("KIOSK_SYNC_URL", "", "Central server's address (e.g. `https://kiosque.metropole.example`); "
            "empty: no sync."),
    Setting("KIOSK_SYNC_SITE", "", "This site's id at central (printed by `flask kiosk site add`)."),
    Setting("KIOSK_SYNC_KEY", "", "This site's signing key (printed once by `flask kiosk site add`)."),
    Setting("KIOSK_SYNC_INTERVAL", "300",
            "Seconds between two syncs by the server's own scheduler; 0 leaves it to `flask kiosk sync`.",
            _non_negative_int),
    Setting(
        "KIOSK_DEMO",
        "false",
        "Load demonstration data at start (`make run` sets it).",
        _bool,
    ),
)


class SettingError(ValueError):
    """A KIOSK_* value that cannot be used."""


def load(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return every setting parsed from the environment, then overridden, then checked."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name, setting.default)
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as error:
            raise SettingError(f"{setting.name}: {error}") from error
    values.update(overrides or {})
    if values["KIOSK_IDLE_WARNING_SECONDS"] < 20:
        raise SettingError("KIOSK_IDLE_WARNING_SECONDS: 20 seconds at least (WCAG 2.2.1)")
    if values["KIOSK_IDLE_WARNING_SECONDS"] >= values["KIOSK_IDLE_SECONDS"]:
        raise SettingError("KIOSK_IDLE_WARNING_SECONDS must be shorter than KIOSK_IDLE_SECONDS")
    return values


def secret_key(data_dir: Path) -> str:
    """Return the key kept in the data folder, generating it on first use."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once keep the first key written.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key

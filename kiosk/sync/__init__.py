"""Site side of the sync: the outbox drained to central by a scheduler thread, the CLI or a button."""
from __future__ import annotations

import threading
import time

from flask import Flask

from kiosk.db import utcnow
from kiosk.sync.client import Credentials, Report, run
from kiosk.sync.models import SyncState

_run_lock = threading.Lock()


def credentials(app: Flask) -> Credentials | None:
    """Return the site's sync settings, or None when this site does not sync."""
    config = app.config
    if not (config["KIOSK_SYNC_URL"] and config["KIOSK_SYNC_SITE"] and config["KIOSK_SYNC_KEY"]):
        return None
    return Credentials(config["KIOSK_SYNC_URL"], config["KIOSK_SYNC_SITE"], config["KIOSK_SYNC_KEY"])


def sync_now(app: Flask) -> Report | None:
    """Run one sync now (one at a time per process); None when sync is not configured."""
    found = credentials(app)
    if found is None:
        return None
    with _run_lock:
        report = run(found)
        if report.ok:
            from kiosk.sync.client import SyncError
            from kiosk.sync.packs import pull

            try:
                report.pack = pull(app, found)
            except SyncError as problem:
                report.error = f"content pack: {problem}"
        return report


def due(now_state: SyncState) -> bool:
    """Tell whether the scheduler may try now (after a failure, it waits for its backoff)."""
    return now_state.next_attempt_at is None or now_state.next_attempt_at <= utcnow()


def start_scheduler(app: Flask) -> threading.Thread | None:
    """Sync every KIOSK_SYNC_INTERVAL seconds in a daemon thread of the server process."""
    interval = app.config["KIOSK_SYNC_INTERVAL"]
    if interval <= 0 or credentials(app) is None:
        return None

    def loop() -> None:
        while True:
            try:
                with app.app_context():
                    if due(SyncState.get_state()):
                        sync_now(app)
            except Exception:
                app.logger.exception("sync failed")
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="kiosk-sync", daemon=True)
    thread.start()
    return thread

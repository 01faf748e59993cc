"""Kiosque: a kiosk web app for digital-inclusion centres. `create_app()` builds it."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from flask import Flask

from kiosk import assets, cli, db, errors, i18n, render, security, settings
from kiosk.lean import KioskFlask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the KIOSK_* environment, with `config` overriding settings."""
    values = settings.load(overrides=config)
    data_dir = Path(values["KIOSK_DATA_DIR"]).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    values["KIOSK_DATA_DIR"] = str(data_dir)

    app = KioskFlask(
        __name__,
        root_path=str(PROJECT_ROOT),
        static_folder="static",
        template_folder="templates",
    )
    app.config.update(values)
    app.config["SECRET_KEY"] = values["KIOSK_SECRET_KEY"] or settings.secret_key(data_dir)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    # Order matters: the language is bound before the CSRF check, so refusals are translated.
    i18n.init_app(app)
    security.init_app(app)
    render.init_app(app)
    db.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    from kiosk import cv, flows, mediation, practice, resident, sites

    resident.init_app(app)
    flows.init_app(app)
    practice.init_app(app)
    cv.init_app(app)
    sites.init_app(app)
    mediation.init_app(app)
    if app.config["KIOSK_ROLE"] == "central":
        from kiosk import central

        central.init_app(app)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "role": app.config["KIOSK_ROLE"]}

    if app.config["KIOSK_DEMO"]:
        from kiosk import demo

        demo.load()
    return app


class EveryMinute(logging.Filter):
    """Let a repeated warning through once a minute, saying how many it held back meanwhile.

    Waitress warns "Task queue depth is N" on each request that waits for a free thread: under
    a burst that is thousands of lines a second, each costing a write, on a PC with no one to
    read them. The first says the server is busy; one a minute then says it still is.
    """

    def __init__(self, seconds: float = 60.0) -> None:
        super().__init__()
        self.seconds = seconds
        self._next = 0.0
        self._held = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now < self._next:
            self._held += 1
            return False
        if self._held:
            record.msg = f"{record.msg} ({self._held} more since)"
        self._next, self._held = now + self.seconds, 0
        return True


def serve(app: Flask) -> None:
    """Serve the app with waitress on KIOSK_HOST:KIOSK_PORT."""
    from waitress import serve as waitress_serve

    config = app.config
    print(f"Kiosque ({config['KIOSK_ROLE']}) on http://{config['KIOSK_HOST']}:{config['KIOSK_PORT']}/")
    if config["KIOSK_DEMO"]:
        from kiosk import demo

        print(demo.banner())
    if config["KIOSK_ROLE"] == "site":
        from kiosk.sync import start_scheduler

        if start_scheduler(app):
            print(f"Sync to {config['KIOSK_SYNC_URL']} every {config['KIOSK_SYNC_INTERVAL']} s")
    queue_log = logging.getLogger("waitress.queue")
    if not any(isinstance(f, EveryMinute) for f in queue_log.filters):
        queue_log.addFilter(EveryMinute())
    waitress_serve(
        app,
        host=config["KIOSK_HOST"],
        port=config["KIOSK_PORT"],
        threads=config["KIOSK_THREADS"],
        ident="kiosque",
    )

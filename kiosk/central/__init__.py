"""Central side: the sync API, the site registry, the pass ledger (role `central` only)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Serve what only central serves."""
    from kiosk.central import api

    api.init_app(app)

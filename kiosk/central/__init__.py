"""Central side: the sync API, the site registry, the pass ledger, the Métropole's dashboards."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Serve what only central serves."""
    from kiosk.central import api, dashboards

    api.init_app(app)
    app.register_blueprint(dashboards.bp)

"""The médiateur space, `/<lang>/mediation/…`: accounts, activities, passes, board, statistics.

Staff pages speak French or English (i18n.STAFF_LANGUAGES; their strings live in the `staff`
gettext domain); other language prefixes are sent to the French page. Every page but the login
needs a logged-in account, and a registered kiosk's browser cannot open them at all: a resident
at a public kiosk never meets a staff page.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from flask import Blueprint, Flask, g, redirect, request
from werkzeug.exceptions import Forbidden
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response as BaseResponse

from kiosk import sites
from kiosk.db import utcnow
from kiosk.i18n import LANGUAGES, STAFF_LANGUAGES
from kiosk.mediation import accounts

bp = Blueprint("mediation", __name__, url_prefix="/<lang:lang>/mediation")

# Pages a kiosk's browser may open: enrolling the device itself.
KIOSK_ALLOWED = frozenset({"mediation.device"})
JANITOR_EVERY_SECONDS = 24 * 3600
VISIT_SUMMARY_KEPT = dt.timedelta(hours=48)
_janitor_lock = threading.Lock()
_janitor_last = -float(JANITOR_EVERY_SECONDS)


@bp.before_request
def staff_only() -> BaseResponse | None:
    """Keep staff pages in a staff language and out of the kiosks' reach."""
    if g.lang not in STAFF_LANGUAGES:
        rest = request.full_path.split("/", 2)[2].rstrip("?")
        return redirect(f"/{STAFF_LANGUAGES[0]}/{rest}")
    if request.endpoint not in KIOSK_ALLOWED and sites.device_kiosk() is not None:
        raise Forbidden(description="kiosk")
    run_janitor()
    return None


def flow_title(flow_ref: str) -> str:
    """Return a flow's title in the page's language, from `flow@version`."""
    from kiosk.flows import library
    from kiosk.i18n import gettext

    flow = library().flows.get(flow_ref.split("@", 1)[0])
    return gettext(flow.title) if flow else flow_ref


def run_janitor(now: float | None = None) -> None:
    """Once a day per process: purge beneficiaries past retention and old visit summaries."""
    global _janitor_last
    now = time.monotonic() if now is None else now
    if now - _janitor_last < JANITOR_EVERY_SECONDS or not _janitor_lock.acquire(blocking=False):
        return
    try:
        _janitor_last = now
        from kiosk.mediation.exports import purge_expired
        from kiosk.resident.models import VisitSummary

        purge_expired()
        VisitSummary.forget_before(utcnow() - VISIT_SUMMARY_KEPT)
    finally:
        _janitor_lock.release()


class RowConverter(IntegerConverter):
    """`<row:…>`: a row number that fits SQLite's 64-bit integers (a larger one is a 404)."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=2**63 - 1)


def init_app(app: Flask) -> None:
    """Register the médiateur pages and their template helpers."""
    from kiosk.mediation import admin, board, charts, views  # noqa: F401  (routes)

    app.url_map.converters["row"] = RowConverter
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        staff_account=accounts.current_account, conflict_text=views.conflict_text, bar_chart=charts.bar_chart,
        column_chart=charts.column_chart, flow_title=flow_title,
        languages_by_code={code: language.name for code, language in LANGUAGES.items()},
    )

"""The live board: the site's kiosks, their help calls, and recent visits to report on.

The board refreshes itself with htmx every few seconds (the fragment only); without
JavaScript, reloading the page shows the same thing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Response, abort, current_app, redirect, url_for
from werkzeug.wrappers import Response as BaseResponse

from kiosk import sites
from kiosk.db import utcnow
from kiosk.mediation import bp, prefill
from kiosk.mediation.accounts import current_account, login_required
from kiosk.render import render
from kiosk.sites import Kiosk

POLL_SECONDS = 3
RECENT_VISITS = dt.timedelta(hours=12)


@dataclass(frozen=True)
class KioskState:
    """One kiosk on the board: in use or idle, its visit's language and flow, the time spent."""

    label: str
    active: bool
    language: str
    flows: list[str]
    minutes: int
    session_id: str | None


def kiosk_states() -> tuple[list[KioskState], list[KioskState]]:
    """Return the registered kiosks' states, and the visits running on unregistered browsers."""
    from kiosk.resident.models import KioskSession

    now = utcnow()
    idle = dt.timedelta(seconds=current_app.config["KIOSK_IDLE_SECONDS"])
    live = list(KioskSession.select().where(KioskSession.last_seen > now - idle)
                .order_by(KioskSession.created_at))
    by_kiosk = {visit.kiosk_id: visit for visit in live if visit.kiosk_id}
    registered = []
    for kiosk in Kiosk.select().where(Kiosk.retired == False).order_by(Kiosk.label):  # noqa: E712
        visit = by_kiosk.get(kiosk.id)
        registered.append(_state(kiosk.label, visit, now))
    others = [_state("", visit, now) for visit in live if not visit.kiosk_id]
    return registered, others


def _state(label: str, visit: object | None, now: dt.datetime) -> KioskState:
    if visit is None:
        return KioskState(label, False, "", [], 0, None)
    flows = prefill.live_flows(visit.id)  # type: ignore[attr-defined]
    minutes = int((now - visit.created_at).total_seconds() // 60)  # type: ignore[attr-defined]
    return KioskState(label, True, visit.language, flows, minutes, visit.id)  # type: ignore[attr-defined]


def _board_context() -> dict[str, object]:
    from kiosk.resident.models import HelpCall, VisitSummary

    registered, others = kiosk_states()
    calls = HelpCall.waiting()
    since = utcnow() - dt.timedelta(minutes=30)
    answered = list(HelpCall.select().where((HelpCall.answered_at > since)
                                            & HelpCall.cancelled_at.is_null())
                    .order_by(HelpCall.answered_at.desc()).limit(10))
    visits = list(VisitSummary.select().where(VisitSummary.ended_at > utcnow() - RECENT_VISITS)
                  .order_by(VisitSummary.ended_at.desc()).limit(30))
    return {"kiosks": registered, "others": others, "calls": calls, "answered": answered,
            "visits": visits, "poll_seconds": POLL_SECONDS, "now": utcnow()}


@bp.get("/board")
@login_required
def board() -> Response:
    """Show the kiosks and the help calls, refreshed every few seconds."""
    return render("mediation/board.html", **_board_context())


@bp.post("/calls/<row:call_id>/answer")
@login_required
def answer_call(call_id: int) -> BaseResponse:
    """Tell the kiosk that a médiateur is coming."""
    from kiosk.resident.models import HelpCall

    call = HelpCall.get_or_none(HelpCall.id == call_id)
    if call is None:
        abort(404)
    account = current_account()
    call.answer(account.name if account else "")
    return redirect(url_for("mediation.board"), 303)


@bp.get("/device/<key>")
def device(key: str) -> BaseResponse:
    """Mark this browser as a registered kiosk (opened by the kiosk launcher), then go home."""
    if sites.register_device(key) is None:
        abort(404)
    return redirect(url_for("resident.chooser"), 303)

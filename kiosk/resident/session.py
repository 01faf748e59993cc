"""The resident's kiosk session seen from a request: found from the cookie, kept alive, ended.

An HttpOnly cookie carries only a random token; the KioskSession row is keyed by its hash, so
a tampered or stale cookie simply finds nothing and the visit starts afresh.
A row is made only when the visit has something to keep (a preference, a help call, a flow).
"""
from __future__ import annotations

import secrets
import threading
import time

from flask import current_app, g

from kiosk import sites
from kiosk.db import RowGone, utcnow
from kiosk.resident.models import KioskSession
from kiosk.security import cookie, rotate_csrf, set_cookie_later

COOKIE = "kiosk"
# A script's idle countdown and the server's clock may differ by a few seconds.
GRACE_SECONDS = 15
JANITOR_EVERY_SECONDS = 60

_janitor_lock = threading.Lock()
_janitor_last = 0.0


def current() -> KioskSession | None:
    """Return the current request's kiosk session, if one was started."""
    return g.get("kiosk_session")


def load(touch: bool = True) -> bool:
    """Find the request's kiosk session; wipe it if idle too long. Return False if it just ended."""
    sweep_stale()
    g.kiosk_session = None
    token = cookie(COOKIE)
    if not token:
        return True
    visit = KioskSession.for_token(token)
    if visit is None:
        set_cookie_later(COOKIE, None)
        return True
    now = utcnow()
    if visit.idle_for(now) > current_app.config["KIOSK_IDLE_SECONDS"] + GRACE_SECONDS:
        visit.wipe()
        forget_visit()
        return False
    if touch:
        try:
            visit.touch(now)
        except RowGone:  # removed behind the server's back (a restore): the visit starts afresh
            forget_visit()
            return False
    g.kiosk_session = visit
    return True


def ensure() -> KioskSession:
    """Return the current kiosk session, starting one if needed."""
    visit = current()
    if visit is None:
        token = secrets.token_urlsafe(32)
        visit = KioskSession.start(token, g.lang, kiosk=sites.device_kiosk())
        set_cookie_later(COOKIE, token)
        g.kiosk_session = visit
    return visit


def end() -> None:
    """Wipe the current kiosk session and forget the cookie."""
    visit = current()
    if visit is not None:
        visit.wipe()
    forget_visit()


def forget_visit() -> None:
    """Drop the browser's session cookie and give it a new CSRF nonce: old pages stop working."""
    g.kiosk_session = None
    set_cookie_later(COOKIE, None)
    rotate_csrf()


def sweep_stale() -> None:
    """Wipe abandoned sessions, at most once a minute per process."""
    global _janitor_last
    now = time.monotonic()
    if now - _janitor_last < JANITOR_EVERY_SECONDS or not _janitor_lock.acquire(blocking=False):
        return
    try:
        _janitor_last = now
        config = current_app.config
        KioskSession.wipe_stale(
            utcnow(),
            config["KIOSK_IDLE_SECONDS"] + GRACE_SECONDS,
            config["KIOSK_SESSION_MAX_SECONDS"],
        )
    finally:
        _janitor_lock.release()

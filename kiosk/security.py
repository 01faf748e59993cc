"""Security baseline: response headers, strict CSP, cookie flags, and a CSRF token on every POST."""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, abort, request, session

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def csrf_token() -> str:
    """Return this browser's CSRF token, creating it on first use."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Refuse an unsafe request whose form field or header does not carry the browser's token."""
    if request.method not in UNSAFE_METHODS:
        return
    if request.blueprint in CSRF_EXEMPT_BLUEPRINTS:
        return
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        abort(400, description="csrf")


# The sync API authenticates each request with an HMAC signature instead of a cookie.
CSRF_EXEMPT_BLUEPRINTS: frozenset[str] = frozenset({"api"})


def add_headers(response: Response) -> Response:
    """Add the security headers, and keep HTML out of every cache (residents' pages are private)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Set cookie flags from the settings and install the CSRF check and the headers."""
    app.config.update(
        SESSION_COOKIE_NAME="kiosk",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["KIOSK_HTTPS"],
        MAX_CONTENT_LENGTH=app.config["KIOSK_MAX_BODY_BYTES"],
    )
    app.before_request(check_csrf)
    app.after_request(add_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token

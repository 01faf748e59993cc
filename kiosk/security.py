"""Security baseline: response headers, strict CSP, cookies, and a CSRF token on every POST.

CSRF uses a signed double-submit: a random nonce lives in an HttpOnly cookie, forms carry its
HMAC under the app's secret key. A forged or injected cookie cannot produce a matching token,
and no server-side state (nor a signed session cookie) is written for an anonymous page view.
"""
from __future__ import annotations

import functools
import hmac
import re
import secrets

from flask import Flask, Request, Response, abort, current_app, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_COOKIE = "kiosk_csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The sync API (`/api/…`, even where no route matches) authenticates each request with an HMAC
# signature instead of a cookie.
CSRF_EXEMPT_BLUEPRINTS: frozenset[str] = frozenset({"api"})
_NONCE = re.compile(r"[A-Za-z0-9_-]{43}")

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


def set_cookie_later(name: str, value: str | None, max_age: int | None = None) -> None:
    """Set (or, with None, delete) a cookie on the response to this request.

    Without max_age the cookie lasts as long as the browser (a kiosk's profile is wiped at start).
    """
    g.setdefault("cookies_to_set", {})[name] = (value, max_age)


def cookie(name: str, sent_with: Request | None = None) -> str | None:
    """Return a cookie the browser sent with this request (or `sent_with`), or None."""
    return (sent_with if sent_with is not None else request).cookies.get(name)


def _sign(nonce: str) -> str:
    return _signature(current_app.config["SECRET_KEY"], nonce)


@functools.lru_cache(maxsize=1024)
def _signature(key: str, nonce: str) -> str:
    # A browser shows its nonce on every page it opens: its signature is worked out once.
    return hmac.digest(key.encode(), nonce.encode(), "sha256").hex()


def _nonce() -> str:
    nonce = g.get("csrf_nonce")
    if nonce is None:
        nonce = cookie(CSRF_COOKIE) or ""
        if not _NONCE.fullmatch(nonce):
            nonce = secrets.token_urlsafe(32)
            set_cookie_later(CSRF_COOKIE, nonce)
        g.csrf_nonce = nonce
    return nonce


def csrf_token() -> str:
    """Return the token this browser's forms must send back."""
    return _sign(_nonce())


def rotate_csrf() -> None:
    """Give the browser a new nonce (at the end of a kiosk session): old pages' forms stop working."""
    g.csrf_nonce = secrets.token_urlsafe(32)
    set_cookie_later(CSRF_COOKIE, g.csrf_nonce)


def check_csrf() -> None:
    """Refuse an unsafe request whose form field or header does not carry the browser's token."""
    if request.method not in UNSAFE_METHODS or request.blueprint in CSRF_EXEMPT_BLUEPRINTS \
            or request.path.startswith("/api/"):
        return
    nonce = cookie(CSRF_COOKIE) or ""
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not _NONCE.fullmatch(nonce) or not hmac.compare_digest(_sign(nonce), sent):
        abort(400, description="csrf")


# The same on every response; no view sets its own (one place decides them).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)


def add_headers(response: Response) -> Response:
    """Add the security headers and pending cookies; keep HTML out of every cache."""
    headers = response.headers
    headers.extend(SECURITY_HEADERS)  # one call: werkzeug's setdefault costs ~8 µs a header
    if response.mimetype == "text/html":
        headers["Cache-Control"] = "no-store"
    cookies = g.get("cookies_to_set")
    if not cookies:
        return response
    secure = current_app.config["KIOSK_HTTPS"]
    for name, (value, max_age) in cookies.items():
        if value is None:
            response.delete_cookie(name, httponly=True, samesite="Lax", secure=secure)
        else:
            response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="Lax", secure=secure)
    return response


def allow_larger_body(app: Flask, endpoint: str, limit: int) -> None:
    """Let one endpoint take a larger body than KIOSK_MAX_BODY_BYTES (a photo upload)."""
    app.extensions.setdefault("kiosk_body_limits", {})[endpoint] = limit


def set_body_limit() -> None:
    """Apply the current endpoint's own body limit, before anything reads the body."""
    if request.method not in UNSAFE_METHODS:  # a page view sends no body: nothing to look up
        return
    limit = current_app.extensions.get("kiosk_body_limits", {}).get(request.endpoint)
    if limit:
        request.max_content_length = limit


class StaffSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened for free when the request has no staff cookie.

    Only médiateurs carry the session cookie; Flask's own interface builds a signing serializer
    (a key derivation) on every request before looking for the cookie, and works out the
    cookie's settings after it to write nothing: costs every resident page paid for nothing.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:  # type: ignore[override]
        if not cookie(self.get_cookie_name(app), request):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # A page no one signed in to, whose session was never touched: Flask would work out
        # the cookie's name, domain, path and flags, then write nothing.
        if session or session.modified or session.accessed:
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Set cookie flags and the body limit from the settings; install the CSRF check and headers."""
    app.session_interface = StaffSessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME="kiosk_staff",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["KIOSK_HTTPS"],
        MAX_CONTENT_LENGTH=app.config["KIOSK_MAX_BODY_BYTES"],
    )
    app.before_request(set_body_limit)
    app.before_request(check_csrf)
    app.after_request(add_headers)

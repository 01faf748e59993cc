"""Staff accounts: passwords (argon2id), login with rate limits, sessions that expire, roles.

The staff session lives in Flask's signed cookie: the account id, the account's session epoch
(raised by "log out everywhere" and by a password change, which voids every older cookie), the
login time (sessions end after KIOSK_STAFF_SESSION_HOURS) and the last page view (they end
after KIOSK_STAFF_IDLE_MINUTES without one).
"""
from __future__ import annotations

import ctypes
import datetime as dt
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, redirect, request, session, url_for
from werkzeug.exceptions import Forbidden

from kiosk.db import utcnow, write
from kiosk.mediation.models import ROLES, JournalEntry, LoginAttempt, Mediator

# argon2id with one of OWASP's equivalent settings (7 MiB, 5 passes): as costly to attack as
# 19 MiB × 2, a login takes ~30 ms, and the server's memory stays within its 64 MB budget.
HASHER = PasswordHasher(time_cost=5, memory_cost=7 * 1024, parallelism=1)
_dummy_hash: list[str] = []


def _verify(stored: str | None, password: str) -> bool:
    """Check a password; an unknown login is checked against a dummy hash (same time taken)."""
    if stored is None:
        if not _dummy_hash:
            _dummy_hash.append(HASHER.hash("not a password of anyone"))
        stored = _dummy_hash[0]
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    finally:
        release_memory()


def release_memory() -> None:
    """Give the hash's working memory back to the system (glibc keeps large freed blocks otherwise)."""
    if _libc is not None:
        _libc.malloc_trim(0)


def _load_libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):
        return None  # not glibc: nothing to do


_libc = _load_libc()

MIN_PASSWORD_LENGTH = 10
WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
SEEN_EVERY_SECONDS = 60

F = TypeVar("F", bound=Callable[..., Any])


class AccountError(ValueError):
    """An account that cannot be created or changed as asked (the message says why)."""


def hash_password(password: str) -> str:
    """Return the stored form of a password."""
    try:
        return HASHER.hash(password)
    finally:
        release_memory()


def check_password(account: Mediator, password: str) -> bool:
    """Tell whether a password is an account's current one."""
    return _verify(account.password_hash, password)


def check_new_password(password: str) -> str | None:
    """Return why a new password is refused, in English (translated by the caller), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "short"
    return None


def create_account(login: str, name: str, password: str, role: str, by: str) -> Mediator:
    """Create a staff account; raise AccountError('taken' | 'short' | 'role' | 'login')."""
    login = login.strip().lower()
    if not login or len(login) > 80 or any(c.isspace() for c in login):
        raise AccountError("login")
    if role not in ROLES:
        raise AccountError("role")
    problem = check_new_password(password)
    if problem:
        raise AccountError(problem)
    with write():
        if Mediator.select().where(Mediator.login == login).exists():
            raise AccountError("taken")
        account = Mediator.create(login=login, name=name.strip()[:120] or login,
                                  password_hash=hash_password(password), role=role,
                                  created_at=utcnow())
        JournalEntry.write(by, "account.create", login, role=role)
    return account


def set_password(account: Mediator, password: str, by: str) -> None:
    """Change a password; every session of the account ends."""
    problem = check_new_password(password)
    if problem:
        raise AccountError(problem)
    with write():
        Mediator.update(password_hash=hash_password(password),
                        session_epoch=Mediator.session_epoch + 1).where(Mediator.id == account.id).execute()
        JournalEntry.write(by, "account.password", account.login)


def set_active(account: Mediator, active: bool, by: str) -> None:
    """Turn an account on or off; turning it off ends its sessions."""
    with write():
        Mediator.update(active=active, session_epoch=Mediator.session_epoch + 1).where(
            Mediator.id == account.id).execute()
        JournalEntry.write(by, "account.enable" if active else "account.disable", account.login)


@dataclass(frozen=True)
class LoginResult:
    """What a login try gave: the account, or why not ('wrong', 'locked_account', 'locked_address')."""

    account: Mediator | None
    refusal: str = ""
    retry_minutes: int = 0


def _recent_failures(now: dt.datetime, **where: str) -> tuple[int, dt.datetime | None]:
    (field, value), = where.items()
    column = getattr(LoginAttempt, field)
    query = LoginAttempt.select().where((column == value) & (LoginAttempt.at > now - WINDOW))
    last_success = query.where(LoginAttempt.succeeded == True).order_by(  # noqa: E712
        LoginAttempt.at.desc()).first()
    failures = query.where(LoginAttempt.succeeded == False)  # noqa: E712
    if last_success is not None:
        failures = failures.where(LoginAttempt.at > last_success.at)
    oldest = failures.order_by(LoginAttempt.at).first()
    return failures.count(), (oldest.at if oldest else None)


def authenticate(login: str, password: str, address: str) -> LoginResult:
    """Check a login and password, refusing for a while after too many failures."""
    login = login.strip().lower()[:80]
    address = address[:64]
    now = utcnow()
    for field, value, limit, refusal in (("login", login, MAX_FAILURES_PER_ACCOUNT, "locked_account"),
                                         ("address", address, MAX_FAILURES_PER_ADDRESS, "locked_address")):
        count, oldest = _recent_failures(now, **{field: value})
        if count >= limit and oldest is not None:
            wait = (oldest + WINDOW - now).total_seconds()
            return LoginResult(None, refusal, max(1, int(wait // 60) + 1))
    account = Mediator.get_or_none(Mediator.login == login)
    ok = _verify(account.password_hash if account else None, password) and account is not None \
        and account.active
    with write():
        LoginAttempt.create(login=login, address=address, succeeded=ok, at=now)
        LoginAttempt.delete().where(LoginAttempt.at < now - dt.timedelta(days=1)).execute()
    if not ok:
        return LoginResult(None, "wrong")
    if HASHER.check_needs_rehash(account.password_hash):
        with write():
            Mediator.update(password_hash=hash_password(password)).where(Mediator.id == account.id).execute()
    return LoginResult(account)


def open_session(account: Mediator) -> None:
    """Log an account in on this browser (a fresh cookie: no fixation)."""
    session.clear()
    now = int(time.time())
    session.update(staff=account.id, epoch=account.session_epoch, since=now, seen=now)


def close_session() -> None:
    """Log out on this browser."""
    session.clear()


def log_out_everywhere(account: Mediator) -> None:
    """End every session of an account, on every browser."""
    with write():
        Mediator.update(session_epoch=Mediator.session_epoch + 1).where(Mediator.id == account.id).execute()
        JournalEntry.write(account.login, "account.logout_everywhere", account.login)
    session.clear()


def current_account() -> Mediator | None:
    """Return the logged-in staff account of this request, if its session is still valid."""
    if "staff_account" in g:
        return g.staff_account
    g.staff_account = None
    account_id = session.get("staff")
    if account_id is None:
        return None
    config = current_app.config
    now = int(time.time())
    since, seen = int(session.get("since", 0)), int(session.get("seen", 0))
    if now - since > config["KIOSK_STAFF_SESSION_HOURS"] * 3600 or \
            now - seen > config["KIOSK_STAFF_IDLE_MINUTES"] * 60:
        session.clear()
        g.session_expired = True
        return None
    account = Mediator.get_or_none(Mediator.id == account_id)
    if account is None or not account.active or account.session_epoch != session.get("epoch"):
        session.clear()
        g.session_expired = True
        return None
    if now - seen >= SEEN_EVERY_SECONDS:
        session["seen"] = now
    g.staff_account = account
    return account


def login_required(view: F) -> F:
    """Send anyone not logged in to the login page, coming back here after."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_account() is None:
            return redirect(url_for("mediation.login", next=request.full_path.rstrip("?"),
                                    expired=1 if g.get("session_expired") else None))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """Let only site admins in (after the login check)."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        account = current_account()
        if account is None or not account.is_admin:
            raise Forbidden()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]

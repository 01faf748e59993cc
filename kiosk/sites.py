"""The site (lieu de médiation): one row on a site server, every site on central; its kiosks."""
from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import Flask, g
from peewee import BooleanField, CharField, DateTimeField

from kiosk import render
from kiosk.db import BaseModel, Lookup, database, utcnow, write
from kiosk.security import cookie, set_cookie_later

DEVICE_COOKIE = "kiosk_device"

# The site's row, per database: read on every page, changed almost never.
_this_site: dict[int, Site | None] = {}


class Site(BaseModel):
    """A médiation place, named by its code, with its commune and INSEE code."""

    code = CharField(unique=True)
    name = CharField()
    commune = CharField()
    insee = CharField(max_length=5)

    @classmethod
    def this_site(cls) -> Site | None:
        """Return the site this server serves, if it has been set up (read once, then kept)."""
        key = id(database.obj)
        if key not in _this_site:
            _this_site[key] = cls.select().order_by(cls.id).first()
        return _this_site[key]

    def save(self, *args: Any, **kwargs: Any) -> int:
        """Save the site and forget the kept copy."""
        _this_site.clear()
        return super().save(*args, **kwargs)

    @classmethod
    def ensure(cls, code: str, name: str, commune: str, insee: str) -> Site:
        """Return the site with this code, creating it when missing."""
        with write():
            site, _ = cls.get_or_create(
                code=code, defaults={"name": name, "commune": commune, "insee": insee}
            )
        _this_site.clear()
        return site


class Kiosk(BaseModel):
    """A registered terminal (poste) of the site: a label, set once on the device by an admin.

    Its device key is shown once, when the admin registers it; only the key's hash is stored.
    The kiosk launcher opens `/<lang>/mediation/device/<key>` at each start (its profile is
    wiped, so the key lives in the launcher's settings), which marks the browser as that kiosk.
    """

    label = CharField(unique=True, max_length=80)
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField()
    last_seen = DateTimeField(null=True)
    retired = BooleanField(default=False)


_kiosk_by_token = Lookup(Kiosk, Kiosk.token_hash)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_kiosk(label: str) -> tuple[Kiosk, str]:
    """Register a kiosk; return it and its device key (shown once: only its hash is kept)."""
    key = secrets.token_urlsafe(24)
    with write():
        kiosk = Kiosk.create(label=label, token_hash=_digest(key), created_at=utcnow())
    return kiosk, key


def register_device(key: str) -> Kiosk | None:
    """Mark this browser as the kiosk a device key belongs to, for as long as it runs."""
    kiosk = _kiosk_by_token(_digest(key))
    if kiosk is None or kiosk.retired:
        return None
    with write():
        Kiosk.update(last_seen=utcnow()).where(Kiosk.id == kiosk.id).execute()
    g.device_kiosk = kiosk
    set_cookie_later(DEVICE_COOKIE, key)
    return kiosk


def device_kiosk() -> Kiosk | None:
    """Return the registered kiosk this browser is, if it is one."""
    if "device_kiosk" not in g:
        token = cookie(DEVICE_COOKIE)
        kiosk = _kiosk_by_token(_digest(token)) if token else None
        g.device_kiosk = kiosk if kiosk is not None and not kiosk.retired else None
    return g.device_kiosk


def init_app(app: Flask) -> None:
    """Show the site's name on every page."""

    @app.context_processor
    def site_context() -> dict[str, Site | None]:
        return {"site": Site.this_site()}

    def site_variant() -> tuple[str, str] | None:
        site = Site.this_site()
        return (site.name, site.commune) if site else None

    render.vary_kept_pages_by(app, site_variant)

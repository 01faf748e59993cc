"""The sites central knows, and their signing keys (derived, never stored)."""
from __future__ import annotations

import hashlib
import hmac
import re
import uuid

from flask import current_app

from kiosk.central.models import CentralSite
from kiosk.db import utcnow, write

CODE = re.compile(r"[a-z0-9][a-z0-9-]{1,39}")
INSEE = re.compile(r"\d[\dAB]\d{3}")
SIRET = re.compile(r"\d{14}")


class RegistryError(ValueError):
    """A site that cannot be registered as asked (the message says why, in English)."""


def site_key(site: CentralSite) -> str:
    """Return a site's signing key: derived from central's secret, the site's id and generation."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"site-key:{site.id}:{site.key_generation}".encode(), hashlib.sha256).hexdigest()


def add_site(code: str, name: str, commune: str, insee: str, siret: str = "") -> tuple[CentralSite, str]:
    """Register a site; return it and its key (to give to the site once: it is not kept)."""
    code = code.strip().lower()
    if not CODE.fullmatch(code):
        raise RegistryError("the code is 2 to 40 lowercase letters, digits or dashes")
    if not name.strip() or not commune.strip():
        raise RegistryError("the name and the commune are needed")
    if not INSEE.fullmatch(insee.strip()):
        raise RegistryError("the INSEE code has 5 characters, e.g. 93048")
    if siret and not SIRET.fullmatch(siret.strip()):
        raise RegistryError("a SIRET has 14 digits")
    now = utcnow()
    with write():
        if CentralSite.select().where(CentralSite.code == code).exists():
            raise RegistryError(f"a site already has the code {code}")
        site = CentralSite.create(id=str(uuid.uuid4()), code=code, name=name.strip(), commune=commune.strip(),
                                  insee=insee.strip(), siret=siret.strip(), created_at=now, updated_at=now)
    return site, site_key(site)


def find(code: str) -> CentralSite:
    """Return a site by code."""
    site = CentralSite.get_or_none(CentralSite.code == code.strip().lower())
    if site is None:
        raise RegistryError(f"no site has the code {code}")
    return site


def rotate(code: str) -> tuple[CentralSite, str]:
    """Give a site a new key: the old one stops working at once."""
    site = find(code)
    with write():
        CentralSite.update(key_generation=CentralSite.key_generation + 1, updated_at=utcnow()).where(
            CentralSite.id == site.id).execute()
    site = CentralSite.get_by_id(site.id)
    return site, site_key(site)


def set_revoked(code: str, revoked: bool) -> CentralSite:
    """Refuse (or accept again) everything a site sends."""
    site = find(code)
    with write():
        CentralSite.update(revoked=revoked, updated_at=utcnow()).where(CentralSite.id == site.id).execute()
    return CentralSite.get_by_id(site.id)

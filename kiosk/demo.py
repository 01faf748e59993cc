"""Demonstration data for `make run`: a site, a médiateur account and a kiosk to try things with.

The demo account's password is public (README): demo data is for trying Kiosque, never for a
real centre (`make run` sets KIOSK_DEMO; production settings leave it off).
"""
from __future__ import annotations

from kiosk.db import write
from kiosk.mediation import accounts
from kiosk.mediation.models import Mediator
from kiosk.sites import Site

DEMO_LOGIN = "demo"
DEMO_PASSWORD = "kiosque-demo-2026"
DEMO_ADMIN_LOGIN = "demo-admin"


def load() -> None:
    """Create the demonstration data once; running it again changes nothing."""
    Site.ensure(
        code="demo-montreuil",
        name="Espace numérique de démonstration",
        commune="Montreuil",
        insee="93048",
    )
    with write():
        known = {m.login for m in Mediator.select(Mediator.login)}
    for login, name, role in ((DEMO_LOGIN, "Camille (démo)", "mediator"),
                              (DEMO_ADMIN_LOGIN, "Sami (démo, admin)", "site_admin")):
        if login not in known:
            accounts.create_account(login, name, DEMO_PASSWORD, role, by="demo")


def banner() -> str:
    """Return what `make run` prints about the demo accounts."""
    return (f"Demo médiateur: login {DEMO_LOGIN!r}, password {DEMO_PASSWORD!r} "
            f"(admin: {DEMO_ADMIN_LOGIN!r}, same password) at /fr/mediation/")

"""Central admins register sites on the web too: the list, a new site's key shown once, rotate, revoke."""
from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from kiosk.central import registry
from kiosk.central.dashboards import bp, central_admin_required
from kiosk.central.models import CentralSite
from kiosk.db import write
from kiosk.i18n import gettext as _
from kiosk.i18n import lazy_gettext as _l
from kiosk.mediation import accounts
from kiosk.mediation.models import JournalEntry
from kiosk.render import render

FIELDS = ("code", "name", "commune", "insee", "siret")
# registry.RegistryError messages are for the command line; the page says it in the admin's language.
PROBLEMS = {
    "code": _l("The code is 2 to 40 lowercase letters, digits or dashes, e.g. montreuil-mediatheque."),
    "name": _l("The name and the commune are needed."),
    "insee": _l("The INSEE code has 5 characters, e.g. 93048."),
    "siret": _l("A SIRET has 14 digits."),
    "taken": _l("A site already has this code."),
}


def _problem(message: str) -> str:
    for key, words in (("already has", "taken"), ("code is", "code"), ("name and", "name"),
                       ("INSEE", "insee"), ("SIRET", "siret")):
        if key in message:
            return words
    return "code"


def _me() -> str:
    account = accounts.current_account()
    return account.login if account else ""


@bp.route("/sites", methods=["GET", "POST"])
@central_admin_required
def sites() -> BaseResponse:
    """List the sites; register one and show its credentials once."""
    typed = {name: "" for name in FIELDS}
    error, shown = "", None
    status = 200
    if request.method == "POST":
        typed = {name: (request.form.get(name) or "").strip()[:200] for name in FIELDS}
        try:
            site, key = registry.add_site(**typed)
        except registry.RegistryError as problem:
            error, status = str(PROBLEMS[_problem(str(problem))]), 422
        else:
            with write():
                JournalEntry.write(_me(), "site.create", site.code)
            shown, typed = (site, key), {name: "" for name in FIELDS}
    every = list(CentralSite.select().order_by(CentralSite.code))
    return render("central/sites.html", status=status, sites=every, typed=typed, error=error, shown=shown)


@bp.post("/sites/<code>/rotate")
@central_admin_required
def site_rotate(code: str) -> Response | BaseResponse:
    """Give a site a new key, shown once; the old key stops working."""
    try:
        site, key = registry.rotate(code)
    except registry.RegistryError:
        return redirect(url_for("central.sites"), 303)
    with write():
        JournalEntry.write(_me(), "site.rotate", site.code)
    return render("central/sites.html", sites=list(CentralSite.select().order_by(CentralSite.code)),
                  typed={name: "" for name in FIELDS}, error="", shown=(site, key))


@bp.post("/sites/<code>/revoke")
@central_admin_required
def site_revoke(code: str) -> BaseResponse:
    """Refuse everything a site sends, or accept it again."""
    undo = request.form.get("undo") == "1"
    try:
        site = registry.set_revoked(code, not undo)
    except registry.RegistryError:
        return redirect(url_for("central.sites"), 303)
    with write():
        JournalEntry.write(_me(), "site.accept" if undo else "site.revoke", site.code)
    flash(_("Site %(code)s accepted again.", code=site.code) if undo
          else _("Site %(code)s revoked: everything it sends is refused.", code=site.code), "success")
    return redirect(url_for("central.sites"), 303)

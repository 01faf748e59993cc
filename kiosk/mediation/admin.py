"""Site admin pages: staff accounts, kiosks, the journal."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from kiosk import sites
from kiosk.db import write
from kiosk.i18n import gettext as _
from kiosk.i18n import lazy_gettext as _l
from kiosk.mediation import accounts, bp
from kiosk.mediation.accounts import admin_required, login_required
from kiosk.mediation.models import JournalEntry, Mediator
from kiosk.render import render
from kiosk.sites import Kiosk

ACCOUNT_ERRORS = {
    "login": _l("Choose a login without spaces, 80 characters at most."),
    "taken": _l("This login is already used."),
    "short": _l("The password needs at least 10 characters."),
    "role": _l("Choose a role."),
}
JOURNAL_PAGE = 100


@bp.route("/accounts", methods=["GET", "POST"])
@admin_required
def account_list() -> BaseResponse:
    """List the staff accounts; create one."""
    me = accounts.current_account()
    assert me is not None
    errors: dict[str, str] = {}
    typed = {"login": "", "name": "", "role": "mediator"}
    status = 200
    if request.method == "POST":
        typed = {key: (request.form.get(key) or "").strip() for key in typed}
        try:
            accounts.create_account(typed["login"], typed["name"], request.form.get("password") or "",
                                    typed["role"] if typed["role"] in ("mediator", "site_admin") else "",
                                    by=me.login)
        except accounts.AccountError as error:
            field = {"short": "password", "taken": "login"}.get(str(error), str(error))
            errors[field] = str(ACCOUNT_ERRORS[str(error)])
            status = 422
        else:
            flash(_("Account created."), "success")
            return redirect(url_for("mediation.account_list"), 303)
    return render("mediation/accounts.html", status=status, accounts=list(Mediator.select().order_by(
        Mediator.name)), errors=errors, typed=typed)


@bp.post("/accounts/<row:account_id>/active")
@admin_required
def account_active(account_id: int) -> BaseResponse:
    """Turn an account off (its sessions end) or back on."""
    me = accounts.current_account()
    account = Mediator.get_or_none(Mediator.id == account_id)
    if account is None or me is None:
        abort(404)
    if account.id == me.id:
        flash(_("You cannot turn off your own account."), "error")
    else:
        accounts.set_active(account, request.form.get("active") == "1", by=me.login)
    return redirect(url_for("mediation.account_list"), 303)


@bp.post("/accounts/<row:account_id>/password")
@admin_required
def account_password(account_id: int) -> BaseResponse:
    """Give an account a new password (its sessions end)."""
    me = accounts.current_account()
    account = Mediator.get_or_none(Mediator.id == account_id)
    if account is None or me is None:
        abort(404)
    try:
        accounts.set_password(account, request.form.get("password") or "", by=me.login)
    except accounts.AccountError as error:
        flash(str(ACCOUNT_ERRORS[str(error)]), "error")
    else:
        flash(_("Password changed."), "success")
    return redirect(url_for("mediation.account_list"), 303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def own_password() -> BaseResponse:
    """Change one's own password, after typing the current one."""
    me = accounts.current_account()
    assert me is not None
    error = ""
    if request.method == "POST":
        if not accounts.check_password(me, request.form.get("current") or ""):
            error = _("The current password is wrong.")
        else:
            try:
                accounts.set_password(me, request.form.get("password") or "", by=me.login)
            except accounts.AccountError as problem:
                error = str(ACCOUNT_ERRORS[str(problem)])
            else:
                flash(_("Password changed. Log in again with the new one."), "success")
                return redirect(url_for("mediation.login"), 303)
    return render("mediation/password.html", status=422 if error else 200, error=error)


@bp.route("/kiosks", methods=["GET", "POST"])
@admin_required
def kiosk_list() -> BaseResponse:
    """List the kiosks; register one and show its device key once."""
    me = accounts.current_account()
    assert me is not None
    error, label, shown_key, shown_label = "", "", "", ""
    status = 200
    if request.method == "POST":
        label = (request.form.get("label") or "").strip()[:80]
        if not label:
            error = _("Give the kiosk a name, for example “Poste 1, entrance”.")
        elif Kiosk.select().where(Kiosk.label == label).exists():
            error = _("A kiosk already has this name.")
        if error:
            status = 422
        else:
            kiosk, shown_key = sites.new_kiosk(label)
            shown_label = kiosk.label
            with write():
                JournalEntry.write(me.login, "kiosk.create", label)
            label = ""
    return render("mediation/kiosks.html", status=status, kiosks=list(Kiosk.select().order_by(Kiosk.label)),
                  error=error, label=label, shown_key=shown_key, shown_label=shown_label,
                  base_url=request.host_url.rstrip("/"))


@bp.post("/kiosks/<row:kiosk_id>/retire")
@admin_required
def kiosk_retire(kiosk_id: int) -> BaseResponse:
    """Stop recognising a kiosk (lost, replaced): its key no longer works."""
    me = accounts.current_account()
    assert me is not None
    with write():
        changed = Kiosk.update(retired=True).where(Kiosk.id == kiosk_id).execute()
        if changed:
            JournalEntry.write(me.login, "kiosk.retire", str(kiosk_id))
    return redirect(url_for("mediation.kiosk_list"), 303)


@bp.get("/journal")
@admin_required
def journal() -> Response:
    """Who changed what, newest first."""
    page = min(max(1, request.args.get("page", 1, type=int)), 10**6)
    query = JournalEntry.select().order_by(JournalEntry.at.desc(), JournalEntry.id.desc())
    total = query.count()
    entries = list(query.paginate(page, JOURNAL_PAGE))
    return render("mediation/journal.html", entries=entries, page_number=page,
                  pages=max(1, -(-total // JOURNAL_PAGE)))

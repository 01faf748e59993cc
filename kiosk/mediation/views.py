"""Médiateur pages: login, home, activity reports, passes, statistics, beneficiaries' rights."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from kiosk.db import utcnow, write
from kiosk.i18n import gettext as _
from kiosk.i18n import lazy_gettext as _l
from kiosk.mediation import accounts, activities, bp, exports, passes, stats, vocab
from kiosk.mediation.accounts import login_required
from kiosk.mediation.models import (
    Activity,
    Beneficiary,
    JournalEntry,
    Mediator,
    OutboxItem,
    Redemption,
    today,
)
from kiosk.render import render
from kiosk.resident import safe_next

PAGE_SIZE = 50

ERROR_TEXTS = {
    "choose": _l("Choose one of the answers."),
    "date_format": _l("Write the date as day/month/year, for example 26/11/2026."),
    "date_future": _l("The date cannot be in the future."),
    "date_old": _l("The date is too old: activities start in 2019."),
    "duration_format": _l("Write the duration in minutes, for example 40."),
    "duration_range": _l("The duration must be between 1 minute and 12 hours (720 minutes)."),
    "commune": _l("Choose the commune in the list."),
    "themes": _l("Choose at least one theme."),
    "redirection": _l("Choose where the person was redirected."),
    "pseudonym": _l("No followed beneficiary has this id. Check it, or leave it empty to create one."),
    "title": _l("Give the workshop a title."),
    "counter": _l("Write whole numbers between 0 and 500."),
    "participants_total": _l("Write how many people took part."),
    "participants_sum": _l("A group of counters adds up to more than the number of participants."),
    "parcours_followed": _l("A parcours is for a followed beneficiary in an individual support."),
    "pass_year": _l("Write the year printed on the cheques, for example 2026."),
    "pass_value": _l("Write the value of one cheque in euros, for example 10."),
    "pass_problems": _l("Some cheques cannot be recorded: see the list below."),
    "pass_none": _l("Type or scan at least one cheque number, or choose another funding."),
}
PASS_PROBLEM_TEXTS = {
    "format": _l("%(number)s: not a cheque number (6 to 20 digits)."),
    "twice": _l("%(number)s: typed twice in this form."),
    "taken": _l("%(number)s: already recorded on this site."),
    "expired": _l("%(number)s: expired (a cheque is accepted until 31 January of the next year)."),
    "not_yet": _l("%(number)s: its year starts after the date of the activity."),
}
LOGIN_REFUSALS = {
    "wrong": _l("Wrong login or password."),
    "locked_account": _l("Too many failed attempts for this account. Try again in %(minutes)d minutes."),
    "locked_address": _l("Too many failed attempts from this computer. Try again in %(minutes)d minutes."),
}


def _vocabularies() -> dict[str, Any]:
    return {
        "types": vocab.ACTIVITY_TYPES, "durations": vocab.DURATIONS, "places": vocab.PLACES,
        "equipment": vocab.EQUIPMENT, "themes": vocab.THEMES, "admin_themes": vocab.ADMIN_THEMES,
        "autonomy": vocab.AUTONOMY, "redirections": vocab.REDIRECTIONS, "levels": vocab.LEVELS,
        "genders": vocab.GENDERS, "age_bands": vocab.AGE_BANDS, "statuses": vocab.STATUSES,
        "yes_no_unknown": vocab.YES_NO_UNKNOWN, "prescribers": vocab.PRESCRIBERS,
        "funding": vocab.FUNDING, "communes": vocab.commune_choices(),
        "counter_groups": activities.COUNTER_GROUPS,
    }


def me() -> Mediator:
    """Return the logged-in account (on a page behind login_required)."""
    account = accounts.current_account()
    assert account is not None
    return account


# Login and logout ----------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse:
    """Log in with a login and a password."""
    next_page = safe_next(request.values.get("next"), url_for("mediation.home"))
    if not next_page.startswith((f"/{g.lang}/mediation/", f"/{g.lang}/central/")):
        next_page = url_for("mediation.home")
    login_value, refusal = "", ""
    status = 200
    if request.method == "POST":
        login_value = (request.form.get("login") or "").strip()[:80]
        result = accounts.authenticate(login_value, request.form.get("password") or "",
                                       request.remote_addr or "")
        if result.account is not None:
            accounts.open_session(result.account)
            return redirect(next_page, 303)
        refusal = LOGIN_REFUSALS[result.refusal] % {"minutes": result.retry_minutes} \
            if result.refusal != "wrong" else str(LOGIN_REFUSALS["wrong"])
        status = 429 if result.refusal.startswith("locked") else 401
    expired = request.args.get("expired") == "1"
    return render("mediation/login.html", status=status, login_value=login_value, refusal=refusal,
                  expired=expired, next_page=next_page)


@bp.post("/logout")
def logout() -> BaseResponse:
    """Log out on this browser."""
    accounts.close_session()
    return redirect(url_for("mediation.login"), 303)


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere() -> BaseResponse:
    """Log out on every browser where this account is logged in."""
    accounts.log_out_everywhere(me())
    return redirect(url_for("mediation.login"), 303)


# Home ----------------------------------------------------------------------------------------

@bp.get("/")
@login_required
def home() -> Response:
    """The médiateur's start page: what needs attention, then today's work."""
    from kiosk.resident.models import HelpCall

    conflicts = list(Redemption.select().where((Redemption.status == "conflict")
                                               & Redemption.resolved_at.is_null())
                     .order_by(Redemption.redeemed_at))
    mine_today = (Activity.select().where((Activity.mediator == me().id) & (Activity.date == today())
                                          & Activity.deleted_at.is_null()).count())
    from kiosk.sync import credentials
    from kiosk.sync.models import SyncState

    queue = OutboxItem.select().where(OutboxItem.state.in_(("pending", "in_flight"))).count()
    # A cheque in conflict shows above with its reason; what is left is for the admin to look at.
    refused = OutboxItem.select().where((OutboxItem.state == "rejected") | (
        (OutboxItem.state == "conflict") & (OutboxItem.kind == "activity"))).count()
    return render("mediation/home.html", conflicts=conflicts, calls=HelpCall.waiting(),
                  mine_today=mine_today, queue=queue, refused=refused, sync=SyncState.get_state(),
                  sync_configured=credentials(current_app) is not None)


def conflict_text(reason: str) -> str:
    """Say in the médiateur's language why central's ledger refused a cheque."""
    kind, _sep, rest = reason.partition("|")
    if kind == "already_redeemed":
        where, _sep, when = rest.partition("|")
        try:
            day = dt.date.fromisoformat(when).strftime("%d/%m/%Y")
        except ValueError:
            day = when
        return _("Already recorded on %(day)s at %(place)s.", day=day, place=where)
    if kind == "unknown":
        return _("This number is in no book issued by the Métropole.")
    if kind == "expired":
        return _("This cheque's validity year does not cover the date of the activity.")
    return reason


@bp.post("/sync")
@login_required
def sync_now() -> BaseResponse:
    """Send the waiting records to the Métropole now."""
    from kiosk.sync import sync_now as run_sync

    report = run_sync(current_app)
    if report is None:
        flash(_("This site is not connected to the Métropole's server."), "error")
    elif report.ok:
        flash(_("Sent: %(count)d records acknowledged by the Métropole.", count=report.acked), "success")
    else:
        flash(_("The Métropole's server could not be reached. Nothing is lost: it will be tried again."),
              "error")
    return redirect(url_for("mediation.home"), 303)


@bp.post("/passes/<redemption_id>/resolve")
@login_required
def resolve_conflict(redemption_id: str) -> BaseResponse:
    """Mark a pass conflict as dealt with (the médiateur checked it with the resident)."""
    note = (request.form.get("note") or "").strip()[:500]
    with write():
        changed = Redemption.update(resolved_at=utcnow()).where(
            (Redemption.id == redemption_id) & (Redemption.status == "conflict")
            & Redemption.resolved_at.is_null()).execute()
        if changed:
            JournalEntry.write(me().login, "pass.conflict_resolved", redemption_id, note=note)
    return redirect(url_for("mediation.home"), 303)


# Activities ----------------------------------------------------------------------------------

def _filters() -> dict[str, Any]:
    args = request.args
    start = _date(args.get("start"))
    end = _date(args.get("end"))
    return {
        "start": start, "end": end,
        "type": args.get("type") if args.get("type") in vocab.ACTIVITY_TYPES.codes() else "",
        "theme": args.get("theme") if args.get("theme") in vocab.THEMES.codes() + vocab.ADMIN_THEMES.codes()
        else "",
        "mediator": row_id(args.get("mediator")),
    }


def row_id(raw: str | None) -> int | None:
    """Return a row number read from the URL, or None if it cannot be one (SQLite's 64 bits)."""
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if 0 < value < 2**63 else None


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def filtered_activities(filters: dict[str, Any]) -> Any:
    """Return the query of live activities that the filters keep, newest first."""
    query = Activity.select().where(Activity.deleted_at.is_null())
    if filters["start"]:
        query = query.where(Activity.date >= filters["start"])
    if filters["end"]:
        query = query.where(Activity.date <= filters["end"])
    if filters["type"]:
        query = query.where(Activity.type == filters["type"])
    if filters["theme"]:
        needle = f'%"{filters["theme"]}"%'
        query = query.where(Activity.themes ** needle | Activity.admin_themes ** needle)
    if filters["mediator"]:
        query = query.where(Activity.mediator == filters["mediator"])
    return query.order_by(Activity.date.desc(), Activity.created_at.desc())


@bp.get("/activities")
@login_required
def activity_list() -> Response:
    """List the activities, filtered and paginated."""
    filters = _filters()
    page = min(max(1, request.args.get("page", 1, type=int)), 10**6)
    query = filtered_activities(filters)
    total = query.count()
    rows = list(query.paginate(page, PAGE_SIZE))
    pass_counts = {}
    if rows:
        for redemption in Redemption.select(Redemption.activity).where(
                Redemption.activity.in_([a.id for a in rows]) & Redemption.cancelled_at.is_null()):
            pass_counts[redemption.activity_id] = pass_counts.get(redemption.activity_id, 0) + 1
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render("mediation/activities.html", rows=rows, total=total, page_number=page,
                  pages=max(1, -(-total // PAGE_SIZE)), filters=filters, args=args,
                  pass_counts=pass_counts, mediators=list(Mediator.select().order_by(Mediator.name)),
                  **_vocabularies())


def _form_page(data: activities.ActivityInput, errors: dict[str, str],
               problems: list[passes.PassProblem], activity: Activity | None, status: int = 200,
               stale: bool = False, visit: Any = None) -> Response:
    messages = {name: str(ERROR_TEXTS[code]) for name, code in errors.items()}
    problem_lines = [PASS_PROBLEM_TEXTS[p.reason] % {"number": p.number} for p in problems]
    return render("mediation/activity_form.html", status=status, form=data, errors=messages,
                  problem_lines=problem_lines, activity=activity, stale=stale, visit=visit,
                  **_vocabularies())


@bp.route("/activities/new", methods=["GET", "POST"])
@login_required
def activity_new() -> BaseResponse:
    """Log a new activity (from scratch, from a kiosk visit, or as a copy of another)."""
    if request.method == "POST":
        return _save(None)
    data = activities.blank()
    visit = None
    copy_of = request.args.get("duplicate")
    if copy_of:
        source = Activity.get_or_none((Activity.id == copy_of) & Activity.deleted_at.is_null())
        if source is None:
            abort(404)
        data = activities.as_input(source)
        data.date, data.version, data.pass_numbers = today().isoformat(), 0, ""
        data.pseudonym = data.pseudonym if data.followed == "oui" else ""
    visit_id = row_id(request.args.get("visit"))
    if visit_id:
        from kiosk.mediation.prefill import from_visit

        data, visit = from_visit(visit_id, data)
    return _form_page(data, {}, [], None, visit=visit)


@bp.route("/activities/<activity_id>", methods=["GET", "POST"])
@login_required
def activity_edit(activity_id: str) -> BaseResponse:
    """Show and change an activity."""
    activity = Activity.get_or_none((Activity.id == activity_id) & Activity.deleted_at.is_null())
    if activity is None:
        abort(404)
    if request.method == "POST":
        return _save(activity)
    return _form_page(activities.as_input(activity), {}, [], activity)


def _save(activity: Activity | None) -> BaseResponse:
    data = activities.read_form(request.form)
    errors, good, problems = activities.check(data, activity.id if activity else None)
    if errors:
        return _form_page(data, errors, problems, activity, status=422)
    try:
        saved = activities.save(data, good, me(), activity)
    except activities.StaleEdit:
        return _form_page(data, {}, [], activity, status=409, stale=True)
    flash(_("Activity saved."), "success")
    if request.form.get("then") == "new":
        return redirect(url_for("mediation.activity_new"), 303)
    return redirect(url_for("mediation.activity_edit", activity_id=saved.id), 303)


@bp.post("/activities/<activity_id>/delete")
@login_required
def activity_delete(activity_id: str) -> BaseResponse:
    """Delete an activity (softly: it stays in the journal)."""
    activity = Activity.get_or_none(Activity.id == activity_id)
    if activity is None:
        abort(404)
    activities.delete(activity, me())
    flash(_("Activity deleted."), "success")
    return redirect(url_for("mediation.activity_list"), 303)


@bp.get("/activities.csv")
@login_required
def activity_export() -> Response:
    """Export the filtered activities in the national columns (CSV, UTF-8 with BOM)."""
    separator = ";" if request.args.get("sep", "semicolon") != "comma" else ","
    query = filtered_activities(_filters())
    return exports.csv_response(exports.activity_rows(query), exports.ACTIVITY_COLUMNS, separator,
                                f"activites-{today().isoformat()}.csv")


# Passes --------------------------------------------------------------------------------------

def _month() -> tuple[dt.date, dt.date]:
    raw = request.args.get("month") or ""
    try:
        first = dt.date.fromisoformat(f"{raw}-01")
    except ValueError:
        this = today()
        first = (this.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following


@bp.get("/passes")
@login_required
def pass_statement() -> BaseResponse:
    """The monthly statement of cheques recorded: what the structure sends to be paid."""
    first, following = _month()
    rows = stats.redemptions_between(first, following)
    if request.args.get("format") == "csv":
        separator = ";" if request.args.get("sep", "semicolon") != "comma" else ","
        return exports.csv_response(exports.statement_rows(rows), exports.STATEMENT_COLUMNS, separator,
                                    f"releve-pass-{first:%Y-%m}.csv")
    total_cents = sum(r.value_cents for r in rows)
    return render("mediation/passes.html", rows=rows, first=first, total_cents=total_cents,
                  activities_count=len({r.activity_id for r in rows}),
                  previous=(first - dt.timedelta(days=1)).strftime("%Y-%m"),
                  following=following.strftime("%Y-%m"))


# Statistics ----------------------------------------------------------------------------------

@bp.get("/stats")
@login_required
def statistics() -> Response:
    """Counts for a period, as SVG charts each with its table."""
    end = _date(request.args.get("end")) or today()
    start = _date(request.args.get("start")) or end.replace(day=1)
    if start > end:
        start, end = end, start
    return render("mediation/stats.html", start=start, end=end, figures=stats.figures(start, end))


# Beneficiaries' rights -------------------------------------------------------------------------

@bp.get("/beneficiaries")
@login_required
def beneficiary() -> BaseResponse:
    """Find a followed beneficiary by id: what is held about them (right of access)."""
    pseudonym = (request.args.get("id") or "").strip().upper()[:20]
    person = Beneficiary.get_or_none(Beneficiary.pseudonym == pseudonym) if pseudonym else None
    if person is not None and request.args.get("format") == "json":
        body = json.dumps(exports.beneficiary_data(person), ensure_ascii=False, indent=2)
        response = Response(body, mimetype="application/json")
        name = f"beneficiaire-{person.pseudonym}.json"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    held = exports.beneficiary_data(person) if person else None
    return render("mediation/beneficiary.html", pseudonym=pseudonym, person=person, held=held,
                  status=404 if pseudonym and person is None else 200)


@bp.post("/beneficiaries/<beneficiary_id>/erase")
@login_required
def beneficiary_erase(beneficiary_id: str) -> BaseResponse:
    """Erase a followed beneficiary (right to erasure): their activities stay, anonymous."""
    person = Beneficiary.get_or_none(Beneficiary.id == beneficiary_id)
    if person is None:
        abort(404)
    if request.form.get("confirm") != person.pseudonym:
        flash(_("Type the beneficiary's id to confirm the erasure."), "error")
        return redirect(url_for("mediation.beneficiary", id=person.pseudonym), 303)
    exports.erase_beneficiary(person, me().login)
    flash(_("The beneficiary's data has been erased."), "success")
    return redirect(url_for("mediation.beneficiary"), 303)

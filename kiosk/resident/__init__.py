"""Resident blueprint: language chooser, home, kiosk session (preferences, idle, end), help calls."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Flask, Response, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from kiosk.db import RowGone, utcnow
from kiosk.i18n import configured
from kiosk.render import Later, here, is_polling, render, vary_kept_pages_by
from kiosk.resident import session as kiosk_session
from kiosk.resident.models import TEXT_SIZES, visits

bp = Blueprint("resident", __name__)

# Blueprints whose pages belong to a resident's visit.
RESIDENT_AREAS = frozenset({"resident", "flows", "practice", "cv"})
# Pages that a waiting kiosk reaches by itself: they must not count as the resident's activity.
PASSIVE_ENDPOINTS = frozenset({"resident.idle", "resident.timeout"})
# A médiateur's answer shows on the kiosk for this long.
ANSWER_SHOWN = dt.timedelta(minutes=15)


def safe_next(value: str | None, default: str | None = None) -> str:
    """Return a local path to go back to, never another site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default or url_for("resident.home")


def in_language(path: str, code: str) -> str:
    """Return the same page in another language: `/fr/x` becomes `/ar/x`."""
    codes = current_app.config["KIOSK_LANGUAGES"]
    parts = path.split("/", 2)
    if len(parts) >= 2 and parts[1] in codes:
        parts[1] = code
        return "/".join(parts) if len(parts) > 2 else f"/{code}/"
    return f"/{code}/"


def page_variant() -> tuple[int, bool]:
    """Return what the visit changes in how every page looks: text size and contrast."""
    visit = kiosk_session.current()
    return (visit.text_size, visit.high_contrast) if visit else (0, False)


def load_visit() -> BaseResponse | None:
    """Find the resident's kiosk session; after an idle timeout, start again at the chooser."""
    if request.blueprint not in RESIDENT_AREAS:
        return None
    passive = request.endpoint in PASSIVE_ENDPOINTS or is_polling()
    alive = kiosk_session.load(touch=not passive)
    if not alive and request.endpoint != "resident.chooser":
        return redirect(url_for("resident.chooser"))
    return None


@bp.get("/")
def chooser() -> Response:
    """Show the language chooser, the first page of every visit."""
    choices = [(language, f"/{language.code}/") for language in configured(current_app)]
    return render("resident/chooser.html", keep=True, choices=choices, back=url_for("resident.chooser"))


@bp.get("/<lang:lang>/languages")
def languages() -> Response:
    """Show the language chooser from a page, coming back to the same page in the new language."""
    back = safe_next(request.args.get("next"))
    choices = [(language, in_language(back, language.code)) for language in configured(current_app)]
    return render("resident/chooser.html", keep=True, choices=choices, back=back)


@bp.get("/<lang:lang>/")
def home() -> Response:
    """Show the three big choices: write a letter, do a procedure, look for a job."""
    return render("resident/home.html", keep=True,
                  back=Later(lambda: url_for("resident.languages", next=here())))


@bp.post("/<lang:lang>/session/preferences")
def preferences() -> BaseResponse:
    """Change the text size or the contrast, then come back to the page."""
    visit = kiosk_session.ensure()
    text_size = request.form.get("text_size", type=int)
    contrast = request.form.get("high_contrast")
    visit.set_preferences(
        text_size=text_size if text_size in TEXT_SIZES else None,
        high_contrast={"1": True, "0": False}.get(contrast or ""),
    )
    return redirect(safe_next(request.form.get("next")), 303)


@bp.post("/<lang:lang>/session/end")
def end() -> BaseResponse:
    """End the visit: wipe everything the resident did and go back to the chooser."""
    kiosk_session.end()
    return redirect(url_for("resident.chooser"), 303)


@bp.post("/<lang:lang>/session/still-here")
def still_here() -> BaseResponse:
    """Keep the visit going (the request itself counts as activity)."""
    if request.headers.get("X-Kiosk-Keepalive"):
        return Response(status=204)
    return redirect(safe_next(request.form.get("next")), 303)


@bp.get("/<lang:lang>/session/idle")
def idle() -> Response:
    """Warn, without JavaScript, that the visit is about to end."""
    back = safe_next(request.args.get("next"))
    return render(
        "resident/idle.html",
        back=back,
        refresh_seconds=current_app.config["KIOSK_IDLE_WARNING_SECONDS"],
        refresh_url=url_for("resident.timeout", next=back),
    )


@bp.get("/<lang:lang>/session/timeout")
def timeout() -> BaseResponse:
    """End the visit if nothing happened during the warning; otherwise go back to the page."""
    visit = kiosk_session.current()
    config = current_app.config
    quiet = config["KIOSK_IDLE_SECONDS"] - config["KIOSK_IDLE_WARNING_SECONDS"]
    if visit is None or visit.idle_for(utcnow()) >= quiet:
        kiosk_session.end()
        return redirect(url_for("resident.chooser"), 303)
    return redirect(safe_next(request.args.get("next")), 303)


@bp.post("/<lang:lang>/help")
def call_help() -> BaseResponse:
    """Call a médiateur to this kiosk."""
    back = safe_next(request.form.get("next"))
    kiosk_session.ensure().call_for_help(page=back)
    return redirect(url_for("resident.help", next=back), 303)


@bp.get("/<lang:lang>/help")
def help() -> Response:
    """Show whether a médiateur has been called, with a way to call or to cancel."""
    visit = kiosk_session.current()
    call = visit.latest_help_call() if visit else None
    if call is not None and call.answered_at is not None and utcnow() - call.answered_at > ANSWER_SHOWN:
        call = None
    return render("resident/help.html", call=call, back=safe_next(request.args.get("next")))


@bp.post("/<lang:lang>/help/cancel")
def cancel_help() -> BaseResponse:
    """Withdraw the help call."""
    visit = kiosk_session.current()
    call = visit.open_help_call() if visit else None
    if call is not None:
        call.cancel()
    return redirect(safe_next(request.form.get("next")), 303)


@bp.get("/<lang:lang>/patterns")
def patterns() -> Response:
    """Show every UI component on one page, so each is checked for accessibility once."""
    return render("resident/patterns.html", keep=True, back=url_for("resident.home"))


def visit_gone(error: RowGone) -> BaseResponse:
    """A visit removed behind the server's back (a restore) ends: nothing of it was kept."""
    visit = kiosk_session.current()
    if visit is not None:
        visits.forget(visit.id)
    kiosk_session.forget_visit()
    return redirect(url_for("resident.chooser"), 303)


def init_app(app: Flask) -> None:
    """Register the resident pages and the kiosk session handling."""
    app.before_request(load_visit)
    app.register_error_handler(RowGone, visit_gone)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(here=here, in_language=in_language)
    vary_kept_pages_by(app, page_variant)

    @app.context_processor
    def visit_context() -> dict[str, object]:
        visit = kiosk_session.current() if "kiosk_session" in g else None
        config = app.config
        return {
            "visit": visit,
            "idle_seconds": config["KIOSK_IDLE_SECONDS"],
            "idle_warning_seconds": config["KIOSK_IDLE_WARNING_SECONDS"],
        }

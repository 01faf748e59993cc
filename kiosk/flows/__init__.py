"""Guided flows on the web: the families of the home, their lists, and each flow's steps.

`GET /<lang>/flows/<flow>/<step>` shows a step; `POST` to the same URL checks and keeps the
answer, then redirects to the next step (PRG). With htmx the step alone is swapped; without
JavaScript the same URLs are full pages.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.support import LazyProxy
from flask import Blueprint, Flask, Response, abort, current_app, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from kiosk.documents.letter import REGISTERED_MENTION, Letter, draft_body, merged_values
from kiosk.flows.engine import (
    CATEGORIES,
    LETTER_BODY,
    N_,
    Flow,
    Library,
    Problem,
    Step,
    check_form,
    load_folder,
)
from kiosk.flows.models import FlowUse
from kiosk.i18n import gettext as _
from kiosk.i18n import lazy_gettext as _l
from kiosk.render import Later, render
from kiosk.resident import session as kiosk_session

CONTENT_DIR = Path(__file__).parent / "content"


@dataclass(frozen=True)
class Family:
    """One of the three big choices of the home: its URL slug, its flows' family, its words."""

    slug: str
    code: str
    title: LazyProxy
    summary: LazyProxy
    pictogram: str


FAMILIES: tuple[Family, ...] = (
    Family("letters", "letter", _l("Write a letter"),
           _l("A letter to an office, a company or a landlord."), "letter"),
    Family("procedures", "procedure", _l("Do a procedure"),
           _l("Papers, family allowance, health insurance, taxes, pension."), "procedure"),
    Family("jobs", "job", _l("Look for a job"),
           _l("Your CV, a cover letter, where to apply."), "job"),
)
FAMILY_BY_SLUG = {family.slug: family for family in FAMILIES}
FAMILY_BY_CODE = {family.code: family for family in FAMILIES}

# The administrative thematics of the national activity report, by category slug.
CATEGORY_LABELS: dict[str, LazyProxy] = {
    "papiers": _l("Papers, elections, citizenship"),
    "famille": _l("Family, school"),
    "social": _l("Social help, health"),
    "travail": _l("Work, training, business"),
    "logement": _l("Housing"),
    "transports": _l("Transport, getting around"),
    "argent": _l("Money, taxes"),
    "justice": _l("Justice"),
    "etranger": _l("Foreigners, Europe"),
    "loisirs": _l("Leisure, sport, culture"),
}
assert set(CATEGORY_LABELS) == set(CATEGORIES)

bp = Blueprint("flows", __name__)


def library() -> Library:
    """Return the flows this app loaded at start."""
    return current_app.extensions["kiosk_flows"]


def find(flow_id: str, step_id: str | None = None) -> tuple[Flow, Step]:
    """Return a flow and one of its steps (the first by default), or answer 404.

    A resident who started a flow before a new content pack came finishes it on the version they
    started, as long as this process still has it.
    """
    flow = library().flows.get(flow_id)
    if flow is None:
        abort(404)
    if flow_id in current_app.extensions["kiosk_flow_renewed"]:
        visit = kiosk_session.current()
        use = FlowUse.of(visit, flow_id) if visit is not None else None
        if use is not None and use.version != flow.version:
            flow = current_app.extensions["kiosk_flow_versions"].get((flow_id, use.version), flow)
    step = flow.step(step_id) if step_id else flow.first
    if step is None:
        abort(404)
    return flow, step


@bp.get("/<lang:lang>/<any(letters, procedures, jobs):slug>")
def family(slug: str) -> Response:
    """List the guides of one family, by category."""
    chosen = FAMILY_BY_SLUG[slug]
    groups: dict[str, list[Flow]] = {}
    for flow in library().of_family(chosen.code):
        groups.setdefault(flow.category, []).append(flow)
    return render("flows/family.html", keep=True, family=chosen, groups=groups,
                  category_labels=CATEGORY_LABELS, back=Later(lambda: url_for("resident.home")))


@bp.get("/<lang:lang>/flows/<flow_id>")
def start(flow_id: str) -> BaseResponse:
    """Open a flow at its first step."""
    flow, step = find(flow_id)
    return redirect(url_for("flows.step", flow_id=flow.id, step_id=step.id))


def _use(flow: Flow, step: Step) -> FlowUse:
    visit = kiosk_session.ensure()
    return FlowUse.reach(visit, flow.id, flow.version, step.id, completed=step.kind == "review")


def _show(flow: Flow, step: Step, use: FlowUse, status: int = 200,
          values: dict[str, str] | None = None, problems: dict[str, Any] | None = None) -> Response:
    answers = use.answer_map()
    previous, rank, total = flow.place(step, answers)
    back_in_flow = previous is not None
    back = Later(lambda: url_for("flows.step", flow_id=flow.id, step_id=previous.id) if previous
                 else url_for("flows.family", slug=FAMILY_BY_CODE[flow.family].slug))
    saved = answers.get(step.id)
    if values is None:
        values = saved if step.kind in ("form", "compose") and isinstance(saved, dict) else {}
    letter = None
    if flow.family == "letter" and step.kind in ("compose", "review"):
        if step.kind == "compose" and not values.get(LETTER_BODY):
            values = {LETTER_BODY: draft_body(merged_values(answers))}
        letter = Letter.from_answers(flow.id, {**answers, step.id: values} if values else answers)
    errors = {name: _(p.message, **p.values) for name, p in (problems or {}).items()}
    # Steps that show nothing typed are kept once drawn, by what differs between residents.
    same_for_all = step.kind in ("info", "checklist", "choice") and status == 200
    return render(
        "flows/step.html", status=status, flow=flow, step=step, back=back, rank=rank,
        keep=("step", flow.version, previous and previous.id, rank, total, json.dumps(saved))
        if same_for_all else False,
        back_in_flow=back_in_flow,
        total=total, values=values, errors=errors, saved=saved,
        summary=_summary(flow, answers) if step.kind == "review" and not letter else [],
        letter=letter, registered_mention=REGISTERED_MENTION,
    )


def _summary(flow: Flow, answers: dict[str, Any]) -> list[tuple[str, str]]:
    """Return (question, answer) pairs of what the resident chose and typed, in path order."""
    lines: list[tuple[str, str]] = []
    for step in flow.path(answers):
        answer = answers.get(step.id)
        if answer is None:
            continue
        if step.kind == "choice":
            label = next((o.label for o in step.options if o.value == answer), None)
            if label:
                lines.append((_(step.title), _(label)))
        elif step.kind == "form" and isinstance(answer, dict):
            for entry in step.fields:
                value = answer.get(entry.name, "")
                if entry.type == "select":
                    value = next((_(o.label) for o in entry.options if o.value == value), value)
                elif entry.type == "yesno" and value:
                    value = _("Yes") if value == "yes" else _("No")
                if value:
                    lines.append((_(entry.label), value))
    return lines


@bp.get("/flows/<flow_id>/<step_id>/qr.svg")
def qr_code(flow_id: str, step_id: str) -> Response:
    """Draw the QR code of a step's official address, to continue on a phone."""
    import segno  # imported here: only review steps show one

    flow, current = find(flow_id, step_id)
    buffer = io.BytesIO()
    segno.make(current.link or flow.official_url, error="m").save(
        buffer, kind="svg", border=2, dark="#000", light="#fff", omitsize=True, xmldecl=False)
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.get("/<lang:lang>/flows/<flow_id>/document/<any(pdf, odt):kind>")
def document(flow_id: str, kind: str) -> BaseResponse:
    """Build the letter of a letter flow from this visit's answers, as PDF or ODT; never stored."""
    flow = library().flows.get(flow_id)
    if flow is None or flow.family != "letter":
        abort(404)
    visit = kiosk_session.current()
    use = FlowUse.of(visit, flow_id) if visit else None
    if use is None:
        return redirect(url_for("flows.start", flow_id=flow_id))
    letter = Letter.from_answers(flow.id, use.answer_map())
    if kind == "pdf":
        from kiosk.documents.pdf import letter_pdf

        fonts = Path(current_app.config["KIOSK_DATA_DIR"]) / "fonts"
        body, mimetype = letter_pdf(letter, fonts), "application/pdf"
    else:
        from kiosk.documents.odt import letter_odt

        body, mimetype = letter_odt(letter), "application/vnd.oasis.opendocument.text"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{letter.file_name(dt.date.today(), kind)}"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<lang:lang>/flows/<flow_id>/<step_id>")
def step(flow_id: str, step_id: str) -> Response:
    """Show one step of a flow with the answers kept so far."""
    flow, current = find(flow_id, step_id)
    return _show(flow, current, _use(flow, current))


@bp.post("/<lang:lang>/flows/<flow_id>/<step_id>")
def answer(flow_id: str, step_id: str) -> BaseResponse:
    """Check and keep the answer to a step, then go to the next step."""
    flow, current = find(flow_id, step_id)
    use = _use(flow, current)
    form = request.form
    if current.kind in ("form", "compose"):
        values, problems = check_form(current, form, dt.date.today())
        if problems:
            return _show(flow, current, use, status=422,
                         values={k: form.get(k, "") for k in values}, problems=problems)
        use.remember(current.id, values)
    elif current.kind == "choice":
        chosen = form.get("choice", "")
        if chosen not in {o.value for o in current.options}:
            return _show(flow, current, use, status=422,
                         problems={"choice": Problem(N_("Choose one of the answers."))})
        use.remember(current.id, chosen)
    elif current.kind == "checklist":
        ticked = sorted({int(v) for v in form.getlist("item")
                         if re.fullmatch(r"[0-9]{1,3}", v) and int(v) < len(current.items)})
        use.remember(current.id, ticked)
    following = flow.next_of(current, use.answer_map()) if current.kind != "review" else None
    if following is None:
        return redirect(url_for("flows.family", slug=FAMILY_BY_CODE[flow.family].slug), 303)
    return redirect(url_for("flows.step", flow_id=flow.id, step_id=following.id), 303)


def use_library(app: Flask, flows: Library) -> None:
    """Serve these flows from now on, keeping the versions loaded before for visits under way."""
    for error in flows.errors:
        app.logger.error("flow not loaded: %s", error)
    versions: dict[tuple[str, int], Flow] = app.extensions.setdefault("kiosk_flow_versions", {})
    renewed: set[str] = app.extensions.setdefault("kiosk_flow_renewed", set())
    for flow in flows.flows.values():
        versions.setdefault((flow.id, flow.version), flow)
        if any(known_id == flow.id and version != flow.version for known_id, version in versions):
            renewed.add(flow.id)
    app.extensions["kiosk_flows"] = flows


def content_dir(app: Flask) -> Path:
    """Return the folder of the flows in use: the installed content pack's, else the built-in ones."""
    from kiosk.flows.packs import current

    pack = current(Path(app.config["KIOSK_DATA_DIR"]) / "packs")
    return pack / "content" if pack is not None else CONTENT_DIR


def init_app(app: Flask) -> None:
    """Load the flows, register the flow pages, make the families known to templates."""
    use_library(app, load_folder(content_dir(app)))
    app.register_blueprint(bp)
    app.jinja_env.globals["families"] = FAMILIES
    app.jinja_env.filters["option_pairs"] = lambda options: [(o.value, _(o.label)) for o in options]

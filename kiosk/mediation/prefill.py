"""Start an activity report from what a resident did at a kiosk: themes, démarche, duration.

Only the flows used and the time spent are read; the resident's answers never are.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask import abort

from kiosk.db import utcnow
from kiosk.i18n import translations_for
from kiosk.mediation import vocab
from kiosk.mediation.activities import ActivityInput

# Each family's national theme, and each procedure's administrative theme (reference/cra.md).
FAMILY_THEMES = {
    "letter": "bureautique",
    "procedure": "aide_aux_demarches_administratives",
    "job": "insertion_professionnelle",
}
FLOW_ADMIN_THEMES = {
    "ameli-account": "social_sante",
    "anef-residence-permit": "etrangers_europe",
    "ants-driving-licence": "transports_mobilite",
    "ants-id-card": "papiers_elections_citoyennete",
    "caf-housing-aid": "logement",
    "caf-quarterly-declaration": "social_sante",
    "css-health-cover": "social_sante",
    "energy-cheque": "logement",
    "franceconnect": "papiers_elections_citoyennete",
    "impots-income-declaration": "argent_impots",
    "retirement": "social_sante",
    "diploma-recognition": "travail_formation",
    "france-travail-registration": "travail_formation",
    "mission-locale": "travail_formation",
}
# Flows whose subject is a digital skill more than their family's.
FLOW_THEMES = {"email-address": "email", "franceconnect": "navigation_sur_internet"}


@dataclass(frozen=True)
class VisitView:
    """A kiosk visit as the board and the form show it."""

    kiosk: str
    language: str
    flows: list[str]
    started_at: dt.datetime
    ended_at: dt.datetime | None


def suggest(data: ActivityInput, flow_ids: list[str], minutes: float) -> ActivityInput:
    """Fill themes, démarche and duration from the flows used; keep anything already chosen."""
    from kiosk.flows import library

    flows = library().flows
    demarches = []
    for flow_ref in flow_ids:
        flow_id = flow_ref.split("@", 1)[0]
        flow = flows.get(flow_id)
        if flow is None:
            continue
        theme = FLOW_THEMES.get(flow_id) or FAMILY_THEMES.get(flow.family)
        if theme and theme not in data.themes:
            data.themes.append(theme)
        admin = FLOW_ADMIN_THEMES.get(flow_id)
        if admin and admin not in data.admin_themes:
            data.admin_themes.append(admin)
        if flow.family == "procedure":
            demarches.append(translations_for("fr").gettext(flow.title))
    if demarches and not data.demarche:
        data.demarche = " ; ".join(demarches)[:200]
    if minutes > 0:
        quick = next((d for d in vocab.DURATIONS if d >= minutes), None)
        if quick is None:
            data.duration, data.duration_custom = "autre", str(min(720, 15 * math.ceil(minutes / 15)))
        else:
            data.duration = str(quick)
    data.flows = list(dict.fromkeys([*data.flows, *flow_ids]))[:20]
    return data


def from_visit(visit_id: int, data: ActivityInput) -> tuple[ActivityInput, VisitView]:
    """Prefill a form from a finished kiosk visit."""
    from kiosk.resident.models import VisitSummary

    summary = VisitSummary.get_or_none(VisitSummary.id == visit_id)
    if summary is None:
        abort(404)
    view = VisitView(summary.kiosk.label if summary.kiosk else "", summary.language,
                     summary.flow_ids(), summary.started_at, summary.ended_at)
    minutes = (summary.ended_at - summary.started_at).total_seconds() / 60
    return suggest(data, view.flows, minutes), view


def live_flows(session_id: str) -> list[str]:
    """Return the flows a live kiosk session has used, as `flow@version`."""
    from kiosk.flows.models import FlowUse

    return [f"{u.flow}@{u.version}" for u in FlowUse.select(FlowUse.flow, FlowUse.version)
            .where(FlowUse.session == session_id).order_by(FlowUse.started_at)]


def minutes_since(start: dt.datetime) -> float:
    """Return the minutes from a time to now."""
    return (utcnow() - start).total_seconds() / 60

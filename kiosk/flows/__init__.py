"""Guided flows: the three families a resident chooses from the home, and their lists of guides."""
from __future__ import annotations

from dataclasses import dataclass

from babel.support import LazyProxy
from flask import Blueprint, Flask, Response, abort, url_for

from kiosk.i18n import lazy_gettext as _l
from kiosk.render import render


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

bp = Blueprint("flows", __name__)


@bp.get("/<lang:lang>/<any(letters, procedures, jobs):slug>")
def family(slug: str) -> Response:
    """List the guides of one family."""
    chosen = FAMILY_BY_SLUG.get(slug)
    if chosen is None:
        abort(404)
    return render("flows/family.html", keep=True, family=chosen, flows=[], back=url_for("resident.home"))


def init_app(app: Flask) -> None:
    """Register the flow pages and make the families known to templates."""
    app.register_blueprint(bp)
    app.jinja_env.globals["families"] = FAMILIES

"""The CV builder: guided sections in the Europass order, a preview as it prints, PDF and ODT.

`/<lang>/jobs/cv/` lists the sections; each section is a page that saves and goes on to the
next one (PRG). Experience, studies and languages are lists of entries, each added and edited on
a page of its own. The CV is written in French or English, whatever the screens' language: its
headings and the task phrases picked from suggestions are translated into the CV's language.
Everything lives in the visit's CvDraft and goes with it.
"""
from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, redirect, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from kiosk.cv.models import CvDraft
from kiosk.cv.photo import read_photo
from kiosk.cv.sections import (
    CEFR_LEVELS,
    JOB_KIND_BY_ID,
    JOB_KINDS,
    LANGUAGE_CODES,
    LAYOUTS,
    LIMITS,
    PHOTO_MAX_BYTES,
    PICKS,
    SECTION_BY_ID,
    SECTIONS,
    SKILL_GROUPS,
    Section,
    check,
    cv_language,
    is_filled,
    next_section,
    previous_section,
)
from kiosk.documents import cv as cv_document
from kiosk.flows.engine import N_, Problem
from kiosk.flows.models import FlowUse
from kiosk.i18n import current as current_language
from kiosk.i18n import gettext as _
from kiosk.i18n import translations_for
from kiosk.render import render
from kiosk.resident import session as kiosk_session
from kiosk.security import allow_larger_body

bp = Blueprint("cv", __name__)
CV_FLOW = "cv"  # how the CV shows among the flows a visit used
CV_VERSION = 1
COVER_LETTER_FLOW = "courrier-motivation"


def _draft() -> CvDraft:
    return CvDraft.for_session(kiosk_session.ensure())


def _reached(step: str, completed: bool = False) -> None:
    FlowUse.reach(kiosk_session.ensure(), CV_FLOW, CV_VERSION, step, completed=completed)


def _section(section_id: str, repeats: bool | None = None) -> Section:
    section = SECTION_BY_ID.get(section_id)
    if section is None or (repeats is not None and section.repeats != repeats):
        abort(404)
    return section


def in_cv_language(content: dict[str, Any]) -> Any:
    """Return a function that translates a message into the CV's language."""
    return translations_for(cv_language(content)).gettext


def build(draft: CvDraft, content: dict[str, Any] | None = None) -> cv_document.CurriculumVitae:
    """Assemble the printable CV of a draft."""
    content = draft.content() if content is None else content
    return cv_document.CurriculumVitae.from_draft(content, in_cv_language(content), draft.photo)


def _language_options() -> tuple[tuple[str, str], ...]:
    return _language_names(current_language().code)


@functools.lru_cache(maxsize=32)
def _language_names(shown: str) -> tuple[tuple[str, str], ...]:
    """Return the offered languages named in the screen's language, sorted: the same each time."""
    names = [(code, cv_document.language_name(code, shown)) for code in LANGUAGE_CODES]
    return tuple(sorted(names, key=lambda pair: pair[1].casefold()))


def _errors(problems: dict[str, Problem]) -> dict[str, str]:
    return {name: _(problem.message, **problem.values) for name, problem in problems.items()}


def _as_typed(values: dict[str, Any]) -> dict[str, Any]:
    """Return refused answers as the resident typed them (lists of ticked boxes as checked)."""
    return {name: request.form.get(name, "") if isinstance(value, str) else value
            for name, value in values.items()}


def _common(section: Section | None, content: dict[str, Any]) -> dict[str, Any]:
    rank = SECTIONS.index(section) + 1 if section else 0
    return {"sections": SECTIONS, "rank": rank, "total": len(SECTIONS),
            "cv_lang": cv_language(content), "translate_cv": in_cv_language(content),
            "language_options": _language_options(), "picks": PICKS, "skill_groups": SKILL_GROUPS,
            "cefr_levels": CEFR_LEVELS, "limits": LIMITS}


@bp.get("/<lang:lang>/jobs/cv/")
def index() -> Response:
    """List the CV's sections, marking those filled in."""
    visit = kiosk_session.current()
    draft = CvDraft.of(visit) if visit else None
    content = draft.content() if draft else {}
    filled = {section.id for section in SECTIONS
              if (section.id == "photo" and draft is not None and draft.photo)
              or is_filled(section, content.get(section.id))}
    first_empty = next((s for s in SECTIONS if s.id not in filled), SECTIONS[0])
    return render("cv/index.html", filled=filled, first_empty=first_empty,
                  back=url_for("flows.family", slug="jobs"), **_common(None, content))


def _show_section(section: Section, draft: CvDraft, values: dict[str, Any] | None = None,
                  problems: dict[str, Problem] | None = None, status: int = 200) -> Response:
    content = draft.content()
    if values is None:
        saved = content.get(section.id)
        values = saved if isinstance(saved, dict) else {}
    previous = previous_section(section)
    return render("cv/section.html", status=status, section=section, values=values,
                  errors=_errors(problems or {}),
                  entries=content.get(section.id, []) if section.repeats else [],
                  has_photo=bool(draft.photo), photo_limit_mb=PHOTO_MAX_BYTES // (1024 * 1024),
                  following=next_section(section),
                  back=url_for("cv.section", section_id=previous.id) if previous else url_for("cv.index"),
                  **_common(section, content))


@bp.get("/<lang:lang>/jobs/cv/<section_id>")
def section(section_id: str) -> Response:
    """Show a section: its form, its list of entries, or the photo."""
    chosen = _section(section_id)
    _reached(chosen.id)
    return _show_section(chosen, _draft())


def _go_on(section: Section) -> BaseResponse:
    following = next_section(section)
    target = url_for("cv.section", section_id=following.id) if following else url_for("cv.finish")
    return redirect(target, 303)


@bp.post("/<lang:lang>/jobs/cv/<section_id>")
def save(section_id: str) -> BaseResponse:
    """Check and keep a section's answers, then go on to the next section."""
    chosen = _section(section_id)
    draft = _draft()
    if chosen.repeats:
        return _go_on(chosen)
    if chosen.id == "photo":
        return _save_photo(chosen, draft)
    values, problems = check(chosen, request.form, dt.date.today())
    if problems:
        return _show_section(chosen, draft, values=_as_typed(values), problems=problems, status=422)
    content = draft.content()
    content[chosen.id] = values
    draft.keep(content)
    return _go_on(chosen)


def _save_photo(chosen: Section, draft: CvDraft) -> BaseResponse:
    if request.form.get("remove") == "yes":
        draft.keep_photo(None)
        return redirect(url_for("cv.section", section_id=chosen.id), 303)
    try:
        upload = request.files.get("photo")
        data = upload.read(PHOTO_MAX_BYTES + 1) if upload else b""
        too_big = len(data) > PHOTO_MAX_BYTES
    except RequestEntityTooLarge:
        data, too_big = b"", True
    if too_big:
        problem = Problem(N_("This file is too big: %(max)d MB at most."),
                          {"max": PHOTO_MAX_BYTES // (1024 * 1024)})
    elif not data:
        if request.form.get("skip") == "yes":
            return _go_on(chosen)
        problem = Problem(N_("Choose a photo file first."))
    else:
        photo = read_photo(data)
        if isinstance(photo, Problem):
            problem = photo
        else:
            draft.keep_photo(photo)
            return redirect(url_for("cv.section", section_id=chosen.id), 303)
    return _show_section(chosen, draft, problems={"photo": problem}, status=422)


@bp.get("/jobs/cv/photo.jpg")
def photo() -> Response:
    """Give the visit's photo to the preview; nobody else's session can see it."""
    visit = kiosk_session.current()
    draft = CvDraft.of(visit) if visit else None
    if draft is None or not draft.photo:
        abort(404)
    response = Response(draft.photo, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "no-store"
    return response


def _show_entry(section: Section, draft: CvDraft, number: int | None, values: dict[str, Any],
                problems: dict[str, Problem] | None = None, status: int = 200) -> Response:
    content = draft.content()
    kind = JOB_KIND_BY_ID.get(values.get("kind", "")) if section.id == "experience" else None
    full = number is None and len(content.get(section.id, [])) >= LIMITS[section.id]
    return render("cv/entry.html", status=status, section=section, number=number, values=values,
                  errors=_errors(problems or {}), kind=kind, job_kinds=JOB_KINDS, full=full,
                  back=url_for("cv.section", section_id=section.id), **_common(section, content))


def _entry_number(section: Section, draft: CvDraft, number: int) -> int:
    if not 1 <= number <= len(draft.content().get(section.id, [])):
        abort(404)
    return number


@bp.get("/<lang:lang>/jobs/cv/<section_id>/new")
def new_entry(section_id: str) -> Response:
    """Show an empty entry; for an experience, first the kind of work, for task suggestions."""
    chosen = _section(section_id, repeats=True)
    draft = _draft()
    values: dict[str, Any] = {}
    kind = JOB_KIND_BY_ID.get(request.args.get("kind", ""))
    if kind is not None:
        values = {"kind": kind.id, "job": in_cv_language(draft.content())(kind.title)}
    elif chosen.id == "experience" and request.args.get("kind") != "other":
        values = {"kind": None}  # not chosen yet: the page offers the kinds of work
    return _show_entry(chosen, draft, None, values)


@bp.get("/<lang:lang>/jobs/cv/<section_id>/<int:number>")
def entry(section_id: str, number: int) -> Response:
    """Show an entry to change it."""
    chosen = _section(section_id, repeats=True)
    draft = _draft()
    number = _entry_number(chosen, draft, number)
    return _show_entry(chosen, draft, number, draft.content()[chosen.id][number - 1])


@bp.post("/<lang:lang>/jobs/cv/<section_id>/new")
@bp.post("/<lang:lang>/jobs/cv/<section_id>/<int:number>")
def save_entry(section_id: str, number: int | None = None) -> BaseResponse:
    """Check and keep a new or changed entry, then go back to the list."""
    chosen = _section(section_id, repeats=True)
    draft = _draft()
    if number is not None:
        number = _entry_number(chosen, draft, number)
    values, problems = check(chosen, request.form, dt.date.today())
    content = draft.content()
    listed = content.setdefault(chosen.id, [])
    if number is None and len(listed) >= LIMITS[chosen.id]:
        problems["limit"] = Problem(N_("This list is full: %(max)d at most. Remove one to add another."),
                                    {"max": LIMITS[chosen.id]})
    if problems:
        return _show_entry(chosen, draft, number, _as_typed(values), problems, status=422)
    if number is None:
        listed.append(values)
    else:
        listed[number - 1] = values
    draft.keep(content)
    return redirect(url_for("cv.section", section_id=chosen.id), 303)


@bp.post("/<lang:lang>/jobs/cv/<section_id>/<int:number>/delete")
def delete_entry(section_id: str, number: int) -> BaseResponse:
    """Remove an entry from a list."""
    chosen = _section(section_id, repeats=True)
    draft = _draft()
    number = _entry_number(chosen, draft, number)
    content = draft.content()
    del content[chosen.id][number - 1]
    draft.keep(content)
    return redirect(url_for("cv.section", section_id=chosen.id), 303)


def _show_finish(draft: CvDraft, status: int = 200, problem: str | None = None) -> Response:
    content = draft.content()
    return render("cv/finish.html", status=status, cv=build(draft, content), layouts=LAYOUTS,
                  problem=problem, back=url_for("cv.section", section_id=SECTIONS[-1].id),
                  **_common(None, content))


@bp.get("/<lang:lang>/jobs/cv/finish")
def finish() -> Response:
    """Show the CV as it prints, its layout choice, the downloads and the cover letter."""
    _reached("finish")
    return _show_finish(_draft())


@bp.post("/<lang:lang>/jobs/cv/finish")
def choose_layout() -> BaseResponse:
    """Keep the chosen layout and show the CV again."""
    draft = _draft()
    layout = request.form.get("layout", "")
    if layout not in LAYOUTS:
        return _show_finish(draft, status=422, problem=_("Choose one of the answers."))
    content = draft.content()
    content["layout"] = layout
    draft.keep(content)
    return redirect(url_for("cv.finish"), 303)


@bp.get("/<lang:lang>/jobs/cv/document/<any(pdf, odt):kind>")
def document(kind: str) -> BaseResponse:
    """Build the CV as PDF or ODT from this visit's draft; never stored."""
    visit = kiosk_session.current()
    draft = CvDraft.of(visit) if visit else None
    cv = build(draft) if draft else None
    if cv is None or cv.is_empty():
        return _show_finish(_draft(), status=422,
                            problem=_("Your CV is empty. Start with your name: the first sections."))
    if kind == "pdf":
        from kiosk.documents.pdf import cv_pdf

        body, mimetype = cv_pdf(cv, Path(current_app.config["KIOSK_DATA_DIR"]) / "fonts"), "application/pdf"
    else:
        from kiosk.documents.odt import cv_odt

        body, mimetype = cv_odt(cv), "application/vnd.oasis.opendocument.text"
    _reached("download", completed=True)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{cv.file_name(kind)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<lang:lang>/jobs/cv/cover-letter")
def cover_letter() -> BaseResponse:
    """Start the cover letter with what the CV already says (answers already typed are kept)."""
    from kiosk.cv.cover_letter import prefill
    from kiosk.flows import library

    flow = library().flows.get(COVER_LETTER_FLOW)
    if flow is None:
        abort(404)
    draft = _draft()
    content = draft.content()
    french = translations_for("fr").gettext
    cv = cv_document.CurriculumVitae.from_draft(content, french, None)
    use = FlowUse.reach(kiosk_session.ensure(), flow.id, flow.version, flow.first.id)
    answers = use.answer_map()
    for step_id, values in prefill(flow, content, cv).items():
        kept = answers.get(step_id) if isinstance(answers.get(step_id), dict) else {}
        use.remember(step_id, {**values, **{k: v for k, v in kept.items() if v}})
    return redirect(url_for("flows.step", flow_id=flow.id, step_id=flow.first.id), 303)


def init_app(app: Flask) -> None:
    """Register the CV builder's pages."""
    app.register_blueprint(bp)
    # A photo may be larger than other requests: up to three times the limit, it is read and
    # refused with a message beside the field; beyond, the readable 413 page answers.
    allow_larger_body(app, "cv.save", 3 * PHOTO_MAX_BYTES)

"""Word-processing practice: lessons a resident does alone, each checked on the server.

A try is POSTed: a success is recorded (as a FlowUse named `practice:<lesson>`) and redirects
to the lesson, which then congratulates; a miss re-renders the lesson with a hint and keeps what
the resident typed.
"""
from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, redirect, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from kiosk.flows.models import FlowUse
from kiosk.practice.lessons import LESSON_BY_ID, LESSONS, Lesson, Outcome
from kiosk.practice.richtext import read
from kiosk.render import render
from kiosk.resident import session as kiosk_session

bp = Blueprint("practice", __name__)
PRACTICE_FILE = "Mon premier fichier.\nBravo : vous l'avez retrouvé !\n"


def _done() -> set[str]:
    visit = kiosk_session.current()
    if visit is None:
        return set()
    uses = FlowUse.select(FlowUse.flow).where(
        (FlowUse.session == visit.id) & FlowUse.flow.startswith("practice:") & FlowUse.completed)
    return {use.flow.split(":", 1)[1] for use in uses}


@bp.get("/<lang:lang>/practice/")
def index() -> Response:
    """List the lessons, marking those done."""
    return render("practice/index.html", lessons=LESSONS, done=_done(),
                  back=url_for("flows.family", slug="letters"))


def _lesson(lesson_id: str) -> Lesson:
    lesson = LESSON_BY_ID.get(lesson_id)
    if lesson is None:
        abort(404)
    return lesson


def _show(lesson: Lesson, content: str | None = None, outcome: Outcome | None = None,
          status: int = 200) -> Response:
    position = LESSONS.index(lesson)
    following = LESSONS[position + 1] if position + 1 < len(LESSONS) else None
    if content is None:
        content = lesson.start
    shown = Markup(read(content).html) if lesson.area == "rich" else content
    return render("practice/lesson.html", status=status, lesson=lesson, content=shown,
                  outcome=outcome, passed=lesson.id in _done(), following=following,
                  rank=position + 1, total=len(LESSONS), back=url_for("practice.index"))


@bp.get("/<lang:lang>/practice/<lesson_id>")
def lesson(lesson_id: str) -> Response:
    """Show a lesson with its practice area."""
    return _show(_lesson(lesson_id))


@bp.post("/<lang:lang>/practice/<lesson_id>")
def attempt(lesson_id: str) -> BaseResponse:
    """Check a try; record a success and come back to the lesson, or show a hint."""
    chosen = _lesson(lesson_id)
    outcome = chosen.check(request.form)
    if not outcome.passed:
        return _show(chosen, request.form.get("content", ""), outcome, status=422)
    FlowUse.reach(kiosk_session.ensure(), f"practice:{chosen.id}", 1, "done", completed=True)
    return redirect(url_for("practice.lesson", lesson_id=chosen.id), 303)


@bp.get("/practice/file.txt")
def practice_file() -> Response:
    """Give the small file the saving lesson asks the resident to download."""
    response = Response(PRACTICE_FILE, mimetype="text/plain")
    response.headers["Content-Disposition"] = 'attachment; filename="mon-premier-fichier.txt"'
    return response


def init_app(app: Flask) -> None:
    """Register the practice pages."""
    app.register_blueprint(bp)

"""The word-processing course: every lesson's check, over HTTP, and the editor's HTML kept safe."""
from __future__ import annotations

import pytest
from markupsafe import escape

from kiosk.flows.models import FlowUse
from kiosk.practice.lessons import LESSONS
from kiosk.practice.richtext import read
from tests.conftest import Resident, csrf_of

RIGHT = {
    "type": {"content": "Bonjour,  je m\u2019appelle Marie. "},
    "correct": {"content": "Je suis allée à la mairie hier."},
    "copy-paste": {"content": "Merci pour votre aide.\nMerci pour votre aide. Merci pour votre aide."},
    "bold": {"content": "<div><strong>Bonjour</strong> Madame Martin,</div>"},
    "list": {"content": "<ul><li>pain</li><li>lait</li><li>Oeufs</li></ul>"},
    "save": {"answer": "telechargements"},
    "print": {"answer": "ctrl-p"},
}
WRONG = {
    "type": {"content": "bonjour je m'appelle marie"},
    "correct": {"content": "Je sui allée a la mairi hier."},
    "copy-paste": {"content": "Merci pour votre aide. Merci pour votre aide."},
    "bold": {"content": "<b>Bonjour Madame</b> Martin,"},
    "list": {"content": "pain lait oeufs"},
    "save": {"answer": "corbeille"},
    "print": {"answer": "ctrl-s"},
}


def test_the_course_has_at_least_six_lessons_covering_the_gestures() -> None:
    assert [lesson.id for lesson in LESSONS] == [
        "type", "correct", "copy-paste", "bold", "list", "save", "print"]


def attempt(resident: Resident, lesson: str, form: dict[str, str]):
    token = csrf_of(resident.client.get(f"/fr/practice/{lesson}").get_data(as_text=True))
    return resident.client.post(f"/fr/practice/{lesson}", data={"csrf_token": token, **form})


@pytest.mark.parametrize("lesson", [lesson.id for lesson in LESSONS])
def test_a_right_try_passes_and_is_recorded(resident: Resident, lesson: str) -> None:
    response = attempt(resident, lesson, RIGHT[lesson])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/fr/practice/{lesson}"
    assert FlowUse.get(FlowUse.flow == f"practice:{lesson}").completed
    html = resident.client.get("/fr/practice/").get_data(as_text=True)
    assert html.count('class="card-meta"') == 1


@pytest.mark.parametrize("lesson", [lesson.id for lesson in LESSONS])
def test_a_wrong_try_gives_a_hint_and_keeps_the_text(resident: Resident, lesson: str) -> None:
    response = attempt(resident, lesson, WRONG[lesson])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'role="alert"' in html
    if lesson in ("type", "correct", "copy-paste"):
        assert escape(WRONG[lesson]["content"]) in html
    if lesson == "bold":
        assert "<b>Bonjour Madame</b> Martin," in html
    assert FlowUse.select().count() == 0


def test_the_editor_keeps_formatting_and_drops_everything_else() -> None:
    reading = read('<div onclick="x()"><b>Bonjour</b> <img src=x onerror=alert(1)>'
                   '<script>alert(2)</script><a href="javascript:x">lien</a></div>'
                   '<ul><li>pain<li>lait</ul>')
    assert reading.html == "<div><b>Bonjour</b> alert(2)lien</div><ul><li>pain</li><li>lait</li></ul>"
    assert reading.bold == ["Bonjour"] and reading.list_items == ["pain", "lait"]


def test_typed_markup_is_shown_as_text(resident: Resident) -> None:
    html = attempt(resident, "type", {"content": "<script>alert(1)</script>"}).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in html


def test_the_practice_file_downloads(client) -> None:
    response = client.get("/practice/file.txt")
    assert response.status_code == 200
    assert "mon-premier-fichier.txt" in response.headers["Content-Disposition"]


def test_unknown_lesson_is_a_404(client) -> None:
    assert client.get("/fr/practice/juggling").status_code == 404


def test_the_letters_page_leads_to_the_course(client) -> None:
    assert 'href="/fr/practice/"' in client.get("/fr/letters").get_data(as_text=True)

"""The resident's visit: home, the bar, preferences, help calls, the end and the idle timeout."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.db import RowMemory, utcnow
from kiosk.resident.models import HelpCall, KioskSession
from tests.conftest import Resident, csrf_of
from tests.pages import PAGES

BAR_LABELS = ["Accueil", "Retour", "Langue", "Taille du texte", "Contraste élevé", "Écouter",
              "J'ai besoin d'aide", "Terminer ma session"]


def test_home_offers_the_three_choices_with_pictograms(resident: Resident) -> None:
    html = resident.open()
    for label, href in [("Écrire un courrier", "/fr/letters"), ("Faire une démarche", "/fr/procedures"),
                        ("Chercher un emploi", "/fr/jobs")]:
        assert label in html
        assert f'href="{href}"' in html
    assert html.count('class="pictogram"') == 3


@pytest.mark.parametrize("page", [p for p in PAGES if p.resident], ids=lambda p: p.name)
def test_the_same_bar_is_on_every_page_in_the_same_order(client, page) -> None:
    response = client.get(page.path.format(lang="fr"))
    assert response.status_code == page.status
    html = response.get_data(as_text=True)
    bar = html.split('<header class="bar">')[1].split("</header>")[0]
    positions = [bar.find(label) for label in BAR_LABELS]
    assert -1 not in positions, dict(zip(BAR_LABELS, positions, strict=True))
    assert positions == sorted(positions)


def test_the_jobs_page_offers_the_cv_the_cover_letter_and_the_guides(resident: Resident) -> None:
    html = resident.open("jobs")
    assert "Chercher un emploi" in html
    assert 'href="/fr/jobs/cv/"' in html and 'href="/fr/flows/courrier-motivation"' in html
    for guide in ("france-travail-registration", "job-search-offers", "job-apply-email", "job-interview",
                  "mission-locale", "diploma-recognition"):
        assert f'href="/fr/flows/{guide}"' in html, guide


def test_no_session_row_is_made_until_there_is_something_to_keep(client) -> None:
    client.get("/")
    client.get("/fr/")
    assert KioskSession.select().count() == 0


def test_text_size_and_contrast_are_kept_for_the_visit(resident: Resident) -> None:
    assert 'class="text-0"' in resident.open()
    response = resident.post("session/preferences", text_size="2", next="/fr/jobs")
    assert response.status_code == 303
    assert response.headers["Location"] == "/fr/jobs"
    assert 'class="text-2"' in resident.open("jobs")
    resident.post("session/preferences", high_contrast="1", next="/fr/")
    html = resident.open()
    assert 'class="text-2 contrast"' in html
    assert 'value="0" aria-pressed="true"><svg class="icon"' in html  # the contrast toggle
    assert KioskSession.get().text_size == 2


@pytest.mark.parametrize("bad", ["7", "-1", "big", ""])
def test_bad_text_size_changes_nothing(resident: Resident, bad: str) -> None:
    response = resident.post("session/preferences", text_size=bad, next="/fr/")
    assert response.status_code == 303
    assert 'class="text-0"' in resident.open()


def test_next_never_leads_to_another_site(resident: Resident) -> None:
    response = resident.post("session/preferences", text_size="1", next="//evil.example/")
    assert response.headers["Location"] == "/fr/"


def test_end_wipes_the_visit_and_returns_to_the_chooser(resident: Resident) -> None:
    resident.post("session/preferences", text_size="1", next="/fr/")
    resident.post("help", next="/fr/")
    assert KioskSession.select().count() == 1
    response = resident.post("session/end")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert KioskSession.select().count() == 0
    assert HelpCall.get().session is None  # the médiateur still sees the call
    assert 'class="text-0"' in resident.open()


def test_help_call_is_made_once_and_can_be_cancelled(resident: Resident) -> None:
    response = resident.post("help", next="/fr/procedures")
    assert response.headers["Location"] == "/fr/help?next=/fr/procedures"
    resident.post("help", next="/fr/procedures")
    assert len(HelpCall.waiting()) == 1
    html = resident.client.get("/fr/help?next=/fr/procedures").get_data(as_text=True)
    assert "Un médiateur est prévenu" in html
    call = HelpCall.get()
    assert call.page == "/fr/procedures" and call.language == "fr"
    resident.post("help/cancel", next="/fr/help")
    assert HelpCall.waiting() == []
    assert "Appeler un médiateur" in resident.client.get("/fr/help").get_data(as_text=True)


def age(seconds: float) -> None:
    """Make every visit look idle for this long (written behind the server: it forgets what it kept)."""
    past = utcnow() - dt.timedelta(seconds=seconds)
    KioskSession.update(last_seen=past).execute()
    RowMemory.clear_all()


def test_idle_visit_is_wiped_and_the_next_request_goes_to_the_chooser(app, resident) -> None:
    resident.post("session/preferences", text_size="2", next="/fr/")
    age(app.config["KIOSK_IDLE_SECONDS"] + 60)
    response = resident.client.get("/fr/jobs")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert KioskSession.select().count() == 0
    assert 'class="text-0"' in resident.open()


def test_activity_keeps_the_visit(app, resident) -> None:
    resident.post("session/preferences", text_size="2", next="/fr/")
    age(app.config["KIOSK_IDLE_SECONDS"] - 20)
    assert 'class="text-2"' in resident.open("jobs")
    assert KioskSession.get().idle_for(utcnow()) < 5


def test_keepalive_answers_204_and_counts_as_activity(app, resident) -> None:
    resident.post("session/preferences", text_size="1", next="/fr/")
    token = csrf_of(resident.open())
    age(100)
    response = resident.client.post(
        "/fr/session/still-here",
        headers={"X-CSRF-Token": token, "X-Kiosk-Keepalive": "1"},
    )
    assert response.status_code == 204
    assert KioskSession.get().idle_for(utcnow()) < 5


def test_without_js_the_warning_page_then_the_timeout_end_the_visit(app, resident) -> None:
    html = resident.open()
    quiet = app.config["KIOSK_IDLE_SECONDS"] - app.config["KIOSK_IDLE_WARNING_SECONDS"]
    assert (f'<noscript><meta http-equiv="refresh" content="{quiet};'
            'url=/fr/session/idle?next=/fr/"></noscript>') in html
    resident.post("session/preferences", text_size="1", next="/fr/")
    age(quiet + 1)
    warning = resident.client.get("/fr/session/idle?next=/fr/jobs").get_data(as_text=True)
    assert "Êtes-vous encore là ?" in warning
    assert "Votre session se termine dans 30 secondes." in warning
    assert 'content="30;url=/fr/session/timeout?next=/fr/jobs"' in warning
    assert KioskSession.get().idle_for(utcnow()) >= quiet  # the warning is not activity
    response = resident.client.get("/fr/session/timeout?next=/fr/jobs")
    assert response.headers["Location"] == "/"
    assert KioskSession.select().count() == 0


def test_timeout_after_activity_goes_back_to_the_page(resident) -> None:
    resident.post("session/preferences", text_size="1", next="/fr/")
    response = resident.client.get("/fr/session/timeout?next=/fr/jobs")
    assert response.headers["Location"] == "/fr/jobs"
    assert KioskSession.select().count() == 1


def test_still_here_without_js_goes_back(resident) -> None:
    response = resident.post("session/still-here", next="/fr/jobs")
    assert response.headers["Location"] == "/fr/jobs"


def test_janitor_wipes_abandoned_and_too_old_visits(app) -> None:
    now = utcnow()
    KioskSession.start("fresh", "fr")
    KioskSession.start("idle", "fr")
    KioskSession.start("old", "ar")
    KioskSession.update(last_seen=now - dt.timedelta(seconds=1000)).where(
        KioskSession.language == "fr", KioskSession.id != KioskSession.for_token("fresh").id
    ).execute()
    KioskSession.update(created_at=now - dt.timedelta(days=1)).where(
        KioskSession.language == "ar").execute()
    assert KioskSession.wipe_stale(now, idle_seconds=300, max_seconds=4 * 3600) == 2
    assert [s.id for s in KioskSession.select()] == [KioskSession.for_token("fresh").id]

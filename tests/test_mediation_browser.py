"""The médiateur space in headless Chromium: axe on every page (fr, en), keyboard-only entry, live board."""
from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from kiosk import demo
from tests.browser import served
from tests.test_browser import ARTIFACTS, assert_accessible

pytestmark = pytest.mark.browser

# Like a person at a keyboard: ~7 keys a second (a barcode reader is faster, we do not count on it).
KEY_DELAY_MS = 140


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    with served(tmp_path_factory.mktemp("mediation") / "data") as url:
        yield url


def logged_in(browser: Browser, base_url: str, login: str = demo.DEMO_ADMIN_LOGIN) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base_url}/fr/mediation/login")
    page.fill("#f-login", login)
    page.fill("#f-password", demo.DEMO_PASSWORD)
    page.click("button:has-text('Se connecter')")
    expect(page).to_have_url(re.compile(r"/fr/mediation/$"))
    return page


@pytest.fixture(scope="module")
def admin(browser: Browser, base_url: str) -> Iterator[Page]:
    page = logged_in(browser, base_url)
    # Some data, so that lists, statistics and the statement have rows.
    page.goto(f"{base_url}/fr/mediation/activities/new")
    page.fill("#f-pass_numbers", "31000001\n31000002")
    page.check("input[name=themes][value=bureautique]")
    page.check("input[name=followed][value=oui]")
    page.select_option("#f-commune_insee", "93048")
    page.click("button[name=then][value=show]")
    expect(page.locator(".notice-success")).to_be_visible()
    page.goto(f"{base_url}/fr/mediation/kiosks")
    page.fill("#f-label", "Poste axe")
    page.click("button:has-text('Enregistrer')")
    yield page
    page.context.close()


STAFF_PAGES = ["", "activities/new", "activities", "board", "stats", "passes", "beneficiaries",
               "accounts", "kiosks", "journal", "password"]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("path", STAFF_PAGES)
def test_every_staff_page_passes_axe(admin: Page, base_url: str, path: str, lang: str) -> None:
    response = admin.goto(f"{base_url}/{lang}/mediation/{path}")
    assert response is not None and response.status == 200
    assert_accessible(admin, f"mediation/{path} ({lang})")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_login_and_error_states_pass_axe(browser: Browser, admin: Page, base_url: str, lang: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base_url}/{lang}/mediation/login")
    assert_accessible(page, f"login ({lang})")
    page.fill("#f-login", "nobody")
    page.fill("#f-password", "wrong password")
    page.press("#f-password", "Enter")
    expect(page.locator(".notice-error")).to_be_visible()
    assert_accessible(page, f"login refused ({lang})")
    context.close()
    admin.goto(f"{base_url}/{lang}/mediation/activities/new")
    admin.fill("#f-date", "2099-01-01")
    admin.fill("#f-pass_numbers", "abc\n31000001")
    admin.click("button[name=then][value=show]")
    expect(admin.locator("[aria-invalid=true]").first).to_be_visible()
    assert_accessible(admin, f"report with errors ({lang})")
    link = admin.goto(f"{base_url}/{lang}/mediation/activities")
    assert link is not None
    admin.click("table a >> nth=0")
    assert_accessible(admin, f"report edit ({lang})")
    pseudonym = admin.evaluate("document.querySelector('#f-pseudonym').value")
    admin.goto(f"{base_url}/{lang}/mediation/beneficiaries?id={pseudonym}")
    assert_accessible(admin, f"beneficiary found ({lang})")


def test_an_individual_report_with_two_cheques_by_keyboard_alone_in_under_a_minute(
        browser: Browser, base_url: str) -> None:
    page = logged_in(browser, base_url, demo.DEMO_LOGIN)
    started = time.monotonic()
    page.goto(f"{base_url}/fr/mediation/activities/new")
    keys = page.keyboard
    keys.press("Tab")  # the skip link
    keys.press("Enter")  # to the form
    # type (Individuel is checked), the date's day, month, year and calendar (today is filled in),
    # duration (30 min is checked), other duration, then the cheques
    for _ in range(8):
        keys.press("Tab", delay=KEY_DELAY_MS)
    expect(page.locator("#f-pass_numbers")).to_be_focused()
    # The barcode reader types each number and Enter.
    keys.type("31000011\n31000012\n", delay=KEY_DELAY_MS)
    for _ in range(6):  # year, value, book, funding, close the parcours, first theme
        keys.press("Tab", delay=KEY_DELAY_MS)
    for _ in range(6):  # … to the 7th theme: Bureautique
        keys.press("Tab", delay=KEY_DELAY_MS)
    expect(page.locator("input[name=themes][value=bureautique]")).to_be_focused()
    keys.press("Space", delay=KEY_DELAY_MS)
    for _ in range(9):  # back over the themes, the parcours box and the funding to the book field
        keys.press("Shift+Tab", delay=KEY_DELAY_MS)
    expect(page.locator("#f-pass_book")).to_be_focused()
    keys.press("Enter")  # Enter in a text field saves the form
    expect(page.locator(".notice-success")).to_be_visible()
    elapsed = time.monotonic() - started
    print(f"report with two cheques by keyboard: {elapsed:.1f} s")
    assert elapsed < 60, elapsed
    assert page.locator("#f-pass_numbers").input_value().split() == ["31000011", "31000012"]
    page.context.close()


def test_a_help_call_reaches_the_board_within_5_seconds_and_the_answer_the_kiosk(
        browser: Browser, admin: Page, base_url: str) -> None:
    admin.goto(f"{base_url}/fr/mediation/kiosks")
    admin.fill("#f-label", "Poste appel")
    admin.click("button:has-text('Enregistrer')")
    device_url = admin.locator("code").nth(1).inner_text()
    board = logged_in(browser, base_url, demo.DEMO_LOGIN)
    board.goto(f"{base_url}/fr/mediation/board")
    kiosk_context = browser.new_context()
    kiosk = kiosk_context.new_page()
    kiosk.goto(device_url)
    kiosk.goto(f"{base_url}/fr/")
    kiosk.click("button:has-text('J’ai besoin d’aide'), button:has-text(\"J'ai besoin d'aide\")")
    called = time.monotonic()
    calls = board.locator(".staff-calls li", has_text="Poste appel")
    expect(calls).to_be_visible(timeout=5000)
    assert time.monotonic() - called < 5
    calls.locator("button").click()
    expect(kiosk.locator("text=Un médiateur arrive.")).to_be_visible(timeout=7000)
    kiosk_context.close()
    board.context.close()


@pytest.fixture(scope="module")
def central_admin(browser: Browser, tmp_path_factory) -> Iterator[tuple[Page, str]]:
    import json
    import subprocess
    import sys
    import uuid

    from kiosk.sync.client import Credentials, send
    from tests.browser import PROJECT_ROOT
    from tests.syncing import central_server

    with central_server(tmp_path_factory.mktemp("central-axe") / "data") as central:
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "kiosk", "create-admin", "--login",
                        "metropole", "--name", "Métropole", "--role", "central_admin", "--password",
                        demo.DEMO_PASSWORD],
                       cwd=PROJECT_ROOT, env=central.env, check=True, capture_output=True)
        credentials = Credentials(central.url, *central.new_site())
        day = time.strftime("%Y-%m-%d")
        items = []
        for n in range(3):
            activity_id, redemption_id = str(uuid.uuid4()), str(uuid.uuid4())
            items.append({"kind": "activity", "id": activity_id, "version": 1, "payload": {
                "id": activity_id, "version": 1, "date": day, "type": "individuel", "duration": 30 + n * 30,
                "themes": ["bureautique"], "statut": "sans_emploi", "tranche_age": "18_24",
                "commune_insee": "93048", "prescriber": "france_travail"}})
            items.append({"kind": "redemption", "id": redemption_id, "version": 1, "payload": {
                "id": redemption_id, "number": f"1234567{n}", "activity": activity_id, "value_cents": 1000,
                "validity_year": int(day[:4]), "redeemed_at": f"{day}T10:00:00", "cancelled": False}})
        send(credentials, str(uuid.uuid4()), json.dumps({"items": items}).encode(), 0.0)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{central.url}/fr/mediation/login?next=/fr/central/")
        page.fill("#f-login", "metropole")
        page.fill("#f-password", demo.DEMO_PASSWORD)
        page.press("#f-password", "Enter")
        expect(page).to_have_url(re.compile(r"/fr/central/$"))
        yield page, central.url
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("path", ["", "ledger", "sites"])
def test_the_metropole_pages_pass_axe(central_admin: tuple[Page, str], path: str, lang: str) -> None:
    page, base = central_admin
    response = page.goto(f"{base}/{lang}/central/{path}")
    assert response is not None and response.status == 200
    assert_accessible(page, f"central/{path} ({lang})")
    if lang == "fr":
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"central-{path or 'dashboard'}-fr.png"), full_page=True)

"""In headless Chromium: accessibility of every registered page (fr, ar), RTL, no-JS use, idle."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from kiosk.settings import load
from tests.browser import PROJECT_ROOT, served
from tests.pages import pages_in

LANGUAGES = load({})["KIOSK_LANGUAGES"]

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
axe = Axe()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    with served(tmp_path_factory.mktemp("site") / "data") as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def assert_accessible(page: Page, where: str) -> None:
    # Only violations are gathered: collecting every passed check's nodes doubles axe's time.
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                     "resultTypes": ["violations"]})
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"


@pytest.mark.parametrize(("lang", "registered"),
                         [(lang, page) for lang in LANGUAGES for page in pages_in(lang)],
                         ids=lambda value: value if isinstance(value, str) else value.name)
def test_every_page_passes_axe(page: Page, base_url: str, registered, lang: str) -> None:
    response = page.goto(registered.url(base_url, lang))
    assert response is not None and response.status == registered.status
    assert_accessible(page, f"{registered.name} ({lang})")


@pytest.mark.parametrize("size", ["1", "2"])
def test_larger_text_and_high_contrast_pass_axe(page: Page, base_url: str, size: str) -> None:
    page.goto(base_url + "/fr/patterns")
    page.get_by_role("button", name=re.compile(r"^A\+")).nth(int(size) - 1).click()
    page.get_by_role("button", name="Contraste élevé").click()
    expect(page.locator("html")).to_have_class(f"text-{size} contrast")
    assert_accessible(page, f"patterns, text-{size}, high contrast")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_screenshots_of_the_home_and_a_step_in_every_language(page: Page, base_url: str, lang: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for name, path in (("home", f"/{lang}/"), ("step", f"/{lang}/flows/caf-housing-aid/documents")):
        page.goto(base_url + path)
        shot = ARTIFACTS / f"{name}-{lang}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("lang", ["ar", "fa", "ps"])
def test_right_to_left_languages_mirror_the_layout(page: Page, base_url: str, lang: str) -> None:
    def x_of(name: str) -> float:
        box = page.locator(".bar-nav .control").nth(["home", "back"].index(name)).bounding_box()
        assert box is not None
        return box["x"]

    page.goto(base_url + "/fr/")
    assert x_of("home") < x_of("back")
    page.goto(f"{base_url}/{lang}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert x_of("home") > x_of("back")
    arrow = page.locator(".bar-nav .icon-directional").first
    assert "matrix(-1" in arrow.evaluate("e => getComputedStyle(e).transform")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_sideways_scrolling_at_320px_with_the_largest_text(browser, base_url, lang) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{base_url}/{lang}/patterns")
    page.locator("button[name=text_size][value='2']").click()
    for path in ("/", f"/{lang}/", f"/{lang}/procedures", f"/{lang}/patterns", f"/{lang}/help"):
        page.goto(base_url + path)
        expect(page.locator("html")).to_have_class("text-2")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path}: {width}px wide"
    context.close()


TARGETS = repr("a.control, button, .button, .choice, .language-choice, input:not([type=hidden])")


def test_every_target_is_at_least_48px(page: Page, base_url: str) -> None:
    for path in ("/", "/fr/", "/fr/patterns", "/fr/help"):
        page.goto(base_url + path)
        small = page.evaluate(
            """() => [...document.querySelectorAll(TARGETS)]
                 .filter(e => e.offsetParent !== null)
                 .map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect()])
                 .filter(([, r]) => r.height < 47.5 || r.width < 47.5)
                 .map(([t, r]) => `${t}: ${r.width}x${r.height}`)""".replace("TARGETS", TARGETS)
        )
        assert small == [], f"{path}: {small}"


def test_the_site_is_usable_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/")
    page.get_by_role("link", name="Français").click()
    expect(page).to_have_url(base_url + "/fr/")
    page.get_by_role("link", name=re.compile("Faire une démarche")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Faire une démarche")
    page.get_by_role("button", name=re.compile("^A\\+\\+")).click()
    expect(page.locator("html")).to_have_class("text-2")
    expect(page).to_have_url(base_url + "/fr/procedures")
    page.get_by_role("button", name="J'ai besoin d'aide").click()
    expect(page.get_by_role("status")).to_contain_text("Un médiateur est prévenu")
    page.get_by_role("button", name="Je n'ai plus besoin d'aide").click()
    expect(page.get_by_role("button", name="Appeler un médiateur")).to_be_visible()
    page.get_by_role("link", name="Langue").click()
    page.get_by_role("link", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_role("link", name="الرئيسية").first.click()
    expect(page).to_have_url(base_url + "/ar/")
    assert page.locator("#read-aloud").is_hidden()  # nothing that needs a script is shown
    page.get_by_role("button", name=re.compile("إنهاء")).click()
    expect(page).to_have_url(base_url + "/")
    expect(page.locator("html")).to_have_class("text-0")
    context.close()


def test_with_javascript_links_are_boosted_and_read_aloud_says_when_it_cannot(page, base_url) -> None:
    page.goto(base_url + "/fr/")
    page.get_by_role("link", name=re.compile("Chercher un emploi")).click()
    expect(page).to_have_url(base_url + "/fr/jobs")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chercher un emploi")
    listen = page.get_by_role("button", name="Écouter")
    expect(listen).to_be_visible()
    has_voice = page.evaluate("speechSynthesis.getVoices().some(v => v.lang.startsWith('fr'))")
    listen.click()
    if not has_voice:
        expect(page.locator("#read-aloud-status")).to_contain_text("pas disponible")


@pytest.fixture(scope="module")
def quick_idle_url(tmp_path_factory) -> Iterator[str]:
    settings = {"KIOSK_IDLE_SECONDS": "24", "KIOSK_IDLE_WARNING_SECONDS": "20"}
    with served(tmp_path_factory.mktemp("idle") / "data", **settings) as url:
        yield url


def test_idle_warns_counts_down_lets_the_resident_stay_then_ends(page, quick_idle_url) -> None:
    page.goto(quick_idle_url + "/fr/")
    page.get_by_role("button", name=re.compile("^A\\+\\+")).click()
    expect(page.locator("html")).to_have_class("text-2")
    dialog = page.get_by_role("alertdialog", name="Êtes-vous encore là ?")
    expect(dialog).to_be_visible(timeout=10_000)
    first = int(page.locator("#idle-count").inner_text())
    assert 17 <= first <= 20
    page.wait_for_timeout(1500)
    assert int(page.locator("#idle-count").inner_text()) < first
    assert_accessible(page, "idle warning")
    assert page.locator("main").evaluate("e => e.inert")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#idle-dialog') !== null")
    page.get_by_role("button", name="Je suis encore là").click()
    expect(dialog).to_be_hidden()
    assert not page.locator("main").evaluate("e => e.inert")
    expect(page.locator("html")).to_have_class("text-2")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(page).to_have_url(quick_idle_url + "/", timeout=30_000)
    expect(page.locator("html")).to_have_class("text-0")


def test_idle_warning_keeps_focus_in_a_browser_without_inert(browser, quick_idle_url) -> None:
    context = browser.new_context()
    context.add_init_script("delete HTMLElement.prototype.inert")  # as in browsers before 2023
    page = context.new_page()
    page.goto(quick_idle_url + "/fr/procedures")
    expect(page.locator("#idle-dialog")).to_be_visible(timeout=10_000)
    for _ in range(6):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.closest('#idle-dialog') !== null")
    context.close()


# fontconfig's names of the languages whose script needs its own font.
FONT_LANGUAGES = {"zh": "zh-cn"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_installed_font_covers_each_language(lang: str) -> None:
    import subprocess

    families = subprocess.run(["fc-list", f":lang={FONT_LANGUAGES.get(lang, lang)}", "family"],
                              capture_output=True, text=True, check=True).stdout
    assert families.strip(), f"no font for {lang}: install the packages .ci/run lists"


def test_artifacts_folder_is_ignored_by_git() -> None:
    assert "test-artifacts/" in Path(PROJECT_ROOT / ".gitignore").read_text()


def fill_step(page: Page, flow_id: str) -> str:
    """Answer the step on screen like a resident, and return its kind."""
    from kiosk.flows import CONTENT_DIR
    from kiosk.flows.engine import load_folder
    from tests.test_flows_http import good_value

    step_id = page.url.rsplit("/", 1)[1]
    step = load_folder(CONTENT_DIR).flows[flow_id].step(step_id)
    kind = step.kind
    # htmx puts the new URL in the history before the swap settles, and keeps the old element's
    # class for its settle delay: wait until the step on screen is this one, with its own class.
    step_box = page.locator(f'#step[data-step="{step_id}"]')
    expect(step_box).to_be_visible()
    expect(step_box).to_have_class(re.compile(rf"\bstep-{kind}\b"))
    if kind == "choice":
        page.locator(".option").first.click()
    elif kind == "checklist":
        for box in page.locator(".checklist input[type=checkbox]").all():
            box.check()
        page.locator(".step-form .button-primary").click()
    elif kind == "form":
        for entry in step.fields:
            if entry.type in ("select", "yesno"):
                page.locator(f"input[name={entry.name}]").first.check()
            else:
                page.locator(f"[name={entry.name}]").fill(good_value(entry))
        page.locator(".step-form .button-primary").click()
    elif kind == "info":
        page.locator(".step-form .button-primary").click()
    return kind


@pytest.mark.parametrize(("flow_id", "lang"), [
    ("email-address", "fr"), ("ants-id-card", "fr"),
    *(("caf-housing-aid", lang) for lang in LANGUAGES),
])
def test_flows_walked_with_htmx_swap_only_the_step(page: Page, base_url: str, flow_id: str,
                                                   lang: str) -> None:
    page.goto(f"{base_url}/{lang}/flows/{flow_id}")
    page.evaluate("window.notReloaded = true")
    steps = 0
    while True:
        before = page.url
        kind = fill_step(page, flow_id)
        if kind == "review":
            break
        expect(page).not_to_have_url(before)
        here = page.url.replace(base_url, "")
        expect(page.locator(f'#step[data-step="{here.rsplit("/", 1)[1]}"]')).to_be_visible()
        steps += 1
        assert page.evaluate("window.notReloaded === true"), "a full page load happened"
        # The bar's back link and the forms' return address follow the step.
        expect(page.locator("#bar-back")).to_have_attribute("href", before.replace(base_url, ""))
        expect(page.locator(".bar form.text-size input[name=next]")).to_have_value(here)
        expect(page).to_have_title(re.compile("^" + re.escape(page.locator("h1").inner_text())))
        assert steps < 30
    expect(page.locator(".qr img")).to_be_visible()
    if lang == "fr":
        expect(page.get_by_role("heading", name="Vos réponses")).to_be_visible()
        expect(page.get_by_role("img", name="QR code du site officiel")).to_be_visible()
        expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"/review$"))
    expect(page.locator("#step")).to_be_visible()


def test_form_errors_are_shown_beside_the_field_with_htmx(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/fr/flows/email-address/prepare")
    page.locator("[name=birth_date]").fill("31/02/1990")
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("#f-birth_date-error")).to_contain_text("jour/mois/année")
    expect(page.locator("[name=birth_date]")).to_have_value("31/02/1990")
    expect(page.locator("[name=birth_date]")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "form with errors")


def test_practice_bold_and_list_with_the_editor(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/fr/practice/bold")
    area = page.locator("[contenteditable]")
    expect(area).to_be_visible()
    word = area.evaluate("""e => { const r = document.createRange(); const t = e.firstChild;
        r.setStart(t, 0); r.setEnd(t, 7); const b = r.getBoundingClientRect();
        return {x: b.x + b.width / 2, y: b.y + b.height / 2}; }""")
    page.mouse.dblclick(word["x"], word["y"])  # a double click selects the word, as by hand
    assert page.evaluate("getSelection().toString().trim()") == "Bonjour"
    page.get_by_role("button", name="Gras").click()
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("status")).to_contain_text("Bravo")
    page.goto(f"{base_url}/fr/practice/list")
    area = page.locator("[contenteditable]")
    area.click()
    page.keyboard.press("Control+A")
    page.get_by_role("button", name="Liste").click()
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("status")).to_contain_text("Bravo")
    assert_accessible(page, "practice lesson done")


def test_practice_keyboard_only_bold(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/fr/practice/bold")
    area = page.locator("[contenteditable]")
    area.focus()
    page.keyboard.press("Control+Home")
    for _ in range(7):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Control+B")
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("status")).to_contain_text("Bravo")


def test_a_cv_built_by_touch_passes_axe_in_both_layouts(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/fr/jobs")
    page.get_by_role("link", name="Créer mon CV").click()
    page.get_by_role("link", name="Commencer mon CV").click()
    page.get_by_text("Français", exact=True).click()
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.get_by_label("Votre prénom").fill("Aïcha")
    page.get_by_label("Votre nom", exact=True).fill("Benali")
    page.get_by_label("Votre numéro de téléphone").fill("06 12 34 56 78")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.locator("h1")).to_contain_text("photo")
    page.goto(f"{base_url}/fr/jobs/cv/experience/new")
    page.get_by_role("link", name="Serveur / Serveuse").click()
    page.locator("[name=task]").first.check()
    page.get_by_label("Début").fill("03/2021")
    page.get_by_label("Fin").fill("01/2020")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#f-end-error")).to_be_visible()
    expect(page.get_by_label("Début")).to_have_value("03/2021")
    assert_accessible(page, "CV entry with an error")
    page.get_by_label("Fin").fill("06/2023")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".cv-entries")).to_contain_text("Serveur / Serveuse")
    assert_accessible(page, "CV experience list")
    page.goto(f"{base_url}/fr/jobs/cv/finish")
    expect(page.locator(".cv")).to_contain_text("Accueil des clients et prise de commandes")
    assert_accessible(page, "CV preview, classic")
    page.screenshot(path=str(ARTIFACTS / "cv-classic-fr.png"), full_page=True)
    page.get_by_text("Deux colonnes", exact=False).click()
    page.get_by_role("button", name="Voir cette mise en page").click()
    expect(page.locator(".cv")).to_have_class(re.compile("cv-columns"))
    assert_accessible(page, "CV preview, columns")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger en PDF").click()
    assert download.value.suggested_filename == "CV-Benali-Aicha.pdf"
    page.get_by_role("button", name="Écrire ma lettre de motivation").click()
    expect(page).to_have_url(re.compile("/fr/flows/courrier-motivation/why"))
    page.goto(f"{base_url}/ar/jobs/cv/finish")
    assert_accessible(page, "CV preview in Arabic screens")
    page.screenshot(path=str(ARTIFACTS / "cv-columns-ar.png"), full_page=True)

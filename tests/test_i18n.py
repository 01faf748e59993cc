"""Languages: URL prefixes, <html lang dir>, alternates, and complete catalogs."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from kiosk.i18n import DOMAINS, LANGUAGES, SOURCE_LANGUAGE, domain_languages
from kiosk.settings import load
from tests.conftest import PROJECT_ROOT

CONFIGURED = load({})["KIOSK_LANGUAGES"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")


def catalogs() -> list[Path]:
    return sorted((PROJECT_ROOT / "translations").glob("*/LC_MESSAGES/*.po"))


def test_every_configured_language_has_a_catalog_of_every_domain() -> None:
    for domain in DOMAINS:
        for code in domain_languages(domain, CONFIGURED):
            assert (PROJECT_ROOT / f"translations/{code}/LC_MESSAGES/{domain}.po").is_file()


def message_ids(path: Path) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(path.open("rb")) if m.id}


@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogs_hold_every_message_of_the_template(domain: str) -> None:
    template = message_ids(PROJECT_ROOT / f"translations/{domain}.pot")
    for path in catalogs():
        if path.stem == domain:
            assert template - message_ids(path) == set(), f"{path}: run `make translations`"


def test_the_flows_template_holds_every_text_of_every_flow() -> None:
    from kiosk.flows import CONTENT_DIR
    from kiosk.flows.engine import load_folder

    texts = {text for flow in load_folder(CONTENT_DIR).flows.values() for text in flow.texts()}
    assert texts == message_ids(PROJECT_ROOT / "translations/flows.pot"), "run `make translations`"


def test_flow_content_is_shown_translated(client) -> None:
    html = client.get("/fr/flows/email-address/why").get_data(as_text=True)
    assert "Créer une adresse e-mail" in html
    assert "Create an e-mail address" not in html


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: f"{p.parts[-3]}-{p.stem}")
def test_catalog_is_complete_without_fuzzy_and_keeps_placeholders(path: Path) -> None:
    code = path.parts[-3]
    catalog = read_po(path.open("rb"), locale=code)
    plurals = get_plural(code).num_plurals
    problems = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if isinstance(message.id, tuple) and len(strings) != plurals:
            problems.append(f"{len(strings)} plural forms instead of {plurals}: {ids[0]!r}")
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if not string:
                problems.append(f"untranslated: {ids[0]!r}")
            elif set(PLACEHOLDER.findall(string)) != expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("code", "direction", "home"),
    [("fr", "ltr", "Accueil"), ("en", "ltr", "Home"), ("ar", "rtl", "الرئيسية")],
)
def test_pages_carry_language_and_direction(client, code: str, direction: str, home: str) -> None:
    html = client.get(f"/{code}/").get_data(as_text=True)
    assert f'<html lang="{code}" dir="{direction}"' in html
    assert home in html


def test_alternates_name_every_language(client) -> None:
    html = client.get("/fr/procedures").get_data(as_text=True)
    for code in CONFIGURED:
        assert f'<link rel="alternate" hreflang="{code}" href="/{code}/procedures">' in html


def test_chooser_names_each_language_in_its_own_script(client) -> None:
    html = client.get("/").get_data(as_text=True)
    for code in CONFIGURED:
        language = LANGUAGES[code]
        assert f'lang="{code}" dir="{language.dir}"' in html
        assert f">{language.name}</a>" in html
    assert "Français" in html and "English" in html and "العربية" in html


def test_unknown_language_prefix_is_a_readable_404_in_the_default_language(client) -> None:
    response = client.get("/xx/procedures")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<html lang="fr"' in html
    assert "Page introuvable" in html
    assert 'href="/fr/"' in html


def test_404_in_a_known_language_speaks_it(client) -> None:
    html = client.get("/ar/nothing-here").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in html


def test_chooser_from_a_page_comes_back_to_the_same_page(client) -> None:
    html = client.get("/fr/languages?next=/fr/jobs").get_data(as_text=True)
    assert 'href="/ar/jobs"' in html
    assert 'href="/en/jobs"' in html


def test_chooser_refuses_to_send_elsewhere(client) -> None:
    html = client.get("/fr/languages?next=//evil.example/x").get_data(as_text=True)
    assert 'href="/ar/"' in html
    assert 'href="//evil' not in html


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: f"{p.parts[-3]}-{p.stem}")
def test_gettext_accepts_each_catalog(path: Path) -> None:
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_arabic_catalogs_carry_the_right_plural_rule() -> None:
    # Babel's own table sends 11-99 to "other" and 100-102 to "many"; CLDR says the reverse.
    for path in (PROJECT_ROOT / "translations/ar/LC_MESSAGES").glob("*.po"):
        catalog = read_po(path.open("rb"), locale="ar")
        assert catalog.plural_expr.replace(" ", "") == (
            "(n==0?0:n==1?1:n==2?2:n%100>=3&&n%100<=10?3:n%100>=11?4:5)"), path


# Official French terms residents meet on the official sites and letters: every translation
# keeps them in French (next to its own words), so the resident recognises them there.
OFFICIAL_TERMS = ("numéro fiscal", "attestation de droits", "titre de séjour", "avis d'imposition",
                  "espace personnel", "demandeur d'emploi", "carte Vitale", "lettre de motivation")


@pytest.mark.parametrize("path", [p for p in catalogs() if p.stem == "flows"], ids=lambda p: p.parts[-3])
def test_official_french_terms_stay_in_french(path: Path) -> None:
    missing = [(term, message.id) for message in read_po(path.open("rb")) if isinstance(message.id, str)
               for term in OFFICIAL_TERMS
               if term in message.id and term.casefold() not in message.string.casefold()]
    assert not missing, missing[:5]


# Names that stay as they are in every language, and words French shares with English.
NAMES = ("Identité Numérique La Poste", "France Identité", "impots.gouv.fr", "ameli", "MSA",
         "France Travail", "Mission locale")
# Words spelt the same in French and English (the médiateur pages use many of them).
SAME_WORDS = {"fr": {"Justice", "normal", "Association", "Associations", "Date", "E-mail", "Journal",
                     "Note", "Orientation", "Parcours", "Total", "Type", "min", "%(minutes)d min",
                     "Médiateur", "médiateur", "Bailleur", "Commune", "Public", "SIRET", "Code"}}


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: f"{p.parts[-3]}-{p.stem}")
def test_no_english_is_left_in_a_translation(path: Path) -> None:
    code = path.parts[-3]
    left = []
    for message in read_po(path.open("rb")):
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if not ids[0] or strings[0] != ids[0] or ids[0] in SAME_WORDS.get(code, ()):
            continue
        rest = ids[0]
        for name in NAMES:
            rest = rest.replace(name, "")
        if re.search(r"[A-Za-z]", rest):
            left.append(ids[0])
    assert not left, left


def test_every_language_of_the_issue_is_offered(client) -> None:
    assert CONFIGURED == ("fr", "en", "ar", "fa", "ps", "ti", "uk", "ru", "pt", "tr", "zh", "ro", "ta", "bn")
    assert {code for code, language in LANGUAGES.items() if language.dir == "rtl"} == {"ar", "fa", "ps"}
    for code in CONFIGURED:
        html = client.get(f"/{code}/").get_data(as_text=True)
        assert f'<html lang="{code}" dir="{LANGUAGES[code].dir}"' in html
        if code != SOURCE_LANGUAGE:
            assert ">Home<" not in html and "Look for a job" not in html, code


PHYSICAL = re.compile(r"(margin|padding|border)-(left|right)|(^|[\s;{])(left|right)\s*:"
                      r"|(float|clear|text-align)\s*:\s*(left|right)")


def test_no_physical_left_or_right_in_the_css_so_rtl_pages_mirror() -> None:
    # Pages carry no style of their own (the CSP forbids inline styles): the CSS is all of it.
    found = [f"{path.name}:{n}: {line.strip()}"
             for path in (PROJECT_ROOT / "static" / "css").glob("*.css")
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if PHYSICAL.search(re.sub(r"/\*.*?\*/", "", line)) and "physical:" not in line]
    assert not found, found


def test_rtl_pages_carry_no_inline_style(client) -> None:
    for code in ("ar", "fa", "ps"):
        for path in ("", "procedures", "jobs/cv/experience/new?kind=serveur", "flows/caf-housing-aid/why"):
            html = client.get(f"/{code}/{path}").get_data(as_text=True)
            assert " style=" not in html and "<style" not in html, (code, path)

"""Languages, the locale taken from the URL, and the request's translations bound once."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.support import LazyProxy, NullTranslations, Translations
from flask import Flask, current_app, g, request
from flask_babel import Babel
from markupsafe import Markup
from werkzeug.routing import BaseConverter

# Source strings are written in English: `en` needs no catalog.
SOURCE_LANGUAGE = "en"
# messages: what residents read; flows: the guides' content; staff: the médiateur pages.
DOMAINS = ("messages", "flows", "staff")
# The médiateur pages are offered in these languages only (French first); residents' in all.
STAFF_LANGUAGES = ("fr", "en")


def domain_languages(domain: str, configured: tuple[str, ...]) -> tuple[str, ...]:
    """Return the languages that need a catalog of a domain (never the source language)."""
    codes = STAFF_LANGUAGES if domain == "staff" else configured
    return tuple(code for code in codes if code != SOURCE_LANGUAGE)


@dataclass(frozen=True)
class Language:
    """A language a resident can choose: its code, its name in its own script, its direction."""

    code: str
    name: str
    dir: str = "ltr"


LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("fr", "Français"),
        Language("en", "English"),
        Language("ar", "العربية", "rtl"),
        Language("fa", "دری / فارسی", "rtl"),
        Language("ps", "پښتو", "rtl"),
        Language("ti", "ትግርኛ"),
        Language("uk", "Українська"),
        Language("ru", "Русский"),
        Language("pt", "Português"),
        Language("tr", "Türkçe"),
        Language("zh", "中文（简体）"),
        Language("ro", "Română"),
        Language("ta", "தமிழ்"),
        Language("bn", "বাংলা"),
    )
}


def configured(app: Flask) -> list[Language]:
    """Return the languages this app offers, the default first."""
    return [LANGUAGES[code] for code in app.config["KIOSK_LANGUAGES"]]


def current() -> Language:
    """Return the language of the current request."""
    return LANGUAGES[g.get("lang") or current_app.config["KIOSK_LANGUAGES"][0]]


def load_catalog(directory: Path, code: str, overlays: tuple[Path, ...] = ()) -> NullTranslations:
    """Load the compiled catalogs of every domain of one language, merged into one.

    Overlays are content packs' translation folders (their `flows` domain), merged last so the
    newest pack's texts win while older versions' texts stay known.
    """
    merged: NullTranslations = NullTranslations()
    sources = [(directory, domain) for domain in DOMAINS] + [(overlay, "flows") for overlay in overlays]
    for folder, domain in sources:
        catalog = Translations.load(str(folder), [code], domain)
        if isinstance(catalog, Translations):
            if isinstance(merged, Translations):
                merged.merge(catalog)
            else:
                merged = catalog
    return merged


class Catalogs:
    """Each language's catalogs, loaded the first time a page is shown in it, then kept.

    Fourteen languages' catalogs take about 15 MB; a kiosk sees a few languages a day, so a
    language costs memory only once someone reads it.
    """

    def __init__(self, directory: Path, overlays: tuple[Path, ...] = ()) -> None:
        self.directory = directory
        self.overlays = overlays
        self._loaded: dict[str, NullTranslations] = {}
        self._lock = threading.Lock()

    def __getitem__(self, code: str) -> NullTranslations:
        catalog = self._loaded.get(code)
        if catalog is None:
            with self._lock:
                catalog = self._loaded.get(code)
                if catalog is None:
                    catalog = self._loaded[code] = load_catalog(self.directory, code, self.overlays)
        return catalog

    def loaded(self) -> list[str]:
        """Return the languages loaded so far."""
        return sorted(self._loaded)

    def add_overlay(self, folder: Path) -> None:
        """Add a content pack's translations (newest last) and reload catalogs on next use."""
        with self._lock:
            self.overlays = (*(o for o in self.overlays if o != folder), folder)
            self._loaded = {}


def pack_overlays(data_dir: Path) -> tuple[Path, ...]:
    """Return the translation folders of the content packs on disk, oldest first, current last."""
    packs = data_dir / "packs"
    if not (packs / "current").exists():
        return ()
    current = (packs / "current").resolve()
    older = sorted((p for p in packs.iterdir() if p.is_dir() and not p.is_symlink()
                    and not p.name.startswith(".") and p != current), key=lambda p: p.stat().st_mtime)
    return tuple(folder / "translations" for folder in (*older, current))


def translations_for(code: str) -> NullTranslations:
    """Return the catalogs of any language, a screen language or not (a CV's language)."""
    return current_app.extensions["kiosk_catalogs"][code]


def gettext(message: str, **variables: Any) -> str:
    """Translate a message into the request's language."""
    text = g.translations.gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    """Translate a message with a count into the request's language."""
    variables.setdefault("num", n)
    return g.translations.ngettext(singular, plural, n) % variables


def template_gettext(message: str, **variables: Any) -> Markup:
    """Translate for a template: our catalogs are trusted markup, the variables are escaped."""
    text = Markup(g.translations.gettext(message))
    return text % variables if variables else text


def template_ngettext(singular: str, plural: str, n: int, **variables: Any) -> Markup:
    """Translate a message with a count for a template."""
    variables.setdefault("num", n)
    return Markup(g.translations.ngettext(singular, plural, n)) % variables


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """Translate later, when the text is shown (for module-level strings)."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext


class LanguageConverter(BaseConverter):
    """Match only the configured language codes in `/<lang:lang>/…` URLs."""

    codes: tuple[str, ...] = ()

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map)
        self.regex = "|".join(self.codes)


def language_from_path(path: str, codes: tuple[str, ...]) -> str | None:
    """Return the language code that starts a path, if it is a configured one."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in codes else None


def init_app(app: Flask) -> None:
    """Wire the languages, the `/<lang>/` URL prefix, Babel and the Jinja gettext functions."""
    codes = tuple(app.config["KIOSK_LANGUAGES"])
    unknown = [code for code in codes if code not in LANGUAGES]
    if unknown:
        raise ValueError(f"KIOSK_LANGUAGES: unknown language(s) {', '.join(unknown)}")

    converter = type("LanguageConverter", (LanguageConverter,), {"codes": codes})
    app.url_map.converters["lang"] = converter

    catalogs = Catalogs(Path(app.root_path) / "translations",
                        pack_overlays(Path(app.config["KIOSK_DATA_DIR"])))
    app.extensions["kiosk_catalogs"] = catalogs

    Babel(app, locale_selector=lambda: g.get("lang") or codes[0], configure_jinja=False)

    @app.url_value_preprocessor
    def pull_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values and "lang" in values:
            g.lang = values.pop("lang")

    @app.url_defaults
    def add_language(endpoint: str, values: dict[str, Any]) -> None:
        if "lang" not in values and app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = g.get("lang") or codes[0]

    @app.before_request
    def bind_translations() -> None:
        # Error pages outside a language URL still take the language the path names.
        if "lang" not in g:
            g.lang = language_from_path(request.path, codes) or codes[0]
        g.translations = catalogs[g.lang]

    # Plain globals rather than Jinja's i18n extension: one lookup of the request's catalog and
    # no per-call context dispatch (measured: the extension's wrappers cost ~15 µs a string).
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext,
                                 ngettext=template_ngettext)

    @app.context_processor
    def language_context() -> dict[str, Any]:
        return {"lang": current(), "languages": configured(app)}

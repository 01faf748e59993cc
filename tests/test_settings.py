"""Settings: declared once, documented in the README, refused with a clear message when wrong."""
from __future__ import annotations

import pytest

from kiosk import create_app, settings
from tests.conftest import PROJECT_ROOT


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    missing = [s.name for s in settings.SETTINGS if f"`{s.name}`" not in readme]
    assert not missing


def test_the_required_settings_exist() -> None:
    names = {s.name for s in settings.SETTINGS}
    assert {
        "KIOSK_HOST", "KIOSK_PORT", "KIOSK_DATA_DIR", "KIOSK_ROLE", "KIOSK_DATABASE_URL",
        "KIOSK_SECRET_KEY", "KIOSK_IDLE_SECONDS", "KIOSK_LANGUAGES",
    } <= names


def test_defaults() -> None:
    values = settings.load({})
    assert values["KIOSK_HOST"] == "127.0.0.1"
    assert values["KIOSK_PORT"] == 8080
    assert values["KIOSK_ROLE"] == "site"
    assert values["KIOSK_LANGUAGES"][:3] == ("fr", "en", "ar") and len(values["KIOSK_LANGUAGES"]) == 14


def test_environment_is_read() -> None:
    values = settings.load({"KIOSK_PORT": "9000", "KIOSK_LANGUAGES": "ar, fr", "KIOSK_HTTPS": "yes"})
    assert values["KIOSK_PORT"] == 9000
    assert values["KIOSK_LANGUAGES"] == ("ar", "fr")
    assert values["KIOSK_HTTPS"] is True


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("KIOSK_PORT", "eighty"),
        ("KIOSK_PORT", "-1"),
        ("KIOSK_ROLE", "both"),
        ("KIOSK_HTTPS", "maybe"),
        ("KIOSK_LANGUAGES", " , "),
        ("KIOSK_IDLE_WARNING_SECONDS", "10"),
        ("KIOSK_IDLE_SECONDS", "25"),
    ],
)
def test_bad_values_are_refused_with_the_setting_named(name: str, raw: str) -> None:
    with pytest.raises(settings.SettingError, match=name):
        settings.load({name: raw})


def test_unknown_language_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="xx"):
        create_app({"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_LANGUAGES": ("fr", "xx")})


def test_secret_key_is_generated_once_and_kept(tmp_path) -> None:
    first = settings.secret_key(tmp_path)
    assert len(first) >= 40
    assert settings.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_app_uses_the_kept_key_unless_one_is_set(tmp_path) -> None:
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path)})
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_SECRET_KEY": "given"})
    assert app.config["SECRET_KEY"] == "given"

"""Content packs: built, hashed, checked, installed atomically, pulled only when changed."""
from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from kiosk import create_app
from kiosk.db import database
from kiosk.flows import CONTENT_DIR, packs
from kiosk.sync import sync_now
from tests.browser import PROJECT_ROOT
from tests.conftest import Resident
from tests.syncing import Central, central_server

TRANSLATIONS = PROJECT_ROOT / "translations"


def changed_content(tmp_path: Path, title: str, version: int) -> Path:
    """Return a copy of the flows where the CAF guide's first step has a new title and version."""
    folder = tmp_path / f"content-{version}"
    shutil.copytree(CONTENT_DIR, folder)
    path = folder / "caf-housing-aid.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('version = 1', f'version = {version}', 1)
    text = text.replace('title = "What this procedure is for"', f'title = "{title}"', 1)
    path.write_text(text, encoding="utf-8")
    return folder


def test_a_pack_holds_the_flows_and_their_translations() -> None:
    body = packs.build(CONTENT_DIR, TRANSLATIONS, 3)
    pack = packs.read(body, packs.digest(body))
    assert pack.version == 3
    assert "content/caf-housing-aid.toml" in pack.files and "content/shared/letter.toml" in pack.files
    assert "translations/fr/flows.po" in pack.files and "translations/ar/flows.po" in pack.files
    assert not any(path.startswith("translations/en/") for path in pack.files)


@pytest.mark.parametrize("change", ["hash", "path", "format", "flow"])
def test_a_bad_pack_is_refused_and_nothing_switches(tmp_path: Path, change: str) -> None:
    good = packs.build(CONTENT_DIR, TRANSLATIONS, 1)
    packs.install(packs.read(good, packs.digest(good)), tmp_path)
    before = packs.current(tmp_path)
    body = good
    if change == "path":
        body = good.replace(b'"content/caf-housing-aid.toml"', b'"../../etc/caf-housing-aid.toml"')
    elif change == "format":
        body = good.replace(b'"format":1', b'"format":9')
    elif change == "flow":
        body = good.replace(b'kind = \\"info\\"', b'kind = \\"nonsense\\"', 1)
    with pytest.raises(packs.PackError):
        sha = "0" * 64 if change == "hash" else packs.digest(body)
        packs.install(packs.read(body, sha), tmp_path)
    assert packs.current(tmp_path) == before
    assert not any(p.name.startswith(".staging") for p in tmp_path.iterdir())


def test_install_switches_atomically_and_keeps_the_previous_pack(tmp_path: Path) -> None:
    folders = []
    for version in (1, 2, 3):
        content = changed_content(tmp_path / "src", f"Title {version}", version)
        body = packs.build(content, TRANSLATIONS, version)
        folders.append(packs.install(packs.read(body, packs.digest(body)), tmp_path / "packs"))
    assert packs.current(tmp_path / "packs") == folders[-1]
    kept = sorted(p.name for p in (tmp_path / "packs").iterdir() if p.is_dir() and not p.is_symlink())
    assert kept == sorted([folders[1].name, folders[2].name])
    assert (folders[-1] / "translations" / "fr" / "LC_MESSAGES" / "flows.mo").is_file()


@pytest.fixture(scope="module")
def central(tmp_path_factory) -> Iterator[Central]:
    with central_server(tmp_path_factory.mktemp("packs-central") / "data") as server:
        yield server


def publish(central: Central, content: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "kiosk", "publish-pack",
                             "--content", str(content)], cwd=PROJECT_ROOT, env=central.env, check=True,
                            capture_output=True, text=True)
    return result.stdout


def site_app(central: Central, tmp_path: Path) -> Flask:
    site_id, key = central.new_site()
    (tmp_path / "site").mkdir(exist_ok=True)
    return create_app({"KIOSK_DATA_DIR": str(tmp_path / "site"), "TESTING": True,
                       "KIOSK_SYNC_URL": central.url, "KIOSK_SYNC_SITE": site_id, "KIOSK_SYNC_KEY": key})


def test_a_site_pulls_a_new_pack_once_and_visits_under_way_finish_on_their_version(
        central: Central, tmp_path: Path, font_cache: Path) -> None:
    assert "published" in publish(central, changed_content(tmp_path, "First pack title", 2))
    assert "nothing changed" in publish(central, changed_content(tmp_path / "again", "First pack title", 2))
    app = site_app(central, tmp_path)
    try:
        with app.app_context():
            first = sync_now(app)
            assert first.ok and first.pack == 1, first.error
            assert sync_now(app).pack is None  # 304: unchanged
        early = Resident(app.test_client(), "en")
        assert "First pack title" in early.open("flows/caf-housing-aid/what")
        publish(central, changed_content(tmp_path / "v3", "Second pack title", 3))
        with app.app_context():
            assert sync_now(app).pack == 2
        # The resident who started on version 2 finishes on it; a new one gets version 3.
        assert "First pack title" in early.open("flows/caf-housing-aid/what")
        late = Resident(app.test_client(), "en")
        assert "Second pack title" in late.open("flows/caf-housing-aid/what")
    finally:
        database.close()
    # After a restart the site serves the installed pack.
    again = create_app({"KIOSK_DATA_DIR": str(tmp_path / "site"), "TESTING": True})
    try:
        assert "Second pack title" in Resident(again.test_client(), "en").open("flows/caf-housing-aid/what")
    finally:
        database.close()

"""Fixtures: an app on a fresh SQLite file, its client, and the resident's usual actions."""
from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kiosk import create_app
from kiosk.db import database
from kiosk.resident import session as kiosk_session

PROJECT_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty PostgreSQL database on the test server; yield its URL; drop it after."""
    import psycopg

    name = f"kiosk_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True)
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        if database.obj is not None:
            database.close()
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def font_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of cut fonts for the whole run: cutting them takes seconds (see documents.pdf)."""
    return tmp_path_factory.mktemp("fonts")


@pytest.fixture
def app(tmp_path: Path, font_cache: Path) -> Iterator[Flask]:
    kiosk_session._janitor_last = 0.0
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "fonts").symlink_to(font_cache, target_is_directory=True)
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path / "data"), "TESTING": True})
    yield app
    database.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_of(html: str) -> str:
    """Return the CSRF token a page's forms carry."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


class Resident:
    """What a resident does at the kiosk, through the test client."""

    def __init__(self, client: FlaskClient, lang: str = "fr") -> None:
        self.client = client
        self.lang = lang

    def open(self, path: str = "") -> str:
        response = self.client.get(f"/{self.lang}/{path}")
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    def post(self, action: str, **form: str):
        token = csrf_of(self.open())
        return self.client.post(f"/{self.lang}/{action}", data={"csrf_token": token, **form})


@pytest.fixture
def resident(client: FlaskClient) -> Resident:
    return Resident(client)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()

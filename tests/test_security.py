"""Security baseline and bad input: CSRF, headers, cookies, tampering, oversize bodies, crashes."""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re

import pytest

from kiosk import create_app
from kiosk.db import utcnow
from kiosk.resident.models import KioskSession
from tests.conftest import Resident


@pytest.mark.parametrize(
    "action", ["session/preferences", "session/end", "session/still-here", "help", "help/cancel"]
)
def test_post_without_csrf_token_is_refused_with_a_readable_page(resident: Resident, action) -> None:
    resident.open()
    response = resident.client.post(f"/fr/{action}", data={"text_size": "2", "next": "/fr/"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Cette page a expiré" in html
    assert 'href="/fr/"' in html
    assert KioskSession.select().count() == 0


def test_post_with_a_wrong_token_is_refused(resident: Resident) -> None:
    resident.open()
    response = resident.client.post("/fr/help", data={"csrf_token": "forged"})
    assert response.status_code == 400


def test_resident_pages_are_never_cached_and_carry_the_security_headers(client) -> None:
    response = client.get("/fr/")
    headers = response.headers
    assert headers["Cache-Control"] == "no-store"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_session_cookie_is_httponly_and_samesite(client) -> None:
    cookie = client.get("/fr/").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_cookie_is_secure_when_served_over_https(tmp_path) -> None:
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_HTTPS": True})
    assert "Secure" in app.test_client().get("/fr/").headers["Set-Cookie"]


def test_tampered_cookie_gives_a_new_anonymous_session(resident: Resident) -> None:
    resident.post("session/preferences", text_size="2", next="/fr/")
    cookie = resident.client.get_cookie("kiosk")
    resident.client.set_cookie("kiosk", cookie.value[:-4] + "AAAA")
    response = resident.client.get("/fr/")
    assert response.status_code == 200
    assert 'class="text-0"' in response.get_data(as_text=True)


def test_garbage_cookie_is_ignored(client) -> None:
    client.set_cookie("kiosk", "not-a-cookie-at-all%%%")
    assert client.get("/fr/").status_code == 200


def test_cookie_naming_a_wiped_session_starts_afresh(resident: Resident) -> None:
    resident.post("session/preferences", text_size="2", next="/fr/")
    KioskSession.wipe_stale(utcnow() + dt.timedelta(days=1), idle_seconds=0, max_seconds=0)
    assert 'class="text-0"' in resident.open()


def test_oversize_body_is_a_readable_413(tmp_path) -> None:
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_MAX_BODY_BYTES": 1000})
    client = app.test_client()
    response = client.post("/fr/help", data={"next": "x" * 5000})
    assert response.status_code == 413
    assert "Envoi trop gros" in response.get_data(as_text=True)


def test_a_crash_is_a_readable_500_page(app, client) -> None:
    @app.get("/fr/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/fr/boom")
    assert response.status_code == 500
    assert "Un problème est survenu" in response.get_data(as_text=True)


def test_wrong_method_is_readable(client) -> None:
    response = client.get("/fr/session/end")
    assert response.status_code == 405
    assert "Un problème est survenu" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["site", "central"])
def test_healthz_answers_on_both_roles(tmp_path, role: str) -> None:
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_ROLE": role})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "role": role}


def test_static_files_are_gzipped_when_accepted_with_etag(client) -> None:
    plain = client.get("/static/css/kiosk.css")
    zipped = client.get("/static/css/kiosk.css", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 2
    assert "Accept-Encoding" in zipped.headers["Vary"]
    again = client.get("/static/css/kiosk.css", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304


def test_htmx_is_installed_and_served(client) -> None:
    response = client.get("/static/vendor/htmx.min.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert len(response.data) < 25_000


def test_pages_link_fingerprinted_static_files_cached_for_a_year(client) -> None:
    html = client.get("/fr/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/kiosk\.([0-9a-f]{12})\.css)"', html)
    htmx = re.search(r'src="(/static/vendor/htmx\.min\.[0-9a-f]{12}\.js)"', html)
    assert css and htmx
    response = client.get(css.group(1), headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache and "max-age=31536000" in cache
    assert hashlib.sha256(client.get("/static/css/kiosk.css").data).hexdigest()[:12] == css.group(2)
    stale = client.get("/static/css/kiosk.000000000000.css")  # an old page after an upgrade
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    assert client.get(htmx.group(1)).status_code == 200


def test_html_pages_are_gzipped_when_accepted(client) -> None:
    plain = client.get("/fr/procedures")
    zipped = client.get("/fr/procedures", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 3


def test_static_path_traversal_is_refused(client) -> None:
    assert client.get("/static/../kiosk/settings.py").status_code == 404
    assert client.get("/static/%2e%2e/app.py").status_code == 404


def test_even_a_broken_error_page_leaves_a_readable_answer(app, client, monkeypatch) -> None:
    import kiosk.errors

    @app.get("/fr/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    def broken(*args, **kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr(kiosk.errors, "render", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/fr/boom")
    assert response.status_code == 500
    assert "Un problème est survenu" in response.get_data(as_text=True)


def test_the_session_cookie_is_only_read_when_a_staff_cookie_is_sent(app) -> None:
    from kiosk.security import StaffSessionInterface

    class Counting(StaffSessionInterface):
        built = 0

        def get_signing_serializer(self, app):  # type: ignore[no-untyped-def]
            Counting.built += 1
            return super().get_signing_serializer(app)

    app.session_interface = Counting()
    client = app.test_client()
    client.get("/fr/")
    assert Counting.built == 0  # a resident's page view derives no signing key
    client.set_cookie("kiosk_staff", "forged")
    client.get("/fr/mediation/")
    assert Counting.built >= 1


def test_only_the_photo_upload_takes_a_body_larger_than_the_limit(app, resident) -> None:
    import io

    big = "x" * (app.config["KIOSK_MAX_BODY_BYTES"] + 1)
    refused = resident.post("session/preferences", text_size="1", note=big)
    assert refused.status_code == 413
    assert "lang=\"fr\"" in refused.get_data(as_text=True)  # the readable page, not werkzeug's
    photo = resident.post("jobs/cv/photo", photo=(io.BytesIO(big.encode()), "moi.png"))
    assert photo.status_code != 413  # its own larger limit: the file is looked at (and refused as no image)

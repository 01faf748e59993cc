"""kiosk.render: the one place that chooses the full page or the fragment."""
from __future__ import annotations

import pytest

HTMX = {"HX-Request": "true"}


def test_plain_request_gets_the_full_page(client) -> None:
    html = client.get("/fr/").get_data(as_text=True)
    assert html.startswith("<!doctype html>")
    assert "Que voulez-vous faire ?" in html


def test_htmx_request_gets_only_the_fragment(client) -> None:
    response = client.get("/fr/", headers=HTMX)
    html = response.get_data(as_text=True)
    assert "<html" not in html and "class=\"bar\"" not in html
    assert "Que voulez-vous faire ?" in html
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    "extra", [{"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}]
)
def test_boosted_and_history_restore_requests_get_the_full_page(client, extra) -> None:
    html = client.get("/fr/", headers={**HTMX, **extra}).get_data(as_text=True)
    assert html.startswith("<!doctype html>")


def test_fragment_name() -> None:
    from kiosk.render import fragment_of

    assert fragment_of("resident/home.html") == "resident/_home.html"
    assert fragment_of("page.html") == "_page.html"


def tokens_of(html: str) -> set[str]:
    import re

    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html))


def test_kept_pages_carry_each_visitors_own_token(app) -> None:
    first, second = app.test_client(), app.test_client()
    a = first.get("/fr/").get_data(as_text=True)
    b = second.get("/fr/").get_data(as_text=True)
    assert len(tokens_of(a)) == 1 and len(tokens_of(b)) == 1
    assert tokens_of(a) != tokens_of(b)
    assert "csrf-placeholder" not in a + b
    token = tokens_of(a).pop()
    response = first.post("/fr/session/preferences", data={"csrf_token": token, "text_size": "1"})
    assert response.status_code == 303


def test_kept_pages_follow_the_visitors_preferences_and_language(app) -> None:
    from tests.conftest import Resident

    resident = Resident(app.test_client())
    assert 'class="text-0"' in resident.open()
    resident.post("session/preferences", text_size="2", next="/fr/")
    assert 'class="text-2"' in resident.open()
    other = app.test_client().get("/fr/").get_data(as_text=True)
    assert 'class="text-0"' in other
    assert '<html lang="ar"' in app.test_client().get("/ar/").get_data(as_text=True)


def test_kept_pages_follow_a_change_of_the_site(app, client) -> None:
    from kiosk.sites import Site

    Site.ensure("here", "Médiathèque Elsa-Triolet", "Pantin", "93055")
    assert "Médiathèque Elsa-Triolet" in client.get("/fr/").get_data(as_text=True)
    site = Site.get(Site.code == "here")
    site.name = "Espace Pantin numérique"
    site.save()
    html = client.get("/fr/").get_data(as_text=True)
    assert "Espace Pantin numérique" in html and "Elsa-Triolet" not in html


def test_kept_pages_are_bounded() -> None:
    from kiosk.render import KeptPages

    pages = KeptPages(size=3)
    for n in range(5):
        pages.put(n, [str(n).encode()])
    assert pages.get(0) is None and pages.get(1) is None
    assert pages.get(4) == [b"4"]
    pages.forget()
    assert pages.get(4) is None

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

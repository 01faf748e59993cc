"""The one place that decides whether a request gets a full page or only its fragment.

A page `area/page.html` includes its fragment `area/_page.html`. An htmx request that is neither
boosted nor a history restore asked to swap part of a page, so it gets the fragment; everything
else (a plain browser, a boosted link, a history restore) gets the full page.
"""
from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request


def wants_fragment() -> bool:
    """Tell whether the current request should get a fragment rather than a full page."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def fragment_of(page: str) -> str:
    """Return the fragment template of a page: `area/page.html` -> `area/_page.html`."""
    folder, _, name = page.rpartition("/")
    return f"{folder}/_{name}" if folder else f"_{name}"


def render(page: str, status: int = 200, **context: Any) -> Response:
    """Render a page, or its fragment for an htmx swap, with the given status."""
    template = fragment_of(page) if wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response

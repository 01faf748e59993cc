"""The one place that decides how a page is drawn: full page or fragment, fresh or kept.

A page `area/page.html` includes its fragment `area/_page.html`. An htmx request that is neither
boosted nor a history restore asked to swap part of a page, so it gets the fragment; everything
else (a plain browser, a boosted link, a history restore) gets the full page.

Pages whose content depends only on their URL, the language and the page variant (the
resident's text size and contrast) can be kept once drawn (`keep=True`): the visitor's CSRF
token is drawn as a placeholder, and the page kept as encoded pieces around it that the token
joins on the way out, so one copy serves every visitor.
"""
from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, Response, current_app, g, render_template, request

from kiosk.security import csrf_token

KEPT_PAGES_MAX = 256
# Elements that ask the server again by themselves every few seconds (htmx sends their id in
# HX-Trigger): their answers are not pages of their own, and they do not count as someone's activity.
POLLING_ELEMENTS = frozenset({"board", "help-state"})
# Unguessable, so no page content can contain it by chance.
TOKEN_PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"
KeptPage = list[bytes]  # a page's UTF-8 bytes, cut where the visitor's CSRF token goes


class KeptPages:
    """A bounded store of drawn pages, forgotten whenever what they show may have changed."""

    def __init__(self, size: int = KEPT_PAGES_MAX) -> None:
        self.size = size
        self.variants: list[Callable[[], Hashable]] = []  # what else changes how pages look
        self._pages: OrderedDict[Hashable, KeptPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> KeptPage | None:
        """Return a kept page, if any."""
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: KeptPage) -> None:
        """Keep a page, dropping the least recently used beyond the size."""
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def forget(self) -> None:
        """Drop every kept page."""
        with self._lock:
            self._pages.clear()


def here() -> str:
    """Return the current path with its query, for forms and history entries that come back to it."""
    return request.full_path.rstrip("?")


def header(name: str) -> str | None:
    """Return a request header, or None; read from the WSGI environ.

    werkzeug's `request.headers.get` raises and catches an exception for every missing header:
    on a page view where htmx headers are absent that is measurable.
    """
    return request.environ.get("HTTP_" + name.upper().replace("-", "_"))


def wants_fragment() -> bool:
    """Tell whether the current request should get a fragment rather than a full page."""
    return (
        header("HX-Request") == "true"
        and header("HX-Boosted") != "true"
        and header("HX-History-Restore-Request") != "true"
    )


def is_polling() -> bool:
    """Tell whether the current request is a page part asking again by itself."""
    return header("HX-Trigger") in POLLING_ELEMENTS


def fragment_of(page: str) -> str:
    """Return the fragment template of a page: `area/page.html` -> `area/_page.html`."""
    folder, _, name = page.rpartition("/")
    return f"{folder}/_{name}" if folder else f"_{name}"


def page_token() -> str:
    """Return the CSRF token to draw: the placeholder while drawing a page to keep."""
    return TOKEN_PLACEHOLDER if g.get("drawing_kept_page") else csrf_token()


class Later:
    """A context value worked out only when the page is drawn: a kept page found drawn skips it."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.work = work


def _draw(template: str, context: dict[str, Any]) -> str:
    return render_template(template, **{name: value.work() if isinstance(value, Later) else value
                                         for name, value in context.items()})


def _draw_kept(template: str, context: dict[str, Any], also: Hashable = None) -> bytes:
    pages: KeptPages = current_app.extensions["kiosk_kept_pages"]
    environ = request.environ  # the URL as received: the same page has the same key
    key = (template, environ.get("SCRIPT_NAME"), environ.get("PATH_INFO"), environ.get("QUERY_STRING"),
           g.lang, also, *[variant() for variant in pages.variants])
    page = pages.get(key)
    if page is None:
        g.drawing_kept_page = True
        try:
            html = _draw(template, context)
        finally:
            g.drawing_kept_page = False
        page = html.encode().split(TOKEN_PLACEHOLDER.encode())
        pages.put(key, page)
    return csrf_token().encode().join(page) if len(page) > 1 else page[0]


def render(page: str, status: int = 200, keep: bool | Hashable = False, **context: Any) -> Response:
    """Render a page, or its fragment for an htmx swap.

    `keep=True` keeps pages the same for everyone; a page that differs only by a few values
    (a flow step: where Back goes, the step number, the choice made) passes them as `keep`.
    A value wrapped in `Later` is worked out only if the page has to be drawn.
    """
    fragment = wants_fragment()
    template = fragment_of(page) if fragment else page
    context["fragment"] = fragment
    html = (_draw_kept(template, context, None if keep is True else keep) if keep
            else _draw(template, context))
    response = current_app.response_class(html, status)
    response.headers["Vary"] = "HX-Request"  # a new response: no HeaderSet to parse and rebuild
    if fragment and request.method == "GET" and status == 200 and not is_polling():
        # The fragment stands for a page of its own: its URL goes into the history.
        response.headers["HX-Push-Url"] = here()
    return response


def forget_kept_pages() -> None:
    """Drop the kept pages (after a change to what they show, such as new content)."""
    current_app.extensions["kiosk_kept_pages"].forget()


def vary_kept_pages_by(app: Flask, variant: Callable[[], Hashable]) -> None:
    """Declare something besides URL and language that changes how pages look."""
    app.extensions["kiosk_kept_pages"].variants.append(variant)


def init_app(app: Flask) -> None:
    """Give the app its store of kept pages, and templates the CSRF token."""
    app.extensions["kiosk_kept_pages"] = KeptPages()
    app.jinja_env.globals["csrf_token"] = page_token

"""Readable error pages in the visitor's language, with a way home; never a bare 500."""
from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, InternalServerError

from kiosk.i18n import lazy_gettext as _l
from kiosk.render import render

MESSAGES = {
    400: (_l("Something went wrong"), _l("Go back and try again.")),
    403: (_l("Not available here"), _l("You cannot open this page from here.")),
    404: (_l("Page not found"), _l("This page does not exist.")),
    405: (_l("Something went wrong"), _l("Go back and try again.")),
    413: (
        _l("Too much to send"),
        _l("What you sent is too large. Send less at a time, or ask a médiateur for help."),
    ),
    500: (_l("Something went wrong"), _l("Go back and try again, or ask a médiateur for help.")),
}
LAST_RESORT = (
    '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Kiosque</title>'
    "<h1>Un problème est survenu</h1><p>Revenez en arrière et essayez encore, ou demandez de l'aide "
    'à un médiateur.</p><p><a href="/">Accueil</a></p></html>'
)
EXPIRED = (_l("This page has expired"), _l("Go back, reload the page and try again."))


def error_page(error: HTTPException) -> Response:
    """Render an HTTP error as a page a resident can read and leave (as JSON for the API)."""
    if request.path.startswith("/api/"):
        from kiosk.central.api import api_error

        return api_error(error)
    status = error.code or 500
    title, message = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    if status == 400 and error.description == "csrf":
        title, message = EXPIRED
    return render("errors/error.html", status=status, title=title, message=message)


def init_app(app: Flask) -> None:
    """Route every HTTP error and every crash to the readable error page."""
    app.register_error_handler(HTTPException, error_page)

    @app.errorhandler(Exception)
    def crash(error: Exception) -> Response:
        app.logger.exception("unhandled error")
        try:
            return error_page(InternalServerError())
        except Exception:
            # The page itself cannot be drawn: still answer with something readable.
            app.logger.exception("the error page failed")
            return Response(LAST_RESORT, status=500, mimetype="text/html")

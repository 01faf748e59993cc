"""Static files: our CSS, script and icons, and the installed htmx, gzipped when the client accepts it.

Compressed bodies are made once per file version and kept in memory: a handful of small files.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
from pathlib import Path

from flask import Flask, Response, abort, request, url_for
from markupsafe import Markup
from werkzeug.security import safe_join

COMPRESSIBLE = frozenset({"text/css", "text/javascript", "application/javascript", "image/svg+xml"})
MAX_AGE = 3600


class StaticFiles:
    """Serve files under one folder, with ETag/304 and gzip where it helps."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[tuple[str, int, bool], tuple[bytes, str]] = {}

    def body(self, path: Path, gzipped: bool) -> tuple[bytes, str]:
        """Return the (possibly gzipped) bytes of a file and their ETag, cached per version."""
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, gzipped)
        cached = self._cache.get(key)
        if cached is None:
            data = path.read_bytes()
            if gzipped:
                data = gzip.compress(data, compresslevel=9, mtime=0)
            cached = (data, hashlib.sha256(data).hexdigest()[:20])
            self._cache[key] = cached
        return cached

    def serve(self, filename: str) -> Response:
        """Answer a request for one static file."""
        joined = safe_join(str(self.folder), filename)
        if joined is None or not Path(joined).is_file():
            abort(404)
        path = Path(joined)
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        gzipped = mimetype in COMPRESSIBLE and "gzip" in request.headers.get("Accept-Encoding", "")
        data, etag = self.body(path, gzipped)
        response = Response(data, mimetype=mimetype)
        if mimetype.startswith("text/") or mimetype.endswith("javascript"):
            response.charset = "utf-8"
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
        if mimetype in COMPRESSIBLE:
            response.vary.add("Accept-Encoding")
        response.set_etag(etag)
        response.cache_control.public = True
        response.cache_control.max_age = MAX_AGE
        return response.make_conditional(request)


class Icons:
    """Our SVG icons and pictograms, read once and inlined in pages (no extra request)."""

    def __init__(self, folder: Path) -> None:
        self.svgs = {path.stem: Markup(path.read_text().strip()) for path in folder.glob("*.svg")}

    def __call__(self, name: str) -> Markup:
        """Return the markup of one icon."""
        return self.svgs[name]


def init_app(app: Flask) -> None:
    """Serve static files compressed, and give templates `icon()` and `static_url()`."""
    files = StaticFiles(Path(app.static_folder or "static"))
    app.view_functions["static"] = files.serve
    urls: dict[str, str] = {}

    def static_url(filename: str) -> str:
        """Return the URL of a static file (built once per file)."""
        url = urls.get(filename)
        if url is None:
            url = urls[filename] = url_for("static", filename=filename)
        return url

    app.jinja_env.globals.update(
        icon=Icons(Path(app.root_path) / "templates" / "icons"), static_url=static_url
    )

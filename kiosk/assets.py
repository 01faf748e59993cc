"""Static files: our CSS, script and icons, and the installed htmx, gzipped when the client accepts it.

Pages link each file under a fingerprinted name (`css/kiosk.3f2a9c0b1d4e.css`, the hash of its
content), served with a year-long immutable cache: a browser fetches a file once per version.
The plain name still works, with a short cache and an ETag. Compressed bodies are made once per
file version and kept in memory: a handful of small files.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from pathlib import Path

from flask import Flask, Response, abort, request, url_for
from markupsafe import Markup
from werkzeug.security import safe_join

from kiosk.render import header

COMPRESSIBLE = frozenset({"text/css", "text/javascript", "application/javascript", "image/svg+xml"})
MAX_AGE = 3600
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
FINGERPRINTED = re.compile(r"(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)")


def fingerprint(path: Path) -> str:
    """Return the short hash of a file's content that its linked name carries."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


class StaticFiles:
    """Serve files under one folder, with ETag/304 and gzip where it helps."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[tuple[str, int, bool], tuple[bytes, str]] = {}
        self._fingerprints: dict[tuple[str, int], str] = {}

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

    def fingerprint_of(self, path: Path) -> str:
        """Return a file's fingerprint, computed once per version."""
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns)
        known = self._fingerprints.get(key)
        if known is None:
            known = self._fingerprints[key] = fingerprint(path)
        return known

    def serve(self, filename: str) -> Response:
        """Answer a request for one static file, by its plain or its fingerprinted name."""
        folder, _, name = filename.rpartition("/")
        match = FINGERPRINTED.fullmatch(name)
        immutable = False
        if match:
            plain = f"{folder}/" * bool(folder) + match["stem"] + match["ext"]
            joined_plain = safe_join(str(self.folder), plain)
            if joined_plain is not None and Path(joined_plain).is_file():
                filename = plain
                immutable = self.fingerprint_of(Path(joined_plain)) == match["hash"]
        joined = safe_join(str(self.folder), filename)
        if joined is None or not Path(joined).is_file():
            abort(404)
        path = Path(joined)
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        gzipped = mimetype in COMPRESSIBLE and "gzip" in (header("Accept-Encoding") or "")
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
        response.cache_control.max_age = IMMUTABLE_MAX_AGE if immutable else MAX_AGE
        response.cache_control.immutable = immutable
        return response.make_conditional(request)


HTML_MIN_BYTES = 1400  # below one packet, compressing saves nothing


def compress_html(response: Response) -> Response:
    """Gzip an HTML page for a client that accepts it (pages are 8-15 KB, about 3 KB gzipped)."""
    # Cheapest test first; werkzeug's `in` on headers raises and catches when a header is absent.
    if ("gzip" not in (header("Accept-Encoding") or "") or response.mimetype != "text/html"
            or response.direct_passthrough or response.headers.get("Content-Encoding")):
        return response
    body = response.get_data()
    if len(body) < HTML_MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


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
        """Return the fingerprinted URL of a static file (built once per file)."""
        url = urls.get(filename)
        if url is None:
            stem, dot, ext = filename.rpartition(".")
            linked = f"{stem}.{files.fingerprint_of(files.folder / filename)}.{ext}" if dot else filename
            url = urls[filename] = url_for("static", filename=linked)
        return url

    app.after_request(compress_html)
    app.jinja_env.globals.update(
        icon=Icons(Path(app.root_path) / "templates" / "icons"), static_url=static_url
    )

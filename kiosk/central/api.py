"""The sync API of the central role, `/api/v1/…`: JSON in, JSON out, signed by each site.

Refusals are JSON with the right status and never change data: 400 malformed, 401 unknown
site, bad signature or a timestamp outside the window (the `Date` header lets the site correct
its clock), 403 revoked site, 413 too large, 422 an idempotency key reused for another body.
"""
from __future__ import annotations

import json
import time

from flask import Blueprint, Flask, Response, jsonify, request
from peewee import IntegrityError
from werkzeug.exceptions import HTTPException

from kiosk.central import ingest
from kiosk.central.models import CentralSite, ContentPack, ReceivedBatch
from kiosk.central.registry import site_key
from kiosk.db import utcnow, write
from kiosk.sync import protocol

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error(status: int, message: str, **headers: str) -> Response:
    """Return a JSON refusal."""
    response = jsonify({"error": message})
    response.status_code = status
    response.headers.update(headers)
    return response


@bp.after_request
def api_headers(response: Response) -> Response:
    """Every answer of the API says which API it is, and is never cached."""
    response.headers[protocol.API_HEADER] = protocol.API_VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


def authenticate(body: bytes) -> CentralSite | Response:
    """Return the site that signed this request, or the refusal to send."""
    headers = request.headers
    site_id = headers.get(protocol.SITE_HEADER, "")
    stamp = headers.get(protocol.TIMESTAMP_HEADER, "")
    sent = headers.get(protocol.SIGNATURE_HEADER, "")
    key = headers.get(protocol.KEY_HEADER, "")
    if not (site_id and stamp and sent and key) or len(key) > 64 or len(site_id) > 36:
        return error(401, "missing or malformed authentication headers")
    site = CentralSite.get_or_none(CentralSite.id == site_id)
    if site is None:
        return error(401, "unknown site")
    if not protocol.signature_matches(site_key(site), sent, stamp, request.method, request.path, key, body):
        return error(401, "bad signature")
    try:
        skew = abs(time.time() - int(stamp))
    except ValueError:
        return error(401, "bad timestamp")
    if skew > protocol.TIME_WINDOW:
        return error(401, "timestamp outside the window: correct your clock with our Date header")
    if site.revoked:
        return error(403, "this site's access is revoked")
    return site


@bp.post("/batches")
def batches() -> Response:
    """Receive a batch of records from a site; answer one status per item (idempotent)."""
    if (request.content_length or 0) > protocol.MAX_BODY_BYTES:
        return error(413, f"a batch is {protocol.MAX_BODY_BYTES} bytes at most: send fewer items")
    body = request.get_data(cache=False)
    if len(body) > protocol.MAX_BODY_BYTES:
        return error(413, f"a batch is {protocol.MAX_BODY_BYTES} bytes at most: send fewer items")
    site = authenticate(body)
    if isinstance(site, Response):
        return site
    key = request.headers[protocol.KEY_HEADER]
    digest = protocol.body_digest(body)
    try:
        items = ingest.parse(body)
    except ingest.BadBatch as problem:
        return error(400, str(problem))
    for _ in range(3):
        try:
            return _answer(site, key, digest, items)
        except IntegrityError:
            # The same batch, sent twice at once, was stored by the other request meanwhile: the
            # next round finds it and replays its answer.
            continue
    return error(409, "this batch is being received: retry", **{"Retry-After": "1"})


def _answer(site: CentralSite, key: str, digest: str, items: list[ingest.Item]) -> Response:
    with write():
        known = ReceivedBatch.get_or_none((ReceivedBatch.site == site.id) & (ReceivedBatch.key == key))
        if known is not None:
            if known.body_sha256 != digest:
                return error(422, "this idempotency key was used for another batch")
            return _json(known.response)
        now = utcnow()
        results = ingest.process(site, items, now)
        answer = json.dumps({"batch": key, "results": results}, ensure_ascii=False)
        ReceivedBatch.create(site=site.id, key=key, body_sha256=digest, response=answer, received_at=now)
        CentralSite.update(last_sync_at=now).where(CentralSite.id == site.id).execute()
    return _json(answer)


def _json(text: str) -> Response:
    return Response(text, status=200, mimetype="application/json")


@bp.get("/packs/current")
def current_pack() -> Response:
    """The latest content pack, for a signed site; 304 when the site already has it (ETag)."""
    site = authenticate(b"")
    if isinstance(site, Response):
        return site
    pack = ContentPack.select().order_by(ContentPack.version.desc()).first()
    if pack is None:
        return error(404, "no content pack published yet")
    etag = f'"{pack.sha256}"'
    headers = {"ETag": etag, protocol.PACK_VERSION_HEADER: str(pack.version),
               protocol.PACK_SHA_HEADER: pack.sha256,
               protocol.PACK_SIGNATURE_HEADER: protocol.pack_signature(site_key(site), pack.sha256)}
    if request.headers.get("If-None-Match") == etag:
        response = Response(status=304)
    else:
        response = Response(pack.body.encode(), status=200, mimetype="application/json")
    response.headers.update(headers)
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    """The API's OpenAPI document (kept true by tests/test_api.py)."""
    from kiosk.central.openapi import document

    return jsonify(document())


def api_error(problem: HTTPException) -> Response:
    """Any HTTP error under /api/ is JSON, with the API's headers and the error's own (Allow)."""
    response = error(problem.code or 500, problem.description or problem.name)
    for name, value in problem.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return api_headers(response)


def init_app(app: Flask) -> None:
    """Serve the API (central role only)."""
    app.register_blueprint(bp)

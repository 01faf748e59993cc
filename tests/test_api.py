"""The sync API's OpenAPI document: valid, true to the routes, true to real answers, and fuzzed.

The real answers come from central served by waitress in a subprocess (tests/syncing.py), on SQLite.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kiosk import create_app
from kiosk.central import ingest
from kiosk.central.openapi import document
from kiosk.db import database
from kiosk.sync import protocol
from tests.syncing import Central, central_server

DOCUMENT_PATH = "/api/v1/openapi.json"
DOCUMENT_URI = "urn:kiosk:openapi"
JSON = "application/json"
TODAY = time.strftime("%Y-%m-%d")
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_headers_conformance, response_schema_conformance]
FUZZ = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
# What central keeps of a site's sending: nothing of it may change on a refusal.
STORED = ("received_batch", "central_activity", "central_activity_version", "ledger_entry")


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    with central_server(tmp_path_factory.mktemp("api") / "data") as server:
        yield server


@pytest.fixture
def central_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_ROLE": "central", "TESTING": True})
    yield app
    database.close()


# Helpers ------------------------------------------------------------------------------------------

def _strict_integers(validator_class: type[jsonschema.protocols.Validator]) -> Any:
    """On the wire `1.0` is not `1`: like central, take only JSON integers written as such for "integer"."""
    checker = validator_class.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
    return jsonschema.validators.extend(validator_class, type_checker=checker)


StrictValidator = _strict_integers(jsonschema.Draft202012Validator)


def validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    """Return a validator for a schema of the document (its `$ref`s resolved in the document)."""
    resource = Resource.from_contents(document(), default_specification=DRAFT202012)
    registry: Registry = Registry().with_resource(DOCUMENT_URI, resource)
    rebased = json.loads(json.dumps(schema).replace('"#/', f'"{DOCUMENT_URI}#/'))
    return StrictValidator(rebased, registry=registry, format_checker=StrictValidator.FORMAT_CHECKER)


def request_schema() -> dict[str, Any]:
    """Return the documented schema of a batch body."""
    return document()["paths"][protocol.BATCHES_PATH]["post"]["requestBody"]["content"][JSON]["schema"]


def documented_answers(path: str = protocol.BATCHES_PATH) -> dict[str, Any]:
    """Return the documented answers of an operation, by status."""
    (operation,) = document()["paths"][path].values()
    return operation["responses"]


def assert_documented(response: requests.Response, path: str = protocol.BATCHES_PATH) -> None:
    """The answer's status, headers, media type and body are the documented ones."""
    answer = documented_answers(path)[str(response.status_code)]
    headers = document()["components"]["headers"]
    for name, header in answer["headers"].items():
        header = headers[header["$ref"].rsplit("/", 1)[1]] if "$ref" in header else header
        assert not header["required"] or name in response.headers, name
        if "enum" in header["schema"]:
            assert response.headers[name] in header["schema"]["enum"], name
    if "content" not in answer:
        assert not response.content
        return
    assert response.headers.get("Content-Type", "").startswith(JSON)
    validator(answer["content"][JSON]["schema"]).validate(response.json())


def signed(site: tuple[str, str], body: bytes, batch_key: str | None = None, signing_key: str | None = None,
           method: str = "POST", path: str = protocol.BATCHES_PATH) -> dict[str, str]:
    """Return the headers of a request signed by a site, as the sync client sends them."""
    site_id, key = site
    stamp = str(int(time.time()))
    batch_key = batch_key or str(uuid.uuid4())
    return {"Content-Type": JSON, protocol.SITE_HEADER: site_id,
            protocol.TIMESTAMP_HEADER: stamp, protocol.KEY_HEADER: batch_key,
            protocol.SIGNATURE_HEADER: protocol.signature(signing_key or key, stamp, method, path, batch_key,
                                                          body)}


def post(central: Central, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(central.url + protocol.BATCHES_PATH, data=body, headers=headers, timeout=30)


def activity_item(activity_id: str | None = None) -> dict[str, Any]:
    activity_id = activity_id or str(uuid.uuid4())
    return {"kind": "activity", "id": activity_id, "version": 1, "payload": {
        "id": activity_id, "version": 1, "date": TODAY, "type": "individuel", "duration": 30}}


def redemption_item() -> dict[str, Any]:
    redemption_id = str(uuid.uuid4())
    return {"kind": "redemption", "id": redemption_id, "version": 1, "payload": {
        "id": redemption_id, "number": "99000001", "activity": str(uuid.uuid4()),
        "redeemed_at": f"{TODAY}T10:00:00", "cancelled": False, "value_cents": 1000,
        "validity_year": int(TODAY[:4])}}


def batch(*items: dict[str, Any]) -> bytes:
    return json.dumps({"items": list(items)}).encode()


def stored(central: Central, site_id: str) -> dict[str, int]:
    """Return how many rows central keeps of a site's sending, per table."""
    return {table: central.count(table, site_id) for table in STORED}


def flask_command(central: Central, *args: str) -> str:
    """Run `flask kiosk …` on central's data; return what it printed."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "kiosk", *args],
                          cwd=Path(__file__).resolve().parent.parent, env=central.env, check=True,
                          capture_output=True, text=True).stdout


def revoke(central: Central, site_id: str) -> None:
    flask_command(central, "site", "revoke", central.query("SELECT code FROM central_site WHERE id = ?",
                                                           site_id)[0][0])


# The document -------------------------------------------------------------------------------------

def test_the_served_document_is_the_document_and_valid_openapi(central_app: Flask) -> None:
    response = central_app.test_client().get(DOCUMENT_PATH)
    assert response.status_code == 200
    assert response.headers[protocol.API_HEADER] == protocol.API_VERSION
    served = response.get_json()
    assert served == document()
    validate_openapi(served)
    assert (served["info"]["title"], served["info"]["version"]) == ("Kiosque sync API", protocol.API_VERSION)
    assert served["servers"] == [{"url": "/"}]


def test_the_document_has_every_api_route_with_its_methods_and_no_other(central_app: Flask) -> None:
    routes: dict[str, set[str]] = {}
    for rule in central_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: set(operations) for path, operations in document()["paths"].items()}
    assert routes == documented


def test_the_request_schema_refuses_exactly_what_central_s_parser_refuses() -> None:
    check = validator(request_schema())
    good = activity_item()
    bodies: list[Any] = [
        {"items": [good]}, {"items": [good, redemption_item()]}, {"items": [good] * protocol.MAX_ITEMS},
        {"items": []}, {"items": [good], "more": 1}, {"items": [{**good, "site": "x"}]}, {"items": {}},
        {"items": [{**good, "version": 0}]}, {"items": [{**good, "version": 2**31 - 1}]},
        {"items": [{**good, "version": 2**31}]}, {"items": [{**good, "version": 1.0}]},
        {"items": [{**good, "version": True}]}, {"items": [{**good, "id": "not-a-uuid"}]},
        {"items": [{**good, "kind": "other"}]}, {"items": [{**good, "payload": []}]},
        {"items": [good] * (protocol.MAX_ITEMS + 1)}, [good], {"items": [good, None]},
    ]
    for body in bodies:
        try:
            ingest.parse(json.dumps(body).encode())
        except ingest.BadBatch:
            assert not check.is_valid(body), body
        else:
            assert check.is_valid(body), body


# Real answers, each one as documented ------------------------------------------------------------

def test_a_signed_batch_gets_a_documented_200_and_its_replay_the_same(central: Central) -> None:
    site = central.new_site()
    body = batch(activity_item(), redemption_item())
    headers = signed(site, body)
    response = post(central, body, headers)
    assert response.status_code == 200, response.text
    assert_documented(response)
    answer = response.json()
    assert answer["batch"] == headers[protocol.KEY_HEADER]
    assert [(r["kind"], r["status"]) for r in answer["results"]] == [("activity", "created"),
                                                                      ("redemption", "conflict")]
    assert answer["results"][1]["ledger"] == "conflict" and answer["results"][1]["reason"] == "unknown"
    again = post(central, body, signed(site, body, headers[protocol.KEY_HEADER]))
    assert again.status_code == 200 and again.json() == answer


def test_a_rejected_item_is_a_documented_200(central: Central) -> None:
    site = central.new_site()
    item = activity_item()
    del item["payload"]["duration"]
    body = batch(item)
    response = post(central, body, signed(site, body))
    assert response.status_code == 200
    assert_documented(response)
    assert response.json()["results"][0]["status"] == "rejected"


ERROR_CASES = ("400 malformed JSON", "401 bad signature", "403 revoked site", "413 body too large",
               "422 key reused for another body")


def test_every_documented_refusal_is_tested() -> None:
    documented = {status for status in documented_answers() if status != "200"}
    # 409 needs two requests of the same batch to collide three times in a row: not reproducible.
    assert {case.split()[0] for case in ERROR_CASES} | {"409"} == documented


@pytest.mark.parametrize("case", ERROR_CASES)
def test_each_refusal_is_real_documented_and_changes_nothing(central: Central, case: str) -> None:
    site = central.new_site()
    body = batch(activity_item())
    headers = signed(site, body)
    if case.startswith("400"):
        body = b'{"items": [}'
        headers = signed(site, body)
    elif case.startswith("401"):
        headers = signed(site, body, signing_key="0" * 64)
    elif case.startswith("403"):
        revoke(central, site[0])
    elif case.startswith("413"):
        filler = "x" * protocol.MAX_BODY_BYTES
        body = batch({**activity_item(), "payload": {"filler": filler}})
        assert len(body) > protocol.MAX_BODY_BYTES
        headers = signed(site, body)
    elif case.startswith("422"):
        assert post(central, body, headers).status_code == 200
        body = batch(activity_item())
        headers = signed(site, body, headers[protocol.KEY_HEADER])
    before = stored(central, site[0])
    response = post(central, body, headers)
    assert response.status_code == int(case.split()[0]), response.text
    assert_documented(response)
    assert response.json()["error"]
    assert stored(central, site[0]) == before


def test_every_answer_about_the_content_pack_is_real_and_documented(central: Central) -> None:
    site = central.new_site()

    def get_pack(**extra: str) -> requests.Response:
        headers = {**signed(site, b"", method="GET", path=protocol.PACK_PATH), **extra}
        del headers["Content-Type"]
        return requests.get(central.url + protocol.PACK_PATH, headers=headers, timeout=30)

    answers = [get_pack()]  # before any pack
    assert answers[-1].status_code == 404, answers[-1].text
    flask_command(central, "publish-pack")
    answers.append(get_pack())
    assert answers[-1].status_code == 200, answers[-1].text
    pack = answers[-1]
    assert pack.headers[protocol.PACK_SHA_HEADER] == protocol.body_digest(pack.content)
    assert pack.headers[protocol.PACK_SIGNATURE_HEADER] == protocol.pack_signature(
        site[1], pack.headers[protocol.PACK_SHA_HEADER])
    answers.append(get_pack(**{"If-None-Match": pack.headers["ETag"]}))
    assert answers[-1].status_code == 304
    answers.append(requests.get(central.url + protocol.PACK_PATH, timeout=30))
    assert answers[-1].status_code == 401
    revoke(central, site[0])
    answers.append(get_pack())
    assert answers[-1].status_code == 403
    for answer in answers:
        assert_documented(answer, protocol.PACK_PATH)
    assert {str(answer.status_code) for answer in answers} == set(documented_answers(protocol.PACK_PATH))


# Fuzzing from the document -------------------------------------------------------------------------

# schemathesis.pytest.from_fixture (a schema loaded from the live server) breaks on pytest 9, whose nodes
# no longer have `_nodeid`: the schema is the document itself, which central serves as it is (below).
schema = schemathesis.openapi.from_dict(document())


def test_central_serves_the_document_that_is_fuzzed(central: Central) -> None:
    response = requests.get(central.url + DOCUMENT_PATH, timeout=30)
    assert response.status_code == 200 and response.json() == document()
    assert response.headers[protocol.API_HEADER] == protocol.API_VERSION


@schema.parametrize()
@FUZZ
def test_fuzzed_requests_are_answered_as_documented_never_with_a_server_error(
        case: schemathesis.Case, central: Central) -> None:
    # Unsigned (or signed with made-up values): mostly 401, never a 5xx, always as documented.
    response = case.call(base_url=central.url)
    assert response.status_code < 500, response.text
    case.validate_response(response, checks=CONFORMANCE)


class SiteSignature(requests.auth.AuthBase):
    """Sign each request for a site over the exact bytes it sends, as the sync client does.

    The generated idempotency key is kept when a header can carry it as it is (so that keys repeat,
    and replays and reused keys are exercised); otherwise the batch gets a fresh UUID.
    """

    def __init__(self, site: tuple[str, str]) -> None:
        self.site = site
        self.sent: tuple[str, bytes] = ("", b"")

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = request.body = body.encode()
            request.headers["Content-Length"] = str(len(body))
        key = request.headers.get(protocol.KEY_HEADER, "")
        if not (1 <= len(key) <= 64 and key.isascii() and key.isprintable() and key == key.strip()):
            key = str(uuid.uuid4())
        path = urllib.parse.urlsplit(request.url).path
        stamp = str(int(time.time()))
        request.headers.update({
            protocol.SITE_HEADER: self.site[0], protocol.TIMESTAMP_HEADER: stamp, protocol.KEY_HEADER: key,
            protocol.SIGNATURE_HEADER: protocol.signature(self.site[1], stamp, str(request.method), path,
                                                          key, body)})
        self.sent = (key, body)
        return request


@pytest.fixture(scope="module")
def fuzzing_site(central: Central) -> tuple[str, str]:
    return central.new_site()


# The batches the fuzzing site had stored, by idempotency key: the body's bytes.
STORED_BATCHES: dict[str, bytes] = {}


def expected_status(key: str, body: bytes) -> int:
    """Return what central must answer a signed batch, by the documented request schema."""
    if len(body) > protocol.MAX_BODY_BYTES:
        return 413
    try:
        data = json.loads(body)
    except ValueError:
        return 400
    if not validator(request_schema()).is_valid(data):
        return 400
    if key in STORED_BATCHES and STORED_BATCHES[key] != body:
        return 422
    return 200


@schema.include(operation_id="sendBatch").parametrize()
@FUZZ
def test_fuzzed_signed_batches_are_accepted_exactly_when_the_document_says(
        case: schemathesis.Case, central: Central, fuzzing_site: tuple[str, str]) -> None:
    signer = SiteSignature(fuzzing_site)
    before = stored(central, fuzzing_site[0])
    response = case.call(base_url=central.url, auth=signer)
    assert response.status_code < 500, response.text
    if case.method.upper() != "POST":
        # Other methods, tried by schemathesis: see test_an_undocumented_method_is_a_405_with_allow.
        assert stored(central, fuzzing_site[0]) == before
        return
    key, body = signer.sent
    assert response.status_code in (200, 400, 413, 422), response.text
    assert response.status_code == expected_status(key, body), (body[:500], response.text[:500])
    case.validate_response(response, checks=CONFORMANCE)
    if response.status_code == 200:
        STORED_BATCHES.setdefault(key, body)
    else:
        assert stored(central, fuzzing_site[0]) == before


# Faults found by fuzzing, fixed: each stays a test ----------

@pytest.mark.parametrize(("method", "path"), [
    ("GET", protocol.BATCHES_PATH), ("PUT", protocol.BATCHES_PATH), ("PATCH", protocol.BATCHES_PATH),
    ("DELETE", protocol.BATCHES_PATH), ("POST", DOCUMENT_PATH), ("DELETE", DOCUMENT_PATH),
])
def test_an_undocumented_method_is_a_405_with_allow(central: Central, method: str, path: str) -> None:
    response = requests.request(method, central.url + path, timeout=30)
    assert response.status_code == 405, response.text
    allowed = {m.strip() for m in response.headers.get("Allow", "").split(",")}
    assert {m.upper() for m in document()["paths"][path]} <= allowed
    assert response.headers.get(protocol.API_HEADER) == protocol.API_VERSION
    assert response.json()["error"]


def _unknown_cheque(**payload: Any) -> bytes:
    item = redemption_item()
    item["payload"].update(payload)
    return batch(item)


def _activity_with(name: str, value: Any) -> bytes:
    item = activity_item()
    item["payload"][name] = value
    return batch(item)


@pytest.mark.parametrize("body", [
    pytest.param(_unknown_cheque(value_cents="abc"), id="unknown cheque, value_cents not a number"),
    pytest.param(_unknown_cheque(validity_year="x"), id="unknown cheque, validity_year not a number"),
    pytest.param(_unknown_cheque(value_cents=10**30), id="unknown cheque, value_cents over 64 bits"),
    pytest.param(_activity_with("type", "\ud800"), id="lone surrogate in a payload"),
    pytest.param(b'{"items": ' + b"[" * 2000 + b"]" * 2000 + b"}", id="JSON nested 2000 deep"),
])
def test_a_signed_body_never_crashes_central(central: Central, body: bytes) -> None:
    site = central.new_site()
    response = post(central, body, signed(site, body))
    assert response.status_code < 500, response.text
    assert_documented(response)


def test_an_id_that_is_no_uuid_of_the_document_is_a_400() -> None:
    odd = "urn:0123456789abcdef0123456789abcdef"
    assert not validator(request_schema()).is_valid({"items": [{**activity_item(), "id": odd}]})
    try:
        ingest.parse(batch({**activity_item(), "id": odd}))
    except ingest.BadBatch:
        return
    raise AssertionError(f"central's parser takes {odd!r} for a UUID")

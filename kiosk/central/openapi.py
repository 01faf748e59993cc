"""The sync API described in OpenAPI 3.1, served at /api/v1/openapi.json (kept true by tests/test_api.py)."""
from __future__ import annotations

from typing import Any

from kiosk.central.ingest import ACTIVITY_REQUIRED, ITEM_KEYS, REDEMPTION_REQUIRED
from kiosk.flows.packs import FORMAT
from kiosk.sync import protocol

JSON = "application/json"
SCHEMAS = "#/components/schemas/"
# What central answers for a refusal, per status (see kiosk.central.api).
REFUSALS = {
    "400": "Not a batch: the body is not JSON, or not exactly `{\"items\": [...]}` of well-formed items. "
           "Nothing is stored.",
    "401": "Missing or malformed authentication headers, unknown site, bad signature, or a timestamp "
           f"more than {protocol.TIME_WINDOW} s off (correct the clock with the `Date` header).",
    "403": "This site's access is revoked.",
    "409": "The same batch is being received by another request: retry after `Retry-After` seconds.",
    "413": f"The body is over {protocol.MAX_BODY_BYTES} bytes: send fewer items.",
    "422": "This idempotency key was already used for another body.",
}
PACK_REFUSALS = {"401": REFUSALS["401"], "403": REFUSALS["403"], "404": "No content pack published yet."}
SIGNED = [{"site": [], "timestamp": [], "signature": []}]
# The redemption ledger's verdict on a cheque.
LEDGER = ("accepted", "conflict")


def _fields(required: dict[str, type]) -> str:
    names = {str: "string", int: "integer", bool: "boolean"}
    return ", ".join(f"`{name}` ({names[kind]})" for name, kind in required.items())


def _ref(name: str) -> dict[str, str]:
    return {"$ref": SCHEMAS + name}


def _api_header() -> dict[str, Any]:
    return {protocol.API_HEADER: {"$ref": "#/components/headers/KioskApi"}}


def _refusal(description: str, **headers: Any) -> dict[str, Any]:
    return {"description": description, "headers": {**_api_header(), **headers},
            "content": {JSON: {"schema": _ref("Error")}}}


def _schemas() -> dict[str, Any]:
    """Return the JSON schemas of the bodies, as strict as central's parser."""
    return {
        "Id": {"type": "string", "format": "uuid", "minLength": 36, "maxLength": 36,
               "description": "A record's UUID, in its 36-character form."},
        "Kind": {"type": "string", "enum": list(protocol.KINDS)},
        "Batch": {
            "type": "object",
            "required": ["items"],
            "additionalProperties": False,
            "properties": {"items": {"type": "array", "minItems": 1, "maxItems": protocol.MAX_ITEMS,
                                     "items": _ref("Item")}},
        },
        "Item": {
            "type": "object",
            "required": sorted(ITEM_KEYS),
            "additionalProperties": False,
            "properties": {
                "kind": _ref("Kind"),
                "id": _ref("Id"),
                "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                "payload": {
                    "type": "object",
                    "description": "The record. Without the fields its kind needs, the item is `rejected` "
                                   f"(in a 200). An activity needs {_fields(ACTIVITY_REQUIRED)}, its `id` "
                                   "and `version` those of the item, `date` an ISO date; a redemption needs "
                                   f"{_fields(REDEMPTION_REQUIRED)}, its `id` that of the item, `number` "
                                   "6 to 20 digits, `redeemed_at` an ISO date and time.",
                },
            },
        },
        "BatchAnswer": {
            "type": "object",
            "required": ["batch", "results"],
            "additionalProperties": False,
            "properties": {
                "batch": {"type": "string", "description": "The batch's idempotency key."},
                "results": {"type": "array", "items": _ref("Result"),
                            "description": "One result per item, in the batch's order."},
            },
        },
        "Result": {
            "type": "object",
            "required": ["kind", "id", "version", "status"],
            "additionalProperties": False,
            "properties": {
                "kind": _ref("Kind"),
                "id": _ref("Id"),
                "version": {"type": "integer", "minimum": 1},
                "status": {"type": "string", "enum": list(protocol.STATUSES),
                           "description": "created: stored; duplicate: already held, same content; "
                                          "conflict: held with other content, or a cheque already "
                                          "redeemed, unknown or expired; rejected: invalid, never retry."},
                "detail": {"type": "string"},
                "ledger": {"type": "string", "enum": list(LEDGER),
                           "description": "Redemptions only: the pass ledger's verdict."},
                "reason": {"type": "string",
                           "description": "Redemptions only: why the ledger holds a conflict (or empty)."},
            },
        },
        "Pack": {
            "type": "object",
            "required": ["format", "version", "files"],
            "additionalProperties": False,
            "properties": {
                "format": {"type": "integer", "enum": [FORMAT]},
                "version": {"type": "integer", "minimum": 1},
                "files": {"type": "object", "additionalProperties": {"type": "string"},
                          "description": "The text of each file by its path: `content/<name>.toml`, "
                                         "`content/shared/<name>.toml`, `translations/<lang>/flows.po`."},
            },
        },
        "Error": {
            "type": "object",
            "required": ["error"],
            "additionalProperties": False,
            "properties": {"error": {"type": "string"}},
        },
    }


def _batches() -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": "One result per item; a replay (same key, same body) gets the first answer.",
                "headers": _api_header(), "content": {JSON: {"schema": _ref("BatchAnswer")}}},
    }
    for status, description in REFUSALS.items():
        extra = {"Retry-After": {"schema": {"type": "integer"}, "required": True}} if status == "409" else {}
        responses[status] = _refusal(description, **extra)
    return {
        "post": {
            "operationId": "sendBatch",
            "summary": "Send a batch of records from a site (idempotent).",
            "security": SIGNED,
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {"required": True, "content": {JSON: {"schema": _ref("Batch")}}},
            "responses": responses,
        },
    }


def _pack() -> dict[str, Any]:
    def header(description: str) -> dict[str, Any]:
        return {"description": description, "required": True, "schema": {"type": "string"}}

    headers = {
        **_api_header(),
        "ETag": header("The pack's SHA-256 in quotes: send it back in `If-None-Match`."),
        protocol.PACK_VERSION_HEADER: header("The pack's version."),
        protocol.PACK_SHA_HEADER: header("The hex SHA-256 of the body."),
        protocol.PACK_SIGNATURE_HEADER: header("Hex HMAC-SHA256, under the site's key, of `pack`, a line "
                                               "break and the pack's SHA-256: the site checks it."),
    }
    responses: dict[str, Any] = {
        "200": {"description": "The latest pack.", "headers": headers,
                "content": {JSON: {"schema": _ref("Pack")}}},
        "304": {"description": "The site already has the latest pack (`If-None-Match`).", "headers": headers},
    }
    responses.update({status: _refusal(text) for status, text in PACK_REFUSALS.items()})
    return {
        "get": {
            "operationId": "getCurrentPack",
            "summary": "The latest content pack: the flows and their translations. Signed like a batch, "
                       "over an empty body.",
            "security": SIGNED,
            "parameters": [
                {"$ref": "#/components/parameters/IdempotencyKey"},
                {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                 "description": "The `ETag` of the pack the site has."},
            ],
            "responses": responses,
        },
    }


def _document_path() -> dict[str, Any]:
    return {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document.",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI document.", "headers": _api_header(),
                                  "content": {JSON: {"schema": {"type": "object"}}}}},
        },
    }


def document() -> dict[str, Any]:
    """Return the OpenAPI document of the sync API."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kiosque sync API",
            "version": protocol.API_VERSION,
            "description": "Sites send their records to central in signed, idempotent batches. Every "
                           f"answer carries `{protocol.API_HEADER}: {protocol.API_VERSION}` and refusals "
                           "are JSON `{\"error\": \"...\"}` that change nothing.",
        },
        "servers": [{"url": "/"}],
        "paths": {
            protocol.BATCHES_PATH: _batches(),
            protocol.PACK_PATH: _pack(),
            "/api/v1/openapi.json": _document_path(),
        },
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "site": {"type": "apiKey", "in": "header", "name": protocol.SITE_HEADER,
                         "description": "The site's id, given by central."},
                "timestamp": {"type": "apiKey", "in": "header", "name": protocol.TIMESTAMP_HEADER,
                              "description": f"Unix seconds; refused beyond ±{protocol.TIME_WINDOW} s."},
                "signature": {"type": "apiKey", "in": "header", "name": protocol.SIGNATURE_HEADER,
                              "description": "Hex HMAC-SHA256, under the site's key, of the timestamp, "
                                             "the method, the path, the idempotency key and the hex "
                                             "SHA-256 of the body, one per line."},
            },
            "parameters": {
                "IdempotencyKey": {
                    "name": protocol.KEY_HEADER, "in": "header", "required": True,
                    "description": "A UUID: a batch's, the same on every retry of the same batch.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
                },
            },
            "headers": {
                "KioskApi": {"description": "Says the answer comes from this API, not a captive portal.",
                             "required": True, "schema": {"type": "string", "enum": [protocol.API_VERSION]}},
            },
        },
    }

"""The sync protocol, shared by both ends: headers, the signature, limits, item statuses.

A batch is `POST /api/v1/batches` with a JSON body `{"items": [...]}`. Each request carries:
- `X-Kiosk-Site`: the site's id (a UUID given by central);
- `X-Kiosk-Timestamp`: Unix seconds on the site's clock, corrected by the offset it learnt
  from central's `Date` header; central refuses anything outside ±TIME_WINDOW seconds;
- `Idempotency-Key`: the batch's UUID, the same on every retry of the same batch;
- `X-Kiosk-Signature`: hex HMAC-SHA256, under the site's key, of the timestamp, method, path,
  idempotency key and the body's SHA-256, one per line.

Central never stores a site's key: it derives it from its own secret, the site's id and the
key's generation (see central.registry.site_key), so a copy of central's database signs nothing,
and rotating a key is raising its generation.

Every success carries `Kiosk-Api: 1`: a captive portal's "200 OK" in HTML is not a success.
"""
from __future__ import annotations

import hashlib
import hmac

API_VERSION = "1"
API_HEADER = "Kiosk-Api"
SITE_HEADER = "X-Kiosk-Site"
TIMESTAMP_HEADER = "X-Kiosk-Timestamp"
SIGNATURE_HEADER = "X-Kiosk-Signature"
KEY_HEADER = "Idempotency-Key"
BATCHES_PATH = "/api/v1/batches"
PACK_PATH = "/api/v1/packs/current"
PACK_VERSION_HEADER = "X-Kiosk-Pack-Version"
PACK_SHA_HEADER = "X-Kiosk-Pack-Sha256"
PACK_SIGNATURE_HEADER = "X-Kiosk-Pack-Signature"
TIME_WINDOW = 300
MAX_ITEMS = 500
MAX_BODY_BYTES = 1_048_576
KINDS = ("activity", "redemption")
# created: stored; duplicate: already held, same content (a success); conflict: held with other
# content, or a cheque already redeemed, unknown or expired; rejected: invalid, never retried.
STATUSES = ("created", "duplicate", "conflict", "rejected")


def body_digest(body: bytes) -> str:
    """Return the hex SHA-256 of a request body."""
    return hashlib.sha256(body).hexdigest()


def signature(key: str, timestamp: str, method: str, path: str, idempotency_key: str, body: bytes) -> str:
    """Return the signature of a request under a site's key."""
    message = "\n".join((timestamp, method.upper(), path, idempotency_key, body_digest(body)))
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def signature_matches(key: str, sent: str, timestamp: str, method: str, path: str,
                      idempotency_key: str, body: bytes) -> bool:
    """Tell, in constant time, whether a sent signature is the right one."""
    expected = signature(key, timestamp, method, path, idempotency_key, body)
    return hmac.compare_digest(expected, sent)


def pack_signature(key: str, sha256: str) -> str:
    """Return central's signature of a content pack's hash for one site (so a site trusts the pack)."""
    return hmac.new(key.encode(), f"pack\n{sha256}".encode(), hashlib.sha256).hexdigest()

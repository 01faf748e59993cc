"""The site's sync client: drain the outbox to central in signed, idempotent batches.

Items go pending → in_flight (with their batch's key, kept on every retry) → acked. A batch is
taken again exactly as it was after a crash, a cut connection or an error, so central answers
it from its record of that key and nothing is stored twice. A 413 halves the batch size; a
failure backs off exponentially with jitter (60 s to 1 h) and is shown to médiateurs.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json
import random
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

from kiosk.db import utcnow, write
from kiosk.mediation.models import OutboxItem, Redemption
from kiosk.sync import protocol
from kiosk.sync.models import SyncState

BACKOFF_FIRST = 60.0
BACKOFF_MAX = 3600.0
TIMEOUT = 30.0
MIN_BATCH = 1
DEFAULT_BATCH = 500  # protocol.MAX_ITEMS: ~250 KB of activities, well under MAX_BODY_BYTES


@dataclass(frozen=True)
class Credentials:
    """Where central is and how this site signs: KIOSK_SYNC_URL, KIOSK_SYNC_SITE, KIOSK_SYNC_KEY."""

    url: str
    site: str
    key: str


@dataclass
class Report:
    """What one sync run did."""

    sent: int = 0
    acked: int = 0
    conflicts: int = 0
    rejected: int = 0
    batches: int = 0
    error: str = ""
    statuses: dict[str, int] = field(default_factory=dict)
    pack: int | None = None  # the content pack version installed by this run, if any

    @property
    def ok(self) -> bool:
        """Tell whether the run ended without an error (the queue may still hold items)."""
        return not self.error


class SyncError(Exception):
    """A batch that did not get a valid answer: retried later, same key."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None,
                 offset: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.offset = offset  # the clock offset learnt from the answer's Date, if any


def queue_depth() -> int:
    """Return how many records wait to be sent or acknowledged."""
    return OutboxItem.select().where(OutboxItem.state.in_(("pending", "in_flight"))).count()


def _next_batch(size: int) -> tuple[str, list[OutboxItem]]:
    """Return the batch to send: the one in flight if any (same key), else a new one."""
    waiting = OutboxItem.select().where(OutboxItem.state == "in_flight").order_by(OutboxItem.id).first()
    if waiting is not None:
        key = waiting.batch
        return key, list(OutboxItem.select().where((OutboxItem.state == "in_flight")
                                                   & (OutboxItem.batch == key)).order_by(OutboxItem.id))
    with write():
        ids = [row.id for row in OutboxItem.select(OutboxItem.id).where(OutboxItem.state == "pending")
               .order_by(OutboxItem.id).limit(size)]
        if not ids:
            return "", []
        key = str(uuid.uuid4())
        OutboxItem.update(state="in_flight", batch=key).where(OutboxItem.id.in_(ids)).execute()
    return key, list(OutboxItem.select().where(OutboxItem.id.in_(ids)).order_by(OutboxItem.id))


def body_of(items: list[OutboxItem]) -> bytes:
    """Return a batch's body: the same bytes for the same items, on every retry."""
    records = [{"kind": item.kind, "id": item.record_id, "version": item.version,
                "payload": json.loads(item.payload)} for item in items]
    return json.dumps({"items": records}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def signed_request(credentials: Credentials, method: str, path: str, key: str, body: bytes,
                   offset: float, headers: dict[str, str] | None = None
                   ) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Make one request to central, signed with the site's key; return status, headers, body."""
    parts = urllib.parse.urlsplit(credentials.url.rstrip("/") + path)
    stamp = str(int(time.time() + offset))
    headers = {
        **(headers or {}),
        protocol.SITE_HEADER: credentials.site,
        protocol.TIMESTAMP_HEADER: stamp,
        protocol.KEY_HEADER: key,
        protocol.SIGNATURE_HEADER: protocol.signature(credentials.key, stamp, method, parts.path, key, body),
    }
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.netloc, timeout=TIMEOUT)
    try:
        connection.request(method, parts.path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    except (OSError, http.client.HTTPException) as problem:
        raise SyncError(f"network: {problem.__class__.__name__}: {problem}") from problem
    finally:
        connection.close()


def send(credentials: Credentials, key: str, body: bytes, offset: float) -> tuple[dict[str, Any], float]:
    """POST a batch; return central's answer and the clock offset read from its Date header."""
    status, reply_headers, data = signed_request(credentials, "POST", protocol.BATCHES_PATH, key, body,
                                                 offset, {"Content-Type": "application/json"})
    offset = _offset(reply_headers.get("Date"), offset)
    if reply_headers.get(protocol.API_HEADER) != protocol.API_VERSION:
        raise SyncError(f"HTTP {status} without the {protocol.API_HEADER} header "
                        "(a captive portal, a proxy?)", status)
    if status != 200:
        retry = reply_headers.get("Retry-After")
        raise SyncError(f"HTTP {status}: {data[:200].decode('utf-8', 'replace')}", status,
                        float(retry) if retry and retry.isdigit() else None, offset)
    try:
        answer = json.loads(data)
        results = answer["results"]
        if answer.get("batch") != key or not isinstance(results, list):
            raise ValueError("not the answer to this batch")
    except (ValueError, KeyError, TypeError) as problem:
        raise SyncError(f"unreadable answer: {problem}", status) from problem
    return answer, offset


def _offset(date_header: str | None, previous: float) -> float:
    if not date_header:
        return previous
    try:
        server = email.utils.parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError):
        return previous
    measured = server - time.time()
    # Date has a one-second resolution: keep the previous offset when it still agrees.
    return previous if abs(measured - previous) < 2 else measured


def _apply(items: list[OutboxItem], results: list[dict[str, Any]], report: Report) -> None:
    """Record central's answer for each item of the batch (one transaction)."""
    by_record = {(r.get("kind"), r.get("id"), r.get("version")): r for r in results if isinstance(r, dict)}
    now = utcnow()
    with write():
        for item in items:
            result = by_record.get((item.kind, item.record_id, item.version))
            if result is None:
                # Central did not answer for this one: send it again in a later batch.
                OutboxItem.update(state="pending", batch=None).where(OutboxItem.id == item.id).execute()
                continue
            status = result.get("status")
            report.statuses[status] = report.statuses.get(status, 0) + 1
            state = {"created": "acked", "duplicate": "acked", "conflict": "conflict"}.get(status, "rejected")
            OutboxItem.update(state=state, acked_at=now, attempts=OutboxItem.attempts + 1).where(
                OutboxItem.id == item.id).execute()
            report.acked += state == "acked"
            report.conflicts += state == "conflict"
            report.rejected += state == "rejected"
            if item.kind == "redemption":
                ledger = result.get("ledger")
                if ledger == "conflict":
                    Redemption.update(status="conflict", conflict=str(result.get("reason", ""))[:500]).where(
                        (Redemption.id == item.record_id) & Redemption.resolved_at.is_null()).execute()
                elif ledger == "accepted" and status in ("created", "duplicate"):
                    Redemption.update(status="confirmed").where(
                        (Redemption.id == item.record_id) & (Redemption.status == "pending")).execute()


def backoff(failures: int, rng: random.Random | None = None) -> float:
    """Return the seconds to wait after a number of failures in a row: 60 s doubling to 1 h, jittered."""
    ceiling = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, failures - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def run(credentials: Credentials, max_batches: int = 1000) -> Report:
    """Send everything waiting, batch after batch; stop at the first failure (retried later)."""
    report = Report()
    state = SyncState.get_state()
    size, offset = state.batch_size, state.clock_offset
    started = utcnow()
    try:
        for _ in range(max_batches):
            key, items = _next_batch(size)
            if not items:
                break
            body = body_of(items)
            report.sent += len(items)
            try:
                answer, offset = send(credentials, key, body, offset)
            except SyncError as problem:
                if problem.status == 413 and len(items) > MIN_BATCH:
                    # Too large for central or a proxy on the way: the same items, in halves.
                    size = max(MIN_BATCH, len(items) // 2)
                    with write():
                        OutboxItem.update(state="pending", batch=None).where(
                            OutboxItem.batch == key).execute()
                    continue
                if problem.status == 401 and "window" in str(problem) and problem.offset is not None:
                    # Our clock was off: central's Date corrects it; one more try.
                    offset = problem.offset
                    try:
                        answer, offset = send(credentials, key, body, offset)
                    except SyncError as again:
                        raise again from problem
                else:
                    raise
            _apply(items, answer["results"], report)
            report.batches += 1
    except SyncError as problem:
        report.error = str(problem)
    _record(report, started, size, offset)
    return report


def _record(report: Report, started: dt.datetime, size: int, offset: float) -> None:
    now = utcnow()
    with write():
        state = SyncState.get_state()
        if report.ok:
            # After a success the batch size grows back, step by step, towards the default.
            SyncState.update(last_attempt_at=started, last_success_at=now, last_error="", failures=0,
                             next_attempt_at=None, clock_offset=offset,
                             batch_size=min(DEFAULT_BATCH, size * 2)).where(
                SyncState.id == state.id).execute()
        else:
            failures = state.failures + 1
            wait = backoff(failures)
            SyncState.update(last_attempt_at=started, last_error=report.error[:500], failures=failures,
                             next_attempt_at=now + dt.timedelta(seconds=wait), clock_offset=offset,
                             batch_size=size).where(SyncState.id == state.id).execute()

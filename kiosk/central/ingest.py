"""Receiving a batch: each item checked and stored, its status decided, all in one transaction.

Activities: a new id is created; the same version with the same content is a duplicate; a
newer version becomes the latest (history kept); an older or equal version with other content
is a conflict (the site edited from a version central no longer holds: nothing is overwritten).
Redemptions: the pass ledger accepts a cheque from an issued book, within its validity, not
already redeemed; otherwise the redemption is recorded as a conflict, with where and when the
first redemption happened. A cancellation frees the cheque.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from kiosk.central.models import CentralActivity, CentralActivityVersion, CentralSite, LedgerEntry, PassBook
from kiosk.sync import protocol


class BadBatch(ValueError):
    """A body that is not a batch at all (answered 400)."""


@dataclass(frozen=True)
class Item:
    """One record of a batch."""

    kind: str
    id: str
    version: int
    payload: dict[str, Any]


ITEM_KEYS = frozenset({"kind", "id", "version", "payload"})


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse(body: bytes) -> list[Item]:
    """Read a batch body; raise BadBatch for anything but `{"items": [ … ]}` of well-formed items."""
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise BadBatch("the body is not JSON") from error
    if not isinstance(data, dict) or set(data) != {"items"} or not isinstance(data["items"], list):
        raise BadBatch('the body must be {"items": [...]} and nothing else')
    items = data["items"]
    if not 1 <= len(items) <= protocol.MAX_ITEMS:
        raise BadBatch(f"a batch holds 1 to {protocol.MAX_ITEMS} items")
    parsed = []
    for raw in items:
        if not isinstance(raw, dict) or set(raw) != ITEM_KEYS:
            raise BadBatch(f"each item has exactly the fields {sorted(ITEM_KEYS)}")
        if raw["kind"] not in protocol.KINDS or not isinstance(raw["payload"], dict):
            raise BadBatch("unknown kind, or a payload that is not an object")
        version = raw["version"]
        if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version < 2**31:
            raise BadBatch("version is a positive integer")
        if not _is_uuid(raw["id"]):
            raise BadBatch("id is a UUID")
        try:
            canonical(raw["payload"]).encode("utf-8")
        except UnicodeEncodeError as error:
            raise BadBatch("a text holds an invalid character (a lone surrogate)") from error
        parsed.append(Item(raw["kind"], raw["id"], version, raw["payload"]))
    return parsed


UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _is_uuid(value: Any) -> bool:
    return isinstance(value, str) and UUID_TEXT.fullmatch(value) is not None


def canonical(payload: dict[str, Any]) -> str:
    """Return a payload as stored and compared: sorted keys, no spaces."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _result(item: Item, status: str, detail: str = "", **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"kind": item.kind, "id": item.id, "version": item.version, "status": status}
    if detail:
        result["detail"] = detail
    result.update(extra)
    return result


@dataclass
class Held:
    """An activity as central holds it while a batch is processed (from the database, or new)."""

    site_id: str
    version: int
    payload: str
    row: dict[str, Any] | None = None  # set when the activity is new in this batch


@dataclass
class Writes:
    """What a batch will add, written in bulk at its end (two INSERTs instead of two per item)."""

    activities: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)

    def flush(self) -> None:
        for start in range(0, len(self.activities), 200):
            CentralActivity.insert_many(self.activities[start:start + 200]).execute()
        for start in range(0, len(self.versions), 200):
            CentralActivityVersion.insert_many(self.versions[start:start + 200]).execute()


def process(site: CentralSite, items: list[Item], now: dt.datetime) -> list[dict[str, Any]]:
    """Store a batch's items and return one result per item, in order (inside a transaction)."""
    activity_ids = [item.id for item in items if item.kind == "activity"]
    held = {row.id: Held(row.site_id, row.version, row.payload) for row in CentralActivity.select().where(
        CentralActivity.id.in_(activity_ids))} if activity_ids else {}
    writes = Writes()
    results = []
    for item in items:
        if item.kind == "activity":
            results.append(_activity(site, item, held, writes, now))
        else:
            results.append(_redemption(site, item, now))
    writes.flush()
    return results


ACTIVITY_REQUIRED = {"id": str, "date": str, "type": str, "duration": int, "version": int}


def _activity(site: CentralSite, item: Item, held: dict[str, Held], writes: Writes,
              now: dt.datetime) -> dict[str, Any]:
    payload = item.payload
    for name, kind in ACTIVITY_REQUIRED.items():
        if not isinstance(payload.get(name), kind):
            return _result(item, "rejected", f"payload.{name} is missing or not a {kind.__name__}")
    if payload["id"] != item.id or payload["version"] != item.version:
        return _result(item, "rejected", "payload.id and payload.version must match the item")
    try:
        dt.date.fromisoformat(payload["date"])
    except ValueError:
        return _result(item, "rejected", "payload.date is not a date")
    text = canonical(payload)
    values = {"version": item.version, "payload": text, "deleted": bool(payload.get("deleted")),
              "date": payload["date"], "received_at": now}
    version_row = {"activity": item.id, "version": item.version, "site": site.id, "payload": text,
                   "received_at": now}
    current = held.get(item.id)
    if current is None:
        row = {"id": item.id, "site": site.id, **values}
        writes.activities.append(row)
        writes.versions.append(version_row)
        held[item.id] = Held(site.id, item.version, text, row)
        return _result(item, "created")
    if current.site_id != site.id:
        return _result(item, "rejected", "this record belongs to another site")
    if item.version > current.version:
        if current.row is not None:
            current.row.update(values)  # new in this batch: the pending INSERT takes the newer version
        else:
            CentralActivity.update(**values).where(CentralActivity.id == item.id).execute()
        writes.versions.append(version_row)
        current.version, current.payload = item.version, text
        return _result(item, "created")
    known = current.payload if item.version == current.version else _older(item, writes)
    if known == text:
        return _result(item, "duplicate")
    return _result(item, "conflict", f"central holds version {current.version} with other content; "
                                     "this edit starts from a version it no longer holds")


def _older(item: Item, writes: Writes) -> str | None:
    for row in writes.versions:
        if row["activity"] == item.id and row["version"] == item.version:
            return row["payload"]
    return next((v.payload for v in CentralActivityVersion.select(CentralActivityVersion.payload).where(
        (CentralActivityVersion.activity == item.id) & (CentralActivityVersion.version == item.version))),
        None)


REDEMPTION_REQUIRED = {"id": str, "number": str, "activity": str, "redeemed_at": str, "cancelled": bool,
                       "value_cents": int, "validity_year": int}


def book_of(number: str) -> PassBook | None:
    """Return the issued book a cheque number belongs to."""
    padded = number.zfill(20)
    return (PassBook.select().where((PassBook.first <= padded) & (PassBook.last >= padded))
            .order_by(PassBook.first.desc()).first())


def _redemption(site: CentralSite, item: Item, now: dt.datetime) -> dict[str, Any]:
    payload = item.payload
    for name, kind in REDEMPTION_REQUIRED.items():
        if not isinstance(payload.get(name), kind):
            return _result(item, "rejected", f"payload.{name} is missing or not a {kind.__name__}")
    number = payload["number"]
    if not (0 <= payload["value_cents"] <= 100_000 and 2000 <= payload["validity_year"] <= 2100) \
            or isinstance(payload["value_cents"], bool) or isinstance(payload["validity_year"], bool):
        return _result(item, "rejected", "payload.value_cents or payload.validity_year out of range")
    if payload["id"] != item.id or not number.isdigit() or not 6 <= len(number) <= 20:
        return _result(item, "rejected", "payload.id must match the item and number be 6 to 20 digits")
    try:
        redeemed_on = dt.datetime.fromisoformat(payload["redeemed_at"]).date()
    except ValueError:
        return _result(item, "rejected", "payload.redeemed_at is not a date and time")
    entry = LedgerEntry.get_or_none(LedgerEntry.id == item.id)
    if entry is not None:
        if entry.site_id != site.id:
            return _result(item, "rejected", "this record belongs to another site")
        if payload["cancelled"] and entry.cancelled_at is None:
            LedgerEntry.update(cancelled_at=now).where(LedgerEntry.id == item.id).execute()
            return _result(item, "created")
        return _result(item, "duplicate", **_ledger_view(entry))
    book = book_of(number)
    status, detail = "accepted", ""
    if payload["cancelled"]:
        pass  # cancelled before central ever saw it: recorded, and frees nothing
    elif book is None:
        status, detail = "conflict", "unknown"
    elif not dt.date(book.validity_year, 1, 1) <= redeemed_on <= dt.date(book.validity_year + 1, 1, 31):
        status, detail = "conflict", "expired"
    else:
        first = (LedgerEntry.select(LedgerEntry, CentralSite).join(CentralSite)
                 .where((LedgerEntry.number == number) & (LedgerEntry.status == "accepted")
                        & LedgerEntry.cancelled_at.is_null())
                 .first())
        if first is not None:
            status = "conflict"
            detail = f"already_redeemed|{first.site.name}|{first.redeemed_at[:10]}"
    entry = LedgerEntry.create(
        id=item.id, number=number, site=site.id, activity=payload["activity"],
        book=book.code if book else "",
        value_cents=book.value_cents if book else payload["value_cents"],
        validity_year=book.validity_year if book else payload["validity_year"],
        redeemed_at=payload["redeemed_at"], received_at=now, status=status, detail=detail,
        cancelled_at=now if payload["cancelled"] else None)
    if status == "conflict":
        return _result(item, "conflict", detail, **_ledger_view(entry))
    return _result(item, "created", **_ledger_view(entry))


def _ledger_view(entry: LedgerEntry) -> dict[str, Any]:
    return {"ledger": entry.status, "reason": entry.detail}

"""Pass numérique cheques: reading their numbers, checking them, and what a site was paid for.

A cheque number is what the barcode reader types: digits, maybe grouped with spaces, dots or
dashes by someone typing it by hand. We keep 6 to 20 digits (the operator's cheques carried a
numeric code; the exact length is the central ledger's business, which checks ranges of books).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kiosk.mediation.models import Redemption

_SEPARATORS = re.compile(r"[\s.\-]+")
_NUMBER = re.compile(r"\d{6,20}")
_SPLIT = re.compile(r"[\n\r,;]+")
DEFAULT_VALUE_CENTS = 1000


@dataclass(frozen=True)
class PassProblem:
    """One number refused, with why: 'format', 'twice', 'taken', 'expired', 'not_yet'."""

    number: str
    reason: str


def split_numbers(text: str) -> list[str]:
    """Return the numbers typed or scanned, one per line (commas and semicolons also separate)."""
    return [part.strip() for part in _SPLIT.split(text) if part.strip()]


def normalise(raw: str) -> str | None:
    """Return a cheque number without its separators, or None if it is not one."""
    number = _SEPARATORS.sub("", raw)
    return number if _NUMBER.fullmatch(number) else None


def accepted_until(validity_year: int) -> dt.date:
    """Return the last day a cheque of that year may be recorded: 31 January of the next year."""
    return dt.date(validity_year + 1, 1, 31)


def default_validity_year(today: dt.date) -> int:
    """Return the validity year a médiateur most likely holds: last year's cheques in January."""
    return today.year - 1 if today.month == 1 else today.year


def check_numbers(text: str, validity_year: int, activity_date: dt.date, today: dt.date,
                  activity_id: str | None = None) -> tuple[list[str], list[PassProblem]]:
    """Read the numbers and check each; return the good ones and the problems.

    A cheque counts for an activity between 1 January of its year and 31 January after, and
    must be recorded by that 31 January. Numbers already redeemed here for another activity are
    refused; those of the activity being edited are kept.
    """
    good: list[str] = []
    problems: list[PassProblem] = []
    seen: set[str] = set()
    for raw in split_numbers(text):
        number = normalise(raw)
        if number is None:
            problems.append(PassProblem(raw, "format"))
            continue
        if number in seen:
            problems.append(PassProblem(number, "twice"))
            continue
        seen.add(number)
        if activity_date < dt.date(validity_year, 1, 1):
            problems.append(PassProblem(number, "not_yet"))
            continue
        limit = accepted_until(validity_year)
        if activity_date > limit or today > limit:
            problems.append(PassProblem(number, "expired"))
            continue
        good.append(number)
    if good:
        taken = Redemption.select(Redemption.number).where(
            Redemption.number.in_(good) & Redemption.cancelled_at.is_null())
        if activity_id is not None:
            taken = taken.where(Redemption.activity != activity_id)
        taken_numbers = {row.number for row in taken}
        problems.extend(PassProblem(number, "taken") for number in good if number in taken_numbers)
        good = [number for number in good if number not in taken_numbers]
    return good, problems

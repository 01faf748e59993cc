"""The pass ledger's issued books: imported from the operator's CSV, one range of numbers per book.

CSV (UTF-8, `;` or `,`), header: `carnet;premier;dernier;commanditaire;prescripteur;valeur;annee`
— the book's code, its first and last cheque numbers, who bought it, who handed it out, the
value of one cheque in euros, and the validity year. A year of the Pass numérique (15,500 books,
155,000 cheques in 2021) imports in a couple of seconds: rows are checked, then inserted in bulk.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from kiosk.central.models import PassBook
from kiosk.db import utcnow, write

COLUMNS = ("carnet", "premier", "dernier", "commanditaire", "prescripteur", "valeur", "annee")
CHUNK = 1000


@dataclass(frozen=True)
class ImportResult:
    """What an import did: books and cheques added, rows refused with their line and reason."""

    books: int
    cheques: int
    errors: list[tuple[int, str]]


def import_books(text: str) -> ImportResult:
    """Check every row, then add the new books (a book code already known is refused)."""
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    dialect_sep = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect_sep)
    if reader.fieldnames is None or [name.strip().lower() for name in reader.fieldnames] != list(COLUMNS):
        return ImportResult(0, 0, [(1, f"the header must be: {';'.join(COLUMNS)}")])
    known = {code for (code,) in PassBook.select(PassBook.code).tuples()}
    rows, errors, cheques = [], [], 0
    now = utcnow()
    for line, raw in enumerate(reader, start=2):
        row = {key.strip().lower(): (value or "").strip() for key, value in raw.items() if key}
        code, first, last = row["carnet"], row["premier"], row["dernier"]
        problem = ""
        if not code or code in known:
            problem = "missing or already known book code"
        elif not (first.isdigit() and last.isdigit() and 6 <= len(first) <= 20 and 6 <= len(last) <= 20):
            problem = "the numbers have 6 to 20 digits"
        elif int(first) > int(last):
            problem = "the first number is after the last"
        try:
            value = round(float(row["valeur"].replace(",", ".")) * 100)
            year = int(row["annee"])
        except ValueError:
            problem = problem or "the value and the year are numbers"
            value, year = 0, 0
        if not problem and not (100 <= value <= 10_000 and 2019 <= year <= 2100):
            problem = "value or year out of range"
        if problem:
            errors.append((line, problem))
            continue
        known.add(code)
        cheques += int(last) - int(first) + 1
        rows.append({"code": code, "first": first.zfill(20), "last": last.zfill(20),
                     "funder": row["commanditaire"], "prescriber": row["prescripteur"],
                     "value_cents": value, "validity_year": year, "imported_at": now})
    if errors:
        return ImportResult(0, 0, errors)
    with write():
        for start in range(0, len(rows), CHUNK):
            PassBook.insert_many(rows[start:start + CHUNK]).execute()
    return ImportResult(len(rows), cheques, [])

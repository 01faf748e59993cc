"""The communes of the Métropole du Grand Paris offered to médiateurs (kiosk/mediation/communes.csv)."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

CSV_PATH = Path(__file__).resolve().parent.parent / "kiosk/mediation/communes.csv"
HEADER = ["insee", "code_postal", "nom"]


def _read() -> tuple[list[str], list[dict[str, str]]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def test_file_is_utf8_without_bom_and_has_the_exact_header() -> None:
    raw = CSV_PATH.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    raw.decode("utf-8")
    assert raw.split(b"\n", 1)[0] == b"insee,code_postal,nom"
    header, _ = _read()
    assert header == HEADER


def test_every_row_has_exactly_three_fields() -> None:
    with CSV_PATH.open(encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    assert all(len(line) == 3 for line in lines)


def test_row_count() -> None:
    _, rows = _read()
    assert len(rows) == 149  # 130 communes (Pierrefitte joined Saint-Denis in 2025), Paris as 20


def test_counts_per_department() -> None:
    _, rows = _read()
    counts = Counter(row["insee"][:2] for row in rows)
    assert counts == {"75": 20, "92": 36, "93": 39, "94": 47, "91": 6, "95": 1}


def test_insee_codes_are_unique_five_digit_codes() -> None:
    _, rows = _read()
    codes = [row["insee"] for row in rows]
    assert all(len(code) == 5 and code.isdigit() for code in codes)
    assert len(set(codes)) == len(codes)


def test_postal_codes_are_five_digits_in_the_commune_department() -> None:
    _, rows = _read()
    for row in rows:
        postal = row["code_postal"]
        assert len(postal) == 5 and postal.isdigit(), row
        assert postal[:2] == row["insee"][:2], row


def test_names_are_non_empty_and_unique() -> None:
    _, rows = _read()
    names = [row["nom"] for row in rows]
    assert all(name and name == name.strip() for name in names)
    assert len(set(names)) == len(names)


def test_rows_are_sorted_by_insee_code() -> None:
    _, rows = _read()
    codes = [row["insee"] for row in rows]
    assert codes == sorted(codes)


def test_paris_is_listed_by_arrondissement() -> None:
    _, rows = _read()
    paris = [row for row in rows if row["insee"].startswith("75")]
    assert [row["insee"] for row in paris] == [f"751{n:02d}" for n in range(1, 21)]
    assert [row["code_postal"] for row in paris] == [f"750{n:02d}" for n in range(1, 21)]
    assert paris[0]["nom"] == "Paris 1er Arrondissement"
    assert paris[19]["nom"] == "Paris 20e Arrondissement"


def test_known_communes() -> None:
    _, rows = _read()
    by_name = {row["nom"]: row["insee"] for row in rows}
    assert by_name["Montreuil"] == "93048"
    assert by_name["Saint-Denis"] == "93066"
    assert by_name["Aubervilliers"] == "93001"
    assert by_name["Nanterre"] == "92050"
    assert by_name["Créteil"] == "94028"
    assert by_name["Vincennes"] == "94080"
    assert by_name["Argenteuil"] == "95018"
    assert by_name["Paris 13e Arrondissement"] == "75113"
    assert by_name["L'Haÿ-les-Roses"] == "94038"
    assert by_name["Épinay-sur-Seine"] == "93031"

"""CSV exports in the national columns, the pass statement, and a beneficiary's data (access, erasure).

CSV files open as they should in LibreOffice and Excel: UTF-8 with a byte-order mark, the
separator chosen explicitly (`;` by default, as a French Excel expects), CRLF line ends, and
several values in one cell on separate lines, as the national export does.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, current_app

from kiosk.db import utcnow, write
from kiosk.i18n import translations_for
from kiosk.mediation import vocab
from kiosk.mediation.models import (
    Activity,
    Beneficiary,
    JournalEntry,
    OutboxItem,
    Parcours,
    Redemption,
    today,
)
from kiosk.sites import Site

# reference/cra.md, "Export Activités", in order; then the pass numbers.
ACTIVITY_COLUMNS = (
    "Date", "Enregistré le", "Dernière modification le", "Type", "Participants", "Bénéficiaire",
    "Canaux d'accompagnement", "Nom du lieu", "Adresse", "Commune", "Code postal", "Code Insee",
    "Durée (min)", "Nom de l'atelier", "Matériel numérique utilisé", "Thématique(s) d'accompagnement",
    "Tags", "Nom de la démarche administrative", "Niveau d'autonomie (ou de l'atelier)",
    "Bénéficiaire réorienté", "Structure de redirection", "Commune du bénéficiaire",
    "Code postal du bénéficiaire", "Code Insee du bénéficiaire", "Genre", "Tranche d'âge", "Statut",
    "Notes supplémentaires", "ID CRA", "Pass numérique",
)
STATEMENT_COLUMNS = ("Numéro du chèque", "Carnet", "Année de validité", "Valeur (€)", "Enregistré le",
                     "Date de l'activité", "ID CRA")


def french(words: vocab.Vocabulary, code: str) -> str:
    """Return a code's national French label, whatever the screen language."""
    return translations_for("fr").gettext(words.message_id(code)) if code else ""


def _date_time(value: Any) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def _cell(values: Iterable[str]) -> str:
    return "\n".join(value for value in values if value)


def activity_rows(query: Any) -> Iterator[list[str]]:
    """Yield one row per activity, in ACTIVITY_COLUMNS order, streamed from the query."""
    site = Site.this_site()
    communes = vocab.communes()
    for activity in query.iterator():
        beneficiary = ""
        if activity.beneficiary_id:
            beneficiary = Beneficiary.get_or_none(Beneficiary.id == activity.beneficiary_id)
            beneficiary = beneficiary.pseudonym if beneficiary else ""
        postal, commune = communes.get(activity.commune_insee, ("", ""))
        at_site = site is not None and activity.place == "lieu_activite"
        place_insee = activity.place_insee or (site.insee if at_site else "")
        place_postal, place_commune = communes.get(place_insee, ("", site.commune if site else ""))
        counts = activity.participant_counts()
        collective = activity.type == "collectif"
        numbers = [r.number for r in Redemption.select(Redemption.number).where(
            (Redemption.activity == activity.id) & Redemption.cancelled_at.is_null())]
        yield [
            activity.date.strftime("%d/%m/%Y"),
            _date_time(activity.created_at),
            _date_time(activity.updated_at),
            french(vocab.ACTIVITY_TYPES, activity.type),
            str(counts.get("total", "")) if collective else "1",
            "" if collective else (beneficiary or "Anonyme"),
            french(vocab.PLACES, activity.place),
            site.name if site else "",
            "",
            place_commune,
            place_postal,
            place_insee,
            str(activity.duration),
            activity.title,
            _cell(french(vocab.EQUIPMENT, c) for c in activity.listed("equipment")),
            _cell([*(french(vocab.THEMES, c) for c in activity.listed("themes")),
                   *(french(vocab.ADMIN_THEMES, c) for c in activity.listed("admin_themes"))]),
            "",
            activity.demarche,
            french(vocab.LEVELS, activity.level) if collective else french(vocab.AUTONOMY, activity.autonomy),
            "" if collective else ("Oui" if activity.redirected else "Non"),
            french(vocab.REDIRECTIONS, activity.redirection),
            "" if collective else commune,
            "" if collective else postal,
            "" if collective else activity.commune_insee,
            "" if collective else french(vocab.GENDERS, activity.genre),
            "" if collective else french(vocab.AGE_BANDS, activity.tranche_age),
            "" if collective else french(vocab.STATUSES, activity.statut),
            activity.notes,
            activity.id,
            _cell(numbers),
        ]


def statement_rows(redemptions: list[Redemption]) -> Iterator[list[str]]:
    """Yield the monthly statement's rows."""
    for r in redemptions:
        yield [r.number, r.book, str(r.validity_year), f"{r.value_cents / 100:.2f}".replace(".", ","),
               _date_time(r.redeemed_at), r.activity.date.strftime("%d/%m/%Y"), r.activity_id]


def _guard(value: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_text(rows: Iterable[list[str]], columns: tuple[str, ...], separator: str) -> str:
    """Return the CSV text, with its byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_guard(cell) for cell in row])
    return "\ufeff" + buffer.getvalue()


def csv_response(rows: Iterable[list[str]], columns: tuple[str, ...], separator: str,
                 filename: str) -> Response:
    """Return a CSV download."""
    response = Response(csv_text(rows, columns, separator).encode("utf-8"),
                        mimetype="text/csv", content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def beneficiary_data(person: Beneficiary) -> dict[str, Any]:
    """Return everything held about a followed beneficiary (right of access)."""
    communes = vocab.communes()
    return {
        "id": person.pseudonym,
        "genre": french(vocab.GENDERS, person.genre),
        "tranche_age": french(vocab.AGE_BANDS, person.tranche_age),
        "statut": french(vocab.STATUSES, person.statut),
        "commune": communes.get(person.commune_insee, ("", ""))[1],
        "code_insee": person.commune_insee,
        "logement_social": french(vocab.YES_NO_UNKNOWN, person.social_housing),
        "bailleur": person.bailleur,
        "qpv": french(vocab.YES_NO_UNKNOWN, person.qpv),
        "cree_le": person.created_at.isoformat(timespec="seconds"),
        "parcours": [
            {"ouvert_le": p.opened_on.isoformat(),
             "clos_le": p.closed_on.isoformat() if p.closed_on else None,
             "autonomie_debut": french(vocab.AUTONOMY, p.autonomy_start),
             "autonomie_fin": french(vocab.AUTONOMY, p.autonomy_end)}
            for p in Parcours.select().where(Parcours.beneficiary == person.id).order_by(Parcours.opened_on)
        ],
        "accompagnements": [
            {"date": a.date.isoformat(), "duree_min": a.duration,
             "thematiques": [french(vocab.THEMES, c) for c in a.listed("themes")]
             + [french(vocab.ADMIN_THEMES, c) for c in a.listed("admin_themes")],
             "demarche": a.demarche, "notes": a.notes}
            for a in Activity.select().where((Activity.beneficiary == person.id)
                                             & Activity.deleted_at.is_null()).order_by(Activity.date)
        ],
    }


def erase_beneficiary(person: Beneficiary, by: str | None) -> None:
    """Erase a followed beneficiary: the row, their parcours, and the notes of their activities.

    Their activities stay in the statistics, anonymous; the journal keeps that an erasure
    happened, not whom it was about (a retention purge journals only the count).
    """
    from kiosk.mediation.activities import payload

    with write():
        touched = [a.id for a in Activity.select(Activity.id).where(Activity.beneficiary == person.id)]
        Activity.update(beneficiary=None, parcours=None, notes="", updated_at=utcnow(),
                        version=Activity.version + 1).where(Activity.id.in_(touched)).execute()
        for activity in Activity.select().where(Activity.id.in_(touched)):
            OutboxItem.put("activity", activity.id, activity.version, payload(activity))
        Parcours.delete().where(Parcours.beneficiary == person.id).execute()
        Beneficiary.delete().where(Beneficiary.id == person.id).execute()
        if by is not None:
            JournalEntry.write(by, "beneficiary.erase", "")


def purge_expired(now: dt.date | None = None) -> int:
    """Erase followed beneficiaries without activity for KIOSK_RETENTION_DAYS; journal the count."""
    limit = (now or today()) - dt.timedelta(days=current_app.config["KIOSK_RETENTION_DAYS"])
    stale = [b for b in Beneficiary.select().where(
        (Beneficiary.last_activity_on < limit)
        | (Beneficiary.last_activity_on.is_null() & (Beneficiary.created_at < dt.datetime.combine(
            limit, dt.time()))))]
    for person in stale:
        erase_beneficiary(person, None)
    if stale:
        with write():
            JournalEntry.write("janitor", "beneficiary.retention_purge", "", count=len(stale))
    return len(stale)


"""The activity report form: read and check what the médiateur typed, then save it all at once.

`read_form` turns the posted fields into an ActivityInput and a dict of errors keyed by field;
nothing is saved unless there is no error. `save` writes the activity, its beneficiary, its
parcours, its passes, the journal and the outbox in one transaction, refusing an edit based on
a version someone else has changed since (nothing is ever overwritten silently).
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from kiosk.db import utcnow, write
from kiosk.mediation import passes, vocab
from kiosk.mediation.models import (
    Activity,
    Beneficiary,
    JournalEntry,
    Mediator,
    OutboxItem,
    Parcours,
    Redemption,
    today,
)

MAX_DURATION = 12 * 60
OLDEST_DATE = dt.date(2019, 1, 1)
MAX_PARTICIPANTS = 500
# The anonymous counters of a workshop: one per value of each beneficiary vocabulary.
COUNTER_GROUPS = (("genre", vocab.GENDERS), ("tranche_age", vocab.AGE_BANDS), ("statut", vocab.STATUSES))
PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed back


# Choices left unanswered take the form's default rather than an error (a quick entry skips them).
CHOICE_DEFAULTS = frozenset({"type", "place", "genre", "tranche_age", "statut", "social_housing", "qpv",
                             "prescriber", "followed"})


class StaleEdit(Exception):
    """Someone saved the activity since this form was opened."""


@dataclass
class ActivityInput:
    """What the form holds, kept as typed so it can be shown again with its errors."""

    type: str = "individuel"
    date: str = ""
    duration: str = "30"
    duration_custom: str = ""
    place: str = "lieu_activite"
    place_insee: str = ""
    equipment: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    admin_themes: list[str] = field(default_factory=list)
    autonomy: str = ""
    demarche: str = ""
    redirected: bool = False
    redirection: str = ""
    notes: str = ""
    followed: str = "non"
    pseudonym: str = ""
    genre: str = "non_communique"
    tranche_age: str = "non_communique"
    statut: str = "non_communique"
    commune_insee: str = ""
    social_housing: str = "inconnu"
    bailleur: str = ""
    qpv: str = "inconnu"
    title: str = ""
    level: str = ""
    participants: dict[str, str] = field(default_factory=dict)
    prescriber: str = "aucun"
    prescriber_name: str = ""
    funding: str = "aucun"
    close_parcours: bool = False
    pass_numbers: str = ""
    pass_year: str = ""
    pass_value: str = "10"
    pass_book: str = ""
    flows: list[str] = field(default_factory=list)
    version: int = 0

    def minutes(self) -> int | None:
        """Return the duration in minutes, if it reads as one."""
        raw = self.duration_custom.strip() if self.duration == "autre" else self.duration
        try:
            return int(raw)
        except ValueError:
            return None

    def day(self) -> dt.date | None:
        """Return the date, if it reads as one."""
        try:
            return dt.date.fromisoformat(self.date.strip())
        except ValueError:
            return None


def blank(day: dt.date | None = None) -> ActivityInput:
    """Return an empty form: today, 30 minutes, at the place, anonymous."""
    day = day or today()
    return ActivityInput(date=day.isoformat(), pass_year=str(passes.default_validity_year(day)))


def counter_names() -> list[str]:
    """Return the names of a workshop's counters: total, already accompanied, then each value."""
    names = ["total", "deja_accompagnes"]
    for group, words in COUNTER_GROUPS:
        names.extend(f"{group}.{code}" for code in words.codes())
    return names


def read_form(form: MultiDict[str, str]) -> ActivityInput:
    """Read the posted fields, keeping every value as typed (lists filtered to known codes)."""
    defaults = ActivityInput()

    def text(name: str, limit: int = 200) -> str:
        value = (form.get(name) or "").strip()[:limit]
        if not value and name in CHOICE_DEFAULTS:
            return str(getattr(defaults, name))
        return value

    try:
        version = int(form.get("version") or 0)
    except ValueError:
        version = 0
    funding = text("funding") or "aucun"
    if funding == "aucun" and (form.get("pass_numbers") or "").strip():
        funding = "pass_numerique"  # cheques scanned: that is what paid, no extra click
    return ActivityInput(
        type=text("type"), date=text("date", 20), duration=text("duration", 10),
        duration_custom=text("duration_custom", 10), place=text("place"),
        place_insee=text("place_insee", 10),
        equipment=[c for c in form.getlist("equipment") if c in vocab.EQUIPMENT.codes()],
        themes=[c for c in form.getlist("themes") if c in vocab.THEMES.codes()],
        admin_themes=[c for c in form.getlist("admin_themes") if c in vocab.ADMIN_THEMES.codes()],
        autonomy=text("autonomy"), demarche=text("demarche"),
        redirected=form.get("redirected") == "oui", redirection=text("redirection"),
        notes=text("notes", 4000), followed=text("followed") or "non",
        pseudonym=text("pseudonym", 20).upper(), genre=text("genre"),
        tranche_age=text("tranche_age"), statut=text("statut"),
        commune_insee=text("commune_insee", 10), social_housing=text("social_housing") or "inconnu",
        bailleur=text("bailleur", 120), qpv=text("qpv") or "inconnu",
        title=text("title"), level=text("level"),
        participants={name: text(f"p.{name}", 6) for name in counter_names() if text(f"p.{name}", 6)},
        prescriber=text("prescriber") or "aucun", prescriber_name=text("prescriber_name"),
        funding=funding, close_parcours=form.get("close_parcours") == "oui",
        pass_numbers=(form.get("pass_numbers") or "")[:4000], pass_year=text("pass_year", 6),
        pass_value=text("pass_value", 8), pass_book=text("pass_book", 30),
        flows=[f for f in form.getlist("flows") if len(f) <= 100][:20], version=version,
    )


# Error codes, translated by the page (kiosk/mediation/views.py: ERROR_TEXTS).
def check(data: ActivityInput, activity_id: str | None = None,
          now: dt.date | None = None) -> tuple[dict[str, str], list[str], list[passes.PassProblem]]:
    """Return the errors by field, the good pass numbers, and the refused ones."""
    now = now or today()
    errors: dict[str, str] = {}
    if data.type not in vocab.ACTIVITY_TYPES.codes():
        errors["type"] = "choose"
    day = data.day()
    if day is None:
        errors["date"] = "date_format"
    elif day > now:
        errors["date"] = "date_future"
    elif day < OLDEST_DATE:
        errors["date"] = "date_old"
    minutes = data.minutes()
    if minutes is None:
        errors["duration"] = "duration_format"
    elif not 1 <= minutes <= MAX_DURATION:
        errors["duration"] = "duration_range"
    if data.place not in vocab.PLACES.codes():
        errors["place"] = "choose"
    elif data.place in ("domicile", "autre_lieu") and data.place_insee and \
            data.place_insee not in vocab.communes():
        errors["place_insee"] = "commune"
    if not data.themes and not data.admin_themes:
        errors["themes"] = "themes"
    for name, words in (("genre", vocab.GENDERS), ("tranche_age", vocab.AGE_BANDS),
                        ("statut", vocab.STATUSES), ("social_housing", vocab.YES_NO_UNKNOWN),
                        ("qpv", vocab.YES_NO_UNKNOWN), ("prescriber", vocab.PRESCRIBERS),
                        ("funding", vocab.FUNDING)):
        if getattr(data, name) not in words.codes():
            errors[name] = "choose"
    if data.commune_insee and data.commune_insee not in vocab.communes():
        errors["commune_insee"] = "commune"
    if data.type == "individuel":
        if data.autonomy and data.autonomy not in vocab.AUTONOMY.codes():
            errors["autonomy"] = "choose"
        if data.redirected and data.redirection not in vocab.REDIRECTIONS.codes():
            errors["redirection"] = "redirection"
        if data.followed == "oui" and data.pseudonym and \
                not Beneficiary.select().where(Beneficiary.pseudonym == data.pseudonym).exists():
            errors["pseudonym"] = "pseudonym"
    if data.type == "collectif":
        if not data.title:
            errors["title"] = "title"
        if data.level and data.level not in vocab.LEVELS.codes():
            errors["level"] = "choose"
        _check_counters(data, errors)
    if data.funding == "parcours" and (data.type != "individuel" or data.followed != "oui"):
        errors["funding"] = "parcours_followed"
    good: list[str] = []
    problems: list[passes.PassProblem] = []
    if data.funding == "pass_numerique":
        year = _int(data.pass_year)
        if year is None or not 2019 <= year <= now.year + 1:
            errors["pass_year"] = "pass_year"
        value = _cents(data.pass_value)
        if value is None or not 100 <= value <= 10_000:
            errors["pass_value"] = "pass_value"
        if year is not None and "pass_year" not in errors and day is not None:
            good, problems = passes.check_numbers(data.pass_numbers, year, day, now, activity_id)
            if problems:
                errors["pass_numbers"] = "pass_problems"
            elif not good:
                errors["pass_numbers"] = "pass_none"
    return errors, good, problems


def _check_counters(data: ActivityInput, errors: dict[str, str]) -> None:
    counts: dict[str, int] = {}
    for name, raw in data.participants.items():
        number = _int(raw)
        if number is None or not 0 <= number <= MAX_PARTICIPANTS:
            errors["participants"] = "counter"
            return
        counts[name] = number
    total = counts.get("total", 0)
    if total < 1:
        errors["participants"] = "participants_total"
        return
    if counts.get("deja_accompagnes", 0) > total:
        errors["participants"] = "participants_sum"
    for group, _ in COUNTER_GROUPS:
        if sum(n for name, n in counts.items() if name.startswith(f"{group}.")) > total:
            errors["participants"] = "participants_sum"


def _int(raw: str) -> int | None:
    try:
        return int(raw.strip())
    except ValueError:
        return None


def _cents(raw: str) -> int | None:
    try:
        return round(float(raw.strip().replace(",", ".").replace("€", "")) * 100)
    except ValueError:
        return None


def new_pseudonym() -> str:
    """Return an unused pseudonymous id such as `B-7KQ3M`, easy to read aloud and type back."""
    while True:
        candidate = "B-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(5))
        if not Beneficiary.select().where(Beneficiary.pseudonym == candidate).exists():
            return candidate


def as_input(activity: Activity) -> ActivityInput:
    """Return the form of a saved activity, to edit or to duplicate."""
    beneficiary = activity.beneficiary
    live = [r for r in activity.redemptions if r.cancelled_at is None]
    counts = activity.participant_counts()
    return ActivityInput(
        type=activity.type, date=activity.date.isoformat(),
        duration=str(activity.duration) if activity.duration in vocab.DURATIONS else "autre",
        duration_custom="" if activity.duration in vocab.DURATIONS else str(activity.duration),
        place=activity.place, place_insee=activity.place_insee,
        equipment=activity.listed("equipment"), themes=activity.listed("themes"),
        admin_themes=activity.listed("admin_themes"), autonomy=activity.autonomy,
        demarche=activity.demarche, redirected=activity.redirected, redirection=activity.redirection,
        notes=activity.notes, followed="oui" if beneficiary else "non",
        pseudonym=beneficiary.pseudonym if beneficiary else "",
        genre=activity.genre, tranche_age=activity.tranche_age, statut=activity.statut,
        commune_insee=activity.commune_insee,
        social_housing=activity.social_housing, bailleur=activity.bailleur, qpv=activity.qpv,
        title=activity.title, level=activity.level,
        participants={name: str(n) for name, n in counts.items()},
        prescriber=activity.prescriber, prescriber_name=activity.prescriber_name,
        funding=activity.funding, pass_numbers="\n".join(r.number for r in live),
        pass_year=str(live[0].validity_year) if live else str(passes.default_validity_year(today())),
        pass_value=_euros(live[0].value_cents) if live else "10", pass_book=live[0].book if live else "",
        flows=activity.listed("flows"), version=activity.version,
    )


def _euros(cents: int) -> str:
    return str(cents // 100) if cents % 100 == 0 else f"{cents / 100:.2f}".replace(".", ",")


def payload(activity: Activity) -> dict[str, Any]:
    """Return what central receives of an activity: its codes, never free text about a person.

    The notes stay on the site (they may name someone); the beneficiary is its pseudonymous id.
    """
    fields = ("id", "type", "duration", "place", "place_insee", "autonomy", "demarche", "redirected",
              "redirection", "genre", "tranche_age", "statut", "commune_insee", "qpv", "social_housing",
              "bailleur", "title", "level", "prescriber", "prescriber_name", "funding", "version")
    data: dict[str, Any] = {name: getattr(activity, name) for name in fields}
    data.update(
        date=activity.date.isoformat(), mediator=activity.mediator.login,
        equipment=activity.listed("equipment"), themes=activity.listed("themes"),
        admin_themes=activity.listed("admin_themes"), participants=activity.participant_counts(),
        flows=activity.listed("flows"), beneficiary=activity.beneficiary_id,
        parcours=activity.parcours_id,
        parcours_closed=activity.parcours_id is not None and activity.parcours.closed_on is not None,
        created_at=activity.created_at.isoformat(),
        updated_at=activity.updated_at.isoformat(),
        deleted=activity.deleted_at is not None,
    )
    return data


def redemption_payload(redemption: Redemption) -> dict[str, Any]:
    """Return what central's pass ledger receives of a redemption."""
    return {"id": redemption.id, "number": redemption.number, "book": redemption.book,
            "value_cents": redemption.value_cents, "validity_year": redemption.validity_year,
            "activity": redemption.activity_id, "redeemed_at": redemption.redeemed_at.isoformat(),
            "cancelled": redemption.cancelled_at is not None}


def save(data: ActivityInput, good_passes: list[str], by: Mediator,
         activity: Activity | None = None) -> Activity:
    """Write the activity and everything hanging on it in one transaction; raise StaleEdit."""
    now = utcnow()
    day = data.day()
    minutes = data.minutes()
    assert day is not None and minutes is not None, "save() is called on a checked form"
    individual = data.type == "individuel"
    values: dict[str, Any] = dict(
        type=data.type, date=day, duration=minutes, place=data.place,
        place_insee=data.place_insee if data.place in ("domicile", "autre_lieu") else "",
        equipment=json.dumps(data.equipment), themes=json.dumps(data.themes),
        admin_themes=json.dumps(data.admin_themes),
        autonomy=data.autonomy if individual else "", demarche=data.demarche if individual else "",
        redirected=data.redirected and individual,
        redirection=data.redirection if individual and data.redirected else "",
        notes=data.notes, genre=data.genre, tranche_age=data.tranche_age, statut=data.statut,
        commune_insee=data.commune_insee, qpv=data.qpv if individual else "inconnu",
        social_housing=data.social_housing if individual else "inconnu",
        bailleur=data.bailleur if individual and data.social_housing == "oui" else "",
        title="" if individual else data.title, level="" if individual else data.level,
        participants="{}" if individual else json.dumps(
            {name: int(raw) for name, raw in data.participants.items()}, sort_keys=True),
        prescriber=data.prescriber, prescriber_name=data.prescriber_name, funding=data.funding,
        flows=json.dumps(data.flows), updated_at=now,
    )
    with write():
        beneficiary = _beneficiary(data, day, now) if individual and data.followed == "oui" else None
        values["beneficiary"] = beneficiary.id if beneficiary else None
        values["parcours"] = _parcours(data, beneficiary, day) if beneficiary else None
        if activity is None:
            activity = Activity.create(mediator=by.id, version=1, created_at=now, **values)
            action, fields = "activity.create", []
        else:
            before = Activity.get_by_id(activity.id)
            fields = sorted(name for name, value in values.items() if name != "updated_at"
                            and _stored(getattr(before, f"{name}_id" if name in ("beneficiary", "parcours")
                                                else name)) != _stored(value))
            changed = (Activity.update(version=Activity.version + 1, **values)
                       .where((Activity.id == activity.id) & (Activity.version == data.version)
                              & Activity.deleted_at.is_null())
                       .execute())
            if not changed:
                raise StaleEdit(activity.id)
            action = "activity.update"
        activity = Activity.get_by_id(activity.id)
        numbers = good_passes if data.funding == "pass_numerique" else []
        added, removed = _sync_redemptions(activity, numbers, data, now)
        JournalEntry.write(by.login, action, activity.id, version=activity.version,
                           passes_added=added, passes_removed=removed,
                           **({"fields": fields} if action == "activity.update" else {}))
        OutboxItem.put("activity", activity.id, activity.version, payload(activity))
    return activity


def _stored(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _beneficiary(data: ActivityInput, day: dt.date, now: dt.datetime) -> Beneficiary:
    profile = dict(genre=data.genre, tranche_age=data.tranche_age, statut=data.statut,
                   commune_insee=data.commune_insee, social_housing=data.social_housing,
                   bailleur=data.bailleur if data.social_housing == "oui" else "", qpv=data.qpv)
    existing = Beneficiary.get_or_none(Beneficiary.pseudonym == data.pseudonym) if data.pseudonym else None
    if existing is None:
        return Beneficiary.create(pseudonym=data.pseudonym or new_pseudonym(), created_at=now,
                                  last_activity_on=day, **profile)
    last = max(existing.last_activity_on or day, day)
    Beneficiary.update(last_activity_on=last, **profile).where(Beneficiary.id == existing.id).execute()
    return Beneficiary.get_by_id(existing.id)


def _parcours(data: ActivityInput, beneficiary: Beneficiary, day: dt.date) -> str | None:
    if data.funding != "parcours":
        return None
    path = (Parcours.select().where((Parcours.beneficiary == beneficiary.id) & Parcours.closed_on.is_null())
            .order_by(Parcours.opened_on.desc()).first())
    if path is None:
        path = Parcours.create(beneficiary=beneficiary.id, opened_on=day,
                               autonomy_start=data.autonomy or "entierement_accompagne")
    if data.close_parcours:
        Parcours.update(closed_on=day, autonomy_end=data.autonomy or path.autonomy_start).where(
            Parcours.id == path.id).execute()
    return path.id


def _sync_redemptions(activity: Activity, numbers: list[str], data: ActivityInput,
                      now: dt.datetime) -> tuple[list[str], list[str]]:
    live = {r.number: r for r in Redemption.select().where(
        (Redemption.activity == activity.id) & Redemption.cancelled_at.is_null())}
    removed = [number for number in live if number not in numbers]
    added = [number for number in numbers if number not in live]
    for number in removed:
        redemption = live[number]
        Redemption.update(cancelled_at=now).where(Redemption.id == redemption.id).execute()
        redemption.cancelled_at = now
        OutboxItem.put("redemption", redemption.id, 2, redemption_payload(redemption))
    year, cents = _int(data.pass_year), _cents(data.pass_value)
    for number in added:
        redemption = Redemption.create(number=number, book=data.pass_book, value_cents=cents or 1000,
                                       validity_year=year, activity=activity.id, redeemed_at=now)
        OutboxItem.put("redemption", redemption.id, 1, redemption_payload(redemption))
    return added, removed


def delete(activity: Activity, by: Mediator) -> None:
    """Delete an activity softly: it leaves lists and statistics, its passes are freed, all journaled."""
    now = utcnow()
    with write():
        changed = Activity.update(deleted_at=now, version=Activity.version + 1, updated_at=now).where(
            (Activity.id == activity.id) & Activity.deleted_at.is_null()).execute()
        if not changed:
            return
        activity = Activity.get_by_id(activity.id)
        freed: list[str] = []
        for redemption in activity.redemptions.where(Redemption.cancelled_at.is_null()):
            Redemption.update(cancelled_at=now).where(Redemption.id == redemption.id).execute()
            redemption.cancelled_at = now
            freed.append(redemption.number)
            OutboxItem.put("redemption", redemption.id, 2, redemption_payload(redemption))
        JournalEntry.write(by.login, "activity.delete", activity.id, passes_freed=freed)
        OutboxItem.put("activity", activity.id, activity.version, payload(activity))


def as_dict(data: ActivityInput) -> dict[str, Any]:
    """Return the form's values for a template."""
    return asdict(data)

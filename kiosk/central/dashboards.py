"""The Métropole's pages on central, `/<lang>/central/…`: the territory's dashboard, its figures
as CSV, the open-data directory of sites, and the pass ledger's monthly statement.

Every page needs a logged-in account with the role `central_admin` (anyone else: 403).

Figures are computed in Python over the activities of the period: `CentralActivity.date` is a
'YYYY-MM-DD' text column, so the period is a plain indexed range, and each payload (the JSON
the site sent, see kiosk/mediation/activities.py::payload) is read once. Fine for a trial: a
year of a few dozen sites is some 100,000 rows. At the Métropole's scale the next step is to
let PostgreSQL count with its JSON operators (`payload::jsonb ->> 'type'`,
`jsonb_array_elements_text(payload::jsonb -> 'themes')`, GROUP BY, an expression index on
`payload::jsonb ->> 'parcours'`), or to keep per-day aggregates up to date at ingest.

What each figure means, exactly:
- activities: the activities dated within the period, not deleted (neither the `deleted`
  column nor the payload's `deleted: true`).
- beneficiaries: a followed beneficiary once per site and pseudonymous id (its profile is the
  one of its latest activity in the period), each anonymous individual activity one, each
  workshop its `participants.total`. So the sites' beneficiaries add up to the total.
- hours: the activities' durations, once per activity (a workshop is not multiplied by its
  participants).
- cheques: the ledger's entries received by central within the period (central's clock, UTC,
  the same rule as the monthly statement): accepted and not cancelled, with their value; in
  conflict and not cancelled, and how many of those are not resolved yet.
- breakdowns: activities by month, by site, by theme, by administrative theme and by
  prescriber (an activity counts once under each theme it lists); beneficiaries of individual
  activities by commune of residence (workshop participants have no commune).
- parcours: see `parcours_figures`.
- priority publics: beneficiaries counted as above whose status is "Out of work" (job seekers)
  or whose age band is 12 - 17 or 18 - 24 (young people), workshop counters included; QPV
  residents and social-housing tenants only from payloads that carry `qpv` / `social_housing`
  (and `bailleur`): sites do not send them yet, so the page says "not reported yet".
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from peewee import JOIN, fn
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response as BaseResponse

from kiosk import sites
from kiosk.central.models import CentralActivity, CentralSite, LedgerEntry, PassBook
from kiosk.db import utcnow, write
from kiosk.i18n import STAFF_LANGUAGES
from kiosk.i18n import gettext as _
from kiosk.i18n import lazy_gettext as _l
from kiosk.mediation import accounts, exports, vocab
from kiosk.mediation.models import JournalEntry, today
from kiosk.render import render

bp = Blueprint("central", __name__, url_prefix="/<lang:lang>/central")

F = TypeVar("F", bound=Callable[..., Any])

ROLE = "central_admin"
# Dates outside these are refused (and the default taken): no arithmetic overflow, no silly ranges.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
# A parcours whose last activity is this old, with none since, is taken as completed (the sites
# do not send the closing of a parcours yet: see parcours_figures).
PARCOURS_QUIET_DAYS = 90
YOUNG_AGE_BANDS = ("12_17", "18_24")
JOB_SEEKER_STATUS = "sans_emploi"
MAX_CONFLICTS_SHOWN = 500
NOTE_MAX = 500

# The sections of activities.csv, in order (also the values of `?breakdown=`).
CSV_SECTIONS = ("totaux", "mois", "commune", "site", "site_beneficiaires", "site_heures", "thematique",
                "thematique_administrative", "prescripteur", "parcours", "publics_prioritaires", "bailleur")
CSV_COLUMNS = ("rubrique", "code", "libelle", "valeur", "part_pct")
# The national schema of médiation sites (reference/cra.md): the required fields, then the
# optional ones central knows.
SITE_COLUMNS = ("id", "nom", "pivot", "commune", "code_postal", "adresse", "date_maj", "code_insee")
LEDGER_COLUMNS = ("rubrique", "code", "nom", "siret", "cheques", "valeur_euros")

NOT_STATED = _l("Not stated")
TITLES = {
    "month": (_l("Activities by month"), _l("Month")),
    "commune": (_l("Beneficiaries of individual support by commune of residence"), _l("Commune")),
    "site": (_l("Activities by site"), _l("Site")),
    "themes": (_l("Activities by theme"), _l("Theme")),
    "admin-themes": (_l("Activities by administrative theme"), _l("Administrative theme")),
    "prescriber": (_l("Activities by prescriber"), _l("Prescriber")),
}
PRIORITY_LABELS = {
    "job_seekers": _l("Job seekers (status: out of work)"),
    "young": _l("Young people (12 - 17 and 18 - 24)"),
    "qpv": _l("Residents of a priority neighbourhood (QPV)"),
    "social_housing": _l("Social-housing tenants"),
}
PRIORITY_FRENCH = {
    "job_seekers": ("demandeurs_emploi", "Demandeurs d'emploi (statut Sans emploi)"),
    "young": ("jeunes", "Jeunes (12 - 17 ans et 18 - 24 ans)"),
    "qpv": ("qpv", "Habitants d'un quartier prioritaire (QPV)"),
    "social_housing": ("logement_social", "Locataires du logement social"),
}


# Access ----------------------------------------------------------------------------------------

def central_admin_required(view: F) -> F:
    """Let only central admins in: the login page for anyone not logged in, 403 for other roles."""

    @functools.wraps(view)
    @accounts.login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        account = accounts.current_account()
        if account is None or account.role != ROLE:
            raise Forbidden()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@bp.before_request
def staff_only() -> BaseResponse | None:
    """Keep these pages in a staff language (French or English) and out of a kiosk's reach."""
    if g.lang not in STAFF_LANGUAGES:
        rest = request.full_path.split("/", 2)[2].rstrip("?")
        return redirect(f"/{STAFF_LANGUAGES[0]}/{rest}")
    if sites.device_kiosk() is not None:
        raise Forbidden(description="kiosk")
    return None


# Reading what the sites sent -------------------------------------------------------------------

def _text(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    return value if isinstance(value, str) else ""


def _codes(payload: dict[str, Any], name: str) -> list[str]:
    value = payload.get(name)
    return [code for code in value if isinstance(code, str)] if isinstance(value, list) else []


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _counters(payload: dict[str, Any]) -> dict[str, int]:
    value = payload.get("participants")
    return {str(name): _count(n) for name, n in value.items()} if isinstance(value, dict) else {}


def _payload(text: str) -> dict[str, Any] | None:
    """Return a stored payload, or None for anything unreadable or deleted."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("deleted") is True:
        return None
    return data


@dataclass(frozen=True)
class Person:
    """What the figures use of a beneficiary of an individual activity."""

    commune: str
    tranche_age: str
    statut: str
    qpv: str
    social_housing: str
    bailleur: str

    @classmethod
    def of(cls, payload: dict[str, Any]) -> Person:
        """Read the beneficiary's profile as the activity carries it."""
        return cls(_text(payload, "commune_insee"), _text(payload, "tranche_age"),
                   _text(payload, "statut"), _text(payload, "qpv"), _text(payload, "social_housing"),
                   _text(payload, "bailleur").strip())


# The figures -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Breakdown:
    """One chart and its table: (code, count) rows in the order shown, and how to name the codes."""

    key: str
    rows: list[tuple[str, int]]
    words: vocab.Vocabulary | None = None
    names: dict[str, str] = field(default_factory=dict)

    def label(self, code: str) -> str:
        """Return a code's label in the page's language."""
        if not code:
            return str(NOT_STATED)
        if self.words is not None:
            return self.words.label(code)
        return self.names.get(code, code)

    def french(self, code: str) -> str:
        """Return a code's label for the CSV (French, like every export)."""
        if not code:
            return "Non renseigné"
        if self.words is not None:
            return exports.french(self.words, code)
        return self.names.get(code, code)

    def labelled(self) -> list[tuple[str, int]]:
        """Return (label, count) rows for a chart and its table."""
        return [(self.label(code), n) for code, n in self.rows]

    @property
    def title(self) -> str:
        """The breakdown's title in the page's language."""
        return str(TITLES[self.key][0])

    @property
    def heading(self) -> str:
        """The heading of the table's first column."""
        return str(TITLES[self.key][1])


@dataclass(frozen=True)
class SiteFigures:
    """One site's share of the period."""

    code: str
    name: str
    activities: int
    beneficiaries: int
    minutes: int


@dataclass(frozen=True)
class ParcoursFigures:
    """Parcours (Numérique pour tous paths) seen through their activities."""

    opened: int
    completed: int
    gained: int
    rule: str  # how "completed" was told: "closed" (the sites said), "quiet" (guessed), or "both"


@dataclass(frozen=True)
class Priority:
    """A priority public: how many beneficiaries (None: the sites do not report it yet), what share."""

    key: str
    count: int | None
    share: float

    @property
    def label(self) -> str:
        """The public's name in the page's language."""
        return str(PRIORITY_LABELS[self.key])


@dataclass(frozen=True)
class Figures:
    """Everything the dashboard shows for one period."""

    start: dt.date
    end: dt.date
    activities: int
    beneficiaries: int
    minutes: int
    passes: int
    pass_cents: int
    conflicts: int
    conflicts_open: int
    breakdowns: list[Breakdown]
    sites: list[SiteFigures]
    parcours: ParcoursFigures
    priority: list[Priority]
    bailleurs: list[tuple[str, int]] | None  # social-housing tenants by bailleur; None: not reported

    def breakdown(self, key: str) -> Breakdown:
        """Return one breakdown by its key."""
        return next(b for b in self.breakdowns if b.key == key)

    def bailleur_rows(self) -> list[tuple[str, int]]:
        """Return (bailleur, tenants) rows for a chart and its table."""
        return [(name or _("Bailleur not stated"), n) for name, n in self.bailleurs or []]


def _ordered(words: vocab.Vocabulary, counts: Counter[str]) -> list[tuple[str, int]]:
    """Codes in the national order, then any code a site sent that the vocabulary does not know."""
    known = [(code, counts[code]) for code in words.codes() if counts[code]]
    others = sorted((code, n) for code, n in counts.items() if n and code not in words.codes())
    return known + others


def _most(counts: Counter[str], names: dict[str, str]) -> list[tuple[str, int]]:
    """Largest first, then by name; the rows with no code ("not stated") last."""
    return sorted(((code, n) for code, n in counts.items() if n),
                  key=lambda pair: (pair[0] == "", -pair[1], names.get(pair[0], pair[0])))


def figures(start: dt.date, end: dt.date, now: dt.date | None = None) -> Figures:
    """Compute the Métropole's figures for the days from start to end, both included."""
    now = now or today()
    site_rows = {row.id: row for row in CentralSite.select()}
    activities = minutes = 0
    months: Counter[str] = Counter()
    themes: Counter[str] = Counter()
    admin: Counter[str] = Counter()
    prescribers: Counter[str] = Counter()
    site_activities: Counter[str] = Counter()
    site_people: Counter[str] = Counter()
    site_minutes: Counter[str] = Counter()
    ages: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    people: list[Person] = []  # the anonymous individual beneficiaries, then the followed ones
    followed: dict[tuple[str, str], Person] = {}  # (site, pseudonymous id) -> latest profile
    reported: set[str] = set()  # optional fields some site sent: qpv, social_housing
    tracks: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    workshop_people = 0

    query = (CentralActivity.select(CentralActivity.site, CentralActivity.payload)
             .where((CentralActivity.date >= start.isoformat()) & (CentralActivity.date <= end.isoformat())
                    & (CentralActivity.deleted == False))  # noqa: E712
             .order_by(CentralActivity.date, CentralActivity.id).tuples())
    for site_id, text in query.iterator():
        payload = _payload(text)
        if payload is None:
            continue
        activities += 1
        duration = _count(payload.get("duration"))
        minutes += duration
        day = _text(payload, "date")
        months[day[:7]] += 1
        themes.update(_codes(payload, "themes"))
        admin.update(_codes(payload, "admin_themes"))
        prescribers[_text(payload, "prescriber")] += 1
        site_activities[site_id] += 1
        site_minutes[site_id] += duration
        reported.update(name for name in ("qpv", "social_housing") if name in payload)
        if _text(payload, "type") == "collectif":
            counts = _counters(payload)
            workshop_people += counts.get("total", 0)
            site_people[site_id] += counts.get("total", 0)
            for name, number in counts.items():
                group, _sep, code = name.partition(".")
                if group == "tranche_age":
                    ages[code] += number
                elif group == "statut":
                    statuses[code] += number
            continue
        person = Person.of(payload)
        pseudonym = _text(payload, "beneficiary")
        if pseudonym:
            key = (site_id, pseudonym)
            if key not in followed:
                site_people[site_id] += 1
            followed[key] = person  # ordered by date: the latest profile wins
        else:
            people.append(person)
            site_people[site_id] += 1
        parcours = _text(payload, "parcours")
        if parcours:
            tracks[(site_id, parcours)].append(payload)
    people.extend(followed.values())
    communes: Counter[str] = Counter()
    qpv: Counter[str] = Counter()
    bailleurs: Counter[str] = Counter()
    for person in people:
        communes[person.commune] += 1
        ages[person.tranche_age] += 1
        statuses[person.statut] += 1
        qpv[person.qpv] += 1
        if person.social_housing == "oui":
            bailleurs[person.bailleur] += 1
    beneficiaries = len(people) + workshop_people

    passes, cents, conflicts, conflicts_open = _ledger_totals(start, end)
    commune_names = {code: name for code, (_postal, name) in vocab.communes().items()}
    site_codes = {row.id: row.code for row in site_rows.values()}
    site_names = {row.code: row.name for row in site_rows.values()}
    by_site = Counter({site_codes[site_id]: n for site_id, n in site_activities.items()})
    breakdowns = [
        Breakdown("month", sorted(months.items())),
        Breakdown("commune", _most(communes, commune_names), names=commune_names),
        Breakdown("site", _most(by_site, site_names), names=site_names),
        Breakdown("themes", _ordered(vocab.THEMES, themes), words=vocab.THEMES),
        Breakdown("admin-themes", _ordered(vocab.ADMIN_THEMES, admin), words=vocab.ADMIN_THEMES),
        Breakdown("prescriber", _ordered(vocab.PRESCRIBERS, prescribers), words=vocab.PRESCRIBERS),
    ]
    site_figures = [
        SiteFigures(row.code, row.name, site_activities[row.id], site_people[row.id], site_minutes[row.id])
        for row in sorted(site_rows.values(), key=lambda r: (-site_activities[r.id], r.name))
        if site_activities[row.id] or not row.revoked
    ]

    def share(count: int) -> float:
        return round(100 * count / beneficiaries, 1) if beneficiaries else 0.0

    publics: dict[str, int | None] = {
        "job_seekers": statuses[JOB_SEEKER_STATUS],
        "young": sum(ages[band] for band in YOUNG_AGE_BANDS),
        "qpv": qpv["oui"] if "qpv" in reported else None,
        "social_housing": sum(bailleurs.values()) if "social_housing" in reported else None,
    }
    priority = [Priority(key, n, share(n) if n is not None else 0.0) for key, n in publics.items()]
    return Figures(
        start=start, end=end, activities=activities, beneficiaries=beneficiaries, minutes=minutes,
        passes=passes, pass_cents=cents, conflicts=conflicts, conflicts_open=conflicts_open,
        breakdowns=breakdowns, sites=site_figures,
        parcours=parcours_figures(tracks, start, end, now),
        priority=priority,
        bailleurs=_most(bailleurs, {}) if "social_housing" in reported else None,
    )


def _received_between(first: dt.date, last: dt.date) -> Any:
    """The ledger entries central received from the first day to the last, both included (UTC)."""
    return ((LedgerEntry.received_at >= dt.datetime.combine(first, dt.time()))
            & (LedgerEntry.received_at < dt.datetime.combine(last + dt.timedelta(days=1), dt.time())))


def _ledger_totals(start: dt.date, end: dt.date) -> tuple[int, int, int, int]:
    live = _received_between(start, end) & LedgerEntry.cancelled_at.is_null()
    total = fn.COALESCE(fn.SUM(LedgerEntry.value_cents), 0)
    passes, cents = (LedgerEntry.select(fn.COUNT(LedgerEntry.id), total)
                     .where(live & (LedgerEntry.status == "accepted")).tuples().get())
    conflicts = LedgerEntry.select().where(live & (LedgerEntry.status == "conflict"))
    return passes, cents, conflicts.count(), conflicts.where(LedgerEntry.resolved_at.is_null()).count()


def parcours_figures(tracks: dict[tuple[str, str], list[dict[str, Any]]], start: dt.date, end: dt.date,
                     now: dt.date) -> ParcoursFigures:
    """Count the parcours opened and completed in the period, and those completed with autonomy gained.

    Sites send no parcours records, only each activity's `parcours` id and `autonomy`, so a
    parcours is read from all its (non-deleted) activities central holds, in and out of the
    period, in date order:
    - opened in the period: its first activity is dated within the period;
    - completed in the period: its last activity is dated within the period, and either that
      activity says it closed the parcours (`parcours_closed: true`: once a parcours's
      activities carry that field, only that counts), or (no activity of the parcours carries
      it, as today) no activity has followed for PARCOURS_QUIET_DAYS days;
    - autonomy gained: completed, and the autonomy of its last activity (the last one recorded)
      comes later in vocab.AUTONOMY than the autonomy of its first (the first one recorded).
    """
    if tracks:
        _add_outside_activities(tracks, start, end)
    order = {code: rank for rank, code in enumerate(vocab.AUTONOMY.codes())}
    opened = completed = gained = 0
    rules: set[str] = set()
    for payloads in tracks.values():
        payloads.sort(key=lambda p: (_text(p, "date"), _text(p, "created_at"), _text(p, "id")))
        first, last = payloads[0], payloads[-1]
        if start.isoformat() <= _text(first, "date") <= end.isoformat():
            opened += 1
        last_day = _text(last, "date")
        if not start.isoformat() <= last_day <= end.isoformat():
            continue
        if any("parcours_closed" in p for p in payloads):
            rules.add("closed")
            done = last.get("parcours_closed") is True
        else:
            rules.add("quiet")
            try:
                done = (now - dt.date.fromisoformat(last_day)).days >= PARCOURS_QUIET_DAYS
            except ValueError:
                done = False
        if not done:
            continue
        completed += 1
        levels = [order[a] for a in (_text(p, "autonomy") for p in payloads) if a in order]
        if levels and levels[-1] > levels[0]:
            gained += 1
    rule = "both" if len(rules) == 2 else rules.pop() if rules else "quiet"
    return ParcoursFigures(opened, completed, gained, rule)


def _add_outside_activities(tracks: dict[tuple[str, str], list[dict[str, Any]]], start: dt.date,
                            end: dt.date) -> None:
    """Add the activities of these parcours dated outside the period.

    Payloads are stored canonical (kiosk/central/ingest.py: sorted keys, no spaces), so those
    with a parcours contain `"parcours":"`; that narrows the scan, the JSON decides.
    """
    site_ids = sorted({site_id for site_id, _ in tracks})
    query = (CentralActivity.select(CentralActivity.site, CentralActivity.payload)
             .where(((CentralActivity.date < start.isoformat()) | (CentralActivity.date > end.isoformat()))
                    & (CentralActivity.deleted == False)  # noqa: E712
                    & CentralActivity.site.in_(site_ids)
                    & CentralActivity.payload.contains('"parcours":"'))
             .tuples())
    for site_id, text in query.iterator():
        payload = _payload(text)
        if payload is None:
            continue
        key = (site_id, _text(payload, "parcours"))
        if key in tracks:
            tracks[key].append(payload)


# Query parameters ------------------------------------------------------------------------------

def _day(raw: str | None) -> dt.date | None:
    try:
        day = dt.date.fromisoformat((raw or "").strip()[:10])
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def period() -> tuple[dt.date, dt.date]:
    """Return the period the URL asks for: `start` and `end`, by default the current year."""
    this_year = today().year
    start = _day(request.args.get("start")) or dt.date(this_year, 1, 1)
    end = _day(request.args.get("end")) or dt.date(this_year, 12, 31)
    return (end, start) if start > end else (start, end)


def month() -> tuple[dt.date, dt.date]:
    """Return the first and the last day of the month the URL asks for (`YYYY-MM`), by default last month."""
    first = _day(f"{(request.args.get('month') or '').strip()[:7]}-01")
    if first is None:
        first = (today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def _separator() -> str:
    return "," if request.args.get("sep") == "comma" else ";"


# Dashboard -------------------------------------------------------------------------------------

@bp.get("/")
@central_admin_required
def dashboard() -> Response:
    """The Métropole's figures for a period, as SVG charts each with its table."""
    start, end = period()
    return render("central/dashboard.html", figures=figures(start, end), start=start, end=end,
                  quiet_days=PARCOURS_QUIET_DAYS)


def _decimal(value: float, places: int = 1) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def figure_rows(data: Figures) -> Iterator[list[str]]:
    """Yield the dashboard's figures as CSV rows: section, code, French label, value, share (%)."""
    yield from (["totaux", code, label, value, ""] for code, label, value in (
        ("activites", "Activités", str(data.activities)),
        ("beneficiaires", "Bénéficiaires", str(data.beneficiaries)),
        ("heures", "Heures d'accompagnement", _decimal(data.minutes / 60)),
        ("cheques_acceptes", "Chèques acceptés", str(data.passes)),
        ("valeur_cheques_euros", "Valeur des chèques acceptés (€)", _decimal(data.pass_cents / 100, 2)),
        ("cheques_en_conflit", "Chèques en conflit", str(data.conflicts)),
        ("conflits_non_resolus", "Conflits non résolus", str(data.conflicts_open)),
    ))
    for section, key in (("mois", "month"), ("commune", "commune"), ("site", "site"),
                         ("thematique", "themes"), ("thematique_administrative", "admin-themes"),
                         ("prescripteur", "prescriber")):
        b = data.breakdown(key)
        yield from ([section, code, b.french(code), str(n), ""] for code, n in b.rows)
    yield from (["site_beneficiaires", s.code, s.name, str(s.beneficiaries), ""] for s in data.sites)
    yield from (["site_heures", s.code, s.name, _decimal(s.minutes / 60), ""] for s in data.sites)
    p = data.parcours
    yield from (["parcours", code, label, str(value), ""] for code, label, value in (
        ("ouverts", "Parcours ouverts", p.opened),
        ("termines", "Parcours terminés", p.completed),
        ("autonomie_gagnee", "Parcours terminés avec un niveau d'autonomie plus élevé", p.gained),
    ))
    for row in data.priority:
        code, label = PRIORITY_FRENCH[row.key]
        if row.count is None:
            yield ["publics_prioritaires", code, f"{label} (pas encore transmis par les sites)", "", ""]
        else:
            yield ["publics_prioritaires", code, label, str(row.count), _decimal(row.share)]
    for name, n in data.bailleurs or []:
        yield ["bailleur", name, name or "Bailleur non renseigné", str(n), ""]


@bp.get("/activities.csv")
@central_admin_required
def activities_csv() -> Response:
    """The dashboard's figures as one CSV, one row per figure (`?breakdown=<section>`: one section).

    Columns: rubrique (the section), code (stable), libelle (French), valeur, part_pct (the
    priority publics' share of the beneficiaries). UTF-8 with BOM, `;` (or `?sep=comma`), like
    every export of the médiateurs; an unknown section gives the whole file.
    """
    start, end = period()
    section = request.args.get("breakdown", "")
    rows: Iterable[list[str]] = figure_rows(figures(start, end))
    if section in CSV_SECTIONS:
        rows = (row for row in rows if row[0] == section)
    suffix = f"-{section}" if section in CSV_SECTIONS else ""
    response = exports.csv_response(rows, CSV_COLUMNS, _separator(),
                                    f"metropole-activites-{start.isoformat()}-{end.isoformat()}{suffix}.csv")
    response.headers["Cache-Control"] = "no-store"
    return response


# Sites directory -------------------------------------------------------------------------------

def site_rows() -> Iterator[list[str]]:
    """Yield the sites (not revoked) in the national schema's columns, SITE_COLUMNS."""
    communes = vocab.communes()
    for s in CentralSite.select().where(CentralSite.revoked == False).order_by(CentralSite.name):  # noqa: E712
        postal = s.postal_code or communes.get(s.insee, ("", ""))[0]
        yield [s.id, s.name, s.siret, s.commune, postal, s.address, s.updated_at.date().isoformat(), s.insee]


@bp.get("/sites.csv")
@central_admin_required
def sites_csv() -> Response:
    """The directory of médiation sites in the national open-data schema: comma, UTF-8 without BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=",", lineterminator="\r\n")
    writer.writerow(SITE_COLUMNS)
    writer.writerows(site_rows())
    response = Response(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="lieux-mediation-numerique.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# Pass ledger -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StatementLine:
    """What to pay one site, or what one funder owes: cheques accepted and their value."""

    code: str
    name: str
    siret: str
    cheques: int
    cents: int


def statement(first: dt.date, last: dt.date) -> tuple[list[StatementLine], list[StatementLine]]:
    """Return the month's statement by site and by funder: the accepted, not cancelled cheques
    central received from the first day to the last (UTC), their count and value."""
    payable = (_received_between(first, last) & (LedgerEntry.status == "accepted")
               & LedgerEntry.cancelled_at.is_null())
    count, total = fn.COUNT(LedgerEntry.id), fn.COALESCE(fn.SUM(LedgerEntry.value_cents), 0)
    by_site = [StatementLine(code, name, siret, n, cents) for code, name, siret, n, cents in (
        LedgerEntry.select(CentralSite.code, CentralSite.name, CentralSite.siret, count, total)
        .join(CentralSite).where(payable)
        .group_by(CentralSite.code, CentralSite.name, CentralSite.siret)
        .order_by(CentralSite.name).tuples())]
    funders: dict[str, list[int]] = {}
    for funder, n, cents in (LedgerEntry.select(PassBook.funder, count, total)
                             .join(PassBook, JOIN.LEFT_OUTER, on=(LedgerEntry.book == PassBook.code))
                             .where(payable).group_by(PassBook.funder).tuples()):
        line = funders.setdefault((funder or "").strip(), [0, 0])
        line[0] += n
        line[1] += cents
    by_funder = [StatementLine(name, name, "", n, cents) for name, (n, cents) in
                 sorted(funders.items(), key=lambda pair: (pair[0] == "", pair[0]))]
    return by_site, by_funder


def open_conflicts() -> list[LedgerEntry]:
    """Return the conflicts nobody has resolved yet (and no site cancelled), oldest first."""
    return list(LedgerEntry.select(LedgerEntry, CentralSite).join(CentralSite)
                .where((LedgerEntry.status == "conflict") & LedgerEntry.resolved_at.is_null()
                       & LedgerEntry.cancelled_at.is_null())
                .order_by(LedgerEntry.received_at, LedgerEntry.id).limit(MAX_CONFLICTS_SHOWN))


def conflict_reason(detail: str) -> str:
    """Say in the page's language why the ledger refused a cheque (ingest.py's `detail`)."""
    kind, _sep, rest = detail.partition("|")
    if kind == "already_redeemed":
        where, _sep, when = rest.partition("|")
        try:
            day = dt.date.fromisoformat(when[:10]).strftime("%d/%m/%Y")
        except ValueError:
            day = when
        return _("Already recorded on %(day)s at %(place)s.", day=day, place=where)
    if kind == "unknown":
        return _("This number is in no book issued by the Métropole.")
    if kind == "expired":
        return _("This cheque's validity year does not cover the date of the activity.")
    return detail


def _euros(cents: int) -> str:
    return _decimal(cents / 100, 2)


@bp.get("/ledger")
@central_admin_required
def ledger() -> BaseResponse:
    """The pass ledger's monthly statement, per site and per funder, and the conflicts to resolve."""
    first, last = month()
    by_site, by_funder = statement(first, last)
    if request.args.get("format") == "csv":
        rows = [["site", s.code, s.name, s.siret, str(s.cheques), _euros(s.cents)] for s in by_site]
        rows += [["commanditaire", f.code, f.name or "Non renseigné", "", str(f.cheques), _euros(f.cents)]
                 for f in by_funder]
        response = exports.csv_response(rows, LEDGER_COLUMNS, _separator(),
                                        f"releve-pass-metropole-{first:%Y-%m}.csv")
        response.headers["Cache-Control"] = "no-store"
        return response
    return render("central/ledger.html", first=first, by_site=by_site, by_funder=by_funder,
                  cheques=sum(s.cheques for s in by_site), cents=sum(s.cents for s in by_site),
                  conflicts=open_conflicts(), conflict_reason=conflict_reason, max_shown=MAX_CONFLICTS_SHOWN,
                  month=first.strftime("%Y-%m"),
                  previous=(first - dt.timedelta(days=1)).strftime("%Y-%m"),
                  following=(last + dt.timedelta(days=1)).strftime("%Y-%m"))


@bp.post("/ledger/<entry_id>/resolve")
@central_admin_required
def ledger_resolve(entry_id: str) -> BaseResponse:
    """Mark a conflict as resolved, by whom and when; the note goes to the journal.

    Resolving does not make the cheque payable: the entry stays a conflict, out of the statement.
    """
    entry = LedgerEntry.get_or_none(LedgerEntry.id == entry_id) if len(entry_id) <= 36 else None
    if entry is None or entry.status != "conflict":
        abort(404)
    note = (request.form.get("note") or "").strip()[:NOTE_MAX]
    login = accounts.current_account().login  # type: ignore[union-attr]
    with write():
        changed = LedgerEntry.update(resolved_at=utcnow(), resolved_by=login).where(
            (LedgerEntry.id == entry.id) & LedgerEntry.resolved_at.is_null()).execute()
        if changed:
            JournalEntry.write(login, "ledger.conflict_resolved", entry.id, number=entry.number, note=note)
    if changed:
        flash(_("Conflict on cheque %(number)s marked as resolved.", number=entry.number), "success")
    else:
        flash(_("This conflict was already resolved."), "error")
    back = _day(f"{(request.form.get('month') or '')[:7]}-01")
    return redirect(url_for("central.ledger", month=back.strftime("%Y-%m") if back else None), 303)


# The site registry's pages live on this blueprint too (imported last: they use it).
from kiosk.central import sites_pages  # noqa: E402, F401

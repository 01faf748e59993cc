"""Statistics of a period: counts by the national vocabularies, computed in SQL where it counts.

Activities, beneficiaries (a followed beneficiary once, each anonymous individual activity one,
each workshop's participants), hours; by type, theme, duration bracket, age band, status,
commune; passes recorded and their value.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from peewee import fn

from kiosk.mediation import vocab
from kiosk.mediation.models import Activity, Redemption


@dataclass(frozen=True)
class Breakdown:
    """One chart and its table: (label, count) rows under a title."""

    key: str
    title: str
    rows: list[tuple[str, int]]


@dataclass(frozen=True)
class Figures:
    """The statistics of one period."""

    activities: int
    beneficiaries: int
    minutes: int
    passes: int
    pass_cents: int
    by_month: list[tuple[str, int]]
    breakdowns: list[Breakdown]


def redemptions_between(first: dt.date, following: dt.date) -> list[Redemption]:
    """Return the live cheques recorded from `first` up to (not including) `following`."""
    start = dt.datetime.combine(first, dt.time())
    end = dt.datetime.combine(following, dt.time())
    return list(Redemption.select(Redemption, Activity).join(Activity)
                .where((Redemption.redeemed_at >= start) & (Redemption.redeemed_at < end)
                       & Redemption.cancelled_at.is_null())
                .order_by(Redemption.redeemed_at))


def _ordered(words: vocab.Vocabulary, counts: Counter[str]) -> list[tuple[str, int]]:
    return [(str(label), counts[code]) for code, label in words if counts[code]]


def figures(start: dt.date, end: dt.date) -> Figures:
    """Compute the statistics of the days from start to end, both included."""
    live = Activity.select().where((Activity.date >= start) & (Activity.date <= end)
                                   & Activity.deleted_at.is_null())
    types: Counter[str] = Counter()
    themes: Counter[str] = Counter()
    admin: Counter[str] = Counter()
    brackets: Counter[str] = Counter()
    ages: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    communes: Counter[str] = Counter()
    months: Counter[str] = Counter()
    followed: set[str] = set()
    people = minutes = count = 0
    for a in live.iterator():
        count += 1
        minutes += a.duration
        types[a.type] += 1
        months[a.date.strftime("%Y-%m")] += 1
        themes.update(a.listed("themes"))
        admin.update(a.listed("admin_themes"))
        for code, _, low, high in vocab.DURATION_BRACKETS:
            if low <= a.duration < high:
                brackets[code] += 1
        if a.type == "collectif":
            counts = a.participant_counts()
            people += counts.get("total", 0)
            for name, number in counts.items():
                group, _, code = name.partition(".")
                if group == "tranche_age":
                    ages[code] += number
                elif group == "statut":
                    statuses[code] += number
            continue
        if a.beneficiary_id:
            if a.beneficiary_id in followed:
                continue
            followed.add(a.beneficiary_id)
        people += 1
        ages[a.tranche_age] += 1
        statuses[a.statut] += 1
        if a.commune_insee:
            communes[a.commune_insee] += 1
    names = vocab.communes()
    bracket_labels = [(str(label), brackets[code]) for code, label, _, _ in vocab.DURATION_BRACKETS]
    top_communes = [(names.get(code, ("", code))[1], n) for code, n in communes.most_common(15)]
    passes = (Redemption.select(fn.COUNT(Redemption.id), fn.COALESCE(fn.SUM(Redemption.value_cents), 0))
              .join(Activity)
              .where((Activity.date >= start) & (Activity.date <= end) & Redemption.cancelled_at.is_null()
                     & Activity.deleted_at.is_null())
              .tuples().get())
    from kiosk.i18n import gettext as _

    return Figures(
        activities=count, beneficiaries=people, minutes=minutes, passes=passes[0], pass_cents=passes[1],
        by_month=sorted(months.items()),
        breakdowns=[
            Breakdown("type", _("By type"), _ordered(vocab.ACTIVITY_TYPES, types)),
            Breakdown("themes", _("By theme"), _ordered(vocab.THEMES, themes)),
            Breakdown("admin-themes", _("By administrative theme"), _ordered(vocab.ADMIN_THEMES, admin)),
            Breakdown("duration", _("By duration"), bracket_labels),
            Breakdown("age", _("By age band"), _ordered(vocab.AGE_BANDS, ages)),
            Breakdown("status", _("By status"), _ordered(vocab.STATUSES, statuses)),
            Breakdown("commune", _("By commune (the 15 most frequent)"), top_communes),
        ],
    )

"""The médiateur space's records: accounts, activities, beneficiaries, passes, kiosks, journal.

Every change to an activity or a redemption writes, in the same transaction, a JournalEntry
(who, when, what) and an OutboxItem (what central must receive), so nothing acknowledged to a
médiateur can exist without its trace and its place in the sync queue.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from kiosk.db import BaseModel, utcnow

ROLES = ("mediator", "site_admin", "central_admin")


def new_id() -> str:
    """Return a new UUID for a record that leaves the site."""
    return str(uuid.uuid4())


class Mediator(BaseModel):
    """A staff account: a médiateur, a site admin, or (on central) a central admin."""

    login = CharField(unique=True, max_length=80)
    name = CharField(max_length=120)
    password_hash = CharField(max_length=200)
    role = CharField(max_length=20, default="mediator")
    active = BooleanField(default=True)
    # Raised by "log out everywhere" and by a password change: older sessions stop working.
    session_epoch = IntegerField(default=0)
    created_at = DateTimeField()

    @property
    def is_admin(self) -> bool:
        """Tell whether this account manages the site's accounts and kiosks."""
        return self.role in ("site_admin", "central_admin")


class LoginAttempt(BaseModel):
    """One try at logging in, kept a day to rate-limit by account and by address."""

    login = CharField(max_length=80, index=True)
    address = CharField(max_length=64, index=True)
    succeeded = BooleanField()
    at = DateTimeField(index=True)


class Beneficiary(BaseModel):
    """A followed beneficiary: a pseudonymous id and only the national fields."""

    id = CharField(primary_key=True, max_length=36, default=new_id)
    pseudonym = CharField(unique=True, max_length=20)
    genre = CharField(max_length=20, default="non_communique")
    tranche_age = CharField(max_length=20, default="non_communique")
    statut = CharField(max_length=20, default="non_communique")
    commune_insee = CharField(max_length=5, default="")
    social_housing = CharField(max_length=8, default="inconnu")
    bailleur = CharField(max_length=120, default="")
    qpv = CharField(max_length=8, default="inconnu")
    created_at = DateTimeField()
    last_activity_on = DateField(null=True, index=True)


class Parcours(BaseModel):
    """A Numérique pour tous path: a followed beneficiary's sessions, autonomy at start and end."""

    id = CharField(primary_key=True, max_length=36, default=new_id)
    beneficiary = ForeignKeyField(Beneficiary, on_delete="CASCADE", backref="parcours")
    opened_on = DateField()
    closed_on = DateField(null=True)
    autonomy_start = CharField(max_length=30)
    autonomy_end = CharField(max_length=30, default="")


class Activity(BaseModel):
    """One accompaniment (compte-rendu d'activité), in the national fields."""

    id = CharField(primary_key=True, max_length=36, default=new_id)
    mediator = ForeignKeyField(Mediator, on_delete="RESTRICT")
    type = CharField(max_length=20)
    date = DateField(index=True)
    duration = IntegerField()
    place = CharField(max_length=20)
    place_insee = CharField(max_length=5, default="")
    equipment = TextField(default="[]")
    themes = TextField(default="[]")
    admin_themes = TextField(default="[]")
    autonomy = CharField(max_length=30, default="")
    demarche = CharField(max_length=200, default="")
    redirected = BooleanField(default=False)
    redirection = CharField(max_length=30, default="")
    notes = TextField(default="")
    # The beneficiary: anonymous fields here, or a followed beneficiary.
    beneficiary = ForeignKeyField(Beneficiary, null=True, on_delete="SET NULL")
    genre = CharField(max_length=20, default="non_communique")
    tranche_age = CharField(max_length=20, default="non_communique")
    statut = CharField(max_length=20, default="non_communique")
    commune_insee = CharField(max_length=5, default="")
    qpv = CharField(max_length=8, default="inconnu")
    social_housing = CharField(max_length=8, default="inconnu")
    bailleur = CharField(max_length=120, default="")  # only when the person agrees
    # Collective workshops.
    title = CharField(max_length=200, default="")
    level = CharField(max_length=20, default="")
    participants = TextField(default="{}")
    # Orientation and funding.
    prescriber = CharField(max_length=30, default="aucun")
    prescriber_name = CharField(max_length=200, default="")
    funding = CharField(max_length=20, default="aucun")
    parcours = ForeignKeyField(Parcours, null=True, on_delete="SET NULL")
    flows = TextField(default="[]")  # flow@version prepared at a kiosk, when prefilled
    version = IntegerField(default=1)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    deleted_at = DateTimeField(null=True, index=True)

    def listed(self, name: str) -> list[str]:
        """Return a list field (equipment, themes, admin_themes, flows)."""
        return list(json.loads(getattr(self, name)))

    def participant_counts(self) -> dict[str, int]:
        """Return a workshop's anonymous counters."""
        return dict(json.loads(self.participants))


class Redemption(BaseModel):
    """One pass numérique cheque recorded for one activity."""

    id = CharField(primary_key=True, max_length=36, default=new_id)
    number = CharField(max_length=20, index=True)
    book = CharField(max_length=30, default="")
    value_cents = IntegerField(default=1000)
    validity_year = IntegerField()
    activity = ForeignKeyField(Activity, on_delete="RESTRICT", backref="redemptions")
    redeemed_at = DateTimeField()
    cancelled_at = DateTimeField(null=True)
    # pending until central confirms; conflict when central says it was redeemed elsewhere.
    status = CharField(max_length=12, default="pending")
    conflict = TextField(default="")
    resolved_at = DateTimeField(null=True)


class JournalEntry(BaseModel):
    """Who changed what, when: one line per change to an activity, a pass, an account, a purge."""

    at = DateTimeField(index=True)
    mediator = CharField(max_length=80)  # the login, kept even if the account goes
    action = CharField(max_length=40)
    target = CharField(max_length=80, default="")
    detail = TextField(default="{}")

    @classmethod
    def write(cls, who: str, action: str, target: str = "", **detail: Any) -> JournalEntry:
        """Journal one change (call inside the change's transaction)."""
        return cls.create(at=utcnow(), mediator=who, action=action, target=target,
                          detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True))


class OutboxItem(BaseModel):
    """One record to send to central, written in the same transaction as the record."""

    kind = CharField(max_length=20)  # activity | redemption
    record_id = CharField(max_length=36, index=True)
    version = IntegerField(default=1)
    payload = TextField()
    created_at = DateTimeField()
    # pending, then in_flight (in a batch, same key on every retry), then acked, or rejected /
    # conflict (central refused it: shown to médiateurs, never retried).
    state = CharField(max_length=12, default="pending", index=True)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(null=True)
    acked_at = DateTimeField(null=True)
    batch = CharField(max_length=36, null=True, index=True)  # the batch it is in flight in

    @classmethod
    def put(cls, kind: str, record_id: str, version: int, payload: dict[str, Any]) -> OutboxItem:
        """Queue a record for central (call inside the record's transaction)."""
        return cls.create(kind=kind, record_id=record_id, version=version,
                          payload=json.dumps(payload, ensure_ascii=False, default=str, sort_keys=True),
                          created_at=utcnow())


def today() -> dt.date:
    """Return today's date on the site (local time: médiateurs think in local days)."""
    return dt.date.today()

"""What central keeps: the registered sites, the batches received, every site's records and
their history, the issued pass books and the pass ledger."""
from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from kiosk.db import BaseModel


class CentralSite(BaseModel):
    """A médiation site known to central, with the generation of its signing key."""

    id = CharField(primary_key=True, max_length=36)
    code = CharField(unique=True, max_length=40)
    name = CharField(max_length=200)
    commune = CharField(max_length=120)
    insee = CharField(max_length=5)
    siret = CharField(max_length=14, default="")
    address = CharField(max_length=200, default="")
    postal_code = CharField(max_length=5, default="")
    key_generation = IntegerField(default=1)
    revoked = BooleanField(default=False)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    last_sync_at = DateTimeField(null=True)


class ReceivedBatch(BaseModel):
    """A batch already answered, by its idempotency key: a replay gets the same answer."""

    site = ForeignKeyField(CentralSite, on_delete="CASCADE")
    key = CharField(max_length=64)
    body_sha256 = CharField(max_length=64)
    response = TextField()
    received_at = DateTimeField(index=True)

    class Meta:
        indexes = ((("site", "key"), True),)


class CentralActivity(BaseModel):
    """The latest version of a site's activity report (a deletion is a tombstone)."""

    id = CharField(primary_key=True, max_length=36)
    site = ForeignKeyField(CentralSite, on_delete="RESTRICT")
    version = IntegerField()
    payload = TextField()
    deleted = BooleanField(default=False)
    date = CharField(max_length=10, index=True)
    received_at = DateTimeField()


class CentralActivityVersion(BaseModel):
    """Every version of every activity received, in the order central received them."""

    activity = CharField(max_length=36)
    version = IntegerField()
    site = ForeignKeyField(CentralSite, on_delete="RESTRICT")
    payload = TextField()
    received_at = DateTimeField()

    class Meta:
        indexes = ((("activity", "version"), True),)


class PassBook(BaseModel):
    """A book (carnet) of issued cheques: a range of numbers, who bought it, who handed it out."""

    code = CharField(unique=True, max_length=40)
    first = CharField(max_length=20, index=True)  # zero-padded to 20 digits: text order = number order
    last = CharField(max_length=20)
    funder = CharField(max_length=200, default="")
    prescriber = CharField(max_length=200, default="")
    value_cents = IntegerField(default=1000)
    validity_year = IntegerField()
    imported_at = DateTimeField()


class LedgerEntry(BaseModel):
    """One cheque redemption received from a site: accepted, or a conflict to resolve."""

    id = CharField(primary_key=True, max_length=36)  # the site's redemption id
    number = CharField(max_length=20, index=True)
    site = ForeignKeyField(CentralSite, on_delete="RESTRICT")
    activity = CharField(max_length=36)
    book = CharField(max_length=40, default="")
    value_cents = IntegerField()
    validity_year = IntegerField()
    redeemed_at = CharField(max_length=32)  # the site's time, as it said it
    received_at = DateTimeField(index=True)
    status = CharField(max_length=12)  # accepted | conflict
    detail = TextField(default="")
    cancelled_at = DateTimeField(null=True)
    resolved_at = DateTimeField(null=True)
    resolved_by = CharField(max_length=80, default="")


class ContentPack(BaseModel):
    """A published content pack: flows and their translations, versioned and hashed."""

    version = IntegerField(unique=True)
    sha256 = CharField(max_length=64)
    body = TextField()
    created_at = DateTimeField()

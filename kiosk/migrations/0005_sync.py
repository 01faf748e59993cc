"""Sync: the site's sync state and outbox batches; central's sites, batches, records and ledger."""
from peewee import (
    SQL,
    BooleanField,
    CharField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)
from playhouse.migrate import migrate as apply


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class SyncState(Base):
        last_attempt_at = DateTimeField(null=True)
        last_success_at = DateTimeField(null=True)
        last_error = TextField(default="")
        failures = IntegerField(default=0)
        next_attempt_at = DateTimeField(null=True)
        clock_offset = FloatField(default=0.0)
        batch_size = IntegerField(default=500)
        pack_etag = CharField(max_length=80, default="")

    class CentralSite(Base):
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

    class ReceivedBatch(Base):
        site = ForeignKeyField(CentralSite, on_delete="CASCADE")
        key = CharField(max_length=64)
        body_sha256 = CharField(max_length=64)
        response = TextField()
        received_at = DateTimeField(index=True)

        class Meta:
            indexes = ((("site", "key"), True),)

    class CentralActivity(Base):
        id = CharField(primary_key=True, max_length=36)
        site = ForeignKeyField(CentralSite, on_delete="RESTRICT")
        version = IntegerField()
        payload = TextField()
        deleted = BooleanField(default=False)
        date = CharField(max_length=10, index=True)
        received_at = DateTimeField()

    class CentralActivityVersion(Base):
        activity = CharField(max_length=36)
        version = IntegerField()
        site = ForeignKeyField(CentralSite, on_delete="RESTRICT")
        payload = TextField()
        received_at = DateTimeField()

        class Meta:
            indexes = ((("activity", "version"), True),)

    class PassBook(Base):
        code = CharField(unique=True, max_length=40)
        first = CharField(max_length=20, index=True)
        last = CharField(max_length=20)
        funder = CharField(max_length=200, default="")
        prescriber = CharField(max_length=200, default="")
        value_cents = IntegerField(default=1000)
        validity_year = IntegerField()
        imported_at = DateTimeField()

    class LedgerEntry(Base):
        id = CharField(primary_key=True, max_length=36)
        number = CharField(max_length=20, index=True)
        site = ForeignKeyField(CentralSite, on_delete="RESTRICT")
        activity = CharField(max_length=36)
        book = CharField(max_length=40, default="")
        value_cents = IntegerField()
        validity_year = IntegerField()
        redeemed_at = CharField(max_length=32)
        received_at = DateTimeField(index=True)
        status = CharField(max_length=12)
        detail = TextField(default="")
        cancelled_at = DateTimeField(null=True)
        resolved_at = DateTimeField(null=True)
        resolved_by = CharField(max_length=80, default="")

    db.create_tables([SyncState, CentralSite, ReceivedBatch, CentralActivity, CentralActivityVersion,
                      PassBook, LedgerEntry])
    apply(
        migrator.add_column("outbox_item", "batch", CharField(max_length=36, null=True)),
        migrator.add_index("outbox_item", ("batch",)),
        # One accepted, live redemption per cheque in the whole territory, whatever the race.
        migrator.add_index("ledger_entry", ("number",), unique=True, name="ledger_entry_live_number",
                           where=SQL("status = 'accepted' AND cancelled_at IS NULL")),
    )

"""The médiateur space: accounts, kiosks, activities, beneficiaries, passes, journal, outbox."""
from peewee import (
    SQL,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
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

    class Mediator(Base):
        login = CharField(unique=True, max_length=80)
        name = CharField(max_length=120)
        password_hash = CharField(max_length=200)
        role = CharField(max_length=20, default="mediator")
        active = BooleanField(default=True)
        session_epoch = IntegerField(default=0)
        created_at = DateTimeField()

    class LoginAttempt(Base):
        login = CharField(max_length=80, index=True)
        address = CharField(max_length=64, index=True)
        succeeded = BooleanField()
        at = DateTimeField(index=True)

    class Kiosk(Base):
        label = CharField(unique=True, max_length=80)
        token_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField()
        last_seen = DateTimeField(null=True)
        retired = BooleanField(default=False)

    class VisitSummary(Base):
        kiosk = ForeignKeyField(Kiosk, null=True, on_delete="SET NULL")
        language = CharField(max_length=8)
        flows = TextField(default="[]")
        started_at = DateTimeField()
        ended_at = DateTimeField(index=True)

    class Beneficiary(Base):
        id = CharField(primary_key=True, max_length=36)
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

    class Parcours(Base):
        id = CharField(primary_key=True, max_length=36)
        beneficiary = ForeignKeyField(Beneficiary, on_delete="CASCADE")
        opened_on = DateField()
        closed_on = DateField(null=True)
        autonomy_start = CharField(max_length=30)
        autonomy_end = CharField(max_length=30, default="")

    class Activity(Base):
        id = CharField(primary_key=True, max_length=36)
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
        beneficiary = ForeignKeyField(Beneficiary, null=True, on_delete="SET NULL")
        genre = CharField(max_length=20, default="non_communique")
        tranche_age = CharField(max_length=20, default="non_communique")
        statut = CharField(max_length=20, default="non_communique")
        commune_insee = CharField(max_length=5, default="")
        title = CharField(max_length=200, default="")
        level = CharField(max_length=20, default="")
        participants = TextField(default="{}")
        prescriber = CharField(max_length=30, default="aucun")
        prescriber_name = CharField(max_length=200, default="")
        funding = CharField(max_length=20, default="aucun")
        parcours = ForeignKeyField(Parcours, null=True, on_delete="SET NULL")
        flows = TextField(default="[]")
        version = IntegerField(default=1)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        deleted_at = DateTimeField(null=True, index=True)

    class Redemption(Base):
        id = CharField(primary_key=True, max_length=36)
        number = CharField(max_length=20, index=True)
        book = CharField(max_length=30, default="")
        value_cents = IntegerField(default=1000)
        validity_year = IntegerField()
        activity = ForeignKeyField(Activity, on_delete="RESTRICT")
        redeemed_at = DateTimeField()
        cancelled_at = DateTimeField(null=True)
        status = CharField(max_length=12, default="pending")
        conflict = TextField(default="")
        resolved_at = DateTimeField(null=True)

    class JournalEntry(Base):
        at = DateTimeField(index=True)
        mediator = CharField(max_length=80)
        action = CharField(max_length=40)
        target = CharField(max_length=80, default="")
        detail = TextField(default="{}")

    class OutboxItem(Base):
        kind = CharField(max_length=20)
        record_id = CharField(max_length=36, index=True)
        version = IntegerField(default=1)
        payload = TextField()
        created_at = DateTimeField()
        state = CharField(max_length=12, default="pending", index=True)
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField(null=True)
        acked_at = DateTimeField(null=True)

    db.create_tables([Mediator, LoginAttempt, Kiosk, VisitSummary, Beneficiary, Parcours, Activity,
                      Redemption, JournalEntry, OutboxItem])
    apply(
        # The list of activities is read newest first, by period, without the deleted ones.
        migrator.add_index("activity", ("deleted_at", "date")),
        # A cheque is redeemed once on this site: a second live redemption cannot be written.
        migrator.add_index("redemption", ("number",), unique=True, where=SQL("cancelled_at IS NULL"),
                          name="redemption_live_number"),
        migrator.add_column("kiosk_session", "kiosk_id", IntegerField(null=True)),
        migrator.add_column("help_call", "kiosk_id", IntegerField(null=True)),
        migrator.add_column("help_call", "answered_by", CharField(max_length=120, null=True)),
    )

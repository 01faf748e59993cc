"""Flows used in a kiosk session, and the resident's answers (wiped with the session)."""
from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class KioskSession(Base):
        id = CharField(primary_key=True, max_length=64)

    class FlowUse(Base):
        session = ForeignKeyField(KioskSession, on_delete="CASCADE")
        flow = CharField(max_length=80)
        version = IntegerField()
        steps_reached = TextField(default="[]")
        completed = BooleanField(default=False)
        answers = TextField(default="{}")
        started_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            indexes = ((("session", "flow"), True),)

    db.create_tables([FlowUse])

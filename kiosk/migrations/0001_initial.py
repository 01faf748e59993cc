"""The first schema: the site, residents' kiosk sessions and their help calls."""
from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Site(Base):
        code = CharField(unique=True)
        name = CharField()
        commune = CharField()
        insee = CharField(max_length=5)

    class KioskSession(Base):
        id = CharField(primary_key=True, max_length=64)
        language = CharField(max_length=8)
        text_size = IntegerField(default=0)
        high_contrast = BooleanField(default=False)
        created_at = DateTimeField(index=True)
        last_seen = DateTimeField(index=True)

    class HelpCall(Base):
        session = ForeignKeyField(KioskSession, null=True, on_delete="SET NULL")
        language = CharField(max_length=8)
        page = CharField(max_length=500)
        created_at = DateTimeField(index=True)
        answered_at = DateTimeField(null=True)
        cancelled_at = DateTimeField(null=True)

    db.create_tables([Site, KioskSession, HelpCall])

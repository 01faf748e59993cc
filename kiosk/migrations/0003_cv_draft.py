"""A resident's CV draft, with an optional photo (wiped with the session)."""
from peewee import BlobField, CharField, DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class KioskSession(Base):
        id = CharField(primary_key=True, max_length=64)

    class CvDraft(Base):
        session = ForeignKeyField(KioskSession, on_delete="CASCADE", unique=True)
        data = TextField(default="{}")
        photo = BlobField(null=True)
        updated_at = DateTimeField()

    db.create_tables([CvDraft])

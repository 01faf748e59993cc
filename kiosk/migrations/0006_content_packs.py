"""Central's published content packs."""
from peewee import CharField, DateTimeField, IntegerField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class ContentPack(Base):
        version = IntegerField(unique=True)
        sha256 = CharField(max_length=64)
        body = TextField()
        created_at = DateTimeField()

    db.create_tables([ContentPack])

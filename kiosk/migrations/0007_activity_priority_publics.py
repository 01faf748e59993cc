"""Activities keep the QPV and social-housing answers themselves (anonymous ones too)."""
from peewee import CharField
from playhouse.migrate import migrate as apply


def up(migrator, db):
    apply(
        migrator.add_column("activity", "qpv", CharField(max_length=8, default="inconnu")),
        migrator.add_column("activity", "social_housing", CharField(max_length=8, default="inconnu")),
        migrator.add_column("activity", "bailleur", CharField(max_length=120, default="")),
    )

"""The site (lieu de médiation): one row on a site server, every site on central."""
from __future__ import annotations

from flask import Flask
from peewee import CharField

from kiosk.db import BaseModel, write


class Site(BaseModel):
    """A médiation place, named by its code, with its commune and INSEE code."""

    code = CharField(unique=True)
    name = CharField()
    commune = CharField()
    insee = CharField(max_length=5)

    @classmethod
    def this_site(cls) -> Site | None:
        """Return the site this server serves, if it has been set up."""
        return cls.select().order_by(cls.id).first()

    @classmethod
    def ensure(cls, code: str, name: str, commune: str, insee: str) -> Site:
        """Return the site with this code, creating it when missing."""
        with write():
            site, _ = cls.get_or_create(
                code=code, defaults={"name": name, "commune": commune, "insee": insee}
            )
        return site


def init_app(app: Flask) -> None:
    """Show the site's name on every page."""

    @app.context_processor
    def site_context() -> dict[str, Site | None]:
        return {"site": Site.this_site()}

"""The site (lieu de médiation): one row on a site server, every site on central."""
from __future__ import annotations

from typing import Any

from flask import Flask
from peewee import CharField

from kiosk import render
from kiosk.db import BaseModel, database, write

# The site's row, per database: read on every page, changed almost never.
_this_site: dict[int, Site | None] = {}


class Site(BaseModel):
    """A médiation place, named by its code, with its commune and INSEE code."""

    code = CharField(unique=True)
    name = CharField()
    commune = CharField()
    insee = CharField(max_length=5)

    @classmethod
    def this_site(cls) -> Site | None:
        """Return the site this server serves, if it has been set up (read once, then kept)."""
        key = id(database.obj)
        if key not in _this_site:
            _this_site[key] = cls.select().order_by(cls.id).first()
        return _this_site[key]

    def save(self, *args: Any, **kwargs: Any) -> int:
        """Save the site and forget the kept copy."""
        _this_site.clear()
        return super().save(*args, **kwargs)

    @classmethod
    def ensure(cls, code: str, name: str, commune: str, insee: str) -> Site:
        """Return the site with this code, creating it when missing."""
        with write():
            site, _ = cls.get_or_create(
                code=code, defaults={"name": name, "commune": commune, "insee": insee}
            )
        _this_site.clear()
        return site


def init_app(app: Flask) -> None:
    """Show the site's name on every page."""

    @app.context_processor
    def site_context() -> dict[str, Site | None]:
        return {"site": Site.this_site()}

    def site_variant() -> tuple[str, str] | None:
        site = Site.this_site()
        return (site.name, site.commune) if site else None

    render.vary_kept_pages_by(app, site_variant)

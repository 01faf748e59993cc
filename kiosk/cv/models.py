"""The CV a resident is building: a draft that lives only as long as the kiosk session.

The row goes with its KioskSession (ON DELETE CASCADE, and SQLite's secure_delete overwrites
it), so neither the answers nor the photo survive the end of the visit.
"""
from __future__ import annotations

import json
from typing import Any

from peewee import BlobField, DateTimeField, ForeignKeyField, TextField

from kiosk.db import BaseModel, utcnow, write
from kiosk.resident.models import KioskSession


class CvDraft(BaseModel):
    """One visit's CV: its sections as JSON, and the photo if the resident gave one."""

    session = ForeignKeyField(KioskSession, on_delete="CASCADE", unique=True, backref="cv_drafts")
    data = TextField(default="{}")
    photo = BlobField(null=True)
    updated_at = DateTimeField()

    @classmethod
    def of(cls, session: KioskSession) -> CvDraft | None:
        """Return this visit's CV draft, if it started one."""
        return cls.get_or_none(cls.session == session.id)

    @classmethod
    def for_session(cls, session: KioskSession) -> CvDraft:
        """Return this visit's CV draft, starting an empty one if needed."""
        draft = cls.of(session)
        if draft is None:
            with write():
                draft, _ = cls.get_or_create(session=session.id, defaults={"updated_at": utcnow()})
        return draft

    def content(self) -> dict[str, Any]:
        """Return the CV's sections, by section id."""
        return json.loads(self.data)

    def keep(self, content: dict[str, Any]) -> None:
        """Replace the CV's sections."""
        self.data = json.dumps(content, ensure_ascii=False)
        self.updated_at = utcnow()
        with write():
            self.save(only=[CvDraft.data, CvDraft.updated_at])

    def keep_photo(self, photo: bytes | None) -> None:
        """Replace or remove the photo."""
        self.photo = photo
        self.updated_at = utcnow()
        with write():
            self.save(only=[CvDraft.photo, CvDraft.updated_at])

"""The site's side of the sync: how it went last time, when to try again, the clock offset."""
from __future__ import annotations

from peewee import CharField, DateTimeField, FloatField, IntegerField, TextField

from kiosk.db import BaseModel, write


class SyncState(BaseModel):
    """The one row that tells médiateurs and the scheduler where the sync stands."""

    last_attempt_at = DateTimeField(null=True)
    last_success_at = DateTimeField(null=True)
    last_error = TextField(default="")
    failures = IntegerField(default=0)
    next_attempt_at = DateTimeField(null=True)
    clock_offset = FloatField(default=0.0)  # central's clock minus ours, in seconds
    batch_size = IntegerField(default=500)
    pack_etag = CharField(max_length=80, default="")

    @classmethod
    def get_state(cls) -> SyncState:
        """Return the state row, creating it on first use."""
        state = cls.select().order_by(cls.id).first()
        if state is None:
            with write():
                state = cls.select().order_by(cls.id).first() or cls.create()
        return state

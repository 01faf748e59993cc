"""A resident's anonymous visit (KioskSession), the help calls made from it, and what remains of it.

When a visit ends, only a VisitSummary stays for the médiateur: the kiosk, the language and the
flows used (never an answer), so an accompaniment's report can start from it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from kiosk.db import BaseModel, Lookup, RowGone, RowMemory, utcnow, write
from kiosk.sites import Kiosk

TEXT_SIZES = (0, 1, 2)  # A, A+, A++


def token_key(token: str) -> str:
    """Return the stored key of a session token: its hash, so the table holds no live cookie."""
    return hashlib.sha256(token.encode()).hexdigest()


class KioskSession(BaseModel):
    """One resident's anonymous visit at a kiosk; wiped at the end, on idle, or by the janitor."""

    id = CharField(primary_key=True, max_length=64)
    language = CharField(max_length=8)
    text_size = IntegerField(default=0)
    high_contrast = BooleanField(default=False)
    created_at = DateTimeField(index=True)
    last_seen = DateTimeField(index=True)
    kiosk = ForeignKeyField(Kiosk, null=True, on_delete="SET NULL")

    @classmethod
    def start(cls, token: str, language: str, kiosk: Kiosk | None = None) -> KioskSession:
        """Record a new visit under the hash of its cookie token, at a registered kiosk or not."""
        now = utcnow()
        with write():
            visit = cls.create(id=token_key(token), language=language, created_at=now, last_seen=now,
                               kiosk=kiosk.id if kiosk else None)
        visits.keep(visit, visit.id)
        return visit

    @classmethod
    def for_token(cls, token: str) -> KioskSession | None:
        """Return the visit a cookie token belongs to, if it still exists."""
        return visits.get(token_key(token))

    def idle_for(self, now: dt.datetime) -> float:
        """Return the seconds since the resident last did something."""
        return (now - self.last_seen).total_seconds()

    def touch(self, now: dt.datetime, every: float = 5.0) -> None:
        """Note activity, writing at most once every few seconds."""
        if self.idle_for(now) >= every:
            with write():
                found = KioskSession.update(last_seen=now).where(KioskSession.id == self.id).execute()
            if not found:
                visits.forget(self.id)
                raise RowGone(self.id)
            self.last_seen = now
            visits.written(self, self.id)

    def set_preferences(self, text_size: int | None = None, high_contrast: bool | None = None) -> None:
        """Change the text size or the contrast of this visit."""
        with visits.writing(self.id):
            if text_size is not None:
                self.text_size = text_size
            if high_contrast is not None:
                self.high_contrast = high_contrast
            with write():
                found = self.save(only=[KioskSession.text_size, KioskSession.high_contrast])
            if not found:
                raise RowGone(self.id)
        visits.written(self, self.id)

    def wipe(self) -> None:
        """Delete this visit and what hangs on it (secure_delete overwrites it on disk)."""
        with visits.writing(self.id):
            with write():
                VisitSummary.keep([self.id])
                HelpCall.update(session=None).where(HelpCall.session == self.id).execute()
                KioskSession.delete().where(KioskSession.id == self.id).execute()
            visits.forget(self.id)

    @classmethod
    def wipe_stale(cls, now: dt.datetime, idle_seconds: float, max_seconds: float) -> int:
        """Delete every visit idle too long or older than the maximum; return how many."""
        idle_limit = now - dt.timedelta(seconds=idle_seconds)
        age_limit = now - dt.timedelta(seconds=max_seconds)
        stale = cls.select(cls.id).where((cls.last_seen < idle_limit) | (cls.created_at < age_limit))
        with write():
            ids = [row.id for row in stale]
            VisitSummary.keep(ids)
            HelpCall.update(session=None).where(HelpCall.session.in_(ids)).execute()
            wiped = cls.delete().where(cls.id.in_(ids)).execute()
        for visit_id in ids:
            visits.forget(visit_id)
        return wiped

    def open_help_call(self) -> HelpCall | None:
        """Return this visit's help call still waiting for a médiateur, if any."""
        return (
            HelpCall.select()
            .where(
                (HelpCall.session == self.id)
                & HelpCall.answered_at.is_null()
                & HelpCall.cancelled_at.is_null()
            )
            .first()
        )

    def latest_help_call(self) -> HelpCall | None:
        """Return this visit's last help call not withdrawn: waiting, or answered (someone comes)."""
        return (
            HelpCall.select()
            .where((HelpCall.session == self.id) & HelpCall.cancelled_at.is_null())
            .order_by(HelpCall.created_at.desc(), HelpCall.id.desc())
            .first()
        )

    def call_for_help(self, page: str) -> HelpCall:
        """Ask a médiateur to come, once: a second call while one waits returns the first."""
        with write():
            waiting = self.open_help_call()
            if waiting is not None:
                return waiting
            return HelpCall.create(
                session=self.id, language=self.language, page=page[:500], created_at=utcnow(),
                kiosk=self.kiosk_id,
            )



# Every resident page reads its visit: kept in memory (the site server alone writes visits).
visits = RowMemory(Lookup(KioskSession, KioskSession.id))

class HelpCall(BaseModel):
    """A resident's "I need help" from a kiosk, waiting until a médiateur answers it."""

    session = ForeignKeyField(KioskSession, null=True, on_delete="SET NULL", backref="help_calls")
    language = CharField(max_length=8)
    page = CharField(max_length=500)
    created_at = DateTimeField(index=True)
    answered_at = DateTimeField(null=True)
    answered_by = CharField(max_length=120, null=True)
    cancelled_at = DateTimeField(null=True)
    kiosk = ForeignKeyField(Kiosk, null=True, on_delete="SET NULL")

    @classmethod
    def waiting(cls) -> list[HelpCall]:
        """Return the calls no one has answered yet, oldest first."""
        return list(
            cls.select()
            .where(cls.answered_at.is_null() & cls.cancelled_at.is_null())
            .order_by(cls.created_at)
        )

    def cancel(self) -> None:
        """Withdraw the call: the resident no longer needs help."""
        with write():
            HelpCall.update(cancelled_at=utcnow()).where(HelpCall.id == self.id).execute()

    def answer(self, who: str) -> bool:
        """Tell the kiosk that a médiateur is coming; False if the call was withdrawn or answered."""
        with write():
            changed = (HelpCall.update(answered_at=utcnow(), answered_by=who[:120])
                       .where((HelpCall.id == self.id) & HelpCall.answered_at.is_null()
                              & HelpCall.cancelled_at.is_null())
                       .execute())
        return bool(changed)


class VisitSummary(BaseModel):
    """What remains of a finished visit for the médiateur: kiosk, language, flows, never answers."""

    kiosk = ForeignKeyField(Kiosk, null=True, on_delete="SET NULL")
    language = CharField(max_length=8)
    flows = TextField(default="[]")  # ["caf-housing-aid@3", …]
    started_at = DateTimeField()
    ended_at = DateTimeField(index=True)

    def flow_ids(self) -> list[str]:
        """Return the flows used, as `flow@version`."""
        return list(json.loads(self.flows))

    @classmethod
    def keep(cls, session_ids: list[str]) -> None:
        """Summarise visits about to be wiped, those that used a flow (inside the wipe's transaction)."""
        from kiosk.flows.models import FlowUse

        if not session_ids:
            return
        used: dict[str, list[str]] = {}
        for use in (FlowUse.select(FlowUse.session, FlowUse.flow, FlowUse.version)
                    .where(FlowUse.session.in_(session_ids)).order_by(FlowUse.started_at)):
            used.setdefault(use.session_id, []).append(f"{use.flow}@{use.version}")
        if not used:
            return
        now = utcnow()
        for visit in KioskSession.select().where(KioskSession.id.in_(list(used))):
            cls.create(kiosk=visit.kiosk_id, language=visit.language, flows=json.dumps(used[visit.id]),
                       started_at=visit.created_at, ended_at=now)

    @classmethod
    def forget_before(cls, limit: dt.datetime) -> int:
        """Delete the summaries of visits ended before a time; return how many."""
        with write():
            return cls.delete().where(cls.ended_at < limit).execute()

"""A flow used during a kiosk session: how far the resident went, and their answers.

The answers exist only for the visit: the row goes with its KioskSession (ON DELETE CASCADE).
What a médiateur may later read is the flow, its version, the steps reached and completion.
"""
from __future__ import annotations

import json
from typing import Any

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    TextField,
)

from kiosk.db import BaseModel, Lookup, RowGone, RowMemory, utcnow, write
from kiosk.resident.models import KioskSession, visits


class FlowUse(BaseModel):
    """One flow followed in one kiosk session."""

    session = ForeignKeyField(KioskSession, on_delete="CASCADE", backref="flow_uses")
    flow = CharField(max_length=80)
    version = IntegerField()
    steps_reached = TextField(default="[]")
    completed = BooleanField(default=False)
    answers = TextField(default="{}")
    started_at = DateTimeField()
    updated_at = DateTimeField()

    class Meta:
        indexes = ((("session", "flow"), True),)

    @classmethod
    def of(cls, session: KioskSession, flow: str) -> FlowUse | None:
        """Return this session's use of a flow, if it started it."""
        return uses.get(session.id, flow)

    @classmethod
    def reach(cls, session: KioskSession, flow: str, version: int, step: str,
              completed: bool = False) -> FlowUse:
        """Record that the resident reached a step (and maybe the end) of a flow.

        Showing a step again changes nothing: it is read without taking SQLite's write lock,
        so page views do not queue behind each other and behind writers.
        """
        known = cls.of(session, flow)
        if known is not None and known.version == version and (known.completed or not completed) \
                and step in json.loads(known.steps_reached):
            return known
        now = utcnow()
        with uses.writing(session.id, flow):
            with write():
                use = cls.of(session, flow)
                if use is None:
                    try:
                        use = cls.create(session=session.id, flow=flow, version=version,
                                         steps_reached=json.dumps([step]), completed=completed,
                                         started_at=now, updated_at=now)
                    except IntegrityError as exc:  # its visit is gone
                        raise RowGone(session.id) from exc
                else:
                    reached = json.loads(use.steps_reached)
                    if step not in reached or (completed and not use.completed) or use.version != version:
                        if step not in reached:
                            reached.append(step)
                        use.steps_reached = json.dumps(reached)
                        use.completed = use.completed or completed
                        use.version = version
                        use.updated_at = now
                        if not use.save():
                            raise RowGone(use.id)
            uses.keep(use, session.id, flow)
        return use

    def answer_map(self) -> dict[str, Any]:
        """Return the resident's answers, by step id."""
        return json.loads(self.answers)

    def remember(self, step: str, value: Any) -> None:
        """Keep the resident's answer to a step, replacing an earlier one."""
        with uses.writing(self.session_id, self.flow), write():
            answers = self.answer_map()
            answers[step] = value
            self.answers = json.dumps(answers, ensure_ascii=False)
            self.updated_at = utcnow()
            if not self.save(only=[FlowUse.answers, FlowUse.updated_at]):
                raise RowGone(self.id)
        uses.written(self, self.session_id, self.flow)


# Each step reads the resident's use of its flow: kept in memory, gone with its visit.
uses = RowMemory(Lookup(FlowUse, FlowUse.session, FlowUse.flow), belongs_to=visits)

"""A French business letter, assembled from a letter flow's answers."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Field names a letter flow's form steps use; the letter is always in French.
REGISTERED_MENTION = "Lettre recommandée avec accusé de réception"
DEFAULT_OPENING = "Madame, Monsieur,"
# The closing formulas a letter flow offers, by the value of its `closing` field.
CLOSINGS = {
    "formal": "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
    "thanks": "Je vous remercie par avance et vous prie d'agréer mes salutations distinguées.",
    "simple": "Veuillez agréer mes salutations distinguées.",
}
DEFAULT_CLOSING = CLOSINGS["formal"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _paragraphs(text: str) -> list[str]:
    return [" ".join(_lines(block)) for block in re.split(r"\n\s*\n", text) if block.strip()]


@dataclass(frozen=True)
class Letter:
    """What a letter says, in the order of a French business letter."""

    kind: str
    sender: tuple[str, ...]
    recipient: tuple[str, ...]
    place_date: str
    subject: str
    references: tuple[str, ...]
    registered: bool
    opening: str
    body: tuple[str, ...]
    closing: str
    signature: str

    @classmethod
    def from_answers(cls, kind: str, answers: Mapping[str, Any]) -> Letter:
        """Assemble a letter from a flow's answers (form values are merged, later steps win)."""
        values = merged_values(answers)
        sender = [values.get("sender_name", ""), *_lines(values.get("sender_address", ""))]
        sender += [values[k] for k in ("sender_phone", "sender_email") if values.get(k)]
        place, date = values.get("place", ""), values.get("date", "")
        place_date = f"{place}, le {date}" if place and date else place or date
        return cls(
            kind=kind,
            sender=tuple(line for line in sender if line),
            recipient=tuple(line for line in [values.get("recipient_name", ""),
                                               *_lines(values.get("recipient_address", ""))] if line),
            place_date=place_date,
            subject=values.get("subject", "").strip(),
            references=tuple(_lines(values.get("reference", ""))),
            registered=values.get("registered") == "yes",
            opening=values.get("opening", "").strip() or DEFAULT_OPENING,
            body=tuple(_paragraphs(values.get("body") or draft_body(values))),
            closing=CLOSINGS.get(values.get("closing", ""), DEFAULT_CLOSING),
            signature=values.get("signature", "").strip() or values.get("sender_name", ""),
        )

    def text(self) -> str:
        """Return the whole letter as plain text, in reading order."""
        parts = ["\n".join(self.sender), "\n".join(self.recipient), self.place_date]
        if self.registered:
            parts.append(REGISTERED_MENTION)
        parts.append(f"Objet : {self.subject}")
        parts += [f"Référence : {line}" for line in self.references]
        parts += [self.opening, *self.body, self.closing, self.signature]
        return "\n\n".join(part for part in parts if part)

    def file_name(self, today: dt.date, extension: str) -> str:
        """Return a meaningful file name from the letter's kind: courrier-resiliation-2026-11-26.pdf."""
        slug = unicodedata.normalize("NFKD", self.kind).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-") or "courrier"
        return f"{slug}-{today.isoformat()}.{extension}"


def merged_values(answers: Mapping[str, Any]) -> dict[str, str]:
    """Return every typed value of a flow's form steps, by field name."""
    values: dict[str, str] = {}
    for answer in answers.values():
        if isinstance(answer, dict):
            values.update({k: v for k, v in answer.items() if isinstance(v, str)})
    return values


def draft_body(values: Mapping[str, str]) -> str:
    """Return the body drafted from the guided prompts (fields named body_…), in their order."""
    return "\n\n".join(v.strip() for k, v in values.items() if k.startswith("body_") and v.strip())

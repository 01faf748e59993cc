"""The cover letter, started from the CV: which answers of the letter flow the CV can fill in.

The letter is always in French, so the CV is read in French here. Only the fields the letter
flow really has are filled, so a change of the flow's content cannot break this.
"""
from __future__ import annotations

from typing import Any

from kiosk.documents.cv import CurriculumVitae
from kiosk.flows.engine import Flow

EXPERIENCES_QUOTED = 2


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _of(job: str) -> str:
    """Return "de cuisinier", "d'agent d'entretien": French elides "de" before a vowel or a mute h."""
    name = _lower_first(job)
    return f"d'{name}" if name[:1] in "aeiouyhàâéèêîôû" else f"de {name}"


def prefill(flow: Flow, content: dict[str, Any], cv: CurriculumVitae) -> dict[str, dict[str, str]]:
    """Return, by step id, the letter flow's field values the CV provides (empty ones left out)."""
    personal = content.get("personal", {})
    job = content.get("target", {}).get("job", "")
    experience = next((block for block in cv.blocks if block.kind == "experience"), None)
    lines = []
    if experience is not None:
        quoted = ["{}{}{}".format(entry.title, f", {entry.where}" if entry.where else "",
                                  f" ({entry.period})" if entry.period else "")
                  for entry in experience.entries[:EXPERIENCES_QUOTED]]
        lines.append("Mon expérience : " + " ; ".join(quoted) + ".")
    qualities = [item for block in cv.blocks if block.kind == "skills" for item in block.items]
    if qualities:
        lines.append("Mes atouts : " + ", ".join(
            [qualities[0], *(_lower_first(item) for item in qualities[1:])]) + ".")
    wanted = {
        "sender_name": " ".join(part for part in (personal.get("first_name", ""),
                                                   personal.get("last_name", "")) if part),
        "sender_address": personal.get("address", ""),
        "sender_phone": personal.get("phone", ""),
        "sender_email": personal.get("email", ""),
        "subject": f"Candidature au poste {_of(job)}" if job else "",
        "body_offer": f"Je souhaite poser ma candidature au poste {_of(job)}." if job else "",
        "body_experience": "\n".join(lines),
    }
    filled: dict[str, dict[str, str]] = {}
    for step in flow.steps:
        values = {field.name: wanted[field.name] for field in step.fields
                  if wanted.get(field.name)}
        if values:
            filled[step.id] = values
    return filled

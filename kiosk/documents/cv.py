"""A CV, assembled from a CV draft in the language the resident chose for it (French or English).

The same ordered blocks feed the three renderings (the preview on screen, the PDF, the ODT), so
what the resident sees is what prints. Two layouts: `classic` (each heading above its content)
and `columns` (headings in a narrow left column, as on a Europass CV).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from babel import Locale
from babel.dates import format_date

from kiosk.cv.sections import (
    DIGITAL_SKILLS,
    JOB_KIND_BY_ID,
    LANGUAGE_SKILLS,
    LICENCES,
    SKILLS,
    cv_language,
)
from kiosk.flows.engine import N_, parse_month

Translate = Callable[[str], str]


@dataclass(frozen=True)
class Entry:
    """One experience or one training: what, where, when, and its lines."""

    title: str
    where: str
    period: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    """One section of the printed CV: a heading and its text, list or entries."""

    kind: str
    heading: str
    text: str = ""
    items: tuple[str, ...] = ()
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class CurriculumVitae:
    """What a CV says, in the order it prints."""

    language: str
    layout: str
    name: str
    target: str
    contact: tuple[str, ...]
    blocks: tuple[Block, ...]
    photo: bytes | None = None
    file_stem: str = "CV"

    @classmethod
    def from_draft(cls, content: Mapping[str, Any], translate: Translate, photo: bytes | None = None
                   ) -> CurriculumVitae:
        """Assemble a CV from a draft's sections; `translate` speaks the CV's language."""
        language = cv_language(content)
        layout = content.get("layout") or "classic"
        personal = content.get("personal", {})
        target = content.get("target", {})
        name = " ".join(part for part in (personal.get("first_name", ""), personal.get("last_name", ""))
                        if part)
        contact = tuple(line for line in (*_lines(personal.get("address", "")),
                                          _phone(personal.get("phone", "")),
                                          personal.get("email", "")) if line)
        wish = target.get("wish", "")
        blocks = [
            Block("about", translate(N_("About me")), text=content.get("about", {}).get("about", "")),
            Block("experience", translate(N_("Work experience")),
                  entries=tuple(_experience(entry, language, translate)
                                for entry in content.get("experience", []))),
            Block("education", translate(N_("Education and training")),
                  entries=tuple(_education(entry, language, translate)
                                for entry in content.get("education", []))),
            Block("languages", translate(N_("Languages")), items=_languages(content, language, translate)),
            Block("digital", translate(N_("Digital skills")),
                  items=_picked(content.get("digital", {}), DIGITAL_SKILLS, translate)),
            Block("licence", translate(N_("Driving licences and certificates")),
                  items=_picked(content.get("licence", {}), LICENCES, translate)
                  + ((translate(N_("Own vehicle")),) if content.get("licence", {}).get("vehicle") == "yes"
                     else ())),
            Block("skills", translate(N_("Skills and qualities")),
                  items=_picked(content.get("skills", {}), SKILLS, translate)),
            Block("interests", translate(N_("Interests")),
                  text=content.get("interests", {}).get("interests", "")),
        ]
        return cls(
            language=language, layout=layout, name=name,
            target=" · ".join(part for part in (target.get("job", ""), wish) if part),
            contact=contact,
            blocks=tuple(block for block in blocks if block.text or block.items or block.entries),
            photo=photo,
            file_stem="-".join(["CV", *(slug for slug in (_ascii_slug(personal.get(part, ""))
                                                          for part in ("last_name", "first_name")) if slug)]),
        )

    def is_empty(self) -> bool:
        """Tell whether there is nothing yet to print."""
        return not (self.name or self.target or self.contact or self.blocks)

    def text(self) -> str:
        """Return the whole CV as plain text, in reading order."""
        parts = [self.name, self.target, *self.contact]
        for block in self.blocks:
            parts.append(block.heading)
            parts.append(block.text)
            parts += block.items
            for entry in block.entries:
                parts += [entry.title, entry.where, entry.period, *entry.lines]
        return "\n".join(part for part in parts if part)

    def file_name(self, extension: str) -> str:
        """Return the file name employers expect: CV-Dupont-Marie.pdf."""
        return f"{self.file_stem}.{extension}"


def _ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")


def _phone(digits: str) -> str:
    """Write a French number the way it is read: 06 12 34 56 78."""
    if re.fullmatch(r"0\d{9}", digits):
        return " ".join(digits[n:n + 2] for n in range(0, 10, 2))
    return digits


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _month(raw: str, language: str) -> str:
    parsed = parse_month(raw) if raw else None
    if parsed is None:
        return raw
    year, month = parsed
    return format_date(dt.date(year, month, 1), "MMMM yyyy", locale=language) if month else str(year)


def period(start: str, end: str, language: str, translate: Translate) -> str:
    """Write a period in the CV's language: "mars 2021 – juin 2023", "Depuis mars 2021"."""
    first, last = _month(start, language), _month(end, language)
    if first and last:
        return first if first == last else f"{first} – {last}"
    if first:
        return translate(N_("Since %(start)s")) % {"start": first}
    return last


def _where(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def _experience(entry: Mapping[str, Any], language: str, translate: Translate) -> Entry:
    kind = JOB_KIND_BY_ID.get(entry.get("kind", ""))
    picked = [translate(kind.tasks[n]) for n in entry.get("picked", [])
              if kind is not None and isinstance(n, int) and 0 <= n < len(kind.tasks)]
    return Entry(title=entry.get("job", ""), where=_where(entry.get("employer", ""), entry.get("place", "")),
                 period=period(entry.get("start", ""), entry.get("end", ""), language, translate),
                 lines=tuple(picked + _lines(entry.get("tasks", ""))))


def _education(entry: Mapping[str, Any], language: str, translate: Translate) -> Entry:
    return Entry(title=entry.get("title", ""), where=_where(entry.get("school", ""), entry.get("place", "")),
                 period=period(entry.get("start", ""), entry.get("end", ""), language, translate),
                 lines=tuple(_lines(entry.get("details", ""))))


def language_name(code: str, language: str) -> str:
    """Return a language's name in another language, capitalised: ("ar", "fr") -> "Arabe"."""
    name = Locale.parse(language).languages.get(code, code)
    return name[:1].upper() + name[1:]


def _languages(content: Mapping[str, Any], language: str, translate: Translate) -> tuple[str, ...]:
    items = []
    mother = content.get("mother-tongue", {})
    name = (language_name(mother["mother"], language) if mother.get("mother")
            else mother.get("mother_other", ""))
    if name:
        items.append(translate(N_("Mother tongue: %(language)s")) % {"language": name})
    for entry in content.get("languages", []):
        name = (language_name(entry["language"], language) if entry.get("language")
                else entry.get("language_other", ""))
        levels = ", ".join(f"{translate(label).lower()} {entry[skill]}"
                           for skill, label in LANGUAGE_SKILLS if entry.get(skill))
        items.append(f"{name} : {levels}" if language == "fr" else f"{name}: {levels}")
    return tuple(items)


def _picked(answer: Mapping[str, Any], choices: tuple[tuple[str, str], ...], translate: Translate
            ) -> tuple[str, ...]:
    chosen = set(answer.get("picks", []))
    items = [translate(label) for code, label in choices if code in chosen]
    items += [part.strip() for part in re.split(r"[,;\n]", answer.get("other", "")) if part.strip()]
    return tuple(items)

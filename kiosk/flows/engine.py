"""The guided-flow engine: flows are TOML data, loaded and checked here. Pure Python, no Flask.

A flow is a list of steps. Each step goes to the next one in the list unless it names another
(`next`), and a choice sends each option to a step of its own. Every jump goes forward, so a
flow has no loops and the path a resident takes is always finite.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FAMILIES = ("procedure", "letter", "job")
CATEGORIES = (
    "papiers", "famille", "social", "travail", "logement",
    "transports", "argent", "justice", "etranger", "loisirs",
)
STEP_KINDS = ("info", "checklist", "choice", "form", "compose", "review")
FIELD_TYPES = ("text", "longtext", "date", "month", "number", "email", "phone", "select", "yesno")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
TEXT_MAX = {"text": 200, "longtext": 3000, "letter": 8000}
# A compose step edits the whole body of a letter in one large text area.
LETTER_BODY = "body"


class FlowError(ValueError):
    """A content file that cannot be used, with where the problem is."""

    def __init__(self, path: Path | str, message: str, step: str | None = None) -> None:
        where = f"{path}" + (f", step {step!r}" if step else "")
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.step = step


@dataclass(frozen=True)
class Option:
    """One answer of a choice step, and the step it leads to."""

    value: str
    label: str
    next: str


@dataclass(frozen=True)
class Field:
    """A typed field of a form step, with what a resident must type and a hint shown first."""

    name: str
    type: str
    label: str
    hint: str = ""
    required: bool = True
    options: tuple[Option, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    when: str = ""  # dates: "past" or "future"


@dataclass(frozen=True)
class Step:
    """One screen of a flow."""

    id: str
    kind: str
    title: str
    text: tuple[str, ...] = ()
    pictogram: str = ""
    warning: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    fields: tuple[Field, ...] = ()
    bring: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = ()
    link: str = ""
    link_label: str = ""
    next: str = ""

    def texts(self) -> Iterable[str]:
        """Yield every translatable text of the step."""
        yield self.title
        yield from self.text
        yield from self.warning
        yield from self.items
        yield from self.bring
        yield from self.next_steps
        if self.link_label:
            yield self.link_label
        for option in self.options:
            yield option.label
        for entry in self.fields:
            if entry.label:
                yield entry.label
            if entry.hint:
                yield entry.hint
            for option in entry.options:
                yield option.label


@dataclass(frozen=True)
class Flow:
    """A guided flow: a procedure, a letter or a job-search guide."""

    id: str
    version: int
    family: str
    category: str
    title: str
    summary: str
    minutes: int
    pictogram: str
    official_url: str
    steps: tuple[Step, ...]
    sources: tuple[str, ...] = ()
    source_file: str = ""
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({step.id: n for n, step in enumerate(self.steps)})

    @property
    def first(self) -> Step:
        """Return the step a flow starts with."""
        return self.steps[0]

    def step(self, step_id: str) -> Step | None:
        """Return a step by its id, if the flow has it."""
        n = self._index.get(step_id)
        return None if n is None else self.steps[n]

    def next_of(self, step: Step, answers: Mapping[str, Any]) -> Step | None:
        """Return the step after this one, given the answers so far; None after the last."""
        target = step.next
        if step.kind == "choice":
            chosen = answers.get(step.id)
            target = next((o.next for o in step.options if o.value == chosen), step.options[0].next)
        if target:
            return self.step(target)
        n = self._index[step.id] + 1
        return self.steps[n] if n < len(self.steps) else None

    def path(self, answers: Mapping[str, Any]) -> list[Step]:
        """Return the steps a resident goes through, given the answers so far (first option else)."""
        steps: list[Step] = []
        step: Step | None = self.first
        while step is not None:
            steps.append(step)
            step = None if step.kind == "review" else self.next_of(step, answers)
        return steps

    def place(self, step: Step, answers: Mapping[str, Any]) -> tuple[Step | None, int, int]:
        """Return the step before this one on the resident's path (if any), its rank (1-based) and
        the path's length, the path worked out once."""
        path = self.path(answers)
        ids = [s.id for s in path]
        if step.id in ids:
            n = ids.index(step.id)
            return (path[n - 1] if n else None), n + 1, len(ids)
        previous = next((s for s in reversed(self.steps[: self._index[step.id]]) if s.id in ids), None)
        rank = self._index[step.id] + 1
        return previous, rank, max(len(ids), rank)

    def previous_of(self, step: Step, answers: Mapping[str, Any]) -> Step | None:
        """Return the step before this one on the resident's path, if any."""
        return self.place(step, answers)[0]

    def position(self, step: Step, answers: Mapping[str, Any]) -> tuple[int, int]:
        """Return the step's rank on the resident's path and the path's length (1-based)."""
        _, rank, total = self.place(step, answers)
        return rank, total

    def texts(self) -> Iterable[str]:
        """Yield every translatable text of the flow, in order."""
        yield self.title
        yield self.summary
        for step in self.steps:
            yield from step.texts()


# Parsing -----------------------------------------------------------------------------------

FLOW_KEYS = frozenset({"id", "version", "family", "category", "title", "summary", "minutes",
                       "pictogram", "official_url", "sources", "steps"})
STEP_KEYS = frozenset({"id", "kind", "title", "text", "pictogram", "warning", "items", "options",
                       "fields", "bring", "next_steps", "link", "link_label", "next"})
SHARED_DIR = "shared"
FIELD_KEYS = frozenset({"name", "type", "label", "hint", "required", "options", "min", "max",
                        "when"})
OPTION_KEYS = frozenset({"value", "label", "next"})


def _known_keys(data: Mapping[str, Any], allowed: frozenset[str], path: Path,
                step: str | None, what: str) -> None:
    # A key TOML placed under the wrong table (after [[steps.fields]], say) must not pass silently.
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise FlowError(path, f"unknown key(s) {', '.join(unknown)} in {what}", step)


def _lines(value: Any, path: Path, step: str | None, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise FlowError(path, f"'{name}' must be a text or a list of texts", step)
    return tuple(v.strip() for v in value)


def _text(data: Mapping[str, Any], name: str, path: Path, step: str | None = None,
          required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise FlowError(path, f"'{name}' is required and must be a text", step)
    return value.strip()


def _options(raw: Any, path: Path, step: str, needs_next: bool) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        raise FlowError(path, "'options' must be a non-empty list", step)
    options = []
    for n, entry in enumerate(raw, 1):
        if not isinstance(entry, dict):
            raise FlowError(path, f"option {n} must be a table", step)
        _known_keys(entry, OPTION_KEYS, path, step, f"option {n}")
        value = str(entry.get("value", n))
        target = _text(entry, "next", path, step, required=needs_next)
        options.append(Option(value=value, label=_text(entry, "label", path, step), next=target))
    if len({o.value for o in options}) != len(options):
        raise FlowError(path, "two options have the same value", step)
    return tuple(options)


def _field(raw: Any, path: Path, step: str) -> Field:
    if not isinstance(raw, dict):
        raise FlowError(path, "each field must be a table", step)
    name = _text(raw, "name", path, step)
    _known_keys(raw, FIELD_KEYS, path, step, f"field {name!r}")
    if not FIELD_NAME.fullmatch(name):
        raise FlowError(path, f"field name {name!r} must be lower_snake_case", step)
    kind = raw.get("type")
    if kind not in FIELD_TYPES:
        raise FlowError(path, f"field {name!r}: type must be one of {', '.join(FIELD_TYPES)}", step)
    when = raw.get("when", "")
    if when not in ("", "past", "future"):
        raise FlowError(path, f"field {name!r}: 'when' must be 'past' or 'future'", step)
    options = _options(raw.get("options"), path, step, needs_next=False) if kind == "select" else ()
    return Field(
        name=name, type=kind, label=_text(raw, "label", path, step),
        hint=_text(raw, "hint", path, step, required=False),
        required=bool(raw.get("required", True)), options=options,
        minimum=raw.get("min"), maximum=raw.get("max"), when=when,
    )


def _step(raw: Any, path: Path, n: int) -> Step:
    if not isinstance(raw, dict):
        raise FlowError(path, f"step {n} must be a table")
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not SLUG.fullmatch(step_id):
        raise FlowError(path, f"step {n}: 'id' must be a slug like 'documents'")
    _known_keys(raw, STEP_KEYS, path, step_id, "the step")
    kind = raw.get("kind")
    if kind not in STEP_KINDS:
        raise FlowError(path, f"'kind' must be one of {', '.join(STEP_KINDS)}", step_id)
    lines = {name: _lines(raw.get(name), path, step_id, name)
             for name in ("text", "warning", "items", "bring", "next_steps")}
    options = _options(raw.get("options"), path, step_id, True) if kind == "choice" else ()
    fields = tuple(_field(f, path, step_id) for f in raw.get("fields", ())) if kind == "form" else ()
    if kind == "compose":
        fields = (Field(LETTER_BODY, "letter", "", required=True),)
    if kind == "checklist" and not lines["items"]:
        raise FlowError(path, "a checklist needs 'items'", step_id)
    if kind == "form" and not fields:
        raise FlowError(path, "a form needs 'fields'", step_id)
    if len({f.name for f in fields}) != len(fields):
        raise FlowError(path, "two fields have the same name", step_id)
    link = _text(raw, "link", path, step_id, required=False)
    if link and not link.startswith("https://"):
        raise FlowError(path, "'link' must be an https:// address", step_id)
    return Step(
        id=step_id, kind=kind, title=_text(raw, "title", path, step_id),
        pictogram=_text(raw, "pictogram", path, step_id, required=False),
        options=options, fields=fields, link=link,
        link_label=_text(raw, "link_label", path, step_id, required=bool(link)),
        next=_text(raw, "next", path, step_id, required=False), **lines,
    )


def _check_jumps(flow: Flow, path: Path) -> None:
    order = {step.id: n for n, step in enumerate(flow.steps)}
    for n, step in enumerate(flow.steps):
        targets = [o.next for o in step.options] + ([step.next] if step.next else [])
        for target in targets:
            if target not in order:
                raise FlowError(path, f"goes to unknown step {target!r}", step.id)
            if order[target] <= n:
                raise FlowError(path, f"goes back to {target!r}: jumps must go forward", step.id)
    if flow.steps[-1].kind != "review":
        raise FlowError(path, "the last step must be a review", flow.steps[-1].id)


def shared_steps(folder: Path) -> dict[str, dict[str, Any]]:
    """Read the steps several flows share (`shared/<file>.toml`), by `<file>/<step id>`."""
    steps: dict[str, dict[str, Any]] = {}
    for path in sorted((folder / SHARED_DIR).glob("*.toml")):
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise FlowError(path, f"not valid TOML ({error})") from error
        for raw in data.get("steps", []):
            steps[f"{path.stem}/{raw.get('id')}"] = raw
    return steps


def _expand(raw_steps: list[Any], shared: Mapping[str, dict[str, Any]], path: Path) -> list[Any]:
    expanded = []
    for raw in raw_steps:
        if isinstance(raw, dict) and "include" in raw:
            name = raw["include"]
            if name not in shared:
                raise FlowError(path, f"includes unknown shared step {name!r}")
            # The including flow may say where the shared step goes next.
            expanded.append({**shared[name], **{k: v for k, v in raw.items() if k != "include"}})
        else:
            expanded.append(raw)
    return expanded


def parse(data: Mapping[str, Any], path: Path,
          shared: Mapping[str, dict[str, Any]] | None = None) -> Flow:
    """Build a flow from parsed TOML, or raise FlowError naming the file and step."""
    flow_id = data.get("id")
    if not isinstance(flow_id, str) or not SLUG.fullmatch(flow_id):
        raise FlowError(path, "'id' must be a slug like 'ants-id-card'")
    _known_keys(data, FLOW_KEYS, path, None, "the flow")
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise FlowError(path, "'version' must be a whole number from 1")
    family = data.get("family")
    if family not in FAMILIES:
        raise FlowError(path, f"'family' must be one of {', '.join(FAMILIES)}")
    category = data.get("category")
    if category not in CATEGORIES:
        raise FlowError(path, f"'category' must be one of {', '.join(CATEGORIES)}")
    minutes = data.get("minutes")
    if not isinstance(minutes, int) or minutes < 1:
        raise FlowError(path, "'minutes' (estimated time) must be a whole number")
    official_url = _text(data, "official_url", path)
    if not official_url.startswith("https://"):
        raise FlowError(path, "'official_url' must be an https:// address")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise FlowError(path, "a flow needs [[steps]]")
    raw_steps = _expand(raw_steps, shared or {}, path)
    steps = tuple(_step(raw, path, n) for n, raw in enumerate(raw_steps, 1))
    seen: set[str] = set()
    for step in steps:
        if step.id in seen:
            raise FlowError(path, "two steps have this id", step.id)
        seen.add(step.id)
    flow = Flow(
        id=flow_id, version=version, family=family, category=category,
        title=_text(data, "title", path), summary=_text(data, "summary", path),
        minutes=minutes, pictogram=_text(data, "pictogram", path, required=False),
        official_url=official_url, steps=steps, source_file=str(path),
        sources=_lines(data.get("sources"), path, None, "sources"),
    )
    _check_jumps(flow, path)
    return flow


def load_file(path: Path, shared: Mapping[str, dict[str, Any]] | None = None) -> Flow:
    """Read and check one flow file (its shared steps are read beside it unless given)."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise FlowError(path, f"not valid TOML ({error})") from error
    return parse(data, path, shared_steps(path.parent) if shared is None else shared)


@dataclass
class Library:
    """Every flow that loaded, by id, and the errors of the files that did not."""

    flows: dict[str, Flow] = field(default_factory=dict)
    errors: list[FlowError] = field(default_factory=list)

    def of_family(self, family: str) -> list[Flow]:
        """Return the flows of a family, by category then title."""
        return sorted((f for f in self.flows.values() if f.family == family),
                      key=lambda f: (CATEGORIES.index(f.category), f.title))


def load_folder(folder: Path) -> Library:
    """Load every `*.toml` flow of a folder; a bad file is reported and the others still load."""
    library = Library()
    try:
        shared = shared_steps(folder)
    except FlowError as error:
        library.errors.append(error)
        shared = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            flow = load_file(path, shared)
        except FlowError as error:
            library.errors.append(error)
            continue
        if flow.id in library.flows:
            library.errors.append(FlowError(path, f"flow id {flow.id!r} is already used"))
            continue
        library.flows[flow.id] = flow
    return library


# Answers -----------------------------------------------------------------------------------

def N_(message: str) -> str:
    """Mark a message for extraction; the caller translates it when it is shown."""
    return message


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"(?:\+33|0033|0)[1-9](?:\d{8})")
NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Problem:
    """Why a typed value was refused, as a message id and its values (translated by the caller)."""

    message: str
    values: Mapping[str, Any] = field(default_factory=dict)


def parse_date(raw: str) -> dt.date | None:
    """Read a date typed the French way: 21/03/1958 (also 21-03-1958, 21.03.1958)."""
    match = re.fullmatch(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})", raw.strip())
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_month(raw: str) -> tuple[int, int] | None:
    """Read a month typed as 03/2021 (also 3-2021, 03.2021) or a year alone: (year, month or 0)."""
    text = raw.strip()
    if re.fullmatch(r"\d{4}", text):
        year, month = int(text), 0
    else:
        match = re.fullmatch(r"(\d{1,2})[/.\- ](\d{4})", text)
        if not match:
            return None
        month, year = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            return None
    return (year, month) if 1900 <= year <= 2100 else None


def format_month(year: int, month: int) -> str:
    """Write a month back the way residents type it: 03/2021, or 2021 for a year alone."""
    return f"{month:02d}/{year}" if month else str(year)


def check_field(entry: Field, raw: str, today: dt.date) -> tuple[str, Problem | None]:
    """Return the cleaned value of one field and the problem with it, if any."""
    value = raw.strip()
    if not value:
        return "", Problem(N_("Please fill in this field.")) if entry.required else None
    if entry.type in TEXT_MAX and len(value) > TEXT_MAX[entry.type]:
        return value, Problem(N_("This is too long: %(max)d characters at most."),
                              {"max": TEXT_MAX[entry.type]})
    if entry.type == "date":
        date = parse_date(value)
        if date is None:
            return value, Problem(N_("Write the date as day/month/year, for example 21/03/1958."))
        if entry.when == "past" and date > today:
            return value, Problem(N_("This date is in the future."))
        if entry.when == "future" and date < today:
            return value, Problem(N_("This date is already past."))
        return date.strftime("%d/%m/%Y"), None
    if entry.type == "month":
        month = parse_month(value)
        if month is None:
            return value, Problem(N_("Write the month and year like 03/2021, or the year alone like 2021."))
        if entry.when == "past" and month > (today.year, today.month):
            return value, Problem(N_("This date is in the future."))
        return format_month(*month), None
    if entry.type == "number":
        if not NUMBER.fullmatch(value.replace(" ", "")):
            return value, Problem(N_("Write a number, with digits only."))
        number = float(value.replace(" ", "").replace(",", "."))
        if entry.minimum is not None and number < entry.minimum:
            return value, Problem(N_("The smallest number allowed is %(min)s."), {"min": entry.minimum})
        if entry.maximum is not None and number > entry.maximum:
            return value, Problem(N_("The largest number allowed is %(max)s."), {"max": entry.maximum})
        return value.replace(" ", ""), None
    if entry.type == "email":
        if len(value) > 254 or not EMAIL.fullmatch(value):
            return value, Problem(N_("Write an e-mail address like nom@exemple.fr."))
        return value, None
    if entry.type == "phone":
        digits = re.sub(r"[\s.\-]", "", value)
        if not PHONE.fullmatch(digits):
            return value, Problem(N_("Write a French phone number with 10 digits, like 06 12 34 56 78."))
        return digits, None
    if entry.type in ("select", "yesno"):
        allowed = [o.value for o in entry.options] if entry.type == "select" else ["yes", "no"]
        if value not in allowed:
            return "", Problem(N_("Choose one of the answers."))
        return value, None
    return value, None


def check_form(step: Step, form: Mapping[str, str], today: dt.date
               ) -> tuple[dict[str, str], dict[str, Problem]]:
    """Return the cleaned values of a form step and the problem of each refused field."""
    values: dict[str, str] = {}
    problems: dict[str, Problem] = {}
    for entry in step.fields:
        raw = form.get(entry.name, "")
        value, problem = check_field(entry, raw if isinstance(raw, str) else "", today)
        values[entry.name] = value
        if problem is not None:
            problems[entry.name] = problem
    return values, problems

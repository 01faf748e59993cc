"""The flow engine, without Flask: loading, checks with clear errors, branching, answers."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.flows.engine import (
    Field,
    FlowError,
    check_field,
    check_form,
    load_file,
    load_folder,
    parse,
    parse_date,
)
from tests.conftest import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "kiosk/flows/content"
TODAY = dt.date(2026, 11, 26)


def minimal(**changes) -> dict:
    flow = {
        "id": "demo", "version": 1, "family": "procedure", "category": "papiers",
        "title": "Demo", "summary": "A demo.", "minutes": 5,
        "official_url": "https://www.service-public.fr/",
        "steps": [
            {"id": "start", "kind": "choice", "title": "Start?", "options": [
                {"value": "a", "label": "A", "next": "a-only"},
                {"value": "b", "label": "B", "next": "form"},
            ]},
            {"id": "a-only", "kind": "info", "title": "Only for A", "text": ["One.", "Two."]},
            {"id": "form", "kind": "form", "title": "Form", "fields": [
                {"name": "born", "type": "date", "label": "Born", "when": "past"},
                {"name": "kids", "type": "number", "label": "Children", "min": 0, "max": 20,
                 "required": False},
            ]},
            {"id": "end", "kind": "review", "title": "Done", "bring": ["Your card."]},
        ],
    }
    flow.update(changes)
    return flow


def test_every_shipped_flow_loads() -> None:
    library = load_folder(CONTENT)
    assert library.errors == []
    assert len(library.of_family("procedure")) >= 1


def test_branching_follows_the_choice() -> None:
    flow = parse(minimal(), Path("demo.toml"))
    assert [s.id for s in flow.path({})] == ["start", "a-only", "form", "end"]
    assert [s.id for s in flow.path({"start": "b"})] == ["start", "form", "end"]
    form = flow.step("form")
    assert flow.previous_of(form, {"start": "b"}).id == "start"
    assert flow.previous_of(form, {"start": "a"}).id == "a-only"
    assert flow.position(form, {"start": "b"}) == (2, 3)
    assert flow.position(form, {"start": "a"}) == (3, 4)
    assert flow.next_of(flow.step("end"), {}) is None


def test_a_step_off_the_path_still_has_a_way_back() -> None:
    flow = parse(minimal(), Path("demo.toml"))
    assert flow.previous_of(flow.step("a-only"), {"start": "b"}).id == "start"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "Bad Id"}, "'id'"),
        ({"family": "other"}, "'family'"),
        ({"category": "nowhere"}, "'category'"),
        ({"minutes": 0}, "'minutes'"),
        ({"official_url": "http://example.org"}, "https://"),
        ({"steps": []}, "[[steps]]"),
    ],
)
def test_bad_flow_keys_are_named(changes, message) -> None:
    with pytest.raises(FlowError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse(minimal(**changes), Path("demo.toml"))


def broken_step(index: int, **changes) -> dict:
    flow = minimal()
    flow["steps"][index] = {**flow["steps"][index], **changes}
    return flow


@pytest.mark.parametrize(
    ("flow", "step", "message"),
    [
        (broken_step(0, kind="dance"), "start", "'kind'"),
        (broken_step(0, options=[{"label": "A", "next": "nowhere"}]), "start", "unknown step"),
        (broken_step(2, next="start"), "form", "forward"),
        (broken_step(2, fields=[]), "form", "'fields'"),
        (broken_step(2, fields=[{"name": "x", "type": "colour", "label": "X"}]), "form", "type"),
        (broken_step(1, title=""), "a-only", "'title'"),
        (broken_step(1, text=[1, 2]), "a-only", "'text'"),
        (broken_step(1, link="http://x"), "a-only", "https://"),
        (broken_step(3, kind="info"), "end", "review"),
        (broken_step(1, colour="red"), "a-only", "unknown key(s) colour"),
        (broken_step(2, fields=[{"name": "x", "type": "text", "label": "X", "next": "end"}]),
         "form", "unknown key(s) next in field 'x'"),
    ],
)
def test_bad_steps_are_named_with_file_and_step(flow, step, message) -> None:
    with pytest.raises(FlowError) as caught:
        parse(flow, Path("content/demo.toml"))
    assert caught.value.step == step
    assert "content/demo.toml" in str(caught.value)
    assert message in str(caught.value)


def test_a_broken_file_is_reported_and_the_others_load(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text((CONTENT / "email-address.toml").read_text())
    (tmp_path / "broken.toml").write_text('id = "broken"\nversion = 1\n[[steps]\nid=')
    (tmp_path / "bad-step.toml").write_text(
        (CONTENT / "email-address.toml").read_text()
        .replace('id = "email-address"', 'id = "other"').replace('kind = "checklist"', 'kind = "x"'))
    library = load_folder(tmp_path)
    assert list(library.flows) == ["email-address"]
    messages = sorted(str(e) for e in library.errors)
    assert "bad-step.toml, step 'password'" in messages[0]
    assert "broken.toml: not valid TOML" in messages[1]


def test_load_file_reads_toml(tmp_path: Path) -> None:
    flow = load_file(CONTENT / "email-address.toml")
    assert flow.family == "procedure" and flow.steps[-1].kind == "review"
    assert "Create an e-mail address" in list(flow.texts())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("21/03/1958", dt.date(1958, 3, 21)), ("1-2-2000", dt.date(2000, 2, 1)),
     ("31/02/2000", None), ("2000-02-01", None), ("hier", None), ("", None)],
)
def test_dates_are_read_the_french_way(raw, expected) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("field", "raw", "value", "problem"),
    [
        (Field("d", "date", "D", when="past"), "01/01/2030", "01/01/2030", "in the future"),
        (Field("d", "date", "D", when="future"), "01/01/2020", "01/01/2020", "already past"),
        (Field("d", "date", "D"), "5/4/2026", "05/04/2026", None),
        (Field("n", "number", "N", minimum=0, maximum=20), "21", "21", "largest"),
        (Field("n", "number", "N", minimum=0), "-1", "-1", "smallest"),
        (Field("n", "number", "N"), "douze", "douze", "number"),
        (Field("e", "email", "E"), "marie@", "marie@", "e-mail"),
        (Field("e", "email", "E"), " marie.dupont@laposte.net ", "marie.dupont@laposte.net", None),
        (Field("p", "phone", "P"), "06 12 34 56 78", "0612345678", None),
        (Field("p", "phone", "P"), "+33 6 12 34 56 78", "+33612345678", None),
        (Field("p", "phone", "P"), "12 34", "12 34", "10 digits"),
        (Field("t", "text", "T"), "x" * 201, "x" * 201, "too long"),
        (Field("t", "text", "T"), "   ", "", "fill in"),
        (Field("t", "text", "T", required=False), "", "", None),
        (Field("y", "yesno", "Y"), "maybe", "", "Choose"),
        (Field("y", "yesno", "Y"), "yes", "yes", None),
    ],
)
def test_fields_are_checked_and_cleaned(field, raw, value, problem) -> None:
    cleaned, found = check_field(field, raw, TODAY)
    assert cleaned == value
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found.message % found.values


def test_a_form_keeps_every_value_and_names_each_problem() -> None:
    flow = parse(minimal(), Path("demo.toml"))
    values, problems = check_form(flow.step("form"), {"born": "32/01/1990", "kids": "3"}, TODAY)
    assert values == {"born": "32/01/1990", "kids": "3"}
    assert list(problems) == ["born"]


def test_the_babel_extractor_yields_every_text_once() -> None:
    from kiosk.flows.extract import extract

    path = CONTENT / "email-address.toml"
    with path.open("rb") as handle:
        found = [message for _, _, message, _ in extract(handle, [], [], {})]
    flow = load_file(path)
    assert found == list(dict.fromkeys(flow.texts()))
    assert "Why you need an e-mail address" in found

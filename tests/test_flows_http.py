"""Flows over HTTP without JavaScript: every flow walked to its end, bad input, privacy."""
from __future__ import annotations

import re
from itertools import product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.flows import CONTENT_DIR, FAMILY_BY_CODE
from kiosk.flows.engine import Flow, Step, load_folder
from kiosk.flows.models import FlowUse
from kiosk.resident.models import KioskSession
from kiosk.settings import load
from tests.conftest import Resident, csrf_of

LIBRARY = load_folder(CONTENT_DIR)
FLOWS = sorted(LIBRARY.flows.values(), key=lambda f: f.id)


def good_value(entry) -> str:
    """Return a value a resident could type that the field accepts."""
    return {
        "date": "21/03/2040" if entry.when == "future" else "21/03/1958",
        "number": str(int(entry.minimum) if entry.minimum is not None else 1),
        "email": "marie.dupont@laposte.net",
        "phone": "06 12 34 56 78",
        "select": entry.options[0].value if entry.options else "",
        "yesno": "yes",
        "longtext": "Une ligne.\nUne autre ligne.",
    }.get(entry.type, "Marie Dupont")


def answer_for(step: Step, pick: int) -> dict[str, str | list[str]]:
    if step.kind == "choice":
        return {"choice": step.options[pick % len(step.options)].value}
    if step.kind == "checklist":
        return {"item": [str(n) for n in range(len(step.items))]}
    if step.kind == "form":
        return {entry.name: good_value(entry) for entry in step.fields}
    if step.kind == "compose":
        return {"body": "Premier paragraphe de la lettre.\n\nSecond paragraphe."}
    return {}


def walk(resident: Resident, flow: Flow, picks: tuple[int, ...]) -> list[str]:
    """Go through a flow as a resident would, choosing option `picks[n]` at the n-th choice."""
    client, lang = resident.client, resident.lang
    response = client.get(f"/{lang}/flows/{flow.id}")
    assert response.status_code == 302
    url = response.headers["Location"]
    visited, choices = [], iter(picks)
    while True:
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.get_data(as_text=True)
        assert f'<html lang="{lang}"' in html
        step_id = url.rsplit("/", 1)[1]
        visited.append(step_id)
        step = flow.step(step_id)
        pick = next(choices, 0) if step.kind == "choice" else 0
        response = client.post(url, data={"csrf_token": csrf_of(html), **answer_for(step, pick)})
        assert response.status_code == 303, (url, response.status_code)
        if step.kind == "review":
            family = FAMILY_BY_CODE[flow.family].slug
            assert response.headers["Location"].endswith(f"/{lang}/{family}")
            return visited
        url = response.headers["Location"]


def branch_picks(flow: Flow) -> list[tuple[int, ...]]:
    """Return choice picks that together take every option of every choice at least once."""
    widest = max((len(s.options) for s in flow.steps if s.kind == "choice"), default=1)
    count = sum(1 for s in flow.steps if s.kind == "choice")
    return [tuple([n] * count) for n in range(widest)] if count else [()]


@pytest.mark.parametrize("lang", load({})["KIOSK_LANGUAGES"])
@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.id)
def test_every_flow_can_be_walked_to_its_end(client, flow: Flow, lang: str) -> None:
    resident = Resident(client, lang)
    seen: set[str] = set()
    for picks in branch_picks(flow):
        visited = walk(resident, flow, picks)
        assert visited[-1] == flow.steps[-1].id
        seen.update(visited)
    use = FlowUse.get(FlowUse.flow == flow.id)
    assert use.completed and use.version == flow.version
    reachable = {s.id for picks in product(range(3), repeat=3) for s in flow.path(
        {c.id: c.options[p % len(c.options)].value
         for c, p in zip([s for s in flow.steps if s.kind == "choice"], picks, strict=False)})}
    assert reachable <= seen | {s.id for s in flow.steps}


def test_review_shows_answers_qr_and_official_link(resident: Resident) -> None:
    flow = LIBRARY.flows["email-address"]
    walk(resident, flow, (1,))
    html = resident.client.get("/fr/flows/email-address/review").get_data(as_text=True)
    assert "marie.dupont@laposte.net" not in html  # nothing typed is invented
    assert "21/03/1958" in html and "Marie Dupont" in html
    assert 'href="https://www.laposte.net/"' in html
    qr = resident.client.get("/flows/email-address/review/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert b"<svg" in qr.data and b"style=" not in qr.data  # strict CSP: no inline style


def test_back_keeps_the_answers(resident: Resident) -> None:
    resident.open()
    client = resident.client
    token = csrf_of(client.get("/fr/flows/email-address/prepare").get_data(as_text=True))
    client.post("/fr/flows/email-address/have-phone", data={"csrf_token": token, "choice": "no"})
    client.post("/fr/flows/email-address/prepare",
                data={"csrf_token": token, "address_idea": "marie.dupont", "birth_date": "1/2/1950"})
    html = client.get("/fr/flows/email-address/prepare").get_data(as_text=True)
    assert 'value="marie.dupont"' in html and 'value="01/02/1950"' in html
    assert 'href="/fr/flows/email-address/no-phone"' in html  # back follows the branch taken
    html = client.get("/fr/flows/email-address/have-phone").get_data(as_text=True)
    assert 'value="no" aria-pressed="true"' in html


def test_invalid_form_rerenders_with_errors_and_keeps_every_value(resident: Resident) -> None:
    html = resident.client.get("/fr/flows/email-address/prepare").get_data(as_text=True)
    response = resident.client.post("/fr/flows/email-address/prepare", data={
        "csrf_token": csrf_of(html), "address_idea": "marie<b>", "birth_date": "31/02/1990"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="marie&lt;b&gt;"' in html and 'value="31/02/1990"' in html
    assert 'aria-invalid="true"' in html
    assert html.count('class="field-message"') == 1


def test_progress_is_shown(resident: Resident) -> None:
    html = resident.client.get("/fr/flows/email-address/password").get_data(as_text=True)
    assert "Étape 4 sur 6" in html


@pytest.mark.parametrize("path", ["/fr/flows/nothing", "/fr/flows/nothing/step",
                                  "/fr/flows/email-address/nothing"])
def test_unknown_flow_or_step_is_a_404_with_a_way_home(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert 'href="/fr/"' in response.get_data(as_text=True)


def test_htmx_gets_the_step_alone_within_8_kb(client) -> None:
    for flow in FLOWS:
        for step in flow.steps:
            url = f"/fr/flows/{flow.id}/{step.id}"
            response = client.get(url, headers={"HX-Request": "true"})
            html = response.get_data(as_text=True)
            assert response.status_code == 200
            assert "<html" not in html and 'id="step"' in html
            assert response.headers["HX-Push-Url"] == url
            assert re.search(r'<a class="control" id="bar-back" href="[^"]*" hx-swap-oob="true">', html)
            assert len(response.data) <= 8 * 1024, (url, len(response.data))


def test_answers_go_with_the_session_but_the_use_is_recorded(resident: Resident) -> None:
    walk(resident, LIBRARY.flows["email-address"], (0,))
    use = FlowUse.get()
    assert use.completed and "review" in use.steps_reached
    assert "Marie Dupont" in use.answers
    resident.post("session/end")
    assert FlowUse.select().count() == 0 and KioskSession.select().count() == 0


FORM_STEPS = [(f, s) for f in FLOWS for s in f.steps
              if s.kind in ("form", "choice", "checklist", "compose")]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)


@pytest.mark.parametrize(("flow", "step"), FORM_STEPS, ids=lambda x: getattr(x, "id", ""))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_answers_never_break_a_step(client, flow: Flow, step: Step, data) -> None:
    names = [f.name for f in step.fields] + ["choice", "item", "other"]
    form = data.draw(st.dictionaries(st.sampled_from(names), st.one_of(TEXT, st.lists(TEXT, max_size=3))))
    url = f"/fr/flows/{flow.id}/{step.id}"
    token = csrf_of(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, **form})
    assert response.status_code in (303, 422), response.status_code
    if response.status_code == 422:
        assert re.search(r'class="field-message"|role="alert"', response.get_data(as_text=True))


def test_numbers_dates_and_addresses_are_typed_left_to_right_in_arabic(client) -> None:
    html = client.get("/ar/flows/email-address/prepare").get_data(as_text=True)
    assert re.search(r'name="birth_date"[^>]*dir="ltr"', html)
    assert not re.search(r'name="address_idea"[^>]*dir="ltr"', html)


def test_showing_a_reached_step_again_writes_nothing(app, client) -> None:
    from kiosk.db import database

    client.get("/fr/flows/email-address/why")  # starts the visit and records the step
    with app.app_context():
        before = database.connection().total_changes
    for _ in range(3):
        assert client.get("/fr/flows/email-address/why").status_code == 200
    with app.app_context():
        assert database.connection().total_changes == before
    client.get("/fr/flows/email-address/have-phone")  # a new step is recorded
    with app.app_context():
        assert database.connection().total_changes > before

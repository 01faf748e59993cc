"""kiosk.lean: the framework's behaviour, without redoing work whose answer cannot change."""
from __future__ import annotations

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect, Rule
from werkzeug.test import EnvironBuilder

from kiosk import lean
from kiosk.lean import KioskMap, KioskRequest


def test_a_matched_path_is_walked_once_and_its_values_handed_out_as_copies(monkeypatch) -> None:
    rules = KioskMap([Rule("/<lang>/flows/<flow_id>/<step_id>", endpoint="step")])
    urls = rules.bind("kiosk.local")
    walks = []
    walk = lean.StateMachineMatcher.match

    def counting(self, *args):
        walks.append(args[1])
        return walk(self, *args)

    monkeypatch.setattr(lean.StateMachineMatcher, "match", counting)
    first = urls.match("/fr/flows/ants-id-card/what")
    first[1].pop("lang")  # as Flask's URL processors do
    second = urls.match("/fr/flows/ants-id-card/what")
    other = urls.match("/ar/flows/caf-rsa/who")
    assert first[0] == second[0] == "step"
    assert second[1] == {"lang": "fr", "flow_id": "ants-id-card", "step_id": "what"}
    assert other[1] == {"lang": "ar", "flow_id": "caf-rsa", "step_id": "who"}
    assert walks == ["/fr/flows/ants-id-card/what", "/ar/flows/caf-rsa/who"]


def test_refusals_are_not_remembered_and_a_new_rule_is_seen() -> None:
    rules = KioskMap([Rule("/fr/", endpoint="home"), Rule("/fr/help", endpoint="help", methods=["POST"])])
    urls = rules.bind("kiosk.local")
    with pytest.raises(NotFound):
        urls.match("/fr/letters")
    with pytest.raises(RequestRedirect):
        urls.match("/fr")
    with pytest.raises(MethodNotAllowed):
        urls.match("/fr/help", "GET")
    assert rules._matcher._found == {}  # type: ignore[attr-defined]
    assert urls.match("/fr/help", "POST") == ("help", {})
    rules.add(Rule("/fr/letters", endpoint="letters"))
    assert urls.match("/fr/letters") == ("letters", {})
    assert urls.match("/fr/help", "POST") == ("help", {})


def test_remembered_matches_are_bounded(monkeypatch) -> None:
    monkeypatch.setattr(lean, "MATCHES_KEPT", 10)
    rules = KioskMap([Rule("/flows/<flow_id>", endpoint="start")])
    urls = rules.bind("kiosk.local")
    for n in range(25):
        assert urls.match(f"/flows/f{n}") == ("start", {"flow_id": f"f{n}"})
        assert len(rules._matcher._found) <= 10  # type: ignore[attr-defined]


@pytest.mark.parametrize(("header", "expected"), [
    ("", {}),
    ("kiosk=abc; kiosk_csrf=def", {"kiosk": "abc", "kiosk_csrf": "def"}),
    ("kiosk=first; kiosk=second", {"kiosk": "first"}),  # as werkzeug: the first one counts
    ('name="a \\"quoted\\" value"; empty=; bare', {"name": 'a "quoted" value', "empty": "", "bare": ""}),
])
def test_cookies_read_as_werkzeug_reads_them(header: str, expected: dict[str, str]) -> None:
    headers = {"Cookie": header} if header else {}
    request = KioskRequest(EnvironBuilder(path="/", headers=headers).get_environ())
    assert dict(request.cookies) == expected
    with pytest.raises(TypeError):
        request.cookies["kiosk"] = "forged"  # type: ignore[index]


def test_the_app_uses_them(app) -> None:
    assert isinstance(app.url_map, KioskMap)
    assert app.request_class is KioskRequest

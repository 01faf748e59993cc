"""The Métropole's dashboards on central: figures, CSV exports, the pass ledger's statement."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kiosk import create_app
from kiosk.central import dashboards
from kiosk.central.dashboards import SITE_COLUMNS, bp
from kiosk.central.ingest import canonical
from kiosk.central.models import CentralActivity, CentralSite, LedgerEntry, PassBook
from kiosk.db import database
from kiosk.mediation import accounts
from kiosk.mediation.models import JournalEntry
from tests.conftest import csrf_of

PASSWORD = "correct horse battery"
NOW = dt.datetime(2024, 1, 2, 9, 0)
YEAR = "start=2024-01-01&end=2024-12-31"


def central_app(data_dir: Path, database_url: str = "") -> Flask:
    app = create_app({"KIOSK_DATA_DIR": str(data_dir), "KIOSK_ROLE": "central", "TESTING": True,
                      "KIOSK_DATABASE_URL": database_url})
    if "central" not in app.blueprints:  # not wired in kiosk/central/__init__.py yet
        app.register_blueprint(bp)
    return app


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Flask]:
    yield central_app(tmp_path / "data")
    database.close()


class Admin:
    """Someone of the Métropole in a browser (English pages)."""

    def __init__(self, app: Flask, login: str = "metropole", role: str = "central_admin") -> None:
        with app.app_context():
            accounts.create_account(login, login.title(), PASSWORD, role, by="test")
        self.client: FlaskClient = app.test_client()
        page = self.client.get("/en/mediation/login").get_data(as_text=True)
        response = self.client.post("/en/mediation/login", data={
            "csrf_token": csrf_of(page), "login": login, "password": PASSWORD})
        assert response.status_code == 303

    def get(self, path: str):
        return self.client.get(f"/en/central/{path}")

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def token(self) -> str:
        return csrf_of(self.text("ledger"))


# The data ----------------------------------------------------------------------------------

def add_site(code: str, name: str, insee: str, commune: str, **fields: Any) -> CentralSite:
    return CentralSite.create(id=str(uuid.uuid4()), code=code, name=name, commune=commune, insee=insee,
                              created_at=NOW, updated_at=NOW, **fields)


def add_activity(site: CentralSite, day: str, **fields: Any) -> CentralActivity:
    payload: dict[str, Any] = {
        "id": str(uuid.uuid4()), "version": 1, "type": "individuel", "date": day, "duration": 30,
        "place": "lieu_activite", "place_insee": "", "themes": ["bureautique"], "admin_themes": [],
        "equipment": [], "autonomy": "", "demarche": "", "redirected": False, "redirection": "",
        "genre": "non_communique", "tranche_age": "non_communique", "statut": "non_communique",
        "commune_insee": "", "title": "", "level": "", "prescriber": "aucun", "prescriber_name": "",
        "funding": "aucun", "participants": {}, "flows": [], "beneficiary": None, "parcours": None,
        "mediator": "camille", "created_at": f"{day}T10:00:00", "updated_at": f"{day}T10:00:00",
        "deleted": False,
    }
    payload.update(fields)
    return CentralActivity.create(id=payload["id"], site=site.id, version=1, payload=canonical(payload),
                                  deleted=payload["deleted"], date=day, received_at=NOW)


def add_entry(site: CentralSite, number: str, received: dt.datetime, book: str = "CARNET-1",
              status: str = "accepted", **fields: Any) -> LedgerEntry:
    values: dict[str, Any] = dict(id=str(uuid.uuid4()), number=number, site=site.id,
                                  activity=str(uuid.uuid4()), book=book, value_cents=1000, validity_year=2024,
                                  redeemed_at=received.isoformat(), received_at=received, status=status)
    values.update(fields)
    return LedgerEntry.create(**values)


@pytest.fixture
def data(central: Flask) -> dict[str, Any]:
    return fill(central)


def fill(central: Flask) -> dict[str, Any]:
    """Two sites' year 2024, a revoked site, two books of cheques, their ledger."""
    with central.app_context():
        a = add_site("montreuil-num", "Montreuil Numérique", "93048", "Montreuil", siret="12345678900011",
                     address="1 rue de Paris", postal_code="93100")
        b = add_site("bondy-connect", "Bondy Connect", "93010", "Bondy", siret="98765432100022")
        add_site("ferme", "Lieu fermé", "75056", "Paris", revoked=True)
        # Site A: an anonymous job seeker, a followed young beneficiary twice (a parcours), a workshop.
        add_activity(a, "2024-02-10", statut="sans_emploi", tranche_age="25_39", commune_insee="93048",
                     prescriber="france_travail")
        add_activity(a, "2024-03-05", duration=60, beneficiary="B-AAAAA", tranche_age="18_24",
                     commune_insee="93048", themes=["email"], admin_themes=["logement"],
                     prescriber="ccas_mairie", funding="parcours", parcours="P1",
                     autonomy="entierement_accompagne")
        add_activity(a, "2024-04-05", duration=60, beneficiary="B-AAAAA", tranche_age="18_24",
                     commune_insee="93048", themes=["email"], prescriber="ccas_mairie", funding="parcours",
                     parcours="P1", autonomy="autonome")
        add_activity(a, "2024-04-20", type="collectif", duration=120, title="Sécurité",
                     themes=["securite_numerique"],
                     participants={"total": 8, "statut.sans_emploi": 3, "tranche_age.18_24": 2,
                                   "tranche_age.12_17": 1})
        add_activity(a, "2024-05-01", duration=600, deleted=True, beneficiary="B-DELETED",
                     commune_insee="93048")
        # Site B: the same pseudonymous id (another person: ids are the site's), in a parcours opened in 2023.
        add_activity(b, "2023-11-10", beneficiary="B-AAAAA", commune_insee="93010", funding="parcours",
                     parcours="P2", autonomy="partiellement_autonome", themes=["sante"])
        add_activity(b, "2024-06-01", beneficiary="B-AAAAA", tranche_age="40_59", statut="en_emploi",
                     commune_insee="93010", themes=["sante"], funding="parcours", parcours="P2",
                     autonomy="partiellement_autonome")
        add_activity(b, "2024-06-02", themes=["sante"])
        PassBook.create(code="CARNET-1", first="1".zfill(20), last="9".zfill(20),
                        funder="Métropole du Grand Paris", value_cents=1000, validity_year=2024,
                        imported_at=NOW)
        PassBook.create(code="CARNET-2", first="11".zfill(20), last="19".zfill(20), funder="Département 93",
                        value_cents=1000, validity_year=2024, imported_at=NOW)
        add_entry(a, "100001", dt.datetime(2024, 3, 10, 12, 0))
        add_entry(a, "100011", dt.datetime(2024, 3, 31, 23, 30), book="CARNET-2")
        add_entry(b, "100002", dt.datetime(2024, 3, 15, 9, 0))
        add_entry(b, "100003", dt.datetime(2024, 3, 16, 9, 0), cancelled_at=dt.datetime(2024, 3, 17))
        add_entry(a, "100004", dt.datetime(2024, 4, 1, 0, 10))
        conflict = add_entry(b, "100001", dt.datetime(2024, 3, 20, 9, 0), status="conflict",
                             detail="already_redeemed|Montreuil Numérique|2024-03-10")
        add_entry(b, "555555", dt.datetime(2024, 3, 21, 9, 0), book="", status="conflict", detail="unknown",
                  resolved_at=dt.datetime(2024, 3, 22), resolved_by="someone")
    return {"a": a, "b": b, "conflict": conflict}


@contextmanager
def english(app: Flask) -> Iterator[None]:
    """A request to an English page, its language bound (for labels)."""
    with app.test_request_context("/en/central/"):
        app.preprocess_request()
        yield


def figures_of(app: Flask, now: dt.date = dt.date(2026, 1, 1)) -> dashboards.Figures:
    with app.app_context():
        return dashboards.figures(dt.date(2024, 1, 1), dt.date(2024, 12, 31), now=now)


# Access --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["", "activities.csv", "sites.csv", "ledger"])
def test_pages_need_a_login_then_the_central_admin_role(central: Flask, path: str) -> None:
    response = central.test_client().get(f"/en/central/{path}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/en/mediation/login?next=")
    mediator = Admin(central, "camille", role="mediator")
    assert mediator.get(path).status_code == 403
    site_admin = Admin(central, "sacha", role="site_admin")
    assert site_admin.get(path).status_code == 403
    assert Admin(central).get(path).status_code == 200


def test_resolving_needs_the_role_too(central: Flask, data: dict[str, Any]) -> None:
    mediator = Admin(central, "camille", role="mediator")
    token = csrf_of(mediator.client.get("/en/mediation/login").get_data(as_text=True))
    response = mediator.client.post(f"/en/central/ledger/{data['conflict'].id}/resolve",
                                    data={"csrf_token": token, "note": "x"})
    assert response.status_code == 403
    with central.app_context():
        assert LedgerEntry.get_by_id(data["conflict"].id).resolved_at is None


def test_other_languages_go_to_the_french_page(central: Flask) -> None:
    response = Admin(central).client.get("/ar/central/ledger?month=2024-03")
    assert response.status_code == 302
    assert response.headers["Location"] == "/fr/central/ledger?month=2024-03"


# Figures -------------------------------------------------------------------------------------

def test_totals(central: Flask, data: dict[str, Any]) -> None:
    f = figures_of(central)
    assert f.activities == 6  # the deleted one and the 2023 one left out
    # 1 anonymous + B-AAAAA once at site A + 8 workshop participants + B-AAAAA at site B + 1 anonymous
    assert f.beneficiaries == 12
    assert f.minutes == 30 + 60 + 60 + 120 + 30 + 30
    assert (f.passes, f.pass_cents) == (4, 4000)  # received in 2024, accepted, not cancelled
    assert (f.conflicts, f.conflicts_open) == (2, 1)


def test_breakdowns(central: Flask, data: dict[str, Any]) -> None:
    f = figures_of(central)
    with english(central):
        assert f.breakdown("commune").labelled() == [("Montreuil", 2), ("Bondy", 1), ("Not stated", 1)]
        assert f.breakdown("site").labelled() == [("Montreuil Numérique", 4), ("Bondy Connect", 2)]
        assert f.breakdown("month").labelled() == [("2024-02", 1), ("2024-03", 1), ("2024-04", 2),
                                                   ("2024-06", 2)]
        # In the national order; the deleted activity's theme (bureautique) is not counted.
        assert f.breakdown("themes").rows == [("email", 2), ("bureautique", 1), ("sante", 2),
                                              ("securite_numerique", 1)]
        assert f.breakdown("admin-themes").rows == [("logement", 1)]
        assert f.breakdown("prescriber").labelled() == [("Came on their own", 3), ("CCAS or town hall", 2),
                                                        ("France Travail", 1)]
    assert [(s.code, s.activities, s.beneficiaries, s.minutes) for s in f.sites] == [
        ("montreuil-num", 4, 10, 270), ("bondy-connect", 2, 2, 60)]  # the revoked site, idle, left out
    assert sum(s.beneficiaries for s in f.sites) == f.beneficiaries


def test_a_followed_beneficiary_counts_once_per_site(central: Flask, data: dict[str, Any]) -> None:
    with central.app_context():
        for day in ("2024-07-01", "2024-07-02", "2024-07-03"):
            add_activity(data["a"], day, beneficiary="B-AAAAA", commune_insee="93048")
    f = figures_of(central)
    assert f.activities == 9
    assert f.beneficiaries == 12
    assert f.breakdown("commune").rows[0] == ("93048", 2)


def test_priority_publics(central: Flask, data: dict[str, Any]) -> None:
    f = figures_of(central)
    by_key = {p.key: p for p in f.priority}
    assert by_key["job_seekers"].count == 1 + 3  # the anonymous one and the workshop's counter
    assert by_key["job_seekers"].share == 33.3
    assert by_key["young"].count == 1 + 2 + 1  # B-AAAAA once, the workshop's 18-24 and 12-17
    assert by_key["qpv"].count is None and by_key["social_housing"].count is None
    assert f.bailleurs is None


def test_qpv_and_social_housing_once_sites_send_them(central: Flask, data: dict[str, Any]) -> None:
    with central.app_context():
        add_activity(data["b"], "2024-09-01", qpv="oui", social_housing="oui",
                     bailleur="Seine-Saint-Denis Habitat")
        add_activity(data["b"], "2024-09-02", qpv="non", social_housing="oui", bailleur="")
        add_activity(data["b"], "2024-09-03", qpv="oui", social_housing="non", bailleur="")
    f = figures_of(central)
    by_key = {p.key: p for p in f.priority}
    assert by_key["qpv"].count == 2
    assert by_key["social_housing"].count == 2
    assert f.bailleurs == [("Seine-Saint-Denis Habitat", 1), ("", 1)]


def test_parcours(central: Flask, data: dict[str, Any]) -> None:
    p = figures_of(central).parcours
    # P1 opened and completed in 2024, from "with guidance" to "autonomous"; P2 opened in 2023,
    # completed in 2024 at the same level.
    assert (p.opened, p.completed, p.gained, p.rule) == (1, 2, 1, "quiet")
    # Seen in mid-June 2024, neither has been quiet for 90 days: none completed yet.
    p = figures_of(central, now=dt.date(2024, 6, 15)).parcours
    assert (p.opened, p.completed, p.gained) == (1, 0, 0)


def test_parcours_closed_by_an_activity_once_sites_say_so(central: Flask) -> None:
    with central.app_context():
        site = add_site("montreuil-num", "Montreuil Numérique", "93048", "Montreuil")
        add_activity(site, "2024-10-01", beneficiary="B-CCCCC", parcours="P3", funding="parcours",
                     autonomy="entierement_accompagne", parcours_closed=False)
        add_activity(site, "2024-10-08", beneficiary="B-CCCCC", parcours="P3", funding="parcours",
                     autonomy="partiellement_autonome", parcours_closed=True)
        add_activity(site, "2024-10-09", beneficiary="B-DDDDD", parcours="P4", funding="parcours",
                     autonomy="entierement_accompagne", parcours_closed=False)
    p = figures_of(central, now=dt.date(2024, 10, 10)).parcours
    assert (p.opened, p.completed, p.gained, p.rule) == (2, 1, 1, "closed")
    # Older activities without the field: those parcours are still told by the quiet rule.
    with central.app_context():
        add_activity(site, "2024-03-01", beneficiary="B-EEEEE", parcours="P5", funding="parcours",
                     autonomy="entierement_accompagne")
    p = figures_of(central, now=dt.date(2024, 10, 10)).parcours
    assert (p.opened, p.completed, p.gained, p.rule) == (3, 2, 1, "both")


def test_an_activity_after_the_period_keeps_a_parcours_open(central: Flask, data: dict[str, Any]) -> None:
    with central.app_context():
        add_activity(data["a"], "2025-01-15", beneficiary="B-AAAAA", parcours="P1", funding="parcours",
                     autonomy="autonome")
    p = figures_of(central).parcours
    assert (p.opened, p.completed) == (1, 1)  # P2 only


def test_the_dashboard_page(central: Flask, data: dict[str, Any]) -> None:
    html = Admin(central).text(f"?{YEAR}")
    assert "<title>Métropole dashboard · " in html and "<h1>Métropole dashboard</h1>" in html
    assert "<dt>Activities</dt><dd>6</dd>" in html
    assert "<dt>Beneficiaries</dt><dd>12</dd>" in html
    assert "<dt>Hours</dt><dd>5.5</dd>" in html
    assert "<dt>Value of the cheques accepted</dt><dd>40.00 €</dd>" in html
    assert '<th scope="row">Montreuil</th><td>2</td>' in html
    assert '<th scope="row">Montreuil Numérique</th><td>4</td><td>10</td><td>4.5</td>' in html
    assert html.count("<svg") == 6
    assert "Not reported yet" in html
    assert " style=" not in html and "<style" not in html


def test_an_htmx_request_gets_the_fragment(central: Flask, data: dict[str, Any]) -> None:
    response = Admin(central).client.get(f"/en/central/?{YEAR}", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.startswith("<title>Métropole dashboard</title><h1>") and "<html" not in html
    assert response.headers["HX-Push-Url"] == f"/en/central/?{YEAR}"


def test_the_default_period_is_the_current_year(central: Flask, data: dict[str, Any]) -> None:
    year = dt.date.today().year
    with central.app_context():
        add_activity(data["a"], f"{year}-01-01")
    html = Admin(central).text("")
    assert f'name="start" value="{year}-01-01"' in html and f'name="end" value="{year}-12-31"' in html
    assert "<dt>Activities</dt><dd>1</dd>" in html


@pytest.mark.parametrize("query", ["start=garbage&end=2024-13-45", "start=99999-01-01", "start=0001-01-01",
                                   "end=9999-12-31", "start=2024-12-31&end=2024-01-01", "start=%00&end=%ff",
                                   "start=2024-01-01T00:00", "start=" + "9" * 500])
def test_bad_dates_fall_back(central: Flask, data: dict[str, Any], query: str) -> None:
    admin = Admin(central)
    for path in ("", "activities.csv"):
        assert admin.get(f"{path}?{query}").status_code == 200, (path, query)
    html = admin.text("?start=2024-12-31&end=2024-01-01")
    assert "<dt>Activities</dt><dd>6</dd>" in html  # swapped, not refused


def test_a_malformed_payload_is_no_500(central: Flask, data: dict[str, Any]) -> None:
    with central.app_context():
        add_activity(data["a"], "2024-08-01", themes="oops", participants=[1], duration=-5, prescriber=None,
                     beneficiary=7, type="collectif")
        CentralActivity.create(id=str(uuid.uuid4()), site=data["a"].id, version=1, payload="not json",
                               date="2024-08-02", received_at=NOW)
    f = figures_of(central)
    assert f.activities == 7 and f.minutes == 330
    assert Admin(central).get(f"?{YEAR}").status_code == 200


# CSV -----------------------------------------------------------------------------------------

def read_csv(body: bytes, separator: str = ";") -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=separator))


def test_activities_csv(central: Flask, data: dict[str, Any]) -> None:
    response = Admin(central).get(f"activities.csv?{YEAR}")
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert 'filename="metropole-activites-2024-01-01-2024-12-31.csv"' in disposition
    rows = read_csv(response.data)
    assert rows[0] == ["rubrique", "code", "libelle", "valeur", "part_pct"]
    assert ["totaux", "activites", "Activités", "6", ""] in rows
    assert ["totaux", "beneficiaires", "Bénéficiaires", "12", ""] in rows
    assert ["totaux", "heures", "Heures d'accompagnement", "5,5", ""] in rows
    assert ["totaux", "valeur_cheques_euros", "Valeur des chèques acceptés (€)", "40,00", ""] in rows
    assert ["commune", "93048", "Montreuil", "2", ""] in rows
    assert ["site", "montreuil-num", "Montreuil Numérique", "4", ""] in rows
    assert ["site_beneficiaires", "bondy-connect", "Bondy Connect", "2", ""] in rows
    assert ["thematique", "bureautique", "Bureautique", "1", ""] in rows
    assert ["parcours", "autonomie_gagnee", "Parcours terminés avec un niveau d'autonomie plus élevé",
            "1", ""] in rows
    assert ["publics_prioritaires", "demandeurs_emploi", "Demandeurs d'emploi (statut Sans emploi)",
            "4", "33,3"] in rows
    assert ["publics_prioritaires", "qpv", "Habitants d'un quartier prioritaire (QPV)"
            " (pas encore transmis par les sites)", "", ""] in rows
    assert {row[0] for row in rows[1:]} <= set(dashboards.CSV_SECTIONS)


def test_activities_csv_one_breakdown(central: Flask, data: dict[str, Any]) -> None:
    admin = Admin(central)
    response = admin.get(f"activities.csv?{YEAR}&breakdown=site&sep=comma")
    assert response.headers["Content-Disposition"].endswith('-site.csv"')
    rows = read_csv(response.data, ",")
    assert rows == [["rubrique", "code", "libelle", "valeur", "part_pct"],
                    ["site", "montreuil-num", "Montreuil Numérique", "4", ""],
                    ["site", "bondy-connect", "Bondy Connect", "2", ""]]
    # An unknown section gives the whole file.
    rows = read_csv(admin.get(f"activities.csv?{YEAR}&breakdown=nope").data)
    assert {row[0] for row in rows[1:]} >= {"totaux", "mois", "site", "publics_prioritaires"}


def test_sites_csv_in_the_national_schema(central: Flask, data: dict[str, Any]) -> None:
    response = Admin(central).get("sites.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.data.decode("utf-8")
    assert not text.startswith("\ufeff")  # open data: plain UTF-8
    assert text.split("\r\n", 1)[0] == "id,nom,pivot,commune,code_postal,adresse,date_maj,code_insee"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["nom"] for r in rows] == ["Bondy Connect", "Montreuil Numérique"]  # not the revoked one
    bondy, montreuil = rows
    assert montreuil == {"id": data["a"].id, "nom": "Montreuil Numérique", "pivot": "12345678900011",
                         "commune": "Montreuil", "code_postal": "93100", "adresse": "1 rue de Paris",
                         "date_maj": "2024-01-02", "code_insee": "93048"}
    assert bondy["code_postal"] == "93140"  # not known to central: the commune's, from its INSEE code
    assert tuple(rows[0]) == SITE_COLUMNS
    assert not any("|" in value for row in rows for value in row.values())  # no multi-valued field yet


# Ledger --------------------------------------------------------------------------------------

def test_statement_per_site_and_per_funder(central: Flask, data: dict[str, Any]) -> None:
    with central.app_context():
        by_site, by_funder = dashboards.statement(dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert [(s.name, s.cheques, s.cents) for s in by_site] == [("Bondy Connect", 1, 1000),
                                                              ("Montreuil Numérique", 2, 2000)]
    assert [(f.name, f.cheques, f.cents) for f in by_funder] == [("Département 93", 1, 1000),
                                                                ("Métropole du Grand Paris", 2, 2000)]


def test_the_ledger_page(central: Flask, data: dict[str, Any]) -> None:
    html = Admin(central).text("ledger?month=2024-03")
    assert "<title>Pass ledger · " in html and "Pass ledger: statement for 03/2024" in html
    assert "<dt>Cheques to pay</dt><dd>3</dd>" in html and "<dd>30.00 €</dd>" in html
    assert ('<th scope="row">Montreuil Numérique</th><td dir="ltr">12345678900011</td><td>2</td>'
            "<td>20.00 €</td>") in html
    assert '<th scope="row">Métropole du Grand Paris</th><td>2</td><td>20.00 €</td>' in html
    # One conflict to resolve (the other is resolved), whatever the month shown.
    assert "1 conflict to resolve" in html
    assert "Already recorded on 10/03/2024 at Montreuil Numérique." in html
    assert "555555" not in html
    assert " style=" not in html and "<style" not in html
    april = Admin(central, "other").text("ledger?month=2024-04")
    assert "<dt>Cheques to pay</dt><dd>1</dd>" in april and "1 conflict to resolve" in april


def test_the_ledger_csv(central: Flask, data: dict[str, Any]) -> None:
    rows = read_csv(Admin(central).get("ledger?month=2024-03&format=csv").data)
    assert rows == [["rubrique", "code", "nom", "siret", "cheques", "valeur_euros"],
                    ["site", "bondy-connect", "Bondy Connect", "98765432100022", "1", "10,00"],
                    ["site", "montreuil-num", "Montreuil Numérique", "12345678900011", "2", "20,00"],
                    ["commanditaire", "Département 93", "Département 93", "", "1", "10,00"],
                    ["commanditaire", "Métropole du Grand Paris", "Métropole du Grand Paris", "", "2",
                     "20,00"]]


def test_the_default_month_is_last_month(central: Flask) -> None:
    last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    html = Admin(central).text("ledger")
    assert f"statement for {last:%m/%Y}" in html


@pytest.mark.parametrize("month", ["abc", "2024-13", "9999-12", "0000-01", "2024-1", "%ff", "2024-03-99x"])
def test_a_bad_month_falls_back(central: Flask, month: str) -> None:
    admin = Admin(central)
    assert admin.get(f"ledger?month={month}").status_code == 200
    assert admin.get(f"ledger?month={month}&format=csv").status_code == 200


def test_resolving_a_conflict(central: Flask, data: dict[str, Any]) -> None:
    admin = Admin(central)
    entry = data["conflict"]
    response = admin.client.post(f"/en/central/ledger/{entry.id}/resolve",
                                 data={"csrf_token": admin.token(), "note": "Checked: same resident, twice.",
                                       "month": "2024-03"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/central/ledger?month=2024-03"
    with central.app_context():
        resolved = LedgerEntry.get_by_id(entry.id)
        assert resolved.resolved_at is not None and resolved.resolved_by == "metropole"
        assert resolved.status == "conflict"  # still not payable
        journal = JournalEntry.get(JournalEntry.action == "ledger.conflict_resolved")
        assert journal.target == entry.id and journal.mediator == "metropole"
        assert json.loads(journal.detail)["note"] == "Checked: same resident, twice."
    html = admin.text("ledger?month=2024-03")
    assert "Conflict on cheque 100001 marked as resolved." in html
    assert "No conflict to resolve." in html
    assert "<dt>Cheques to pay</dt><dd>3</dd>" in html
    # Twice: nothing changes, the page says so.
    admin.client.post(f"/en/central/ledger/{entry.id}/resolve", data={"csrf_token": admin.token()})
    assert "This conflict was already resolved." in admin.text("ledger?month=2024-03")
    with central.app_context():
        assert LedgerEntry.get_by_id(entry.id).resolved_at == resolved.resolved_at


def test_resolving_refuses_what_it_should(central: Flask, data: dict[str, Any]) -> None:
    admin = Admin(central)
    token = admin.token()
    entry = data["conflict"]
    assert admin.client.post(f"/en/central/ledger/{entry.id}/resolve", data={"note": "x"}).status_code == 400
    assert admin.client.post(f"/en/central/ledger/{uuid.uuid4()}/resolve",
                             data={"csrf_token": token}).status_code == 404
    assert admin.client.post(f"/en/central/ledger/{entry.id}xyz/resolve",
                             data={"csrf_token": token}).status_code == 404
    with central.app_context():
        accepted = LedgerEntry.get(LedgerEntry.status == "accepted")
    assert admin.client.post(f"/en/central/ledger/{accepted.id}/resolve",
                             data={"csrf_token": token}).status_code == 404
    response = admin.client.post(f"/en/central/ledger/{entry.id}/resolve",
                                 data={"csrf_token": token, "note": "n" * 5000, "month": "garbage"})
    assert response.headers["Location"] == "/en/central/ledger"
    with central.app_context():
        assert LedgerEntry.get_by_id(entry.id).resolved_at is not None
        journal = JournalEntry.get(JournalEntry.action == "ledger.conflict_resolved")
        assert len(json.loads(journal.detail)["note"]) == 500


# PostgreSQL ------------------------------------------------------------------------------------

@pytest.mark.postgres
def test_the_same_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    app = central_app(tmp_path / "data", postgres_url)
    data = fill(app)
    f = figures_of(app)
    assert (f.activities, f.beneficiaries, f.minutes, f.passes, f.pass_cents) == (6, 12, 330, 4, 4000)
    assert (f.parcours.opened, f.parcours.completed, f.parcours.gained) == (1, 2, 1)
    with app.app_context():
        by_site, by_funder = dashboards.statement(dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert [(s.cheques, s.cents) for s in by_site] == [(1, 1000), (2, 2000)]
    assert [(f.cheques, f.cents) for f in by_funder] == [(1, 1000), (2, 2000)]
    admin = Admin(app)
    assert "<dt>Activities</dt><dd>6</dd>" in admin.text(f"?{YEAR}")
    assert "1 conflict to resolve" in admin.text("ledger?month=2024-03")
    assert admin.get("sites.csv").status_code == 200
    response = admin.client.post(f"/en/central/ledger/{data['conflict'].id}/resolve",
                                 data={"csrf_token": admin.token(), "note": "ok"})
    assert response.status_code == 303
    assert "No conflict to resolve." in admin.text("ledger?month=2024-03")


def test_central_admins_register_rotate_and_revoke_sites_on_the_web(tmp_path: Path, font_cache: Path) -> None:
    import re as regex

    from kiosk import create_app
    from kiosk.central.models import CentralSite
    from kiosk.central.registry import site_key
    from kiosk.db import database
    from kiosk.mediation import accounts
    from tests.conftest import csrf_of

    app = create_app({"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_ROLE": "central", "TESTING": True})
    try:
        with app.app_context():
            accounts.create_account("metropole", "Métropole", "correct horse battery", "central_admin",
                                    by="test")
        client = app.test_client()
        page = client.get("/fr/mediation/login").get_data(as_text=True)
        client.post("/fr/mediation/login", data={"csrf_token": csrf_of(page), "login": "metropole",
                                                 "password": "correct horse battery"})
        token = csrf_of(client.get("/fr/central/sites").get_data(as_text=True))
        bad = client.post("/fr/central/sites", data={"csrf_token": token, "code": "Bad Code", "name": "X",
                                                     "commune": "Montreuil", "insee": "93048"})
        assert bad.status_code == 422 and 'value="Montreuil"' in bad.get_data(as_text=True)
        made = client.post("/fr/central/sites", data={"csrf_token": token, "code": "montreuil-media",
                                                      "name": "Médiathèque", "commune": "Montreuil",
                                                      "insee": "93048", "siret": ""})
        html = made.get_data(as_text=True)
        key = regex.search(r"KIOSK_SYNC_KEY=([0-9a-f]{64})", html).group(1)
        with app.app_context():
            site = CentralSite.get(CentralSite.code == "montreuil-media")
            assert site_key(site) == key
        rotated = client.post("/fr/central/sites/montreuil-media/rotate", data={"csrf_token": token})
        new_key = regex.search(r"KIOSK_SYNC_KEY=([0-9a-f]{64})", rotated.get_data(as_text=True)).group(1)
        assert new_key != key
        client.post("/fr/central/sites/montreuil-media/revoke", data={"csrf_token": token, "undo": "0"})
        with app.app_context():
            assert CentralSite.get(CentralSite.code == "montreuil-media").revoked
        assert key not in client.get("/fr/central/sites").get_data(as_text=True)  # shown once only
    finally:
        database.close()

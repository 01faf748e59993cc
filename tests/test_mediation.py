"""The médiateur space over HTTP: accounts, activity reports, passes, board, exports, rights."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kiosk.db import utcnow, write
from kiosk.mediation import accounts
from kiosk.mediation.models import (
    Activity,
    Beneficiary,
    JournalEntry,
    LoginAttempt,
    Mediator,
    OutboxItem,
    Redemption,
)
from tests.conftest import Resident, csrf_of

PASSWORD = "correct horse battery"
TODAY = dt.date.today()


def make_account(app: Flask, login: str = "camille", role: str = "mediator") -> Mediator:
    with app.app_context():
        return accounts.create_account(login, login.title(), PASSWORD, role, by="test")


class Staff:
    """A médiateur in a browser, through the test client."""

    def __init__(self, client: FlaskClient, login: str = "camille") -> None:
        self.client = client
        self.login_name = login

    def log_in(self, password: str = PASSWORD, address: str = "127.0.0.1"):
        page = self.client.get("/fr/mediation/login").get_data(as_text=True)
        return self.client.post("/fr/mediation/login", environ_base={"REMOTE_ADDR": address},
                                data={"csrf_token": csrf_of(page), "login": self.login_name,
                                      "password": password})

    def token(self) -> str:
        return csrf_of(self.client.get("/fr/mediation/login").get_data(as_text=True))

    def get(self, path: str):
        return self.client.get(f"/fr/mediation/{path}")

    def post(self, path: str, **form):
        return self.client.post(f"/fr/mediation/{path}", data={"csrf_token": self.token(), **form})

    def report(self, **fields):
        form = {"type": "individuel", "date": TODAY.isoformat(), "duration": "30",
                "themes": ["bureautique"], "pass_year": str(TODAY.year), "pass_value": "10"}
        form.update(fields)
        return self.post("activities/new", **form)


@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> Staff:
    make_account(app)
    person = Staff(client)
    assert person.log_in().status_code == 303
    return person


def errors_of(html: str) -> list[str]:
    return re.findall(r'class="field-message" id="e-([\w.]+)"', html)


# Access --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["", "activities", "activities/new", "board", "stats", "passes",
                                  "beneficiaries", "accounts", "kiosks", "journal", "activities.csv"])
def test_every_staff_page_needs_a_login(client: FlaskClient, path: str) -> None:
    response = client.get(f"/fr/mediation/{path}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/fr/mediation/login?next=")


def test_login_then_logout(app: Flask, client: FlaskClient) -> None:
    make_account(app)
    person = Staff(client)
    response = person.log_in()
    assert response.headers["Location"] == "/fr/mediation/"
    assert "Camille" in person.get("").get_data(as_text=True)
    person.post("logout")
    assert person.get("").status_code == 302


def test_a_wrong_password_is_refused_with_the_login_kept(app: Flask, client: FlaskClient) -> None:
    make_account(app)
    response = Staff(client).log_in(password="nope")
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert 'value="camille"' in html
    assert "Identifiant ou mot de passe incorrect" in html


def test_login_is_rate_limited_per_account(app: Flask, client: FlaskClient) -> None:
    make_account(app)
    person = Staff(client)
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        assert person.log_in(password="wrong").status_code == 401
    # Even the right password is refused while the account is locked.
    response = person.log_in()
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    with app.app_context():
        LoginAttempt.update(at=utcnow() - accounts.WINDOW - dt.timedelta(seconds=1)).execute()
    assert person.log_in().status_code == 303


def test_login_is_rate_limited_per_address(app: Flask, client: FlaskClient) -> None:
    for number in range(accounts.MAX_FAILURES_PER_ADDRESS):
        Staff(client, f"nobody{number}").log_in(password="x", address="10.0.0.9")
    make_account(app)
    assert Staff(client).log_in(address="10.0.0.9").status_code == 429
    assert Staff(client).log_in(address="10.0.0.10").status_code == 303


def test_passwords_are_stored_with_argon2id(app: Flask) -> None:
    account = make_account(app)
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


def test_sessions_expire_when_idle(app: Flask, staff: Staff) -> None:
    with staff.client.session_transaction() as session:
        session["seen"] = int(time.time()) - app.config["KIOSK_STAFF_IDLE_MINUTES"] * 60 - 5
    response = staff.get("")
    assert response.status_code == 302
    assert "expired=1" in response.headers["Location"]
    login_page = staff.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Votre session est terminée" in login_page


def test_sessions_end_after_the_maximum_even_when_active(app: Flask, staff: Staff) -> None:
    with staff.client.session_transaction() as session:
        session["since"] = int(time.time()) - app.config["KIOSK_STAFF_SESSION_HOURS"] * 3600 - 5
    assert staff.get("").status_code == 302


def test_log_out_everywhere_ends_the_other_browsers(app: Flask, staff: Staff) -> None:
    other = Staff(app.test_client())
    assert other.log_in().status_code == 303
    assert other.get("").status_code == 200
    staff.post("logout-everywhere")
    assert other.get("").status_code == 302
    assert staff.get("").status_code == 302


def test_a_turned_off_account_is_logged_out(app: Flask, staff: Staff) -> None:
    make_account(app, "admin", "site_admin")
    admin = Staff(app.test_client(), "admin")
    admin.log_in()
    with app.app_context():
        camille = Mediator.get(Mediator.login == "camille")
    admin.post(f"accounts/{camille.id}/active", active="0")
    assert staff.get("").status_code == 302
    assert staff.log_in().status_code == 401


def test_only_admins_manage_accounts(app: Flask, staff: Staff) -> None:
    assert staff.get("accounts").status_code == 403
    make_account(app, "admin", "site_admin")
    admin = Staff(app.test_client(), "admin")
    admin.log_in()
    response = admin.post("accounts", name="Nour", login="nour", password="short", role="mediator")
    assert response.status_code == 422
    assert 'value="nour"' in response.get_data(as_text=True)
    assert admin.post("accounts", name="Nour", login="nour", password=PASSWORD,
                      role="mediator").status_code == 303
    assert Staff(app.test_client(), "nour").log_in().status_code == 303
    with app.app_context():
        assert JournalEntry.select().where(JournalEntry.action == "account.create").count() == 3


def test_every_staff_post_needs_the_csrf_token(staff: Staff) -> None:
    for path in ("activities/new", "logout", "logout-everywhere", "accounts"):
        response = staff.client.post(f"/fr/mediation/{path}", data={"type": "individuel"})
        assert response.status_code == 400, path


def test_a_registered_kiosk_cannot_open_staff_pages(app: Flask, client: FlaskClient) -> None:
    from kiosk import sites

    with app.test_request_context():
        _, key = sites.new_kiosk("Poste 1")
    assert client.get(f"/fr/mediation/device/{key}").status_code == 303
    assert client.get("/fr/mediation/login").status_code == 403
    make_account(app)
    page = client.get("/fr/").get_data(as_text=True)
    response = client.post("/fr/mediation/login", data={"csrf_token": csrf_of(page), "login": "camille",
                                                        "password": PASSWORD})
    assert response.status_code == 403
    assert "Pas disponible ici" in response.get_data(as_text=True)


def test_staff_pages_speak_french_or_english_only(staff: Staff) -> None:
    assert staff.client.get("/ar/mediation/activities").headers["Location"] == "/fr/mediation/activities"
    assert "New report" in staff.client.get("/en/mediation/").get_data(as_text=True)


# Activity reports ----------------------------------------------------------------------------

def test_an_individual_report_with_two_passes(app: Flask, staff: Staff) -> None:
    response = staff.report(pass_numbers="1234 5678\n12345679\n", demarche="Aide au logement",
                            genre="feminin", tranche_age="60_69", commune_insee="93048")
    assert response.status_code == 303
    with app.app_context():
        activity = Activity.get()
        assert activity.funding == "pass_numerique"  # scanning cheques was enough
        assert sorted(r.number for r in activity.redemptions) == ["12345678", "12345679"]
        kinds = sorted(item.kind for item in OutboxItem.select())
        assert kinds == ["activity", "redemption", "redemption"]
        entry = JournalEntry.get(JournalEntry.action == "activity.create")
        assert entry.mediator == "camille"
        assert json.loads(entry.detail)["passes_added"] == ["12345678", "12345679"]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"date": (TODAY + dt.timedelta(days=1)).isoformat()}, "date", "ne peut pas être dans le futur"),
    ({"date": "31/02/2026"}, "date", "Écrivez la date"),
    ({"duration": "autre", "duration_custom": "0"}, "duration", "entre 1 minute et 12 heures"),
    ({"duration": "autre", "duration_custom": "4320"}, "duration", "entre 1 minute et 12 heures"),
    ({"duration": "autre", "duration_custom": "trois jours"}, "duration", "en minutes"),
    ({"themes": []}, "themes", "au moins une thématique"),
    ({"commune_insee": "99999"}, "commune_insee", "dans la liste"),
    ({"type": "collectif", "title": ""}, "title", "titre"),
])
def test_bad_input_is_explained_and_the_form_kept(app: Flask, staff: Staff, fields: dict,
                                                   field: str, message: str) -> None:
    response = staff.report(notes="Mme a apporté son avis d'imposition", **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field in errors_of(html)
    assert message in html
    assert "Mme a apporté son avis d&#39;imposition" in html
    with app.app_context():
        assert Activity.select().count() == 0


@pytest.mark.parametrize(("numbers", "expected"), [
    ("12-AB-99", "pas un numéro de chèque"),
    ("12345678\n12345678", "saisi deux fois"),
])
def test_bad_cheque_numbers_are_listed(app: Flask, staff: Staff, numbers: str, expected: str) -> None:
    response = staff.report(pass_numbers=numbers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert expected in html
    assert "pass_numbers" in errors_of(html)


def test_a_cheque_is_recorded_once_on_the_site(app: Flask, staff: Staff) -> None:
    assert staff.report(pass_numbers="87654321").status_code == 303
    response = staff.report(pass_numbers="87654321\n87654322")
    assert response.status_code == 422
    assert "87654321 : déjà enregistré sur ce lieu" in response.get_data(as_text=True).replace("\u00a0", " ")
    with app.app_context():
        assert Redemption.select().count() == 1


def test_an_expired_cheque_is_refused(staff: Staff) -> None:
    response = staff.report(pass_numbers="11112222", pass_year=str(TODAY.year - 2))
    assert response.status_code == 422
    assert "périmé" in response.get_data(as_text=True)


def test_cheques_are_accepted_until_31_january_after() -> None:
    from kiosk.mediation.passes import check_numbers

    with_year = 2026
    good, problems = check_numbers("11112222", with_year, dt.date(2027, 1, 20), dt.date(2027, 1, 31))
    assert good == ["11112222"] and not problems
    good, problems = check_numbers("11112222", with_year, dt.date(2027, 1, 20), dt.date(2027, 2, 1))
    assert not good and problems[0].reason == "expired"
    good, problems = check_numbers("11112222", with_year, dt.date(2025, 12, 31), dt.date(2026, 1, 2))
    assert problems[0].reason == "not_yet"


def _edit_form(staff: Staff, activity_id: str) -> dict[str, object]:
    html = staff.get(f"activities/{activity_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    return {"type": "individuel", "date": TODAY.isoformat(), "duration": "45",
            "themes": ["email"], "version": version}


def test_two_médiateurs_editing_the_same_report(app: Flask, staff: Staff) -> None:
    staff.report(notes="premier")
    with app.app_context():
        activity_id = Activity.get().id
    make_account(app, "nour")
    nour = Staff(app.test_client(), "nour")
    nour.log_in()
    mine, theirs = _edit_form(staff, activity_id), _edit_form(nour, activity_id)
    assert nour.post(f"activities/{activity_id}", **theirs, notes="par Nour").status_code == 303
    response = staff.post(f"activities/{activity_id}", **mine, notes="par Camille")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Quelqu’un d’autre a modifié" in html or "Quelqu'un d'autre a modifié" in html
    assert "par Camille" in html
    with app.app_context():
        assert Activity.get().notes == "par Nour"
        assert Activity.get().version == 2


def test_delete_is_soft_frees_the_cheques_and_is_journaled(app: Flask, staff: Staff) -> None:
    staff.report(pass_numbers="55556666")
    with app.app_context():
        activity_id = Activity.get().id
    assert staff.post(f"activities/{activity_id}/delete").status_code == 303
    assert staff.get(f"activities/{activity_id}").status_code == 404
    assert staff.report(pass_numbers="55556666").status_code == 303
    with app.app_context():
        assert Activity.select().count() == 2
        assert JournalEntry.select().where(JournalEntry.action == "activity.delete").count() == 1
        deleted = OutboxItem.select().where((OutboxItem.record_id == activity_id)
                                           & (OutboxItem.version == 2)).get()
        assert json.loads(deleted.payload)["deleted"] is True


def test_duplicate_opens_a_copy_dated_today_without_cheques(app: Flask, staff: Staff) -> None:
    staff.report(pass_numbers="99998888", demarche="Carte grise",
                 date=(TODAY - dt.timedelta(days=3)).isoformat())
    with app.app_context():
        activity_id = Activity.get().id
    html = staff.get(f"activities/new?duplicate={activity_id}").get_data(as_text=True)
    assert 'value="Carte grise"' in html
    assert f'value="{TODAY.isoformat()}"' in html
    assert "99998888" not in html


def test_a_followed_beneficiary_gets_a_pseudonym_and_a_parcours(app: Flask, staff: Staff) -> None:
    staff.report(followed="oui", funding="parcours", autonomy="entierement_accompagne",
                 social_housing="oui", bailleur="Paris Habitat")
    with app.app_context():
        person = Beneficiary.get()
        assert re.fullmatch(r"B-[A-Z2-9]{5}", person.pseudonym)
        assert person.bailleur == "Paris Habitat"
        path = person.parcours.get()
        assert path.autonomy_start == "entierement_accompagne" and path.closed_on is None
    staff.report(followed="oui", pseudonym=person.pseudonym.lower(), funding="parcours",
                 autonomy="autonome", close_parcours="oui")
    with app.app_context():
        path = Beneficiary.get().parcours.get()
        assert path.closed_on == TODAY and path.autonomy_end == "autonome"
        assert Activity.select().where(Activity.parcours == path.id).count() == 2


def test_an_unknown_pseudonym_is_refused(staff: Staff) -> None:
    response = staff.report(followed="oui", pseudonym="B-XXXXX")
    assert "pseudonym" in errors_of(response.get_data(as_text=True))


def test_a_workshop_counts_its_participants(app: Flask, staff: Staff) -> None:
    response = staff.report(type="collectif", title="Premiers pas", level="debutant",
                            **{"p.total": "8", "p.genre.feminin": "5", "p.genre.masculin": "3"})
    assert response.status_code == 303
    too_many = staff.report(type="collectif", title="X", **{"p.total": "2", "p.genre.feminin": "5"})
    assert "participants" in errors_of(too_many.get_data(as_text=True))


def test_the_list_paginates_ten_thousand_reports(app: Flask, staff: Staff) -> None:
    with app.app_context():
        owner = Mediator.get()
        now = utcnow()
        rows = [dict(id=f"00000000-0000-4000-8000-{n:012d}", mediator=owner.id, type="individuel",
                     date=TODAY - dt.timedelta(days=n % 300), duration=30, place="lieu_activite",
                     themes='["bureautique"]', created_at=now, updated_at=now) for n in range(10_000)]
        with write():
            for start in range(0, len(rows), 500):
                Activity.insert_many(rows[start:start + 500]).execute()
    started = time.perf_counter()
    html = staff.get("activities?page=3").get_data(as_text=True)
    elapsed = time.perf_counter() - started
    assert "10000 comptes-rendus" in html.replace("\u202f", "").replace("\u00a0", "")
    assert "Page 3 sur 200" in html
    assert html.count("<tr>") == 51
    assert elapsed < 2.0, elapsed  # a generous bound: it is ~50 ms here; 10,000 rows drawn would be seconds
    assert staff.get("activities?page=999").status_code == 200


# Exports --------------------------------------------------------------------------------------

def test_the_activity_export_has_the_national_columns(app: Flask, staff: Staff) -> None:
    from kiosk.mediation.exports import ACTIVITY_COLUMNS

    staff.report(pass_numbers="10000001\n10000002", genre="feminin", tranche_age="70_plus",
                 commune_insee="93048", notes="=HYPERLINK(\"http://x\")")
    body = staff.get("activities.csv").get_data()
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert tuple(rows[0]) == ACTIVITY_COLUMNS
    assert rows[0][:4] == ["Date", "Enregistré le", "Dernière modification le", "Type"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Type"] == "Accompagnement individuel"
    assert row["Genre"] == "Féminin" and row["Tranche d'âge"] == "70 ans et plus"
    assert row["Commune du bénéficiaire"] == "Montreuil" and row["Code Insee du bénéficiaire"] == "93048"
    assert row["Pass numérique"] == "10000001\n10000002"
    assert row["Thématique(s) d'accompagnement"] == "Bureautique"
    assert row["Notes supplémentaires"].startswith("'=")  # no formula runs in a spreadsheet
    comma = staff.get("activities.csv?sep=comma").get_data().decode("utf-8-sig")
    assert comma.splitlines()[0].startswith("Date,Enregistré le,")


def test_the_monthly_statement_lists_the_cheques(app: Flask, staff: Staff) -> None:
    staff.report(pass_numbers="20000001\n20000002")
    month = TODAY.strftime("%Y-%m")
    html = staff.get(f"passes?month={month}").get_data(as_text=True)
    assert "20000001" in html and "20.00 €" in html
    rows = list(csv.reader(io.StringIO(staff.get(f"passes?month={month}&format=csv").get_data()
                                       .decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["20000001", "20000002"]
    assert staff.get("passes?month=pas-un-mois").status_code == 200


def test_statistics_draw_charts_with_their_tables(staff: Staff) -> None:
    staff.report(duration="90", tranche_age="25_39", statut="sans_emploi", commune_insee="93066")
    staff.report(type="collectif", title="Atelier", **{"p.total": "6"})
    html = staff.get(f"stats?start={TODAY.replace(day=1)}&end={TODAY}").get_data(as_text=True)
    assert html.count('role="img"') == 8
    assert "<table" in html and "Saint-Denis" in html and "1 h à 2 h" in html
    assert re.search(r"<dt>Bénéficiaires</dt><dd>7</dd>", html)
    assert "style=" not in html
    assert staff.get("stats?start=rien&end=2026-13-45").status_code == 200


# Beneficiaries' rights and retention ------------------------------------------------------------

def test_access_and_erasure_of_a_followed_beneficiary(app: Flask, staff: Staff) -> None:
    staff.report(followed="oui", notes="Habite chez sa fille", genre="masculin")
    with app.app_context():
        pseudonym = Beneficiary.get().pseudonym
    data = json.loads(staff.get(f"beneficiaries?id={pseudonym}&format=json").get_data())
    assert data["id"] == pseudonym and data["genre"] == "Masculin"
    assert data["accompagnements"][0]["notes"] == "Habite chez sa fille"
    refused = staff.post(f"beneficiaries/{Beneficiary.get().id}/erase", confirm="non")
    assert refused.status_code == 303
    with app.app_context():
        person = Beneficiary.get()
    staff.post(f"beneficiaries/{person.id}/erase", confirm=pseudonym)
    with app.app_context():
        assert Beneficiary.select().count() == 0
        activity = Activity.get()
        assert activity.beneficiary_id is None and activity.notes == ""
        assert JournalEntry.select().where(JournalEntry.action == "beneficiary.erase").count() == 1
    assert staff.get(f"beneficiaries?id={pseudonym}").status_code == 404


def test_retention_purges_beneficiaries_without_activity(app: Flask, staff: Staff) -> None:
    from kiosk.mediation.exports import purge_expired

    days = app.config["KIOSK_RETENTION_DAYS"]
    staff.report(followed="oui")
    staff.report(followed="oui", date=(TODAY - dt.timedelta(days=days + 3)).isoformat())
    with app.test_request_context():
        assert purge_expired() == 1
        assert Beneficiary.select().count() == 1
        entry = JournalEntry.get(JournalEntry.action == "beneficiary.retention_purge")
        assert json.loads(entry.detail) == {"count": 1}
        assert entry.target == ""


# Board and help calls -----------------------------------------------------------------------------

def test_a_help_call_reaches_the_board_and_the_answer_the_kiosk(app: Flask, staff: Staff) -> None:
    from kiosk import sites

    with app.test_request_context():
        _, key = sites.new_kiosk("Poste accueil")
    kiosk = app.test_client()
    kiosk.get(f"/fr/mediation/device/{key}")
    resident = Resident(kiosk)
    resident.post("help", next="/fr/")
    board = staff.get("board").get_data(as_text=True)
    assert ("Poste accueil" in board and "J’arrive" in board) or "J'arrive" in board
    call_id = re.search(r"/fr/mediation/calls/(\d+)/answer", board).group(1)
    assert staff.post(f"calls/{call_id}/answer").status_code == 303
    assert "Un médiateur arrive." in kiosk.get("/fr/help?next=/fr/").get_data(as_text=True)
    assert "/calls/" not in staff.get("board").get_data(as_text=True)


def test_the_board_shows_a_kiosk_in_use_with_its_flow(app: Flask, staff: Staff) -> None:
    from kiosk import sites

    with app.test_request_context():
        _, key = sites.new_kiosk("Poste 2")
    kiosk = app.test_client()
    kiosk.get(f"/fr/mediation/device/{key}")
    Resident(kiosk, "ar").open("flows/caf-housing-aid/what")
    html = staff.get("board").get_data(as_text=True)
    row = re.search(r"<th scope=\"row\">Poste 2</th>(.*?)</tr>", html, re.S).group(1)
    assert "en cours" in row and "العربية" in row and "CAF" in row


def test_a_finished_visit_prefills_a_report_without_any_answer(app: Flask, staff: Staff) -> None:
    kiosk = app.test_client()
    resident = Resident(kiosk)
    resident.open("flows/caf-housing-aid/what")
    resident.post("session/end")
    board = staff.get("board").get_data(as_text=True)
    link = re.search(r'href="(/fr/mediation/activities/new\?visit=\d+)"', board).group(1)
    html = staff.client.get(link).get_data(as_text=True)
    assert re.search(r'value="aide_aux_demarches_administratives" checked', html)
    assert re.search(r'value="logement" checked', html)
    assert 'name="flows" value="caf-housing-aid@' in html


def test_retired_kiosk_keys_stop_working(app: Flask, client: FlaskClient) -> None:
    from kiosk import sites

    with app.test_request_context():
        kiosk, key = sites.new_kiosk("Poste 3")
        with write():
            type(kiosk).update(retired=True).execute()
    assert client.get(f"/fr/mediation/device/{key}").status_code == 404
    assert client.get("/fr/mediation/device/not-a-key").status_code == 404


# The command line ---------------------------------------------------------------------------------

def test_create_admin_from_the_command_line(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kiosk", "create-admin", "--login", "Marie", "--name", "Marie D.",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert Mediator.get(Mediator.login == "marie").role == "site_admin"
    again = runner.invoke(args=["kiosk", "create-admin", "--login", "marie", "--name", "M",
                                "--password", PASSWORD])
    assert again.exit_code != 0 and "already used" in again.output
    short = runner.invoke(args=["kiosk", "create-admin", "--login", "z", "--name", "Z", "--password", "x"])
    assert short.exit_code != 0 and "10 characters" in short.output


def test_demo_data_has_a_médiateur_account(tmp_path, font_cache) -> None:
    from kiosk import create_app, demo
    from kiosk.db import database

    app = create_app({"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_DEMO": True, "TESTING": True})
    try:
        person = Staff(app.test_client(), demo.DEMO_LOGIN)
        assert person.log_in(password=demo.DEMO_PASSWORD).status_code == 303
    finally:
        database.close()


# Pass conflicts reported by the Métropole's ledger ---------------------------------------------------

def test_a_pass_conflict_shows_on_the_home_until_resolved(app: Flask, staff: Staff) -> None:
    staff.report(pass_numbers="40000001")
    with app.app_context(), write():
        Redemption.update(status="conflict", conflict="déjà utilisé le 03/11/2026 à Saint-Denis").execute()
    home = staff.get("").get_data(as_text=True)
    assert "40000001" in home and "déjà utilisé le 03/11/2026 à Saint-Denis" in home
    with app.app_context():
        redemption_id = Redemption.get().id
    assert staff.post(f"passes/{redemption_id}/resolve", note="vu avec Mme").status_code == 303
    assert "40000001" not in staff.get("").get_data(as_text=True)
    with app.app_context():
        entry = JournalEntry.get(JournalEntry.action == "pass.conflict_resolved")
        assert json.loads(entry.detail) == {"note": "vu avec Mme"}


def test_an_edit_journals_the_fields_it_changed(app: Flask, staff: Staff) -> None:
    staff.report(pass_numbers="40000002")
    with app.app_context():
        activity_id = Activity.get().id
    form = _edit_form(staff, activity_id)
    staff.post(f"activities/{activity_id}", **form, pass_numbers="40000003", pass_year=str(TODAY.year),
               pass_value="10")
    with app.app_context():
        detail = json.loads(JournalEntry.get(JournalEntry.action == "activity.update").detail)
        assert detail["fields"] == ["duration", "themes"]
        assert detail["passes_added"] == ["40000003"] and detail["passes_removed"] == ["40000002"]
        assert Redemption.get(Redemption.number == "40000002").cancelled_at is not None


NASTY = ["", " ", "0", "-1", "1e9", "99999999999999999999999", "2026-02-30", "٣٠", "<script>", "\x00",
         "' OR 1=1 --", "é" * 5000, "autre", "collectif", "pass_numerique", "parcours"]


@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
def test_garbage_in_every_field_is_refused_or_saved_never_a_500(app: Flask, staff: Staff, value: str) -> None:
    fields = ["type", "date", "duration", "duration_custom", "place", "place_insee", "equipment", "themes",
              "admin_themes", "autonomy", "demarche", "redirected", "redirection", "notes", "followed",
              "pseudonym", "genre", "tranche_age", "statut", "commune_insee", "social_housing",
              "bailleur", "qpv", "title", "level", "p.total", "p.genre.feminin", "prescriber",
              "prescriber_name", "funding", "close_parcours", "pass_numbers", "pass_year",
              "pass_value", "pass_book", "flows", "version"]
    for name in fields:
        response = staff.report(**{name: value})
        assert response.status_code in (303, 422), (name, value, response.status_code)
    for path in ("activities?start={v}&end={v}&type={v}&theme={v}&mediator={v}&page={v}",
                 "stats?start={v}&end={v}", "passes?month={v}", "beneficiaries?id={v}",
                 "activities.csv?start={v}&sep={v}", "activities/new?duplicate={v}",
                 "activities/new?visit={v}"):
        response = staff.get(path.format(v=value[:200]))
        assert response.status_code in (200, 404), (path, value, response.status_code)


@pytest.mark.parametrize("path", ["calls/99999999999999999999999/answer", "calls/0/answer",
                                  "accounts/99999999999999999999/active",
                                  "kiosks/99999999999999999999/retire"])
def test_row_numbers_too_large_for_sqlite_are_a_404(app: Flask, path: str, client: FlaskClient) -> None:
    make_account(app, "admin", "site_admin")
    admin = Staff(client, "admin")
    admin.log_in()
    assert admin.post(path).status_code == 404


def test_the_home_says_why_the_ledger_refused_a_cheque(app: Flask, staff: Staff) -> None:
    staff.report(pass_numbers="40000009")
    with app.app_context(), write():
        Redemption.update(status="conflict", conflict="already_redeemed|Médiathèque Pablo Neruda|2026-11-03"
                          ).execute()
    home = staff.get("").get_data(as_text=True)
    assert "Déjà enregistré le 03/11/2026 à Médiathèque Pablo Neruda." in home


def test_sync_now_without_a_central_server_says_so(staff: Staff) -> None:
    home = staff.get("").get_data(as_text=True)
    assert "pas relié au serveur de la Métropole" in home
    response = staff.post("sync")
    assert response.status_code == 303
    assert "pas relié" in staff.get("").get_data(as_text=True)


@pytest.mark.parametrize(("path", "title"), [("", "Accueil"), ("activities/new", "Nouveau compte-rendu"),
                                             ("board", "Postes et appels"), ("stats", "Statistiques")])
def test_each_staff_page_has_its_own_title(staff: Staff, path: str, title: str) -> None:
    assert f"<title>{title} · " in staff.get(path).get_data(as_text=True)


def test_password_hashing_hands_its_memory_back() -> None:
    def rss_mb() -> float:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

    accounts.hash_password("warm up the library once")
    before = rss_mb()
    for n in range(5):
        accounts.hash_password(f"password number {n}")
    # argon2 works in 7 MiB; glibc would keep that much resident after the first free.
    assert rss_mb() - before < 3, "the hash's working memory stayed resident"

"""Sync from a site to central over real HTTP, through faults: nothing lost, nothing doubled.

Central runs under waitress in a subprocess (SQLite, and PostgreSQL for the tests marked so);
the site is the app in this process; tests/faultproxy.py cuts, delays and fakes the network.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from kiosk import create_app
from kiosk.db import database, utcnow, write
from kiosk.mediation import accounts, activities
from kiosk.mediation.models import Activity, Mediator, OutboxItem, Redemption
from kiosk.sync import protocol
from kiosk.sync.client import Credentials, body_of, send
from kiosk.sync.client import run as sync_run
from kiosk.sync.models import SyncState
from tests.conftest import fresh_postgres_database
from tests.faultproxy import Fault, FaultProxy
from tests.syncing import Central, central_server

TODAY = dt.date.today()
BOOKS = "carnet;premier;dernier;commanditaire;prescripteur;valeur;annee\n" + "\n".join(
    f"C{n:04d};{70000000 + n * 10};{70000000 + n * 10 + 9};Métropole du Grand Paris;CCAS;10;{TODAY.year}"
    for n in range(2000))
# Cheque numbers handed out across the tests of a run: each is used once (central is shared).
CHEQUES = itertools.count(70000000)


@pytest.fixture(scope="module")
def central(tmp_path_factory) -> Iterator[Central]:
    with central_server(tmp_path_factory.mktemp("central") / "data") as server:
        import_books(server)
        yield server


def import_books(server: Central) -> None:
    import subprocess
    import sys

    path = server.data_dir / "books.csv"
    path.write_text(BOOKS, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "kiosk", "import-passes", str(path)],
                   cwd=Path(__file__).resolve().parent.parent, env=server.env, check=True,
                   capture_output=True)


class Site:
    """The site app in this process, with its médiateur and its credentials at central."""

    def __init__(self, app: Flask, credentials: Credentials) -> None:
        self.app = app
        self.credentials = credentials
        with app.app_context():
            self.mediator = Mediator.get_or_none(Mediator.login == "camille") or accounts.create_account(
                "camille", "Camille", "correct horse battery", "mediator", by="test")

    def report(self, passes: int = 0, **fields: str) -> str:
        """Log an activity (with new cheque numbers from the imported books); return its id."""
        numbers = [str(next(CHEQUES)) for _ in range(passes)]
        data = activities.blank()
        data.themes = ["bureautique"]
        for name, value in fields.items():
            setattr(data, name, value)
        if numbers:
            data.funding = "pass_numerique"
        with self.app.test_request_context():
            return activities.save(data, numbers, self.mediator).id

    def edit(self, activity_id: str, notes: str) -> None:
        with self.app.test_request_context():
            activity = Activity.get_by_id(activity_id)
            data = activities.as_input(activity)
            data.demarche = notes
            numbers = data.pass_numbers.split()
            activities.save(data, numbers, self.mediator, activity)

    def delete(self, activity_id: str) -> None:
        with self.app.test_request_context():
            activities.delete(Activity.get_by_id(activity_id), self.mediator)

    def sync(self, url: str | None = None):
        credentials = self.credentials if url is None else Credentials(url, self.credentials.site,
                                                                       self.credentials.key)
        with self.app.app_context():
            return sync_run(credentials)

    def pending(self) -> int:
        with self.app.app_context():
            return OutboxItem.select().where(OutboxItem.state.in_(("pending", "in_flight"))).count()

    def expected(self) -> tuple[dict[str, tuple[int, bool]], dict[str, tuple[str, bool]]]:
        """Return what central must hold: activities (version, deleted), redemptions (number, cancelled)."""
        with self.app.app_context():
            acts = {a.id: (a.version, a.deleted_at is not None) for a in Activity.select()}
            reds = {r.id: (r.number, r.cancelled_at is not None) for r in Redemption.select()}
        return acts, reds


@pytest.fixture
def site(central: Central, tmp_path: Path, font_cache: Path) -> Iterator[Site]:
    site_id, key = central.new_site()
    (tmp_path / "site").mkdir()
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path / "site"), "TESTING": True,
                      "KIOSK_SYNC_URL": central.url, "KIOSK_SYNC_SITE": site_id, "KIOSK_SYNC_KEY": key})
    yield Site(app, Credentials(central.url, site_id, key))
    database.close()


def held(central: Central, site_id: str) -> tuple[dict[str, tuple[int, bool]], dict[str, tuple[str, bool]]]:
    """Return what central holds for a site, in the shape of Site.expected()."""
    acts = {row[0]: (row[1], bool(row[2])) for row in central.query(
        "SELECT id, version, deleted FROM central_activity WHERE site_id = ?", site_id)}
    reds = {row[0]: (row[1], row[2] is not None) for row in central.query(
        "SELECT id, number, cancelled_at FROM ledger_entry WHERE site_id = ?", site_id)}
    return acts, reds


def assert_same(site: Site, central: Central) -> None:
    """Central holds exactly the site's records: none lost, none doubled, latest versions."""
    assert site.pending() == 0
    assert held(central, site.credentials.site) == site.expected()
    acts, _ = site.expected()
    versions = central.query("SELECT activity, COUNT(*), MAX(version) FROM central_activity_version "
                             "WHERE site_id = ? GROUP BY activity", site.credentials.site)
    for activity_id, count, latest in versions:
        assert latest == acts[activity_id][0]
        assert count <= latest  # each version once at most


# The round trip ------------------------------------------------------------------------------------

def test_a_report_with_two_cheques_reaches_central_and_the_cheques_are_confirmed(site: Site, central) -> None:
    site.report(passes=2)
    report = site.sync()
    assert report.ok and report.acked == 3 and report.batches == 1
    assert_same(site, central)
    with site.app.app_context():
        assert {r.status for r in Redemption.select()} == {"confirmed"}
        state = SyncState.get_state()
        assert state.last_success_at is not None and state.failures == 0


def test_edits_and_deletions_are_new_versions_and_central_keeps_the_history(site: Site, central) -> None:
    activity_id = site.report(passes=1)
    site.sync()
    site.edit(activity_id, "Dossier CAF")
    site.edit(activity_id, "Dossier CAF, suite")
    site.delete(activity_id)
    assert site.sync().ok
    assert_same(site, central)
    history = central.query("SELECT version FROM central_activity_version WHERE activity = ? "
                            "ORDER BY version", activity_id)
    assert [v for (v,) in history] == [1, 2, 3, 4]
    payload = json.loads(central.query("SELECT payload FROM central_activity WHERE id = ?",
                                       activity_id)[0][0])
    assert payload["deleted"] is True and payload["demarche"] == "Dossier CAF, suite"
    assert "notes" not in payload  # the notes never leave the site


# Replays ---------------------------------------------------------------------------------------------

def _batch(site: Site) -> tuple[str, bytes]:
    with site.app.app_context():
        items = list(OutboxItem.select().order_by(OutboxItem.id))
        return str(uuid.uuid4()), body_of(items)


def test_the_same_batch_replayed_sequentially_is_stored_once(site: Site, central) -> None:
    site.report(passes=1)
    key, body = _batch(site)
    first, _ = send(site.credentials, key, body, 0.0)
    again, _ = send(site.credentials, key, body, 0.0)
    assert first == again
    assert [r["status"] for r in first["results"]] == ["created", "created"]
    assert central.count("central_activity", site.credentials.site) == 1
    assert central.count("ledger_entry", site.credentials.site) == 1


def test_the_same_batch_sent_eight_times_at_once_is_stored_once(site: Site, central) -> None:
    site.report(passes=2)
    key, body = _batch(site)
    answers, problems = [], []

    def post() -> None:
        try:
            answers.append(send(site.credentials, key, body, 0.0)[0])
        except Exception as problem:
            problems.append(problem)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems and len(answers) == 8
    assert all(answer == answers[0] for answer in answers)
    assert central.count("central_activity", site.credentials.site) == 1
    assert central.count("ledger_entry", site.credentials.site) == 2
    assert central.query("SELECT COUNT(*) FROM received_batch WHERE key = ?", key)[0][0] == 1


def test_a_key_reused_for_another_batch_is_refused(site: Site, central) -> None:
    site.report()
    key, body = _batch(site)
    send(site.credentials, key, body, 0.0)
    other = body.replace(b'"duration":30', b'"duration":31')
    with pytest.raises(Exception, match="422"):
        send(site.credentials, key, other, 0.0)


# Faults of the network and of the machines ------------------------------------------------------------

def test_a_connection_cut_after_central_committed_loses_and_doubles_nothing(site: Site, central) -> None:
    site.report(passes=2)
    with FaultProxy(central.url) as proxy:
        proxy.plan(Fault.CUT_AFTER_COMMIT)
        failed = site.sync(proxy.url)
        assert not failed.ok and site.pending() == 3
        assert central.count("central_activity", site.credentials.site) == 1  # central did commit
        assert site.sync(proxy.url).ok
    assert_same(site, central)


def test_a_site_killed_between_send_and_acknowledge_sends_the_same_batch_again(site: Site, central) -> None:
    site.report(passes=1)
    with site.app.app_context():
        from kiosk.sync.client import _next_batch

        key, items = _next_batch(200)  # marked in flight and committed, as before a send
        send(site.credentials, key, body_of(items), 0.0)  # central stores it; the site dies here
    report = site.sync()
    assert report.ok and report.statuses == {"created": 2}  # central's recorded answer, replayed
    assert_same(site, central)
    assert central.query("SELECT COUNT(*) FROM received_batch WHERE key = ?", key)[0][0] == 1


def test_a_captive_portal_answering_200_in_html_is_not_a_success(site: Site, central) -> None:
    site.report(passes=1)
    with FaultProxy(central.url) as proxy:
        proxy.plan(Fault.CAPTIVE_PORTAL)
        report = site.sync(proxy.url)
        assert not report.ok and "captive" in report.error
        assert site.pending() == 2 and central.count("central_activity", site.credentials.site) == 0
        with site.app.app_context():
            state = SyncState.get_state()
            assert state.failures == 1 and state.next_attempt_at > utcnow() + dt.timedelta(seconds=29)
        assert site.sync(proxy.url).ok
    assert_same(site, central)


def test_413_splits_the_batch_until_it_passes(site: Site, central) -> None:
    for _ in range(6):
        site.report(passes=1)
    with FaultProxy(central.url) as proxy:
        proxy.plan(Fault.TOO_LARGE, Fault.TOO_LARGE)
        report = site.sync(proxy.url)
    assert report.ok and report.batches >= 2
    assert_same(site, central)


def test_unavailable_central_is_retried_later_with_backoff(site: Site, central) -> None:
    site.report()
    with FaultProxy(central.url) as proxy:
        proxy.plan(Fault.UNAVAILABLE, Fault.UNAVAILABLE)
        first, second = site.sync(proxy.url), site.sync(proxy.url)
        assert not first.ok and not second.ok
        with site.app.app_context():
            assert SyncState.get_state().failures == 2
        assert site.sync(proxy.url).ok
    with site.app.app_context():
        assert SyncState.get_state().failures == 0
    assert_same(site, central)


def test_backoff_doubles_from_a_minute_to_an_hour_with_jitter() -> None:
    from kiosk.sync.client import backoff

    rng = random.Random(1)
    for failures, ceiling in ((1, 60), (2, 120), (3, 240), (7, 3600), (30, 3600)):
        waits = [backoff(failures, rng) for _ in range(50)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len({round(wait) for wait in waits}) > 10


def test_a_site_clock_a_day_off_is_corrected_from_central_date(site: Site, central) -> None:
    site.report()
    with site.app.app_context(), write():
        SyncState.get_state()
        SyncState.update(clock_offset=-86400.0).execute()
    report = site.sync()
    assert report.ok
    with site.app.app_context():
        assert abs(SyncState.get_state().clock_offset) < 5
    assert_same(site, central)


def test_central_killed_while_receiving_then_restarted(tmp_path: Path, font_cache: Path) -> None:
    (tmp_path / "site").mkdir()
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path / "site"), "TESTING": True})
    try:
        with central_server(tmp_path / "central") as first:
            site = Site(app, Credentials(first.url, *first.new_site()))
            queue_offline(site, 6000)
            outcome: list = []
            drain = threading.Thread(target=lambda: outcome.append(site.sync()))
            drain.start()
            while not first.count("central_activity") and drain.is_alive():
                time.sleep(0.02)
            first.process.kill()  # SIGKILL in the middle of the drain: a batch dies half-written
            drain.join()
            assert not outcome[0].ok
            stored = first.count("central_activity")
            assert 0 < stored < 6000
        with central_server(tmp_path / "central") as again:
            assert again.count("central_activity") == stored  # nothing half-written survived
            site.credentials = Credentials(again.url, site.credentials.site, site.credentials.key)
            assert site.sync().ok
            assert_same(site, again)
    finally:
        database.close()


def test_a_site_killed_while_its_batch_is_on_the_way(tmp_path: Path, central: Central,
                                                     font_cache: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    site_id, key = central.new_site()
    (tmp_path / "site").mkdir()
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path / "site"), "TESTING": True})
    try:
        site = Site(app, Credentials(central.url, site_id, key))
        site.report(passes=2)
        with FaultProxy(central.url, delay_seconds=1.5) as proxy:
            proxy.plan(Fault.DELAY)
            env = {**os.environ, "KIOSK_DATA_DIR": str(tmp_path / "site"), "KIOSK_SYNC_URL": proxy.url,
                   "KIOSK_SYNC_SITE": site_id, "KIOSK_SYNC_KEY": key}
            process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "kiosk", "sync"],
                                       cwd=Path(__file__).resolve().parent.parent, env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 20
            while not in_flight(site) and time.monotonic() < deadline:  # marked, then sent
                time.sleep(0.02)
            time.sleep(0.5)  # the batch now waits in the proxy's 1.5 s delay
            process.send_signal(signal.SIGKILL)
            process.wait()
            deadline = time.monotonic() + 10
            while not central.count("central_activity", site_id) and time.monotonic() < deadline:
                time.sleep(0.05)  # the proxy still delivers it: central commits, no one is told
        assert central.count("central_activity", site_id) == 1
        assert site.pending() == 3  # in flight, never acknowledged
        report = site.sync()
        assert report.ok and report.statuses == {"created": 3}  # central's recorded answer
        assert_same(site, central)
    finally:
        database.close()


def in_flight(site: Site) -> bool:
    with site.app.app_context():
        return OutboxItem.select().where(OutboxItem.state == "in_flight").exists()


def queue_offline(site: Site, count: int) -> None:
    """Queue `count` activities at once, as a site offline for days would have."""
    with site.app.app_context():
        now = utcnow()
        rows = [dict(id=str(uuid.uuid4()), mediator=site.mediator.id, type="individuel", date=TODAY,
                     duration=30, place="lieu_activite", themes='["bureautique"]', created_at=now,
                     updated_at=now) for _ in range(count)]
        with write():
            for start in range(0, count, 500):
                Activity.insert_many(rows[start:start + 500]).execute()
            outbox = [dict(kind="activity", record_id=a.id, version=1, created_at=now,
                           payload=json.dumps(activities.payload(a), sort_keys=True))
                      for a in Activity.select()]
            for start in range(0, count, 500):
                OutboxItem.insert_many(outbox[start:start + 500]).execute()


def test_central_down_then_cut_after_restart(tmp_path: Path, font_cache: Path) -> None:
    with central_server(tmp_path / "central") as first:
        site_id, key = first.new_site()
        data_dir, url = first.data_dir, first.url
    # Central is down now; the site works offline and tries.
    (tmp_path / "site").mkdir()
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path / "site"), "TESTING": True})
    try:
        site = Site(app, Credentials(url, site_id, key))
        site.report(passes=0)
        assert not site.sync().ok
        with central_server(data_dir) as again:
            site.credentials = Credentials(again.url, site_id, key)
            with FaultProxy(again.url) as proxy:
                proxy.plan(Fault.CUT_AFTER_COMMIT)
                assert not site.sync(proxy.url).ok
            assert site.sync().ok
            assert_same(site, again)
    finally:
        database.close()


def test_ten_thousand_records_queued_offline_then_drained(site: Site, central) -> None:
    queue_offline(site, 10_000)
    started = time.perf_counter()
    report = site.sync()
    elapsed = time.perf_counter() - started
    assert report.ok and report.acked == 10_000
    assert central.count("central_activity", site.credentials.site) == 10_000
    assert_same(site, central)
    print(f"10,000 activities drained in {elapsed:.1f} s ({report.batches} batches)")


def test_a_cheque_redeemed_at_two_sites_while_both_were_offline(site: Site, central) -> None:
    other_id, other_key = central.new_site()
    other = Credentials(central.url, other_id, other_key)
    site.report(passes=1)  # cheque 70000000 + n at this site, offline
    with site.app.app_context():
        number = Redemption.get().number
    # The other site recorded the same cheque, offline too, and syncs first.
    activity_id, redemption_id = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = (utcnow() - dt.timedelta(hours=2)).isoformat()
    items = [{"kind": "redemption", "id": redemption_id, "version": 1, "payload": {
        "id": redemption_id, "number": number, "book": "", "value_cents": 1000, "validity_year": TODAY.year,
        "activity": activity_id, "redeemed_at": stamp, "cancelled": False}}]
    answer, _ = send(other, str(uuid.uuid4()), json.dumps({"items": items}).encode(), 0.0)
    assert answer["results"][0]["ledger"] == "accepted"
    report = site.sync()
    assert report.ok and report.conflicts == 1
    with site.app.app_context():
        redemption = Redemption.get()
        assert redemption.status == "conflict" and redemption.conflict.startswith("already_redeemed|Site ")
    home = site.app.test_client()
    assert home  # the médiateur's home shows it: see tests/test_mediation.py
    rows = central.query("SELECT status FROM ledger_entry WHERE number = ? ORDER BY received_at", number)
    assert [status for (status,) in rows] == ["accepted", "conflict"]


def test_unknown_and_expired_cheques_are_conflicts(site: Site, central) -> None:
    with site.app.test_request_context():
        data = activities.blank()
        data.themes, data.funding = ["email"], "pass_numerique"
        activities.save(data, ["12121212"], site.mediator)  # in no issued book
    report = site.sync()
    assert report.conflicts == 1
    with site.app.app_context():
        assert Redemption.get().conflict == "unknown"


# Security -------------------------------------------------------------------------------------------

def _raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    try:
        connection.request("POST", protocol.BATCHES_PATH, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read()
    except (ConnectionResetError, BrokenPipeError):
        return 413, {}, b""  # the server closed a too-large upload early
    finally:
        connection.close()


def _signed(credentials: Credentials, body: bytes, stamp: int | None = None, key: str | None = None,
            signing_key: str | None = None) -> dict[str, str]:
    stamp_text = str(int(time.time()) if stamp is None else stamp)
    batch_key = key or str(uuid.uuid4())
    return {"Content-Type": "application/json", protocol.SITE_HEADER: credentials.site,
            protocol.TIMESTAMP_HEADER: stamp_text, protocol.KEY_HEADER: batch_key,
            protocol.SIGNATURE_HEADER: protocol.signature(signing_key or credentials.key, stamp_text, "POST",
                                                          protocol.BATCHES_PATH, batch_key, body)}


def _activity_body(activity_id: str | None = None) -> bytes:
    activity_id = activity_id or str(uuid.uuid4())
    return json.dumps({"items": [{"kind": "activity", "id": activity_id, "version": 1, "payload": {
        "id": activity_id, "version": 1, "date": TODAY.isoformat(), "type": "individuel",
        "duration": 30}}]}).encode()


@pytest.mark.parametrize(("case", "status"), [
    ("wrong signature", 401), ("old timestamp", 401), ("unknown site", 401), ("no headers", 401),
    ("malformed JSON", 400), ("unknown field", 400), ("unknown item field", 400), ("empty batch", 400),
    ("ten megabytes", 413),
])
def test_bad_requests_are_refused_in_json_and_change_nothing(site: Site, central, case: str,
                                                             status: int) -> None:
    credentials = site.credentials
    body = _activity_body()
    headers = _signed(credentials, body)
    if case == "wrong signature":
        headers = _signed(credentials, body, signing_key="0" * 64)
    elif case == "old timestamp":
        headers = _signed(credentials, body, stamp=int(time.time()) - protocol.TIME_WINDOW - 60)
    elif case == "unknown site":
        headers[protocol.SITE_HEADER] = str(uuid.uuid4())
    elif case == "no headers":
        headers = {"Content-Type": "application/json"}
    elif case == "malformed JSON":
        body = b'{"items": [}'
        headers = _signed(credentials, body)
    elif case == "unknown field":
        body = json.dumps({"items": json.loads(_activity_body())["items"], "admin": True}).encode()
        headers = _signed(credentials, body)
    elif case == "unknown item field":
        items = json.loads(_activity_body())["items"]
        items[0]["site"] = "another"
        body = json.dumps({"items": items}).encode()
        headers = _signed(credentials, body)
    elif case == "empty batch":
        body = b'{"items": []}'
        headers = _signed(credentials, body)
    elif case == "ten megabytes":
        body = b'{"items": ["' + b"x" * 10_000_000 + b'"]}'
        headers = _signed(credentials, body)
    before = central.count("central_activity")
    code, reply_headers, reply = _raw_post(central.url, body, headers)
    assert code == status, reply[:300]
    if reply:
        assert reply_headers.get("Content-Type", "").startswith("application/json")
        assert "error" in json.loads(reply)
    assert central.count("central_activity") == before


def test_a_revoked_site_is_refused_then_accepted_again(site: Site, central) -> None:
    import subprocess
    import sys

    code = central.query("SELECT code FROM central_site WHERE id = ?", site.credentials.site)[0][0]
    flask = [sys.executable, "-m", "flask", "--app", "app", "kiosk", "site"]
    root = Path(__file__).resolve().parent.parent
    subprocess.run([*flask, "revoke", code], cwd=root, env=central.env, check=True, capture_output=True)
    body = _activity_body()
    status, _, reply = _raw_post(central.url, body, _signed(site.credentials, body))
    assert status == 403 and json.loads(reply)["error"]
    subprocess.run([*flask, "revoke", "--undo", code], cwd=root, env=central.env, check=True,
                   capture_output=True)
    status, _, _ = _raw_post(central.url, body, _signed(site.credentials, body))
    assert status == 200


def test_a_site_cannot_write_another_site_records(site: Site, central) -> None:
    activity_id = site.report()
    site.sync()
    other_id, other_key = central.new_site()
    other = Credentials(central.url, other_id, other_key)
    body = _activity_body(activity_id).replace(b'"version": 1, "payload"', b'"version": 2, "payload"') \
        .replace(b'"version": 1, "date"', b'"version": 2, "date"')
    answer, _ = send(other, str(uuid.uuid4()), body, 0.0)
    assert answer["results"][0]["status"] == "rejected"
    assert central.query("SELECT site_id, version FROM central_activity WHERE id = ?", activity_id) == [
        (site.credentials.site, 1)]


# The randomized test ---------------------------------------------------------------------------------

FAULT_WEIGHTS = {Fault.PASS: 0.45, Fault.REFUSE: 0.1, Fault.CUT_AFTER_COMMIT: 0.15, Fault.UNAVAILABLE: 0.08,
                 Fault.CAPTIVE_PORTAL: 0.07, Fault.TOO_LARGE: 0.05, Fault.DUPLICATE: 0.1}


def randomized_rounds(site: Site, central: Central, rounds: int, seed: int) -> None:
    rng = random.Random(seed)
    ids: list[str] = []
    with FaultProxy(central.url, seed=seed, delay_seconds=0.01) as proxy:
        proxy.randomize(FAULT_WEIGHTS)
        for _ in range(rounds):
            action = rng.random()
            if action < 0.45 or not ids:
                ids.append(site.report(passes=rng.choice((0, 0, 1, 2))))
            elif action < 0.65:
                site.edit(rng.choice(ids), f"v{rng.random():.6f}")
            elif action < 0.72:
                victim = rng.choice(ids)
                ids.remove(victim)
                site.delete(victim)
            site.sync(proxy.url)
        proxy.randomize({})
        for _ in range(20):
            if site.sync(proxy.url).ok and site.pending() == 0:
                break
        counts = proxy.counts()
    assert sum(counts.values()) >= rounds
    assert counts[Fault.CUT_AFTER_COMMIT] > 0 and counts[Fault.DUPLICATE] > 0
    assert_same(site, central)


def test_500_rounds_of_random_faults_lose_and_double_nothing(site: Site, central) -> None:
    randomized_rounds(site, central, 500, seed=20261126)


# PostgreSQL ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pg_central(tmp_path_factory) -> Iterator[Central]:
    data_dir = tmp_path_factory.mktemp("pg") / "data"
    with fresh_postgres_database() as url, central_server(data_dir, url) as server:
        import_books(server)
        yield server


@pytest.fixture
def pg_site(pg_central: Central, tmp_path: Path, font_cache: Path) -> Iterator[Site]:
    site_id, key = pg_central.new_site()
    (tmp_path / "site").mkdir()
    app = create_app({"KIOSK_DATA_DIR": str(tmp_path / "site"), "TESTING": True})
    yield Site(app, Credentials(pg_central.url, site_id, key))
    database.close()


@pytest.mark.postgres
def test_postgresql_round_trip_replays_and_random_faults(pg_site: Site, pg_central: Central) -> None:
    pg_site.report(passes=2)
    key, body = _batch(pg_site)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(send(pg_site.credentials, key, body, 0.0)[0]))
               for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 6 and all(answer == answers[0] for answer in answers)
    assert pg_site.sync().ok
    randomized_rounds(pg_site, pg_central, 150, seed=7)


@pytest.mark.postgres
def test_postgresql_one_cheque_two_sites_at_once(pg_central: Central) -> None:
    number = str(next(CHEQUES))
    sites = [Credentials(pg_central.url, *pg_central.new_site()) for _ in range(4)]
    answers = []

    def redeem(credentials: Credentials) -> None:
        redemption_id = str(uuid.uuid4())
        items = [{"kind": "redemption", "id": redemption_id, "version": 1, "payload": {
            "id": redemption_id, "number": number, "book": "", "value_cents": 1000,
            "validity_year": TODAY.year, "activity": str(uuid.uuid4()), "redeemed_at": utcnow().isoformat(),
            "cancelled": False}}]
        answers.append(send(credentials, str(uuid.uuid4()), json.dumps({"items": items}).encode(), 0.0)[0])

    threads = [threading.Thread(target=redeem, args=(credentials,)) for credentials in sites]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ledgers = sorted(answer["results"][0]["ledger"] for answer in answers)
    assert ledgers == ["accepted", "conflict", "conflict", "conflict"]

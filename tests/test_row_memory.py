"""Visits and flow uses kept in the site server's memory: read once, written through, never stale
for what the server itself wrote, and ended cleanly when something else removed them."""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

from kiosk.db import Lookup, RowMemory, database
from kiosk.flows.models import FlowUse, uses
from kiosk.resident.models import KioskSession, visits
from tests.conftest import Resident, csrf_of

STEP = "/fr/flows/ants-id-card/what"


def queries_during(action) -> list[str]:
    """Run `action` and return the SQL statements this thread's connection ran meanwhile."""
    seen: list[str] = []
    connection = database.connection()
    connection.set_trace_callback(seen.append)
    try:
        action()
    finally:
        connection.set_trace_callback(None)
    return seen


def test_a_step_seen_again_reads_nothing_from_the_database(app, resident: Resident) -> None:
    resident.client.get(STEP)
    resident.client.get(STEP)
    assert queries_during(lambda: resident.client.get(STEP)) == []


def test_what_the_server_writes_shows_at_once(app, resident: Resident) -> None:
    resident.client.get(STEP)
    assert 'class="text-0"' in resident.open()
    resident.post("session/preferences", text_size="2", next="/fr/")
    assert 'class="text-2"' in resident.open()
    reason = "/fr/flows/ants-id-card/reason"
    token = csrf_of(resident.client.get(reason).get_data(as_text=True))
    assert resident.client.post(reason, data={"csrf_token": token, "choice": "lost"}).status_code == 303
    assert 'value="lost" aria-pressed="true"' in resident.client.get(reason).get_data(as_text=True)
    kept = FlowUse.of(KioskSession.get(), "ants-id-card")
    stored = FlowUse.get()
    assert kept.answers == stored.answers and kept.steps_reached == stored.steps_reached


def remove_behind_the_servers_back(app) -> None:
    """Delete every visit from another connection, as a restore under a running server does."""
    other = sqlite3.connect(Path(app.config["KIOSK_DATA_DIR"]) / "kiosk.sqlite3")
    with other:
        other.execute("PRAGMA foreign_keys = ON")
        other.execute("DELETE FROM kiosk_session")
    other.close()
    assert FlowUse.select().count() == 0


def test_an_answer_to_a_visit_removed_behind_the_servers_back_starts_afresh(app, resident) -> None:
    reason = "/fr/flows/ants-id-card/reason"
    token = csrf_of(resident.client.get(reason).get_data(as_text=True))
    remove_behind_the_servers_back(app)
    response = resident.client.post(reason, data={"csrf_token": token, "choice": "first"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert any(c.startswith("kiosk=;") for c in response.headers.getlist("Set-Cookie"))
    assert not visits._rows and not uses._rows
    assert resident.client.get(reason).status_code == 200  # a new visit begins
    assert FlowUse.get().answer_map() == {}


def test_a_visit_removed_behind_the_servers_back_ends_at_its_next_activity(app, resident) -> None:
    resident.post("session/preferences", text_size="2", next="/fr/")
    remove_behind_the_servers_back(app)
    kept = next(iter(visits._rows.values()))
    kept.last_seen -= dt.timedelta(seconds=10)  # activity is written every 5 seconds at most
    response = resident.client.get("/fr/jobs")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert 'class="text-0"' in resident.open()


def test_a_read_racing_a_forget_keeps_nothing(app) -> None:
    KioskSession.start("token", "fr")
    visit_id = KioskSession.get().id
    visits.forget(visit_id)
    inner = visits.lookup

    def slow_lookup(*key):
        row = inner(*key)
        visits.forget(*key)  # the visit is wiped while this read was under way
        return row

    visits.lookup = slow_lookup
    try:
        assert visits.get(visit_id) is not None
    finally:
        visits.lookup = inner
    assert (visit_id,) not in visits._rows


def test_forgetting_a_visit_forgets_its_flow_uses(app) -> None:
    visit = KioskSession.start("token", "fr")
    FlowUse.reach(visit, "ants-id-card", 1, "what")
    assert (visit.id, "ants-id-card") in uses._rows
    visit.wipe()
    assert (visit.id,) not in visits._rows and not uses._rows
    assert KioskSession.for_token("token") is None


def test_memory_is_bounded(app) -> None:
    memory = RowMemory(Lookup(KioskSession, KioskSession.id), limit=3)
    try:
        ids = [KioskSession.start(f"t{n}", "fr").id for n in range(5)]
        for visit_id in ids:
            assert memory.get(visit_id).id == visit_id
        assert list(memory._rows) == [(i,) for i in ids[-3:]]
    finally:
        RowMemory._all.remove(memory)


def test_threads_reading_and_writing_one_visit_agree_with_the_database(app) -> None:
    visit = KioskSession.start("token", "fr")
    use = FlowUse.reach(visit, "ants-id-card", 1, "what")
    errors: list[BaseException] = []

    def answer(n: int) -> None:
        try:
            for i in range(20):
                FlowUse.of(KioskSession.for_token("token"), "ants-id-card").remember(f"s{n}-{i}", i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = FlowUse.get_by_id(use.id).answer_map()
    assert len(stored) == 80  # no answer lost to another thread's write
    assert FlowUse.of(visit, "ants-id-card").answer_map() == stored


def test_a_write_through_a_copy_read_before_an_eviction_is_not_hidden(app) -> None:
    visit = KioskSession.start("token", "fr")
    early = FlowUse.reach(visit, "ants-id-card", 1, "what")
    uses.clear()  # evicted (memory full) while a request still holds its copy
    later = FlowUse.of(visit, "ants-id-card")
    assert later is not early
    early.remember("reason", "lost")
    assert FlowUse.of(visit, "ants-id-card").answer_map() == {"reason": "lost"}
    visits.clear()
    fresh = KioskSession.for_token("token")
    visit.set_preferences(text_size=2)
    assert KioskSession.for_token("token").text_size == 2 and fresh.text_size == 0

"""One site for the sync benchmark: queue N activities offline, wait for "go" on stdin, push them.

Usage: python bench/sync_site.py DATA_DIR CENTRAL_URL SITE_ID KEY COUNT — prints
`ready`, then after a line on stdin, JSON with the seconds the push took.
"""
from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk import create_app
from kiosk.db import utcnow, write
from kiosk.mediation import accounts, activities
from kiosk.mediation.models import Activity, OutboxItem
from kiosk.sync.client import Credentials, run


def queue(count: int) -> None:
    """Write `count` activities and their outbox items, as a site offline for days would."""
    account = accounts.create_account("bench", "Bench", "bench password 1", "mediator", by="bench")
    now = utcnow()
    rows = [dict(id=str(uuid.uuid4()), mediator=account.id, type="individuel", date=now.date(), duration=30,
                 place="lieu_activite", themes='["bureautique"]', created_at=now, updated_at=now)
            for _ in range(count)]
    with write():
        for start in range(0, count, 500):
            Activity.insert_many(rows[start:start + 500]).execute()
        items = [dict(kind="activity", record_id=a.id, version=1, created_at=now,
                      payload=json.dumps(activities.payload(a), sort_keys=True)) for a in Activity.select()]
        for start in range(0, count, 500):
            OutboxItem.insert_many(items[start:start + 500]).execute()


def main() -> None:
    data_dir, url, site, key, count = sys.argv[1:6]
    app = create_app({"KIOSK_DATA_DIR": data_dir})
    with app.app_context():
        queue(int(count))
        print("ready", flush=True)
        sys.stdin.readline()
        started = time.perf_counter()
        report = run(Credentials(url, site, key), max_batches=10_000)
        elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "acked": report.acked, "error": report.error}), flush=True)


if __name__ == "__main__":
    main()

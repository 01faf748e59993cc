"""Serve the real app under waitress in a subprocess, and drive Debian's Chromium with Playwright."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(data_dir: Path, **settings: str) -> Iterator[str]:
    """Run `python app.py` on a free port and yield its base URL until the block ends."""
    with server_process(data_dir, **settings) as (_, base):
        yield base


@contextmanager
def server_process(data_dir: Path, **settings: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """Run `python app.py` on a free port; yield the process and its base URL."""
    port = free_port()
    env = {**os.environ, "KIOSK_HOST": "127.0.0.1", "KIOSK_PORT": str(port),
           "KIOSK_DATA_DIR": str(data_dir), "KIOSK_DEMO": "true", **settings}
    log = open(data_dir.parent / f"server-{port}.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen([sys.executable, "app.py"], cwd=PROJECT_ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start; see {log.name}") from None
                time.sleep(0.05)
        yield process, base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()

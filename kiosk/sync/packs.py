"""Pulling content packs on a site: only when changed (ETag), checked, switched atomically."""
from __future__ import annotations

import uuid
from pathlib import Path

from flask import Flask

from kiosk.db import write
from kiosk.flows import load_folder, packs, use_library
from kiosk.render import forget_kept_pages
from kiosk.sync import protocol
from kiosk.sync.client import Credentials, SyncError, signed_request
from kiosk.sync.models import SyncState


def fetch(credentials: Credentials, etag: str, offset: float) -> tuple[int, dict[str, str], bytes]:
    """GET the current pack, signed like a batch; return status, headers and body."""
    status, headers, body = signed_request(credentials, "GET", protocol.PACK_PATH, str(uuid.uuid4()), b"",
                                           offset, {"If-None-Match": etag} if etag else None)
    return status, {name.lower(): value for name, value in headers.items()}, body


def pull(app: Flask, credentials: Credentials) -> int | None:
    """Install central's current pack if it is new; return its version (None if nothing changed)."""
    state = SyncState.get_state()
    status, headers, body = fetch(credentials, state.pack_etag, state.clock_offset)
    if headers.get(protocol.API_HEADER.lower()) != protocol.API_VERSION:
        raise SyncError(f"HTTP {status} without the {protocol.API_HEADER} header", status)
    if status in (304, 404):
        return None
    if status != 200:
        raise SyncError(f"HTTP {status} for the content pack", status)
    sha = headers.get(protocol.PACK_SHA_HEADER.lower(), "")
    expected = protocol.pack_signature(credentials.key, sha)
    if headers.get(protocol.PACK_SIGNATURE_HEADER.lower()) != expected:
        raise SyncError("the content pack is not signed by central", status)
    try:
        pack = packs.read(body, sha)
        folder = packs.install(pack, Path(app.config["KIOSK_DATA_DIR"]) / "packs")
    except packs.PackError as problem:
        raise SyncError(f"content pack refused: {problem}", status) from problem
    switch(app, folder)
    with write():
        SyncState.update(pack_etag=headers.get("etag", "")).where(SyncState.id == state.id).execute()
    return pack.version


def switch(app: Flask, folder: Path) -> None:
    """Serve an installed pack's flows and texts from now on (visits under way keep their version)."""
    use_library(app, load_folder(folder / "content"))
    app.extensions["kiosk_catalogs"].add_overlay(folder / "translations")
    forget_kept_pages()

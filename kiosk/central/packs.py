"""Publishing content packs on central: the flows and their translations as they are now."""
from __future__ import annotations

from pathlib import Path

from peewee import fn

from kiosk.central.models import ContentPack
from kiosk.db import utcnow, write
from kiosk.flows import packs
from kiosk.flows.engine import load_folder


def publish(content_dir: Path, translations_dir: Path) -> ContentPack | None:
    """Publish a new pack version if the content changed; return it (None if unchanged)."""
    loaded = load_folder(content_dir)
    if loaded.errors:
        raise packs.PackError(f"flows that do not load: {[str(e) for e in loaded.errors[:3]]}")
    with write():
        latest = ContentPack.select().order_by(ContentPack.version.desc()).first()
        version = (ContentPack.select(fn.MAX(ContentPack.version)).scalar() or 0) + 1
        body = packs.build(content_dir, translations_dir, version)
        if latest is not None and _same_files(latest.body.encode(), body):
            return None
        return ContentPack.create(version=version, sha256=packs.digest(body), body=body.decode(),
                                  created_at=utcnow())


def _same_files(old: bytes, new: bytes) -> bool:
    import json

    return json.loads(old)["files"] == json.loads(new)["files"]

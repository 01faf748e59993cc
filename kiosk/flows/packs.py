"""Content packs: the guides (TOML) and their `flows` translations, versioned, hashed, switched atomically.

A pack is one JSON document, `{"format": 1, "version": N, "files": {path: text}}`, with paths
`content/<name>.toml`, `content/shared/<name>.toml` and `translations/<lang>/flows.po`. Central
builds and publishes it; a site checks its SHA-256 (and central's signature of it), writes it in
`<data>/packs/<version>-<hash>/`, compiles its catalogs, then points `<data>/packs/current` at it
with one atomic rename. The previous pack stays on disk (and in memory), so a resident who
started a guide on the old version finishes it on that version.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

FORMAT = 1
KEEP = 2  # the current pack and the previous one


class PackError(ValueError):
    """A pack that cannot be used (bad hash, bad layout, a flow that does not load)."""


@dataclass(frozen=True)
class Pack:
    """A pack read from its bytes."""

    version: int
    sha256: str
    files: dict[str, str]


def build(content_dir: Path, translations_dir: Path, version: int) -> bytes:
    """Return a pack's bytes from a folder of flows and the translations folder."""
    files: dict[str, str] = {}
    for path in sorted(content_dir.rglob("*.toml")):
        files[f"content/{path.relative_to(content_dir).as_posix()}"] = path.read_text(encoding="utf-8")
    for path in sorted(translations_dir.glob("*/LC_MESSAGES/flows.po")):
        files[f"translations/{path.parts[-3]}/flows.po"] = path.read_text(encoding="utf-8")
    document = {"format": FORMAT, "version": version, "files": files}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(body: bytes) -> str:
    """Return a pack's SHA-256, hex."""
    return hashlib.sha256(body).hexdigest()


def _safe(path: str) -> bool:
    parts = path.split("/")
    if ".." in parts or path.startswith("/") or "\\" in path:
        return False
    if parts[0] == "content":
        return path.endswith(".toml") and 2 <= len(parts) <= 3
    return len(parts) == 3 and parts[0] == "translations" and parts[2] == "flows.po" and parts[1].isalpha()


def read(body: bytes, expected_sha256: str) -> Pack:
    """Check a pack's hash and layout; return it."""
    sha = digest(body)
    if sha != expected_sha256:
        raise PackError(f"hash mismatch: got {sha}, expected {expected_sha256}")
    try:
        document = json.loads(body)
        version, files = document["version"], document["files"]
        if document["format"] != FORMAT or not isinstance(version, int) or not isinstance(files, dict):
            raise ValueError("unknown format")
    except (ValueError, KeyError, TypeError) as problem:
        raise PackError(f"not a pack: {problem}") from problem
    bad = [path for path, text in files.items() if not _safe(path) or not isinstance(text, str)]
    if bad or not any(path.startswith("content/") for path in files):
        raise PackError(f"bad paths in the pack: {bad[:3]}")
    return Pack(version, sha, files)


def install(pack: Pack, packs_dir: Path) -> Path:
    """Write a pack, compile its catalogs, check its flows load, then make it current atomically."""
    from kiosk.flows.engine import load_folder

    folder = packs_dir / f"{pack.version}-{pack.sha256[:12]}"
    staging = packs_dir / f".staging-{folder.name}"
    shutil.rmtree(staging, ignore_errors=True)
    for relative, text in pack.files.items():
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        if relative.endswith(".po"):
            language = relative.split("/")[1]
            catalog = read_po(io.StringIO(text), locale=language)
            mo = staging / "translations" / language / "LC_MESSAGES" / "flows.mo"
            mo.parent.mkdir(parents=True, exist_ok=True)
            with mo.open("wb") as handle:
                write_mo(handle, catalog)
            target.unlink()
    loaded = load_folder(staging / "content")
    if loaded.errors or not loaded.flows:
        shutil.rmtree(staging, ignore_errors=True)
        raise PackError(f"flows that do not load: {[str(e) for e in loaded.errors[:3]]}")
    if folder.exists():
        shutil.rmtree(staging)
    else:
        os.replace(staging, folder)
    link = packs_dir / ".current-new"
    link.unlink(missing_ok=True)
    link.symlink_to(folder.name)
    os.replace(link, packs_dir / "current")  # atomic: readers see the old pack or the new one
    _prune(packs_dir, folder)
    return folder


def _prune(packs_dir: Path, current: Path) -> None:
    folders = sorted((p for p in packs_dir.iterdir() if p.is_dir() and not p.is_symlink()
                      and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime, reverse=True)
    keep = {current.name, *(p.name for p in folders[:KEEP])}
    for folder in folders:
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)


def current(packs_dir: Path) -> Path | None:
    """Return the folder of the pack in use, if a pack was ever installed."""
    link = packs_dir / "current"
    return link.resolve() if link.exists() else None

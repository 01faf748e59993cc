"""Babel extractor for flow files: every text of a flow goes to the `flows` gettext domain."""
from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from kiosk.flows.engine import parse, shared_steps


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
            ) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield (line, function, message, comments) for each text of a flow file."""
    path = Path(getattr(fileobj, "name", "flow.toml"))
    flow = parse(tomllib.loads(fileobj.read().decode("utf-8")), path, shared_steps(path.parent))
    for text in dict.fromkeys(flow.texts()):
        yield 0, None, text, [f"flow {flow.id}"]

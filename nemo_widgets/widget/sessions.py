"""Which session a notebook's widget showed last, so that re-running the cell (after a kernel
restart, say) returns to it: its timeline, uploads, music versions and a render in flight.

The record is a small JSON file in the client's configuration folder, keyed by the notebook's
path as Jupyter tells the kernel (``JPY_SESSION_NAME``). Outside Jupyter (scripts, nbclient)
there is no such key and nothing is recalled: a script gets a new session unless it passes
``NemoWidget(session=...)``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

FILE_NAME = "widget-sessions.json"
KEEP = 50
"""Notebooks remembered at most (the oldest record goes first)."""


def notebook_key() -> str | None:
    """The notebook this kernel runs, when Jupyter says so."""
    return os.environ.get("JPY_SESSION_NAME") or None


def _read(config_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((config_dir / FILE_NAME).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def recall(config_dir: Path, key: str | None) -> str | None:
    """The session last shown for ``key``, or None."""
    return _read(config_dir).get(key) if key else None


def remember(config_dir: Path, key: str | None, session_id: str) -> None:
    """Record ``session_id`` for ``key`` (written atomically; a failure only loses the hint)."""
    if not key:
        return
    records = _read(config_dir)
    records.pop(key, None)
    records[key] = session_id
    records = dict(list(records.items())[-KEEP:])
    try:
        config_dir.mkdir(parents=True, exist_ok=True)
        temp = config_dir / f"{FILE_NAME}.{os.getpid()}.tmp"
        temp.write_text(json.dumps(records, indent=1))
        os.replace(temp, config_dir / FILE_NAME)
    except OSError:
        pass

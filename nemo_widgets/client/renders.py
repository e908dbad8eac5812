"""Render records: every render id the client submits, kept until its file is on disk.

The product admits that closing the tab orphans a render: the job goes on on the server, but
nobody knows its id any more. The client chooses the id itself, so it writes it down, with its
session, its backend and the file it was meant for, **before** the submit goes out (a record
whose submit was refused is struck again). A later process (a restarted kernel, another
terminal) lists the records of a session (``pending``) and follows one to the end
(``Conversation.follow_render``). The file is ``<config_dir>/renders.json``, private (0600),
written atomically under a lock, so parallel exports do not lose each other's records.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nemo_widgets.client.storage import locked, private_write, read_json_object

RENDERS_FILE = "renders.json"
KEEP_S = 30 * 24 * 3600.0
"""Records older than this are dropped (the server will have forgotten the job too)."""


@dataclass(frozen=True)
class RenderRecord:
    """One submitted render: which job, for which session and backend, and where its file
    should go. ``width``/``height``/``duration_ms`` are what the draft asked for (the file is
    read back with PyAV once downloaded)."""

    render_id: str
    backend: str
    session_id: str | None = None
    output: str | None = None
    submitted_at: float = field(default_factory=time.time)
    width: int = 0
    height: int = 0
    duration_ms: int = 0

    @classmethod
    def from_json(cls, data: Any) -> RenderRecord | None:
        """A record from the file, or None when the entry is damaged."""
        if not isinstance(data, dict) or not isinstance(data.get("render_id"), str):
            return None
        try:
            return cls(render_id=data["render_id"], backend=str(data.get("backend") or ""),
                       session_id=_text(data.get("session_id")),
                       output=_text(data.get("output")),
                       submitted_at=float(data.get("submitted_at") or 0),
                       width=int(data.get("width") or 0), height=int(data.get("height") or 0),
                       duration_ms=int(data.get("duration_ms") or 0))
        except (TypeError, ValueError, OverflowError):
            return None

    @property
    def draft_size(self) -> dict[str, Any]:
        """The few draft facts ``describe_file`` falls back on."""
        return {"d": self.duration_ms, "m": {"width": self.width or 1920,
                                             "height": self.height or 1080}}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class RenderBook:
    """The render records of one configuration folder."""

    def __init__(self, config_dir: Path) -> None:
        self.path = Path(config_dir) / RENDERS_FILE

    def _load(self) -> dict[str, RenderRecord]:
        raw = read_json_object(self.path).get("renders")
        found: dict[str, RenderRecord] = {}
        for item in raw if isinstance(raw, list) else []:
            record = RenderRecord.from_json(item)
            if record is not None and time.time() - record.submitted_at < KEEP_S:
                found[record.render_id] = record
        return found

    def _save(self, records: dict[str, RenderRecord]) -> None:
        private_write(self.path, json.dumps(
            {"renders": [asdict(r) for r in records.values()]}, indent=1))

    def add(self, record: RenderRecord) -> None:
        """Write ``record`` down (before its submit goes out)."""
        with locked(self.path):
            records = self._load()
            records[record.render_id] = record
            self._save(records)

    def remove(self, render_id: str) -> None:
        """Strike a record: its file is on disk, or its submit was refused, or it failed."""
        with locked(self.path):
            records = self._load()
            if records.pop(render_id, None) is not None:
                self._save(records)

    def get(self, render_id: str) -> RenderRecord | None:
        return self._load().get(render_id)

    def pending(self, backend: str | None = None, session_id: str | None = None
                ) -> list[RenderRecord]:
        """Records not yet downloaded, oldest first; only those of ``backend`` and
        ``session_id`` when given."""
        return sorted((r for r in self._load().values()
                       if (backend is None or r.backend == backend)
                       and (session_id is None or r.session_id == session_id)),
                      key=lambda r: r.submitted_at)

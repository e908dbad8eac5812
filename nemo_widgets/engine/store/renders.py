"""Render jobs. A client names its render (``id``), unique among that user's renders only; the
engine keys each job by a random ``key`` of its own, so one user can neither see nor guess
another's jobs (a reused id is 409 only within the same user)."""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from typing import Any

from nemo_widgets import protocol
from nemo_widgets.engine.errors import Duplicate, NotFound
from nemo_widgets.engine.store.database import Database
from nemo_widgets.engine.store.records import RenderRecord


def _record(row: sqlite3.Row) -> RenderRecord:
    return RenderRecord(
        row["key"], row["id"], row["user_id"], row["session_id"], json.loads(row["draft"]),
        row["status"], row["progress"], row["error"], row["output_path"],
        None if row["stream_copy"] is None else bool(row["stream_copy"]),
        row["created_at"], row["completed_at"])


class RendersStore(Database):
    """The ``render_jobs`` table."""

    def create_render(self, render_id: str, user_id: str, session_id: str | None,
                      draft: dict[str, Any]) -> RenderRecord:
        key = "rj_" + secrets.token_hex(16)
        with self._tx() as db:
            exists = db.execute("SELECT 1 FROM render_jobs WHERE user_id = ? AND id = ?",
                                (user_id, render_id)).fetchone()
            if exists:
                raise Duplicate(f"Render id {render_id!r} was already submitted; "
                                "choose a new id for a new render.")
            db.execute("INSERT INTO render_jobs (key, id, user_id, session_id, draft, status,"
                       " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (key, render_id, user_id, session_id, json.dumps(draft),
                        protocol.RENDER_PENDING, time.time()))
        return self.render(key)

    def render(self, render_id: str, user_id: str | None = None) -> RenderRecord:
        """The user's render named ``render_id``; without a user, the job with that key."""
        with self._lock:
            if user_id is None:
                row = self._db.execute("SELECT * FROM render_jobs WHERE key = ?",
                                       (render_id,)).fetchone()
            else:
                row = self._db.execute("SELECT * FROM render_jobs WHERE user_id = ? AND id = ?",
                                       (user_id, render_id)).fetchone()
        if row is None:
            raise NotFound(f"No render with id {render_id!r}.")
        return _record(row)

    def update_render(self, key: str, **fields: Any) -> None:
        allowed = {"status", "progress", "error", "output_path", "stream_copy", "completed_at"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown render fields {unknown}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._tx() as db:
            db.execute(f"UPDATE render_jobs SET {assignments} WHERE key = ?",
                       (*fields.values(), key))

    def unfinished_renders(self) -> list[str]:
        """Keys of the jobs that are neither completed nor failed."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key FROM render_jobs WHERE status IN (?, ?) ORDER BY created_at",
                (protocol.RENDER_PENDING, protocol.RENDER_PROCESSING)).fetchall()
        return [r["key"] for r in rows]

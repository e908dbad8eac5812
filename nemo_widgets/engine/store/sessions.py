"""Sessions, their draft history (undo/redo), their uploads and who owns which media."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from nemo_widgets.engine.errors import SessionNotFound
from nemo_widgets.engine.store.database import Database
from nemo_widgets.engine.store.records import MediaRecord, SessionMedia, SessionRecord
from nemo_widgets.timeline import Timeline

HISTORY_LIMIT = 50
"""Drafts kept per session for undo; the oldest are dropped first."""

Draft = dict[str, Any] | Timeline


def _json(draft: Draft) -> str:
    return json.dumps(draft.to_draft() if isinstance(draft, Timeline) else draft)


class SessionsStore(Database):
    """The ``sessions``, ``draft_history``, ``media``, ``media_owners`` and ``session_media``
    tables."""

    # --- sessions -----------------------------------------------------------------------------
    def create_session(self, user_id: str, task_name: str, language: str,
                       draft: Draft) -> SessionRecord:
        now = time.time()
        session_id = "sess_" + uuid.uuid4().hex
        task_id = "task_" + uuid.uuid4().hex[:20]
        with self._tx() as db:
            db.execute("INSERT INTO sessions (session_id, task_id, user_id, task_name, language,"
                       " created_at, draft) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (session_id, task_id, user_id, task_name, language, now, _json(draft)))
        return self.session(session_id, user_id)

    def session(self, session_id: str, user_id: str) -> SessionRecord:
        with self._lock:
            row = self._db.execute("SELECT * FROM sessions WHERE session_id = ?",
                                   (session_id,)).fetchone()
        if row is None or row["user_id"] != user_id:
            raise SessionNotFound("Session not found. Create a new session.")
        return SessionRecord(
            row["session_id"], row["task_id"], row["user_id"], row["task_name"],
            row["language"], row["created_at"], json.loads(row["draft"]),
            json.loads(row["generated_media"]), row["turns"])

    def save_draft(self, session_id: str, draft: Draft) -> None:
        """The new draft; the one it replaces goes onto the undo stack, redo is cleared."""
        with self._tx() as db:
            row = db.execute("SELECT draft FROM sessions WHERE session_id = ?",
                             (session_id,)).fetchone()
            new = _json(draft)
            if row is None or row["draft"] == new:
                return
            self._push(db, session_id, "undo", row["draft"])
            db.execute("DELETE FROM draft_history WHERE session_id = ? AND stack = 'redo'",
                       (session_id,))
            db.execute("UPDATE sessions SET draft = ? WHERE session_id = ?", (new, session_id))

    def step_history(self, session_id: str, direction: str) -> dict[str, Any] | None:
        """Undo (``direction="undo"``) or redo one draft change; the draft now in force, or
        None when there is nothing to step to."""
        other = "redo" if direction == "undo" else "undo"
        with self._tx() as db:
            top = db.execute("SELECT position, draft FROM draft_history WHERE session_id = ?"
                             " AND stack = ? ORDER BY position DESC LIMIT 1",
                             (session_id, direction)).fetchone()
            if top is None:
                return None
            current = db.execute("SELECT draft FROM sessions WHERE session_id = ?",
                                 (session_id,)).fetchone()["draft"]
            db.execute("DELETE FROM draft_history WHERE session_id = ? AND stack = ?"
                       " AND position = ?", (session_id, direction, top["position"]))
            self._push(db, session_id, other, current)
            db.execute("UPDATE sessions SET draft = ? WHERE session_id = ?",
                       (top["draft"], session_id))
        restored: dict[str, Any] = json.loads(top["draft"])
        return restored

    def history_depth(self, session_id: str) -> tuple[int, int]:
        """How many steps can be undone and redone."""
        with self._lock:
            rows = self._db.execute("SELECT stack, COUNT(*) FROM draft_history"
                                    " WHERE session_id = ? GROUP BY stack",
                                    (session_id,)).fetchall()
        counts = {row[0]: int(row[1]) for row in rows}
        return counts.get("undo", 0), counts.get("redo", 0)

    @staticmethod
    def _push(db: Any, session_id: str, stack: str, draft_json: str) -> None:
        top = db.execute("SELECT COALESCE(MAX(position), -1) FROM draft_history"
                         " WHERE session_id = ? AND stack = ?", (session_id, stack)).fetchone()[0]
        db.execute("INSERT INTO draft_history VALUES (?, ?, ?, ?)",
                   (session_id, stack, top + 1, draft_json))
        db.execute("DELETE FROM draft_history WHERE session_id = ? AND stack = ?"
                   " AND position <= ?", (session_id, stack, top + 1 - HISTORY_LIMIT))

    def count_turn(self, session_id: str) -> int:
        """Record one agent turn; return its index (0 for the first)."""
        with self._tx() as db:
            row = db.execute("SELECT turns FROM sessions WHERE session_id = ?",
                             (session_id,)).fetchone()
            db.execute("UPDATE sessions SET turns = turns + 1 WHERE session_id = ?",
                       (session_id,))
        return int(row["turns"]) if row else 0

    def add_generated_media(self, session_id: str, item: dict[str, Any]) -> None:
        """Keep a made file's entry in the session, and make its media the user's own."""
        with self._tx() as db:
            row = db.execute("SELECT user_id, generated_media FROM sessions"
                             " WHERE session_id = ?", (session_id,)).fetchone()
            if row is None:
                return
            items = json.loads(row["generated_media"])
            items.append(item)
            db.execute("UPDATE sessions SET generated_media = ? WHERE session_id = ?",
                       (json.dumps(items), session_id))
            if isinstance(item.get("hash"), str):
                db.execute("INSERT OR IGNORE INTO media_owners VALUES (?, ?)",
                           (row["user_id"], item["hash"]))

    # --- media --------------------------------------------------------------------------------
    def put_media(self, digest: str, path: Path, size: int, info: dict[str, Any]) -> MediaRecord:
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO media VALUES (?, ?, ?, ?, ?)",
                       (digest, str(path), size, json.dumps(info), time.time()))
        found = self.media(digest)
        assert found is not None
        return found

    def media(self, digest: str) -> MediaRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM media WHERE hash = ?", (digest,)).fetchone()
        if row is None:
            return None
        return MediaRecord(row["hash"], Path(row["path"]), row["size"], json.loads(row["info"]))

    def attach_media(self, session_id: str, digest: str, filename: str) -> int:
        """Add an upload to the session (and so to its user's own media)."""
        with self._tx() as db:
            position = db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM session_media"
                                  " WHERE session_id = ?", (session_id,)).fetchone()[0]
            db.execute("INSERT INTO session_media VALUES (?, ?, ?, ?, ?)",
                       (session_id, position, digest, filename, time.time()))
            db.execute("INSERT OR IGNORE INTO media_owners SELECT user_id, ? FROM sessions"
                       " WHERE session_id = ?", (digest, session_id))
        return int(position)

    def owned_media(self, user_id: str, digests: set[str]) -> set[str]:
        """Which of ``digests`` the user uploaded or the engine made for them."""
        if not digests:
            return set()
        marks = ",".join("?" * len(digests))
        with self._lock:
            rows = self._db.execute(f"SELECT hash FROM media_owners WHERE user_id = ?"
                                    f" AND hash IN ({marks})", (user_id, *digests)).fetchall()
        return {r["hash"] for r in rows}

    def session_media(self, session_id: str) -> list[SessionMedia]:
        with self._lock:
            rows = self._db.execute(
                "SELECT sm.position, sm.hash, sm.filename, m.path, m.size, m.info"
                " FROM session_media sm JOIN media m ON m.hash = sm.hash"
                " WHERE sm.session_id = ? ORDER BY sm.position", (session_id,)).fetchall()
        return [SessionMedia(r["position"], r["hash"], r["filename"],
                             MediaRecord(r["hash"], Path(r["path"]), r["size"],
                                         json.loads(r["info"]))) for r in rows]

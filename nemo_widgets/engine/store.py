"""The engine's durable state in one SQLite (WAL) database: tokens, sessions, media, ledger, jobs.

Everything a user would be upset to lose survives a restart. Credit balances are not stored as
numbers but derived from an append-only ledger, so every change is explained by an entry.
Tokens are stored as SHA-256 digests: a copy of the database does not leak them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nemo_widgets import protocol
from nemo_widgets.engine.errors import (
    BadToken,
    Duplicate,
    NoCredits,
    NotFound,
    RateLimited,
    SessionNotFound,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token_sha TEXT PRIMARY KEY, user_id TEXT NOT NULL, client_id TEXT NOT NULL,
    created_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_by_client ON tokens (client_id, created_at);
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY, task_id TEXT NOT NULL, user_id TEXT NOT NULL,
    task_name TEXT NOT NULL, language TEXT NOT NULL, created_at REAL NOT NULL,
    draft TEXT NOT NULL, generated_media TEXT NOT NULL DEFAULT '[]',
    turns INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS media (
    hash TEXT PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL, info TEXT NOT NULL,
    created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS session_media (
    session_id TEXT NOT NULL, position INTEGER NOT NULL, hash TEXT NOT NULL,
    filename TEXT NOT NULL, added_at REAL NOT NULL, PRIMARY KEY (session_id, position));
CREATE TABLE IF NOT EXISTS ledger (
    entry INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, at REAL NOT NULL,
    action TEXT NOT NULL, delta_available INTEGER NOT NULL, delta_frozen INTEGER NOT NULL,
    ref TEXT);
CREATE INDEX IF NOT EXISTS ledger_by_user ON ledger (user_id, entry);
CREATE TABLE IF NOT EXISTS renders (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, session_id TEXT, draft TEXT NOT NULL,
    status TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0, error TEXT, output_path TEXT,
    stream_copy INTEGER, created_at REAL NOT NULL, completed_at REAL);
"""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenRecord:
    user_id: str
    client_id: str
    created_at: float
    expires_at: float


@dataclass(frozen=True)
class SessionRecord:
    session_id: str
    task_id: str
    user_id: str
    task_name: str
    language: str
    created_at: float
    draft: dict[str, Any]
    generated_media: list[dict[str, Any]]
    turns: int


@dataclass(frozen=True)
class MediaRecord:
    hash: str
    path: Path
    size: int
    info: dict[str, Any]


@dataclass(frozen=True)
class SessionMedia:
    position: int
    hash: str
    filename: str
    media: MediaRecord


@dataclass(frozen=True)
class LedgerEntry:
    entry: int
    at: float
    action: str
    delta_available: int
    delta_frozen: int
    ref: str | None


@dataclass(frozen=True)
class RenderRecord:
    id: str
    user_id: str
    session_id: str | None
    draft: dict[str, Any]
    status: str
    progress: float
    error: str | None
    output_path: str | None
    stream_copy: bool | None
    created_at: float
    completed_at: float | None


class Store:
    """Thread-safe access to the engine database; one connection guarded by a lock."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- tokens -------------------------------------------------------------------------------
    def issue_token(self, client_id: str, *, ttl_s: float, per_client: int, window_s: float,
                    credits: int, now: float | None = None) -> tuple[str, TokenRecord]:
        """A new anonymous token with its starting credits, unless the client had its share."""
        now = time.time() if now is None else now
        with self._tx() as db:
            recent = db.execute(
                "SELECT COUNT(*) FROM tokens WHERE client_id = ? AND created_at > ?",
                (client_id, now - window_s)).fetchone()[0]
            if recent >= per_client:
                raise RateLimited(
                    f"Only {per_client} anonymous token(s) per client every "
                    f"{_human_duration(window_s)}; reuse the one you have.")
            token = "nmv_usr_" + uuid.uuid4().hex + uuid.uuid4().hex[:8]
            user_id = "anon_" + uuid.uuid4().hex[:16]
            record = TokenRecord(user_id, client_id, now, now + ttl_s)
            db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?)",
                       (token_digest(token), user_id, client_id, now, now + ttl_s))
            db.execute("INSERT INTO ledger (user_id, at, action, delta_available, delta_frozen,"
                       " ref) VALUES (?, ?, 'grant', ?, 0, 'anonymous-token')",
                       (user_id, now, credits))
        return token, record

    def authenticate(self, token: str, now: float | None = None) -> TokenRecord:
        now = time.time() if now is None else now
        with self._lock:
            row = self._db.execute("SELECT * FROM tokens WHERE token_sha = ?",
                                   (token_digest(token),)).fetchone()
        if row is None:
            raise BadToken("The token is not valid. Request a new anonymous token.")
        if row["expires_at"] <= now:
            raise BadToken("The token has expired. Request a new anonymous token.")
        return TokenRecord(row["user_id"], row["client_id"], row["created_at"], row["expires_at"])

    # --- credits ------------------------------------------------------------------------------
    def balance(self, user_id: str) -> tuple[int, int]:
        """``(available, frozen)`` as the sum of the user's ledger."""
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(delta_available), 0), COALESCE(SUM(delta_frozen), 0)"
                " FROM ledger WHERE user_id = ?", (user_id,)).fetchone()
        return int(row[0]), int(row[1])

    def reserve(self, user_id: str, amount: int, action: str, ref: str) -> None:
        """Move ``amount`` from available to frozen, or raise 2001 if it is not there."""
        if amount <= 0:
            return
        with self._tx() as db:
            available = db.execute(
                "SELECT COALESCE(SUM(delta_available), 0) FROM ledger WHERE user_id = ?",
                (user_id,)).fetchone()[0]
            if available < amount:
                raise NoCredits(f"Not enough credits: {action} costs {amount}, "
                                f"{available} available.")
            db.execute("INSERT INTO ledger (user_id, at, action, delta_available, delta_frozen,"
                       " ref) VALUES (?, ?, ?, ?, ?, ?)",
                       (user_id, time.time(), f"reserve:{action}", -amount, amount, ref))

    def settle(self, user_id: str, ref: str, *, refund: bool = False) -> None:
        """Close a reservation: spend it, or give it back when the work failed."""
        with self._tx() as db:
            frozen = db.execute(
                "SELECT COALESCE(SUM(delta_frozen), 0), MAX(action) FROM ledger"
                " WHERE user_id = ? AND ref = ?", (user_id, ref)).fetchone()
            amount, action = int(frozen[0]), str(frozen[1] or "reserve:").split(":", 1)[-1]
            if amount <= 0:
                return
            db.execute("INSERT INTO ledger (user_id, at, action, delta_available, delta_frozen,"
                       " ref) VALUES (?, ?, ?, ?, ?, ?)",
                       (user_id, time.time(), ("refund:" if refund else "charge:") + action,
                        amount if refund else 0, -amount, ref))

    def ledger(self, user_id: str) -> list[LedgerEntry]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM ledger WHERE user_id = ? ORDER BY entry",
                                    (user_id,)).fetchall()
        return [LedgerEntry(r["entry"], r["at"], r["action"], r["delta_available"],
                            r["delta_frozen"], r["ref"]) for r in rows]

    def release_stale_reservations(self) -> int:
        """Refund reservations left open by a previous process (it died mid-work)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT user_id, ref FROM ledger WHERE ref IS NOT NULL GROUP BY user_id, ref"
                " HAVING SUM(delta_frozen) > 0").fetchall()
        for row in rows:
            self.settle(row["user_id"], row["ref"], refund=True)
        return len(rows)

    # --- sessions -----------------------------------------------------------------------------
    def create_session(self, user_id: str, task_name: str, language: str,
                       draft: dict[str, Any]) -> SessionRecord:
        now = time.time()
        session_id = "sess_" + uuid.uuid4().hex
        task_id = "task_" + uuid.uuid4().hex[:20]
        with self._tx() as db:
            db.execute("INSERT INTO sessions (session_id, task_id, user_id, task_name, language,"
                       " created_at, draft) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (session_id, task_id, user_id, task_name, language, now,
                        json.dumps(draft)))
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

    def save_draft(self, session_id: str, draft: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute("UPDATE sessions SET draft = ? WHERE session_id = ?",
                       (json.dumps(draft), session_id))

    def count_turn(self, session_id: str) -> int:
        """Record one agent turn; return its index (0 for the first)."""
        with self._tx() as db:
            row = db.execute("SELECT turns FROM sessions WHERE session_id = ?",
                             (session_id,)).fetchone()
            db.execute("UPDATE sessions SET turns = turns + 1 WHERE session_id = ?",
                       (session_id,))
        return int(row["turns"]) if row else 0

    def add_generated_media(self, session_id: str, item: dict[str, Any]) -> None:
        with self._tx() as db:
            row = db.execute("SELECT generated_media FROM sessions WHERE session_id = ?",
                             (session_id,)).fetchone()
            items = json.loads(row["generated_media"]) if row else []
            items.append(item)
            db.execute("UPDATE sessions SET generated_media = ? WHERE session_id = ?",
                       (json.dumps(items), session_id))

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
        with self._tx() as db:
            position = db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM session_media"
                                  " WHERE session_id = ?", (session_id,)).fetchone()[0]
            db.execute("INSERT INTO session_media VALUES (?, ?, ?, ?, ?)",
                       (session_id, position, digest, filename, time.time()))
        return int(position)

    def session_media(self, session_id: str) -> list[SessionMedia]:
        with self._lock:
            rows = self._db.execute(
                "SELECT sm.position, sm.hash, sm.filename, m.path, m.size, m.info"
                " FROM session_media sm JOIN media m ON m.hash = sm.hash"
                " WHERE sm.session_id = ? ORDER BY sm.position", (session_id,)).fetchall()
        return [SessionMedia(r["position"], r["hash"], r["filename"],
                             MediaRecord(r["hash"], Path(r["path"]), r["size"],
                                         json.loads(r["info"]))) for r in rows]

    # --- renders ------------------------------------------------------------------------------
    def create_render(self, render_id: str, user_id: str, session_id: str | None,
                      draft: dict[str, Any]) -> RenderRecord:
        with self._tx() as db:
            exists = db.execute("SELECT 1 FROM renders WHERE id = ?", (render_id,)).fetchone()
            if exists:
                raise Duplicate(f"Render id {render_id!r} was already submitted; "
                                "choose a new id for a new render.")
            db.execute("INSERT INTO renders (id, user_id, session_id, draft, status, created_at)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       (render_id, user_id, session_id, json.dumps(draft),
                        protocol.RENDER_PENDING, time.time()))
        return self.render(render_id, user_id)

    def render(self, render_id: str, user_id: str | None = None) -> RenderRecord:
        with self._lock:
            row = self._db.execute("SELECT * FROM renders WHERE id = ?", (render_id,)).fetchone()
        if row is None or (user_id is not None and row["user_id"] != user_id):
            raise NotFound(f"No render with id {render_id!r}.")
        return RenderRecord(
            row["id"], row["user_id"], row["session_id"], json.loads(row["draft"]),
            row["status"], row["progress"], row["error"], row["output_path"],
            None if row["stream_copy"] is None else bool(row["stream_copy"]),
            row["created_at"], row["completed_at"])

    def update_render(self, render_id: str, **fields: Any) -> None:
        allowed = {"status", "progress", "error", "output_path", "stream_copy", "completed_at"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown render fields {unknown}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._tx() as db:
            db.execute(f"UPDATE renders SET {assignments} WHERE id = ?",
                       (*fields.values(), render_id))

    def unfinished_renders(self) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM renders WHERE status IN (?, ?) ORDER BY created_at",
                (protocol.RENDER_PENDING, protocol.RENDER_PROCESSING)).fetchall()
        return [r["id"] for r in rows]


def _human_duration(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:g} days"
    if seconds >= 3600:
        return f"{seconds / 3600:g} hours"
    return f"{seconds:g} seconds"

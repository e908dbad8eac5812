"""One SQLite (WAL) connection, its schema and its transactions; the store's parts share it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token_sha TEXT PRIMARY KEY, user_id TEXT NOT NULL, client_id TEXT NOT NULL,
    created_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_by_client ON tokens (client_id, created_at);
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY, task_id TEXT NOT NULL, user_id TEXT NOT NULL,
    task_name TEXT NOT NULL, language TEXT NOT NULL, created_at REAL NOT NULL,
    draft TEXT NOT NULL, generated_media TEXT NOT NULL DEFAULT '[]',
    turns INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS draft_history (
    session_id TEXT NOT NULL, stack TEXT NOT NULL, position INTEGER NOT NULL,
    draft TEXT NOT NULL, PRIMARY KEY (session_id, stack, position));
CREATE TABLE IF NOT EXISTS media (
    hash TEXT PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL, info TEXT NOT NULL,
    created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS media_owners (
    user_id TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (user_id, hash));
CREATE TABLE IF NOT EXISTS session_media (
    session_id TEXT NOT NULL, position INTEGER NOT NULL, hash TEXT NOT NULL,
    filename TEXT NOT NULL, added_at REAL NOT NULL, PRIMARY KEY (session_id, position));
CREATE TABLE IF NOT EXISTS ledger (
    entry INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, at REAL NOT NULL,
    action TEXT NOT NULL, delta_available INTEGER NOT NULL, delta_frozen INTEGER NOT NULL,
    ref TEXT);
CREATE INDEX IF NOT EXISTS ledger_by_user ON ledger (user_id, entry);
CREATE TABLE IF NOT EXISTS render_jobs (
    key TEXT PRIMARY KEY, id TEXT NOT NULL, user_id TEXT NOT NULL, session_id TEXT,
    draft TEXT NOT NULL, status TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0, error TEXT,
    output_path TEXT, stream_copy INTEGER, created_at REAL NOT NULL, completed_at REAL,
    UNIQUE (user_id, id));
"""

_MIGRATIONS = (
    # Before render ids were scoped per user, jobs lived in ``renders`` keyed by the client id;
    # media an old session used belongs to that session's user.
    ("renders", "INSERT OR IGNORE INTO render_jobs SELECT 'rj_' || lower(hex(randomblob(16))),"
                " id, user_id, session_id, draft, status, progress, error, output_path,"
                " stream_copy, created_at, completed_at FROM renders"),
    ("renders", "DROP TABLE renders"),
    ("session_media", "INSERT OR IGNORE INTO media_owners SELECT s.user_id, sm.hash"
                      " FROM session_media sm JOIN sessions s ON s.session_id = sm.session_id"),
)


class Database:
    """Thread-safe access to the engine database; one connection guarded by a lock."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        with self._tx() as db:
            for table, statement in _MIGRATIONS:
                if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                              (table,)).fetchone():
                    db.execute(statement)

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

"""The engine's durable state in one SQLite (WAL) database: tokens, sessions, media, ledger, jobs.

Everything a user would be upset to lose survives a restart. Credit balances are not stored as
numbers but derived from an append-only ledger, so every change is explained by an entry.
Tokens are stored as SHA-256 digests: a copy of the database does not leak them.

- ``database``: the connection, schema, migrations and transactions.
- ``credits``: anonymous tokens and the ledger (``hold`` for work that costs credits).
- ``sessions``: sessions, draft history, uploads and media ownership.
- ``renders``: render jobs, scoped per user.
"""

from __future__ import annotations

from nemo_widgets.engine.store.credits import CreditsStore
from nemo_widgets.engine.store.records import (
    IssuedToken,
    LedgerEntry,
    MediaRecord,
    RenderRecord,
    SessionMedia,
    SessionRecord,
    TokenRecord,
    token_digest,
)
from nemo_widgets.engine.store.renders import RendersStore
from nemo_widgets.engine.store.sessions import SessionsStore


class Store(CreditsStore, SessionsStore, RendersStore):
    """Thread-safe access to the engine database; one connection guarded by a lock."""


__all__ = ["IssuedToken", "LedgerEntry", "MediaRecord", "RenderRecord", "SessionMedia",
           "SessionRecord", "Store", "TokenRecord", "token_digest"]

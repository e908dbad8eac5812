"""Tokens and credits: anonymous tokens per client id, and the append-only ledger.

Balances are never stored as numbers: they are the sum of the user's ledger, so every change
is explained by an entry (``grant``, ``reserve:<action>``, ``charge:<action>``,
``refund:<action>``). Work holds its price with ``hold`` (reserved before, charged after,
refunded on failure). Where credits are no wall (the ``local`` profile) a hold that finds too
little first records a ``grant`` that tops the balance up, so the history stays complete.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from nemo_widgets.engine.errors import BadToken, NoCredits, RateLimited
from nemo_widgets.engine.store.database import Database
from nemo_widgets.engine.store.records import IssuedToken, LedgerEntry, TokenRecord, token_digest

_INSERT_ENTRY = ("INSERT INTO ledger (user_id, at, action, delta_available, delta_frozen, ref)"
                 " VALUES (?, ?, ?, ?, ?, ?)")


def renewal_margin_s(ttl_s: float) -> float:
    """A token this close to its expiry no longer counts against the per-client limit, so a
    client renewing shortly before (or after) expiry is never locked out."""
    return min(600.0, ttl_s / 5)


class CreditsStore(Database):
    """The ``tokens`` and ``ledger`` tables."""

    # --- tokens -------------------------------------------------------------------------------
    def issue_token(self, client_id: str, *, ttl_s: float, credits: int,
                    per_client: int | None, window_s: float,
                    now: float | None = None) -> IssuedToken:
        """A new anonymous token for ``client_id``.

        The first token of a client id creates its user and grants the starting credits; later
        ones (renewals) keep that user, its sessions and its balance. With ``per_client`` set,
        at most that many live tokens per window (else 429); None means no limit.
        """
        now = time.time() if now is None else now
        with self._tx() as db:
            if per_client is not None:
                live = db.execute(
                    "SELECT COUNT(*) FROM tokens WHERE client_id = ? AND created_at > ?"
                    " AND expires_at > ?",
                    (client_id, now - window_s, now + renewal_margin_s(ttl_s))).fetchone()[0]
                if live >= per_client:
                    raise RateLimited(
                        f"Only {per_client} anonymous token(s) per client every "
                        f"{_human_duration(window_s)}; reuse the one you have.")
            previous = db.execute("SELECT user_id FROM tokens WHERE client_id = ?"
                                  " ORDER BY created_at DESC LIMIT 1", (client_id,)).fetchone()
            user_id = previous["user_id"] if previous else "anon_" + uuid.uuid4().hex[:16]
            token = "nmv_usr_" + uuid.uuid4().hex + uuid.uuid4().hex[:8]
            record = TokenRecord(user_id, client_id, now, now + ttl_s)
            db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?)",
                       (token_digest(token), user_id, client_id, now, now + ttl_s))
            if previous is None:
                db.execute(_INSERT_ENTRY, (user_id, now, "grant", credits, 0, "anonymous-token"))
            balance = db.execute("SELECT COALESCE(SUM(delta_available), 0) FROM ledger"
                                 " WHERE user_id = ?", (user_id,)).fetchone()[0]
        return IssuedToken(token, record, int(balance))

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

    @contextmanager
    def hold(self, user_id: str, price: int, ref: str, *, action: str,
             blocking: bool = True) -> Iterator[None]:
        """Reserve ``price`` for the work inside the block; charge it when the block ends,
        refund it when the block raises. 2001 when ``blocking`` and the credits are short."""
        if price <= 0:
            yield
            return
        self.reserve(user_id, price, action, ref, blocking=blocking)
        try:
            yield
        except BaseException:
            self.settle(user_id, ref, refund=True)
            raise
        self.settle(user_id, ref)

    def reserve(self, user_id: str, amount: int, action: str, ref: str, *,
                blocking: bool = True) -> None:
        """Move ``amount`` from available to frozen (see ``hold``)."""
        if amount <= 0:
            return
        with self._tx() as db:
            available = db.execute(
                "SELECT COALESCE(SUM(delta_available), 0) FROM ledger WHERE user_id = ?",
                (user_id,)).fetchone()[0]
            if available < amount and blocking:
                raise NoCredits(f"Not enough credits: {action} costs {amount}, "
                                f"{available} available.")
            now = time.time()
            if available < amount:
                db.execute(_INSERT_ENTRY, (user_id, now, "grant", amount - available, 0,
                                           "local-top-up"))
            db.execute(_INSERT_ENTRY, (user_id, now, f"reserve:{action}", -amount, amount, ref))

    def settle(self, user_id: str, ref: str, *, refund: bool = False) -> None:
        """Close a reservation: spend it, or give it back when the work failed."""
        with self._tx() as db:
            frozen = db.execute(
                "SELECT COALESCE(SUM(delta_frozen), 0), MAX(action) FROM ledger"
                " WHERE user_id = ? AND ref = ?", (user_id, ref)).fetchone()
            amount, action = int(frozen[0]), str(frozen[1] or "reserve:").split(":", 1)[-1]
            if amount <= 0:
                return
            db.execute(_INSERT_ENTRY, (user_id, time.time(),
                                       ("refund:" if refund else "charge:") + action,
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


def _human_duration(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:g} days"
    if seconds >= 3600:
        return f"{seconds / 3600:g} hours"
    return f"{seconds:g} seconds"

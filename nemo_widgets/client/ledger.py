"""The client's credit history: every balance read and every charged action, timestamped.

The backend only tells the current balance, so the client keeps its own ledger: each explicit
balance read is a ``balance`` row, and each action that may cost credits (an agent turn, an
export, an upload) is followed by a balance read and recorded as a ``charge`` row with the
change it caused. ``to_frame()`` gives the history as a pandas DataFrame.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from nemo_widgets.client.models import Balance, TurnResult

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

COLUMNS = ["at", "kind", "action", "detail", "delta", "available", "frozen", "total",
           "session_id"]


@dataclass(frozen=True)
class LedgerEntry:
    """One row: when, what (``balance`` or ``charge``), which action, and the balance after."""

    at: datetime
    kind: str
    action: str
    detail: str
    delta: int | None
    """Change of ``total`` since the previous row (None for the first)."""
    available: int
    frozen: int
    total: int
    session_id: str | None = None


class CreditLedger:
    """An append-only, thread-safe list of ``LedgerEntry`` rows."""

    def __init__(self) -> None:
        self._rows: list[LedgerEntry] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        last = self._rows[-1] if self._rows else None
        tail = f", last={last.available} available" if last else ""
        return f"CreditLedger({len(self._rows)} rows{tail})"

    @property
    def entries(self) -> list[LedgerEntry]:
        with self._lock:
            return list(self._rows)

    @property
    def last_balance(self) -> Balance | None:
        with self._lock:
            if not self._rows:
                return None
            row = self._rows[-1]
        return Balance(row.available, row.frozen, row.total)

    def record(self, balance: Balance, *, kind: str = "balance", action: str = "balance",
               detail: str = "", session_id: str | None = None) -> LedgerEntry:
        """Append a row for ``balance`` as read after ``action``."""
        with self._lock:
            previous = self._rows[-1].total if self._rows else None
            entry = LedgerEntry(
                at=datetime.now(timezone.utc), kind=kind, action=action, detail=detail[:200],
                delta=None if previous is None else balance.total - previous,
                available=balance.available, frozen=balance.frozen, total=balance.total,
                session_id=session_id)
            self._rows.append(entry)
        return entry

    def spent(self) -> int:
        """Credits the charged actions cost, as far as this ledger saw them."""
        return -sum(row.delta or 0 for row in self.entries if row.kind == "charge")

    def to_frame(self) -> pd.DataFrame:
        """The history as a DataFrame with the columns of ``COLUMNS``."""
        import pandas as pd

        frame = pd.DataFrame([asdict(row) for row in self.entries], columns=COLUMNS)
        frame["delta"] = frame["delta"].astype("Int64")
        return frame


def charge_action(result: TurnResult) -> str:
    """The ledger's name for what an agent turn did: ``music`` when it made music, else
    ``edit`` (the credit history reads better than one "turn" for both)."""
    return "music" if any("music" in c.name for c in result.tool_calls) else "edit"

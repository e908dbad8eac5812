"""The credit ledger."""

from __future__ import annotations

from nemo_widgets.client.ledger import CreditLedger
from nemo_widgets.client.models import Balance


def test_ledger_rows_and_dataframe():
    ledger = CreditLedger()
    ledger.record(Balance(100, 0, 100))
    ledger.record(Balance(95, 0, 95), kind="charge", action="turn", detail="add a title",
                  session_id="s1")
    ledger.record(Balance(95, 0, 95), kind="charge", action="export", session_id="s1")
    frame = ledger.to_frame()
    assert list(frame.columns) == ["at", "kind", "action", "detail", "delta", "available",
                                   "frozen", "total", "session_id"]
    assert list(frame["kind"]) == ["balance", "charge", "charge"]
    assert frame["delta"].tolist()[1:] == [-5, 0]
    assert ledger.spent() == 5 and ledger.last_balance == Balance(95, 0, 95)
    assert str(frame["at"].dtype).startswith("datetime64")

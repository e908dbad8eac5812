"""Typed errors: their sentences, their fixes, no token in them."""

from __future__ import annotations

from nemo_widgets import protocol
from nemo_widgets.client import (
    NemoError,
    NoCredits,
)
from nemo_widgets.client.auth import Credentials
from nemo_widgets.client.errors import error_for, redact
from tests.client.fakes import TOKEN


def test_error_sentences_carry_their_fix():
    assert "mp4" in str(error_for(4001, "Unsupported.", 415))
    assert "Trim or compress" in str(error_for(4002, "Too large.", 413))
    plan = error_for(402, "Blocked.", 402)
    assert "not about credits" in str(plan)
    anon = NoCredits("Out.").for_account("anon_42", anonymous=True)
    assert f"{protocol.REGISTER_URL}?bind=anon_42" in str(anon)
    assert "Top up" in str(NoCredits("Out.").for_account("u_1", anonymous=False))


def test_tokens_are_redacted_from_messages_and_reprs():
    error = NemoError(f"server said {TOKEN} and Bearer {TOKEN}")
    assert TOKEN not in str(error) and TOKEN not in repr(error)
    assert redact(f"x {TOKEN} y") == "x nmv_usr_*** y"
    creds = Credentials(TOKEN, user_id="anon_1")
    assert TOKEN not in repr(creds) and TOKEN not in str(creds)
    assert creds.authorization() == {"Authorization": f"Bearer {TOKEN}"}

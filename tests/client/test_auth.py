"""Identity storage: the client id and the private token cache."""

from __future__ import annotations

import os
import stat
import time

from nemo_widgets.client.auth import Credentials, TokenCache, load_client_id
from tests.client.fakes import TOKEN


def test_client_id_is_made_once_and_token_cache_is_private(tmp_path, monkeypatch):
    monkeypatch.delenv("NEMO_CLIENT_ID", raising=False)
    first = load_client_id(tmp_path)
    assert load_client_id(tmp_path) == first
    assert (tmp_path / "client_id").read_text().strip() == first
    cache = TokenCache(tmp_path)
    cache.save("local:/x", Credentials(TOKEN, user_id="anon_1",
                                       expires_at=time.time() + 3600), first)
    assert stat.S_IMODE(os.stat(cache.path).st_mode) == 0o600
    loaded = cache.load("local:/x")
    assert loaded is not None and loaded.user_id == "anon_1" and loaded.source == "cache"
    assert cache.load("http://other") is None
    cache.save("old", Credentials(TOKEN, expires_at=time.time() - 1), first)
    assert cache.load("old") is None, "expired tokens are not used"
    monkeypatch.setenv("NEMO_CLIENT_ID", "from-env")
    assert load_client_id(tmp_path) == "from-env"

"""The transport's recoveries: 1001, 400, 429 on a scripted network, and a token renewal the
backend refuses (the old token goes on working; no loop burns the client id)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from nemo_widgets import protocol
from nemo_widgets.client import (
    AuthError,
    RateLimited,
)
from tests.client.cloud_fake import CloudFake, Options
from tests.client.fakes import TOKEN, FakeBackend, scripted_client, token_answer
from tests.client.test_cloud_workflow import fake_client


def test_1001_renews_exactly_once_with_the_same_client_id(tmp_path):
    backend = FakeBackend({
        ("POST", protocol.PATH_ANONYMOUS_TOKEN): [token_answer()],
        ("GET", protocol.PATH_CREDITS): [httpx.Response(401, json={"code": 1001,
                                                                   "message": "expired"})],
    })
    client = scripted_client(tmp_path, backend)
    with pytest.raises(AuthError):
        asyncio.run(client.credits())
    token_calls = [r for r in backend.calls if r.url.path == protocol.PATH_ANONYMOUS_TOKEN]
    assert len(token_calls) == 2 and backend.count(protocol.PATH_CREDITS) == 2
    assert {r.headers[protocol.HEADER_CLIENT_ID] for r in token_calls} == {"cid-1"}
    for request in backend.calls:
        assert request.headers[protocol.HEADER_SKILL_SOURCE] == protocol.SKILL_SOURCE
        assert protocol.HEADER_SKILL_VERSION in request.headers
        assert request.headers[protocol.HEADER_SKILL_PLATFORM] in {"clawhub", "cursor",
                                                                   "unknown"}
        assert (protocol.HEADER_CLIENT_ID in request.headers) == (
            request.url.path == protocol.PATH_ANONYMOUS_TOKEN)
        assert TOKEN not in str(request.url)


def test_missing_client_id_400_gets_a_new_id_and_one_retry(tmp_path):
    backend = FakeBackend({
        ("POST", protocol.PATH_ANONYMOUS_TOKEN): [
            httpx.Response(400, json={"code": 400, "message": "Missing X-Client-Id"}),
            token_answer()],
        ("GET", protocol.PATH_CREDITS): [httpx.Response(200, json={"code": 0, "data": {
            "available": 100, "frozen": 0, "total": 100}})],
    })
    assert asyncio.run(scripted_client(tmp_path, backend).credits()).available == 100
    assert backend.count(protocol.PATH_ANONYMOUS_TOKEN) == 2


def test_429_on_a_call_is_retried_once_after_the_wait(tmp_path):
    limited = httpx.Response(429, json={"code": 429, "message": "slow down"})
    backend = FakeBackend({
        ("POST", protocol.PATH_ANONYMOUS_TOKEN): [token_answer()],
        ("GET", protocol.PATH_CREDITS): [limited, limited, limited],
    })
    started = time.monotonic()
    with pytest.raises(RateLimited):
        asyncio.run(scripted_client(tmp_path, backend, rate_limit_wait_s=0.2).credits())
    assert backend.count(protocol.PATH_CREDITS) == 2 and time.monotonic() - started >= 0.2


def test_a_refused_renewal_keeps_the_old_token_working_with_a_notice(tmp_path):
    options = Options(token_lifetime_s=2.0, tokens_per_client=1)
    with CloudFake(tmp_path / "cloud", options) as fake, \
            fake_client(fake, tmp_path / "cfg") as client:
        conv = client.conversation()
        conv.start()
        time.sleep(2.2)  # the token is now past its expiry
        result = conv.ask("status")
        assert result.ok and result.text.startswith("Timeline (0 tracks)")
        assert any("NEMO_TOKEN" in n for n in result.notices), result.notices
        assert conv.ask("status").ok and conv.credits().available == 1000
        assert fake.count("POST", protocol.PATH_ANONYMOUS_TOKEN) == 2, \
            "one refused renewal, then no more asking: the client id is not burnt"


def test_an_expired_token_the_backend_refuses_ends_in_a_clear_auth_error(tmp_path):
    options = Options(token_lifetime_s=2.0, tokens_per_client=1, accept_expired_tokens=False)
    with CloudFake(tmp_path / "cloud", options) as fake, \
            fake_client(fake, tmp_path / "cfg") as client:
        assert client.credits().available == 1000
        time.sleep(2.2)
        for _ in range(3):
            with pytest.raises(AuthError) as refused:
                client.credits()
            assert "NEMO_TOKEN" in str(refused.value) and "429" in str(refused.value)
        assert fake.count("POST", protocol.PATH_ANONYMOUS_TOKEN) == 2, "asked once, not in a loop"

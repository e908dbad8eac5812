"""URL import under attack (issue 12, items 2 and 5), over real HTTP against a real engine:
no request reaches loopback, private, link-local, multicast or reserved addresses — directly,
by a number trick or through a redirect — a closed port reads like a refused address, a slow or
endless download is cut, and nothing is left in ``tmp/``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from nemo_widgets import protocol
from nemo_widgets.engine.media.url_import import UNREACHABLE
from tests.engine.hostile import LocalServer, drip, leftovers, redirect, send_bytes
from tests.engine_api import EngineApi
from tests.media_factory import make_video


@pytest.fixture
def secret() -> Iterator[LocalServer]:
    """A service only the machine can reach: it must never be asked for anything."""
    server = LocalServer({"/secret": send_bytes(b"internal data")})
    yield server
    server.close()


def _import(api: EngineApi, session_id: str, url: str) -> dict:
    answer = api.http.post(protocol.PATH_UPLOAD.format(session_id=session_id), headers=api.auth,
                           json={"urls": [url], "source_type": "url"})
    body: dict = answer.json()
    body["status"] = answer.status_code
    return body


def test_local_and_private_addresses_are_refused_alike(start_engine, secret) -> None:
    engine = start_engine()
    api = engine.api()
    api.login()
    session_id = api.new_session()
    port = secret.port
    attacks = [
        f"http://127.0.0.1:{port}/secret", f"http://localhost:{port}/secret",
        f"http://0.0.0.0:{port}/secret", f"http://2130706433:{port}/secret",
        f"http://0x7f.1:{port}/secret", f"http://[::1]:{port}/secret",
        f"http://[::ffff:127.0.0.1]:{port}/secret",
        "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/x", "http://192.168.1.1/",
        "http://224.0.0.1/", "http://240.0.0.1/",
        engine.url + "/healthz",  # the engine itself
        "http://127.0.0.1:1/closed-port",  # closed: must read exactly like a refused address
        "http://no-such-host.invalid/x",
    ]
    answers = [_import(api, session_id, url) for url in attacks]
    for url, answer in zip(attacks, answers, strict=True):
        assert answer["status"] == 415 and answer["code"] == protocol.CODE_UNSUPPORTED_FILE, url
        assert answer["message"] == UNREACHABLE, url
    assert secret.hits == {}, "no attack reached the local service"
    assert api.state(session_id)["video_infos"] == []
    assert leftovers(engine.home) == []


def test_lan_setting_still_refuses_redirects_to_forbidden_addresses(start_engine, secret,
                                                                    tmp_path: Path) -> None:
    clip = make_video(tmp_path / "clip.mp4", seconds=0.5).read_bytes()
    lan = LocalServer({
        "/clip.mp4": send_bytes(clip),
        "/hop": redirect("/clip.mp4"),
        "/to-metadata": redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-any": redirect(f"http://0.0.0.0:{secret.port}/secret"),
        "/to-multicast": redirect("http://224.0.0.1/"),
        "/loop": redirect("/loop"),
    })
    try:
        engine = start_engine(url_import_allow_private=True)
        api = engine.api()
        api.login()
        session_id = api.new_session()
        good = _import(api, session_id, lan.url("/hop"))
        assert good["status"] == 200, good
        assert good["data"]["files"][0]["file_type"] == "video"
        for path in ("/to-metadata", "/to-any", "/to-multicast"):
            refused = _import(api, session_id, lan.url(path))
            assert refused["message"] == UNREACHABLE, path
        closed = _import(api, session_id, "http://127.0.0.1:1/x")
        assert closed["message"] == UNREACHABLE
        looping = _import(api, session_id, lan.url("/loop"))
        assert looping["status"] == 415 and "redirected more than" in looping["message"]
        assert secret.hits == {}
        assert len(api.state(session_id)["video_infos"]) == 1
        assert leftovers(engine.home) == []
    finally:
        lan.close()


def test_slow_and_endless_downloads_are_cut(start_engine) -> None:
    stop = threading.Event()
    server = LocalServer({
        "/drip": drip(chunk=1, every_s=0.5, total=10_000_000, stop=stop),  # a byte every 0.5 s
        "/endless": drip(chunk=8192, every_s=0.05, total=400_000_000, stop=stop),  # fast enough
    })
    try:
        engine = start_engine(url_import_allow_private=True, url_import_deadline_s=3.0,
                              url_import_min_rate_bps=1024, url_import_rate_window_s=1.0)
        api = engine.api()
        api.login()
        session_id = api.new_session()
        slow = _import(api, session_id, server.url("/drip"))
        assert slow["status"] == 408 and "too slow" in slow["message"]
        assert "url_import_min_rate_bps" in slow["message"]
        endless = _import(api, session_id, server.url("/endless"))
        assert endless["status"] == 408 and "longer than 3 s" in endless["message"], endless
        assert "url_import_deadline_s" in endless["message"]
        assert leftovers(engine.home) == []
    finally:
        stop.set()
        server.close()

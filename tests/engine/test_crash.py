"""A SIGKILL in the middle of a turn: after the restart nothing is lost or charged twice."""

from __future__ import annotations

import contextlib
import threading
import time

import httpx

from nemo_widgets.engine.store import Store
from tests.engine_api import EngineApi
from tests.media_factory import make_video


def test_a_turn_killed_while_its_price_is_held_is_refunded_at_restart(start_engine, tmp_path):
    engine = start_engine(profile="cloud")
    api = engine.api()
    api.login()
    session_id = api.new_session()
    api.upload(session_id, make_video(tmp_path / "clip.mp4", seconds=12.0))
    worker = threading.Thread(target=lambda: _run_quietly(api, session_id), daemon=True)
    worker.start()
    watcher = EngineApi(engine.url)
    watcher.token = api.token
    deadline = time.monotonic() + 60
    while watcher.credits()["frozen"] == 0:  # the music's price is held while it is composed
        assert time.monotonic() < deadline, "the turn never held its price"
        time.sleep(0.02)
    assert watcher.credits() == {"available": 80, "frozen": 20, "total": 100}
    engine.kill()
    worker.join(timeout=30)
    engine.restart()
    after = EngineApi(engine.url)
    after.token = api.token
    assert after.credits() == {"available": 100, "frozen": 0, "total": 100}
    assert after.state(session_id)["draft"]["t"] == [], "the cut-off turn changed nothing"
    assert after.state(session_id)["generated_media"] == []
    store = Store(engine.home / "engine.sqlite3")
    try:
        actions = [e.action for e in store.ledger(api.user_id or "")]
    finally:
        store.close()
    assert actions == ["grant", "reserve:music", "refund:music"], "refunded once, never charged"
    assert after.run(session_id, "show tracks"), "the session goes on"


def _run_quietly(api: EngineApi, session_id: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the engine is killed under the stream
        api.run(session_id, "add my video and generate calm background music")

"""``/run_sse`` as a client sees it: ADK events, partials, keep-alives, drops, silent edits."""

from __future__ import annotations

import httpx
import pytest

from nemo_widgets import protocol
from tests.engine_api import texts, tool_calls
from tests.media_factory import make_video


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("sse") / "walk.mp4", seconds=2.0)


def _raw_lines(api, session_id: str, text: str) -> list[str]:
    body = {"app_name": "nemo_agent", "user_id": "me", "session_id": session_id,
            "new_message": {"parts": [{"text": text}]}}
    with api.http.stream("POST", protocol.PATH_RUN_SSE, headers=api.auth, json=body) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        return list(answer.iter_lines())


@pytest.mark.parametrize(("style", "expected"), [("bare", "data:"),
                                                 ("json", 'data: {"type":"heartbeat"}'),
                                                 ("comment", ": ping")])
def test_keepalives_during_long_work(start_engine, style, expected):
    api = start_engine(profile="faults", turn_delay_s=1.6, keepalive_s=0.5,
                       heartbeat_style=style).api()
    api.login()
    session_id = api.new_session()
    lines = _raw_lines(api, session_id, "show tracks")
    assert lines.count(expected) >= 2, lines
    assert any(line.startswith("data: {\"content\"") for line in lines)


def test_streaming_sends_partials_then_the_whole_text(shared_engine):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    events = api.run(session_id, "what can you do? make me a sandwich", streaming=True)
    partials = [e for e in events if isinstance(e, dict) and e.get("partial")]
    finals = texts(events)
    assert partials and len(finals) == 1
    joined = "".join(p["content"]["parts"][0]["text"] for p in partials)
    assert joined == finals[0]
    assert "title" in finals[0].lower(), "the help lists what the agent can do"


def test_silent_edits_happen_and_the_state_tells_what_changed(shared_engine, clip):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    api.upload(session_id, clip)
    replies = []
    for text in ("add my video to the timeline", "mute the original audio",
                 'add a title "Quiet"', "set the original audio to 50%"):
        events = api.run(session_id, text)
        assert tool_calls(events), text
        replies.append(texts(events))
    assert any(not r for r in replies), "some edits end with tool events only"
    assert any(r for r in replies)
    draft = api.state(session_id)["draft"]
    assert draft["t"][0]["sg"][0]["volume"] == 0.5


def test_a_dropped_stream_still_completes_the_edit(start_engine, clip):
    engine = start_engine(profile="faults", sse_drop_after=1)
    api = engine.api()
    api.login()
    session_id = api.new_session()
    api.upload(session_id, clip)
    with pytest.raises(httpx.HTTPError):
        api.run(session_id, 'add my video and a title "Dropped"')
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        draft = api.state(session_id)["draft"]
        if draft["t"]:
            break
        time.sleep(0.1)
    assert [t["tt"] for t in draft["t"] if t["sg"]] == [0, 7]


def test_undo_and_redo_over_the_stream(start_engine, clip):
    api = start_engine(profile="local").api()
    api.login()
    session_id = api.new_session()
    api.upload(session_id, clip)
    api.run(session_id, "add my video to the timeline")
    placed = api.state(session_id)["draft"]
    api.run(session_id, 'add a title "Oops"')
    titled = api.state(session_id)["draft"]
    assert titled != placed
    assert texts(api.run(session_id, "undo")) == ["Undid the last change."]
    assert api.state(session_id)["draft"] == placed
    assert tool_calls(api.run(session_id, "redo")) == ["redo"]
    assert api.state(session_id)["draft"] == titled
    missing = api.run(session_id, "用第2个音乐版本")
    assert texts(missing) == ["还没有生成过音乐：请先让我生成音乐。"]
    assert api.state(session_id)["draft"] == titled


def test_music_versions_seed_use_and_undo_over_the_stream(start_engine, clip):
    api = start_engine(profile="local").api()
    api.login()
    session_id = api.new_session()
    api.upload(session_id, clip)
    events = api.run(session_id, "add my video and generate calm music, give me two options, "
                                 "seed 7")
    assert "generate_music" in tool_calls(events)
    state = api.state(session_id)
    versions = [m for m in state["generated_media"] if m["kind"] == "music"]
    assert [(m["version"], m["seed"]) for m in versions] == [(1, 7), (2, 8)]
    assert versions[0]["hash"] != versions[1]["hash"]

    def bgm_source() -> str:
        draft = api.state(session_id)["draft"]
        return next(s["source"] for t in draft["t"] if t.get("role") == "bgm" for s in t["sg"])

    assert bgm_source() == versions[0]["hash"], "the first version is placed"
    assert tool_calls(api.run(session_id, "use music version 2")) == ["use_music"]
    assert bgm_source() == versions[1]["hash"]
    api.run(session_id, "undo")
    assert bgm_source() == versions[0]["hash"]
    assert api.credits()["available"] == 80, "two versions, one music price; switching is free"

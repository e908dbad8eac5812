"""One stream's clocks: keep-alives only, the cap."""

from __future__ import annotations

import asyncio

import httpx

from nemo_widgets import protocol
from nemo_widgets.client import (
    EndEvent,
    Heartbeat,
    Notice,
)
from tests.client.fakes import (
    FakeBackend,
    make_draft,
    scripted_client,
    sse_backend,
    text_event,
    token_answer,
)


def test_heartbeats_only_end_in_a_time_out_with_progress_notes(tmp_path):
    async def stream():
        for _ in range(40):
            yield b"data:\n\n"
            await asyncio.sleep(0.05)

    state = {"code": 0, "data": {"session_id": "s1", "state": {"draft": make_draft()}}}
    backend = FakeBackend({
        ("POST", protocol.PATH_ANONYMOUS_TOKEN): [token_answer()],
        ("GET", protocol.PATH_STATE.format(session_id="s1")): [httpx.Response(200,
                                                                             json=state)],
        ("POST", protocol.PATH_RUN_SSE): [httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=stream())],
        ("GET", protocol.PATH_CREDITS): [httpx.Response(200, json={"code": 0, "data": {
            "available": 1, "frozen": 0, "total": 1}})],
    })
    client = scripted_client(tmp_path, backend, heartbeat_timeout_s=0.6, progress_every_s=0.25)

    async def run():
        turn = client.conversation("s1").send("make it better")
        return [e async for e in turn], turn.result

    events, result = asyncio.run(run())
    assert any(isinstance(e, Heartbeat) for e in events)
    assert Notice("progress", "⏳ Still working...") in events
    assert events[-1] == EndEvent("timeout")
    assert result.timed_out and "keep-alives" in str(result.error)
    assert backend.count(protocol.PATH_RUN_SSE) == 1, "never sent twice"


def test_a_turn_that_passes_its_cap_ends_even_while_events_flow(tmp_path):
    async def busy():
        for index in range(100):
            yield text_event(f"step {index}")
            await asyncio.sleep(0.02)

    client = scripted_client(tmp_path, sse_backend(busy()), turn_cap_s=0.3)

    async def run():
        turn = client.conversation("s1").send("long work")
        return [e async for e in turn], turn.result

    events, result = asyncio.run(run())
    assert events[-1] == EndEvent("cap") and result.timed_out
    assert "minute limit" in str(result.error)


def test_an_end_marker_ends_the_turn_even_if_the_connection_stays_open(tmp_path):
    async def held_open():
        yield text_event("Done.")
        yield b"data: [DONE]\n\n"
        for _ in range(100):
            yield b": ping\n\n"
            await asyncio.sleep(0.05)

    client = scripted_client(tmp_path, sse_backend(held_open()), heartbeat_timeout_s=30)

    async def run():
        turn = client.conversation("s1").send("finish")
        return [e async for e in turn], turn.result

    events, result = asyncio.run(run())
    assert result.ok and result.text == "Done." and events[-1] == EndEvent("complete")
    assert [e.style for e in events if isinstance(e, Heartbeat)] == ["done"], \
        "nothing read after the end marker"

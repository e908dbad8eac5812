"""Conversation rules on a scripted network: noise, abandoned turns."""

from __future__ import annotations

import asyncio

from nemo_widgets import protocol
from nemo_widgets.client import (
    TextEvent,
)
from tests.client.fakes import make_draft, scripted_client, sse_backend, text_event


def test_a_trailing_temporary_issue_is_noise_and_a_lone_one_is_not(tmp_path):
    noisy = text_event("Added the title.") + text_event(
        "I encountered a temporary issue. Please try again.")
    lone = b'data: {"error": "I encountered a temporary issue"}\n\n'
    backend = sse_backend(noisy, lone, draft_after=make_draft(title="Hi"))
    client = scripted_client(tmp_path, backend)

    async def run():
        conv = client.conversation("s1")
        return await conv.ask("add a title"), await conv.ask("add a title")

    first, second = asyncio.run(run())
    assert first.ok and first.text == "Added the title."
    assert second.error is not None and "temporary issue" in second.text


def test_an_abandoned_turn_finishes_before_the_next_and_is_not_sent_twice(tmp_path):
    backend = sse_backend(text_event("one") + text_event("two"), text_event("three"))
    client = scripted_client(tmp_path, backend)

    async def run():
        conv = client.conversation("s1")
        first = conv.send("first")
        async for event in first:
            if isinstance(event, TextEvent):
                break  # the user looked at one event and moved on
        never = conv.send("never iterated")
        second = await conv.ask("second")
        return first, never, second, conv

    first, never, second, conv = asyncio.run(run())
    assert first.done and first.result.text == "one\n\ntwo"
    assert never.done and not never.started
    assert second.text == "three" and [r.message for r in conv.history] == ["first", "second"]
    assert backend.count(protocol.PATH_RUN_SSE) == 2

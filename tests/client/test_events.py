"""ADK events and gateway objects as typed events."""

from __future__ import annotations

import json

import pytest

from nemo_widgets.client import (
    ErrorEvent,
    Heartbeat,
    PartialText,
    TextEvent,
    ToolCall,
    ToolResult,
)
from nemo_widgets.client.events import parse_message
from nemo_widgets.client.sse import SseMessage


@pytest.mark.parametrize(("message", "style"), [(SseMessage(""), "bare"),
                                                (SseMessage('{"type":"heartbeat"}'), "json"),
                                                (SseMessage("ping", comment=True), "comment")])
def test_every_keepalive_variant_is_a_heartbeat(message, style):
    assert parse_message(message) == [Heartbeat(style)]


def test_adk_events_become_typed_events():
    event = {"content": {"role": "model", "parts": [
        {"text": "thinking", "thought": True}, {"text": "Done."},
        {"functionCall": {"id": "adk-1", "name": "add_text", "args": {"text": "Hi"}}}]},
        "invocationId": "e-1", "author": "nemo_agent"}
    answer = {"content": {"role": "user", "parts": [
        {"functionResponse": {"id": "adk-1", "name": "add_text", "response": {"ok": 1}}}]}}
    assert parse_message(SseMessage(json.dumps(event))) == [
        TextEvent("Done."), ToolCall("adk-1", "add_text", {"text": "Hi"})]
    assert parse_message(SseMessage(json.dumps(answer))) == [
        ToolResult("adk-1", "add_text", {"ok": 1})]
    partial = {"content": {"parts": [{"text": "Do"}]}, "partial": True}
    assert parse_message(SseMessage(json.dumps(partial))) == [PartialText("Do")]


def test_errors_in_the_stream_valid_json_or_not():
    assert parse_message(SseMessage('{"error": "quota exceeded"}')) == [
        ErrorEvent("quota exceeded")]
    assert parse_message(SseMessage('{"error": "bad "quote" here"}')) == [
        ErrorEvent('bad "quote" here')]
    coded = {"content": {"parts": [{"text": "No credits left."}]}, "errorCode": "2001",
             "errorMessage": "No credits left."}
    assert parse_message(SseMessage(json.dumps(coded))) == [
        ErrorEvent("No credits left.", 2001)]

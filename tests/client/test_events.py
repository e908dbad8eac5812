"""ADK events and gateway objects as typed events."""

from __future__ import annotations

import json

import pytest

from nemo_widgets.client import (
    ErrorEvent,
    Heartbeat,
    PartialText,
    Reason,
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
        Reason("thinking"), TextEvent("Done."), ToolCall("adk-1", "add_text", {"text": "Hi"})]
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


def test_snake_case_adk_events_and_errors():
    call = {"content": {"role": "model", "parts": [
        {"function_call": {"id": "adk-1", "name": "add_text", "args": {"text": "Hi"}}}]}}
    answer = {"content": {"role": "user", "parts": [
        {"function_response": {"id": "adk-1", "name": "add_text", "response": "done"}}]}}
    assert parse_message(SseMessage(json.dumps(call))) == [
        ToolCall("adk-1", "add_text", {"text": "Hi"})]
    assert parse_message(SseMessage(json.dumps(answer))) == [
        ToolResult("adk-1", "add_text", {"result": "done"})]
    error = {"error_code": "2001", "error_message": "No credits left."}
    assert parse_message(SseMessage(json.dumps(error))) == [
        ErrorEvent("No credits left.", 2001)]
    named = {"errorCode": "MALFORMED_FUNCTION_CALL", "errorMessage": "bad call"}
    assert parse_message(SseMessage(json.dumps(named))) == [ErrorEvent("bad call")]


@pytest.mark.parametrize(("payload", "events"), [
    ("[DONE]", [Heartbeat("done")]),
    ('{"type": "done"}', [Heartbeat("done")]),
    ('{"type": "ping"}', [Heartbeat("json")]),
    ('{"type": "text", "content": "Hi"}', [TextEvent("Hi")]),
    ('{"type": "text", "content": "H", "partial": true}', [PartialText("H")]),
    ('{"type": "text_delta", "delta": "H"}', [PartialText("H")]),
    ('{"type": "tool_call", "id": "c1", "name": "trim", "arguments": "{\\"s\\": 1}"}',
     [ToolCall("c1", "trim", {"s": 1})]),
    ('{"type": "tool_result", "id": "c1", "name": "trim", "result": {"ok": true}}',
     [ToolResult("c1", "trim", {"ok": True})]),
    ('{"type": "error", "message": "boom", "code": 2001}', [ErrorEvent("boom", 2001)]),
    ('{"error": {"code": 1002, "message": "gone"}}', [ErrorEvent("gone", 1002)]),
    ('{"code": 2001, "message": "no credits"}', [ErrorEvent("no credits", 2001)]),
    ('{"content": {"role": "user", "parts": [{"text": "add a title"}]}, "author": "user"}', []),
    ('{"type": "text", "content": "add a title", "role": "user"}', []),
    ('[{"type": "text", "content": "a"}, {"type": "text", "content": "b"}]',
     [TextEvent("a"), TextEvent("b")]),
    ("42", []),
])
def test_gateway_and_flat_event_shapes(payload, events):
    assert parse_message(SseMessage(payload)) == events

"""The SSE decoder: split chunks, CR/LF, comments, an open last event."""

from __future__ import annotations

import json

from nemo_widgets.client.sse import SseMessage
from tests.client.fakes import decode_sse


def test_sse_decoder_handles_split_chunks_crlf_comments_and_an_open_last_event():
    messages = decode_sse('data: {"a"', ': 1}\r', '\n\r\n: ping\n\ndata:\n\n',
                          "data: x\ndata: y\n\n", 'data: {"error": "boom"}')
    assert messages == [SseMessage('{"a": 1}'), SseMessage("ping", comment=True),
                        SseMessage(""), SseMessage("x\ny"), SseMessage('{"error": "boom"}')]


def test_sse_decoder_keeps_unicode_line_separators_inside_json():
    text = json.dumps({"content": {"parts": [{"text": "a\u2028b"}]}}, ensure_ascii=False)
    [message] = decode_sse(f"data: {text}\n\n")
    assert json.loads(message.data)["content"]["parts"][0]["text"] == "a\u2028b"

"""Property-based fuzzing of every client parser: whatever a backend sends (SSE text, ADK
events, envelopes, states and drafts, upload and render answers, balances, generated media),
the client raises only its own typed errors (``NemoError``; ``DraftError`` from the draft
model), never a bare ``TypeError``/``AttributeError``/``KeyError``. And any draft whose
skeleton is well formed reads and writes back unchanged."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nemo_widgets import draft_variants as dv
from nemo_widgets.client import NemoError
from nemo_widgets.client.envelope import as_dict, unwrap, unwrap_body
from nemo_widgets.client.events import parse_adk, parse_message
from nemo_widgets.client.export import RenderJob
from nemo_widgets.client.media import music_versions
from nemo_widgets.client.models import Balance, SessionState, UploadedFile, uploaded_files
from nemo_widgets.client.sse import SseMessage, iter_sse
from nemo_widgets.timeline import DraftError, Timeline

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

KNOWN_KEYS = sorted({name for table in (dv.START, dv.DURATION, dv.END, dv.SOURCE_IN,
                                        dv.FADE_IN, dv.FADE_OUT, dv.RANGES, dv.SOURCE_RANGES,
                                        dv.VOLUMES) for name, _ in table}
                    | set(dv.IDS + dv.KINDS + dv.SOURCES + dv.LABELS + dv.TEXTS + dv.LOOPS
                          + dv.STYLES + dv.TRACK_NAMES)
                    | {"t", "tt", "sg", "d", "m", "code", "data", "success", "message", "error",
                       "content", "parts", "text", "functionCall", "function_call",
                       "functionResponse", "function_response", "errorCode", "error_code",
                       "type", "partial", "role", "author", "state", "draft", "files", "file",
                       "url", "urls", "status", "progress", "output", "outputUrl", "available",
                       "frozen", "total", "generated_media", "stems", "name", "args",
                       "response", "session_id", "user_id", "video_infos", "width", "height"})

scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
           | st.sampled_from(["0s", "1.5s", "00:01.500", "250ms", "video", "audio", "text",
                              "bgm", "[DONE]", "2001", "completed", "failed", "1e400"]))
keys = st.sampled_from(KNOWN_KEYS) | st.text(max_size=8)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner,
                                                                         max_size=6),
    max_leaves=30)
objects = st.dictionaries(keys, json_values, max_size=8)


def only_typed(call: Any, *allowed: type[BaseException]) -> None:
    try:
        call()
    except (NemoError, *allowed):
        pass


@FUZZ
@given(st.text(max_size=200) | json_values.map(json.dumps), st.booleans())
def test_sse_messages_never_raise(payload, comment):
    events = parse_message(SseMessage(payload, comment=comment))
    assert isinstance(events, list)


@FUZZ
@given(objects)
def test_adk_events_never_raise(event):
    assert isinstance(parse_adk(event), list)


@FUZZ
@given(st.lists(st.text(max_size=30), max_size=8))
def test_the_sse_decoder_never_raises(chunks):
    async def run() -> list[SseMessage]:
        async def source():
            for chunk in chunks:
                yield chunk
        return [m async for m in iter_sse(source())]

    assert all(isinstance(m, SseMessage) for m in asyncio.run(run()))


@FUZZ
@given(st.integers(100, 599), json_values)
def test_envelopes_unwrap_or_raise_typed_errors(status, body):
    only_typed(lambda: unwrap_body(status, body))


@FUZZ
@given(st.integers(100, 599), st.binary(max_size=60) | json_values.map(
    lambda v: json.dumps(v).encode()))
def test_raw_answers_unwrap_or_raise_typed_errors(status, content):
    response = httpx.Response(status, content=content,
                              headers={"content-type": "application/json"})
    only_typed(lambda: unwrap(response))


@FUZZ
@given(json_values | objects | st.fixed_dictionaries({"state": st.fixed_dictionaries(
    {"draft": json_values | objects.map(json.dumps), "generated_media": json_values})}))
def test_state_answers_read_or_raise_typed_errors(data):
    only_typed(lambda: SessionState.from_json(data, "s1"))


segment = st.dictionaries(keys, json_values, max_size=6)
track = st.fixed_dictionaries({"tt": scalars, "sg": st.lists(segment, max_size=4)},
                              optional={"name": scalars, "x": json_values})
draft = st.fixed_dictionaries({"t": st.lists(track, max_size=4)},
                              optional={"d": scalars, "m": json_values, "extra": json_values})


@FUZZ
@given(json_values | objects | draft)
def test_drafts_read_or_raise_draft_error(data):
    only_typed(lambda: Timeline.from_draft(data).summary(), DraftError)


@FUZZ
@given(draft)
def test_well_formed_drafts_go_back_unchanged(data):
    timeline = Timeline.from_draft(data)
    assert timeline.to_draft() == data
    timeline.summary()
    timeline.to_frame()


@FUZZ
@given(json_values, st.lists(st.text(max_size=10), max_size=3))
def test_upload_answers_list_the_files_sent(answer, names):
    files = uploaded_files(answer, names)
    assert len(files) >= len(names)


@FUZZ
@given(json_values)
def test_render_balance_upload_and_media_answers_never_raise(answer):
    RenderJob.from_answer(answer, "render_1")
    music_versions(answer)
    only_typed(lambda: Balance.from_json(as_dict(answer, "the balance call")))
    only_typed(lambda: UploadedFile.from_json(as_dict(answer, "the upload call")))

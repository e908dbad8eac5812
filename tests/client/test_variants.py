"""Every SSE and HTTP variant the protocol allows, each through real HTTP (the cloud-shaped
fake): snake_case ADK events and errors, ``data: [DONE]``, flat ``{"type": ...}`` events, a
user echo, a plain 401, the bind id read from the state, ``data.url`` upload answers, the
draft as a JSON string, render polls (short first, backing off, a 404 asked again once) and
``/run_sse`` bodies without ``streaming``."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from nemo_widgets import protocol
from nemo_widgets.client import (
    EndEvent,
    ErrorEvent,
    Heartbeat,
    NoCredits,
    TextEvent,
    ToolCall,
    ToolResult,
)
from tests.client.cloud_fake import CloudFake, Options
from tests.client.test_cloud_workflow import fake_client
from tests.media_factory import make_video


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("variant-media") / "clip.mp4", seconds=1.0)


def _placed(fake: CloudFake, tmp_path: Path, clip: Path, text: str = "add my video",
            **settings):
    client = fake_client(fake, tmp_path / "cfg", **settings)
    conv = client.conversation()
    conv.upload(clip)
    events = list(conv.send(text))
    return client, conv, events


@pytest.mark.parametrize("style", ["camel", "snake", "flat"])
def test_every_event_shape_gives_text_and_tool_calls(clip, tmp_path, style):
    with CloudFake(tmp_path / "cloud", Options(sse=style)) as fake:
        client, conv, events = _placed(fake, tmp_path, clip)
        with client:
            result = conv.history[-1]
            assert result.ok and result.agent_text.startswith("Added your video")
            assert [type(e) for e in events if isinstance(e, (TextEvent, ToolCall, ToolResult))
                    ] == [ToolCall, ToolResult, TextEvent]
            assert result.tool_calls[0].name == "add_clips"
            assert result.tool_calls[0].args == {"files": ["clip.mp4"]}
            assert result.tool_results[0].response == {"status": "ok"}


@pytest.mark.parametrize("style", ["camel", "snake"])
def test_an_error_in_the_stream_is_never_a_silent_turn(clip, tmp_path, style):
    options = Options(sse=style, credits=60, turn_price=50, user_id_only_in_state=True)
    with CloudFake(tmp_path / "cloud", options) as fake:
        client, conv, _ = _placed(fake, tmp_path, clip)
        with client:
            result = conv.ask('add a title "Two"')
            assert not result.silent and isinstance(result.error, NoCredits)
            user = next(iter(fake.credits))
            assert f"{protocol.REGISTER_URL}?bind={user}" in result.text, \
                "the bind id comes from the state when no other answer names the user"


def test_done_marker_and_keepalives_are_not_errors(clip, tmp_path):
    with CloudFake(tmp_path / "cloud", Options(done_marker=True, heartbeats=3)) as fake:
        client, conv, events = _placed(fake, tmp_path, clip)
        with client:
            assert conv.history[-1].ok
            assert not any(isinstance(e, ErrorEvent) for e in events)
            assert [e.style for e in events if isinstance(e, Heartbeat)] == ["bare"] * 3 + [
                "done"]
            assert events[-1] == EndEvent("complete")


def test_a_user_echo_is_not_the_agents_words(clip, tmp_path):
    with CloudFake(tmp_path / "cloud", Options(user_echo=True)) as fake:
        client, conv, events = _placed(fake, tmp_path, clip, text="add my video please")
        with client:
            texts = [e.text for e in events if isinstance(e, TextEvent)]
            assert texts == ["Added your video to the timeline. Click **Export** when you "
                             "are ready."]
            assert "please" not in conv.history[-1].text


def test_a_plain_401_renews_the_token_and_carries_on(clip, tmp_path):
    with CloudFake(tmp_path / "cloud", Options(plain_401_once=True)) as fake, \
            fake_client(fake, tmp_path / "cfg") as client:
        assert client.credits().available == 1000
        assert fake.count("POST", protocol.PATH_ANONYMOUS_TOKEN) == 2
        assert len(set(fake.token_calls)) == 1, "the same client id both times"


def test_upload_answer_with_only_a_url_still_lists_the_file(clip, tmp_path):
    with CloudFake(tmp_path / "cloud", Options(upload_shape="url")) as fake, \
            fake_client(fake, tmp_path / "cfg") as client:
        [uploaded] = client.conversation().upload(clip)
        assert uploaded.filename == "clip.mp4" and uploaded.file_type == "video"
        assert uploaded.cdn_url and uploaded.cdn_url.startswith(fake.url)


def test_a_draft_sent_as_a_json_string_is_read(clip, tmp_path):
    with CloudFake(tmp_path / "cloud", Options(draft_as_string=True)) as fake:
        client, conv, _ = _placed(fake, tmp_path, clip)
        with client:
            state = conv.state()
            assert state.summary() == "Timeline (1 track): 1. Video: clip.mp4 (0-2s)"
            assert state.draft == fake.sessions[conv.session_id].draft


def test_render_polls_start_short_back_off_and_retry_a_404_once(clip, tmp_path):
    options = Options(poll_404_once=True, polls_before_done=5, render_shape="output")
    with CloudFake(tmp_path / "cloud", options) as fake:
        client, conv, _ = _placed(fake, tmp_path, clip, render_poll_s=0.05,
                                  render_poll_max_s=0.2)
        with client:
            exported = conv.export(tmp_path / "out.mp4")
            assert exported.path.stat().st_size == clip.stat().st_size
            [times] = fake.poll_times.values()
            gaps = [b - a for a, b in itertools.pairwise(times)]
            assert len(times) == 6, "a 404 asked again, four processing, one completed"
            assert gaps[0] < 0.15 and max(gaps) < 0.4 and gaps[-1] > gaps[1]


def test_run_sse_bodies_do_not_ask_for_streaming(clip, tmp_path):
    with CloudFake(tmp_path / "cloud") as fake:
        client, _conv, _ = _placed(fake, tmp_path, clip)
        with client:
            [body] = fake.bodies(protocol.PATH_RUN_SSE)
            assert "streaming" not in body
            assert body["new_message"]["parts"] == [{"text": "add my video"}]

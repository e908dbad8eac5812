"""Every row of the protocol's error table, provoked through the engine's settings, and the
other variants a backend may show: errors as HTTP 200, the second render answer shape,
transient 5xx, keep-alive styles, a dropped stream and a token that must never leak."""

from __future__ import annotations

import json
import logging
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nemo_widgets import protocol
from nemo_widgets.client import (
    AuthError,
    BadRequest,
    ClientSettings,
    FileTooLarge,
    Heartbeat,
    NemoClient,
    NemoError,
    NoCredits,
    Notice,
    PlanRequired,
    RateLimited,
    UnsupportedFile,
)
from nemo_widgets.client.models import SessionInfo
from nemo_widgets.engine.server import EngineInfo, ensure_engine, stop_engine
from nemo_widgets.engine.settings import EngineSettings
from tests.media_factory import make_video

FAST = {"rate_limit_wait_s": 0.2, "render_poll_s": 0.1, "render_poll_max_s": 0.3,
        "transient_wait_s": 0.05, "drop_poll_s": (0.2, 0.3, 0.5, 1.0, 1.0)}


class Recorder(httpx.AsyncBaseTransport):
    """The real network, with every request written down (method, path, full URL)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def count(self, method: str, path_start: str) -> int:
        return sum(1 for r in self.requests
                   if r.method == method and r.url.path.startswith(path_start))


def make_client(url: str, config_dir: Path, *, recorder: Recorder | None = None,
                client_id: str | None = None, token: str | None = None,
                **overrides) -> NemoClient:
    return NemoClient(url, client_id=client_id, token=token, http_transport=recorder,
                      settings=ClientSettings(config_dir=config_dir, **{**FAST, **overrides}))


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("errors") / "clip.mp4", seconds=1.0)


# --- 1001 ------------------------------------------------------------------------------------
def test_expired_token_1001_is_renewed_once_with_the_same_client_id(start_engine, tmp_path):
    engine = start_engine(token_ttl_s=1, tokens_per_client=2)
    config = tmp_path / "cfg"
    with make_client(engine.url, config, client_id="client-1001") as client:
        client.credits()
        cache = config / "tokens.json"
        entries = json.loads(cache.read_text())
        first_token = entries[engine.url]["token"]
        for entry in entries.values():  # the client's clock says the token is still good
            entry["expires_at"] = entry["refresh_at"] = time.time() + 3600
        cache.write_text(json.dumps(entries))
    time.sleep(1.2)
    recorder = Recorder()
    with make_client(engine.url, config, client_id="client-1001", recorder=recorder) as again:
        assert again.credits().available == 100
        assert recorder.count("POST", protocol.PATH_ANONYMOUS_TOKEN) == 1
        assert recorder.count("GET", protocol.PATH_CREDITS) == 2, "1001, then the retry"
    renewed = json.loads((config / "tokens.json").read_text())[engine.url]
    assert renewed["token"] != first_token and renewed["client_id"] == "client-1001"


def test_a_refused_explicit_token_is_an_auth_error_with_no_loop(shared_engine, tmp_path):
    recorder = Recorder()
    bad = "nmv_usr_" + "0" * 40
    with make_client(shared_engine.url, tmp_path, token=bad, recorder=recorder) as client, \
            pytest.raises(AuthError) as refused:
        client.credits()
    assert recorder.count("GET", protocol.PATH_CREDITS) == 1
    assert bad not in str(refused.value) and "1001" in str(refused.value)


# --- 1002 ------------------------------------------------------------------------------------
def test_lost_session_1002_starts_a_new_one_says_so_and_resends_uploads(shared_engine, clip,
                                                                      tmp_path):
    with make_client(shared_engine.url, tmp_path) as client:
        conv = client.conversation(session_id="sess_gone")
        said: list[str] = []
        conv.set_notice_handler(said.append)
        uploaded = conv.upload(clip)
        assert uploaded[0].filename == "clip.mp4"
        assert conv.session_id != "sess_gone" and len(said) == 1
        assert "sess_gone" in said[0] and "new session" in said[0] and "1002" in said[0]
        lost = conv.session_id
        conv.aio._session = SessionInfo("sess_lost_again")  # the backend forgot it
        turn = conv.send("add my video to the timeline")
        events = list(turn)
        result = turn.result
        assert result.ok, result.text
        assert [e.kind for e in events if isinstance(e, Notice)] == ["session"]
        assert any("new session" in n for n in result.notices)
        assert conv.session_id not in (lost, "sess_lost_again")
        assert any("upload(s) were sent again" in n for n in result.notices)
        assert result.after is not None and result.after.timeline.tracks[0].segments[0].label == \
            "clip.mp4", "the re-sent upload is on the new session's timeline"


# --- 2001 and 402 (one engine: few credits, and a free plan that cannot export) -------------
@pytest.fixture(scope="module")
def poor_engine(tmp_path_factory) -> Iterator[EngineInfo]:
    settings = EngineSettings.from_env(env={}, home=tmp_path_factory.mktemp("poor-engine"),
                                       keepalive_s=1.0, tokens_per_client=100,
                                       anonymous_credits=3, export_requires_plan=True)
    yield ensure_engine(settings)
    stop_engine(settings.home)


TEXT_ONLY = {"t": [{"tt": 7, "sg": [{"kind": "text", "text": "hi", "start_ms": 0,
                                     "duration_ms": 1000}]}], "d": 1000,
             "m": {"width": 1920, "height": 1080}}


def test_no_credits_2001_points_anonymous_users_to_registration(poor_engine, clip, tmp_path):
    with make_client(poor_engine.url, tmp_path) as client:
        conv = client.conversation()
        conv.upload(clip)
        result = conv.ask("add my video to the timeline")
        assert isinstance(result.error, NoCredits)
        link = f"{protocol.REGISTER_URL}?bind={client.user_id}"
        assert client.user_id and client.user_id.startswith("anon_")
        assert link in str(result.error) and link in result.text
        assert result.changes is None, "the draft was left alone"
        with pytest.raises(NoCredits):
            result.raise_for_error()
        assert conv.ask("describe the tracks").ok, "free requests still work"


def test_export_blocked_by_plan_402_is_not_about_credits(poor_engine, tmp_path):
    with make_client(poor_engine.url, tmp_path) as client:
        with pytest.raises(PlanRequired) as blocked:
            client.export(None, tmp_path / "out.mp4", draft=TEXT_ONLY)
        assert "plan" in str(blocked.value) and "not about credits" in str(blocked.value)
        assert blocked.value.status == 402 and not (tmp_path / "out.mp4").exists()


# --- 4001 / 4002 -----------------------------------------------------------------------------
def test_unsupported_4001_locally_and_from_the_server(shared_engine, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    fake = tmp_path / "fake.mp4"
    fake.write_text("this is not a video\n" * 100)
    recorder = Recorder()
    with make_client(shared_engine.url, tmp_path / "cfg", recorder=recorder) as client:
        conv = client.conversation()
        conv.start()
        with pytest.raises(UnsupportedFile) as local:
            conv.upload(notes)
        assert "mp4" in str(local.value) and "wav" in str(local.value)
        assert recorder.count("POST", "/api/upload-video") == 0, "refused before sending"
        with pytest.raises(UnsupportedFile) as remote:
            conv.upload(fake)
        assert remote.value.code == 4001 and "Supported formats" in str(remote.value)


def test_too_large_4002_locally_and_from_the_server(start_engine, clip, tmp_path):
    engine = start_engine(max_upload_bytes=20_000)
    recorder = Recorder()
    with make_client(engine.url, tmp_path / "a", recorder=recorder,
                     max_upload_bytes=10_000) as strict:
        with pytest.raises(FileTooLarge) as local:
            strict.conversation().upload(clip)
        assert "Trim or compress" in str(local.value)
        assert recorder.count("POST", "/api/upload-video") == 0
    with make_client(engine.url, tmp_path / "b") as lenient, \
            pytest.raises(FileTooLarge) as remote:
        lenient.conversation().upload(clip)
    assert remote.value.code == 4002 and "Trim or compress" in str(remote.value)


# --- 429 and the token cache (one engine: one anonymous token per client per 7 days) -------
def test_rate_limit_429_is_retried_once_then_explained_and_the_cache_avoids_it(start_engine,
                                                                               tmp_path):
    engine = start_engine()
    for _ in range(2):  # a fresh process with the same config folder asks no new token
        recorder = Recorder()
        with make_client(engine.url, tmp_path / "first", client_id="shared-id",
                         recorder=recorder) as client:
            assert client.credits().available == 100
    assert recorder.count("POST", protocol.PATH_ANONYMOUS_TOKEN) == 0
    assert stat.S_IMODE(os.stat(tmp_path / "first" / "tokens.json").st_mode) == 0o600
    recorder = Recorder()
    started = time.monotonic()
    with make_client(engine.url, tmp_path / "second", client_id="shared-id",
                     recorder=recorder) as second, pytest.raises(RateLimited) as limited:
        second.credits()
    assert time.monotonic() - started >= 0.2
    assert recorder.count("POST", protocol.PATH_ANONYMOUS_TOKEN) == 2
    assert "NEMO_TOKEN" in str(limited.value)


def test_rate_limit_429_then_success_after_the_wait(start_engine, tmp_path):
    engine = start_engine(token_window_s=1)
    with make_client(engine.url, tmp_path / "first", client_id="window-id") as first:
        first.credits()
    with make_client(engine.url, tmp_path / "second", client_id="window-id",
                     rate_limit_wait_s=1.2) as second:
        assert second.credits().available == 100


# --- envelope and answer variants --------------------------------------------------------------
def test_errors_as_http_200_are_still_typed(start_engine, clip, tmp_path):
    engine = start_engine(errors_as_200=True, export_requires_plan=True)
    with make_client(engine.url, tmp_path) as client:
        with pytest.raises(NemoError) as lost:
            client.state("sess_missing")
        assert lost.value.code == protocol.CODE_SESSION_NOT_FOUND and lost.value.status == 200
        conv = client.conversation(session_id="sess_missing")
        notes = tmp_path / "fake.mp4"
        notes.write_text("not a video\n" * 100)
        with pytest.raises(UnsupportedFile):
            conv.upload(notes)
        assert conv.session_id != "sess_missing", "1002 as HTTP 200 also starts a new session"
        with pytest.raises(PlanRequired) as blocked:
            client.export(conv.session_id, tmp_path / "x.mp4", draft=TEXT_ONLY)
        assert blocked.value.status == 200 and "not about credits" in str(blocked.value)


def test_success_shape_and_transient_503s_on_the_same_render_id(start_engine, clip, tmp_path):
    engine = start_engine(render_answer_shape="success", render_submit_503s=1,
                          render_poll_503s=2)
    recorder = Recorder()
    with make_client(engine.url, tmp_path, recorder=recorder) as client:
        conv = client.conversation()
        conv.upload(clip)
        conv.ask("add my video to the timeline")
        result = conv.export(tmp_path / "out.mp4")
    assert result.path.exists() and result.url and result.duration_s == pytest.approx(1.0,
                                                                                      abs=0.1)
    submits = [r for r in recorder.requests if r.url.path == protocol.PATH_RENDER_SUBMIT]
    assert len(submits) == 2, "503 then a retry that finds its own id (4009)"
    assert len({json.loads(r.content)["id"] for r in submits}) == 1
    polls = [r for r in recorder.requests if r.url.path.startswith("/api/render/proxy/lambda/")]
    assert len(polls) >= 3 and {r.url.path for r in polls} == {
        f"/api/render/proxy/lambda/{result.render_id}"}


def test_4xx_render_answers_are_never_retried(shared_engine, tmp_path):
    recorder = Recorder()
    with make_client(shared_engine.url, tmp_path, recorder=recorder) as client, \
            pytest.raises(BadRequest) as refused:
        client.export(None, tmp_path / "x.mp4", draft={"t": [], "d": 0, "m": {}})
    assert "nothing to render" in str(refused.value)
    assert recorder.count("POST", protocol.PATH_RENDER_SUBMIT) == 1


# --- the stream ----------------------------------------------------------------------------------
@pytest.mark.parametrize("style", ["bare", "json", "comment"])
def test_keepalive_styles_are_heartbeats_with_progress_notes(start_engine, tmp_path, style):
    engine = start_engine(turn_delay_s=0.9, keepalive_s=0.2, heartbeat_style=style)
    with make_client(engine.url, tmp_path, progress_every_s=0.4) as client:
        turn = client.conversation().send("describe the tracks")
        events = list(turn)
        beats = [e for e in events if isinstance(e, Heartbeat)]
        assert len(beats) >= 2 and {b.style for b in beats} == {style}
        assert Notice("progress", "⏳ Still working...") in events
        assert turn.result.ok and turn.result.text.startswith("Timeline (0 tracks)")
        if style == "json":  # and keep-alives alone for too long is a time-out
            with make_client(engine.url, tmp_path, heartbeat_timeout_s=0.5) as impatient:
                late = impatient.conversation().ask("describe the tracks")
            assert late.timed_out and "keep-alives" in str(late.error)


def test_dropped_stream_polls_the_state_and_never_resends(start_engine, clip, tmp_path):
    engine = start_engine(sse_drop_after=1)
    recorder = Recorder()
    with make_client(engine.url, tmp_path, recorder=recorder) as client:
        conv = client.conversation()
        conv.upload(clip)
        said: list[str] = []
        conv.set_notice_handler(said.append)
        turn = conv.send('add my video and a title "Dropped"')
        events = list(turn)
        result = turn.result
    assert result.dropped and result.ok, result.text
    assert any(isinstance(e, Notice) and e.kind == "dropped" for e in events)
    assert result.text.startswith("The connection dropped, but the edit went through")
    assert result.after is not None and [t.type for t in result.after.timeline.tracks] == [0, 7]
    assert any("instead of sending it again" in s for s in said)
    assert recorder.count("POST", protocol.PATH_RUN_SSE) == 1


# --- token hygiene -------------------------------------------------------------------------------
def test_the_token_never_leaks(poor_engine, clip, tmp_path, caplog):
    engine = poor_engine
    recorder = Recorder()
    caplog.set_level(logging.DEBUG)
    with make_client(engine.url, tmp_path, recorder=recorder) as client:
        conv = client.conversation()
        conv.upload(clip)
        results = [conv.ask("add my video to the timeline"), conv.ask('add a title "x"'),
                   conv.ask("credits")]
        errors: list[BaseException] = [r.error for r in results if r.error]
        try:
            client.state("sess_nope")
        except NemoError as exc:
            errors.append(exc)
        token = json.loads((tmp_path / "tokens.json").read_text())[engine.url]["token"]
        assert token.startswith("nmv_usr_")
        shown = [repr(client), str(client), repr(conv), repr(conv.aio), repr(conv.aio.client),
                 repr(client.aio._transport), repr(client.aio._transport.identity),
                 repr(client.aio._transport.identity.current), repr(conv.ledger),
                 conv.ledger.to_frame().to_string(), *map(repr, results),
                 *(str(r) for r in results), *map(str, errors), *map(repr, errors),
                 *(str(r.url) for r in recorder.requests), caplog.text]
        assert errors and any(isinstance(e, NoCredits) for e in errors)
    for text in shown:
        assert token not in text
        assert token[8:] not in text
    assert all(r.headers["authorization"] == f"Bearer {token}" for r in recorder.requests
               if r.url.path != protocol.PATH_ANONYMOUS_TOKEN)

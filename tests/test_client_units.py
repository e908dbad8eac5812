"""The client's pieces on their own: SSE decoding, envelopes, errors, routing, GUI translation,
the draft diff, the ledger, identity storage, upload checks, and recoveries on a fake network."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from pathlib import Path

import httpx
import pytest

from nemo_widgets import protocol
from nemo_widgets.client import (
    AsyncNemoClient,
    AuthError,
    BadRequest,
    ClientSettings,
    EndEvent,
    ErrorEvent,
    FileTooLarge,
    Heartbeat,
    NemoError,
    NoCredits,
    Notice,
    PartialText,
    PlanRequired,
    RateLimited,
    ServerError,
    SessionLost,
    TextEvent,
    ToolCall,
    ToolResult,
    UnsupportedFile,
)
from nemo_widgets.client.auth import Credentials, TokenCache, load_client_id
from nemo_widgets.client.diff import describe_changes
from nemo_widgets.client.envelope import unwrap_body
from nemo_widgets.client.errors import error_for, redact
from nemo_widgets.client.events import parse_message
from nemo_widgets.client.export import RenderJob, new_render_id
from nemo_widgets.client.ledger import CreditLedger
from nemo_widgets.client.models import Balance
from nemo_widgets.client.routing import mentions_export, route, translate
from nemo_widgets.client.sse import SseMessage, iter_sse
from nemo_widgets.client.uploads import LocalFile, MultipartBody, check_files
from nemo_widgets.timeline import Timeline

TOKEN = "nmv_usr_" + "a1" * 20


async def _chunks(*parts: str):
    for part in parts:
        yield part


def _decode(*parts: str) -> list[SseMessage]:
    async def run() -> list[SseMessage]:
        return [m async for m in iter_sse(_chunks(*parts))]
    return asyncio.run(run())


# --- SSE ---------------------------------------------------------------------------------------
def test_sse_decoder_handles_split_chunks_crlf_comments_and_an_open_last_event():
    messages = _decode('data: {"a"', ': 1}\r', '\n\r\n: ping\n\ndata:\n\n', "data: x\ndata: y\n\n",
                       'data: {"error": "boom"}')
    assert messages == [SseMessage('{"a": 1}'), SseMessage("ping", comment=True),
                        SseMessage(""), SseMessage("x\ny"), SseMessage('{"error": "boom"}')]


def test_sse_decoder_keeps_unicode_line_separators_inside_json():
    text = json.dumps({"content": {"parts": [{"text": "a\u2028b"}]}}, ensure_ascii=False)
    [message] = _decode(f"data: {text}\n\n")
    assert json.loads(message.data)["content"]["parts"][0]["text"] == "a\u2028b"


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


# --- envelopes and errors ----------------------------------------------------------------------
def test_all_three_envelopes_unwrap():
    assert unwrap_body(200, {"code": 0, "message": "ok", "data": {"x": 1}}) == {"x": 1}
    assert unwrap_body(200, {"success": True, "data": {"status": "pending"}}) == {
        "status": "pending"}
    assert unwrap_body(200, {"id": "r", "status": "completed"}) == {"id": "r",
                                                                    "status": "completed"}


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"code": 1001, "message": "expired"}, AuthError),
    (200, {"code": 1001, "message": "expired"}, AuthError),
    (404, {"code": 1002, "message": "gone"}, SessionLost),
    (404, {"detail": "Session not found"}, SessionLost),
    (402, {"code": 2001, "message": "no credits"}, NoCredits),
    (200, {"code": "2001", "message": "no credits"}, NoCredits),
    (415, {"code": 4001, "message": "bad format"}, UnsupportedFile),
    (413, {"code": 4002, "message": "too big"}, FileTooLarge),
    (402, {"code": 402, "message": "free plan"}, PlanRequired),
    (200, {"code": 402, "message": "free plan"}, PlanRequired),
    (429, {"code": 429, "message": "slow down"}, RateLimited),
    (409, {"code": 4009, "message": "dup"}, BadRequest),
    (503, {"code": 503, "message": "later"}, ServerError),
    (502, "not json", ServerError),
    (200, {"success": False, "error": "render exploded"}, BadRequest),
])
def test_error_envelopes_become_typed_errors(status, body, kind):
    with pytest.raises(kind):
        unwrap_body(status, body)


def test_error_sentences_carry_their_fix():
    assert "mp4" in str(error_for(4001, "Unsupported.", 415))
    assert "Trim or compress" in str(error_for(4002, "Too large.", 413))
    plan = error_for(402, "Blocked.", 402)
    assert "not about credits" in str(plan)
    anon = NoCredits("Out.").for_account("anon_42", anonymous=True)
    assert f"{protocol.REGISTER_URL}?bind=anon_42" in str(anon)
    assert "Top up" in str(NoCredits("Out.").for_account("u_1", anonymous=False))


def test_tokens_are_redacted_from_messages_and_reprs():
    error = NemoError(f"server said {TOKEN} and Bearer {TOKEN}")
    assert TOKEN not in str(error) and TOKEN not in repr(error)
    assert redact(f"x {TOKEN} y") == "x nmv_usr_*** y"
    creds = Credentials(TOKEN, user_id="anon_1")
    assert TOKEN not in repr(creds) and TOKEN not in str(creds)
    assert creds.authorization() == {"Authorization": f"Bearer {TOKEN}"}


# --- routing and GUI translation ------------------------------------------------------------
@pytest.mark.parametrize(("message", "kind"), [
    ("export", "export"), ("Export the video please", "export"), ("render it", "export"),
    ("导出视频", "export"), ("请导出", "export"), ("export 1080p MP4", "export"),
    ("Export as an HD MP4 file", "export"), ("export in 4K", "agent"), ("1080p", "agent"),
    ("how many credits do I have left?", "credits"),
    ("check my balance", "credits"), ("我还有多少积分？", "credits"), ("status", "status"),
    ("what's the status", "status"), ("查看状态", "status"), ("upload beach.mp4", "upload"),
    ("上传 clip.mov", "upload"), ("add a title and export it", "agent"),
    ("add beach.mp4 to the timeline", "agent"), ("mute the original audio", "agent"),
    ("添加标题并导出", "agent"), ("render it at 9:16", "agent"), ("hello", "agent"),
])
def test_routing_table(message, kind):
    assert route(message).kind == kind


def test_upload_route_keeps_the_targets():
    assert route("upload beach.mp4 and https://x.test/a.mp3").targets == (
        "beach.mp4", "https://x.test/a.mp3")
    assert mentions_export("add a title and export it") and mentions_export("加标题然后导出")
    assert not mentions_export("add an exporter title")


def test_gui_phrases_are_translated_to_client_actions():
    done = translate("Added the title.\n\nClick **Export** to render your 1080p MP4.",
                     words={"export": "`nemo-widgets export`"})
    assert done.text.endswith("Run `nemo-widgets export` to render your 1080p MP4.")
    assert done.actions == ("export",)
    assert translate("Click Export when you're ready.").actions == ("export",)
    zh = translate("点击**导出**即可渲染 1080p MP4。")
    assert zh.actions == ("export",) and "点击" not in zh.text
    assert translate("Open the timeline to check it.").actions == ("state",)
    assert translate("打开时间线查看").actions == ("state",)
    preview = translate("Preview it in the timeline.", summary="Timeline (1 track): x")
    assert preview.actions == ("summary",) and "Timeline (1 track): x" in preview.text
    assert translate("Added a fade.").actions == ()
    placed = "已按上传顺序把clip.mp4放到视频轨道（0-3秒）。"
    assert translate(placed) == translate(placed).__class__(placed, ())


# --- draft diff --------------------------------------------------------------------------------
def _draft(volume: float = 1.0, title: str | None = None) -> dict:
    tracks = [{"tt": 0, "name": "Video", "sg": [{"id": "v1", "kind": "video", "label": "a.mp4",
                                                 "start_ms": 0, "duration_ms": 4000,
                                                 "volume": volume, "mystery": {"k": 1}}]}]
    if title:
        tracks.append({"tt": 7, "name": "Title", "sg": [{"id": "t1", "kind": "text",
                                                         "text": title, "start_ms": 0,
                                                         "duration_ms": 2000}]})
    return {"t": tracks, "d": 4000, "m": {"width": 1920, "height": 1080}, "zz": [1]}


def test_describe_changes_in_words():
    before, after = Timeline.from_draft(_draft()), Timeline.from_draft(_draft(0.0, "Hi"))
    text = describe_changes(before, after)
    assert text is not None
    assert text == 'Added title "Hi" (0-2s); muted a.mp4 on Video.'
    assert describe_changes(before, Timeline.from_draft(_draft())) is None
    assert Timeline.from_draft(_draft()).to_draft() == _draft(), "unknown keys survive"


# --- ledger ------------------------------------------------------------------------------------
def test_ledger_rows_and_dataframe():
    ledger = CreditLedger()
    ledger.record(Balance(100, 0, 100))
    ledger.record(Balance(95, 0, 95), kind="charge", action="turn", detail="add a title",
                  session_id="s1")
    ledger.record(Balance(95, 0, 95), kind="charge", action="export", session_id="s1")
    frame = ledger.to_frame()
    assert list(frame.columns) == ["at", "kind", "action", "detail", "delta", "available",
                                   "frozen", "total", "session_id"]
    assert list(frame["kind"]) == ["balance", "charge", "charge"]
    assert frame["delta"].tolist()[1:] == [-5, 0]
    assert ledger.spent() == 5 and ledger.last_balance == Balance(95, 0, 95)
    assert str(frame["at"].dtype).startswith("datetime64")


# --- identity storage --------------------------------------------------------------------------
def test_client_id_is_made_once_and_token_cache_is_private(tmp_path, monkeypatch):
    monkeypatch.delenv("NEMO_CLIENT_ID", raising=False)
    first = load_client_id(tmp_path)
    assert load_client_id(tmp_path) == first
    assert (tmp_path / "client_id").read_text().strip() == first
    cache = TokenCache(tmp_path)
    cache.save("local:/x", Credentials(TOKEN, user_id="anon_1",
                                       expires_at=time.time() + 3600), first)
    assert stat.S_IMODE(os.stat(cache.path).st_mode) == 0o600
    loaded = cache.load("local:/x")
    assert loaded is not None and loaded.user_id == "anon_1" and loaded.source == "cache"
    assert cache.load("http://other") is None
    cache.save("old", Credentials(TOKEN, expires_at=time.time() - 1), first)
    assert cache.load("old") is None, "expired tokens are not used"
    monkeypatch.setenv("NEMO_CLIENT_ID", "from-env")
    assert load_client_id(tmp_path) == "from-env"


# --- uploads -----------------------------------------------------------------------------------
def test_files_are_checked_before_sending(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(UnsupportedFile) as refused:
        check_files([text], 100)
    assert "mp4" in str(refused.value) and refused.value.code == 4001
    big = tmp_path / "big.mp4"
    big.write_bytes(b"\0" * 2048)
    with pytest.raises(FileTooLarge) as large:
        check_files([big], 1024)
    assert "Trim or compress" in str(large.value) and large.value.code == 4002
    with pytest.raises(FileNotFoundError):
        check_files([tmp_path / "missing.mp4"], 1024)


def test_multipart_body_is_exactly_as_long_as_announced(tmp_path):
    one, two = tmp_path / 'a "quoted".mp4', tmp_path / "b.wav"
    one.write_bytes(os.urandom(3000))
    two.write_bytes(os.urandom(10))
    seen: list[tuple[int, int]] = []
    body = MultipartBody([LocalFile(one, one.name, 3000), LocalFile(two, two.name, 10)],
                         chunk_bytes=1024, on_progress=lambda d, t: seen.append((d, t)))

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in body()])

    data = asyncio.run(collect())
    assert len(data) == body.length == seen[-1][0] == seen[-1][1]
    assert b'filename="a %22quoted%22.mp4"' in data and one.read_bytes() in data
    assert asyncio.run(collect()) == data, "each call streams the files again"


# --- render answers ----------------------------------------------------------------------------
def test_render_answers_of_both_shapes():
    top = RenderJob.from_answer({"id": "r1", "status": "completed", "progress": 100,
                                 "output": {"url": "http://h/r.mp4"}}, "r1")
    inner = RenderJob.from_answer({"success": True, "data": {
        "status": "completed", "progress": 100, "outputUrl": "http://h/s.mp4"}}, "r2")
    assert (top.status, top.url) == ("completed", "http://h/r.mp4")
    assert (inner.status, inner.url, inner.id) == ("completed", "http://h/s.mp4", "r2")
    ids = [new_render_id() for _ in range(50)]
    assert len(set(ids)) == 50 and all(i.startswith("render_") for i in ids)


def test_settings_from_environment():
    settings = ClientSettings.from_env({"NEMO_CLIENT_RATE_LIMIT_WAIT_S": "0.5",
                                        "NEMO_CLIENT_DROP_POLL_S": "0.1,0.2",
                                        "NEMO_CLIENT_STREAMING": "0",
                                        "NEMO_CLIENT_TRANSIENT_RETRIES": "2"})
    assert settings.rate_limit_wait_s == 0.5 and settings.drop_poll_s == (0.1, 0.2)
    assert settings.streaming is False and settings.transient_retries == 2


# --- recoveries on a fake network --------------------------------------------------------------
class FakeBackend:
    """A scripted backend: ``routes`` maps ``(method, path)`` to a list of answers."""

    def __init__(self, routes: dict[tuple[str, str], list[httpx.Response]]) -> None:
        self.routes = routes
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        answers = self.routes[(request.method, request.url.path)]
        return answers.pop(0) if len(answers) > 1 else answers[0]

    def count(self, path: str) -> int:
        return sum(1 for r in self.calls if r.url.path == path)


def _token_answer(token: str = TOKEN) -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "data": {
        "token": token, "user_id": "anon_1", "credits": 100,
        "expires_at": "2099-01-01T00:00:00+00:00"}})


def _client(tmp_path: Path, backend: FakeBackend, **settings) -> AsyncNemoClient:
    return AsyncNemoClient("http://fake.test", client_id="cid-1",
                           settings=ClientSettings(config_dir=tmp_path, **settings),
                           http_transport=httpx.MockTransport(backend))


def test_1001_renews_exactly_once_with_the_same_client_id(tmp_path):
    backend = FakeBackend({
        ("POST", protocol.PATH_ANONYMOUS_TOKEN): [_token_answer()],
        ("GET", protocol.PATH_CREDITS): [httpx.Response(401, json={"code": 1001,
                                                                   "message": "expired"})],
    })
    client = _client(tmp_path, backend)
    with pytest.raises(AuthError):
        asyncio.run(client.credits())
    token_calls = [r for r in backend.calls if r.url.path == protocol.PATH_ANONYMOUS_TOKEN]
    assert len(token_calls) == 2 and backend.count(protocol.PATH_CREDITS) == 2
    assert {r.headers[protocol.HEADER_CLIENT_ID] for r in token_calls} == {"cid-1"}
    for request in backend.calls:
        assert request.headers[protocol.HEADER_SKILL_SOURCE] == protocol.SKILL_SOURCE
        assert protocol.HEADER_SKILL_VERSION in request.headers
        assert request.headers[protocol.HEADER_SKILL_PLATFORM] in {"clawhub", "cursor",
                                                                   "unknown"}
        assert (protocol.HEADER_CLIENT_ID in request.headers) == (
            request.url.path == protocol.PATH_ANONYMOUS_TOKEN)
        assert TOKEN not in str(request.url)


def test_missing_client_id_400_gets_a_new_id_and_one_retry(tmp_path):
    backend = FakeBackend({
        ("POST", protocol.PATH_ANONYMOUS_TOKEN): [
            httpx.Response(400, json={"code": 400, "message": "Missing X-Client-Id"}),
            _token_answer()],
        ("GET", protocol.PATH_CREDITS): [httpx.Response(200, json={"code": 0, "data": {
            "available": 100, "frozen": 0, "total": 100}})],
    })
    assert asyncio.run(_client(tmp_path, backend).credits()).available == 100
    assert backend.count(protocol.PATH_ANONYMOUS_TOKEN) == 2


def test_429_on_a_call_is_retried_once_after_the_wait(tmp_path):
    limited = httpx.Response(429, json={"code": 429, "message": "slow down"})
    backend = FakeBackend({
        ("POST", protocol.PATH_ANONYMOUS_TOKEN): [_token_answer()],
        ("GET", protocol.PATH_CREDITS): [limited, limited, limited],
    })
    started = time.monotonic()
    with pytest.raises(RateLimited):
        asyncio.run(_client(tmp_path, backend, rate_limit_wait_s=0.2).credits())
    assert backend.count(protocol.PATH_CREDITS) == 2 and time.monotonic() - started >= 0.2


def test_download_falls_back_to_the_proxy_and_never_sends_the_token_elsewhere(tmp_path):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path == protocol.PATH_ANONYMOUS_TOKEN:
            return _token_answer()
        if path == protocol.PATH_RENDER_SUBMIT:
            return httpx.Response(200, json={"id": "x", "status": "pending", "progress": 0})
        if path.startswith("/api/render/proxy/lambda/"):
            return httpx.Response(200, json={"success": True, "data": {
                "status": "completed", "progress": 100,
                "outputUrl": "https://cdn.other.test/out.mp4"}})
        if request.url.host == "cdn.other.test":
            return httpx.Response(403, text="denied")
        if path.endswith("/download"):
            return httpx.Response(200, content=b"MP4DATA" * 100,
                                  headers={"content-length": "700"})
        raise AssertionError(path)

    client = AsyncNemoClient("http://fake.test", settings=ClientSettings(config_dir=tmp_path),
                             http_transport=httpx.MockTransport(handler))
    draft = {"t": [{"tt": 7, "sg": [{"kind": "text", "text": "x", "start_ms": 0,
                                     "duration_ms": 1000}]}], "d": 1000,
             "m": {"width": 1080, "height": 1080}}
    result = asyncio.run(client.export(None, tmp_path / "out.mp4", draft=draft))
    assert result.path.read_bytes() == b"MP4DATA" * 100
    assert result.url == "https://cdn.other.test/out.mp4"
    assert (result.width, result.height, result.duration_s) == (1080, 1080, 1.0)
    assert not (tmp_path / "out.mp4.part").exists()
    cdn = [r for r in seen if r.url.host == "cdn.other.test"]
    assert cdn and "authorization" not in cdn[0].headers


def test_heartbeats_only_end_in_a_time_out_with_progress_notes(tmp_path):
    async def stream():
        for _ in range(40):
            yield b"data:\n\n"
            await asyncio.sleep(0.05)

    state = {"code": 0, "data": {"session_id": "s1", "state": {"draft": _draft()}}}
    backend = FakeBackend({
        ("POST", protocol.PATH_ANONYMOUS_TOKEN): [_token_answer()],
        ("GET", protocol.PATH_STATE.format(session_id="s1")): [httpx.Response(200,
                                                                             json=state)],
        ("POST", protocol.PATH_RUN_SSE): [httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=stream())],
        ("GET", protocol.PATH_CREDITS): [httpx.Response(200, json={"code": 0, "data": {
            "available": 1, "frozen": 0, "total": 1}})],
    })
    client = _client(tmp_path, backend, heartbeat_timeout_s=0.6, progress_every_s=0.25)

    async def run():
        turn = client.conversation("s1").send("make it better")
        return [e async for e in turn], turn.result

    events, result = asyncio.run(run())
    assert any(isinstance(e, Heartbeat) for e in events)
    assert Notice("progress", "⏳ Still working...") in events
    assert events[-1] == EndEvent("timeout")
    assert result.timed_out and "keep-alives" in str(result.error)
    assert backend.count(protocol.PATH_RUN_SSE) == 1, "never sent twice"


def _sse_backend(*streams, draft_after: dict | None = None) -> FakeBackend:
    """A backend whose ``/run_sse`` answers the given streams in order."""
    before = {"code": 0, "data": {"session_id": "s1", "state": {"draft": _draft()}}}
    after = {"code": 0, "data": {"session_id": "s1",
                                 "state": {"draft": draft_after or _draft()}}}
    return FakeBackend({
        ("POST", protocol.PATH_ANONYMOUS_TOKEN): [_token_answer()],
        ("GET", protocol.PATH_STATE.format(session_id="s1")): [
            httpx.Response(200, json=before), httpx.Response(200, json=after)],
        ("POST", protocol.PATH_RUN_SSE): [httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=s) for s in streams],
        ("GET", protocol.PATH_CREDITS): [httpx.Response(200, json={"code": 0, "data": {
            "available": 1, "frozen": 0, "total": 1}})],
    })


def _text_event(text: str) -> bytes:
    return ("data: " + json.dumps({"content": {"role": "model", "parts": [{"text": text}]}})
            + "\n\n").encode()


def test_a_turn_that_passes_its_cap_ends_even_while_events_flow(tmp_path):
    async def busy():
        for index in range(100):
            yield _text_event(f"step {index}")
            await asyncio.sleep(0.02)

    client = _client(tmp_path, _sse_backend(busy()), turn_cap_s=0.3)

    async def run():
        turn = client.conversation("s1").send("long work")
        return [e async for e in turn], turn.result

    events, result = asyncio.run(run())
    assert events[-1] == EndEvent("cap") and result.timed_out
    assert "minute limit" in str(result.error)


def test_a_trailing_temporary_issue_is_noise_and_a_lone_one_is_not(tmp_path):
    noisy = _text_event("Added the title.") + _text_event(
        "I encountered a temporary issue. Please try again.")
    lone = b'data: {"error": "I encountered a temporary issue"}\n\n'
    backend = _sse_backend(noisy, lone, draft_after=_draft(title="Hi"))
    client = _client(tmp_path, backend)

    async def run():
        conv = client.conversation("s1")
        return await conv.ask("add a title"), await conv.ask("add a title")

    first, second = asyncio.run(run())
    assert first.ok and first.text == "Added the title."
    assert second.error is not None and "temporary issue" in second.text


def test_an_abandoned_turn_finishes_before_the_next_and_is_not_sent_twice(tmp_path):
    backend = _sse_backend(_text_event("one") + _text_event("two"), _text_event("three"))
    client = _client(tmp_path, backend)

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

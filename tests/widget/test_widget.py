"""The widget driven the way its front end drives it: custom messages with binary buffers
(upload chunks, prompts, export, acknowledgements) against a real engine, plus the scripted
methods a notebook calls. The "browser" here is a small stand-in that speaks the view's side of
the chunk protocol; everything behind the widget is real."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest

from nemo_widgets import palette
from nemo_widgets.client import ClientSettings, NemoClient
from nemo_widgets.client.errors import NemoError
from nemo_widgets.widget import NemoWidget
from tests.media_factory import make_video

FAST = {"rate_limit_wait_s": 0.2, "render_poll_s": 0.1, "render_poll_max_s": 0.3,
        "transient_wait_s": 0.05}
MUSIC = "generate a background music track that matches the mood of my video"


class FakeView:
    """The browser side of the chunk protocol: acknowledges and assembles pushed blobs,
    records every message the kernel sent."""

    def __init__(self, widget: NemoWidget, view: str = "view-1", acking: bool = True) -> None:
        self.widget, self.view, self.acking = widget, view, acking
        self.sent: list[dict[str, Any]] = []
        self.blobs: dict[str, bytes] = {}
        self._parts: dict[str, dict[str, Any]] = {}
        widget.send = self._receive  # type: ignore[method-assign]

    def post(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.widget._on_message(self.widget, content, [memoryview(b) for b in buffers or []])

    def want(self, *keys: str) -> None:
        """Ask for blobs, as the view does for what it draws."""
        self.post({"kind": "want", "view": self.view, "keys": list(keys)})

    def _receive(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.sent.append(content)
        if content.get("view") not in (None, self.view):
            return
        kind, transfer = content["kind"], content.get("id")
        if kind == "blob-start":
            self._parts[transfer] = {**content, "data": bytearray()}
        elif kind == "blob-chunk":
            self._parts[transfer]["data"] += bytes(buffers[0])  # type: ignore[index]
            if self.acking:
                self.post({"kind": "blob-ack", "view": self.view, "id": transfer,
                           "seq": content["seq"]})
        elif kind == "blob-end":
            entry = self._parts.pop(transfer)
            assert hashlib.sha256(entry["data"]).hexdigest() == content["sha256"]
            assert len(entry["data"]) == entry["size"]
            self.blobs[entry["key"]] = bytes(entry["data"])

    def upload(self, name: str, data: bytes, upload_id: str = "u1",
               chunk: int = 64 * 1024) -> list[dict[str, Any]]:
        """Send one file as the view does; the kernel's answers for it."""
        self.post({"kind": "upload-start", "id": upload_id, "name": name, "size": len(data)})
        if self.answers(upload_id)[-1]["kind"] == "upload-ready":
            for seq, start in enumerate(range(0, len(data), chunk)):
                piece = data[start:start + chunk]
                self.post({"kind": "upload-chunk", "id": upload_id, "seq": seq,
                           "sha256": hashlib.sha256(piece).hexdigest()}, [piece])
        return self.answers(upload_id)

    def answers(self, upload_id: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m.get("id") == upload_id]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("widget-media") / "beach.mp4", seconds=3.0)


@pytest.fixture
def config_dir(tmp_path) -> Path:
    return tmp_path / "cfg"


@pytest.fixture
def widget(shared_engine, config_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # exports land in the test's folder
    client = NemoClient(shared_engine.url,
                        settings=ClientSettings(config_dir=config_dir, **FAST))
    w = NemoWidget(conversation=client.conversation(gui_words={"export": "the Export button"}))
    w.wait_idle()
    yield w
    w.close()
    client.close()


def test_connects_and_shows_backend_session_and_credits(widget, shared_engine):
    assert widget.status == "ready"
    port = shared_engine.url.rsplit(":", 1)[1]
    assert widget.backend == f"local engine · port {port}", "named by its port, not its URL"
    assert widget.session == widget.conversation.session_id and widget.session
    assert widget.credits == 100
    assert widget.suggestions[0] == MUSIC
    assert not any("export" in chip for chip in widget.suggestions), "one Export control"


def test_upload_prompt_music_and_export_through_messages(widget, clip):
    view = FakeView(widget)
    view.post({"kind": "hello", "view": view.view})
    data = clip.read_bytes()
    answers = view.upload(clip.name, data)
    assert answers[0]["kind"] == "upload-ready"
    acks = [a for a in answers if a["kind"] == "upload-ack"]
    assert len(acks) == -(-len(data) // (64 * 1024)) and acks[-1]["received"] == len(data)
    assert answers[-1] == {"kind": "upload-done", "id": "u1",
                           "sha256": hashlib.sha256(data).hexdigest()}
    view.post({"kind": "upload-commit", "ids": ["u1"]})
    widget.wait_idle()
    assert widget.error == {}
    [item] = widget.media
    assert (item["name"], item["type"], item["duration"]) == ("beach.mp4", "video", 3.0)
    [verdict] = [m for m in view.sent if m["kind"] == "upload-result"]
    assert verdict == {"kind": "upload-result", "id": "u1", "name": "beach.mp4", "ok": True}
    view.want(item["key"])
    widget.wait_idle()
    assert view.blobs[item["key"]][:2] == b"\xff\xd8", "a JPEG thumbnail reached the view"

    view.post({"kind": "prompt", "text": MUSIC})
    widget.wait_idle()
    assert widget.error == {}, widget.error
    kinds = [t["kind"] for t in widget.timeline["tracks"]]
    assert kinds == ["video", "audio"], widget.timeline
    music = widget.timeline["tracks"][1]["segments"][0]
    assert music["kind"] == "music", "the BGM lane's segment is coloured as music"
    assert f"--nemo-kind-music: {palette.kind_colour('music')};" in widget._css, \
        "the widget's colours are the plots'"
    assert music["duration_ms"] == 3000 and 0 < music["volume"] <= 1
    assert widget.timeline["tracks"][0]["segments"][0]["thumb"] == item["key"], "filmstrip"
    prompt, reply = widget.messages[-2:]
    assert (prompt["role"], prompt["text"], reply["role"]) == ("user", MUSIC, "agent")
    assert "BPM in" in reply["text"] and not reply["streaming"]
    assert reply["why"] and all(isinstance(r, str) and r for r in reply["why"]), \
        "the planner's reasons, folded under the reply as Why?"
    streamed = "".join(m["text"] for m in view.sent
                       if m["kind"] == "reply-delta" and m["id"] == reply["id"])
    assert not streamed or reply["text"].startswith(streamed[:20]), "deltas, then the whole"
    assert widget.music["label"] and len(widget.music["peaks"]) > 10
    assert widget.music["beats"] and max(widget.music["peaks"]) <= 1
    [version] = widget.versions
    assert version["in_use"] and version["version"] == 1 and version["tempo_bpm"] > 0
    assert widget.suggestions == ["another version", "calmer", "more upbeat", "undo"]
    assert widget.canvas == {"width": 1920, "height": 1080, "aspect": "16:9"}
    view.want(widget.music["blob"], widget.music["video"])
    widget.wait_idle()
    assert view.blobs[widget.music["blob"]][:4] == b"RIFF"
    assert view.blobs[widget.music["video"]] == data, "the audition plays the upload itself"
    assert widget.credits < 100 and widget.jobs == [] and widget.status == "ready"

    view.post({"kind": "export"})
    widget.wait_idle()
    assert widget.error == {}, widget.error
    assert widget.exported["resolution"] == "1920x1080"
    assert widget.exported["summary"] == widget.timeline["summary"]
    view.want(widget.exported["key"])
    widget.wait_idle()
    video = view.blobs[widget.exported["key"]]
    assert video[4:8] == b"ftyp" and len(video) == widget.exported["size_bytes"]
    assert Path(widget.exported["name"]).is_file()


def test_a_view_opened_later_gets_the_previews(widget, clip):
    widget.upload(clip)
    late = FakeView(widget, "view-late")
    late.post({"kind": "hello", "view": late.view})
    late.want(widget.media[0]["key"])
    widget.wait_idle()
    assert late.blobs[widget.media[0]["key"]][:2] == b"\xff\xd8"


@pytest.mark.parametrize(("name", "size", "words"), [
    ("notes.txt", 10, "Supported formats: video mp4"),
    ("huge.mp4", 600 * 2**20, "Trim or compress"),
])
def test_refused_before_any_byte(widget, name, size, words):
    view = FakeView(widget)
    view.post({"kind": "upload-start", "id": "bad", "name": name, "size": size})
    [answer] = view.answers("bad")
    assert answer["kind"] == "upload-error" and words in answer["fix"]
    assert not list(widget._folder.iterdir())


def test_a_damaged_chunk_is_refused_and_nothing_kept(widget):
    view = FakeView(widget)
    view.post({"kind": "upload-start", "id": "u2", "name": "a.mp4", "size": 8})
    view.post({"kind": "upload-chunk", "id": "u2", "seq": 0,
               "sha256": hashlib.sha256(b"other").hexdigest()}, [b"12345678"])
    answer = view.answers("u2")[-1]
    assert answer["kind"] == "upload-error" and "damaged" in answer["message"]
    assert not list(widget._folder.iterdir())


def test_cancel_mid_upload_leaves_nothing(widget):
    view = FakeView(widget)
    view.post({"kind": "upload-start", "id": "u3", "name": "a.mp4", "size": 2 * 65536})
    view.post({"kind": "upload-chunk", "id": "u3", "seq": 0}, [b"x" * 65536])
    view.post({"kind": "upload-cancel", "id": "u3"})
    view.post({"kind": "upload-chunk", "id": "u3", "seq": 1}, [b"x" * 65536])
    assert [a["kind"] for a in view.answers("u3")] == ["upload-ready", "upload-ack"]
    assert not list(widget._folder.iterdir())


def test_scripted_methods_update_the_view(widget, clip, tmp_path):
    uploaded = widget.upload(clip)
    assert uploaded[0].filename == "beach.mp4" and widget.media[0]["name"] == "beach.mp4"
    result = widget.ask(MUSIC)
    assert result.ok and [t["kind"] for t in widget.timeline["tracks"]] == ["video", "audio"]
    assert widget.messages[-1]["text"] == result.text
    exported = widget.export(tmp_path / "out.mp4")
    assert exported.path == tmp_path / "out.mp4" and exported.width == 1920
    assert widget.exported["name"] == "out.mp4"
    assert widget.conversation.session_id is not None


def test_no_token_and_no_bytes_in_the_synced_state(widget, clip, config_dir):
    widget.upload(clip)
    widget.ask(MUSIC)
    synced = {k: v for k, v in widget.get_state().items() if k not in ("_esm", "_css")}
    state = json.dumps(synced, default=str)
    assert "127.0.0.1" not in state and "localhost" not in state, "no loopback URL"
    assert "http://" not in state
    tokens = [t for f in config_dir.rglob("*") if f.is_file()
              for t in f.read_text(errors="ignore").split('"') if t.startswith("nmv_")]
    assert tokens, "the client cached a token"
    assert all(token not in state for token in tokens)
    assert len(state) < 10_000, "the view's state (and so the saved notebook) stays small"


def test_unreachable_backend_is_shown_with_its_fix(tmp_path):
    client = NemoClient("http://127.0.0.1:9",
                        settings=ClientSettings(config_dir=tmp_path / "cfg", **FAST))
    w = NemoWidget(conversation=client.conversation())
    w.wait_idle()
    assert w.status == "error"
    assert w.error["message"] and w.error["fix"] and w.error["offline"]
    FakeView(w).post({"kind": "prompt", "text": "show tracks"})
    w.wait_idle()
    assert w.status == "error", "never Ready after a failure"
    FakeView(w).post({"kind": "dismiss-error"})
    assert w.error == {}
    FakeView(w).post({"kind": "reconnect"})
    w.wait_idle()
    assert w.status == "error" and w.error["offline"], "Reconnect tries again, and says so"
    w.close()
    client.close()


def test_errors_inside_message_handlers_are_shown(widget):
    view = FakeView(widget)
    view.post({"kind": "upload-start", "id": "u4", "name": "a.mp4", "size": "not a number"})
    assert widget.error["message"].startswith("ValueError")


def test_no_credits_shows_the_registration_link(start_engine, clip, tmp_path):
    engine = start_engine(anonymous_credits=3)
    client = NemoClient(engine.url, settings=ClientSettings(config_dir=tmp_path / "cfg", **FAST))
    w = NemoWidget(conversation=client.conversation())
    w.wait_idle()
    view = FakeView(w)
    view.upload(clip.name, clip.read_bytes())
    view.post({"kind": "upload-commit", "ids": ["u1"]})
    view.post({"kind": "prompt", "text": MUSIC})
    w.wait_idle()
    assert w.credits == 3
    assert w.error["link"].startswith("https://nemovideo.com/register?bind=anon_")
    assert w.error["link"] in w.error["fix"] and w.status == "ready"
    w.close()
    client.close()


def test_a_closed_view_stops_its_transfers(widget, clip, tmp_path):
    widget.chunk_bytes = 256  # a thumbnail is more chunks than the window
    widget.upload(clip)
    view = FakeView(widget, "view-gone", acking=False)
    view.post({"kind": "hello", "view": view.view})
    view.want(widget.media[0]["key"])
    for _ in range(500):
        if sum(m["kind"] == "blob-chunk" for m in view.sent) >= widget.window:
            break
        time.sleep(0.01)
    view.post({"kind": "bye", "view": view.view})
    widget.wait_idle(timeout=30)
    kinds = [m["kind"] for m in view.sent]
    assert kinds.count("blob-chunk") == widget.window, "never more than the window unanswered"
    assert kinds[-1] == "blob-cancel" and "blob-end" not in kinds


def test_two_prompts_at_once_each_reply_under_its_own_prompt(widget, clip):
    widget.upload(clip)
    view = FakeView(widget)
    view.post({"kind": "prompt", "text": MUSIC})
    view.post({"kind": "prompt", "text": "show tracks"})
    widget.wait_idle()
    assert widget.error == {}, widget.error
    roles = [m["role"] for m in widget.messages[-4:]]
    assert roles == ["user", "agent", "user", "agent"], widget.messages
    first, music, second, tracks = widget.messages[-4:]
    assert first["text"] == MUSIC and "BPM in" in music["text"]
    assert second["text"] == "show tracks" and "BPM in" not in tracks["text"]
    assert tracks["text"] and tracks["text"] != "(no reply)"


def test_ask_waits_for_a_turn_the_view_started(widget, clip):
    widget.upload(clip)
    view = FakeView(widget)
    view.post({"kind": "prompt", "text": MUSIC})
    result = widget.ask("show tracks")
    widget.wait_idle()
    first, music, second, tracks = widget.messages[-4:]
    assert (first["text"], second["text"]) == (MUSIC, "show tracks")
    assert "BPM in" in music["text"] and tracks["text"] == result.text


def test_committed_uploads_leave_no_temporary_file(widget, clip):
    view = FakeView(widget)
    view.upload(clip.name, clip.read_bytes())
    view.post({"kind": "upload-commit", "ids": ["u1"]})
    widget.wait_idle()
    assert widget.error == {} and widget.media[0]["thumb"]
    left = [p.name for p in widget._folder.iterdir()]
    assert not any(name.startswith("upload-") for name in left), "no half-received copy"
    folder = widget._folder
    widget.close()
    assert not folder.exists()


def test_music_that_cannot_be_fetched_keeps_the_turn(widget, clip, tmp_path):
    widget.upload(clip)
    # Where the widget keeps fetched music is now a plain file: the download cannot land.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    widget._jobs.sources.folder = blocked
    result = widget.ask(MUSIC)
    assert result.ok and "BPM in" in widget.messages[-1]["text"]
    assert widget.error["message"] and "http" not in json.dumps(widget.error)
    assert widget.music["label"] and widget.music["peaks"] == []
    assert blocked.read_text() == "", "nothing half-written"


def test_close_lets_go_of_the_conversation_and_stops_the_work(widget, clip):
    widget.chunk_bytes = 512
    widget.upload(clip)
    view = FakeView(widget, "view-slow", acking=False)
    view.want(widget.media[0]["key"])  # a push that waits for acknowledgements
    assert widget.conversation.aio.on_notice is not None
    widget.close()
    widget.wait_idle(timeout=5)
    assert widget.conversation.aio.on_notice is None


def test_status_recovers_after_a_failed_first_connection(shared_engine, config_dir, monkeypatch):
    """A prompt sent while connecting outlives the failed connection and then succeeds."""
    client = NemoClient(shared_engine.url,
                        settings=ClientSettings(config_dir=config_dir, **FAST))
    conversation = client.conversation()
    connect, state = conversation.aio.client.connect, conversation.aio.state
    calls: list[int] = []
    widgets: list[NemoWidget] = []

    async def flaky_connect() -> Any:
        calls.append(1)
        if len(calls) == 1:
            await asyncio.sleep(0.2)
            raise NemoError("The backend is away.")
        return await connect()

    async def state_after_the_failure() -> Any:
        for _ in range(250):
            if widgets and widgets[0].status == "error":
                break
            await asyncio.sleep(0.02)
        return await state()

    monkeypatch.setattr(conversation.aio.client, "connect", flaky_connect)
    monkeypatch.setattr(conversation.aio, "state", state_after_the_failure)
    w = NemoWidget(conversation=conversation)
    widgets.append(w)
    FakeView(w).post({"kind": "prompt", "text": "status"})
    w.wait_idle()
    assert w.status == "ready", (w.status, w.error)
    w.close()
    client.close()


def test_a_repeated_upload_id_drops_the_earlier_file(widget):
    view = FakeView(widget)
    view.post({"kind": "upload-start", "id": "u5", "name": "a.mp4", "size": 16})
    view.post({"kind": "upload-chunk", "id": "u5", "seq": 0}, [b"x" * 8])
    first = widget._incoming["u5"]
    view.post({"kind": "upload-start", "id": "u5", "name": "b.mp4", "size": 8})
    assert first._file.closed and not first.folder.exists()
    assert [p.name for p in widget._folder.iterdir()] == [widget._incoming["u5"].folder.name]


def test_a_negative_size_is_refused(widget):
    view = FakeView(widget)
    view.post({"kind": "upload-start", "id": "u6", "name": "a.mp4", "size": -5})
    [answer] = view.answers("u6")
    assert answer["kind"] == "upload-error" and "u6" not in widget._incoming
    assert not list(widget._folder.iterdir())


def test_a_refused_file_is_shown_refused_with_its_name(widget):
    """A text file named .mp4 passes the extension check; the backend reads its content and
    refuses it, and that verdict reaches the file's own row — never "done"."""
    view = FakeView(widget)
    view.upload("notes.mp4", b"just some text, not a video\n" * 20, upload_id="t1")
    view.post({"kind": "upload-commit", "ids": ["t1"]})
    widget.wait_idle()
    [verdict] = [m for m in view.sent if m["kind"] == "upload-result"]
    assert verdict["id"] == "t1" and verdict["ok"] is False
    assert verdict["message"].startswith("notes.mp4") and "Supported" in verdict["message"]
    assert verdict["fix"] == "", "the supported formats are listed once, not twice"
    assert widget.media == [] and widget.status == "ready"


def test_a_prompt_during_an_export_waits_and_the_export_keeps_its_timeline(widget, clip):
    widget.upload(clip)
    widget.ask(MUSIC)
    before = widget.timeline["summary"]
    view = FakeView(widget)
    view.post({"kind": "export"})
    view.post({"kind": "prompt", "text": "more upbeat"})
    widget.wait_idle(timeout=240)
    assert widget.error == {}, widget.error
    said = [m for m in widget.messages if m["role"] != "notice"]
    export_prompt, export_reply, prompt, reply = said[-4:]
    assert export_prompt["text"] == "Export 1080p MP4" and "Exported" in export_reply["text"]
    assert prompt["text"] == "more upbeat" and not prompt["queued"] and reply["text"]
    assert widget.exported["summary"] == before, "the export shows the timeline it rendered"
    assert widget.timeline["summary"] != before and len(widget.versions) == 2


def test_rerunning_with_the_session_returns_to_it(widget, clip, shared_engine, config_dir):
    widget.upload(clip)
    widget.ask(MUSIC)
    session = widget.session
    client = NemoClient(shared_engine.url,
                        settings=ClientSettings(config_dir=config_dir, **FAST))
    again = NemoWidget(conversation=client.conversation(session))
    again.wait_idle()
    try:
        assert again.session == session and again.status == "ready"
        assert again.timeline == widget.timeline
        assert [m["name"] for m in again.media] == ["beach.mp4"]
        assert again.versions == widget.versions and again.music["peaks"]
        view = FakeView(again)
        view.want(again.media[0]["key"], again.music["video"])
        again.wait_idle()
        assert again.error == {}, again.error
        assert view.blobs[again.media[0]["key"]][:2] == b"\xff\xd8"
        assert view.blobs[again.music["video"]] == clip.read_bytes()
    finally:
        again.close()
        client.close()


def test_the_notebook_s_last_session_is_recalled(shared_engine, config_dir, monkeypatch):
    monkeypatch.setenv("NEMO_API_URL", shared_engine.url)
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/holiday.ipynb")
    first = NemoWidget()
    first.wait_idle()
    first.close()
    second = NemoWidget()
    second.wait_idle()
    second.close()
    assert first.session and second.session == first.session
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/other.ipynb")
    third = NemoWidget()
    third.wait_idle()
    third.close()
    assert third.session != first.session


def test_versions_use_this_one_undo_and_redo(widget, clip):
    widget.upload(clip)
    widget.ask(MUSIC)
    widget.ask("another version")
    assert [(v["version"], v["in_use"]) for v in widget.versions] == [(1, False), (2, True)]
    second = widget.music["blob"]
    view = FakeView(widget)
    view.post({"kind": "use-music", "version": 1})
    widget.wait_idle()
    assert widget.error == {}, widget.error
    assert [v["in_use"] for v in widget.versions] == [True, False]
    assert widget.music["version"] == 1 and widget.music["blob"] != second, "the draft's BGM"
    view.post({"kind": "undo"})
    widget.wait_idle()
    assert widget.music["version"] == 2 and widget.music["blob"] == second, "undo"
    redone = widget.redo()
    assert redone.ok and widget.music["version"] == 1, "redo"


def test_the_header_follows_an_engine_restart(tmp_path, monkeypatch):
    """The local engine restarts on a new port: the next call finds it, and the header says
    where it is now (by its port, never its loopback URL)."""
    from nemo_widgets.engine.server import stop_engine

    home = tmp_path / "home"
    monkeypatch.setenv("NEMO_HOME", str(home))
    monkeypatch.delenv("NEMO_API_URL", raising=False)
    client = NemoClient("local", settings=ClientSettings(config_dir=tmp_path / "cfg", **FAST))
    w = NemoWidget(conversation=client.conversation())
    try:
        w.wait_idle(timeout=60)
        first = w.backend
        assert first.startswith("local engine · port "), first
        assert stop_engine(home)
        view = FakeView(w)
        view.post({"kind": "prompt", "text": "status"})
        w.wait_idle(timeout=60)
        assert w.status == "ready" and w.error == {}, (w.status, w.error)
        assert w.backend.startswith("local engine · port ") and w.backend != first
    finally:
        w.close()
        client.close()
        stop_engine(home)


def test_a_streamed_reply_travels_as_small_deltas(shared_engine, config_dir, clip):
    """With streaming on, the reply reaches the view piece by piece (``reply-delta``), and the
    message list is not sent again for each piece."""
    client = NemoClient(shared_engine.url, settings=ClientSettings(
        config_dir=config_dir, streaming=True, **FAST))
    w = NemoWidget(conversation=client.conversation())
    try:
        w.wait_idle()
        w.upload(clip)
        view = FakeView(w)
        changes: list[int] = []
        w.observe(lambda change: changes.append(len(change["new"])), names="messages")
        view.post({"kind": "prompt", "text": MUSIC})
        w.wait_idle()
        reply = w.messages[-1]
        deltas = [m for m in view.sent if m["kind"] == "reply-delta"]
        assert len(deltas) > 3 and all(d["id"] == reply["id"] for d in deltas)
        assert all(len(d["text"]) < 80 for d in deltas), "small pieces"
        assert "".join(d["text"] for d in deltas).strip() in reply["text"]
        assert len(changes) < len(deltas), "the list is not re-sent for every piece"
    finally:
        w.close()
        client.close()

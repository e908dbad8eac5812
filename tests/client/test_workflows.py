"""The client's workflows against a real engine: quick edit, a batch of three, an iterative
session, routing, GUI translation, the silent edit, the ledger and the timeline model."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import av
import pytest

from nemo_widgets.client import (
    AsyncNemoClient,
    ClientSettings,
    EndEvent,
    NemoClient,
    PartialText,
    TextEvent,
    ToolCall,
    ToolResult,
)
from nemo_widgets.timeline import Timeline
from tests.media_factory import make_audio, make_video

FAST = {"rate_limit_wait_s": 0.2, "render_poll_s": 0.1, "render_poll_max_s": 0.3,
        "transient_wait_s": 0.05, "drop_poll_s": (0.2, 0.3, 0.5, 1.0, 1.0)}


def make_client(url: str, config_dir: Path, **overrides) -> NemoClient:
    return NemoClient(url, settings=ClientSettings(config_dir=config_dir, **{**FAST, **overrides}))


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("client-media")
    return {
        "beach": make_video(folder / "beach.mp4", seconds=2.0, tone_hz=440),
        "one": make_video(folder / "one.mp4", seconds=1.0, tone_hz=300),
        "two": make_video(folder / "two.mp4", seconds=1.5, tone_hz=350),
        "three": make_video(folder / "three.mp4", seconds=2.0, tone_hz=400),
        "song": make_audio(folder / "song.mp3", seconds=2.0),
    }


def probe(path: Path) -> tuple[int, int, float]:
    with av.open(str(path)) as container:
        video = container.streams.video[0].codec_context
        return video.width, video.height, float(container.duration) / av.time_base


SUMMARY = re.compile(r'^Timeline \(3 tracks\): 1\. Video: beach\.mp4 \(0-2s\) '
                     r'2\. BGM: song\.mp3 \(0-2s, 30%\) 3\. Title: "Quick" \(0-2s\)$')


def test_quick_edit_workflow(shared_engine, media, tmp_path):
    with make_client(shared_engine.url, tmp_path / "cfg", streaming=True) as client:
        conv = client.conversation()
        uploaded = conv.upload(media["beach"], media["song"])
        assert [(u.filename, u.file_type) for u in uploaded] == [("beach.mp4", "video"),
                                                                 ("song.mp3", "audio")]
        assert uploaded[0].duration == pytest.approx(2.0, abs=0.1) and uploaded[0].hash
        turn = conv.send('add my video to the timeline, use my song as background music at '
                         '30% and add a title "Quick"')
        events = list(turn)
        result = turn.result
        assert result.ok and result.route == "agent", result.text
        assert isinstance(events[-1], EndEvent) and events[-1].reason == "complete"
        assert any(isinstance(e, PartialText) for e in events), "streaming is asked for"
        assert [e.name for e in events if isinstance(e, ToolCall)] == [
            c.name for c in result.tool_calls] and result.tool_results
        assert all(not isinstance(e, ToolResult) or e.response for e in events)
        assert "Quick" in result.text and result.balance is not None
        state = conv.state()
        assert SUMMARY.match(state.summary()), state.summary()
        assert state.video_infos and state.canvas_config["width"] == 1920
        frame = state.to_frame()
        assert list(frame.columns) == ["track", "kind", "start_s", "end_s", "duration_s",
                                       "volume", "label", "source"]
        assert frame["kind"].tolist() == ["video", "audio", "text"]
        assert frame["volume"].tolist()[1] == pytest.approx(0.3)
        assert frame["label"].tolist()[2] == "Quick"
        seen: list[tuple[str, float]] = []
        exported = conv.export(tmp_path / "quick.mp4",
                               on_progress=lambda stage, value: seen.append((stage, value)))
        assert exported.path.exists() and exported.size_bytes == exported.path.stat().st_size
        assert exported.resolution == "1920x1080" and exported.url.endswith(".mp4")
        assert exported.duration_s == pytest.approx(2.0, abs=0.1)
        assert exported.render_id.startswith("render_")
        assert probe(exported.path)[:2] == (1920, 1080)
        assert {s for s, _ in seen} == {"render", "download"} and seen[-1] == ("download", 1.0)
        ledger = conv.ledger.to_frame()
        charges = ledger[ledger["kind"] == "charge"]
        assert charges["action"].tolist() == ["upload", "edit", "export"]
        assert charges["delta"].tolist()[1:] == [-5, 0], "an edit costs 5, export is free"


def test_batch_of_three_files_each_with_its_own_render(shared_engine, media, tmp_path):
    """Three clips in one session and one upload request, one agent turn, then three renders
    in parallel (async face), each of one clip with the shared title."""
    names = ("one", "two", "three")

    async def batch() -> list:
        async with AsyncNemoClient(shared_engine.url, settings=ClientSettings(
                config_dir=tmp_path / "cfg", **FAST)) as client:
            conv = client.conversation()
            uploaded = await conv.upload(*(media[n] for n in names))
            assert [u.filename for u in uploaded] == [f"{n}.mp4" for n in names]
            result = await conv.ask('add my videos to the timeline and add a title "Batch"')
            assert result.ok, result.text
            state = await conv.state()
            video = state.timeline.tracks[0]
            assert [s.label for s in video.segments] == [f"{n}.mp4" for n in names]
            jobs = []
            for seg in video.segments:
                single = Timeline.from_draft(state.draft)
                clip = next(s for s in single.tracks[0].segments if s.id == seg.id)
                clip.start_ms = 0
                single.tracks[0].segments = [clip]
                for track in single.tracks[1:]:
                    for text in track.segments:
                        text.start_ms, text.duration_ms = 0, clip.duration_ms
                single.duration_ms = clip.duration_ms
                single.extra["batch_note"] = seg.label  # an unknown key, sent back as is
                jobs.append(client.export(state.session_id, tmp_path / f"{seg.label}",
                                          draft=single))
            return list(await asyncio.gather(*jobs))

    results = asyncio.run(batch())
    assert len({r.render_id for r in results}) == 3
    for result, seconds in zip(results, (1.0, 1.5, 2.0), strict=True):
        width, height, duration = probe(result.path)
        assert (width, height) == (1920, 1080)
        assert duration == pytest.approx(seconds, abs=0.1), result


def test_iterative_session_with_a_silent_edit(shared_engine, media, tmp_path):
    with make_client(shared_engine.url, tmp_path / "cfg") as client:
        conv = client.conversation(export_dir=tmp_path)
        conv.upload(media["beach"])
        first = conv.ask("add my video to the timeline")
        assert first.ok and first.changes and "beach.mp4" in first.changes
        titled = conv.ask('add a title "Draft"')
        assert titled.after is not None
        assert titled.after.timeline.tracks[-1].segments[0].text == "Draft"
        assert titled.suggestions == ["export"] and titled.export is None, \
            "the agent's export hint is translated, not acted on unasked"
        assert "`export()`" in titled.text and "Click" not in titled.text
        silent = conv.ask("mute the original audio")  # the session's third turn: no text
        assert silent.silent and silent.agent_text == "" and silent.ok
        assert silent.text.startswith("Done: Muted beach.mp4 on Video.")
        assert silent.after is not None and silent.after.timeline.tracks[0].segments[0].volume == 0
        status = conv.ask("status")
        assert status.route == "status" and status.text.startswith("Timeline (2 tracks)")
        refined = conv.ask('set the original audio to 50% and add a title "Final", then export')
        assert refined.ok and refined.export is not None, refined.text
        assert refined.export.path.parent == tmp_path and refined.export.path.exists()
        assert "Exported" in refined.text
        final = conv.state().timeline
        assert final.tracks[0].segments[0].volume == 0.5
        assert [r.route for r in conv.history] == ["agent", "agent", "agent", "status", "agent"]


def test_direct_routes_skip_the_agent(shared_engine, media, tmp_path):
    with make_client(shared_engine.url, tmp_path / "cfg") as client:
        conv = client.conversation(language="zh", export_dir=tmp_path)
        upload = conv.ask(f"upload {media['beach']}")
        assert upload.route == "upload" and upload.uploads[0].filename == "beach.mp4"
        placed = conv.ask("把视频添加到时间线")
        assert placed.ok and placed.after is not None and placed.after.timeline.renderable
        credits = conv.ask("我还有多少积分？")
        assert credits.route == "credits" and credits.balance is not None
        assert str(credits.balance.available) in credits.text
        exported = conv.ask("导出视频")
        assert exported.route == "export" and exported.export is not None
        assert exported.export.path.exists()
        assert not any(isinstance(e, TextEvent) for e in conv.send("积分")), "no agent text"
        kinds = conv.ledger.to_frame()["action"].tolist()
        assert kinds == ["upload", "edit", "balance", "export", "balance"]


def test_url_uploads_claim_token_and_unknown_draft_keys(shared_engine, media, tmp_path):
    with make_client(shared_engine.url, tmp_path / "cfg") as client:
        conv = client.conversation()
        [stored] = conv.upload(media["beach"])
        assert stored.cdn_url
        [fetched] = conv.upload(stored.cdn_url)  # URL mode: the backend fetches it
        assert fetched.hash == stored.hash and fetched.file_type == "video"
        conv.ask("add my video to the timeline")
        state = conv.state()
        assert state.task_id and client.claim_token(state.task_id, state.session_id).startswith(
            "clm_")
        draft = dict(state.draft, vendor_extension={"kept": True})
        draft["t"][0]["sg"][0]["effect_chain"] = ["x"]
        timeline = Timeline.from_draft(draft)
        assert timeline.to_draft() == draft
        result = client.export(conv.session_id, tmp_path / "kept.mp4", draft=timeline)
        assert result.path.exists()

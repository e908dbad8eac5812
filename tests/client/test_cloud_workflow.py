"""The client's whole workflow against the cloud-shaped fake (real HTTP, foreign draft keys):
summary and frames with real times and names, the silent-edit diff, music versions, music
taken away (WAV, MP3, stems, cue), undo, and an export whose draft goes back unchanged."""

from __future__ import annotations

import json
import math
from pathlib import Path

import av
import pytest

from nemo_widgets import views
from nemo_widgets.client import ClientSettings, NemoClient
from nemo_widgets.timeline import Timeline
from tests.client.cloud_fake import CloudFake, Options
from tests.media_factory import make_video

FAST = {"rate_limit_wait_s": 0.2, "render_poll_s": 0.05, "render_poll_max_s": 0.2,
        "transient_wait_s": 0.05, "drop_poll_s": (0.2, 0.3)}


def fake_client(fake: CloudFake, config_dir: Path, **overrides) -> NemoClient:
    return NemoClient(fake.url, settings=ClientSettings(config_dir=config_dir,
                                                        **{**FAST, **overrides}))


@pytest.fixture(scope="module")
def beach(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("cloud-media") / "beach.mp4", seconds=2.0)


def test_quick_edit_iterate_and_export_against_cloud_shaped_answers(beach, tmp_path):
    with CloudFake(tmp_path / "cloud") as fake, fake_client(fake, tmp_path / "cfg") as client:
        conv = client.conversation(export_dir=tmp_path)
        conv.upload(beach)
        placed = conv.ask("add my video to the timeline")
        assert placed.ok and placed.after is not None
        assert placed.after.summary() == "Timeline (1 track): 1. Video: beach.mp4 (0-2s)"
        assert "`export()`" in placed.text and placed.suggestions == ["export"]
        assert placed.changes == "Added beach.mp4 on Video (0-2s)."

        music = conv.ask("add fitting background music")
        assert music.ok and music.after is not None
        [version] = music.after.music_versions
        assert (version.version, version.name, version.style, version.tempo_bpm,
                version.key, version.duration_s) == (1, "Lo-fi Sunset 1", "lofi", 90.0,
                                                     "A minor", 2.0)
        assert set(version.stem_urls) == {"drums", "bass"} and version.cue_url
        assert music.after.music_in_use() == version
        titled = conv.ask('add a title "Quick"')
        assert titled.after is not None and titled.after.summary() == (
            'Timeline (3 tracks): 1. Video: beach.mp4 (0-2s) 2. Audio: Lo-fi Sunset 1 '
            '(0-2s, 35%) 3. Text: "Quick" (0-2s)')

        silent = conv.ask("mute the original audio")
        assert silent.silent and silent.ok and silent.agent_text == ""
        assert silent.text.startswith("Done: Muted beach.mp4 on Video.")
        frame = views.tracks_frame(conv.state())
        assert frame["start_s"].tolist() == [0.0, 0.0, 0.0]
        assert frame["end_s"].tolist() == [2.0, 2.0, 2.0]
        assert frame["label"].tolist() == ["beach.mp4", "Lo-fi Sunset 1", "Quick"]
        assert frame["volume"].tolist()[:2] == [0.0, 0.35]

        saved = conv.save_music(tmp_path / "music", stems=True, cue=True,
                                formats=("wav", "mp3"))
        names = [p.name for p in saved]
        assert names == ["music-v1-lofi.wav", "music-v1-lofi.mp3", "music-v1-lofi-drums.wav",
                         "music-v1-lofi-drums.mp3", "music-v1-lofi-bass.wav",
                         "music-v1-lofi-bass.mp3", "music-v1-lofi-cue.json"]
        with av.open(str(saved[1])) as mp3:
            assert mp3.format.name == "mp3"
            assert mp3.streams.audio[0].codec_context.name.startswith("mp3")
            assert float(mp3.duration) / av.time_base == pytest.approx(2.0, abs=0.1)
        assert json.loads(saved[-1].read_text())["bpm"] == 90
        assert conv.music_versions() == [version]

        state = conv.state()
        exported = conv.export(tmp_path / "quick.mp4")
        [body] = fake.bodies("/api/render/proxy/lambda")
        assert body["draft"] == fake.sessions[conv.session_id].draft == state.draft, \
            "the draft goes back exactly as the backend wrote it"
        with av.open(str(exported.path)) as video:
            assert video.streams.video[0].codec_context.width == 320
        assert conv.pending_renders() == []

        undone = conv.undo()
        assert undone.ok and undone.after is not None
        assert undone.after.timeline.tracks[0].segments[0].volume == 1.0
        assert undone.changes == "Unmuted beach.mp4 on Video (100%)."


def test_a_draft_without_times_says_so(beach, tmp_path):
    with CloudFake(tmp_path / "cloud", Options(timeless_segments=True)) as fake, \
            fake_client(fake, tmp_path / "cfg") as client:
        conv = client.conversation()
        conv.upload(beach)
        result = conv.ask("add my video to the timeline")
        assert result.after is not None
        assert result.after.summary() == (
            "Timeline (1 track): 1. Video: beach.mp4 (times unknown)")
        assert "0-0s" not in result.text
        frame = result.after.to_frame()
        assert math.isnan(frame["start_s"][0]) and frame["label"][0] == "beach.mp4"


def test_batch_in_one_session_edits_foreign_drafts_for_one_render_each(tmp_path):
    clips = [make_video(tmp_path / f"{name}.mp4", seconds=1.0, tone_hz=300 + 50 * n)
             for n, name in enumerate(("one", "two", "three"))]
    with CloudFake(tmp_path / "cloud") as fake, fake_client(fake, tmp_path / "cfg") as client:
        conv = client.conversation()
        conv.upload(*clips)
        placed = conv.ask("add my video to the timeline")
        assert placed.after is not None and placed.after.summary() == (
            "Timeline (1 track): 1. Video: one.mp4, two.mp4, three.mp4 (0-6s)")
        state = conv.state()
        for index, seg in enumerate(state.timeline.tracks[0].segments):
            single = Timeline.from_draft(state.draft)
            clip = single.tracks[0].segments[index]
            clip.start_ms = 0
            single.tracks[0].segments = [clip]
            single.duration_ms = clip.duration_ms
            exported = client.export(state.session_id, tmp_path / f"{seg.label}", draft=single)
            assert exported.path.exists()
        sent = [b["draft"] for b in fake.bodies("/api/render/proxy/lambda")]
        originals = state.draft["t"][0]["sg"]
        for index, draft in enumerate(sent):
            [segment] = draft["t"][0]["sg"]
            expected = {**originals[index], "timeRange": {**originals[index]["timeRange"],
                                                          "start": 0}}
            assert segment == expected, "the foreign keys edited in place, nothing else"
            assert draft["d"] == 2000 and draft["m"] == state.draft["m"]

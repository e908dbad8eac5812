"""The draft model: any backend's segment keys read (units, cases, nested ranges, strings),
unknown keys kept, a draft written back unchanged but for what changed (in its own keys and
units), "times unknown" instead of 0-0s, and a malformed skeleton as ``DraftError``."""

from __future__ import annotations

import copy

import pytest

from nemo_widgets.timeline import DraftError, Segment, Timeline


def _one(segment: dict, tt: int = 0, d: int = 10000) -> Timeline:
    return Timeline.from_draft({"t": [{"tt": tt, "sg": [segment]}], "d": d})


@pytest.mark.parametrize(("segment", "start", "length"), [
    ({"start_ms": 1000, "duration_ms": 2000}, 1000, 2000),
    ({"startMs": 1000, "durationMs": 2000}, 1000, 2000),
    ({"start_s": 1, "duration_s": 2}, 1000, 2000),
    ({"startSeconds": 1.5, "durationSeconds": 2}, 1500, 2000),
    ({"start_us": 1_000_000, "duration_us": 2_000_000}, 1000, 2000),
    ({"start": 1, "duration": 2}, 1000, 2000),            # unit-less, told by d (10 s)
    ({"start": 1000, "end": 3000}, 1000, 2000),
    ({"timeRange": {"start": 1, "duration": 2}}, 1000, 2000),
    ({"time_range": {"startMs": 1000, "endMs": 3000}}, 1000, 2000),
    ({"target_timerange": {"start": 1_000_000, "duration": 2_000_000}}, 1000, 2000),
    ({"timeRangeMs": {"start": 1000, "duration": 2000}}, 1000, 2000),
    ({"start": "1s", "end": "3s"}, 1000, 2000),
    ({"start": "00:00:01.000", "duration": "2000ms"}, 1000, 2000),
])
def test_segment_times_from_every_variant(segment, start, length):
    seg = _one(segment, d=10000 if "target_timerange" not in segment else 3000)\
        .tracks[0].segments[0]
    assert (seg.start_ms, seg.duration_ms, seg.timed) == (start, length, True)


def test_names_sources_volumes_and_texts_from_other_keys():
    timeline = Timeline.from_draft({"t": [
        {"tt": 0, "sg": [{"clipId": 7, "media": {"url": "https://c/x/city.mp4?sig=1",
                                                  "name": "City"}, "volumePercent": 40,
                          "startMs": 0, "durationMs": 1000}]},
        {"tt": "audio", "sg": [{"src": "https://c/song.mp3", "gain": 0.3, "start_ms": 0,
                                "duration_ms": 1000}]},
        {"tt": 7, "sg": [{"content": "Hello", "startMs": 0, "durationMs": 500,
                          "textStyle": {"size": 3}}]}], "d": 1000})
    video, audio, text = (t.segments[0] for t in timeline.tracks)
    assert (video.id, video.label, video.source, video.volume) == (
        "7", "City", "https://c/x/city.mp4?sig=1", 0.4)
    assert (audio.kind, audio.display_label, audio.volume) == ("audio", "song.mp3", 0.3)
    assert (text.kind, text.text, text.style) == ("text", "Hello", {"size": 3})
    assert timeline.summary() == ('Timeline (3 tracks): 1. Video: City (0-1s, 40%) '
                                  '2. Audio: song.mp3 (0-1s, 30%) 3. Text: "Hello" (0-0.5s)')


def test_changes_are_written_in_the_keys_and_units_they_came_from():
    draft = {"t": [{"tt": 0, "sg": [
        {"segmentId": "a", "timeRange": {"start": 0, "duration": 4, "x": 1},
         "volumePercent": 100, "fx": [1]},
        {"segmentId": "b", "start": "4s", "end": "6s"},
        {"segmentId": "c", "startMs": 6000, "durationMs": 1000}]}], "d": 7000, "zz": True}
    timeline = Timeline.from_draft(copy.deepcopy(draft))
    assert timeline.to_draft() == draft
    first, second, third = timeline.tracks[0].segments
    first.duration_ms, first.volume = 3500, 0.5
    second.start_ms = 3500
    third.fade_in_ms = 200
    out = timeline.to_draft()["t"][0]["sg"]
    assert out[0] == {"segmentId": "a", "timeRange": {"start": 0, "duration": 3.5, "x": 1},
                      "volumePercent": 50, "fx": [1]}
    assert out[1] == {"segmentId": "b", "start": "3.5s", "end": "5.5s"}
    assert out[2] == {"segmentId": "c", "startMs": 6000, "durationMs": 1000,
                      "fade_in_ms": 200}


def test_engine_drafts_and_new_segments_keep_the_engine_keys():
    seg = Segment(kind="video", start_ms=0, duration_ms=1000, id="v", source="/m/a.mp4")
    assert seg.to_json() == {"id": "v", "kind": "video", "start_ms": 0, "duration_ms": 1000,
                             "source": "/m/a.mp4", "volume": 1.0}
    engine = {"t": [{"tt": 0, "name": "Video", "sg": [seg.to_json()]}], "d": 1000,
              "m": {"width": 1080, "height": 1920}}
    timeline = Timeline.from_draft(engine)
    assert timeline.to_draft() == engine and (timeline.width, timeline.height) == (1080, 1920)


def test_unknown_times_are_said_not_zeroed_and_lists_of_lengths_follow_each_other():
    timeline = Timeline.from_draft({"t": [
        {"tt": 0, "sg": [{"file": "a.mp4"}, {"file": "b.mp4"}]},
        {"tt": 1, "sg": [{"name": "x", "duration": 2}, {"name": "y", "duration": 3}]}],
        "d": 5000})
    video, audio = timeline.tracks
    assert not timeline.timed and [s.timed for s in video.segments] == [False, False]
    assert video.summary() == "Video: a.mp4, b.mp4 (times unknown)"
    assert [(s.start_ms, s.end_ms) for s in audio.segments] == [(0, 2000), (2000, 5000)]
    frame = timeline.to_frame()
    assert frame["start_s"].isna().tolist() == [True, True, False, False]


@pytest.mark.parametrize("draft", [
    [1, 2], "text", {"t": 5}, {"t": {"tt": 0}}, {"t": [1]}, {"t": [{"tt": 0, "sg": 5}]},
    {"t": [{"tt": 0, "sg": ["x"]}]},
])
def test_a_malformed_skeleton_is_a_draft_error(draft):
    with pytest.raises(DraftError):
        Timeline.from_draft(draft)


def test_absurd_values_are_tolerated_and_deep_nesting_is_a_draft_error():
    timeline = Timeline.from_draft({"t": [{"tt": "weird", "sg": [
        {"start_ms": float("inf"), "duration_ms": "abc", "volume": True}]}], "d": 1e400})
    assert timeline.duration_ms == 0 and not timeline.tracks[0].segments[0].timed
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(DraftError):
        Timeline.from_draft({"t": [{"tt": 0, "sg": [deep]}]})

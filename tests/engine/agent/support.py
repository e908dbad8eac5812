"""Uploads and helpers shared by the agent's tests: plan a message, check a draft's invariants."""

from __future__ import annotations

from typing import Any

from nemo_widgets.engine.agent import MediaItem, TurnPlan, plan_turn
from nemo_widgets.timeline import Timeline

CLIP_A = MediaItem("a" * 64, "a.mp4", "video", 10.0, 1920, 1080, True)
CLIP_B = MediaItem("b" * 64, "b.mp4", "video", 4.0, 1280, 720, False)
PHOTO = MediaItem("c" * 64, "beach.jpg", "image", 0.0, 800, 600, False)
SONG = MediaItem("d" * 64, "song.mp3", "audio", 6.0, 0, 0, False)
LONG_SONG = MediaItem("e" * 64, "long.mp3", "audio", 60.0, 0, 0, False)

UPLOADS = [CLIP_A, SONG]
PLAIN_TURN = 0  # turn_index that is neither silent nor ends with the export hint


def plan(message: str, draft: dict[str, Any] | None = None,
         media: list[MediaItem] | None = None, **kwargs: Any) -> TurnPlan:
    kwargs.setdefault("turn_index", PLAIN_TURN)
    return plan_turn(message, draft, UPLOADS if media is None else media, **kwargs)


def edited(message: str, draft: dict[str, Any] | None = None,
           media: list[MediaItem] | None = None, **kwargs: Any) -> dict[str, Any]:
    """The new draft, checked for the invariants every edit must keep."""
    result = plan(message, draft, media, **kwargs)
    assert result.draft is not None, result.reply
    assert_consistent(result.draft)
    return result.draft


def assert_consistent(draft: dict[str, Any]) -> None:
    """d is the video's end, music covers 0..d, text stays inside, ids are unique."""
    timeline = Timeline.from_draft(draft)
    video = [s for t in timeline.tracks if t.type == 0 for s in t.segments]
    ends = [s.end_ms for t in timeline.tracks for s in t.segments]
    expected = max(s.end_ms for s in video) if video else max(ends, default=0)
    assert draft["d"] == expected
    for track in timeline.tracks:
        starts = [s.start_ms for s in track.segments]
        assert starts == sorted(starts)
        if track.role == "bgm":
            assert track.segments[0].start_ms == 0
            if track.segments[-1].extra.get("keep_length"):
                assert track.end_ms <= draft["d"]
            else:
                assert track.end_ms == draft["d"]
        if track.type == 7:
            assert all(s.end_ms <= draft["d"] for s in track.segments)
        for segment in track.segments:
            assert segment.fade_in_ms + segment.fade_out_ms <= segment.duration_ms
    ids = [s.id for t in timeline.tracks for s in t.segments]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("sg_") for i in ids)


def track(draft: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in draft["t"] if t.get("name") == name)


def summary(draft: dict[str, Any] | None) -> str:
    return Timeline.from_draft(draft).summary()


def names(result: TurnPlan) -> list[str]:
    return [a.name for a in result.actions]

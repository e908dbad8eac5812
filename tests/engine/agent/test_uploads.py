"""Batch in one session (issue 14 item 4): naming and targeting one upload among several."""

from __future__ import annotations

from typing import Any

import pytest

from nemo_widgets.engine.agent import MediaItem
from nemo_widgets.timeline import Timeline
from tests.engine.agent.support import SONG, assert_consistent, names, plan

DARK = MediaItem("1" * 64, "dark_slow.mp4", "video", 6.0, 1920, 1080, True)
BRIGHT = MediaItem("2" * 64, "bright_fast.mp4", "video", 4.0, 1920, 1080, True)
BATCH = [DARK, BRIGHT, SONG]


def run(message: str, draft: dict[str, Any] | None = None) -> tuple[dict[str, Any], str]:
    """The new draft (checked) and the reply, for a message in the two-upload session."""
    result = plan(message, draft, BATCH)
    assert result.draft is not None, result.reply
    assert_consistent(result.draft)
    return result.draft, result.reply or ""


def clips(draft: dict[str, Any] | None) -> list[tuple[str, int, int]]:
    """(file, start s, end s) of every clip on the video track, in time order."""
    timeline = Timeline.from_draft(draft)
    return [(s.label, s.start_ms // 1000, s.end_ms // 1000) for t in timeline.tracks
            if t.type == 0 for s in sorted(t.segments, key=lambda s: s.start_ms)]


@pytest.fixture
def both() -> dict[str, Any]:
    return run("add my videos to the timeline")[0]


@pytest.mark.parametrize("message", ["add bright_fast.mp4 to the timeline", "add bright_fast",
                                     "把bright_fast.mp4加到时间线", "添加bright_fast.mp4"])
def test_adding_one_upload_adds_only_that_file(message: str) -> None:
    draft, reply = run(message)
    assert clips(draft) == [("bright_fast.mp4", 0, 4)]
    assert "dark_slow" not in reply and "bright_fast.mp4" in reply


@pytest.mark.parametrize("message", ["use dark_slow.mp4", "replace the video with dark_slow.mp4",
                                     "用dark_slow.mp4", "把视频换成dark_slow.mp4"])
def test_use_or_replace_makes_that_upload_the_whole_video(both: dict[str, Any],
                                                          message: str) -> None:
    draft, _ = run(message, both)
    assert clips(draft) == [("dark_slow.mp4", 0, 6)]


@pytest.mark.parametrize(("message", "order"), [
    ("add dark_slow.mp4 after bright_fast.mp4", ["bright_fast.mp4", "dark_slow.mp4"]),
    ("put bright_fast before dark_slow", ["bright_fast.mp4", "dark_slow.mp4"]),
    ("把dark_slow.mp4放在bright_fast.mp4后面", ["bright_fast.mp4", "dark_slow.mp4"]),
])
def test_add_after_or_before_moves_the_clip_there(both: dict[str, Any], message: str,
                                                  order: list[str]) -> None:
    draft, _ = run(message, both)
    assert [c[0] for c in clips(draft)] == order
    assert clips(draft)[0][1] == 0 and clips(draft)[-1][2] == 10  # back to back, nothing lost


def test_add_after_inserts_a_new_clip_between() -> None:
    draft, _ = run("add dark_slow.mp4 to the timeline")
    draft, _ = run("add bright_fast.mp4 to the timeline", draft)
    draft, reply = run("add dark_slow.mp4 after dark_slow.mp4", draft)
    assert clips(draft) == [("dark_slow.mp4", 0, 6), ("dark_slow.mp4", 6, 12),
                            ("bright_fast.mp4", 12, 16)]
    assert reply.startswith("Added dark_slow.mp4")


@pytest.mark.parametrize("message", ["remove dark_slow.mp4", "删除dark_slow.mp4",
                                     "delete dark_slow from the timeline"])
def test_remove_one_upload_closes_the_gap(both: dict[str, Any], message: str) -> None:
    draft, reply = run(message, both)
    assert clips(draft) == [("bright_fast.mp4", 0, 4)]
    assert "dark_slow.mp4" in reply and ("4s" in reply or "4秒" in reply)


@pytest.mark.parametrize("message", ["only keep bright_fast.mp4", "keep only bright_fast",
                                     "只保留bright_fast.mp4"])
def test_only_keep(both: dict[str, Any], message: str) -> None:
    draft, _ = run(message, both)
    assert clips(draft) == [("bright_fast.mp4", 0, 4)]


@pytest.mark.parametrize("message", ["replace dark_slow.mp4 with bright_fast.mp4",
                                     "把dark_slow.mp4换成bright_fast.mp4",
                                     "use bright_fast.mp4 instead of dark_slow.mp4"])
def test_swap_puts_the_new_clip_in_place(message: str) -> None:
    draft, _ = run("add dark_slow.mp4 to the timeline")
    draft, _ = run(message, draft)
    assert clips(draft) == [("bright_fast.mp4", 0, 4)]


@pytest.mark.parametrize(("message", "reply"), [
    ("clear the timeline", "Cleared the timeline: it is empty now."),
    ("start over", "Cleared the timeline: it is empty now."), ("清空时间线", "已清空时间线。"),
])
def test_clear_the_timeline(both: dict[str, Any], message: str, reply: str) -> None:
    result = plan(message, both, BATCH)
    assert result.draft is not None and clips(result.draft) == []
    assert Timeline.from_draft(result.draft).summary() == "Timeline (0 tracks): empty"
    assert result.reply == reply
    assert plan(message, result.draft, BATCH).draft is None  # already empty


def test_remove_the_video_track_says_what_it_did(both: dict[str, Any]) -> None:
    with_title, _ = run("add a title 'Hi'", both)
    result = plan("remove the video track", with_title, BATCH)
    assert result.draft is not None and clips(result.draft) == []
    assert result.reply == ("Removed the video track (dark_slow.mp4 and bright_fast.mp4); "
                            "tracks left: 1.")
    alone = plan("remove the video track", both, BATCH)
    assert alone.reply == ("Removed the video track (dark_slow.mp4 and bright_fast.mp4); the "
                           "timeline is now empty.")
    assert "original audio" not in (alone.reply or "")
    assert plan("删除视频轨道", both, BATCH).reply == (
        "已删除视频轨道（dark_slow.mp4、bright_fast.mp4），时间线现在是空的。")


def generated(draft: dict[str, Any]) -> dict[str, Any]:
    bgm = {"tt": 1, "name": "BGM", "role": "bgm", "sg": [
        {"id": "sg_music_1", "kind": "audio", "source": "f" * 64, "label": "Lofi", "start_ms": 0,
         "duration_ms": draft["d"], "volume": 0.5, "generated": True}]}
    return dict(draft, t=[*draft["t"], bgm])


def test_each_upload_gets_its_own_music_in_one_session() -> None:
    first, _ = run("use dark_slow.mp4")
    assert plan("generate music for this clip", first, BATCH).needs_music is not None
    second, reply = run("use bright_fast.mp4", generated(first))
    assert clips(second) == [("bright_fast.mp4", 0, 4)]
    assert not any(t.get("role") == "bgm" for t in second["t"])  # made for the other clip
    assert "music" in reply
    again = plan("generate music for this clip", second, BATCH)
    assert again.needs_music is not None and names(again) == ["generate_music"]


def test_words_that_are_not_file_names_change_nothing_here(both: dict[str, Any]) -> None:
    assert names(plan("add a title 'bright_fast.mp4'", both, BATCH)) == ["add_text"]
    assert names(plan("use my song as background music", both, BATCH)) == [
        "add_media_to_timeline"]
    assert names(plan("remove song.mp3", run("use song.mp3 as bgm", both)[0], BATCH)) == [
        "remove_media"]


@pytest.mark.parametrize(("message", "reply"), [
    ("move bright_fast.mp4 to the start",
     "Moved bright_fast.mp4 to 0-4s; the video is still 10s long."),
    ("put bright_fast.mp4 first", "Moved bright_fast.mp4 to 0-4s; the video is still 10s long."),
    ("把bright_fast.mp4移到最前面", "已把bright_fast.mp4移到0-4秒，视频总长仍为10秒。"),
    ("swap dark_slow.mp4 and bright_fast.mp4",
     "Switched the places of dark_slow.mp4 and bright_fast.mp4 on the video track."),
    ("交换dark_slow.mp4和bright_fast.mp4",
     "已交换dark_slow.mp4、bright_fast.mp4在视频轨道上的位置。"),
])
def test_moving_clips_keeps_everything(both: dict[str, Any], message: str, reply: str) -> None:
    draft, said = run(message, both)
    assert clips(draft) == [("bright_fast.mp4", 0, 4), ("dark_slow.mp4", 4, 10)]
    assert said == reply
    moved_back, _ = run("move bright_fast.mp4 to the end", draft)
    assert clips(moved_back) == [("dark_slow.mp4", 0, 6), ("bright_fast.mp4", 6, 10)]

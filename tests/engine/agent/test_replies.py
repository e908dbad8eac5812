"""Replies: silence, hints, GUI pointers, language, tool results."""

from __future__ import annotations

from typing import Any

import pytest

from nemo_widgets.timeline import Timeline
from tests.engine.agent.support import (
    CLIP_A,
    CLIP_B,
    PHOTO,
    SONG,
    assert_consistent,
    names,
    plan,
)


# --- 15. reply style ---------------------------------------------------------------------------
def test_simple_edit_is_silent_every_third_turn(placed: dict[str, Any]) -> None:
    silent = plan("mute the original audio", placed, turn_index=2)
    assert silent.reply is None and silent.draft is not None and silent.charge == "edit"
    assert names(silent) == ["set_volume"]
    assert plan("mute the original audio", placed, turn_index=5).reply is None
    assert plan("mute the original audio", placed, turn_index=3).reply == (
        "Muted the original audio.")


def test_multi_edits_and_failures_are_never_silent(placed: dict[str, Any]) -> None:
    assert plan("mute the original audio and make it square", placed, turn_index=2).reply
    assert plan("lower the music", placed, turn_index=2).reply


def test_export_hint_after_edits_on_some_turns(placed: dict[str, Any]) -> None:
    english = plan("mute the original audio", placed, turn_index=1).reply or ""
    assert english.endswith("Click Export when you're ready.")
    chinese = plan("静音原声", placed, turn_index=1).reply or ""
    assert chinese.endswith("准备好后点击导出。")
    assert "Export" not in (plan("show tracks", placed, turn_index=1).reply or "")


@pytest.mark.parametrize(("message", "reply"), [
    ("export the video", "Click **Export** to render your 1080p MP4."),
    ("render it please", "Click **Export** to render your 1080p MP4."),
    ("导出", "点击**导出**即可渲染 1080p MP4。"),
])
def test_export_points_to_the_gui(full: dict[str, Any], message: str, reply: str) -> None:
    result = plan(message, full, turn_index=2)
    assert (result.actions, result.draft, result.charge, result.reply) == ([], None, None, reply)


def test_reply_language_follows_the_message_or_the_session(placed: dict[str, Any]) -> None:
    assert plan("静音原声", placed).reply == "已静音原声。"
    assert plan("mute", placed, language="zh").reply == "已静音原声。"
    assert plan('add a title "夏日"', placed).reply == 'Added the title "夏日" (0-3s, center).'


def test_tool_results_carry_status_and_summary(placed: dict[str, Any]) -> None:
    result = plan("mute the original audio", placed)
    assert result.actions[0].result == {
        "status": "ok", "message": "Muted the original audio.",
        "summary": "Timeline (1 track): 1. Video: a.mp4 (0-10s, 0%)"}


SESSION = [
    "add my videos to the timeline", "use my song as background music at 40%",
    'add a title "Summer Trip" at the top', "add text 'Day 1' from 2s to 4s", "fade out",
    "cut the first 3 seconds", "lower the music", "each photo 2 seconds", "make it square",
    "remove the last track", "静音原声", "只保留前5秒", "添加字幕“结束”在最后2秒",
    "delete track 1", "add the clips again", "remove the music and no music",
    "make it 3 seconds long", "show tracks",
]


def test_a_long_session_keeps_the_draft_consistent() -> None:
    media = [PHOTO, CLIP_A, SONG, CLIP_B]
    draft: dict[str, Any] | None = None
    for index, message in enumerate(SESSION):
        result = plan(message, draft, media, turn_index=index)
        if result.draft is not None:
            assert_consistent(result.draft)
            assert Timeline.from_draft(result.draft).to_draft() == result.draft
            draft = result.draft
        assert result.charge == ("edit" if result.draft is not None else None)
    assert draft is not None and draft["d"] == 3000

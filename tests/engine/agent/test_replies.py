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
    plan,
)


# --- 15. reply style ---------------------------------------------------------------------------
def test_the_agent_always_answers_and_adds_no_export_hint(placed: dict[str, Any]) -> None:
    """Silent edits and "Click Export" hints are the cloud emulation's, never the agent's."""
    for turn_index in range(6):
        reply = plan("mute the original audio", placed, turn_index=turn_index).reply
        assert reply == "Muted the original audio."
    assert not (plan("静音原声", placed, turn_index=1).reply or "").endswith("准备好后点击导出。")


@pytest.mark.parametrize(("message", "reply"), [
    ("export the video", "Click **Export** to render your 1080p MP4."),
    ("render it please", "Click **Export** to render your 1080p MP4."),
    ("导出", "点击**导出**即可渲染 1080p MP4。"),
    ("send me the video", "Click **Export** to render your 1080p MP4."),
    ("把视频发给我", "点击**导出**即可渲染 1080p MP4。"),
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

"""Understanding: music requests, unknown and partly understood messages, several instructions."""

from __future__ import annotations

from typing import Any

import pytest

from nemo_widgets.engine.agent import MusicRequest
from tests.engine.agent.support import (
    assert_consistent,
    names,
    plan,
    summary,
    track,
)


# --- 11. music generation ----------------------------------------------------------------------
@pytest.mark.parametrize(("message", "variation", "bpm"), [
    ("generate a background music track that matches the mood of my video", None, None),
    ("add some upbeat music", None, None), ("make music for this", None, None),
    ("生成背景音乐", None, None), ("配乐", None, None), ("more upbeat", "more_upbeat", None),
    ("calmer", "calmer", None), ("another version", "another", None), ("100 bpm", "bpm", 100),
    ("piano only", "piano_only", None), ("更欢快一点", "more_upbeat", None),
    ("换一首", "another", None), ("纯钢琴", "piano_only", None),
])
def test_music_generation_is_requested(with_music: dict[str, Any], message: str,
                                       variation: str | None, bpm: int | None) -> None:
    result = plan(message, with_music, turn_index=2)
    assert result.needs_music == MusicRequest(prompt=message, variation=variation, bpm=bpm)
    assert result.charge == "music"
    assert result.draft is None  # no audio is invented
    assert names(result) == ["generate_music"]
    assert result.actions[0].result["status"] == "pending"
    assert result.reply is not None and (
        "music tool" in result.reply or "音乐工具" in result.reply)


def test_music_request_places_the_uploads_first() -> None:
    result = plan("generate music for my video")
    assert names(result) == ["add_media_to_timeline", "generate_music"]
    assert result.charge == "music" and result.draft is not None


# --- 12. not understood --------------------------------------------------------------------------
@pytest.mark.parametrize("message", ["make me a sandwich", "add a 3D explosion", "", "？？"])
def test_unknown_instruction_lists_capabilities(full: dict[str, Any], message: str) -> None:
    result = plan(message, full)
    assert (result.actions, result.draft, result.charge, result.needs_music) == (
        [], None, None, None)
    reply = result.reply or ""
    assert reply.startswith("I can't do that")
    assert reply.count("\n- ") >= 8
    assert "background music" in reply and "title" in reply and "9:16" in reply


def test_unknown_instruction_in_chinese(full: dict[str, Any]) -> None:
    reply = plan("给我做个三明治", full).reply or ""
    assert reply.startswith("这个我做不到") and "\n- " in reply and "背景音乐" in reply


def test_help_and_pleasantries(full: dict[str, Any]) -> None:
    help_lines = (plan("what can you do?", full).reply or "").splitlines()
    assert help_lines[:2] == ["I edit your timeline and compose music for it.",
                              "Here is what I can do:"]
    assert any("undo" in line for line in help_lines)
    thanks = plan("thanks!", full)
    assert thanks.draft is None and "Export" in (thanks.reply or "")


def test_partly_understood_message_says_what_was_skipped(placed: dict[str, Any]) -> None:
    result = plan("mute the original audio and make me a sandwich", placed)
    assert names(result) == ["set_volume"]
    assert 'did not understand "make me a sandwich"' in (result.reply or "")


# --- 13. several instructions ---------------------------------------------------------------------
def test_several_instructions_in_order(with_music: dict[str, Any]) -> None:
    result = plan("mute the original audio and add a title 'Hi', then lower the music; "
                  "make it vertical. Trim to 5 seconds", with_music)
    assert names(result) == ["set_volume", "add_text", "set_volume", "set_canvas", "trim"]
    assert result.draft is not None
    assert_consistent(result.draft)
    assert summary(result.draft) == ('Timeline (3 tracks): 1. Video: a.mp4 (0-5s, 0%) '
                                     '2. BGM: song.mp3 (0-5s, 24%) 3. Title: "Hi" (0-3s)')
    lines = (result.reply or "").splitlines()
    assert lines[0] == "I made 5 changes." and len(lines) == 6
    assert lines[1] == "- Muted the original audio."
    assert all(line.startswith("- ") for line in lines[1:])


def test_several_instructions_some_of_which_fail(placed: dict[str, Any]) -> None:
    lines = (plan("mute the original audio and lower the music", placed).reply or "").splitlines()
    assert lines[0] == "I made 1 of the 2 changes you asked for."
    assert lines[2].startswith("- There is no background music yet")
    chinese = plan("静音原声，然后把背景音乐调小", placed).reply or ""
    assert chinese.splitlines()[0] == "你要求的2处修改中完成了1处。"


def test_several_instructions_in_chinese(with_music: dict[str, Any]) -> None:
    result = plan("静音原声，然后添加标题“你好”并把背景音乐音量调到20%", with_music)
    assert names(result) == ["set_volume", "add_text", "set_volume"]
    assert result.draft is not None
    assert summary(result.draft) == ('Timeline (3 tracks): 1. Video: a.mp4 (0-10s, 0%) '
                                     '2. BGM: song.mp3 (0-10s, 20%) 3. Title: "你好" (0-3s)')
    assert "已静音原声" in (result.reply or "")


def test_repeated_settings_run_once_but_relative_changes_add_up(
        with_music: dict[str, Any]) -> None:
    assert names(plan("竖屏，适合抖音", with_music)) == ["set_canvas"]
    result = plan("lower the music, lower the music", with_music)
    assert names(result) == ["set_volume", "set_volume"]
    assert result.draft is not None
    assert track(result.draft, "BGM")["sg"][0]["volume"] == pytest.approx(0.35 * 0.7 * 0.7,
                                                                           abs=0.001)


def test_fragments_are_glued_back(with_music: dict[str, Any]) -> None:
    result = plan("fade in and out the music", with_music)
    assert names(result) == ["fade"]
    assert result.actions[0].args == {"target": "bgm", "fade_in_s": 1.0, "fade_out_s": 2.0}

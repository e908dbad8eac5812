"""Text edits: titles and text, their words (any quotes, verbatim), timing and position."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.agent.support import (
    edited,
    names,
    plan,
    track,
)


# --- titles and text --------------------------------------------------------------------------
@pytest.mark.parametrize("message", [
    'add a title "Summer Trip"', "add a title 'Summer Trip'", "add a title “Summer Trip”",
    "add a title 「Summer Trip」", "add title: Summer Trip", "Title: Summer Trip",
    "add a title saying Summer Trip", "添加标题“Summer Trip”", "添加标题：Summer Trip",
])
def test_title_in_any_quotes(placed: dict[str, Any], message: str) -> None:
    draft = edited(message, placed)
    title = track(draft, "Title")
    assert title["tt"] == 7
    (segment,) = title["sg"]
    assert segment["text"] == "Summer Trip"
    assert (segment["start_ms"], segment["duration_ms"]) == (0, 3000)
    assert segment["style"] == {"size": 96, "position": "center"}
    assert (segment["fade_in_ms"], segment["fade_out_ms"]) == (300, 300)


@pytest.mark.parametrize(("message", "start", "end", "position"), [
    ('add a title "Trip" for the first 5 seconds', 0, 5000, "center"),
    ('add a title "Trip" at the bottom', 0, 3000, "bottom"),
    ("add title: Trip at the top for the first 2 seconds", 0, 2000, "top"),
    ('add a title "Trip" from 5s to 8s', 5000, 8000, "center"),
    ("在底部添加标题“Trip”，前4秒", 0, 4000, "bottom"),
    ("添加标题“Trip”从2秒到6秒", 2000, 6000, "center"),
])
def test_title_timing_and_position(placed: dict[str, Any], message: str, start: int, end: int,
                                   position: str) -> None:
    (segment,) = track(edited(message, placed), "Title")["sg"]
    assert (segment["start_ms"], segment["start_ms"] + segment["duration_ms"]) == (start, end)
    assert segment["style"]["position"] == position


@pytest.mark.parametrize(("message", "text", "start", "end"), [
    ("add text 'Day 1' at 5 seconds", "Day 1", 5000, 8000),
    ('add text "Day 1" between 5 and 8 seconds', "Day 1", 5000, 8000),
    ("add a caption 'Hello' from 1s to 2.5s", "Hello", 1000, 2500),
    ("添加字幕“第一天”在第5秒", "第一天", 5000, 8000),
    ("添加字幕：你好世界", "你好世界", 0, 3000),
    ("add text 'The end' at the end", "The end", 7000, 10000),
])
def test_text_goes_on_the_text_track(placed: dict[str, Any], message: str, text: str,
                                     start: int, end: int) -> None:
    (segment,) = track(edited(message, placed), "Text")["sg"]
    assert segment["text"] == text
    assert (segment["start_ms"], segment["start_ms"] + segment["duration_ms"]) == (start, end)
    assert segment["style"] == {"size": 56, "position": "bottom"}


def test_text_past_the_end_is_clipped_or_refused(placed: dict[str, Any]) -> None:
    (segment,) = track(edited("add text 'x' from 8s to 12s", placed), "Text")["sg"]
    assert segment["start_ms"] + segment["duration_ms"] == 10000
    refused = plan("add text 'x' at 12 seconds", placed)
    assert refused.draft is None and refused.actions[0].result["status"] == "error"


def test_new_title_replaces_the_old_one_in_place(full: dict[str, Any]) -> None:
    moved = edited('add a title "Trip" at the top for the first 2 seconds', full)
    renamed = edited('change the title to "Winter"', moved)
    (segment,) = track(renamed, "Title")["sg"]
    assert (segment["text"], segment["duration_ms"], segment["style"]["position"]) == (
        "Winter", 2000, "top")


def test_title_without_words_asks_for_them(placed: dict[str, Any]) -> None:
    result = plan("add a title", placed)
    assert result.draft is None
    assert "quotes" in (result.reply or "")


HOSTILE = ['50% off! "quoted" \\o/ 🎉', "C:\\path\\{name}%s", "Bob's {0} day 😀 & <b>",
           "Salt and Pepper, then 10 seconds"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_title_text_kept_verbatim(placed: dict[str, Any], text: str) -> None:
    result = plan(f"add a title “{text}” and make it square", placed)
    assert result.draft is not None
    assert track(result.draft, "Title")["sg"][0]["text"] == text
    assert names(result) == ["add_text", "set_canvas"]
    assert text in (result.reply or "")
    assert result.actions[0].args["text"] == text


def test_straight_quotes_may_hold_inner_quotes(placed: dict[str, Any]) -> None:
    draft = edited('add a title "Say "cheese"" for 2 seconds', placed)
    assert track(draft, "Title")["sg"][0]["text"] == 'Say "cheese"'
    draft = edited("add a title 'Bob's day'", placed)
    assert track(draft, "Title")["sg"][0]["text"] == "Bob's day"


def test_forged_quote_markers_are_harmless(placed: dict[str, Any]) -> None:
    result = plan("add a title '\ue000\ue105\ue001' and \ue000\ue100\ue001", placed)
    assert result.draft is not None
    assert track(result.draft, "Title")["sg"][0]["text"] == "\ufffd\ue105\ufffd"


def test_colon_title_keeps_and(placed: dict[str, Any]) -> None:
    draft = edited("add title: Salt and Pepper", placed)
    assert track(draft, "Title")["sg"][0]["text"] == "Salt and Pepper"


@pytest.mark.parametrize(("message", "left"), [
    ("remove the title", ["Video", "BGM", "Text"]), ("删除标题", ["Video", "BGM", "Text"]),
    ("remove the text", ["Video", "BGM", "Title"]), ("删除字幕", ["Video", "BGM", "Title"]),
    ("remove the text track", ["Video", "BGM", "Title"]),
])
def test_remove_title_or_text(full: dict[str, Any], message: str, left: list[str]) -> None:
    with_text = edited("add text 'Day 1' at 5 seconds", full)
    draft = edited(message, with_text)
    assert [t["name"] for t in draft["t"]] == left

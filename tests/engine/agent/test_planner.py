"""The planner as a whole: determinism, immutability, round trips, long sessions."""

from __future__ import annotations

import copy
from typing import Any

from nemo_widgets.timeline import Timeline
from tests.engine.agent.support import (
    CLIP_A,
    assert_consistent,
    edited,
    plan,
)


# --- 14. determinism, immutability, round trip ----------------------------------------------------
def test_same_inputs_same_plan(with_music: dict[str, Any]) -> None:
    message = "add a title 'Hi' and add text 'x' at 4 seconds"
    assert plan(message, with_music, seed=3) == plan(message, with_music, seed=3)
    assert plan(message, with_music, seed=3).draft != plan(message, with_music, seed=4).draft


def test_input_draft_is_not_mutated(full: dict[str, Any]) -> None:
    before = copy.deepcopy(full)
    for message in ("trim to 3 seconds", "mute the original audio", "remove the title",
                    "make it vertical", "fade out the music", "lower the music"):
        plan(message, full)
    assert full == before


def test_round_trip_through_timeline(full: dict[str, Any]) -> None:
    draft = edited("add text 'x' at 4 seconds and fade in the music", full)
    assert Timeline.from_draft(draft).to_draft() == draft


def test_unknown_keys_of_the_draft_are_kept() -> None:
    draft = {"t": [{"tt": 0, "name": "Video", "custom": 1, "sg": [
        {"id": "sg_1", "kind": "video", "source": CLIP_A.hash, "label": "a.mp4", "start_ms": 0,
         "duration_ms": 10000, "volume": 1.0, "mine": {"x": 1}}]}],
        "d": 10000, "m": {"title": "p", "width": 1920, "height": 1080}, "extra": True}
    new = edited("mute the original audio", draft)
    assert new["extra"] is True and new["t"][0]["custom"] == 1
    assert new["t"][0]["sg"][0]["mine"] == {"x": 1}
    assert new["m"]["fit"] == "crop" and new["m"]["title"] == "p"


def test_segment_ids_stay_unique_over_many_turns() -> None:
    draft: dict[str, Any] | None = None
    for index, message in enumerate(["add a title 'a'", "add text 'b' at 1 second",
                                     "add text 'c' at 5 seconds", "use my song as bgm",
                                     "add a title 'd' at the top"]):
        result = plan(message, draft, turn_index=index)
        assert result.draft is not None
        assert_consistent(result.draft)
        draft = result.draft

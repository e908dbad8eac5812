"""Undo, redo and "use music version N" (CONTRACTS §3): recognised here, done by the engine."""

from __future__ import annotations

from typing import Any

import pytest

from nemo_widgets.engine.agent import HistoryRequest
from nemo_widgets.engine.agent.replies import history_done
from tests.engine.agent.support import edited, plan


@pytest.fixture
def placed() -> dict[str, Any]:
    return edited("add my video to the timeline")


@pytest.mark.parametrize(("message", "kind", "args"), [
    ("undo", "undo", {}), ("Undo that", "undo", {}), ("undo the last change", "undo", {}),
    ("please undo", "undo", {}), ("go back", "undo", {}), ("撤销", "undo", {}),
    ("请撤销上一步", "undo", {}), ("撤回", "undo", {}),
    ("redo", "redo", {}), ("redo that", "redo", {}), ("重做", "redo", {}),
    ("use music version 2", "use_music", {"version": 2}),
    ("use the second version", "use_music", {"version": 2}),
    ("switch to version 3", "use_music", {"version": 3}),
    ("go back to the first version", "use_music", {"version": 1}),
    ("pick the 2nd one", "use_music", {"version": 2}),
    ("用第2个音乐版本", "use_music", {"version": 2}), ("用第二个版本", "use_music", {"version": 2}),
    ("换回第一版", "use_music", {"version": 1}),
    ("切换到音乐版本3", "use_music", {"version": 3}), ("用第二版音乐", "use_music", {"version": 2}),
])
def test_history_phrases(placed: dict[str, Any], message: str, kind: str,
                         args: dict[str, int]) -> None:
    result = plan(message, placed, turn_index=2)  # a silent turn: history is never silent
    assert result.history == HistoryRequest(kind=kind, args=args)
    assert (result.draft, result.charge, result.needs_music) == (None, None, None)
    assert [(a.name, a.args, a.result["status"]) for a in result.actions] == [
        (kind, args, "pending")]
    assert result.reply


@pytest.mark.parametrize("message", ["redo the music", "add a title 'Undo'", "undo the title?",
                                     "another version", "use my video"])
def test_history_words_elsewhere_are_not_history(placed: dict[str, Any], message: str) -> None:
    assert plan(message, placed).history is None


def test_redo_the_music_is_another_take(placed: dict[str, Any]) -> None:
    request = plan("redo the music", placed).needs_music
    assert request is not None and request.variation == "another"


def test_other_instructions_wait_for_the_undo(placed: dict[str, Any]) -> None:
    result = plan("undo and mute the original audio", placed)
    assert result.history == HistoryRequest("undo") and result.draft is None
    assert (result.reply or "").splitlines() == [
        "Undid the last change.",
        'I left out "mute the original audio": say it again once this is done.']


@pytest.mark.parametrize(("kind", "language", "kwargs", "words"), [
    ("undo", "en", {}, "Undid the last change."),
    ("undo", "zh", {"done": False}, "还没有可以撤销的操作。"),
    ("redo", "en", {"done": False}, "There is nothing to redo."),
    ("use_music", "en", {"version": 2}, "Switched the background music to version 2."),
    ("use_music", "zh", {"version": 4, "done": False, "versions": 3},
     "没有第4个音乐版本：目前共有3个。"),
    ("use_music", "en", {"version": 1, "done": False}, "There is no music yet: ask me to "
                                                       "generate some first."),
])
def test_history_outcomes_in_words(kind: str, language: str, kwargs: dict[str, Any],
                                   words: str) -> None:
    assert history_done(kind, language, **kwargs).headline == words  # type: ignore[arg-type]

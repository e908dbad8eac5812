"""The engine profile: the agent answers plainly; the cloud's habits and the faults live in
``engine.emulation`` and appear only under the ``cloud``/``faults`` profiles."""

from __future__ import annotations

from typing import Any

import pytest

from nemo_widgets.engine.agent import MediaItem, TurnPlan, plan_turn
from nemo_widgets.engine.emulation.options import EmulationOptions
from nemo_widgets.engine.emulation.quirks import CloudTurns
from nemo_widgets.engine.settings import EngineSettings
from tests.engine_api import texts, tool_calls
from tests.media_factory import make_video

CLIP = MediaItem("a" * 64, "a.mp4", "video", 10.0, 1920, 1080, True)
CLOUD = CloudTurns(EmulationOptions(), "cloud")


def plan(message: str, draft: dict[str, Any] | None, turn_index: int,
         language: str = "en") -> TurnPlan:
    """The agent's plan, then the cloud profile's habits applied to it."""
    raw = plan_turn(message, draft, [CLIP], turn_index=turn_index)
    return CLOUD.shape_plan(raw, turn_index=turn_index, language=language)


@pytest.fixture
def placed() -> dict[str, Any]:
    draft = plan_turn("add my video to the timeline", None, [CLIP]).draft
    assert draft is not None
    return draft


def test_the_agent_itself_is_never_silent_and_gives_no_gui_hint(placed):
    for turn in range(6):
        reply = plan_turn("mute the original audio", placed, [CLIP], turn_index=turn).reply
        assert reply == "Muted the original audio.", turn


def test_simple_edit_is_silent_every_third_turn_on_the_cloud(placed):
    silent = plan("mute the original audio", placed, turn_index=2)
    assert silent.reply is None and silent.draft is not None and silent.charge == "edit"
    assert [a.name for a in silent.actions] == ["set_volume"]
    assert plan("mute the original audio", placed, turn_index=5).reply is None
    assert plan("mute the original audio", placed, turn_index=3).reply == (
        "Muted the original audio.")


def test_multi_edits_and_failures_are_never_silent_on_the_cloud(placed):
    assert plan("mute the original audio and make it square", placed, turn_index=2).reply
    assert plan("lower the music", placed, turn_index=2).reply


def test_export_hint_after_edits_on_some_cloud_turns(placed):
    english = plan("mute the original audio", placed, turn_index=1).reply or ""
    assert english.endswith("Click Export when you're ready.")
    chinese = plan("静音原声", placed, turn_index=1, language="zh").reply or ""
    assert chinese.endswith("准备好后点击导出。")
    assert "Export" not in (plan("show tracks", placed, turn_index=1).reply or "")


@pytest.mark.parametrize(("options", "asked", "profile"), [
    ({}, "local", "local"),
    ({"errors_as_200": True}, "local", "cloud"),
    ({"render_answer_shape": "success"}, "local", "cloud"),
    ({"sse_drop_after": 1}, "cloud", "faults"),
    ({"render_poll_503s": 2}, "local", "faults"),
    ({}, "faults", "faults"),
])
def test_a_profile_is_never_weaker_than_its_options(tmp_path, options, asked, profile):
    settings = EngineSettings.from_env(env={}, home=tmp_path, profile=asked, **options)
    assert settings.profile == profile
    again = EngineSettings.from_env(env=settings.to_env())
    assert again.profile == profile and again.emulation == settings.emulation


def test_profile_is_read_from_the_environment_and_checked(tmp_path):
    env = {"NEMO_ENGINE_PROFILE": "cloud", "NEMO_ENGINE_HOME": str(tmp_path)}
    settings = EngineSettings.from_env(env=env)
    assert settings.profile == "cloud" and settings.credits_block
    assert not EngineSettings.from_env(env={}, home=tmp_path).credits_block
    with pytest.raises(ValueError, match="local, cloud, faults"):
        EngineSettings.from_env(env={}, home=tmp_path, profile="clouds")


def test_local_engine_answers_every_edit_in_words(start_engine, tmp_path):
    api = start_engine(profile="local").api()
    api.login()
    session_id = api.new_session()
    api.upload(session_id, make_video(tmp_path / "clip.mp4", seconds=1.0))
    for text in ("add my video to the timeline", "mute the original audio",
                 'add a title "Plain"', "set the original audio to 50%"):
        events = api.run(session_id, text)
        assert tool_calls(events) and texts(events), text
        assert not any("Click Export" in t for t in texts(events)), text

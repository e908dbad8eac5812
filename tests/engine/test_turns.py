"""The turn runner and its tools, over a real store: which tool a plan goes to, the price held
once, undo/redo/use-music executed, failures refunded, the profile's hooks applied."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from nemo_widgets.engine.agent import MusicRequest, ToolAction, TurnPlan
from nemo_widgets.engine.agent.model import HistoryRequest
from nemo_widgets.engine.emulation.options import EmulationOptions
from nemo_widgets.engine.emulation.quirks import CloudTurns
from nemo_widgets.engine.errors import NoCredits
from nemo_widgets.engine.library import MediaLibrary
from nemo_widgets.engine.settings import EngineSettings, Prices
from nemo_widgets.engine.store import Store
from nemo_widgets.engine.tools import (
    EditTool,
    HistoryTool,
    MusicTool,
    ToolContext,
    ToolFailed,
    choose,
)
from nemo_widgets.engine.tools.music import choose_seed, compose_options
from nemo_widgets.engine.turns import TurnRequest, TurnRunner
from nemo_widgets.timeline import Timeline

VIDEO = "a" * 64
PLACED = {"t": [{"tt": 0, "sg": [{"kind": "video", "source": VIDEO, "start_ms": 0,
                                  "duration_ms": 4000, "label": "a.mp4"}]}],
          "d": 4000, "m": {"width": 1920, "height": 1080}}


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "engine.sqlite3")
    yield opened
    opened.close()


def session_of(store: Store, credits: int = 100) -> Any:
    user = store.issue_token("c", ttl_s=3600, credits=credits, per_client=None,
                             window_s=3600).record.user_id
    session = store.create_session(user, "p", "en", PLACED)
    return session


def runner(tmp_path, store: Store, **settings: Any) -> TurnRunner:
    engine_settings = EngineSettings.from_env(env={}, home=tmp_path, **settings)
    hooks = CloudTurns(engine_settings.emulation, engine_settings.profile)
    return TurnRunner(engine_settings, store, MediaLibrary(store),
                      hooks if engine_settings.credits_block else None)


def turn(run: TurnRunner, store: Store, session: Any, text: str) -> list[dict[str, Any]]:
    current = store.session(session.session_id, session.user_id)
    return asyncio.run(run.turn(TurnRequest(current, text, False), "e-test"))


def plan(**fields: Any) -> TurnPlan:
    base: dict[str, Any] = {"actions": [], "draft": None, "reply": "ok", "charge": None,
                            "needs_music": None}
    return TurnPlan(**{**base, **fields})


def test_each_plan_goes_to_one_tool():
    music = MusicRequest(prompt="calm music", variation=None, bpm=None)
    placing = ToolAction("add_media_to_timeline", {}, {"status": "ok"})
    tool, args = choose(plan(needs_music=music, actions=[placing], charge="music"), PLACED)
    assert isinstance(tool, MusicTool) and args["actions"] == [placing]
    assert args["draft"] == PLACED, "the session's draft when the agent changed nothing"
    undo = plan(actions=[ToolAction("undo", {}, {})], history=HistoryRequest("undo"))
    tool, args = choose(undo, PLACED)
    assert isinstance(tool, HistoryTool) and args == {"kind": "undo"}
    use = plan(history=HistoryRequest("use_music", {"version": 2}))
    assert choose(use, PLACED)[1] == {"kind": "use_music", "version": 2}
    tool, _ = choose(plan(actions=[placing], draft=PLACED, charge="edit"), PLACED)
    assert isinstance(tool, EditTool)


def test_an_edit_turn_is_charged_once_and_saved(tmp_path, store):
    run = runner(tmp_path, store, profile="cloud", prices=Prices(edit=7))
    session = session_of(store)
    events = turn(run, store, session, 'add a title "Hello"')
    assert any("functionCall" in e["content"]["parts"][0] for e in events)
    assert store.balance(session.user_id) == (93, 0)
    assert [e.action for e in store.ledger(session.user_id)][-2:] == [
        "reserve:edit", "charge:edit"]
    texts = store.session(session.session_id, session.user_id).timeline.tracks
    assert any(s.text == "Hello" for t in texts for s in t.segments)


def test_out_of_credits_on_the_cloud_leaves_the_draft(tmp_path, store):
    run = runner(tmp_path, store, profile="cloud")
    session = session_of(store, credits=3)
    with pytest.raises(NoCredits):
        turn(run, store, session, 'add a title "Hello"')
    assert store.session(session.session_id, session.user_id).draft == PLACED


def test_the_local_profile_records_credits_but_never_blocks(tmp_path, store):
    run = runner(tmp_path, store, profile="local")
    session = session_of(store, credits=3)
    turn(run, store, session, 'add a title "Hello"')
    assert store.session(session.session_id, session.user_id).draft != PLACED
    assert "charge:edit" in [e.action for e in store.ledger(session.user_id)]


def test_undo_and_redo_through_the_history_tool(tmp_path, store):
    run = runner(tmp_path, store, profile="local")
    session = session_of(store)
    turn(run, store, session, 'add a title "One"')
    after_one = store.session(session.session_id, session.user_id).draft
    turn(run, store, session, "mute the original audio")
    current = store.session(session.session_id, session.user_id)
    context = ToolContext(run._settings, store, MediaLibrary(store), current, "en")
    outcome = HistoryTool().run(context, {"kind": "undo"})
    assert outcome.reply == "Undid the last change."
    assert outcome.calls[0].result == {"status": "ok", "can_undo": 1, "can_redo": 1}
    assert store.session(session.session_id, session.user_id).draft == after_one
    HistoryTool().run(context, {"kind": "undo"})
    assert store.session(session.session_id, session.user_id).draft == PLACED
    assert HistoryTool().run(context, {"kind": "undo"}).reply == "There is nothing to undo yet."
    chinese = ToolContext(run._settings, store, MediaLibrary(store), current, "zh")
    assert HistoryTool().run(chinese, {"kind": "redo"}).reply == "已重做刚才撤销的操作。"
    assert store.session(session.session_id, session.user_id).draft == after_one


def test_use_music_places_an_earlier_version(tmp_path, store):
    session = session_of(store)
    for n, digest in enumerate(("1" * 64, "2" * 64), 1):
        store.add_generated_media(session.session_id, {"kind": "music", "hash": digest,
                                                       "label": f"Take {n}"})
    current = store.session(session.session_id, session.user_id)
    context = ToolContext(EngineSettings.from_env(env={}, home=tmp_path), store,
                          MediaLibrary(store), current, "en")
    outcome = HistoryTool().run(context, {"kind": "use_music", "version": 2})
    assert outcome.timeline is not None
    assert outcome.reply == "Switched the background music to version 2."
    bgm = [s for t in outcome.timeline.tracks if t.role == "bgm" for s in t.segments]
    assert [s.source for s in bgm] == ["2" * 64]
    assert bgm[0].duration_ms == 4000
    with pytest.raises(ToolFailed, match="no music version 3: this session has 2"):
        HistoryTool().run(context, {"kind": "use_music", "version": 3})


def test_a_failed_tool_is_shown_refunded_and_changes_nothing(tmp_path, store):
    run = runner(tmp_path, store, profile="cloud")
    user = store.issue_token("c", ttl_s=3600, credits=100, per_client=None,
                             window_s=3600).record.user_id
    empty = store.create_session(user, "p", "en", {"t": [], "d": 0, "m": {}})
    events = turn(run, store, empty, "generate calm background music")
    names = [p["functionResponse"]["response"]["status"] for e in events
             for p in e["content"]["parts"] if "functionResponse" in p]
    assert names[-1] == "error"
    assert "timeline first" in events[-1]["content"]["parts"][0]["text"]
    assert store.balance(user) == (100, 0)


def test_music_options_and_seed_follow_the_request():
    request = MusicRequest(prompt="lofi", variation=None, bpm=90, seed=7, style="lofi")
    assert choose_seed(Timeline.from_draft(PLACED), request, None, 0) == 7
    assert compose_options(request, []) == {"style": "lofi", "sections": None,
                                            "duration_s": None}
    calm = [{"start_s": 0, "end_s": 10, "shape": "calm"}]
    sectioned = MusicRequest(prompt="x", sections=calm, duration_s=15.0)
    assert compose_options(sectioned, []) == {"style": None, "sections": calm,
                                              "duration_s": 15.0}


def test_quiet_under_the_talking_part_becomes_a_quiet_section_per_speech_interval():
    under = [{"start_s": 0, "end_s": None, "shape": "quiet", "under": "speech"}]
    request = MusicRequest(prompt="quiet under the talking part", sections=under)
    options = compose_options(request, [(2.0, 4.5), (7.0, 9.5)])
    assert options["sections"] == [{"start_s": 2.0, "end_s": 4.5, "shape": "quiet"},
                                   {"start_s": 7.0, "end_s": 9.5, "shape": "quiet"}]
    assert compose_options(request, [])["sections"] is None, "no speech heard: nothing to do"


def test_the_cloud_hooks_make_some_edits_silent(tmp_path, store):
    run = runner(tmp_path, store, profile="cloud", emulation=EmulationOptions())
    session = session_of(store)
    replies = []
    for text in ("mute the original audio", 'add a title "A"', "set the original audio to 50%"):
        events = turn(run, store, session, text)
        replies.append([p["text"] for e in events for p in e["content"]["parts"] if "text" in p])
    assert replies[2] == [], "the third turn's single edit ends without text"


def test_the_agents_undo_and_redo_run_through_the_runner(tmp_path, store):
    run = runner(tmp_path, store, profile="local")
    session = session_of(store)
    turn(run, store, session, 'add a title "One"')
    with_title = store.session(session.session_id, session.user_id).draft
    events = turn(run, store, session, "undo")
    said = [p["text"] for e in events for p in e["content"]["parts"] if "text" in p]
    assert said == ["Undid the last change."]
    assert store.session(session.session_id, session.user_id).draft == PLACED
    turn(run, store, session, "重做")
    assert store.session(session.session_id, session.user_id).draft == with_title
    assert store.balance(session.user_id) == (95, 0), "undo and redo are free"

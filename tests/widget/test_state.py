"""The view's reducer, alone: actions in, state and small messages out. No widget, no kernel,
no engine — each rule of what the user sees is checked in microseconds."""

from __future__ import annotations

from nemo_widgets.client.events import Heartbeat, Notice, PartialText, ProgressEvent, TextEvent
from nemo_widgets.widget.state import (
    FIRST_CHIPS,
    MAX_MESSAGES,
    MUSIC_CHIPS,
    STILL_WORKING,
    SYNCED,
    Action,
    Connected,
    ErrorDismissed,
    JobEnded,
    JobProgress,
    JobStarted,
    Said,
    SessionRead,
    Step,
    TurnEvent,
    TurnFinished,
    TurnStarted,
    UploadSettled,
    View,
    patch,
    reduce,
)

OFFLINE = {"message": "The backend could not be reached.", "fix": "Start it.", "link": "",
           "offline": True}
NO_CREDITS = {"message": "Not enough credits.", "fix": "Wait.", "link": "", "offline": False}


def run(*actions: Action, view: View | None = None) -> Step:
    step = Step(view or View())
    posts: list[dict[str, object]] = []
    for action in actions:
        step = reduce(step.view, action)
        posts += step.posts
    return Step(step.view, tuple(posts))


def online() -> View:
    return run(JobStarted("connect-1", "connect", "Connecting"),
               Connected("local engine · port 1", "s1"), JobEnded("connect-1")).view


def test_status_is_derived_from_the_connection_and_the_running_jobs():
    assert View().status == "connecting"
    view = online()
    assert (view.status, view.session, view.backend) == ("ready", "s1", "local engine · port 1")
    busy = reduce(view, JobStarted("turn-2", "turn", "hi")).view
    assert busy.status == "busy"
    assert reduce(busy, JobEnded("turn-2")).view.status == "ready"


def test_never_ready_after_the_backend_went_away():
    view = run(JobStarted("turn-2", "turn", "hi"), JobEnded("turn-2", OFFLINE),
               view=online()).view
    assert view.status == "error" and view.error["offline"]
    again = run(JobStarted("turn-3", "turn", "hi"), view=view).view
    assert again.status == "error", "work running does not hide that the backend is away"
    back = run(JobEnded("turn-3"), view=again).view
    assert back.status == "ready", "the next call that succeeds clears it"


def test_a_failed_connection_is_an_error_and_other_failures_are_not():
    failed = run(JobStarted("connect-1", "connect", "Connecting"),
                 JobEnded("connect-1", NO_CREDITS)).view
    assert failed.status == "error"
    view = run(JobStarted("turn-2", "turn", "hi"), JobEnded("turn-2", NO_CREDITS),
               view=online()).view
    assert view.status == "ready" and view.error == NO_CREDITS
    assert run(ErrorDismissed(), view=view).view.error == {}


def test_streamed_text_goes_out_as_deltas_and_lands_whole_once():
    step = run(JobStarted("turn-2", "turn", "hi"), TurnStarted("turn-2", "hi"),
               TurnEvent("turn-2", PartialText("Hel")), TurnEvent("turn-2", PartialText("lo")),
               view=online())
    assert step.posts == ({"kind": "reply-delta", "id": "turn-2", "text": "Hel"},
                          {"kind": "reply-delta", "id": "turn-2", "text": "lo"})
    user, agent = step.view.messages
    assert (user["role"], user["text"]) == ("user", "hi")
    assert (agent["id"], agent["text"], agent["streaming"]) == ("turn-2", "", True)
    assert not patch(run(TurnStarted("turn-2", "hi"), view=online()).view, step.view).get(
        "messages"), "deltas never re-send the message list"
    done = run(TurnEvent("turn-2", TextEvent("Hello")), TurnFinished("turn-2", "Hello."),
               JobEnded("turn-2"), view=step.view).view
    assert done.messages[-1]["text"] == "Hello." and not done.messages[-1]["streaming"]


def test_two_turns_each_reply_under_their_own_prompt():
    view = run(JobStarted("turn-2", "turn", "a"), TurnStarted("turn-2", "a"),
               JobStarted("turn-3", "turn", "b"), TurnStarted("turn-3", "b"),
               TurnFinished("turn-2", "A"), TurnFinished("turn-3", "B"), view=online()).view
    assert [(m["role"], m["text"]) for m in view.messages] == [
        ("user", "a"), ("agent", "A"), ("user", "b"), ("agent", "B")]


def test_a_prompt_during_an_export_is_shown_queued_and_the_progress_stays():
    view = run(JobStarted("export-2", "export", "Export"), TurnStarted("export-2", "Export"),
               JobProgress("export-2", "render", 0.4),
               JobStarted("turn-3", "turn", "calmer"), TurnStarted("turn-3", "calmer"),
               view=online()).view
    export, turn = view.jobs
    assert (export["stage"], export["fraction"], export["queued"]) == ("render", 0.4, False)
    assert turn["queued"] and view.messages[-2]["queued"]
    later = run(TurnEvent("export-2", ProgressEvent("render", 0.9)), view=view).view
    assert later.jobs[0]["fraction"] == 0.9 and later.jobs[1]["queued"]
    after = run(TurnFinished("export-2", "Exported."), JobEnded("export-2"), view=later).view
    [turn] = after.jobs
    assert not turn["queued"], "the next one moves up when the export is done"
    started = run(TurnEvent("turn-3", Heartbeat("comment")), view=after).view
    assert started.jobs[0]["note"] == STILL_WORKING and not started.messages[-2]["queued"]


def test_notices_the_handler_delivers_are_not_shown_twice():
    view = run(JobStarted("turn-2", "turn", "hi"), TurnStarted("turn-2", "hi"),
               Said("notice", "A new session s2 was started."),
               TurnEvent("turn-2", Notice("session", "A new session s2 was started.")),
               TurnEvent("turn-2", Notice("export", "Exporting the timeline…")),
               view=online()).view
    notices = [m["text"] for m in view.messages if m["role"] == "notice"]
    assert notices == ["A new session s2 was started."]
    assert view.jobs[0]["note"] == "Exporting the timeline…", "said on the job's own line"


def test_chips_follow_the_state():
    empty = {"duration_ms": 3000, "tracks": [
        {"kind": "video", "role": "", "segments": [{"start_ms": 0}]}]}
    music = {"duration_ms": 3000, "tracks": [*empty["tracks"],
             {"kind": "audio", "role": "bgm", "segments": [{"start_ms": 0}]}]}
    assert run(SessionRead(empty), view=online()).view.suggestions == FIRST_CHIPS
    assert run(SessionRead(music), view=online()).view.suggestions == MUSIC_CHIPS
    assert "undo" in MUSIC_CHIPS and not any("export" in c for c in FIRST_CHIPS + MUSIC_CHIPS)


def test_each_upload_gets_its_own_verdict():
    refused = {"message": "notes.mp4: not a video.", "fix": "Upload a video.", "link": "",
               "offline": False}
    step = run(UploadSettled("u1", "notes.mp4", error=refused),
               UploadSettled("u2", "beach.mp4", media={"key": "thumb-1", "name": "beach.mp4"}),
               view=online())
    assert step.posts == (
        {"kind": "upload-result", "id": "u1", "name": "notes.mp4", "ok": False,
         "message": "notes.mp4: not a video.", "fix": "Upload a video."},
        {"kind": "upload-result", "id": "u2", "name": "beach.mp4", "ok": True})
    assert [m["name"] for m in step.view.media] == ["beach.mp4"]
    assert step.view.error == {}, "a refused file is shown on its row, not as the error"


def test_patch_holds_only_synced_fields_that_changed():
    view = online()
    changes = patch(View(), view)
    assert set(changes) <= set(SYNCED) and not any(k.startswith("_") for k in changes)
    assert changes["status"] == "ready" and "credits" not in changes
    assert patch(view, view) == {}
    assert isinstance(patch(View(), run(Said("notice", "x"), view=view).view)["messages"], list)


def test_the_log_keeps_the_last_messages_only():
    view = online()
    for number in range(MAX_MESSAGES + 5):
        view = reduce(view, Said("notice", str(number))).view
    assert len(view.messages) == MAX_MESSAGES
    assert view.messages[-1]["text"] == str(MAX_MESSAGES + 4)
    assert len({m["id"] for m in view.messages}) == MAX_MESSAGES


def test_the_agents_reasons_ride_on_its_reply_and_nothing_else():
    why = ("The clip is dark and slow.", "  ", "92 BPM puts 80% of the cuts on a beat.")
    view = run(JobStarted("turn-2", "turn", "a"), TurnStarted("turn-2", "a"),
               TurnFinished("turn-2", "Calm music.", why), JobStarted("turn-3", "turn", "b"),
               TurnStarted("turn-3", "b"), TurnFinished("turn-3", "Done."), view=online()).view
    replies = [m for m in view.messages if m["role"] == "agent"]
    assert replies[0]["why"] == ["The clip is dark and slow.",
                                 "92 BPM puts 80% of the cuts on a beat."]
    assert "why" not in replies[1] and all("why" not in m for m in view.messages
                                           if m["role"] == "user")

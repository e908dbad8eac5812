"""The view's state as a pure reducer: actions (events and results) in, a new state out.

Everything the browser draws is a function of ``View``: the widget keeps one ``View``, feeds
every action to ``reduce`` on the thread that owns its traits, and copies the fields that
changed (``patch``) into its synced traits. ``reduce`` never touches I/O, threads or the widget,
so every rule of the view — what ``status`` says, which chips are offered, where a streamed
piece of reply goes, when a prompt is shown as queued — is a plain function tested in
microseconds (``tests/widget/test_state.py``).

``status`` is never set by hand: it is derived from the connection and the set of running jobs
(``derive_status``), so it cannot say "Ready" while work runs or after the backend went away.
Streamed text is not put in a trait: a ``PartialText`` becomes a small ``reply-delta`` message
(``Step.posts``), which the browser appends to the reply's row; the whole reply lands in
``messages`` once, when the turn ends.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from typing import Any

from nemo_widgets.client.events import (
    ErrorEvent,
    Event,
    Heartbeat,
    Notice,
    PartialText,
    ProgressEvent,
    TextEvent,
    ToolCall,
)

MAX_MESSAGES = 40
MAX_TEXT = 4000
MAX_REASONS = 8
STILL_WORKING = "Still working…"

FIRST_CHIPS = ("generate a background music track that matches the mood of my video",
               "show tracks", "credits")
"""Before any music: ask for it (the Export button is the one export control)."""
MUSIC_CHIPS = ("another version", "calmer", "more upbeat", "undo")
"""Once music is on the timeline: variations of it, and a way back."""

HANDLED_BY_NOTICE_HANDLER = frozenset({"session", "dropped"})
"""Notice kinds the conversation announces through its notice handler (``_notify``) as well
as in the turn's events: the handler is their one way into the view, so a turn's copy is not
shown again."""

JOB_NOTES = frozenset({"export", "upload"})
"""Notices that say what a running job is doing ("Exporting the timeline…"): shown on the
job's line, not as a log entry that would land after the job's own reply."""

Json = dict[str, Any]


# --- actions -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Connected:
    """The backend answered the first calls: where it is, and the session the view shows."""

    backend: str
    session: str


@dataclass(frozen=True)
class JobStarted:
    """Work began: a ``connect``, ``turn``, ``export`` or ``upload`` (``label`` for the view)."""

    job: str
    kind: str
    label: str


@dataclass(frozen=True)
class JobProgress:
    """A measured step of a job: ``stage`` (upload, render, download) and 0..1."""

    job: str
    stage: str
    fraction: float


@dataclass(frozen=True)
class JobEnded:
    """A job is over; ``error`` (an ``error_view``) when it failed."""

    job: str
    error: Json | None = None
    backend: str = ""
    """The backend's words now (an engine that restarted is on a new port)."""


@dataclass(frozen=True)
class TurnStarted:
    """A message was sent: its prompt and an empty reply row, both with the turn's id."""

    job: str
    text: str


@dataclass(frozen=True)
class TurnEvent:
    """One streamed event of a turn."""

    job: str
    event: Event


@dataclass(frozen=True)
class TurnFinished:
    """The turn's final text (it replaces what was streamed) and the agent's reasons for it
    (``TurnResult.reasons``), which the browser folds under the reply as "Why?"."""

    job: str
    text: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionRead:
    """What the session holds now: lanes, uploads, music versions, canvas (see ``media``)."""

    timeline: Json
    media: list[Json] | None = None
    versions: list[Json] | None = None
    music: Json | None = None
    canvas: Json | None = None


@dataclass(frozen=True)
class CreditsRead:
    available: int


@dataclass(frozen=True)
class Exported:
    """A finished export: the file's facts and the timeline it was rendered from."""

    info: Json


@dataclass(frozen=True)
class Said:
    """A line in the log that is not a turn (notices, upload results)."""

    role: str
    text: str


@dataclass(frozen=True)
class ErrorShown:
    error: Json


@dataclass(frozen=True)
class ErrorDismissed:
    pass


@dataclass(frozen=True)
class UploadSettled:
    """One browser upload reached the backend (``error`` None) or was refused."""

    upload: str
    name: str
    error: Json | None = None
    media: Json | None = None


Action = (Connected | JobStarted | JobProgress | JobEnded | TurnStarted | TurnEvent
          | TurnFinished | SessionRead | CreditsRead | Exported | Said | ErrorShown
          | ErrorDismissed | UploadSettled)


# --- state ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class View:
    """Everything the browser draws. Fields without a leading underscore are synced traits of
    the same name (see ``NemoWidget`` for what each one means)."""

    status: str = "connecting"
    backend: str = ""
    session: str = ""
    credits: int = -1
    media: tuple[Json, ...] = ()
    messages: tuple[Json, ...] = ()
    jobs: tuple[Json, ...] = ()
    error: Json = field(default_factory=dict)
    timeline: Json = field(default_factory=dict)
    music: Json = field(default_factory=dict)
    versions: tuple[Json, ...] = ()
    canvas: Json = field(default_factory=dict)
    exported: Json = field(default_factory=dict)
    suggestions: tuple[str, ...] = FIRST_CHIPS
    _connection: str = "connecting"
    """``connecting`` until the backend first answers, then ``online`` or ``offline``."""
    _next_id: int = 1


SYNCED = tuple(f.name for f in dataclasses.fields(View) if not f.name.startswith("_"))


@dataclass(frozen=True)
class Step:
    """The result of one action: the new state and custom messages for the browser."""

    view: View
    posts: tuple[Json, ...] = ()


def derive_status(connection: str, jobs: tuple[Json, ...]) -> str:
    """``connecting`` → ``ready`` / ``busy`` (any job running) → ``error`` (backend away)."""
    if connection == "offline":
        return "error"
    if connection == "connecting":
        return "connecting"
    return "busy" if jobs else "ready"


def chips_for(timeline: Json) -> tuple[str, ...]:
    """The suggestions follow the state: music variations once a BGM lane has a segment."""
    has_music = any(t.get("role") == "bgm" or t.get("kind") == "audio"
                    for t in timeline.get("tracks", []) if t.get("segments"))
    return MUSIC_CHIPS if has_music else FIRST_CHIPS


def patch(old: View, new: View) -> dict[str, Any]:
    """The synced fields that changed, as trait values (lists, not tuples)."""
    out: dict[str, Any] = {}
    for name in SYNCED:
        value = getattr(new, name)
        if value != getattr(old, name):
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


def reduce(view: View, action: Action) -> Step:
    """The new state after ``action`` (pure: ``view`` is not changed)."""
    step = _reduce(view, action)
    status = derive_status(step.view._connection, step.view.jobs)
    if status != step.view.status:
        step = Step(replace(step.view, status=status), step.posts)
    return step


def _reduce(view: View, action: Action) -> Step:
    if isinstance(action, Connected):
        return Step(replace(view, backend=action.backend, session=action.session,
                            _connection="online"))
    if isinstance(action, JobStarted):
        job = {"id": action.job, "kind": action.kind, "label": action.label, "stage": "",
               "fraction": None, "note": "", "queued": _queued(view, action.kind)}
        return Step(replace(view, jobs=(*view.jobs, job)))
    if isinstance(action, JobProgress):
        fraction = round(max(0.0, min(1.0, action.fraction)), 3)
        return Step(_job(view, action.job, stage=action.stage, fraction=fraction,
                         queued=False, note=""))
    if isinstance(action, JobEnded):
        return _job_ended(view, action)
    if isinstance(action, TurnStarted):
        return _turn_started(view, action)
    if isinstance(action, TurnEvent):
        return _turn_event(view, action)
    if isinstance(action, TurnFinished):
        text = action.text[:MAX_TEXT] or "(no reply)"
        why = [r[:MAX_TEXT] for r in action.reasons[:MAX_REASONS] if r.strip()]
        return Step(_message(view, action.job, text=text, streaming=False,
                             **({"why": why} if why else {})))
    if isinstance(action, SessionRead):
        return Step(_session_read(view, action))
    if isinstance(action, CreditsRead):
        return Step(replace(view, credits=action.available))
    if isinstance(action, Exported):
        return Step(replace(view, exported=dict(action.info)))
    if isinstance(action, Said):
        return Step(_say(view, action.role, action.text))
    if isinstance(action, ErrorShown):
        return Step(replace(view, error=dict(action.error)))
    if isinstance(action, ErrorDismissed):
        return Step(replace(view, error={}))
    if isinstance(action, UploadSettled):
        return _upload_settled(view, action)
    raise TypeError(f"not a view action: {action!r}")


def _queued(view: View, kind: str) -> bool:
    """A turn (or export) started while an export or another turn runs waits for it: the
    conversation's turn lock runs them one after another, and the view says so."""
    return kind in ("turn", "export") and any(j["kind"] in ("turn", "export")
                                             for j in view.jobs)


def _job(view: View, job_id: str, **changes: Any) -> View:
    jobs = tuple({**j, **changes} if j["id"] == job_id else j for j in view.jobs)
    return replace(view, jobs=jobs)


def _job_ended(view: View, action: JobEnded) -> Step:
    ended = next((j for j in view.jobs if j["id"] == action.job), None)
    jobs = tuple(j for j in view.jobs if j["id"] != action.job)
    error = view.error
    if action.error is None:
        connection = "online"  # the backend answered
    else:
        error = dict(action.error)
        offline = bool(action.error.get("offline")) or (ended is not None
                                                         and ended["kind"] == "connect")
        connection = "offline" if offline else "online"
    # The first job still waiting moves up when the one ahead of it is done.
    if jobs and not any(j["kind"] in ("turn", "export") and not j["queued"] for j in jobs):
        first = next((j for j in jobs if j["queued"]), None)
        if first is not None:
            jobs = tuple({**j, "queued": False} if j is first else j for j in jobs)
    view = replace(view, jobs=jobs, _connection=connection, error=error,
                   backend=action.backend or view.backend)
    if ended is not None and ended["kind"] in ("turn", "export"):
        view = _message(view, f"{action.job}-user", queued=False)
        view = _message(view, action.job, streaming=False)
    return Step(view)


def _turn_started(view: View, action: TurnStarted) -> Step:
    text = action.text[:MAX_TEXT]
    queued = any(j["id"] == action.job and j["queued"] for j in view.jobs)
    messages = (*view.messages,
                {"id": f"{action.job}-user", "role": "user", "text": text, "queued": queued},
                {"id": action.job, "role": "agent", "text": "", "streaming": True})
    return Step(replace(view, messages=messages[-MAX_MESSAGES:], error={}))


def _turn_event(view: View, action: TurnEvent) -> Step:
    event, job = action.event, action.job
    view = _message(view, f"{job}-user", queued=False)
    view = _job(view, job, queued=False)
    if isinstance(event, PartialText):
        view = _job(view, job, note="")
        return Step(view, ({"kind": "reply-delta", "id": job, "text": event.text},))
    if isinstance(event, TextEvent):
        return Step(_message(_job(view, job, note=""), job, text=event.text[:MAX_TEXT]))
    if isinstance(event, Heartbeat | ToolCall):
        return Step(_job(view, job, note=STILL_WORKING))
    if isinstance(event, Notice):
        if event.kind == "progress":
            return Step(_job(view, job, note=STILL_WORKING))
        if event.kind in JOB_NOTES:
            return Step(_job(view, job, note=event.text))
        if event.kind in HANDLED_BY_NOTICE_HANDLER:
            return Step(view)
        return Step(_say(view, "notice", event.text))
    if isinstance(event, ProgressEvent):
        fraction = round(max(0.0, min(1.0, event.fraction)), 3)
        return Step(_job(view, job, stage=event.stage, fraction=fraction, note=""))
    if isinstance(event, ErrorEvent):
        return Step(_job(view, job, note=""))
    return Step(view)


def _message(view: View, message_id: str, **changes: Any) -> View:
    """``view`` with one message changed; the same ``view`` when nothing differs (so no
    trait update is sent for it)."""
    found = next((m for m in view.messages if m.get("id") == message_id), None)
    if found is None or all(found.get(k) == v for k, v in changes.items()):
        return view
    messages = tuple({**m, **changes} if m is found else m for m in view.messages)
    return replace(view, messages=messages)


def _say(view: View, role: str, text: str) -> View:
    message = {"id": f"m{view._next_id}", "role": role, "text": text[:MAX_TEXT]}
    return replace(view, messages=(*view.messages, message)[-MAX_MESSAGES:],
                   _next_id=view._next_id + 1)


def _session_read(view: View, action: SessionRead) -> View:
    changes: dict[str, Any] = {"timeline": dict(action.timeline),
                               "suggestions": chips_for(action.timeline)}
    if action.media is not None:
        changes["media"] = tuple(action.media)
    if action.versions is not None:
        changes["versions"] = tuple(action.versions)
    if action.music is not None:
        changes["music"] = dict(action.music)
    if action.canvas is not None:
        changes["canvas"] = dict(action.canvas)
    return replace(view, **changes)


def _upload_settled(view: View, action: UploadSettled) -> Step:
    post: Json = {"kind": "upload-result", "id": action.upload, "name": action.name,
                  "ok": action.error is None}
    if action.error is not None:
        post.update(message=action.error.get("message", ""), fix=action.error.get("fix", ""))
        return Step(view, (post,))
    media = view.media
    if action.media is not None and not any(m.get("key") == action.media.get("key")
                                            for m in media):
        media = (*media, dict(action.media))
    return Step(replace(view, media=media), (post,))


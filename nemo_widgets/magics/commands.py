"""The ``%nemo`` line commands: one handler per argument type, registered in ``HANDLERS``.

A handler takes the magic (as ``sessions.Host``) and its typed arguments, and returns what the
cell shows: a ``NemoResult``, a DataFrame, a figure, or None after printing a line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from nemo_widgets import views
from nemo_widgets.client import Conversation, TurnResult
from nemo_widgets.client.config import backend_choice
from nemo_widgets.magics.cell import bytes_sink, read_state, sink
from nemo_widgets.magics.parsers import (
    LINE_COMMANDS,
    ConnectArgs,
    CreditsArgs,
    ExportArgs,
    HelpArgs,
    HistoryArgs,
    LastArgs,
    LineArgs,
    MagicUsageError,
    MusicSaveArgs,
    PlotArgs,
    RedoArgs,
    SessionsArgs,
    StatusArgs,
    TracksArgs,
    UndoArgs,
    UploadArgs,
    UseArgs,
    VersionsArgs,
    WidgetArgs,
    help_text,
)
from nemo_widgets.magics.result import NemoResult
from nemo_widgets.magics.sessions import Host

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

Handler = Callable[[Host, Any], Any]
HANDLERS: dict[type[LineArgs], Handler] = {}
"""Argument type → the function that carries the command out."""

H = TypeVar("H", bound=Handler)


def handles(kind: type[LineArgs]) -> Callable[[H], H]:
    def register(handler: H) -> H:
        HANDLERS[kind] = handler
        return handler
    return register


@handles(HelpArgs)
def show_help(_host: Host, args: HelpArgs) -> None:
    print(help_text(args.topic))


@handles(ConnectArgs)
def connect(host: Host, args: ConnectArgs) -> None:
    choice = backend_choice(args.target or args.backend)
    client = host.client(choice)
    balance = client.credits()
    host.use_backend(choice)
    user = client.user_id or "an anonymous user"
    print(f"Connected to {where(client.base_url, local=client.backend.local)} as {user}: "
          f"{balance}.")


def backend_words(choice: str) -> str:
    """A backend choice as shown in a table: local, cloud, a URL — or, for an address on this
    machine, "this machine (port N)" (see ``where``)."""
    if not choice.lower().startswith(("http://", "https://")):
        return choice
    return where(choice, local=False).removeprefix("an engine on ").removeprefix("the backend at ")


def where(url: str, *, local: bool) -> str:
    """The backend in words. An address on this machine is said without its URL, which means
    nothing in a remote JupyterLab and must not end up in a saved notebook."""
    parts = urlsplit(url)
    if parts.hostname in ("127.0.0.1", "localhost", "::1"):
        kind = "the embedded engine" if local else "an engine"
        return f"{kind} on this machine (port {parts.port})"
    return f"the backend at {url}"


@handles(UploadArgs)
def upload(host: Host, args: UploadArgs) -> None:
    conv = host.named(args).conversation
    live = host.live("upload", tools=False)
    with live if live is not None else contextlib.nullcontext():
        uploaded = conv.upload(*args.paths, on_progress=bytes_sink(live, "upload"))
        if live is not None:
            live.finish(None, f"uploaded {len(uploaded)} file(s)")
    for item in uploaded:
        print(f"Uploaded {item}")


@handles(StatusArgs)
def status(host: Host, args: StatusArgs) -> NemoResult:
    named = host.named(args)
    result = named.conversation.ask("status")
    if result.error is not None:
        raise result.error
    return NemoResult(result, read_state(named.conversation), named.name)


@handles(TracksArgs)
def tracks(host: Host, args: TracksArgs) -> pd.DataFrame:
    return views.tracks_frame(host.named(args).conversation.state())


@handles(PlotArgs)
def plot(host: Host, args: PlotArgs) -> Figure:
    return views.timeline_figure(host.named(args).conversation.state())


@handles(CreditsArgs)
def credits(host: Host, args: CreditsArgs) -> pd.DataFrame:
    conv = host.named(args).conversation
    print(f"You have {conv.credits()}.")
    return views.credits_frame(conv)


@handles(HistoryArgs)
def history(host: Host, args: HistoryArgs) -> pd.DataFrame:
    import pandas as pd

    conv = host.named(args).conversation
    rows = [{"message": t.message, "route": t.route, "text": t.text,
             "tools": ", ".join(c.name for c in t.tool_calls),
             "error": str(t.error) if t.error else None,
             "export": str(t.export.path) if t.export else None,
             "elapsed_s": round(t.elapsed_s, 2)} for t in conv.history]
    return pd.DataFrame(rows, columns=["message", "route", "text", "tools", "error",
                                       "export", "elapsed_s"])


@handles(ExportArgs)
def export(host: Host, args: ExportArgs) -> NemoResult:
    """Render now, or (``--resume``) follow a render submitted earlier — by this kernel or by
    one that was restarted since: the client keeps the render ids in its configuration."""
    named = host.named(args)
    conv = named.conversation
    title = "export" if args.resume is None else "resume the render"
    live = host.live(f"[{named.name}] {title}", tools=False)
    with live if live is not None else contextlib.nullcontext():
        if args.resume is None:
            exported = conv.export(args.path, on_progress=sink(live))
        else:
            exported = conv.follow_render(args.resume or None, args.path,
                                          on_progress=sink(live))
        result = TurnResult(message="export", route="export", export=exported,
                            session_id=conv.session_id)
        if live is not None:
            live.finish(None, "render finished")
    return NemoResult(result, read_state(conv), named.name, exported)


def _history(host: Host, args: LineArgs, step: Callable[[Conversation], TurnResult]
             ) -> NemoResult:
    """undo / redo / use N: the client sends the phrase the agent knows (in the session's
    language); the result shows the timeline it left."""
    named = host.named(args)
    result = step(named.conversation)
    named.last = NemoResult(result, result.after or read_state(named.conversation), named.name)
    return named.last


@handles(UndoArgs)
def undo(host: Host, args: UndoArgs) -> NemoResult:
    return _history(host, args, lambda conv: conv.undo())


@handles(RedoArgs)
def redo(host: Host, args: RedoArgs) -> NemoResult:
    return _history(host, args, lambda conv: conv.redo())


@handles(UseArgs)
def use(host: Host, args: UseArgs) -> NemoResult:
    if args.version < 1:
        raise MagicUsageError("Versions are numbered from 1: %nemo versions lists them.")
    return _history(host, args, lambda conv: conv.use_music(args.version))


@handles(VersionsArgs)
def versions(host: Host, args: VersionsArgs) -> views.MusicVersions:
    conv = host.named(args).conversation
    return views.music_versions(conv)


@handles(MusicSaveArgs)
def music(host: Host, args: MusicSaveArgs) -> Any:
    """Save the music of the timeline (else the newest) and show a player for the mix."""
    conv = host.named(args).conversation
    folder = Path(args.folder) if args.folder else (host.export_folder() or Path.cwd()) / \
        "nemo-music"
    formats = ("wav", "mp3") if args.mp3 else ("wav",)
    saved = conv.save_music(folder, stems=args.stems, cue=args.cue, formats=formats)
    if not saved:
        raise MagicUsageError("This session has no music yet: ask for some first.")
    print(f"Saved {len(saved)} file(s) to {folder}: " + ", ".join(p.name for p in saved))
    mix = [p for p in saved if p.stem == saved[0].stem]  # the mix comes first, in each format
    return views.audio_player(min(mix, key=lambda p: p.stat().st_size))


@handles(WidgetArgs)
def widget(host: Host, args: WidgetArgs) -> Any:
    try:
        from nemo_widgets.widget import NemoWidget
    except ImportError as exc:
        raise MagicUsageError(
            f"The widget is not available here ({exc}). Use %%nemo cells instead, or "
            "install nemo-widgets with its default dependencies (anywidget).") from exc
    return NemoWidget(conversation=host.named(args).conversation)


@handles(LastArgs)
def last(host: Host, args: LastArgs) -> NemoResult:
    named = host.named(args)
    if named.last is None:
        raise MagicUsageError(f"The session {named.name!r} has no %%nemo result yet.")
    return named.last


@handles(SessionsArgs)
def sessions(host: Host, _args: SessionsArgs) -> pd.DataFrame:
    import pandas as pd

    rows = [{"name": s.name, "backend": backend_words(s.backend),
             "session_id": s.conversation.session_id,
             "turns": len(s.conversation.history),
             "last_message": (s.conversation.history[-1].message
                              if s.conversation.history else None),
             "current": current}
            for s, current in host.all_sessions()]
    return pd.DataFrame(rows, columns=["name", "backend", "session_id", "turns",
                                       "last_message", "current"])


missing = set(LINE_COMMANDS.values()) - set(HANDLERS)
if missing:  # pragma: no cover - a command declared in parsers.py without a handler
    raise RuntimeError(f"no handler for {sorted(c.name for c in missing)}")

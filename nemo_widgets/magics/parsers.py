"""The magics' grammar: one typed argument object per command, parsers and help made from them.

Each line command (``%nemo export --resume``) and the cell's option line (``%%nemo --upload
clip.mp4``) is a frozen dataclass whose fields carry their argparse flags and help. The parsers
are generated from those fields, so the object a handler receives, the parser that builds it
and the help a user reads cannot drift apart (jupyter-ai's magics do the same with click and
pydantic). argparse's habit of printing and calling ``sys.exit`` on a bad option becomes a
``MagicUsageError`` (shown as one sentence with the usage line), and ``--help`` a ``HelpText``.

``{name}`` fields are filled in from the notebook after the line is split into words, so a
path with spaces stays one argument.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, NoReturn, TypeVar

from nemo_widgets.prompt_options import MusicOptions


class MagicUsageError(Exception):
    """A bad option or command: the message says what was wrong and how to write it."""


class HelpText(Exception):
    """``--help`` was asked for: the text to print (not an error)."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise MagicUsageError(f"{message}.\nUsage: {self.format_usage().strip()[7:]}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise MagicUsageError(message or self.format_help())

    def print_help(self, file: Any = None) -> None:
        raise HelpText(self.format_help())


def option(*flags: str, help: str, default: Any = None, **kwargs: Any) -> Any:
    """A dataclass field that is also an argparse argument (positional when no flags)."""
    return field(default=default, metadata={"flags": flags, "help": help, "kwargs": kwargs})


def _add_fields(parser: argparse.ArgumentParser, cls: type[Any]) -> None:
    for item in dataclasses.fields(cls):
        meta = item.metadata
        if "flags" not in meta:
            continue
        kwargs = {"help": meta["help"], **meta["kwargs"]}
        default = item.default
        if meta["flags"]:
            parser.add_argument(*meta["flags"], dest=item.name, default=default, **kwargs)
        else:
            parser.add_argument(item.name, default=default, **kwargs)


# --- options shared by every command ----------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """Where a command applies: a named session on a backend."""

    session: str | None = option("--session", "-s", metavar="NAME",
                                 help="the named session (default: the current one)")
    backend: str | None = option("--backend", "-b", metavar="local|cloud|URL",
                                 help="the backend for this call (default: %%nemo connect's)")


@dataclass(frozen=True)
class MusicArgs:
    """The music options, written into the prompt as words (``prompt_options``)."""

    seed: int | None = option("--seed", type=int, metavar="N",
                              help='the same seed gives the same music ("seed 7")')
    tempo: int | None = option("--tempo", type=int, metavar="BPM",
                               help='beats per minute ("96 BPM")')
    style: str | None = option("--style", metavar="NAME",
                               help='a style, e.g. lofi, acoustic, cinematic ("style lofi")')
    duration: float | None = option("--duration", type=float, metavar="SECONDS",
                                    help='the music\'s length; the video is left alone '
                                         '("30 seconds long")')

    @property
    def music(self) -> MusicOptions:
        try:
            return MusicOptions(self.seed, self.tempo, self.style, self.duration)
        except ValueError as exc:
            raise MagicUsageError(str(exc)) from exc


@dataclass(frozen=True)
class CellArgs(MusicArgs, Target):
    """The cell is the prompt; {name} takes a variable's value."""

    upload: tuple[str, ...] = option("--upload", "-u", nargs="+", metavar="PATH", default=(),
                               help="upload these files (or URLs) before the prompt")
    export: str | None = option("--export", "-e", nargs="?", const="", metavar="PATH",
                                help="export the timeline after the prompt (to PATH), "
                                     "and show a player")
    """None: no export; "": to the default place; else the target path."""
    quiet: bool = option("--quiet", "-q", action="store_true", default=False,
                         help="no live output, only the result")


# --- line commands ------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineArgs(Target):
    """A ``%nemo`` command; each subclass is one command (``name``)."""

    name: ClassVar[str] = ""


LINE_COMMANDS: dict[str, type[LineArgs]] = {}
"""Command name → its argument class, in the order ``%nemo help`` lists them."""

A = TypeVar("A", bound=type[LineArgs])


def command(name: str) -> Callable[[A], A]:
    """Register a dataclass as the arguments of ``%nemo NAME``."""
    def register(cls: A) -> A:
        cls.name = name
        LINE_COMMANDS[name] = cls
        return cls
    return register


@command("connect")
@dataclass(frozen=True)
class ConnectArgs(LineArgs):
    """choose the default backend (default: NEMO_API_URL or the local engine)"""

    target: str | None = option(nargs="?", metavar="local|cloud|URL", help="the backend")


@command("upload")
@dataclass(frozen=True)
class UploadArgs(LineArgs):
    """upload files (or URLs) to the session"""

    paths: tuple[str, ...] = option(nargs="+", metavar="PATH", default=(),
                              help="files or http(s) URLs")


@command("status")
@dataclass(frozen=True)
class StatusArgs(LineArgs):
    """the timeline in one line, the uploads and the canvas"""


@command("tracks")
@dataclass(frozen=True)
class TracksArgs(LineArgs):
    """the tracks as a DataFrame"""


@command("plot")
@dataclass(frozen=True)
class PlotArgs(LineArgs):
    """the timeline as a picture"""


@command("credits")
@dataclass(frozen=True)
class CreditsArgs(LineArgs):
    """the balance, and the credit history as a DataFrame"""


@command("history")
@dataclass(frozen=True)
class HistoryArgs(LineArgs):
    """this session's messages and answers (DataFrame)"""


@command("export")
@dataclass(frozen=True)
class ExportArgs(LineArgs):
    """render the timeline to a 1080p MP4 and show a player"""

    path: str | None = option(nargs="?", metavar="PATH", help="the MP4 to write")
    resume: str | None = option("--resume", nargs="?", const="", metavar="RENDER_ID",
                                help="follow a render started earlier (default: the latest "
                                     "unfinished one) instead of starting one")


@command("undo")
@dataclass(frozen=True)
class UndoArgs(LineArgs):
    """take back the last change to the timeline"""


@command("redo")
@dataclass(frozen=True)
class RedoArgs(LineArgs):
    """put back a change taken back with undo"""


@command("use")
@dataclass(frozen=True)
class UseArgs(LineArgs):
    """put music version N under the video (see %nemo versions)"""

    version: int = option(type=int, metavar="N", default=0, help="the version number")


@command("versions")
@dataclass(frozen=True)
class VersionsArgs(LineArgs):
    """the music versions of the session, each with a player (DataFrame)"""


@command("music")
@dataclass(frozen=True)
class MusicSaveArgs(LineArgs):
    """save the music (WAV; with --stems and --cue, its parts and beat grid) to a folder"""

    folder: str | None = option(nargs="?", metavar="DIR",
                                help="where to save (default: export_dir or the working "
                                     "folder, in nemo-music/)")
    stems: bool = option("--stems", action="store_true", default=False,
                         help="also each instrument group as its own WAV")
    cue: bool = option("--cue", action="store_true", default=False,
                       help="also the cue file: beats, bars, sections, cut alignment (JSON)")
    mp3: bool = option("--mp3", action="store_true", default=False,
                       help="also an MP3 of the mix")


@command("widget")
@dataclass(frozen=True)
class WidgetArgs(LineArgs):
    """the chat widget on this session"""


@command("sessions")
@dataclass(frozen=True)
class SessionsArgs(LineArgs):
    """the named sessions (DataFrame)"""


@command("last")
@dataclass(frozen=True)
class LastArgs(LineArgs):
    """the session's latest %%nemo result (result = %nemo last)"""


@command("help")
@dataclass(frozen=True)
class HelpArgs(LineArgs):
    """this text, or one command's options"""

    topic: str | None = option(nargs="?", metavar="COMMAND", help="a command")


# --- parsers -------------------------------------------------------------------------------------
def _command_parser(cls: type[LineArgs]) -> _Parser:
    parser = _Parser(prog=f"%nemo {cls.name}", description=_doc(cls))
    _add_fields(parser, cls)
    return parser


def cell_parser() -> _Parser:
    """The ``%%nemo`` option line."""
    parser = _Parser(prog="%%nemo", description=_doc(CellArgs),
                     epilog="The result has .text, .timeline, .tracks (DataFrame), .export, "
                            ".plot(), .video().")
    _add_fields(parser, CellArgs)
    return parser


def _doc(cls: type[Any]) -> str:
    return (cls.__doc__ or "").strip().splitlines()[0]


def _build(cls: type[Any], namespace: argparse.Namespace) -> Any:
    return cls(**{k: tuple(v) if isinstance(v, list) else v
                  for k, v in vars(namespace).items()})


# --- entry points --------------------------------------------------------------------------------
def split(line: str, namespace: Mapping[str, Any] | None = None) -> list[str]:
    """The words of ``line`` (shell quoting), each with its ``{name}`` fields filled in."""
    try:
        words = shlex.split(line, posix=True)
    except ValueError as exc:
        raise MagicUsageError(f"Could not read the options ({exc}): check the quotes.") from exc
    return [interpolate(w, namespace) for w in words] if namespace is not None else words


def parse_cell_line(line: str, namespace: Mapping[str, Any] | None = None) -> CellArgs:
    """The options of ``%%nemo [--upload PATH…] [--export [PATH]] [--seed N] …``."""
    args: CellArgs = _build(CellArgs, cell_parser().parse_args(split(line, namespace)))
    args.music  # noqa: B018 - validated now, before anything is sent
    return args


def parse_line(line: str, namespace: Mapping[str, Any] | None = None) -> LineArgs:
    """``%nemo COMMAND [ARGS…] [--session NAME] [--backend B]`` as its typed arguments."""
    words = split(line, namespace)
    if not words:
        return HelpArgs()
    cls = LINE_COMMANDS.get(words[0].lower())
    if cls is None:
        raise MagicUsageError(
            f"Unknown command {words[0]!r}. Commands: {', '.join(LINE_COMMANDS)}. "
            "To send a prompt, use the cell form: %%nemo on the first line, the prompt below.")
    args: LineArgs = _build(cls, _command_parser(cls).parse_args(words[1:]))
    return args


def help_text(topic: str | None = None) -> str:
    """The usage, generated from the parsers: the cell's options, then every command (or
    one command's options)."""
    if topic:
        cls = LINE_COMMANDS.get(topic.lower())
        if cls is None:
            raise MagicUsageError(f"No command {topic!r}: %nemo help lists them.")
        return _command_parser(cls).format_help().rstrip()
    width = max(len(_usage(cls)) for cls in LINE_COMMANDS.values())
    lines = [cell_parser().format_help().rstrip(), "", "Line commands:"]
    lines += [f"  {_usage(cls):<{width}}  {_doc(cls)}" for cls in LINE_COMMANDS.values()]
    lines += ["Every command takes --session NAME and --backend B; %nemo help COMMAND (or "
              "%nemo COMMAND --help) shows its options.",
              "Settings: %config NemoMagics (backend, session, export_dir, language, "
              "auto_export, quiet, show_tools)."]
    return "\n".join(lines)


def _usage(cls: type[LineArgs]) -> str:
    """``%nemo export [PATH] [--resume [RENDER_ID]]`` without the options every command has."""
    usage = " ".join(_command_parser(cls).format_usage().split())[len("usage: "):]
    usage = re.sub(r"\[-h\] |\[--session NAME\] |\[--backend local\|cloud\|URL\] ?", "",
                   usage)
    return re.sub(r"\[(-\w) [^]]*\] ", "", usage).strip()


_FIELD = re.compile(r"\{\{(?P<escaped>[^{}]*)\}\}"
                    r"|\{(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?:!(?P<conv>[rsa]))?"
                    r"(?::(?P<spec>[^{}]*))?\}")


def interpolate(text: str, namespace: Mapping[str, Any]) -> str:
    """``{name}``, ``{obj.attr}``, ``{x!r}`` and ``{x:.1f}`` take their values from
    ``namespace``; names it does not hold, and braces that are not fields, stay as written;
    ``{{x}}`` gives a literal ``{x}``."""

    def value(match: re.Match[str]) -> str:
        if match.group("escaped") is not None:
            return "{" + match.group("escaped") + "}"
        head, *attrs = match.group("name").split(".")
        if head not in namespace:
            return match.group(0)
        found: Any = namespace[head]
        for attr in attrs:
            if not hasattr(found, attr):
                return match.group(0)
            found = getattr(found, attr)
        conv = match.group("conv")
        if conv == "r":
            found = repr(found)
        elif conv == "a":
            found = ascii(found)
        try:
            return format(found, match.group("spec") or "")
        except (TypeError, ValueError):
            return match.group(0)

    return _FIELD.sub(value, text)

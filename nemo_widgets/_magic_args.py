"""Parsing for the magics: the option line, the line commands and ``{var}`` interpolation.

argparse does the work, but its habit of printing and calling ``sys.exit`` on a bad option is
replaced by raising ``MagicUsageError``, which the magic shows as one readable sentence with the
usage line, never as a traceback.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

COMMANDS = ("connect", "upload", "status", "tracks", "credits", "history", "export", "widget",
            "sessions", "plot", "last", "help")


class MagicUsageError(Exception):
    """A bad option or command: the message says what was wrong and how to write it."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise MagicUsageError(f"{message}.\nUsage: {self.format_usage().strip()[7:]}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise MagicUsageError(message or self.format_help())


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--session", "-s", metavar="NAME", default=None,
                        help="the named session to use (default: the current one)")
    parser.add_argument("--backend", "-b", metavar="local|cloud|URL", default=None,
                        help="the backend for this call (default: %%nemo connect's)")


def _cell_parser() -> _Parser:
    parser = _Parser(prog="%%nemo", add_help=False,
                     description="The cell is the prompt; {name} takes a variable's value.")
    parser.add_argument("--upload", "-u", nargs="+", metavar="PATH", default=[],
                        help="upload these files before the prompt")
    parser.add_argument("--export", "-e", nargs="?", const="", default=None, metavar="PATH",
                        help="export the timeline after the prompt (to PATH)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no live output, only the result")
    _common(parser)
    return parser


@dataclass
class CellOptions:
    """The options of a ``%%nemo`` line."""

    upload: list[str] = field(default_factory=list)
    export: str | None = None
    """None: no export; "": export to the default place; else the target path."""
    quiet: bool = False
    session: str | None = None
    backend: str | None = None


@dataclass
class LineCommand:
    """A ``%nemo`` line: the command, its positional arguments and the common options."""

    name: str
    args: list[str] = field(default_factory=list)
    session: str | None = None
    backend: str | None = None


def split(line: str, namespace: Mapping[str, Any] | None = None) -> list[str]:
    """The words of ``line`` (shell quoting), each with its ``{name}`` fields filled in."""
    try:
        words = shlex.split(line, posix=True)
    except ValueError as exc:
        raise MagicUsageError(f"Could not read the options ({exc}): check the quotes.") from exc
    return [interpolate(w, namespace) for w in words] if namespace is not None else words


def parse_cell_line(line: str, namespace: Mapping[str, Any] | None = None) -> CellOptions:
    """The options of ``%%nemo [--upload PATH…] [--export [PATH]] [--session NAME] …``."""
    parsed = _cell_parser().parse_args(split(line, namespace))
    return CellOptions(upload=list(parsed.upload), export=parsed.export, quiet=parsed.quiet,
                       session=parsed.session, backend=parsed.backend)


def parse_line(line: str, namespace: Mapping[str, Any] | None = None) -> LineCommand:
    """``%nemo COMMAND [ARGS…] [--session NAME] [--backend B]``."""
    words = split(line, namespace)
    if not words:
        return LineCommand("help")
    name = words[0].lower()
    if name not in COMMANDS:
        raise MagicUsageError(
            f"Unknown command {words[0]!r}. Commands: {', '.join(COMMANDS)}. "
            "To send a prompt, use the cell form: %%nemo on the first line, the prompt below.")
    parser = _Parser(prog=f"%nemo {name}", add_help=False)
    parser.add_argument("args", nargs="*")
    _common(parser)
    parsed = parser.parse_args(words[1:])
    return LineCommand(name, list(parsed.args), parsed.session, parsed.backend)


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


HELP = """\
%%nemo [options]            the cell is the prompt ({name} takes a variable's value)
  --upload PATH…              upload files before the prompt
  --export [PATH]             export the timeline after it (1080p MP4)
  --session NAME              a named session (several can run side by side)
  --backend local|cloud|URL   the backend for this cell
  --quiet                     no live output, only the result
  The result has .text, .timeline, .tracks (DataFrame), .export, .plot(), .video().

%nemo connect [local|cloud|URL]   choose the backend (default: NEMO_API_URL or local)
%nemo upload PATH…                upload files to the session
%nemo status                      the timeline in one line, and its tracks
%nemo tracks                      the tracks as a DataFrame
%nemo plot                        the timeline as a picture
%nemo credits                     the balance and the credit history (DataFrame)
%nemo history                     this session's messages and answers (DataFrame)
%nemo export [PATH]               render the timeline to an MP4
%nemo widget                      the chat widget on this session
%nemo sessions                    the named sessions (DataFrame)
%nemo last                        the session's latest %%nemo result (result = %nemo last)
%nemo help                        this text
Line commands take --session NAME and --backend B too. Settings: %config NemoMagics
(backend, export_dir, language, auto_export, quiet, show_tools)."""

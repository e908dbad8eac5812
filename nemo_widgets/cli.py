"""The ``nemo-widgets`` command: the main job in one line, and the engine and account chores.

``generate INPUT... --prompt TEXT -o OUT.mp4`` uploads, runs one agent turn and exports, with a
progress line for each stage on stderr; ``generate DIR/ -p TEXT -o OUTDIR/`` does that for each
video of a folder, in sessions of their own (``batch.py``); ``--seed``, ``--tempo``, ``--style``
and ``--duration`` fix the music, as words added to the prompt (``prompt_options.py``).
``credits``, ``status`` and ``export`` are the direct calls; ``serve`` and ``stop`` run the
embedded engine; ``demo`` is the README's main command.
``--backend local|cloud|URL`` picks the backend (default: ``NEMO_API_URL``, else local).

Exit codes: 0 done; 1 the backend refused or failed; 2 bad usage or input files; 3 the backend
could not be reached; 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.prompt_options import MusicOptions

if TYPE_CHECKING:  # pragma: no cover
    from nemo_widgets.client import Event, NemoClient

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
LAST_SESSION_FILE = "last_session.json"
CLI_WORDS = {"export": "`nemo-widgets export`", "upload": "`nemo-widgets generate FILE...`",
             "credits": "`nemo-widgets credits`", "state": "`nemo-widgets status`"}


# --- progress lines ------------------------------------------------------------------------------
class ProgressLine:
    """One self-rewriting status line per stage on a terminal (a few plain lines otherwise)."""

    WIDTH = 24

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._stage: str | None = None
        self._last_step = -1

    def bar(self, stage: str, fraction: float, note: str = "") -> None:
        """``upload  [########----------------]  33%``."""
        fraction = max(0.0, min(1.0, fraction))
        if stage != self._stage:
            self.finish()
            self._stage, self._last_step = stage, -1
        filled = int(fraction * self.WIDTH)
        text = (f"{stage:<9}[{'#' * filled}{'-' * (self.WIDTH - filled)}] "
                f"{fraction * 100:3.0f}%{'  ' + note if note else ''}")
        if self.tty:
            self.stream.write("\r" + text + "\x1b[K")
            self.stream.flush()
        else:
            step = int(fraction * 4)  # 0, 25, 50, 75, 100 %
            if step != self._last_step:
                self._last_step = step
                self.stream.write(text + "\n")

    def status(self, stage: str, text: str) -> None:
        """A line without a bar (the agent at work)."""
        if stage != self._stage:
            self.finish()
            self._stage = stage
        if self.tty:
            self.stream.write(f"\r{stage:<9}{text}\x1b[K")
            self.stream.flush()

    def say(self, text: str) -> None:
        """A line of its own, under the current one."""
        self.finish()
        self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._stage is not None and self.tty:
            self.stream.write("\n")
            self.stream.flush()
        self._stage = None


def _agent_events(line: ProgressLine) -> Callable[[Event], None]:
    """Show an agent turn's events on the progress line."""
    from nemo_widgets.client import Notice, ProgressEvent, ToolCall

    start = time.monotonic()
    state = {"activity": "thinking"}

    def show(event: Event) -> None:
        elapsed = time.monotonic() - start
        if isinstance(event, ToolCall):
            state["activity"] = event.name.replace("_", " ")
        if isinstance(event, ProgressEvent):
            line.bar(event.stage, event.fraction)
        elif isinstance(event, Notice):
            if event.kind != "export":
                line.say(event.text)
        else:  # text, tool work, keep-alives: the agent is at work
            line.status("agent", f"{state['activity']}… {elapsed:.0f}s")

    return show


# --- helpers -------------------------------------------------------------------------------------
def _client(args: argparse.Namespace) -> NemoClient:
    from nemo_widgets.client import NemoClient

    return NemoClient(args.backend)


def _remember_session(client: NemoClient, session_id: str) -> None:
    path = client.settings.config_dir / LAST_SESSION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data = data if isinstance(data, dict) else {}
    data[client.backend.key] = session_id
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _last_session(client: NemoClient) -> str | None:
    path = client.settings.config_dir / LAST_SESSION_FILE
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get(client.backend.key)
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _session_arg(args: argparse.Namespace, client: NemoClient) -> str:
    session_id: str | None = args.session or _last_session(client)
    if not session_id:
        raise _UsageError("No session: pass --session SESSION_ID (generate prints it).")
    return session_id


class _UsageError(Exception):
    """A mistake in the command line or its files (exit code 2)."""


def _run(action: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Map the client's errors to clear messages and exit codes."""
    def wrapped(args: argparse.Namespace) -> int:
        from nemo_widgets.client import (
            ConnectionFailed,
            FileTooLarge,
            NemoError,
            UnsupportedFile,
        )

        try:
            return action(args)
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except (UnsupportedFile, FileTooLarge) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except ConnectionFailed as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_UNREACHABLE
        except NemoError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
        except (_UsageError, FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except OSError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
    return wrapped


# --- commands ------------------------------------------------------------------------------------
def _prompt(args: argparse.Namespace) -> str:
    """The prompt with the music options written into it as words."""
    options = MusicOptions(args.seed, args.tempo, args.style, args.duration)
    return options.apply(args.prompt)


def _generate(args: argparse.Namespace) -> int:
    from nemo_widgets.client.uploads import check_files, is_url

    folders = [Path(i) for i in args.inputs if not is_url(i) and Path(i).is_dir()]
    if folders:
        return _generate_folder(args, folders)
    output: Path = args.output
    if output.suffix.lower() != ".mp4":
        raise _UsageError(f"The output must be an .mp4 file, not {output.name}.")
    args.prompt = _prompt(args)
    with _client(args) as client:
        files = [i for i in args.inputs if not is_url(i)]
        check_files(files, client.settings.max_upload_bytes)  # before starting anything
        line = ProgressLine()
        line.say(f"backend: {client.base_url}")
        conv = client.conversation(language=args.language, gui_words=CLI_WORDS,
                                   auto_export=False)
        session = conv.start()
        _remember_session(client, session.session_id)
        uploaded = conv.upload(*args.inputs,
                               on_progress=lambda done, total: line.bar(
                                   "upload", done / total if total else 1.0))
        for item in uploaded:
            line.say(f"uploaded {item}")
        line.say(f"> {args.prompt}")
        result = conv.ask(args.prompt, on_event=_agent_events(line))
        line.finish()
        print(result.text)
        if result.error is not None:
            line.say(f"session: {session.session_id}")
            raise result.error
        exported = conv.export(output, on_progress=lambda stage, fraction: line.bar(
            stage, fraction))
        line.finish()
        balance = client.ledger.last_balance
        print(f"saved {exported}")
        line.say(f"session: {conv.session_id}" + (f"; {balance}" if balance else ""))
    return EXIT_OK


def _generate_folder(args: argparse.Namespace, folders: list[Path]) -> int:
    """``generate DIR/ -p … -o OUTDIR/``: each video of DIR its own session, music and render."""
    import asyncio

    from nemo_widgets.batch import find_videos, plan, run_batch, summary_table

    if len(args.inputs) != 1:
        raise _UsageError("Give one folder, or files: not both (the folder's videos are each "
                          "handled on their own).")
    outdir: Path = args.output
    if outdir.suffix.lower() == ".mp4" or outdir.is_file():
        raise _UsageError(f"With a folder as input, -o names a folder for the MP4s, not "
                          f"{outdir.name}.")
    videos = find_videos(folders[0])
    if not videos:
        raise _UsageError(f"No videos in {folders[0]} (looked for files ending in .mp4, .mov, "
                          ".avi, .webm, .mkv).")
    items = plan(videos, outdir)
    prompt = _prompt(args)
    say = ProgressLine().say
    say(f"{len(items)} video(s) from {folders[0]} → {outdir}/, {args.jobs} at a time")
    asyncio.run(run_batch(items, prompt, backend=args.backend, jobs=args.jobs,
                          language=args.language, say=say))
    print(summary_table(items))
    failed = [item.source.name for item in items if item.status == "failed"]
    if failed:
        print(f"error: {len(failed)} file(s) failed: {', '.join(failed)} (run the same "
              "command again to retry only those)", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _credits(args: argparse.Namespace) -> int:
    with _client(args) as client:
        balance = client.credits()
        if args.json:
            print(json.dumps({"available": balance.available, "frozen": balance.frozen,
                              "total": balance.total}))
        else:
            print(balance)
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    with _client(args) as client:
        print(f"backend: {client.base_url}" + (" (embedded engine)" if client.backend.local
                                              else ""))
        client.sign_in()
        kind = "anonymous" if client.anonymous else "registered"
        print(f"user: {client.user_id or 'unknown'} ({kind})")
        print(f"credits: {client.credits()}")
        session_id = args.session or _last_session(client)
        if session_id:
            state = client.state(session_id)
            print(f"session: {session_id}")
            print(state.summary())
            if args.table and state.timeline.renderable:
                print(state.to_frame().to_string(index=False))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    with _client(args) as client:
        session_id = _session_arg(args, client)
        line = ProgressLine()
        exported = client.conversation(session_id).export(
            args.output, on_progress=lambda stage, fraction: line.bar(stage, fraction))
        line.finish()
        print(f"saved {exported}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from nemo_widgets.engine.server import serve

    overrides: dict[str, Any] = {"host": args.host, "port": args.port}
    if args.home:
        overrides["home"] = args.home
    try:
        serve(EngineSettings.from_env(**overrides))
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _stop(args: argparse.Namespace) -> int:
    from nemo_widgets.engine.server import stop_engine

    home = args.home or EngineSettings.from_env().home
    stopped = stop_engine(home)
    print("engine stopped" if stopped else "no engine was running")
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from nemo_widgets.demo import run_demo

    run_demo(args.output, video=args.video, music=args.music, prompt=args.prompt,
             backend=args.backend)
    return EXIT_OK


# --- parser --------------------------------------------------------------------------------------
def _music_options(parser: argparse.ArgumentParser) -> None:
    """--seed --tempo --style --duration: added to the prompt as words the agent reads."""
    group = parser.add_argument_group("music", "written into the prompt as words, so they work "
                                               "with any backend")
    group.add_argument("--seed", type=int, default=None, help='same seed, same music ("seed 7")')
    group.add_argument("--tempo", type=int, default=None, metavar="BPM",
                       help='beats per minute ("96 BPM")')
    group.add_argument("--style", default=None, help='e.g. lofi, acoustic ("style lofi")')
    group.add_argument("--duration", type=float, default=None, metavar="SECONDS",
                       help='the music\'s length; the video is left alone ("30 seconds long")')


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nemo-widgets",
        description="Fitting, royalty-free music under your video. Runs offline on the "
                    "embedded engine by default.",
        epilog="Exit codes: 0 done, 1 refused or failed, 2 bad usage or files, 3 backend "
               "unreachable, 130 interrupted.")
    backend_help = "local (default), cloud, or a base URL (default: NEMO_API_URL, else local)"
    parser.add_argument("--backend", default=None, help=backend_help)
    backend = argparse.ArgumentParser(add_help=False)
    backend.add_argument("--backend", default=argparse.SUPPRESS, help=backend_help)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser(
        "generate", parents=[backend],
        help="upload, instruct the agent and export, in one command (or for each video of a "
             "folder)")
    generate.add_argument("inputs", nargs="+", metavar="INPUT",
                          help="video, image or audio files, or http(s) URLs; or one folder: "
                               "each video in it gets its own session, music and MP4")
    generate.add_argument("--prompt", "-p", required=True, help="the instruction for the agent")
    generate.add_argument("-o", "--output", type=Path, required=True,
                          help="the MP4 to write (for a folder: the folder for the MP4s; "
                               "those already made are skipped)")
    generate.add_argument("--language", default="en", help="the agent's language (en, zh)")
    generate.add_argument("--jobs", "-j", type=int, default=2,
                          help="for a folder: how many videos at once (default 2)")
    _music_options(generate)
    generate.set_defaults(func=_run(_generate))

    credits_cmd = commands.add_parser("credits", parents=[backend], help="show the balance")
    credits_cmd.add_argument("--json", action="store_true", help="print JSON")
    credits_cmd.set_defaults(func=_run(_credits))

    status = commands.add_parser("status", parents=[backend],
                                 help="backend, user, credits and the last session's timeline")
    status.add_argument("--session", default=None, help="a session id (default: the last)")
    status.add_argument("--table", action="store_true", help="also print the segments")
    status.set_defaults(func=_run(_status))

    export = commands.add_parser("export", parents=[backend],
                                 help="render a session's timeline to an MP4")
    export.add_argument("--session", default=None, help="a session id (default: the last)")
    export.add_argument("-o", "--output", type=Path, required=True, help="the MP4 to write")
    export.set_defaults(func=_run(_export))

    serve = commands.add_parser("serve", help="run the embedded engine in the foreground")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    serve.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    serve.add_argument("--home", type=Path, default=None, help="data folder (NEMO_HOME)")
    serve.set_defaults(func=_serve)

    stop = commands.add_parser("stop", help="stop the background engine")
    stop.add_argument("--home", type=Path, default=None, help="data folder (NEMO_HOME)")
    stop.set_defaults(func=_stop)

    demo = commands.add_parser(
        "demo", parents=[backend], help="the main job on made-up (or your) media")
    demo.add_argument("--video", type=Path, default=None, help="your video (default: made up)")
    demo.add_argument("--music", type=Path, default=None,
                      help="your song, instead of music composed for the video")
    demo.add_argument("--prompt", default=None, help="the instruction for the agent")
    demo.add_argument("-o", "--output", type=Path, default=Path("nemo-demo.mp4"))
    demo.set_defaults(func=_run(_demo))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())

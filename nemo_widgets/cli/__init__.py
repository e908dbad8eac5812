"""The ``nemo-widgets`` command: the main job in one line, and the engine and account chores.

``generate INPUT... --prompt TEXT -o OUT.mp4`` uploads, runs one agent turn and exports, with a
progress line for each stage on stderr; ``generate DIR/ -p TEXT -o OUTDIR/`` does that for each
video of a folder, in sessions of their own (``batch.py``); ``--seed``, ``--tempo``, ``--style``
and ``--duration`` fix the music, as words added to the prompt (``prompt_options.py``).
``credits``, ``status`` and ``export`` are the direct calls (``export --resume`` follows a render
whose terminal was closed); ``music`` saves the mix, stems and cue file; ``serve`` and ``stop``
run the embedded engine; ``demo`` is the README's main command. See ``docs/cli.md``.
``--backend local|cloud|URL`` picks the backend (default: ``NEMO_API_URL``, else local).

The package: ``commands`` (one function per command), ``common`` (exit codes, the client,
errors → messages), ``progress`` (the progress line), ``__init__`` (the parser and ``main``).

Exit codes: 0 done; 1 the backend refused or failed; 2 bad usage or input files; 3 the backend
could not be reached; 130 interrupted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nemo_widgets.cli import commands as run
from nemo_widgets.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    guarded,
)
from nemo_widgets.cli.progress import ProgressLine

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_UNREACHABLE", "EXIT_USAGE",
           "ProgressLine", "build_parser", "main"]


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
    generate.add_argument("--workers", type=int, default=None,
                          help="for a folder: run on a local Dask cluster of this many worker "
                               "processes, each with its own engine (the [cluster] extra)")
    generate.add_argument("--cluster", default=None, metavar="ADDRESS",
                          help="for a folder: run on this Dask scheduler (tcp://host:8786)")
    generate.add_argument("--ship-bytes", action="store_true",
                          help="with --cluster: send the videos' bytes to the workers (no "
                               "shared file system)")
    _music_options(generate)
    generate.set_defaults(func=guarded(run.generate))

    credits_cmd = commands.add_parser("credits", parents=[backend], help="show the balance")
    credits_cmd.add_argument("--json", action="store_true", help="print JSON")
    credits_cmd.set_defaults(func=guarded(run.credits))

    status = commands.add_parser("status", parents=[backend],
                                 help="backend, user, credits and the last session's timeline")
    status.add_argument("--session", default=None, help="a session id (default: the last)")
    status.add_argument("--table", action="store_true", help="also print the segments")
    status.set_defaults(func=guarded(run.status))

    export = commands.add_parser("export", parents=[backend],
                                 help="render a session's timeline to an MP4")
    export.add_argument("--session", default=None, help="a session id (default: the last)")
    export.add_argument("-o", "--output", type=Path, default=None,
                        help="the MP4 to write (with --resume: default where it was meant to go)")
    export.add_argument("--resume", nargs="?", const="", default=None, metavar="RENDER_ID",
                        help="follow a render started earlier (default: the newest one not "
                             "downloaded yet) instead of starting one")
    export.set_defaults(func=guarded(run.export))

    music = commands.add_parser("music", parents=[backend],
                                help="save a session's music: the mix, its stems, its cue file")
    music.add_argument("session_id", nargs="?", default=None, metavar="SESSION",
                       help="a session id (default: the last)")
    music.add_argument("-o", "--output", type=Path, required=True, help="the folder to write")
    music.add_argument("--stems", action="store_true", help="each instrument group as a WAV")
    music.add_argument("--cue", action="store_true",
                       help="the cue file: beats, bars, sections, cut alignment (JSON)")
    music.add_argument("--mp3", action="store_true", help="an MP3 of the mix too")
    music.add_argument("--version", type=int, default=None,
                       help="a music version (default: the one on the timeline, else the "
                            "newest)")
    music.set_defaults(func=guarded(run.music), session=None)

    serve = commands.add_parser("serve", help="run the embedded engine in the foreground")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    serve.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    serve.add_argument("--home", type=Path, default=None, help="data folder (NEMO_HOME)")
    serve.set_defaults(func=run.serve)

    stop = commands.add_parser("stop", help="stop the background engine")
    stop.add_argument("--home", type=Path, default=None, help="data folder (NEMO_HOME)")
    stop.set_defaults(func=run.stop)

    demo = commands.add_parser(
        "demo", parents=[backend], help="the main job on made-up (or your) media")
    demo.add_argument("--video", type=Path, default=None, help="your video (default: made up)")
    demo.add_argument("--music", type=Path, default=None,
                      help="your song, instead of music composed for the video")
    demo.add_argument("--prompt", default=None, help="the instruction for the agent")
    demo.add_argument("-o", "--output", type=Path, default=Path("nemo-demo.mp4"))
    demo.set_defaults(func=guarded(run.demo))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result



"""The ``nemo-widgets`` command: run and stop the embedded engine from a terminal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nemo_widgets.engine.settings import EngineSettings


def _serve(args: argparse.Namespace) -> int:
    from nemo_widgets.engine.server import serve

    overrides = {"host": args.host, "port": args.port}
    if args.home:
        overrides["home"] = args.home
    try:
        serve(EngineSettings.from_env(**overrides))
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def _stop(args: argparse.Namespace) -> int:
    from nemo_widgets.engine.server import stop_engine

    home = args.home or EngineSettings.from_env().home
    stopped = stop_engine(home)
    print("engine stopped" if stopped else "no engine was running")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from nemo_widgets.client.errors import NemoError
    from nemo_widgets.demo import DEFAULT_PROMPT, run_demo

    try:
        run_demo(args.output, video=args.video, music=args.music,
                 prompt=args.prompt or DEFAULT_PROMPT, base_url=args.backend)
    except NemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nemo-widgets",
        description="Fitting, royalty-free music under your video. Runs offline on the "
                    "embedded engine by default.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the embedded engine in the foreground")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    serve.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    serve.add_argument("--home", type=Path, default=None, help="data folder (NEMO_HOME)")
    serve.set_defaults(func=_serve)
    stop = commands.add_parser("stop", help="stop the background engine")
    stop.add_argument("--home", type=Path, default=None, help="data folder (NEMO_HOME)")
    stop.set_defaults(func=_stop)
    demo = commands.add_parser(
        "demo", help="the main job: a video and a song in, a 1080p MP4 out")
    demo.add_argument("--video", type=Path, default=None, help="your video (default: made up)")
    demo.add_argument("--music", type=Path, default=None, help="your song (default: made up)")
    demo.add_argument("--prompt", default=None, help="the instruction for the agent")
    demo.add_argument("--backend", default=None, help="a base URL (default: embedded engine)")
    demo.add_argument("-o", "--output", type=Path, default=Path("nemo-demo.mp4"))
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())

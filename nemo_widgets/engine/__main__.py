"""``python -m nemo_widgets.engine``: run the engine in the foreground (used by the helper)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from nemo_widgets.engine.server import serve
from nemo_widgets.engine.settings import EngineSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m nemo_widgets.engine")
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--profile", choices=("local", "cloud", "faults"), default=None,
                        help="local (default): plain, credits never block; cloud: behaves like "
                             "NemoVideo's cloud; faults: cloud plus injected failures")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    overrides = {k: v for k, v in {"host": args.host, "port": args.port, "home": args.home,
                                   "profile": args.profile}.items() if v is not None}
    serve(EngineSettings.from_env(**overrides), announce=not args.quiet)


if __name__ == "__main__":
    main()

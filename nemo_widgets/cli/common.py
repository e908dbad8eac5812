"""What every command shares: exit codes, the client it talks to, the remembered session, and
the wrapper that turns the client's errors into a message and an exit code."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from nemo_widgets.client import NemoClient

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
LAST_SESSION_FILE = "last_session.json"
CLI_WORDS = {"export": "`nemo-widgets export`", "upload": "`nemo-widgets generate FILE...`",
             "credits": "`nemo-widgets credits`", "state": "`nemo-widgets status`"}
"""How the agent's "click Export" reads in a terminal."""


def client_for(args: argparse.Namespace) -> NemoClient:
    from nemo_widgets.client import NemoClient

    return NemoClient(args.backend)


def remember_session(client: NemoClient, session_id: str) -> None:
    path = client.settings.config_dir / LAST_SESSION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data = data if isinstance(data, dict) else {}
    data[client.backend.key] = session_id
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def last_session(client: NemoClient) -> str | None:
    path = client.settings.config_dir / LAST_SESSION_FILE
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get(client.backend.key)
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def session_arg(args: argparse.Namespace, client: NemoClient) -> str:
    session_id: str | None = args.session or last_session(client)
    if not session_id:
        raise UsageError("No session: pass --session SESSION_ID (generate prints it).")
    return session_id


class UsageError(Exception):
    """A mistake in the command line or its files (exit code 2)."""


def guarded(action: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
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
        except (UsageError, FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except OSError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
    return wrapped



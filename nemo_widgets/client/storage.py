"""Private files in the configuration folder: written atomically, mode 0600 from the first byte.

The client keeps a few small JSON files beside the client id (the token cache, the render
records). They may hold a token or say what a user is working on, so they are private to the
user, and a reader never sees half a file: each write goes to a temporary file that is renamed
into place. ``locked`` serialises read-modify-write cycles between processes (a batch may run
several exports at once).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:  # POSIX; elsewhere one process at a time is assumed
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def private_write(path: Path, text: str) -> None:
    """Write ``text`` atomically to ``path`` with mode 0600 from the first byte."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # POSIX: private before the first byte is written
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; an empty one if it is missing, unreadable or not an
    object (a damaged cache must never stop the client)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` (between processes) for a read-modify-write."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if fcntl is None:  # pragma: no cover
        yield
        return
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

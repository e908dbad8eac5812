"""The ``tmp/`` sweeper: half-written files that no live request or job owns are removed.

Uploads stream into ``tmp/upload-*.part``, URL imports into ``tmp/url-*.part``, renders work in
``tmp/<render id>-*/`` and write ``renders/.<name>.part.mp4``. Each writer *claims* its path
while it lives and every failing path deletes what it wrote; the sweeper is the safety net for
what a crash, a kill or a bug left behind: at start-up every leftover goes (no request of the
previous process is alive), and then, every ``tmp_sweep_interval_s``, whatever is unclaimed
and older than ``tmp_sweep_grace_s`` goes too.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["TmpSweeper", "claim", "claimed", "owned", "release", "sweep"]

log = logging.getLogger(__name__)

_lock = threading.Lock()
_owned: set[Path] = set()


def claim(path: Path) -> None:
    """Mark ``path`` as in use by a live request or job: the sweeper leaves it alone."""
    with _lock:
        _owned.add(Path(path).resolve())


def release(path: Path) -> None:
    with _lock:
        _owned.discard(Path(path).resolve())


def claimed(path: Path) -> bool:
    with _lock:
        return Path(path).resolve() in _owned


@contextlib.contextmanager
def owned(path: Path) -> Iterator[Path]:
    """Claim ``path`` for the duration of a block."""
    claim(path)
    try:
        yield path
    finally:
        release(path)


def _leftovers(tmp_dir: Path, renders_dir: Path | None) -> Iterator[Path]:
    if tmp_dir.is_dir():
        yield from tmp_dir.iterdir()
    if renders_dir is not None and renders_dir.is_dir():
        yield from (p for p in renders_dir.iterdir()
                    if p.name.startswith(".") and p.name.endswith(".part.mp4"))


def _remove(path: Path) -> int:
    """Delete a file or folder; the bytes freed (0 if it was already gone)."""
    try:
        if path.is_dir() and not path.is_symlink():
            size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            shutil.rmtree(path)
            return size
        size = path.lstat().st_size
        path.unlink()
        return size
    except FileNotFoundError:
        return 0


def sweep(tmp_dir: Path, renders_dir: Path | None = None, *, grace_s: float = 0.0,
          now: float | None = None) -> int:
    """Remove every unclaimed leftover older than ``grace_s``; return how many went."""
    now = time.time() if now is None else now
    removed = freed = 0
    for path in list(_leftovers(tmp_dir, renders_dir)):
        try:
            if claimed(path) or now - path.lstat().st_mtime < grace_s:
                continue
            freed += _remove(path)
            removed += 1
        except OSError as exc:
            log.warning("could not sweep %s: %s", path, exc)
    if removed:
        log.info("swept %d leftover temporary item(s), %.1f MB", removed, freed / 1024 ** 2)
    return removed


class TmpSweeper:
    """Sweeps at start-up (everything: no request of a previous process is alive) and then
    periodically in a daemon thread, until ``stop``."""

    def __init__(self, tmp_dir: Path, renders_dir: Path, interval_s: float,
                 grace_s: float) -> None:
        self.tmp_dir, self.renders_dir = tmp_dir, renders_dir
        self.interval_s, self.grace_s = interval_s, grace_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> int:
        """Sweep everything left by an earlier process, then start the periodic sweep."""
        removed = sweep(self.tmp_dir, self.renders_dir)
        if self.interval_s > 0:
            self._thread = threading.Thread(target=self._loop, name="tmp-sweeper", daemon=True)
            self._thread.start()
        return removed

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            sweep(self.tmp_dir, self.renders_dir, grace_s=self.grace_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

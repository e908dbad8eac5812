"""Per-file analyses kept as JSON, keyed by the media's content hash, so each file is decoded
once however often the timeline around it changes.

Files are written atomically (a temporary file renamed into place), so a crash or two engines
analysing the same file at once leave either a whole entry or none. An unreadable entry, or one
from another ``VERSION`` of the analysis, is simply computed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from nemo_widgets.engine.analysis.features import Curves

log = logging.getLogger(__name__)

VERSION = 1
"""Bump when the analysis changes what it measures: older entries are then recomputed."""
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def cache_path(cache_dir: Path, source: str) -> Path:
    """``cache_dir/<source>.json`` for a content hash; other keys are hashed to a safe name."""
    key = source if _SAFE_KEY.match(source) else hashlib.sha256(source.encode()).hexdigest()
    return Path(cache_dir) / f"{key}.json"


def load(cache_dir: Path, source: str) -> Curves | None:
    path = cache_path(cache_dir, source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        return Curves.from_json(data["curves"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("analysis cache entry %s is unreadable, analysing again: %s", path.name, exc)
        return None


def save(cache_dir: Path, source: str, curves: Curves) -> None:
    """Store ``curves``; a cache that cannot be written only costs a later re-analysis."""
    path = cache_path(cache_dir, source)
    text = json.dumps({"version": VERSION, "source": source, "curves": curves.to_json()},
                      separators=(",", ":"))
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        log.warning("cannot write analysis cache %s: %s", path, exc)
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


_locks_guard = threading.Lock()
_locks: dict[Path, threading.Lock] = {}


def _lock_for(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


def cached(cache_dir: Path, source: str, compute: Callable[[], Curves]) -> Curves:
    """The stored analysis of ``source``, or ``compute()`` stored for next time.

    One computation per file at a time: a caller that finds another one analysing the same
    file (the upload's background analysis, say) waits for it and reads its result.
    """
    found = load(cache_dir, source)
    if found is not None:
        return found
    with _lock_for(cache_path(cache_dir, source)):
        found = load(cache_dir, source)
        if found is not None:
            return found
        # What is stored is rounded: return that, so a result never depends on the cache.
        curves = Curves.from_json(compute().to_json())
        save(cache_dir, source, curves)
        return curves

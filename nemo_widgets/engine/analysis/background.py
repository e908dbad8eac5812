"""Analyse a video in the background as soon as it is uploaded, so that the music request that
usually follows finds its analysis done.

Analysis is the largest single cost of a quick edit (about 3 s of a 60 s 1080p clip's ~10 s);
the user spends at least that long typing the prompt. One worker thread analyses uploads in
order, into the same per-file cache the music tool reads (``cache``); a request that arrives
while its file is still being analysed waits for that run (the cache holds a per-file lock)
instead of decoding the file a second time.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from nemo_widgets.engine.media.probe import MediaInfo

__all__ = ["prefetch", "shutdown"]

log = logging.getLogger(__name__)

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _analyse(source: str, path: Path, info: MediaInfo, cache_dir: Path) -> None:
    # imported here: the numpy-heavy analysis loads on the first upload, off the request path
    from nemo_widgets.engine.analysis import cache
    from nemo_widgets.engine.analysis.media_file import file_curves

    try:
        cache.cached(cache_dir, source, lambda: file_curves(path, info))
    except Exception:  # the music tool analyses again and reports a real failure itself
        log.warning("background analysis of %s failed", path.name, exc_info=True)


def prefetch(source: str, path: Path, info: MediaInfo, cache_dir: Path) -> Future[None] | None:
    """Start analysing an uploaded video (not images or sound: they cost nothing or are not
    analysed); None when there is nothing to do."""
    global _pool
    if info.file_type != "video" or not info.has_video:
        return None
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis-prefetch")
        return _pool.submit(_analyse, source, path, info, Path(cache_dir))


def shutdown() -> None:
    """Drop the analyses still queued (the engine is stopping: a music request will analyse
    what it needs); the one running finishes on its own thread."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)

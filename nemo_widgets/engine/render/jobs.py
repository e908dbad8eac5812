"""Render jobs: a small worker pool that turns submitted drafts into MP4 files.

The HTTP layer only records a job and returns; a worker thread plans the FFmpeg run, feeds its
progress into the store (so polls see it move) and records the outcome. A job that a restart cut
off is marked ``failed`` with the reason instead of staying ``processing`` forever. A job's work
folder is claimed while it runs (the ``tmp/`` sweeper leaves it alone) and removed after.
Every change of a job is also kept in memory, so a held poll (``?wait=``, ``wait_for_news``)
answers within 20 ms of a render's end without asking the database in a loop.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nemo_widgets import protocol
from nemo_widgets.engine.errors import EngineError
from nemo_widgets.engine.library import MediaLibrary
from nemo_widgets.engine.media import sweeper
from nemo_widgets.engine.media.disk import is_storage_error, storage_error
from nemo_widgets.engine.render.clips import RenderLimits
from nemo_widgets.engine.render.plan import plan_render
from nemo_widgets.engine.render.run import run_render
from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.engine.store import Store

log = logging.getLogger("nemo_widgets.engine.render.jobs")

_PROGRESS_STEP = 1.0  # percent; fewer writes to the database than FFmpeg's progress lines
WAIT_CAP_S = 10.0
"""The longest a status poll may be held (``wait``): well under any client's read time-out."""
NEWS_PROGRESS = 5.0
"""A held poll answers once progress moved this many points (a bar still moves smoothly,
with about twenty answers per render instead of a hundred)."""
_WATCH_EVERY_S = 0.02
_LIVE_KEEP = 1024
_TERMINAL = frozenset({protocol.RENDER_COMPLETED, protocol.RENDER_FAILED})


def render_limits(settings: EngineSettings) -> RenderLimits:
    """The render limits an engine's settings set (``render_max_*``)."""
    return RenderLimits(max_duration_ms=round(settings.render_max_duration_s * 1000),
                        max_tracks=settings.render_max_tracks,
                        max_segments=settings.render_max_segments,
                        max_temp_bytes=settings.render_max_temp_bytes)


class RenderJobs:
    """Runs renders in the background, at most ``settings.render_workers`` at a time."""

    def __init__(self, settings: EngineSettings, store: Store, library: MediaLibrary) -> None:
        self._settings = settings
        self._store = store
        self._library = library
        self.limits = render_limits(settings)
        self._pool = ThreadPoolExecutor(max_workers=max(1, settings.render_workers),
                                        thread_name_prefix="render")
        self._stopping = threading.Event()
        # The latest (status, progress) of each job this process ran, for held polls: read
        # from memory every 20 ms instead of asking the database.
        self._live: dict[str, tuple[str, float]] = {}
        self._live_lock = threading.Lock()

    def _update(self, key: str, **fields: object) -> None:
        """Write a job's fields and let held polls see the news."""
        self._store.update_render(key, **fields)
        with self._live_lock:
            status, progress = self._live.get(key, (protocol.RENDER_PENDING, 0.0))
            status = str(fields.get("status", status))
            value = fields.get("progress", progress)
            self._live[key] = (status, float(value) if isinstance(value, (int, float))
                               else progress)
            if len(self._live) > _LIVE_KEEP:  # forget finished jobs (their polls do not wait)
                for old in [k for k, (s, _) in self._live.items() if s in _TERMINAL and k != key]:
                    del self._live[old]

    async def wait_for_news(self, key: str, status: str, progress: float,
                            timeout: float) -> float:
        """Wait until the job leaves ``status``, moves ``NEWS_PROGRESS`` points past
        ``progress``, or ``timeout`` (capped at ``WAIT_CAP_S``) passes; the seconds waited.

        Holds no thread: the event loop looks at the in-memory state every 20 ms, so a
        render that completes is answered within that time.
        """
        began = time.monotonic()
        deadline = began + max(0.0, min(timeout, WAIT_CAP_S))
        while time.monotonic() < deadline and not self._stopping.is_set():
            now_status, now_progress = self._live.get(key, (status, progress))
            if now_status != status or now_progress - progress >= NEWS_PROGRESS:
                break
            await asyncio.sleep(_WATCH_EVERY_S)
        return time.monotonic() - began

    @staticmethod
    def finished(status: str) -> bool:
        return status in _TERMINAL

    def submit(self, render_id: str) -> None:
        self._pool.submit(self._run_guarded, render_id)

    def recover_interrupted(self) -> int:
        """Fail the jobs a previous process left unfinished; return how many."""
        ids = self._store.unfinished_renders()
        for render_id in ids:
            self._store.update_render(
                render_id, status=protocol.RENDER_FAILED,
                error="Interrupted by an engine restart; submit the render again.",
                completed_at=time.time())
        return len(ids)

    def shutdown(self) -> None:
        self._stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _fail(self, render_id: str, message: str) -> None:
        self._update(render_id, status=protocol.RENDER_FAILED, error=message,
                     completed_at=time.time())

    def _run_guarded(self, render_id: str) -> None:
        try:
            self._run(render_id)
        except Exception as exc:  # a worker must never die silently
            if is_storage_error(exc):
                log.warning("render %s failed: %s", render_id, exc)
                message = storage_error(exc, self._settings.home).message
            else:
                log.exception("render %s failed unexpectedly", render_id)
                message = f"Internal error ({type(exc).__name__})."
            try:
                self._fail(render_id, message)
            except Exception:  # the database itself may be what is full
                log.exception("could not record the failure of render %s", render_id)

    def _run(self, render_id: str) -> None:
        job = self._store.render(render_id)
        self._update(render_id, status=protocol.RENDER_PROCESSING, progress=1.0)
        output = self._settings.renders_dir / f"{uuid.uuid4().hex}.mp4"
        workdir = Path(tempfile.mkdtemp(prefix=f"{render_id[:40]}-",
                                        dir=self._settings.tmp_dir))
        sweeper.claim(workdir)
        last = [1.0]

        def on_progress(percent: float) -> None:
            value = min(99.0, max(1.0, percent))
            if value - last[0] >= _PROGRESS_STEP:
                last[0] = value
                self._update(render_id, progress=round(value, 1))

        began = time.perf_counter()
        partial: Path | None = None  # FFmpeg's output until it is complete, in renders/
        try:
            plan = plan_render(job.draft, self._library.resolve, output, workdir, self.limits)
            partial = plan.partial
            sweeper.claim(partial)
            planned = time.perf_counter() - began
            self._store.update_render(render_id, stream_copy=plan.stream_copy)
            run_render(plan, on_progress, self._stopping, self.limits.max_temp_bytes)
            log.info("render %s: %.1f s of video in %.2f s (plan %.2f s, %s; stream copy %s)",
                     render_id, plan.duration_ms / 1000, time.perf_counter() - began, planned,
                     ", ".join(f"{k} {v:.2f} s" for k, v in plan.timings.items()),
                     plan.stream_copy)
        except EngineError as exc:
            self._fail(render_id, exc.message)
            return
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            sweeper.release(workdir)
            if partial is not None:
                sweeper.release(partial)

        self._update(render_id, status=protocol.RENDER_COMPLETED, progress=100.0,
                     output_path=output.name, completed_at=time.time())

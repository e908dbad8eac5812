"""Export: render the draft, follow the job, and stream the MP4 to a path.

The client picks the render id (``render_<ms>``, unique within the process), so a submit or a
poll that fails with a 5xx or a broken connection can be repeated safely with the same id; a
repeated submit answered "duplicate id" (4009) means the first one had arrived. 4xx answers are
never retried. The embedded engine holds a poll until there is news (``?wait=``), so there a
finished render is noticed at once; polls against a backend that does not hold them (the
cloud) start short (0.5 s) and back off by half up to the product's 30 s. A 404 on a poll (a
job not visible yet) is asked again once. Every answer shape is accepted (``output.url`` at the
top, ``data.outputUrl`` in a ``success`` envelope, a bare ``url``, ``output`` as a string). The
render id is written to the render records (``renders.py``) before the submit goes out and
struck once the file is on disk (or the job failed), so ``resume`` can pick up a job an earlier
process left. The file comes from the render's URL, falling back to
``/api/render/proxy/<id>/download``; it is written to a ``.part`` file and renamed, so a broken
download never leaves a truncated MP4 under the name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from nemo_widgets import protocol
from nemo_widgets.client.errors import BadRequest, MalformedAnswer, NemoError, RenderFailed
from nemo_widgets.client.models import ExportResult
from nemo_widgets.client.renders import RenderBook, RenderRecord
from nemo_widgets.client.transport import Transport

log = logging.getLogger("nemo_widgets.client.export")

RenderProgress = Callable[[str, float], None]
"""Called with ``(stage, fraction)``, the fraction from 0 to 1: ``render`` while the backend
renders, then ``download`` while the file comes down."""

_id_lock = threading.Lock()
_last_id_ms = 0


def new_render_id() -> str:
    """``render_<epoch ms>``, strictly increasing within this process."""
    global _last_id_ms
    with _id_lock:
        now = max(int(time.time() * 1000), _last_id_ms + 1)
        _last_id_ms = now
    return f"render_{now}"


@dataclass(frozen=True)
class RenderJob:
    """One poll answer, whatever its shape."""

    id: str
    status: str
    progress: float
    url: str | None
    error: str | None
    raw: dict[str, Any]

    @classmethod
    def from_answer(cls, answer: Any, render_id: str) -> RenderJob:
        """Read a submit or poll answer of any known shape (never raises)."""
        data: dict[str, Any] = answer if isinstance(answer, dict) else {}
        inner = data.get("data")
        if isinstance(inner, dict) and "status" in inner and "status" not in data:
            data = inner  # a success envelope the transport did not unwrap
        output = data.get("output")
        url = next((u for u in (
            output.get("url") if isinstance(output, dict) else output,
            data.get("outputUrl"), data.get("output_url"), data.get("url"),
            data.get("downloadUrl"), data.get("download_url"), data.get("videoUrl"),
            data.get("video_url")) if isinstance(u, str) and u), None)
        try:
            progress = float(data.get("progress") or 0)
        except (TypeError, ValueError, OverflowError):
            progress = 0.0
        progress = progress if 0 <= progress <= 100 else (100.0 if progress > 100 else 0.0)
        error = data.get("error") or data.get("errorMessage") or data.get("message") \
            if str(data.get("status") or "").lower() == protocol.RENDER_FAILED \
            else data.get("error")
        status = data.get("status", data.get("state"))
        job_id = data.get("id")
        return cls(id=job_id if isinstance(job_id, str) and job_id else render_id,
                   status=str(status or protocol.RENDER_PENDING).lower(),
                   progress=progress, url=url, error=str(error) if error else None, raw=data)


async def submit(transport: Transport, render_id: str, session_id: str | None,
                 draft: dict[str, Any]) -> RenderJob:
    """POST the render; a retried submit that finds its own id already taken is fine."""
    body = {"id": render_id, "sessionId": session_id, "draft": draft,
            "output": {"format": "mp4", "quality": "high"}}
    try:
        answer = await transport.call("POST", protocol.PATH_RENDER_SUBMIT, json=body,
                                      retry_transient=True)
    except BadRequest as exc:
        if exc.code == protocol.CODE_DUPLICATE or exc.status == 409:
            log.info("render %s was already submitted; following it", render_id)
            return RenderJob(render_id, protocol.RENDER_PENDING, 0.0, None, None, {})
        raise
    return RenderJob.from_answer(answer, render_id)


async def follow(transport: Transport, render_id: str, *,
                 on_progress: RenderProgress | None = None) -> RenderJob:
    """Poll until the job completes; ``RenderFailed`` if it fails or stalls.

    Each poll asks the backend to hold it until there is news (``?wait=``, an engine
    extension); when the answer says it was held (``X-Render-Waited``) the next poll goes out
    at once, so a finished render is noticed within milliseconds. A backend that ignores
    ``wait`` (the cloud) is polled with the back-off: 0.5 s, growing by half up to 30 s.
    """
    settings = transport.settings
    wait = settings.render_poll_s
    deadline = time.monotonic() + settings.render_timeout_s
    path = protocol.path(protocol.PATH_RENDER_POLL, render_id=render_id)
    if settings.render_hold_s > 0:
        path += f"?wait={settings.render_hold_s:g}"
    held: list[bool] = []

    def saw(headers: httpx.Headers) -> None:
        held.append(protocol.HEADER_RENDER_WAITED in headers)

    missing = 0
    while True:
        held.clear()
        try:
            answer = await transport.call("GET", path, on_headers=saw)
        except BadRequest as exc:
            if exc.status != 404 and exc.code != protocol.CODE_NOT_FOUND:
                raise
            missing += 1
            if missing > 1:
                raise RenderFailed(f"The backend does not know the render {render_id}.",
                                   code=exc.code, status=exc.status,
                                   fix="It may have expired; export again.") from None
            log.info("render %s not found yet; asking once more", render_id)
            await asyncio.sleep(wait)
            continue
        if not isinstance(answer, dict):
            raise MalformedAnswer(f"The render poll answered {type(answer).__name__}, not an "
                                  "object.", fix=f"Follow it again later: follow_render("
                                                 f"{render_id!r}).")
        job = RenderJob.from_answer(answer, render_id)
        if on_progress is not None:
            on_progress("render", max(0.0, min(1.0, job.progress / 100)))
        if job.status in (protocol.RENDER_COMPLETED, "done", "success", "succeeded",
                          "finished"):
            return job
        if job.status in (protocol.RENDER_FAILED, "error", "cancelled", "canceled"):
            raise RenderFailed(f"The render failed: {job.error or 'no reason given'}.",
                               fix="Check the timeline (status) and export again.")
        if time.monotonic() > deadline:
            raise RenderFailed(f"The render did not finish within "
                               f"{settings.render_timeout_s:g} s (last status {job.status}).",
                               fix=f"It may still finish: follow it later with "
                                   f"follow_render({render_id!r}).", still_running=True)
        if held and held[-1]:
            continue  # the backend held this poll: the next one may wait for news at once
        await asyncio.sleep(wait)
        wait = min(wait * 1.5, settings.render_poll_max_s)


async def download(transport: Transport, job: RenderJob, output: Path, *,
                   on_progress: RenderProgress | None = None) -> Path:
    """Stream the rendered file to ``output`` (via ``.part``), from its URL or the fallback."""
    if job.url:
        try:
            return await save_url(transport, job.url, output, on_progress=on_progress)
        except NemoError as exc:
            log.info("render URL failed (%s); using the download fallback", exc.message)
    fallback = protocol.path(protocol.PATH_RENDER_DOWNLOAD, render_id=job.id)
    stream = transport.stream("GET", fallback,
                              timeout=httpx.Timeout(transport.settings.timeout_s))
    return await _save_to(stream, output, transport.settings.chunk_bytes, on_progress)


async def save_url(transport: Transport, url: str, output: Path, *,
                   on_progress: RenderProgress | None = None) -> Path:
    """Stream an absolute media URL (a render, a generated track) to ``output`` through a
    ``.part`` file, so a reader never sees half a file and a failure leaves nothing behind.
    The token goes only to the backend's own origin (``Transport.fetch``)."""
    return await _save_to(transport.fetch(url), output, transport.settings.chunk_bytes,
                          on_progress)


async def _save_to(stream: AbstractAsyncContextManager[httpx.Response], output: Path,
                   chunk_bytes: int, on_progress: RenderProgress | None) -> Path:
    """Write the response of ``stream`` to ``output`` through ``output.part``, renamed into
    place only once complete; on any failure the partial file is removed."""
    output = output.expanduser()
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".part")
    try:
        async with stream as response:
            await _save(response, partial, chunk_bytes, on_progress)
        os.replace(partial, output)
        return output
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


async def _save(response: httpx.Response, partial: Path, chunk_bytes: int,
                on_progress: RenderProgress | None) -> None:
    total = int(response.headers.get("content-length") or 0)
    done = 0
    with partial.open("wb") as handle:
        async for chunk in response.aiter_bytes(chunk_bytes):
            await asyncio.to_thread(handle.write, chunk)
            done += len(chunk)
            if on_progress is not None:
                on_progress("download", done / total if total else 0.0)
    if total and done != total:
        raise NemoError(f"The download stopped at {done} of {total} bytes.")
    if on_progress is not None:
        on_progress("download", 1.0)


def describe_file(path: Path, draft: dict[str, Any]) -> tuple[float, int, int]:
    """``(duration_s, width, height)`` of the MP4, read with PyAV when it can, else what the
    draft asked for."""
    meta = draft.get("m")
    meta = meta if isinstance(meta, dict) else {}
    duration = _whole(draft.get("d")) / 1000
    width, height = _whole(meta.get("width")) or 1920, _whole(meta.get("height")) or 1080
    try:
        import av

        with av.open(str(path)) as container:
            if container.duration:
                duration = float(container.duration) / av.time_base
            if container.streams.video:
                context = container.streams.video[0].codec_context
                width, height = int(context.width), int(context.height)
    except Exception as exc:  # a file PyAV cannot read still downloaded fine
        log.debug("could not probe %s: %s", path.name, type(exc).__name__)
    return duration, width, height


async def export_draft(transport: Transport, draft: dict[str, Any], output: Path, *,
                       session_id: str | None, on_progress: RenderProgress | None = None,
                       book: RenderBook | None = None, backend: str = "") -> ExportResult:
    """The whole export: write the id down, submit, follow, download, describe."""
    render_id = new_render_id()
    found = draft.get("m")
    meta: dict[str, Any] = found if isinstance(found, dict) else {}
    record = RenderRecord(render_id, backend, session_id, str(Path(output).expanduser()
                                                              .absolute()),
                          width=_whole(meta.get("width")), height=_whole(meta.get("height")),
                          duration_ms=_whole(draft.get("d")))
    if book is not None:
        book.add(record)
    try:
        await submit(transport, render_id, session_id, draft)
    except BadRequest:
        if book is not None:  # refused: there is no job to follow later
            book.remove(render_id)
        raise
    return await resume(transport, render_id, Path(output), book=book, record=record,
                        on_progress=on_progress)


async def resume(transport: Transport, render_id: str, output: Path, *,
                 book: RenderBook | None = None, record: RenderRecord | None = None,
                 on_progress: RenderProgress | None = None) -> ExportResult:
    """Follow a submitted render to its end, download it and strike its record."""
    try:
        job = await follow(transport, render_id, on_progress=on_progress)
    except RenderFailed as exc:
        if book is not None and not exc.still_running:
            book.remove(render_id)  # failed for good (not merely slow)
        raise
    path = await download(transport, job, Path(output), on_progress=on_progress)
    facts = record.draft_size if record is not None else {}
    duration, width, height = await asyncio.to_thread(describe_file, path, facts)
    if book is not None:
        book.remove(render_id)
    return ExportResult(path=path, url=job.url, render_id=render_id, duration_s=duration,
                        size_bytes=path.stat().st_size, width=width, height=height)


def _whole(value: Any) -> int:
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError, OverflowError):
        return 0

"""The FFmpeg runner: one command, its progress, cancellation, and a plain failure sentence.

FFmpeg reports progress on its stdout (``-progress pipe:1``), read by a thread so the caller's
thread can watch for cancellation; stderr goes to a temporary file so its pipe can never fill
and block. A failed run deletes what it wrote and raises ``RenderError`` with a sentence for the
user — FFmpeg's own words (with pointer addresses and option dumps) go to the engine's log.
A run that writes more than ``max_bytes`` is stopped: one render's temporary space is bounded.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

from nemo_widgets.engine.errors import RenderError
from nemo_widgets.engine.processes import child_preexec

__all__ = ["failure_sentence", "parse_progress_line", "run_ffmpeg"]

log = logging.getLogger(__name__)

_TIME_KEYS = (b"out_time_us=", b"out_time_ms=")  # both are microseconds (an FFmpeg quirk)
_SIZE_CHECK_S = 0.5


def parse_progress_line(line: bytes) -> int | None:
    """Microseconds of output written, from one ``-progress`` line, or None."""
    for key in _TIME_KEYS:
        if line.startswith(key):
            try:
                return int(line[len(key):].strip())
            except ValueError:  # "N/A" before the first frame
                return None
    return None


def _read_progress(stream: IO[bytes], sink: queue.Queue[int | None]) -> None:
    """Reader thread: forward output times to ``sink``; None when FFmpeg closes its stdout."""
    try:
        for line in stream:
            micros = parse_progress_line(line)
            if micros is not None:
                sink.put(micros)
    except (OSError, ValueError):  # the pipe was closed under us: FFmpeg is gone
        pass
    finally:
        sink.put(None)


def _stderr_tail(log_file: IO[bytes], lines: int = 15) -> str:
    log_file.seek(0)
    text = log_file.read().decode("utf-8", "replace")
    tail = [line for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join(tail)[-3000:]


def failure_sentence(code: int, stderr: str) -> str:
    """What a failed FFmpeg run means for the user, from its exit code and error output."""
    lowered = stderr.lower()
    if ("no space left" in lowered or "disk quota" in lowered or "file too large" in lowered
            or code == -signal.SIGXFSZ):  # the signal of a file-size limit
        return ("The disk holding the engine's folder is full (or a file-size limit stopped the "
                "engine), so the render could not be written. Free some space (or point "
                "NEMO_HOME at a bigger disk) and render again.")
    if "permission denied" in lowered or "read-only file system" in lowered:
        return ("The engine may not write its render into its folder (permission denied). Make "
                "the folder writable and render again.")
    if any(sign in lowered for sign in ("invalid data found", "moov atom not found",
                                        "error while decoding", "end of file",
                                        "no such file")):
        return ("A source file of this draft cannot be read any more (it is missing, damaged "
                "or was changed after upload). Upload it again and render again.")
    return (f"FFmpeg could not render this draft (exit code {code}). Check the draft's sources "
            "and in-points; the engine's log has FFmpeg's own words.")


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _watch(proc: subprocess.Popen[bytes], target: Path, duration_ms: int,
           on_progress: Callable[[float], None] | None, cancel: threading.Event | None,
           max_bytes: int | None) -> None:
    """Follow FFmpeg until it closes its output, reporting progress in the caller's thread."""
    assert proc.stdout is not None
    updates: queue.Queue[int | None] = queue.Queue()
    reader = threading.Thread(target=_read_progress, args=(proc.stdout, updates), daemon=True,
                              name="ffmpeg-progress")
    reader.start()
    last = 0.0
    waited = 0.0
    try:
        if on_progress is not None:
            on_progress(last)
        while True:
            if cancel is not None and cancel.is_set():
                raise RenderError("cancelled")
            try:
                micros = updates.get(timeout=0.1)
            except queue.Empty:
                micros = -1
            waited += 0.1 if micros == -1 else 0.0
            if max_bytes is not None and (micros != -1 or waited >= _SIZE_CHECK_S):
                waited = 0.0
                with contextlib.suppress(OSError):
                    if target.stat().st_size > max_bytes:
                        raise RenderError(
                            f"The render outgrew its temporary space ({max_bytes // 1024 ** 2} "
                            "MB, setting render_max_temp_bytes) and was stopped. Shorten the "
                            "timeline or raise the setting.")
            if micros is None:
                break
            if micros == -1:
                continue
            percent = min(99.9, max(0.0, micros / (duration_ms * 10)))
            if on_progress is not None and percent > last:
                last = percent
                on_progress(percent)
    except BaseException:
        proc.kill()  # cancelled, or the callback failed: stop FFmpeg before anything else
        proc.wait()
        raise
    finally:
        reader.join(timeout=5)


def run_ffmpeg(argv: list[str], target: Path, duration_ms: int,
               on_progress: Callable[[float], None] | None = None,
               cancel: threading.Event | None = None, max_bytes: int | None = None) -> None:
    """Run one FFmpeg command that writes ``target``; delete it and raise on any failure.

    ``on_progress`` gets 0-100 (never 100: the caller says when it is done); setting
    ``cancel`` kills FFmpeg and raises RenderError("cancelled").
    """
    _remove(target)
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=errors, preexec_fn=child_preexec())
        except OSError as exc:
            raise RenderError(f"Cannot start FFmpeg ({exc.strerror or exc}); reinstall the "
                              "imageio-ffmpeg package.") from exc
        try:
            _watch(proc, target, duration_ms, on_progress, cancel, max_bytes)
            code = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            _remove(target)
            raise
        finally:
            if proc.stdout is not None:
                proc.stdout.close()
        if code != 0 or not target.is_file():
            _remove(target)
            detail = _stderr_tail(errors) or "no error output"
            log.warning("FFmpeg failed (exit code %s): %s", code, detail)
            raise RenderError(failure_sentence(code, detail))

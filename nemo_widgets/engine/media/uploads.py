"""Multipart uploads streamed to temp files: the ``files`` parts of a body, nothing else kept.

Each ``files`` part goes through a ``TempWriter`` (hashed, size-limited, claimed from the
sweeper). Every way a body can fail — too large, malformed, ending before its closing boundary,
too slow, the client gone, the disk full — discards every part written so far. A body must keep
a minimum rate (``upload_min_rate_bps`` over each ``upload_rate_window_s``): a sender dripping a
byte every few seconds would otherwise hold a connection and a temp file for ever.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import anyio
from python_multipart.multipart import MultipartParser, parse_options_header

from nemo_widgets.engine.errors import EngineError
from nemo_widgets.engine.media.files import ReceivedFile, TempWriter, safe_filename

__all__ = ["RatePolicy", "TooSlow", "paced", "receive_multipart"]


class TooSlow(EngineError):
    """A body or a download that fell under the minimum rate, or past its deadline."""

    code = 408
    http_status = 408


@dataclass(frozen=True)
class RatePolicy:
    """At least ``min_bps`` bytes per second over every ``window_s`` (0 turns the check off)."""

    min_bps: int = 16 * 1024
    window_s: float = 30.0
    what: str = "The upload"
    setting: str = "upload_min_rate_bps"


async def paced(chunks: AsyncIterator[bytes], policy: RatePolicy) -> AsyncIterator[bytes]:
    """Pass ``chunks`` on, raising ``TooSlow`` when a window brings less than its share.

    Waiting for the next chunk is bounded too, so a sender that stops sending is caught as
    surely as one that sends a byte every few seconds. A wait is only ever cut when the rate is
    already missed (cancelling a read ends the stream it reads from).
    """
    if policy.min_bps <= 0 or policy.window_s <= 0:
        async for piece in chunks:
            yield piece
        return
    need = math.ceil(policy.min_bps * policy.window_s)
    started, got = time.monotonic(), 0
    iterator = chunks.__aiter__()

    def too_slow() -> TooSlow:
        return TooSlow(
            f"{policy.what} was too slow: under the minimum of {policy.min_bps // 1024} KB/s "
            f"over {policy.window_s:g} s (setting {policy.setting}). Check the connection and "
            "try again.")

    while True:
        now = time.monotonic()
        while now >= started + policy.window_s:  # close the windows that have ended
            if got < need:
                raise too_slow()
            started, got = started + policy.window_s, 0
        # nothing more arriving fails this window if it is short, else the next one
        give_up = started + policy.window_s * (1 if got < need else 2)
        with anyio.move_on_after(give_up - now) as scope:
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                return
        if scope.cancelled_caught:
            raise too_slow()
        got += len(chunk)
        yield chunk


@dataclass
class _PartState:
    headers: dict[str, bytes] = field(default_factory=dict)
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    writer: TempWriter | None = None
    filename: str | None = None
    error: EngineError | None = None
    finished: bool = False


async def receive_multipart(body: AsyncIterator[bytes], content_type: str, folder: Path,
                            limit: int, rate: RatePolicy | None = None) -> list[ReceivedFile]:
    """Stream the ``files`` parts of a multipart body to temp files (other parts are skipped).

    On any failure every temp file written is deleted before the error goes on.
    """
    ctype, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise EngineError("Send the files as multipart/form-data with a boundary.",
                          http_status=422)
    received: list[ReceivedFile] = []
    writers: list[TempWriter] = []
    state = _PartState()

    def on_part_begin() -> None:
        state.headers.clear()
        state.writer, state.filename = None, None

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.header_field += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.header_value += data[start:end]

    def on_header_end() -> None:
        state.headers[state.header_field.decode("latin-1").lower()] = bytes(state.header_value)
        state.header_field.clear()
        state.header_value.clear()

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(state.headers.get("content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        if name != "files":
            return
        raw_name = disposition.get(b"filename")
        state.filename = safe_filename(raw_name.decode("utf-8", "replace") if raw_name else None)
        try:
            state.writer = TempWriter(folder, limit)
        except EngineError as exc:
            state.error = exc
            return
        writers.append(state.writer)

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state.writer is not None and state.error is None:
            try:
                state.writer.write(memoryview(data)[start:end])
            except EngineError as exc:
                state.error = exc

    def on_part_end() -> None:
        if state.writer is not None and state.error is None:
            try:
                state.writer.close()
            except EngineError as exc:
                state.error = exc
                return
            received.append(ReceivedFile(state.filename or "upload", state.writer.path,
                                         state.writer.size, state.writer.digest))
        state.writer = None

    def on_end() -> None:
        state.finished = True

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end, "on_end": on_end,
    })
    try:
        async for chunk in paced(body, rate or RatePolicy()):
            parser.write(chunk)
            if state.error is not None:
                raise state.error
        parser.finalize()
        if not state.finished:
            raise EngineError("The upload ended before its closing boundary: the connection "
                              "was cut or the body is incomplete. Send it again.",
                              http_status=422)
    except BaseException as exc:
        for writer in writers:
            writer.discard()
        if isinstance(exc, (EngineError, anyio.get_cancelled_exc_class())) or \
                not isinstance(exc, Exception):
            raise
        raise EngineError(f"The multipart body is malformed ({type(exc).__name__}); send the "
                          "files as multipart/form-data.", http_status=422) from exc
    if not received:
        raise EngineError("No files were sent: use the multipart field name 'files'.",
                          http_status=422)
    return received

"""Server-sent events off an httpx response, comments included.

httpx-sse follows the SSE specification and drops comment lines, but the gateway's ``: ping``
comments are keep-alives the client must see (10 minutes of keep-alives only is a time-out,
and every 2 minutes of them earn a progress note). So this is a small decoder of its own that
reports a comment as a message with ``comment=True``. Lines end at ``\\r\\n``, ``\\r`` or ``\\n``
only (``str.splitlines`` would also split inside JSON text at U+2028), and an event still
open when the stream ends is delivered rather than lost: a failing gateway may close right
after its ``data: {"error": ...}`` line.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True)
class SseMessage:
    """One dispatched event (``data`` lines joined by newlines) or one comment line."""

    data: str
    comment: bool = False


async def _lines(chunks: AsyncIterable[str]) -> AsyncIterator[str]:
    pending = ""
    async for chunk in chunks:
        if not chunk:
            continue
        text = pending + chunk
        # A trailing CR may be the first half of CRLF: keep it for the next chunk.
        hold_cr = text.endswith("\r")
        if hold_cr:
            text = text[:-1]
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        *complete, pending = text.split("\n")
        if hold_cr:
            pending += "\r"
        for line in complete:
            yield line
    if pending:
        yield pending.rstrip("\r")


async def iter_sse(chunks: AsyncIterable[str]) -> AsyncIterator[SseMessage]:
    """Decode text chunks (``response.aiter_text()``) into messages."""
    data: list[str] | None = None
    async for line in _lines(chunks):
        if not line:
            if data is not None:
                yield SseMessage("\n".join(data))
            data = None
        elif line.startswith(":"):
            yield SseMessage(line[1:].strip(), comment=True)
        else:
            name, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if name == "data":
                data = [*(data or []), value]
            # event:, id:, retry: and unknown fields carry nothing the protocol uses.
    if data is not None:
        yield SseMessage("\n".join(data))

"""Drain a turn's event queue as ``data:`` blocks, with keep-alives while it is quiet.

The turn runs as its own task; this generator only reads its queue. If the client goes away,
the generator stops but the turn completes and is saved (a client then polls the state).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

END = object()
"""Put on the queue by the runner when the turn is over."""


def heartbeat(style: str) -> str:
    """A keep-alive in one of the gateway's styles: ``bare``, ``json`` or ``comment``."""
    if style == "json":
        return 'data: {"type":"heartbeat"}\n\n'
    if style == "comment":
        return ": ping\n\n"
    return "data:\n\n"


async def sse_body(queue: asyncio.Queue[Any], *, keepalive_s: float,
                   heartbeat_style: str) -> AsyncIterator[str]:
    """The queue's items as SSE blocks until the runner's END marker."""
    while True:
        try:
            item = await asyncio.wait_for(queue.get(), timeout=keepalive_s)
        except asyncio.TimeoutError:
            yield heartbeat(heartbeat_style)
            continue
        if item is END:
            return
        yield "data: " + json.dumps(item, ensure_ascii=False) + "\n\n"

"""Bytes for the browser, by key, on request: thumbnails, music versions, the audition's video,
the export.

Traits name what a view may show (``media[].key``, ``music.blob``, ``versions[].blob``,
``exported.key`` …); a view asks for the keys it draws (``want``) and each is pushed to it in
acknowledged chunks (``transfer.push_blob``). A key names content that never changes (a hash,
a render id), so a key made once is kept and sent again to any view that asks: a view opened
later, or a page reloaded, gets what it draws. What is made only on request (the audition's
video, an older music version) costs nothing until someone plays it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nemo_widgets.widget.transfer import CHUNK_BYTES, WINDOW, BlobSource, OutgoingAcks, push_blob

log = logging.getLogger("nemo_widgets.widget")

Maker = Callable[[], Awaitable[BlobSource | None]]
Post = Callable[[dict[str, Any], list[bytes]], None]


class Blobs:
    """Keys the kernel can serve, the views that asked, and the transfers in flight.

    Every method runs on the client's loop (``Work.spawn``), except ``ack`` and ``bye`` which
    the message handler calls from the kernel's thread.
    """

    def __init__(self, post: Post,
                 limits: Callable[[], tuple[int, int]] = lambda: (CHUNK_BYTES, WINDOW)) -> None:
        self._post = post
        self._limits = limits
        """The chunk size and window now (the widget's traits, read at each transfer)."""
        self._made: dict[str, BlobSource] = {}
        self._makers: dict[str, Maker] = {}
        self._making: dict[str, asyncio.Future[BlobSource | None]] = {}
        self._waiting: dict[str, set[str]] = {}
        """Keys asked for before the kernel could serve them → the views that asked."""
        self._acks: dict[tuple[str, str], OutgoingAcks] = {}
        self._gone: set[str] = set()
        self._ids = itertools.count(1)

    def offer(self, key: str, source: BlobSource | Maker) -> list[str]:
        """Make ``key`` available (bytes now, or a maker called on the first request).
        Views that already asked for it are returned, to be served."""
        if isinstance(source, BlobSource):
            self._made[key] = source
        elif key not in self._made:
            self._makers[key] = source
        return sorted(self._waiting.pop(key, set()))

    def knows(self, key: str) -> bool:
        return key in self._made or key in self._makers

    async def serve(self, view: str, key: str) -> None:
        """Push ``key`` to ``view`` (made first if needed); remembered if not offered yet."""
        if view in self._gone:
            return
        if not self.knows(key):
            self._waiting.setdefault(key, set()).add(view)
            return
        source = await self._source(key)
        if source is not None:
            await self._push(source, view)

    async def _source(self, key: str) -> BlobSource | None:
        if key in self._made:
            return self._made[key]
        pending = self._making.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._makers[key]())
            self._making[key] = pending
        try:
            source = await asyncio.shield(pending)
        finally:
            self._making.pop(key, None)
        if source is not None:
            self._made[key] = source
        return source

    async def _push(self, source: BlobSource, view: str) -> None:
        transfer = f"b{next(self._ids)}"
        acks = OutgoingAcks(asyncio.get_running_loop())
        self._acks[(view, transfer)] = acks
        chunk_bytes, window = self._limits()
        try:
            delivered = await push_blob(source, view, transfer, self._post, acks,
                                        chunk_bytes=chunk_bytes, window=window)
        finally:
            self._acks.pop((view, transfer), None)
        if not delivered:
            self._gone.add(view)

    def ack(self, view: str, transfer: str, seq: int) -> None:
        acks = self._acks.get((view, transfer))
        if acks is not None:
            acks.ack(seq)

    def bye(self, view: str) -> None:
        """The view went away: its transfers stop at their next wait."""
        self._gone.add(view)
        for (target, _transfer), acks in list(self._acks.items()):
            if target == view:
                acks.stop()
        for views in self._waiting.values():
            views.discard(view)

    def hello(self, view: str) -> None:
        """A view (re)appeared under this id: serve it again."""
        self._gone.discard(view)

"""Bulk bytes between the browser and the kernel, in chunks over the widget's custom messages.

Jupyter's websocket drops messages over 10 MiB, and a synced trait would put the bytes in the
saved notebook, so files travel as binary buffers of ≈1 MiB, each acknowledged, with a small
window in flight. Incoming chunks go straight to a temporary file (memory stays flat) and are
checked twice: each chunk against the SHA-256 the browser computed for it, and the whole file
against the size announced before the first byte. Outgoing files (the export, previews) are read
in the same chunks and wait for the browser's acknowledgements, so a slow browser slows the
sender instead of filling the kernel's memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nemo_widgets.client.errors import FileTooLarge, NemoError, UnsupportedFile
from nemo_widgets.protocol import SUPPORTED_EXTENSIONS

CHUNK_BYTES = 1024 * 1024
"""The size of one chunk (both directions)."""
WINDOW = 8
"""How many chunks may be unacknowledged at once: 8 MiB in flight. Each 1 MiB chunk crosses
JupyterLab, the server and the kernel (about 100 ms there and back on a busy two-core machine),
so a window of 4 left the pipe idle between acknowledgements: a 200 MB upload measured ≈28 MB/s
at 4, ≈33 MB/s at 8 and no more at 16."""
ACK_TIMEOUT_S = 60.0
"""An outgoing transfer whose browser stops acknowledging for this long is abandoned."""

_UNSAFE = re.compile(r"[^\w.\- ]+")

Send = Callable[[dict[str, Any], list[bytes]], None]


def safe_name(name: str) -> str:
    """A file name without folders or odd characters (the browser's name is only a label)."""
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    return base[:120] or "upload"


def check_file(name: str, size: int, max_bytes: int) -> None:
    """Refuse, before any byte is sent, what the backend would refuse (4001 / 4002)."""
    if size < 0:  # only a broken or hostile front end says so; the file would never finish
        raise NemoError(f"{name}: {size} bytes is not a file size.", fix="Upload the file again.")
    extension = Path(name).suffix.lstrip(".").lower()
    if extension not in SUPPORTED_EXTENSIONS:
        raise UnsupportedFile(f"{name}: this file type is not supported.", code=4001)
    if size == 0:
        raise UnsupportedFile(f"{name} is empty (0 bytes).",
                              fix="Choose the file again; it may not have been saved "
                                  "completely.", code=4001)
    if size > max_bytes:
        raise FileTooLarge(f"{name} is {size / 2**20:.0f} MB, over the "
                           f"{max_bytes / 2**20:.0f} MB limit.", code=4002)


class IncomingFile:
    """One file arriving from the browser: chunks in order, written to a temporary file."""

    def __init__(self, upload_id: str, name: str, size: int, folder: Path) -> None:
        self.id = upload_id
        self.name = safe_name(name)
        self.size = size
        self.received = 0
        self.next_seq = 0
        self.folder = Path(tempfile.mkdtemp(prefix="upload-", dir=folder))
        self.path = self.folder / self.name
        self._file = self.path.open("wb")
        self._hash = hashlib.sha256()
        self.sha256: str | None = None

    def write(self, seq: int, data: bytes | memoryview, digest: str | None) -> None:
        """Append chunk ``seq``; raise ``NemoError`` if it is out of order, corrupt or too big."""
        if seq != self.next_seq:
            raise NemoError(f"{self.name}: chunk {seq} arrived, {self.next_seq} was expected.",
                            fix="Upload the file again.")
        if digest is not None and hashlib.sha256(data).hexdigest() != digest:
            raise NemoError(f"{self.name}: chunk {seq} was damaged on the way.",
                            fix="Upload the file again.")
        if self.received + len(data) > self.size:
            raise NemoError(f"{self.name}: more bytes arrived than announced.",
                            fix="Upload the file again.")
        self._file.write(data)
        self._hash.update(data)
        self.received += len(data)
        self.next_seq += 1

    @property
    def complete(self) -> bool:
        return self.received == self.size

    def finish(self) -> Path:
        """Close the file once every byte is in; its SHA-256 is then in ``sha256``."""
        self._file.close()
        if not self.complete:
            raise NemoError(f"{self.name}: {self.received} of {self.size} bytes arrived.",
                            fix="Upload the file again.")
        self.sha256 = self._hash.hexdigest()
        return self.path

    def discard(self) -> None:
        """Drop a cancelled or refused upload: nothing of it is kept."""
        self._file.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class BlobSource:
    """Something the browser shows from bytes: a thumbnail, the music, the export."""

    key: str
    name: str
    mime: str
    path: Path | None = None
    data: bytes | None = None

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        return self.path.stat().st_size if self.path else 0

    def chunks(self, chunk_bytes: int) -> Any:
        if self.data is not None:
            for start in range(0, len(self.data), chunk_bytes):
                yield self.data[start:start + chunk_bytes]
            return
        assert self.path is not None
        with self.path.open("rb") as handle:
            while piece := handle.read(chunk_bytes):
                yield piece


@dataclass
class OutgoingAcks:
    """The acknowledgements of one outgoing transfer, fed from the message handler."""

    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[int] = field(default_factory=asyncio.Queue)

    def ack(self, seq: int) -> None:
        """Called by the message handler, from whatever thread delivers messages."""
        self.loop.call_soon_threadsafe(self.queue.put_nowait, seq)

    def stop(self) -> None:
        """The view went away (``bye``): the transfer ends at its next wait."""
        self.ack(-1)


async def push_blob(source: BlobSource, view: str, transfer_id: str, send: Send,
                    acks: OutgoingAcks, *, chunk_bytes: int = CHUNK_BYTES,
                    window: int = WINDOW, ack_timeout_s: float = ACK_TIMEOUT_S) -> bool:
    """Send ``source`` to ``view`` in acknowledged chunks; False if the view stopped answering."""
    size = source.size
    digest = hashlib.sha256()
    send({"kind": "blob-start", "view": view, "id": transfer_id, "key": source.key,
          "name": source.name, "mime": source.mime, "size": size}, [])
    in_flight = 0
    for seq, piece in enumerate(source.chunks(chunk_bytes)):
        while in_flight >= window:
            if not await _acknowledged(acks, ack_timeout_s):
                send({"kind": "blob-cancel", "view": view, "id": transfer_id}, [])
                return False
            in_flight -= 1
        digest.update(piece)
        send({"kind": "blob-chunk", "view": view, "id": transfer_id, "seq": seq}, [piece])
        in_flight += 1
    while in_flight:
        if not await _acknowledged(acks, ack_timeout_s):
            send({"kind": "blob-cancel", "view": view, "id": transfer_id}, [])
            return False
        in_flight -= 1
    send({"kind": "blob-end", "view": view, "id": transfer_id, "sha256": digest.hexdigest()},
         [])
    return True


async def _acknowledged(acks: OutgoingAcks, timeout_s: float) -> bool:
    """One acknowledgement; False when none came in time or the view said goodbye."""
    try:
        seq = await asyncio.wait_for(acks.queue.get(), timeout_s)
    except asyncio.TimeoutError:
        return False
    return seq >= 0

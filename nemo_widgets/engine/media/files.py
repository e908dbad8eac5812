"""Content-addressed media files: temp files in, files named by their SHA-256 out (ownership
and lookups by hash are ``engine/library.py``'s).

Bytes go straight from the socket to a temporary file in ``tmp/`` while being hashed
(``TempWriter``), so memory stays flat whatever the size; reading stops at the size limit and
the partial file is deleted. Only after PyAV has said what the bytes really are does the file
move (atomically) to ``media/<sha256>.<ext>`` (``commit``), so a failed upload leaves nothing
behind. A temp file is claimed from the ``tmp/`` sweeper while it is being written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import anyio

from nemo_widgets.engine.errors import FileTooLarge
from nemo_widgets.engine.media import sweeper
from nemo_widgets.engine.media.disk import is_storage_error, storage_error
from nemo_widgets.engine.media.probe import MediaInfo, probe
from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.engine.store import MediaRecord, Store

__all__ = [
    "ReceivedFile", "TempWriter", "commit", "discard", "file_sha256", "inspect", "media_url",
    "safe_filename", "too_large", "upload_answer",
]


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read a MiB at a time: media are named by it."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class ReceivedFile:
    """One file written to a temporary path, with its hash and the name the sender gave."""

    filename: str
    temp_path: Path
    size: int
    sha256: str


def safe_filename(raw: str | None, fallback: str = "upload") -> str:
    """A display name with no path, no control characters and a bounded length."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".")
    if len(name) > 180:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 170] + dot + ext[:9]) if dot else name[:180]
    return name or fallback


def too_large(limit: int) -> FileTooLarge:
    return FileTooLarge(f"The file is larger than {limit // (1024 * 1024)} MB. "
                        "Trim or compress it and upload again.")


class TempWriter:
    """Writes chunks to a temp file in ``folder``, hashing them, and refuses to pass the size
    limit. The file is claimed from the sweeper until ``close`` or ``discard``; a disk-full or
    permission error is raised as the ``StorageError`` that names it."""

    def __init__(self, folder: Path, limit: int, prefix: str = "upload-") -> None:
        try:
            fd, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".part")
        except OSError as exc:
            raise storage_error(exc, folder) from exc
        self.path = Path(name)
        sweeper.claim(self.path)
        self._folder = folder
        self._file: IO[bytes] = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self._limit = limit
        self.size = 0

    def write(self, chunk: bytes | memoryview) -> None:
        self.size += len(chunk)
        if self.size > self._limit:
            raise too_large(self._limit)
        try:
            self._file.write(chunk)
        except OSError as exc:
            raise storage_error(exc, self._folder) from exc
        self._hash.update(chunk)

    def close(self) -> None:
        """Finish writing; the file stays claimed until it is committed or discarded."""
        try:
            self._file.close()
        except OSError as exc:  # the last buffered bytes did not fit
            self.discard()
            raise storage_error(exc, self._folder) from exc

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
        self.path.unlink(missing_ok=True)
        sweeper.release(self.path)

    @property
    def digest(self) -> str:
        return self._hash.hexdigest()


async def inspect(received: ReceivedFile) -> MediaInfo:
    """Probe a received file (in a worker thread: PyAV decodes a frame)."""
    return await anyio.to_thread.run_sync(probe, received.temp_path)


def commit(received: ReceivedFile, info: MediaInfo, settings: EngineSettings,
           store: Store) -> MediaRecord:
    """Move a probed file to its content-addressed place (or drop it if already there)."""
    try:
        existing = store.media(received.sha256)
        if existing is not None and existing.path.exists():
            received.temp_path.unlink(missing_ok=True)
            return existing
        final = settings.media_dir / f"{received.sha256}.{info.container}"
        os.replace(received.temp_path, final)
        return store.put_media(received.sha256, final, received.size, info.to_json())
    except Exception as exc:
        if is_storage_error(exc):
            raise storage_error(exc, settings.home) from exc
        raise
    finally:
        sweeper.release(received.temp_path)


def discard(received: list[ReceivedFile]) -> None:
    """Delete the temp files of received files that will not be kept."""
    for item in received:
        with contextlib.suppress(OSError):
            item.temp_path.unlink(missing_ok=True)
        sweeper.release(item.temp_path)


def upload_answer(record: MediaRecord, filename: str, base_url: str) -> dict[str, Any]:
    """The protocol's per-file answer: filename, file_type, cdn_url, duration, size, fps, hash."""
    info = record.info
    return {
        "filename": filename,
        "file_type": info["file_type"],
        "cdn_url": media_url(base_url, record),
        "duration": info["duration"],
        "width": info["width"],
        "height": info["height"],
        "fps": info["fps"],
        "hash": record.hash,
    }


def media_url(base_url: str, record: MediaRecord) -> str:
    return f"{base_url.rstrip('/')}/media/{record.path.name}"

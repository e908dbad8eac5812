"""Uploads streamed to disk: multipart parts or URLs in, content-addressed media records out.

Bytes go straight from the socket to a temporary file while being hashed, so memory stays flat
whatever the size. Reading stops at the size limit and the partial file is deleted. Only after
PyAV has said what the bytes really are does the file move (atomically) to its content-addressed
place, so a failed upload leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import anyio
import httpx
from python_multipart.multipart import MultipartParser, parse_options_header

from nemo_widgets.engine.errors import EngineError, FileTooLarge, UnsupportedMedia
from nemo_widgets.engine.media import MediaInfo, probe
from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.engine.store import MediaRecord, Store


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


def _too_large(limit: int) -> FileTooLarge:
    return FileTooLarge(f"The file is larger than {limit // (1024 * 1024)} MB. "
                        "Trim or compress it and upload again.")


class _SizedWriter:
    """Writes chunks to a temp file, hashing them, and refuses to pass the size limit."""

    def __init__(self, folder: Path, limit: int) -> None:
        fd, name = tempfile.mkstemp(dir=folder, prefix="upload-", suffix=".part")
        self.path = Path(name)
        self._file: IO[bytes] = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self._limit = limit
        self.size = 0

    def write(self, chunk: bytes | memoryview) -> None:
        self.size += len(chunk)
        if self.size > self._limit:
            raise _too_large(self._limit)
        self._file.write(chunk)
        self._hash.update(chunk)

    def close(self) -> None:
        self._file.close()

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)

    @property
    def digest(self) -> str:
        return self._hash.hexdigest()


@dataclass
class _PartState:
    headers: dict[str, bytes] = field(default_factory=dict)
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    writer: _SizedWriter | None = None
    filename: str | None = None
    error: EngineError | None = None


async def receive_multipart(body: AsyncIterator[bytes], content_type: str, folder: Path,
                            limit: int) -> list[ReceivedFile]:
    """Stream the ``files`` parts of a multipart body to temp files (other parts are skipped)."""
    ctype, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise EngineError("Send the files as multipart/form-data with a boundary.",
                          http_status=422)
    received: list[ReceivedFile] = []
    writers: list[_SizedWriter] = []
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
        state.writer = _SizedWriter(folder, limit)
        writers.append(state.writer)

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state.writer is not None and state.error is None:
            try:
                state.writer.write(memoryview(data)[start:end])
            except FileTooLarge as exc:
                state.error = exc

    def on_part_end() -> None:
        if state.writer is not None and state.error is None:
            state.writer.close()
            received.append(ReceivedFile(state.filename or "upload", state.writer.path,
                                         state.writer.size, state.writer.digest))
        state.writer = None

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    })
    try:
        async for chunk in body:
            parser.write(chunk)
            if state.error is not None:
                raise state.error
        parser.finalize()
    except EngineError:
        for writer in writers:
            writer.discard()
        raise
    except Exception as exc:  # the parser's own errors: a malformed body
        for writer in writers:
            writer.discard()
        raise EngineError(f"The multipart body is malformed ({type(exc).__name__}).",
                          http_status=422) from exc
    if not received:
        raise EngineError("No files were sent: use the multipart field name 'files'.",
                          http_status=422)
    return received


async def download_url(url: str, folder: Path, limit: int) -> ReceivedFile:
    """Fetch one http(s) URL to a temp file under the same size limit as uploads."""
    if not re.match(r"^https?://", url, re.IGNORECASE):
        raise UnsupportedMedia("Only http:// and https:// URLs can be imported.")
    writer = _SizedWriter(folder, limit)
    try:
        async with httpx.AsyncClient(follow_redirects=True, timeout=60) as client, \
                client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise UnsupportedMedia(
                    f"The URL answered HTTP {response.status_code}; nothing was imported.")
            declared = int(response.headers.get("content-length") or 0)
            if declared > limit:
                raise _too_large(limit)
            async for chunk in response.aiter_bytes(1 << 16):
                writer.write(chunk)
    except httpx.HTTPError as exc:
        writer.discard()
        raise UnsupportedMedia(f"The URL could not be fetched ({type(exc).__name__}).") from exc
    except BaseException:
        writer.discard()
        raise
    writer.close()
    name = safe_filename(httpx.URL(url).path.rsplit("/", 1)[-1], fallback="download")
    return ReceivedFile(name, writer.path, writer.size, writer.digest)


async def inspect(received: ReceivedFile) -> MediaInfo:
    """Probe a received file (in a worker thread: PyAV decodes a frame)."""
    return await anyio.to_thread.run_sync(probe, received.temp_path)


def commit(received: ReceivedFile, info: MediaInfo, settings: EngineSettings,
           store: Store) -> MediaRecord:
    """Move a probed file to its content-addressed place (or drop it if already there)."""
    existing = store.media(received.sha256)
    if existing is not None and existing.path.exists():
        received.temp_path.unlink(missing_ok=True)
        return existing
    final = settings.media_dir / f"{received.sha256}.{info.container}"
    os.replace(received.temp_path, final)
    return store.put_media(received.sha256, final, received.size, info.to_json())


def discard(received: list[ReceivedFile]) -> None:
    for item in received:
        with contextlib.suppress(OSError):
            item.temp_path.unlink(missing_ok=True)


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


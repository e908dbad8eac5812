"""Uploads: files checked before sending, then streamed from disk as one multipart body.

Format and size are checked for every file before a byte is sent, so a bad file in a batch
fails fast with 4001 (and the supported list) or 4002 (trim or compress), as the backend would.
The body is generated on the fly in ``chunk_bytes`` pieces (memory stays flat whatever the
size), with an exact ``Content-Length`` so the server can refuse an oversized request early,
and a progress callback after every piece. File reads run in a worker thread so the event loop
(possibly Jupyter's) never waits on the disk.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from nemo_widgets import protocol
from nemo_widgets.client.errors import FileTooLarge, UnsupportedFile

UploadProgress = Callable[[int, int], None]
"""Called with ``(bytes_sent, bytes_total)`` as the body goes out."""

_MIME = {
    "mp4": "video/mp4", "mov": "video/quicktime", "avi": "video/x-msvideo",
    "webm": "video/webm", "mkv": "video/x-matroska", "jpg": "image/jpeg", "jpeg": "image/jpeg",
    "png": "image/png", "gif": "image/gif", "webp": "image/webp", "mp3": "audio/mpeg",
    "wav": "audio/wav", "m4a": "audio/mp4", "aac": "audio/aac",
}


@dataclass(frozen=True)
class LocalFile:
    """A file that passed the checks: where it is, what to call it, how big it is."""

    path: Path
    name: str
    size: int

    @property
    def mime(self) -> str:
        return _MIME.get(extension(self.name), "application/octet-stream")


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def is_url(item: str | os.PathLike[str]) -> bool:
    return isinstance(item, str) and item.lower().startswith(("http://", "https://"))


def _human(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def check_files(paths: Sequence[str | os.PathLike[str]], max_bytes: int) -> list[LocalFile]:
    """Every path exists, has a supported extension and fits the limit; else the typed error
    (before anything is sent)."""
    checked = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"No such file: {path}")
        if extension(path.name) not in protocol.SUPPORTED_EXTENSIONS:
            raise UnsupportedFile(f"{path.name}: this format cannot be uploaded.",
                                  code=protocol.CODE_UNSUPPORTED_FILE)
        size = path.stat().st_size
        if size > max_bytes:
            raise FileTooLarge(f"{path.name} is {_human(size)}, above the {_human(max_bytes)} "
                               "upload limit.", code=protocol.CODE_FILE_TOO_LARGE)
        checked.append(LocalFile(path, path.name, size))
    return checked


def check_urls(urls: Sequence[str]) -> list[str]:
    """URLs whose path names an extension must name a supported one (others the server
    judges by content)."""
    for url in urls:
        name = urlparse(url).path.rsplit("/", 1)[-1]
        ext = extension(name)
        if ext and ext not in protocol.SUPPORTED_EXTENSIONS and len(ext) <= 4:
            raise UnsupportedFile(f"{name}: this format cannot be uploaded.",
                                  code=protocol.CODE_UNSUPPORTED_FILE)
    return list(urls)


def _quote(name: str) -> str:
    """A filename for a Content-Disposition parameter (HTML5 form encoding, UTF-8)."""
    return name.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace(
        "\n", "%0A")


class MultipartBody:
    """The ``files`` parts of one upload, generated from disk on demand.

    Calling the object gives a fresh async iterator, so a retried request reads the files
    again instead of holding them in memory."""

    def __init__(self, files: Sequence[LocalFile], *, chunk_bytes: int = 1 << 20,
                 on_progress: UploadProgress | None = None) -> None:
        self.files = list(files)
        self.boundary = uuid.uuid4().hex
        self.chunk_bytes = chunk_bytes
        self.on_progress = on_progress
        self._heads = [self._head(item) for item in self.files]
        self._tail = f"--{self.boundary}--\r\n".encode()

    def _head(self, item: LocalFile) -> bytes:
        return (f"--{self.boundary}\r\n"
                f'Content-Disposition: form-data; name="files"; filename="{_quote(item.name)}"'
                f"\r\nContent-Type: {item.mime}\r\n\r\n").encode()

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def length(self) -> int:
        return (sum(len(h) + f.size + 2 for h, f in zip(self._heads, self.files, strict=True))
                + len(self._tail))

    def headers(self) -> dict[str, str]:
        return {"Content-Type": self.content_type, "Content-Length": str(self.length)}

    def __call__(self) -> AsyncIterator[bytes]:
        return self._generate()

    async def _generate(self) -> AsyncIterator[bytes]:
        total, sent = self.length, 0

        def advance(count: int) -> None:
            nonlocal sent
            sent += count
            if self.on_progress is not None:
                self.on_progress(sent, total)

        for head, item in zip(self._heads, self.files, strict=True):
            yield head
            advance(len(head))
            with item.path.open("rb", buffering=0) as handle:
                remaining = item.size
                while remaining > 0:
                    chunk = await asyncio.to_thread(handle.read, min(self.chunk_bytes,
                                                                     remaining))
                    if not chunk:
                        raise OSError(f"{item.name} shrank while it was being uploaded.")
                    remaining -= len(chunk)
                    yield chunk
                    advance(len(chunk))
            yield b"\r\n"
            advance(2)
        yield self._tail
        advance(len(self._tail))

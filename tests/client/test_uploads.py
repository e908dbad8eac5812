"""Upload checks and the streamed multipart body."""

from __future__ import annotations

import asyncio
import os

import pytest

from nemo_widgets.client import (
    FileTooLarge,
    UnsupportedFile,
)
from nemo_widgets.client.uploads import LocalFile, MultipartBody, check_files


def test_files_are_checked_before_sending(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(UnsupportedFile) as refused:
        check_files([text], 100)
    assert "mp4" in str(refused.value) and refused.value.code == 4001
    big = tmp_path / "big.mp4"
    big.write_bytes(b"\0" * 2048)
    with pytest.raises(FileTooLarge) as large:
        check_files([big], 1024)
    assert "Trim or compress" in str(large.value) and large.value.code == 4002
    with pytest.raises(FileNotFoundError):
        check_files([tmp_path / "missing.mp4"], 1024)


def test_multipart_body_is_exactly_as_long_as_announced(tmp_path):
    one, two = tmp_path / 'a "quoted".mp4', tmp_path / "b.wav"
    one.write_bytes(os.urandom(3000))
    two.write_bytes(os.urandom(10))
    seen: list[tuple[int, int]] = []
    body = MultipartBody([LocalFile(one, one.name, 3000), LocalFile(two, two.name, 10)],
                         chunk_bytes=1024, on_progress=lambda d, t: seen.append((d, t)))

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in body()])

    data = asyncio.run(collect())
    assert len(data) == body.length == seen[-1][0] == seen[-1][1]
    assert b'filename="a %22quoted%22.mp4"' in data and one.read_bytes() in data
    assert asyncio.run(collect()) == data, "each call streams the files again"

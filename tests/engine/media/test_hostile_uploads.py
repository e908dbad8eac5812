"""Uploads under attack and faults (issue 12, items 3, 7 and 14), over real HTTP against a real
engine: a body that ends before its closing boundary, a client that vanishes mid-body, a sender
dripping bytes, a full disk — each answered with a sentence that names the cause, and nothing
left in ``tmp/``. The sweeper clears what a crash left and never what a live upload owns."""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

from nemo_widgets import protocol
from tests.engine.hostile import leftovers, wait_until
from tests.engine_api import EngineApi

BOUNDARY = "nemo-test-boundary"


def multipart(payload: bytes, name: str = "clip.mp4", closed: bool = True) -> bytes:
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"{name}\"\r\nContent-Type: video/mp4\r\n\r\n").encode()
    return head + payload + (f"\r\n--{BOUNDARY}--\r\n".encode() if closed else b"")


def _headers(api: EngineApi, session_id: str, length: int) -> bytes:
    assert api.token
    host = urlsplit(api.url).netloc
    path = protocol.PATH_UPLOAD.format(session_id=session_id)
    return (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {api.token}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n").encode()


@contextlib.contextmanager
def raw_connection(api: EngineApi) -> Iterator[socket.socket]:
    parts = urlsplit(api.url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    try:
        yield sock
    finally:
        sock.close()


def _answer(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def _session(engine) -> tuple[EngineApi, str]:
    api = engine.api()
    api.login()
    return api, api.new_session()


def test_body_ending_before_its_closing_boundary_keeps_nothing(start_engine) -> None:
    engine = start_engine()
    api, session_id = _session(engine)
    body = multipart(os.urandom(300_000), closed=False)
    answer = api.http.post(protocol.PATH_UPLOAD.format(session_id=session_id),
                           headers={**api.auth, "Content-Type":
                                    f"multipart/form-data; boundary={BOUNDARY}"},
                           content=body)
    assert answer.status_code == 422
    assert "ended before its closing boundary" in answer.json()["message"]
    assert leftovers(engine.home) == []
    assert api.state(session_id)["video_infos"] == []


def test_client_gone_mid_body_keeps_nothing(start_engine) -> None:
    engine = start_engine()
    api, session_id = _session(engine)
    body = multipart(os.urandom(2_000_000))
    with raw_connection(api) as sock:
        sock.sendall(_headers(api, session_id, len(body)) + body[:600_000])
        assert wait_until(lambda: bool(leftovers(engine.home)), 10), "the upload had begun"
    assert wait_until(lambda: leftovers(engine.home) == [], 10), leftovers(engine.home)


def test_dripping_upload_is_timed_out(start_engine) -> None:
    engine = start_engine(upload_min_rate_bps=1024, upload_rate_window_s=1.0)
    api, session_id = _session(engine)
    body = multipart(b"\0" * 50_000)
    began = time.monotonic()
    with raw_connection(api) as sock:
        sock.sendall(_headers(api, session_id, len(body)) + body[:200])
        with contextlib.suppress(OSError):  # a byte every 0.3 s until the engine answers
            for i in range(200, 260):
                sock.sendall(body[i:i + 1])
                time.sleep(0.3)
        status, payload = _answer(sock)
    assert status == 408 and b"too slow" in payload and b"upload_min_rate_bps" in payload
    assert time.monotonic() - began < 15
    assert wait_until(lambda: leftovers(engine.home) == [], 5), leftovers(engine.home)


def test_full_disk_names_the_cause_and_the_fix(start_engine) -> None:
    # A file-size limit inherited by the engine makes its writes fail as on a full disk.
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (3 * 1024 * 1024, hard))
    try:
        engine = start_engine()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    api, session_id = _session(engine)
    body = multipart(os.urandom(4 * 1024 * 1024))
    answer = api.http.post(protocol.PATH_UPLOAD.format(session_id=session_id),
                           headers={**api.auth, "Content-Type":
                                    f"multipart/form-data; boundary={BOUNDARY}"},
                           content=body)
    message = answer.json()["message"]
    assert answer.status_code == 507, message
    assert "is full" in message and str(engine.home) in message and "Free some space" in message
    assert "malformed" not in message
    assert leftovers(engine.home) == []


def test_startup_sweeps_what_a_crash_left(start_engine) -> None:
    engine = start_engine()
    engine.stop()
    tmp, renders = engine.home / "tmp", engine.home / "renders"
    (tmp / "upload-abc.part").write_bytes(b"x" * 1000)
    (tmp / "url-def.part").write_bytes(b"y")
    (tmp / "render_1-xyz").mkdir()
    (tmp / "render_1-xyz" / "mix-1.f32").write_bytes(b"\0" * 4096)
    (renders / ".0123.abcd.part.mp4").write_bytes(b"z")
    (renders / "0123456789abcdef0123456789abcdef.mp4").write_bytes(b"a finished render")
    engine.restart()
    assert leftovers(engine.home) == []
    assert (renders / "0123456789abcdef0123456789abcdef.mp4").exists(), "finished files stay"


def test_periodic_sweep_spares_live_uploads(start_engine) -> None:
    engine = start_engine(tmp_sweep_interval_s=0.2, tmp_sweep_grace_s=0.0)
    api, session_id = _session(engine)
    (engine.home / "tmp" / "upload-orphan.part").write_bytes(b"left by a bug")
    assert wait_until(lambda: leftovers(engine.home) == [], 5)
    from tests.media_factory import make_video

    clip = make_video(engine.home.parent / "live.mp4", seconds=1.0).read_bytes()
    body = multipart(clip)
    with raw_connection(api) as sock:  # slow but above the rate: the sweeper runs meanwhile
        sock.sendall(_headers(api, session_id, len(body)))
        for start in range(0, len(body), len(body) // 6 + 1):
            sock.sendall(body[start:start + len(body) // 6 + 1])
            time.sleep(0.25)
        status, payload = _answer(sock)
    assert status == 200, payload
    assert len(api.state(session_id)["video_infos"]) == 1
    assert leftovers(engine.home) == []


def test_killed_mid_upload_restarts_clean(start_engine) -> None:
    engine = start_engine()
    api, session_id = _session(engine)
    body = multipart(os.urandom(3_000_000))
    with raw_connection(api) as sock:
        sock.sendall(_headers(api, session_id, len(body)) + body[:1_000_000])
        assert wait_until(lambda: bool(leftovers(engine.home)), 10), "the upload had begun"
        engine.kill()
    time.sleep(0.5)
    engine.restart()
    assert leftovers(engine.home) == [], "start-up swept the cut-off upload"
    fresh = EngineApi(engine.url)
    fresh.token = api.token
    assert fresh.state(session_id)["video_infos"] == []
    assert list((engine.home / "media").iterdir()) == []

"""Helpers for the hostile tests of media work: a small local web server that a test scripts
(files, redirects, a slow drip), polling, and what an engine left in its ``tmp/``."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from nemo_widgets import protocol
from tests.engine_api import EngineApi

Route = Callable[[BaseHTTPRequestHandler], None]


def leftovers(home: Path) -> list[str]:
    """What is in the engine's ``tmp/`` and the partial renders in ``renders/``."""
    tmp = sorted(p.name for p in (home / "tmp").iterdir()) if (home / "tmp").is_dir() else []
    renders = home / "renders"
    parts = sorted(p.name for p in renders.glob(".*.part.mp4")) if renders.is_dir() else []
    return tmp + parts


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def wait_for_render(api: EngineApi, render_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.poll(render_id)
        if job["status"] in protocol.RENDER_FINAL_STATES:
            return job
        time.sleep(0.1)
    raise AssertionError(f"render {render_id} did not finish")


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 (or ``host``) whose paths run test-given handlers;
    it counts the requests each path received."""

    def __init__(self, routes: dict[str, Route], host: str = "127.0.0.1") -> None:
        self.routes = routes
        self.hits: dict[str, int] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits[self.path] = outer.hits.get(self.path, 0) + 1
                route = outer.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    route(self)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def send_bytes(data: bytes, content_type: str = "video/mp4") -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
    return route


def redirect(location: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return route


def drip(chunk: int, every_s: float, total: int, stop: threading.Event) -> Route:
    """Send ``total`` bytes (declared) ``chunk`` bytes at a time, one chunk every ``every_s``."""
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "video/mp4")
        handler.send_header("Content-Length", str(total))
        handler.end_headers()
        sent = 0
        while sent < total and not stop.is_set():
            handler.wfile.write(b"\0" * chunk)
            handler.wfile.flush()
            sent += chunk
            time.sleep(every_s)
    return route

"""Scripted backends and small helpers shared by the client's unit tests."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from nemo_widgets import protocol
from nemo_widgets.client import (
    AsyncNemoClient,
    ClientSettings,
)
from nemo_widgets.client.sse import SseMessage, iter_sse

TOKEN = "nmv_usr_" + "a1" * 20


async def chunks(*parts: str):
    for part in parts:
        yield part


def decode_sse(*parts: str) -> list[SseMessage]:
    async def run() -> list[SseMessage]:
        return [m async for m in iter_sse(chunks(*parts))]
    return asyncio.run(run())


def make_draft(volume: float = 1.0, title: str | None = None) -> dict:
    tracks = [{"tt": 0, "name": "Video", "sg": [{"id": "v1", "kind": "video", "label": "a.mp4",
                                                 "start_ms": 0, "duration_ms": 4000,
                                                 "volume": volume, "mystery": {"k": 1}}]}]
    if title:
        tracks.append({"tt": 7, "name": "Title", "sg": [{"id": "t1", "kind": "text",
                                                         "text": title, "start_ms": 0,
                                                         "duration_ms": 2000}]})
    return {"t": tracks, "d": 4000, "m": {"width": 1920, "height": 1080}, "zz": [1]}


class FakeBackend:
    """A scripted backend: ``routes`` maps ``(method, path)`` to a list of answers."""

    def __init__(self, routes: dict[tuple[str, str], list[httpx.Response]]) -> None:
        self.routes = routes
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        answers = self.routes[(request.method, request.url.path)]
        return answers.pop(0) if len(answers) > 1 else answers[0]

    def count(self, path: str) -> int:
        return sum(1 for r in self.calls if r.url.path == path)


def token_answer(token: str = TOKEN) -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "data": {
        "token": token, "user_id": "anon_1", "credits": 100,
        "expires_at": "2099-01-01T00:00:00+00:00"}})


def scripted_client(tmp_path: Path, backend: FakeBackend, **settings) -> AsyncNemoClient:
    return AsyncNemoClient("http://fake.test", client_id="cid-1",
                           settings=ClientSettings(config_dir=tmp_path, **settings),
                           http_transport=httpx.MockTransport(backend))


def sse_backend(*streams, draft_after: dict | None = None) -> FakeBackend:
    """A backend whose ``/run_sse`` answers the given streams in order."""
    before = {"code": 0, "data": {"session_id": "s1", "state": {"draft": make_draft()}}}
    after = {"code": 0, "data": {"session_id": "s1",
                                 "state": {"draft": draft_after or make_draft()}}}
    return FakeBackend({
        ("POST", protocol.PATH_ANONYMOUS_TOKEN): [token_answer()],
        ("GET", protocol.PATH_STATE.format(session_id="s1")): [
            httpx.Response(200, json=before), httpx.Response(200, json=after)],
        ("POST", protocol.PATH_RUN_SSE): [httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=s) for s in streams],
        ("GET", protocol.PATH_CREDITS): [httpx.Response(200, json={"code": 0, "data": {
            "available": 1, "frozen": 0, "total": 1}})],
    })


def text_event(text: str) -> bytes:
    return ("data: " + json.dumps({"content": {"role": "model", "parts": [{"text": text}]}})
            + "\n\n").encode()

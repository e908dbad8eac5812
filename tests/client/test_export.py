"""Render answers, render ids, the download fallback, and polls that go wrong."""

from __future__ import annotations

import asyncio
import itertools
import time

import httpx
import pytest

from nemo_widgets import protocol
from nemo_widgets.client import (
    AsyncNemoClient,
    ClientSettings,
    MalformedAnswer,
    RenderFailed,
)
from nemo_widgets.client.export import RenderJob, new_render_id
from nemo_widgets.client.renders import RenderBook
from tests.client.fakes import token_answer


def test_render_answers_of_both_shapes():
    top = RenderJob.from_answer({"id": "r1", "status": "completed", "progress": 100,
                                 "output": {"url": "http://h/r.mp4"}}, "r1")
    inner = RenderJob.from_answer({"success": True, "data": {
        "status": "completed", "progress": 100, "outputUrl": "http://h/s.mp4"}}, "r2")
    assert (top.status, top.url) == ("completed", "http://h/r.mp4")
    assert (inner.status, inner.url, inner.id) == ("completed", "http://h/s.mp4", "r2")
    ids = [new_render_id() for _ in range(50)]
    assert len(set(ids)) == 50 and all(i.startswith("render_") for i in ids)


def test_download_falls_back_to_the_proxy_and_never_sends_the_token_elsewhere(tmp_path):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path == protocol.PATH_ANONYMOUS_TOKEN:
            return token_answer()
        if path == protocol.PATH_RENDER_SUBMIT:
            return httpx.Response(200, json={"id": "x", "status": "pending", "progress": 0})
        if path.startswith("/api/render/proxy/lambda/"):
            return httpx.Response(200, json={"success": True, "data": {
                "status": "completed", "progress": 100,
                "outputUrl": "https://cdn.other.test/out.mp4"}})
        if request.url.host == "cdn.other.test":
            return httpx.Response(403, text="denied")
        if path.endswith("/download"):
            return httpx.Response(200, content=b"MP4DATA" * 100,
                                  headers={"content-length": "700"})
        raise AssertionError(path)

    client = AsyncNemoClient("http://fake.test", settings=ClientSettings(config_dir=tmp_path),
                             http_transport=httpx.MockTransport(handler))
    draft = {"t": [{"tt": 7, "sg": [{"kind": "text", "text": "x", "start_ms": 0,
                                     "duration_ms": 1000}]}], "d": 1000,
             "m": {"width": 1080, "height": 1080}}
    result = asyncio.run(client.export(None, tmp_path / "out.mp4", draft=draft))
    assert result.path.read_bytes() == b"MP4DATA" * 100
    assert result.url == "https://cdn.other.test/out.mp4"
    assert (result.width, result.height, result.duration_s) == (1080, 1080, 1.0)
    assert not (tmp_path / "out.mp4.part").exists()
    cdn = [r for r in seen if r.url.host == "cdn.other.test"]
    assert cdn and "authorization" not in cdn[0].headers


def _poll_client(tmp_path, poll_answers: list[httpx.Response]) -> AsyncNemoClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == protocol.PATH_ANONYMOUS_TOKEN:
            return token_answer()
        if request.url.path == protocol.PATH_RENDER_SUBMIT:
            return httpx.Response(200, json={"status": "pending"})
        return poll_answers.pop(0) if len(poll_answers) > 1 else poll_answers[0]

    return AsyncNemoClient("http://fake.test", settings=ClientSettings(
        config_dir=tmp_path, render_poll_s=0.01), http_transport=httpx.MockTransport(handler))


DRAFT = {"t": [{"tt": 7, "sg": [{"text": "x", "startMs": 0, "durationMs": 1000}]}], "d": 1000}


def test_a_render_gone_for_good_is_a_render_failure_and_its_record_is_struck(tmp_path):
    missing = httpx.Response(404, json={"code": 4004, "message": "Render not found"})
    client = _poll_client(tmp_path, [missing, missing])
    with pytest.raises(RenderFailed, match="does not know the render"):
        asyncio.run(client.export("s1", tmp_path / "x.mp4", draft=DRAFT))
    assert RenderBook(tmp_path).pending() == []


def test_an_unreadable_poll_answer_is_typed_and_the_render_stays_resumable(tmp_path):
    client = _poll_client(tmp_path, [httpx.Response(200, json=[1, 2])])
    with pytest.raises(MalformedAnswer):
        asyncio.run(client.export("s1", tmp_path / "x.mp4", draft=DRAFT))
    [record] = RenderBook(tmp_path).pending()
    assert record.session_id == "s1" and record.output == str(tmp_path / "x.mp4")


def _timed_polls(tmp_path, headers: dict[str, str], polls_before_done: int
                 ) -> tuple[AsyncNemoClient, list[httpx.Request], list[float]]:
    """A backend whose render completes at the ``polls_before_done``-th poll; it answers with
    ``headers`` (an engine that holds polls says so with ``X-Render-Waited``)."""


    polls: list[httpx.Request] = []
    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == protocol.PATH_ANONYMOUS_TOKEN:
            return token_answer()
        if path == protocol.PATH_RENDER_SUBMIT:
            return httpx.Response(200, json={"status": "pending"})
        if path.startswith("/api/render/proxy/lambda/"):
            polls.append(request)
            times.append(time.monotonic())
            done = len(polls) >= polls_before_done
            return httpx.Response(200, headers=headers, json={
                "status": "completed" if done else "processing",
                "progress": 100 if done else 10 * len(polls),
                "output": {"url": "http://fake.test/out.mp4"} if done else None})
        if path == "/out.mp4":
            return httpx.Response(200, content=b"MP4", headers={"content-length": "3"})
        raise AssertionError(path)

    client = AsyncNemoClient("http://fake.test", settings=ClientSettings(
        config_dir=tmp_path, render_poll_s=0.2, render_poll_max_s=0.3),
        http_transport=httpx.MockTransport(handler))
    return client, polls, times


def test_a_backend_that_ignores_wait_is_followed_with_the_back_off(tmp_path):
    client, polls, times = _timed_polls(tmp_path, {}, polls_before_done=3)
    result = asyncio.run(client.export("s1", tmp_path / "out.mp4", draft=DRAFT))
    assert result.path.read_bytes() == b"MP4"
    assert [r.url.params.get("wait") for r in polls] == ["10"] * 3, "asked, ignored"
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) == 2 and min(gaps) >= 0.19, "the back-off waits between polls"


def test_a_poll_the_backend_held_is_followed_by_the_next_at_once(tmp_path):
    client, polls, times = _timed_polls(tmp_path, {protocol.HEADER_RENDER_WAITED: "0.4"},
                                        polls_before_done=4)
    result = asyncio.run(client.export("s1", tmp_path / "out.mp4", draft=DRAFT))
    assert result.path.read_bytes() == b"MP4" and len(polls) == 4
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) < 0.19, f"no back-off sleep after a held poll: {gaps}"


def test_a_render_id_is_one_path_segment_whatever_it_holds(tmp_path):
    """A render id with path characters in the backend's answer stays inside the download
    route instead of reaching another route (the poll uses the id the client made)."""
    hostile = "../../api/credits?user=all"
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        paths.append(path)
        if request.url.path == protocol.PATH_ANONYMOUS_TOKEN:
            return token_answer()
        if request.url.path == protocol.PATH_RENDER_SUBMIT:
            return httpx.Response(200, json={"id": hostile, "status": "pending"})
        if path.startswith("/api/render/proxy/lambda/"):
            return httpx.Response(200, json={"id": hostile, "status": "completed",
                                             "progress": 100})
        if path.endswith("/download"):
            return httpx.Response(200, content=b"MP4" * 10)
        raise AssertionError(path)

    client = AsyncNemoClient("http://fake.test", settings=ClientSettings(
        config_dir=tmp_path, render_poll_s=0.01), http_transport=httpx.MockTransport(handler))
    result = asyncio.run(client.export("s1", tmp_path / "x.mp4", draft=DRAFT))
    assert result.path.read_bytes() == b"MP4" * 10
    quoted = "..%2F..%2Fapi%2Fcredits%3Fuser%3Dall"
    assert any(p.startswith("/api/render/proxy/lambda/render_") for p in paths), paths
    assert f"/api/render/proxy/{quoted}/download" in paths, paths
    assert not any(p.startswith("/api/credits") for p in paths)

"""The engine under load: many users streaming turns while renders run, and how quickly simple
GETs are answered meanwhile (issue 12's load figure; a benchmark, not a timed test).

Run as ``python benchmarks/load.py [--users 20] [--renders 3]``. It starts an engine of its own
(default ``local`` profile), makes a 2-second clip, then lets ``--users`` users at once log in,
open a session, upload the clip and stream three turns (place the video, add a title, describe
the timeline); the first ``--renders`` of them also export their timeline and wait for the MP4.
A separate prober asks ``GET /api/credits/balance/simple`` every 100 ms for the whole run.

It prints the errors (target: 0), the turns and renders done, and the prober's p50 / p95 / max
latency (target: p95 ≤ 200 ms on two cores).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nemo_widgets import protocol  # noqa: E402
from nemo_widgets.engine.server import ensure_engine, stop_engine  # noqa: E402
from nemo_widgets.engine.settings import EngineSettings  # noqa: E402
from tests.media_factory import make_video  # noqa: E402

TURNS = ("add my video to the timeline", 'add a title "Load"', "show tracks")


async def login(http: httpx.AsyncClient) -> dict[str, str]:
    answer = await http.post(protocol.PATH_ANONYMOUS_TOKEN,
                             headers={protocol.HEADER_CLIENT_ID: str(uuid.uuid4())})
    answer.raise_for_status()
    return {"Authorization": "Bearer " + answer.json()["data"]["token"]}


async def turn(http: httpx.AsyncClient, auth: dict[str, str], session_id: str,
               text: str) -> None:
    body = {"app_name": protocol.APP_NAME, "user_id": "me", "session_id": session_id,
            "new_message": {"parts": [{"text": text}]}, "streaming": True}
    async with http.stream("POST", protocol.PATH_RUN_SSE, json=body, headers=auth) as answer:
        answer.raise_for_status()
        async for line in answer.aiter_lines():
            if line.startswith("data: {") and ('"errorCode"' in line or '"error"' in line):
                raise RuntimeError(line[:200])


async def user(url: str, clip: Path, render: bool, stats: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=600) as http:
        try:
            auth = await login(http)
            created = await http.post(protocol.PATH_CREATE_SESSION, headers=auth, json={})
            session_id = created.json()["data"]["session_id"]
            with clip.open("rb") as handle:
                uploaded = await http.post(protocol.path(protocol.TEMPLATE_UPLOAD,
                                                         session_id=session_id),
                                           headers=auth, files={"files": (clip.name, handle)})
            uploaded.raise_for_status()
            for text in TURNS:
                await turn(http, auth, session_id, text)
                stats["turns"] += 1
            if render:
                await export(http, auth, session_id)
                stats["renders"] += 1
        except Exception as exc:  # counted, not raised: the run goes on
            stats["errors"].append(f"{type(exc).__name__}: {exc}")


async def export(http: httpx.AsyncClient, auth: dict[str, str], session_id: str) -> None:
    state = await http.get(protocol.path(protocol.TEMPLATE_STATE, session_id=session_id),
                           headers=auth)
    render_id = "render_" + uuid.uuid4().hex[:12]
    submitted = await http.post(protocol.PATH_RENDER_SUBMIT, headers=auth, json={
        "id": render_id, "sessionId": session_id, "draft": state.json()["data"]["state"]["draft"]})
    submitted.raise_for_status()
    while True:
        job = (await http.get(protocol.PATH_RENDER_POLL.format(render_id=render_id),
                              headers=auth)).json()
        if job["status"] in protocol.RENDER_FINAL_STATES:
            if job["status"] != protocol.RENDER_COMPLETED:
                raise RuntimeError(f"render {job['status']}: {job.get('error')}")
            return
        await asyncio.sleep(0.5)


async def probe(url: str, done: asyncio.Event, latencies: list[float],
                stats: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        auth = await login(http)
        while not done.is_set():
            started = time.perf_counter()
            answer = await http.get(protocol.PATH_CREDITS, headers=auth)
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 200:
                stats["errors"].append(f"probe HTTP {answer.status_code}")
            await asyncio.sleep(0.1)


async def run(url: str, clip: Path, users: int, renders: int) -> dict[str, Any]:
    stats: dict[str, Any] = {"turns": 0, "renders": 0, "errors": []}
    latencies: list[float] = []
    done = asyncio.Event()
    prober = asyncio.create_task(probe(url, done, latencies, stats))
    started = time.perf_counter()
    await asyncio.gather(*(user(url, clip, n < renders, stats) for n in range(users)))
    stats["wall_s"] = time.perf_counter() - started
    done.set()
    await prober
    ordered = sorted(latencies)
    stats["get_p50_ms"] = statistics.median(ordered) * 1000
    stats["get_p95_ms"] = ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000
    stats["get_max_ms"] = ordered[-1] * 1000
    stats["gets"] = len(ordered)
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--renders", type=int, default=3)
    parser.add_argument("--profile", default="local")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        clip = make_video(base / "clip.mp4", seconds=2.0)
        settings = EngineSettings.from_env(env={}, home=base / "home", profile=args.profile,
                                           keepalive_s=1.0)
        engine = ensure_engine(settings)
        try:
            stats = asyncio.run(run(engine.url, clip, args.users, args.renders))
        finally:
            stop_engine(settings.home)
    print(f"users {args.users}, renders {args.renders}, wall {stats['wall_s']:.1f} s")
    print(f"turns done {stats['turns']} of {3 * args.users}, renders done {stats['renders']}")
    print(f"errors {len(stats['errors'])}" + "".join(f"\n  {e}" for e in stats["errors"][:5]))
    print(f"GET {protocol.PATH_CREDITS} while loaded: {stats['gets']} requests, "
          f"p50 {stats['get_p50_ms']:.0f} ms, p95 {stats['get_p95_ms']:.0f} ms, "
          f"max {stats['get_max_ms']:.0f} ms")


if __name__ == "__main__":
    main()

"""A cloud-shaped fake of NemoVideo's backend: a small real HTTP server for the client's tests.

It answers only with the protocol's public keys (``shared/PROTOCOL.md``) and the variants that
document lists, never the embedded engine's own segment keys: drafts carry ``t``/``tt``/
``sg``/``d``/``m`` and segments in a foreign dialect (``segmentId``, ``timeRange`` in seconds,
``startMs``/``durationMs``, ``"0s"`` strings, ``volumePercent``, a ``media`` object), the
generated music is ``{type: "bgm", name, genre, bpm, durationMs, audioUrl, stems: [...]}``,
and ``Options`` switch on the other variants one by one (snake_case ADK events, flat
``{"type": "text"}`` events, ``data: [DONE]``, a user echo, a plain 401, the draft as a JSON
string, ``data.url`` upload answers, a 404 on the first render poll, user ids only in the
state, errors in the stream). Its "agent" knows a handful of phrases; it does not edit video:
a render is the first uploaded clip, served back as the MP4.

Start it with ``CloudFake(folder, Options(...))`` as a context manager; ``url`` is its base.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.media_factory import make_audio

Json = dict[str, Any]


@dataclass
class Options:
    """Which variants the fake shows."""

    sse: str = "camel"
    """``camel`` (ADK as documented), ``snake`` (``function_call``, ``error_code``…) or
    ``flat`` (``{"type": "text", "content"}`` / ``{"type": "tool_call"}``)."""
    done_marker: bool = False
    """End each stream with ``data: [DONE]``."""
    user_echo: bool = False
    """Start each stream with an event that echoes the user's message (role/author user)."""
    heartbeats: int = 0
    """Bare ``data:`` keep-alives before the answer."""
    plain_401_once: bool = False
    """Answer the first authenticated call with HTTP 401 and no ``code``."""
    draft_as_string: bool = False
    upload_shape: str = "files"
    """``files`` (documented) or ``url`` (``data.url``, one file)."""
    poll_404_once: bool = False
    polls_before_done: int = 2
    render_shape: str = "success"
    """``success`` (``{success, data: {outputUrl}}``) or ``output`` (``{status, output.url}``)."""
    user_id_only_in_state: bool = False
    credits: int = 1000
    turn_price: int = 50
    token_lifetime_s: float = 7 * 24 * 3600
    tokens_per_client: int = 100
    accept_expired_tokens: bool = True
    timeless_segments: bool = False
    """Segments with no time keys at all (the client must say "times unknown")."""


@dataclass
class _Session:
    session_id: str
    task_id: str
    user_id: str
    draft: Json
    uploads: list[Json] = field(default_factory=list)
    generated: list[Json] = field(default_factory=list)
    history: list[Json] = field(default_factory=list)
    future: list[Json] = field(default_factory=list)
    edits: int = 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class CloudFake:
    """The server and its recorded traffic (``requests``: method, path, JSON body)."""

    def __init__(self, folder: Path, options: Options | None = None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.options = options or Options()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[tuple[str, str, Any]] = []
        self.poll_times: dict[str, list[float]] = {}
        self.tokens: dict[str, tuple[str, float]] = {}
        self.token_calls: dict[str, int] = {}
        self.sessions: dict[str, _Session] = {}
        self.renders: dict[str, dict[str, Any]] = {}
        self.credits: dict[str, int] = {}
        self._plain_401_left = self.options.plain_401_once
        self._music = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> CloudFake:
        app = Starlette(routes=[
            Route("/api/auth/anonymous-token", self.token, methods=["POST"]),
            Route("/api/tasks/{user}/with-session/nemo_agent", self.new_session,
                  methods=["POST"]),
            Route("/api/state/nemo_agent/{user}/{sid}/latest", self.state),
            Route("/api/upload-video/nemo_agent/{user}/{sid}", self.upload, methods=["POST"]),
            Route("/api/credits/balance/simple", self.balance),
            Route("/run_sse", self.run_sse, methods=["POST"]),
            Route("/api/render/proxy/lambda", self.submit, methods=["POST"]),
            Route("/api/render/proxy/lambda/{rid}", self.poll),
            Route("/api/render/proxy/{rid}/download", self.download),
            Route("/files/{name}", self.files),
        ])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the cloud fake did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def count(self, method: str, path_start: str) -> int:
        return sum(1 for m, p, _ in self.requests if m == method and p.startswith(path_start))

    def bodies(self, path: str) -> list[Any]:
        return [b for _, p, b in self.requests if p == path]

    # --- helpers ----------------------------------------------------------------------------
    @staticmethod
    def ok(data: Any) -> JSONResponse:
        return JSONResponse({"code": 0, "message": "success", "data": data})

    @staticmethod
    def fail(status: int, code: int | None, message: str) -> JSONResponse:
        body: Json = {"message": message}
        if code is not None:
            body["code"] = code
        return JSONResponse(body, status_code=status)

    async def _record(self, request: Request) -> Any:
        body: Any = None
        if "json" in request.headers.get("content-type", ""):
            body = await request.json()
        self.requests.append((request.method, request.url.path, body))
        return body

    def _user(self, request: Request) -> str | JSONResponse:
        if self._plain_401_left:
            self._plain_401_left = False
            return JSONResponse({"detail": "Unauthorized"}, status_code=401)
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip()
        found = self.tokens.get(token)
        if found is None:
            return self.fail(401, 1001, "Invalid token")
        user, expires = found
        if time.time() > expires and not self.options.accept_expired_tokens:
            return self.fail(401, 1001, "Token expired")
        return user

    def _session(self, sid: str, user: str) -> _Session | JSONResponse:
        session = self.sessions.get(sid)
        if session is None or session.user_id != user:
            return self.fail(404, 1002, "Session not found")
        return session

    # --- auth, sessions, credits ------------------------------------------------------------
    async def token(self, request: Request) -> JSONResponse:
        await self._record(request)
        client_id = request.headers.get("x-client-id")
        if not client_id:
            return self.fail(400, 400, "Missing X-Client-Id")
        used = self.token_calls.get(client_id, 0)
        self.token_calls[client_id] = used + 1
        if used >= self.options.tokens_per_client:
            return self.fail(429, 429, "One anonymous token per client per 7 days")
        token = "nmv_usr_" + uuid.uuid4().hex
        user = "anon_" + uuid.uuid5(uuid.NAMESPACE_OID, client_id).hex[:12]
        expires = time.time() + self.options.token_lifetime_s
        self.tokens[token] = (user, expires)
        self.credits.setdefault(user, self.options.credits)
        data: Json = {"token": token, "credits": self.credits[user],
                      "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))}
        if not self.options.user_id_only_in_state:
            data["user_id"] = user
        return self.ok(data)

    async def new_session(self, request: Request) -> JSONResponse:
        await self._record(request)
        user = self._user(request)
        if isinstance(user, JSONResponse):
            return user
        sid, task = "ses_" + uuid.uuid4().hex[:16], "task_" + uuid.uuid4().hex[:12]
        self.sessions[sid] = _Session(sid, task, user, {
            "t": [], "d": 0, "m": {"title": "project", "width": 1920, "height": 1080}})
        return self.ok({"task_id": task, "session_id": sid})

    async def balance(self, request: Request) -> JSONResponse:
        await self._record(request)
        user = self._user(request)
        if isinstance(user, JSONResponse):
            return user
        left = self.credits[user]
        return self.ok({"available": left, "frozen": 0, "total": left})

    async def state(self, request: Request) -> JSONResponse:
        await self._record(request)
        user = self._user(request)
        if isinstance(user, JSONResponse):
            return user
        session = self._session(request.path_params["sid"], user)
        if isinstance(session, JSONResponse):
            return session
        draft: Any = copy.deepcopy(session.draft)
        if self.options.draft_as_string:
            draft = json.dumps(draft)
        data: Json = {"session_id": session.session_id, "task_id": session.task_id,
                      "task_name": "project",
                      "state": {"draft": draft, "video_infos": session.uploads,
                                "canvas_config": {"width": 1920, "height": 1080},
                                "generated_media": session.generated}}
        if self.options.user_id_only_in_state:
            data["user_id"] = user
        return self.ok(data)

    # --- uploads ----------------------------------------------------------------------------
    async def upload(self, request: Request) -> JSONResponse:
        self.requests.append((request.method, request.url.path, None))
        user = self._user(request)
        if isinstance(user, JSONResponse):
            return user
        session = self._session(request.path_params["sid"], user)
        if isinstance(session, JSONResponse):
            return session
        form = await request.form()
        files: list[Json] = []
        for item in form.getlist("files"):
            name = str(getattr(item, "filename", "") or "file")
            stored = self.folder / f"{uuid.uuid4().hex[:8]}-{name}"
            stored.write_bytes(await item.read())  # type: ignore[union-attr]
            kind = "audio" if name.endswith((".mp3", ".wav")) else "video"
            files.append({"filename": name, "file_type": kind,
                          "cdn_url": f"{self.url}/files/{stored.name}", "duration": 2.0,
                          "width": 320, "height": 240, "fps": 25, "hash": stored.name[:8]})
        session.uploads += files
        if self.options.upload_shape == "url":
            return self.ok({"url": files[0]["cdn_url"], "session_state_applied": True})
        return self.ok({"files": files, "session_state_applied": True})

    async def files(self, request: Request) -> Response:
        path = self.folder / request.path_params["name"]
        if not path.is_file():
            return Response(status_code=404)
        return FileResponse(path)

    # --- the agent --------------------------------------------------------------------------
    async def run_sse(self, request: Request) -> Response:
        body = await self._record(request)
        user = self._user(request)
        if isinstance(user, JSONResponse):
            return user
        sid = body.get("session_id") or body.get("sessionId")
        session = self._session(str(sid), user)
        if isinstance(session, JSONResponse):
            return session
        parts = ((body.get("new_message") or body.get("newMessage") or {}).get("parts") or [{}])
        text = str(parts[0].get("text") or "")
        events = self._act(session, text, user)
        return StreamingResponse(self._stream(text, events), media_type="text/event-stream")

    def _act(self, session: _Session, text: str, user: str) -> list[Json]:
        """Change the draft as asked; the events that tell it (no text for a silent edit)."""
        lowered = text.lower()
        if self.credits[user] < self.options.turn_price:
            return [{"error": "no credits", "code": 2001}]
        before = copy.deepcopy(session.draft)
        reply: str | None
        call: tuple[str, Json] | None = None
        if lowered == "undo":
            if session.history:
                session.future.append(session.draft)
                session.draft = session.history.pop()
            return [{"text": "Undid the last change."}]
        if lowered == "redo":
            if session.future:
                session.history.append(session.draft)
                session.draft = session.future.pop()
            return [{"text": "Redid the change."}]
        if match := re.search(r"use music version (\d+)", lowered):
            number = int(match.group(1))
            if not 0 < number <= len(session.generated):
                return [{"text": f"There is no music version {number}."}]
            self._place_music(session, session.generated[number - 1])
            reply = f"Now using music version {number}."
        elif "add my video" in lowered:
            call = ("add_clips", {"files": [u["filename"] for u in session.uploads]})
            self._add_videos(session)
            reply = "Added your video to the timeline. Click **Export** when you are ready."
        elif "music" in lowered:
            call = ("generate_music", {"prompt": text})
            self._add_music(session)
            reply = "Made a Lo-fi track for your video and put it on the timeline at 35%."
        elif match := re.search(r'title "([^"]+)"', text):
            call = ("add_text", {"text": match.group(1)})
            self._add_title(session, match.group(1))
            reply = f'Added the title "{match.group(1)}".'
        elif "mute" in lowered:
            for seg in session.draft["t"][0]["sg"] if session.draft["t"] else []:
                seg["volumePercent"] = 0
            reply = None  # the cloud's silent edit
        else:
            reply = "I can add your video, music and titles."
        if session.draft != before:
            session.history.append(before)
            session.future.clear()
            self.credits[user] -= self.options.turn_price
        events: list[Json] = []
        if call is not None:
            events.append({"call": call})
        if reply is not None:
            events.append({"text": reply})
        return events

    def _add_videos(self, session: _Session) -> None:
        segments, cursor = [], 0.0
        for upload in session.uploads:
            if upload["file_type"] != "video":
                continue
            seg: Json = {"segmentId": "v" + upload["hash"],
                         "media": {"url": upload["cdn_url"], "name": upload["filename"]},
                         "volumePercent": 100, "effects": [{"kind": "none"}]}
            if not self.options.timeless_segments:
                seg["timeRange"] = {"start": cursor, "duration": upload["duration"]}
            segments.append(seg)
            cursor += upload["duration"]
        session.draft["t"] = [{"tt": 0, "sg": segments}, *[
            t for t in session.draft["t"] if t["tt"] != 0]]
        session.draft["d"] = round(cursor * 1000)

    def _add_music(self, session: _Session) -> None:
        self._music += 1
        number = self._music
        length_ms = session.draft["d"] or 2000
        mix = make_audio(self.folder / f"music-{number}.wav", seconds=length_ms / 1000,
                         tone_hz=220 + 40 * number)
        stems = []
        for stem in ("drums", "bass"):
            shutil.copy(mix, self.folder / f"music-{number}-{stem}.wav")
            stems.append({"name": stem, "url": f"{self.url}/files/music-{number}-{stem}.wav"})
        (self.folder / f"music-{number}-cue.json").write_text(json.dumps(
            {"bpm": 90, "beats_ms": list(range(0, length_ms, 667))}))
        item = {"type": "bgm", "name": f"Lo-fi Sunset {number}", "genre": "lofi", "bpm": 90,
                "musicalKey": "A minor", "durationMs": length_ms,
                "audioUrl": f"{self.url}/files/{mix.name}", "stems": stems,
                "cueUrl": f"{self.url}/files/music-{number}-cue.json",
                "id": f"m{number}"}
        session.generated.append(item)
        self._place_music(session, item)

    def _place_music(self, session: _Session, item: Json) -> None:
        length_ms = session.draft["d"] or 2000
        number = int(str(item["id"]).lstrip("m"))
        audio = {"tt": 1, "sg": [{"segmentId": f"a{number}", "startMs": 0,
                                  "durationMs": length_ms, "title": item["name"],
                                  "audioUrl": item["audioUrl"], "gain": 0.35}]}
        session.draft["t"] = [t for t in session.draft["t"] if t["tt"] != 1]
        session.draft["t"].insert(1 if session.draft["t"] else 0, audio)

    def _add_title(self, session: _Session, text: str) -> None:
        seconds = max(1, round((session.draft["d"] or 2000) / 1000))
        session.draft["t"] = [t for t in session.draft["t"] if t["tt"] != 7] + [
            {"tt": 7, "sg": [{"segmentId": "t1", "start": "0s", "end": f"{seconds}s",
                              "content": text, "font": {"size": 64}}]}]

    async def _stream(self, text: str, events: list[Json]) -> AsyncIterator[bytes]:
        def data(payload: Any) -> bytes:
            return f"data: {json.dumps(payload)}\n\n".encode()

        style = self.options.sse
        if self.options.user_echo:
            yield data({"content": {"role": "user", "parts": [{"text": text}]},
                        "author": "user", "id": "echo"})
        for _ in range(self.options.heartbeats):
            yield b"data:\n\n"
            await asyncio.sleep(0.01)
        for event in events:
            if "error" in event:
                if style == "snake":
                    yield data({"error_code": str(event["code"]),
                                "error_message": event["error"]})
                else:
                    yield data({"errorCode": str(event["code"]), "errorMessage": event["error"]})
            elif "call" in event:
                name, args = event["call"]
                call_id = "adk-" + uuid.uuid4().hex[:8]
                if style == "flat":
                    yield data({"type": "tool_call", "id": call_id, "name": name, "args": args})
                    yield data({"type": "tool_result", "id": call_id, "name": name,
                                "result": {"status": "ok"}})
                else:
                    call_key, answer_key = (("function_call", "function_response")
                                            if style == "snake"
                                            else ("functionCall", "functionResponse"))
                    yield data({"content": {"role": "model", "parts": [
                        {call_key: {"id": call_id, "name": name, "args": args}}]},
                        "author": "nemo_agent"})
                    yield data({"content": {"role": "user", "parts": [
                        {answer_key: {"id": call_id, "name": name,
                                      "response": {"status": "ok"}}}]},
                        "author": "nemo_agent"})
            elif style == "flat":
                yield data({"type": "text", "content": event["text"]})
            else:
                yield data({"content": {"role": "model", "parts": [{"text": event["text"]}]},
                            "author": "nemo_agent",
                            "invocation_id" if style == "snake" else "invocationId": "e-1"})
        if self.options.done_marker:
            yield b"data: [DONE]\n\n"

    # --- renders ----------------------------------------------------------------------------
    async def submit(self, request: Request) -> JSONResponse:
        body = await self._record(request)
        user = self._user(request)
        if isinstance(user, JSONResponse):
            return user
        render_id = str(body.get("id"))
        if render_id in self.renders:
            return self.fail(409, 4009, "Duplicate render id")
        draft = body.get("draft")
        if not isinstance(draft, dict) or not any(t.get("sg") for t in draft.get("t") or []):
            return self.fail(400, 4000, "The draft has nothing to render")
        self.renders[render_id] = {"draft": draft, "polls": 0, "user": user,
                                   "session": body.get("sessionId")}
        return JSONResponse({"id": render_id, "status": "pending", "progress": 0})

    def _render_file(self, render_id: str) -> Path:
        job = self.renders[render_id]
        session = self.sessions.get(str(job["session"]))
        first = next((u for u in session.uploads if u["file_type"] == "video"), None) \
            if session else None
        source = self.folder / first["cdn_url"].rsplit("/", 1)[-1] if first else None
        target = self.folder / f"{render_id}.mp4"
        if source is not None and not target.exists():
            shutil.copy(source, target)
        return target

    async def poll(self, request: Request) -> JSONResponse:
        await self._record(request)
        render_id = request.path_params["rid"]
        self.poll_times.setdefault(render_id, []).append(time.monotonic())
        job = self.renders.get(render_id)
        if job is None:
            return self.fail(404, 4004, "Render not found")
        job["polls"] += 1
        if self.options.poll_404_once and job["polls"] == 1:
            return self.fail(404, 4004, "Render not found")
        done = job["polls"] > self.options.polls_before_done
        status = "completed" if done else "processing"
        progress = 100 if done else 50
        url = f"{self.url}/files/{self._render_file(render_id).name}" if done else None
        if self.options.render_shape == "success":
            return JSONResponse({"success": True, "data": {
                "status": status, "progress": progress, "outputUrl": url,
                "createdAt": int(time.time() * 1000)}})
        return JSONResponse({"id": render_id, "status": status, "progress": progress,
                             "output": {"url": url} if url else None})

    async def download(self, request: Request) -> Response:
        path = self._render_file(request.path_params["rid"])
        return FileResponse(path) if path.exists() else Response(status_code=404)

"""A synchronous client for the protocol's main workflow: token, session, upload, turn, export.

This is the first slice of the client: enough for the CLI's ``demo`` to run the whole job
against the embedded engine or any base URL. It unwraps all three envelope kinds, turns error
codes into typed errors, parses the agent's SSE stream, and streams files in and out without
loading them into memory. The token lives in a private attribute and never in a repr or URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from nemo_widgets import __version__, protocol
from nemo_widgets.client.errors import NemoError, RenderFailed, error_for
from nemo_widgets.timeline import summarize

Progress = Callable[[float], None]


@dataclass
class TurnResult:
    """What one agent turn produced."""

    text: str
    tool_calls: list[str] = field(default_factory=list)
    events: int = 0
    error: str | None = None


@dataclass
class RenderResult:
    """A finished export on disk."""

    path: Path
    url: str | None
    render_id: str
    size: int


def _attribution() -> dict[str, str]:
    home = Path.home()
    here = Path(__file__).resolve()
    platform = ("clawhub" if (home / ".clawhub") in here.parents
                else "cursor" if (home / ".cursor" / "skills") in here.parents else "unknown")
    return {protocol.HEADER_SKILL_SOURCE: protocol.SKILL_SOURCE,
            protocol.HEADER_SKILL_VERSION: __version__,
            protocol.HEADER_SKILL_PLATFORM: platform}


def unwrap(response: httpx.Response) -> Any:
    """The ``data`` of any envelope kind, or the typed error it carries."""
    try:
        body = response.json()
    except ValueError:
        if response.is_success:
            raise NemoError(f"The backend answered HTTP {response.status_code} "
                            "with a body that is not JSON.", status=response.status_code) from None
        raise error_for(None, f"HTTP {response.status_code}", response.status_code) from None
    if isinstance(body, dict):
        code = body.get("code")
        if isinstance(code, int) and code != 0:
            raise error_for(code, str(body.get("message") or "error"), response.status_code)
        if not response.is_success:
            message = str(body.get("message") or body.get("detail") or response.reason_phrase)
            raise error_for(None, message, response.status_code)
        if "success" in body and body.get("success") is False:
            raise NemoError(str(body.get("error") or body.get("message") or "failed"))
        if "data" in body and ("code" in body or "success" in body):
            return body["data"]
    elif not response.is_success:
        raise error_for(None, f"HTTP {response.status_code}", response.status_code)
    return body


class NemoApi:
    """One user's connection to a backend (the embedded engine when ``base_url`` is None)."""

    def __init__(self, base_url: str | None = None, *, token: str | None = None,
                 client_id: str | None = None, timeout: float = 60.0) -> None:
        if base_url is None:
            base_url = os.environ.get("NEMO_API_URL") or _local_engine_url()
        self.base_url = base_url.rstrip("/")
        self._token = token or os.environ.get("NEMO_TOKEN")
        self.client_id = client_id or os.environ.get("NEMO_CLIENT_ID") or str(uuid.uuid4())
        self.user_id: str | None = None
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout,
                                  headers=_attribution())

    def __repr__(self) -> str:
        state = "authenticated" if self._token else "no token"
        return f"NemoApi(base_url={self.base_url!r}, {state})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> NemoApi:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def _auth(self) -> dict[str, str]:
        if not self._token:
            self.authenticate()
        return {"Authorization": f"Bearer {self._token}"}

    def authenticate(self) -> None:
        """Request an anonymous token for this client id."""
        data = unwrap(self._http.post(protocol.PATH_ANONYMOUS_TOKEN,
                                      headers={protocol.HEADER_CLIENT_ID: self.client_id}))
        self._token, self.user_id = data["token"], data.get("user_id")

    def create_session(self, language: str = "en") -> str:
        data = unwrap(self._http.post(protocol.PATH_CREATE_SESSION, headers=self._auth,
                                      json={"task_name": "project", "language": language}))
        self.user_id = data.get("user_id", self.user_id)
        session_id: str = data["session_id"]
        return session_id

    def upload(self, session_id: str, *paths: Path) -> list[dict[str, Any]]:
        """Upload files in one request, streamed from disk."""
        with contextlib.ExitStack() as stack:
            files = [("files", (Path(p).name, stack.enter_context(Path(p).open("rb"))))
                     for p in paths]
            data = unwrap(self._http.post(protocol.PATH_UPLOAD.format(session_id=session_id),
                                          headers=self._auth, files=files, timeout=600))
        items: list[dict[str, Any]] = data["files"]
        return items

    def state(self, session_id: str) -> dict[str, Any]:
        data = unwrap(self._http.get(protocol.PATH_STATE.format(session_id=session_id),
                                     headers=self._auth))
        state: dict[str, Any] = data["state"]
        return state

    def credits(self) -> dict[str, int]:
        data: dict[str, int] = unwrap(self._http.get(protocol.PATH_CREDITS, headers=self._auth))
        return data

    def send(self, session_id: str, text: str) -> TurnResult:
        """One agent turn; when it closes without text, describe the draft that changed."""
        before = self.state(session_id)["draft"]
        result = TurnResult(text="")
        texts: list[str] = []
        for event in self._events(session_id, text):
            result.events += 1
            if "error" in event and "content" not in event:
                result.error = str(event["error"])
            if event.get("errorCode"):
                result.error = str(event.get("errorMessage") or event["errorCode"])
            for part in (event.get("content") or {}).get("parts", []):
                if "functionCall" in part:
                    result.tool_calls.append(part["functionCall"]["name"])
                if "text" in part and not event.get("partial") and not part.get("thought"):
                    texts.append(part["text"])
        result.text = "\n".join(texts).strip()
        if not result.text and not result.error:
            after = self.state(session_id)["draft"]
            result.text = ("Done. " + summarize(after)) if after != before else "No change."
        return result

    def _events(self, session_id: str, text: str) -> Iterator[dict[str, Any]]:
        body = {"app_name": protocol.APP_NAME, "user_id": "me", "session_id": session_id,
                "new_message": {"role": "user", "parts": [{"text": text}]}}
        with self._http.stream("POST", protocol.PATH_RUN_SSE, json=body, timeout=900,
                               headers={**self._auth, "Accept": "text/event-stream"}) as answer:
            if not answer.is_success:
                answer.read()
                unwrap(answer)
            for line in answer.iter_lines():
                payload = line[5:].strip() if line.startswith("data:") else ""
                if not payload:
                    continue
                try:
                    event = json.loads(payload)
                except ValueError:
                    event = {"error": payload}
                if isinstance(event, dict) and event.get("type") != "heartbeat":
                    yield event

    def export(self, session_id: str, output: Path, *, on_progress: Progress | None = None,
               poll_s: float = 0.5, timeout_s: float = 1800) -> RenderResult:
        """Render the session's draft, wait for it, and download the MP4 to ``output``."""
        draft = self.state(session_id)["draft"]
        render_id = f"render_{int(time.time() * 1000)}"
        unwrap(self._http.post(protocol.PATH_RENDER_SUBMIT, headers=self._auth, json={
            "id": render_id, "sessionId": session_id, "draft": draft,
            "output": {"format": "mp4", "quality": "high"}}))
        deadline = time.monotonic() + timeout_s
        while True:
            job = unwrap(self._http.get(protocol.PATH_RENDER_POLL.format(render_id=render_id),
                                        headers=self._auth))
            if on_progress:
                on_progress(float(job.get("progress") or 0))
            if job.get("status") == protocol.RENDER_COMPLETED:
                break
            if job.get("status") == protocol.RENDER_FAILED:
                raise RenderFailed(f"The render failed: {job.get('error') or 'no reason given'}")
            if time.monotonic() > deadline:
                raise RenderFailed("The render did not finish in time.")
            time.sleep(poll_s)
        url = (job.get("output") or {}).get("url") or job.get("outputUrl")
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".part")
        with self._http.stream("GET", protocol.PATH_RENDER_DOWNLOAD.format(render_id=render_id),
                               headers=self._auth, timeout=600) as answer:
            if not answer.is_success:
                answer.read()
                unwrap(answer)
            with partial.open("wb") as handle:
                for chunk in answer.iter_bytes(1 << 20):
                    handle.write(chunk)
        os.replace(partial, output)
        return RenderResult(output, url, render_id, output.stat().st_size)


def _local_engine_url() -> str:
    from nemo_widgets.engine.server import ensure_engine

    return ensure_engine().url

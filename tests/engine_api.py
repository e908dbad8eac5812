"""Raw protocol calls for engine tests: plain httpx, no product client in between."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from nemo_widgets import protocol

ATTRIBUTION = {protocol.HEADER_SKILL_SOURCE: protocol.SKILL_SOURCE,
               protocol.HEADER_SKILL_VERSION: "test", protocol.HEADER_SKILL_PLATFORM: "unknown"}


class EngineApi:
    """A test's view of one user on one engine."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=60, headers=ATTRIBUTION)
        self.token: str | None = None
        self.user_id: str | None = None
        self.client_id = str(uuid.uuid4())

    @property
    def auth(self) -> dict[str, str]:
        assert self.token
        return {"Authorization": f"Bearer {self.token}"}

    def new_token(self, client_id: str | None = None) -> httpx.Response:
        return self.http.post(protocol.PATH_ANONYMOUS_TOKEN,
                              headers={protocol.HEADER_CLIENT_ID: client_id or self.client_id})

    def login(self) -> dict[str, Any]:
        answer = self.new_token()
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()["data"]
        self.token, self.user_id = data["token"], data["user_id"]
        return data

    def new_session(self, language: str = "en") -> str:
        answer = self.http.post(protocol.PATH_CREATE_SESSION, headers=self.auth,
                                json={"task_name": "project", "language": language})
        answer.raise_for_status()
        session_id: str = answer.json()["data"]["session_id"]
        return session_id

    def upload(self, session_id: str, *paths: Path, names: list[str] | None = None
               ) -> httpx.Response:
        files = [("files", ((names[i] if names else p.name), p.open("rb")))
                 for i, p in enumerate(paths)]
        try:
            return self.http.post(protocol.PATH_UPLOAD.format(session_id=session_id),
                                  headers=self.auth, files=files)
        finally:
            for _, (_, handle) in files:
                handle.close()

    def state(self, session_id: str) -> dict[str, Any]:
        answer = self.http.get(protocol.PATH_STATE.format(session_id=session_id),
                               headers=self.auth)
        answer.raise_for_status()
        state: dict[str, Any] = answer.json()["data"]["state"]
        return state

    def credits(self) -> dict[str, int]:
        answer = self.http.get(protocol.PATH_CREDITS, headers=self.auth)
        answer.raise_for_status()
        data: dict[str, int] = answer.json()["data"]
        return data

    def run(self, session_id: str, text: str, **extra: Any) -> list[Any]:
        """One agent turn; the list of parsed ``data:`` payloads (None for keep-alives)."""
        body = {"app_name": protocol.APP_NAME, "user_id": "me", "session_id": session_id,
                "new_message": {"role": "user", "parts": [{"text": text}]}, **extra}
        events: list[Any] = []
        with self.http.stream("POST", protocol.PATH_RUN_SSE, headers={
                **self.auth, "Accept": "text/event-stream"}, json=body) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if line.startswith("data:"):
                    payload = line[5:].strip()
                    events.append(json.loads(payload) if payload else None)
        return events

    def render(self, render_id: str, draft: dict[str, Any], session_id: str | None = None
               ) -> httpx.Response:
        return self.http.post(protocol.PATH_RENDER_SUBMIT, headers=self.auth, json={
            "id": render_id, "sessionId": session_id, "draft": draft,
            "output": {"format": "mp4", "quality": "high"}})

    def poll(self, render_id: str) -> dict[str, Any]:
        answer = self.http.get(protocol.PATH_RENDER_POLL.format(render_id=render_id),
                               headers=self.auth)
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
        return data


def texts(events: list[Any]) -> list[str]:
    """The non-partial text parts of a turn's events."""
    out = []
    for event in events:
        if isinstance(event, dict) and not event.get("partial"):
            for part in (event.get("content") or {}).get("parts", []):
                if "text" in part:
                    out.append(part["text"])
    return out


def tool_calls(events: list[Any]) -> list[str]:
    return [part["functionCall"]["name"] for event in events if isinstance(event, dict)
            for part in (event.get("content") or {}).get("parts", []) if "functionCall" in part]

"""The rows of the engine's database as frozen dataclasses: what the store hands out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nemo_widgets.timeline import Timeline


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenRecord:
    user_id: str
    client_id: str
    created_at: float
    expires_at: float


@dataclass(frozen=True)
class IssuedToken:
    """A new bearer token (shown once), its record and the owner's balance."""

    token: str
    record: TokenRecord
    credits: int


@dataclass(frozen=True)
class SessionRecord:
    session_id: str
    task_id: str
    user_id: str
    task_name: str
    language: str
    created_at: float
    draft: dict[str, Any]
    generated_media: list[dict[str, Any]]
    turns: int

    @property
    def timeline(self) -> Timeline:
        """The draft as the engine works on it."""
        return Timeline.from_draft(self.draft)


@dataclass(frozen=True)
class MediaRecord:
    hash: str
    path: Path
    size: int
    info: dict[str, Any]


@dataclass(frozen=True)
class SessionMedia:
    position: int
    hash: str
    filename: str
    media: MediaRecord


@dataclass(frozen=True)
class LedgerEntry:
    entry: int
    at: float
    action: str
    delta_available: int
    delta_frozen: int
    ref: str | None


@dataclass(frozen=True)
class RenderRecord:
    """A render job. ``id`` is the client's (unique per user); ``key`` is the engine's own,
    random and unique across users, used by the workers and never shown."""

    key: str
    id: str
    user_id: str
    session_id: str | None
    draft: dict[str, Any]
    status: str
    progress: float
    error: str | None
    output_path: str | None
    stream_copy: bool | None
    created_at: float
    completed_at: float | None

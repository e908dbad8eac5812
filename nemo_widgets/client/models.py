"""What the client's calls return: small typed records built from the protocol's answers.

Each record keeps what the protocol names and puts the rest in ``extra`` (or ``raw``), so a
backend that sends more than the documented keys loses nothing on the way through.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nemo_widgets.client.errors import NemoError
from nemo_widgets.client.events import ToolCall, ToolResult
from nemo_widgets.timeline import Timeline

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Json = dict[str, Any]


def _dict(value: Any) -> Json:
    return dict(value) if isinstance(value, dict) else {}


def _number(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True)
class Balance:
    """``GET /api/credits/balance/simple``: ``total`` = ``available`` + ``frozen``."""

    available: int
    frozen: int
    total: int

    @classmethod
    def from_json(cls, data: Json) -> Balance:
        available, frozen = int(_number(data.get("available"))), int(_number(data.get("frozen")))
        total = int(_number(data.get("total"), available + frozen))
        return cls(available, frozen, total)

    def __str__(self) -> str:
        return f"{self.available} credits available ({self.frozen} reserved, {self.total} total)"


@dataclass(frozen=True)
class SessionInfo:
    """A created session: the agent conversation (``session_id``) and its project (task)."""

    session_id: str
    task_id: str | None = None
    user_id: str | None = None
    language: str = "en"


@dataclass
class SessionState:
    """``GET /api/state/.../latest``: the draft (kept raw, to send back unchanged) and its
    parsed ``Timeline``, the uploads, the canvas and the generated media."""

    session_id: str
    draft: Json
    timeline: Timeline
    task_id: str | None = None
    task_name: str | None = None
    video_infos: list[Json] = field(default_factory=list)
    canvas_config: Json = field(default_factory=dict)
    generated_media: list[Json] = field(default_factory=list)
    raw: Json = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Json, session_id: str) -> SessionState:
        state = _dict(data.get("state")) or data
        draft = _dict(state.get("draft"))

        def items(key: str) -> list[Json]:
            value = state.get(key)
            return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

        return cls(
            session_id=str(data.get("session_id") or session_id),
            draft=copy.deepcopy(draft),
            timeline=Timeline.from_draft(draft),
            task_id=data.get("task_id"),
            task_name=data.get("task_name"),
            video_infos=items("video_infos"),
            canvas_config=_dict(state.get("canvas_config")),
            generated_media=items("generated_media"),
            raw=copy.deepcopy(data),
        )

    def summary(self) -> str:
        """The seed's one line: ``Timeline (2 tracks): 1. Video: a.mp4 (0-4s) 2. …``."""
        return self.timeline.summary()

    def to_frame(self) -> pd.DataFrame:
        """One row per segment (see ``Timeline.to_frame``)."""
        return self.timeline.to_frame()


@dataclass(frozen=True)
class UploadedFile:
    """One file of an upload answer, as the backend probed it."""

    filename: str
    file_type: str
    cdn_url: str | None = None
    duration: float = 0.0
    width: int = 0
    height: int = 0
    fps: float = 0.0
    hash: str | None = None
    extra: Json = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Json) -> UploadedFile:
        known = {"filename", "file_type", "cdn_url", "duration", "width", "height", "fps",
                 "hash"}
        return cls(
            filename=str(data.get("filename") or ""), file_type=str(data.get("file_type") or ""),
            cdn_url=data.get("cdn_url"), duration=_number(data.get("duration")),
            width=int(_number(data.get("width"))), height=int(_number(data.get("height"))),
            fps=_number(data.get("fps")), hash=data.get("hash"),
            extra={k: v for k, v in data.items() if k not in known})

    def __str__(self) -> str:
        size = f", {self.width}×{self.height}" if self.width and self.height else ""
        length = f", {self.duration:g} s" if self.duration else ""
        return f"{self.filename} ({self.file_type}{length}{size})"


@dataclass(frozen=True)
class ExportResult:
    """A finished export on disk."""

    path: Path
    url: str | None
    render_id: str
    duration_s: float
    size_bytes: int
    width: int
    height: int

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}"

    def __str__(self) -> str:
        return (f"{self.path} ({self.resolution}, {self.duration_s:.1f} s, "
                f"{self.size_bytes / 1e6:.1f} MB)")


@dataclass
class TurnResult:
    """What one message produced, whichever way it was answered.

    ``text`` is what the user reads: the agent's words after GUI translation, or, when the
    stream closed silently (or dropped), a plain description of what changed in the draft.
    """

    message: str
    route: str = "agent"
    text: str = ""
    agent_text: str = ""
    """The agent's own words, before translation (empty for a silent edit)."""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_results: list[ToolResult] = field(default_factory=list)
    before: Timeline | None = None
    after: Timeline | None = None
    changes: str | None = None
    """What changed in the draft, in words (always computed when both drafts are known)."""
    silent: bool = False
    dropped: bool = False
    timed_out: bool = False
    error: NemoError | None = None
    notices: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    """GUI actions the agent pointed at but the user did not ask for (e.g. ``export``)."""
    export: ExportResult | None = None
    balance: Balance | None = None
    uploads: list[UploadedFile] = field(default_factory=list)
    session_id: str | None = None
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def raise_for_error(self) -> TurnResult:
        """Raise the turn's error, if any (for callers who prefer exceptions)."""
        if self.error is not None:
            raise self.error
        return self

    def __str__(self) -> str:
        return self.text

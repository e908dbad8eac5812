"""What the client's calls return: small typed records built from the protocol's answers.

Each record keeps what the protocol names and puts the rest in ``extra`` (or ``raw``), so a
backend that sends more than the documented keys loses nothing on the way through.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nemo_widgets import protocol
from nemo_widgets.client.errors import MalformedAnswer, NemoError
from nemo_widgets.client.events import ToolCall, ToolResult
from nemo_widgets.client.media import MusicVersion, music_versions
from nemo_widgets.timeline import DraftError, Timeline

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Json = dict[str, Any]


def _dict(value: Any) -> Json:
    return dict(value) if isinstance(value, dict) else {}


def _number(value: Any, default: float = 0.0) -> float:
    if isinstance(value, bool):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return number if math.isfinite(number) else default


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) \
        and str(value) else None


def _json_object(value: Any, what: str) -> Json:
    """An object, or a JSON string holding one (some backends send the draft as text);
    ``MalformedAnswer`` for anything else. Missing (None) is an empty object."""
    if value is None:
        return {}
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise MalformedAnswer(f"The backend sent {what} as text that is not JSON.") from None
    if not isinstance(value, dict):
        raise MalformedAnswer(f"The backend sent {what} as {type(value).__name__}, "
                              "not an object.")
    return value


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
    parsed ``Timeline``, the uploads, the canvas, the generated media and, read from them
    through one adapter (``media.music_versions``), the music versions."""

    session_id: str
    draft: Json
    timeline: Timeline
    task_id: str | None = None
    task_name: str | None = None
    video_infos: list[Json] = field(default_factory=list)
    canvas_config: Json = field(default_factory=dict)
    generated_media: list[Json] = field(default_factory=list)
    music_versions: list[MusicVersion] = field(default_factory=list)
    user_id: str | None = None
    """The owner, when the state says (older answers do; the 2001 registration link uses it)."""
    raw: Json = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Json, session_id: str) -> SessionState:
        """Read a state answer; ``MalformedAnswer`` when it cannot be (never a bare
        ``TypeError``): a draft that is not an object (or JSON text of one), a draft whose
        skeleton is wrong."""
        if not isinstance(data, dict):
            raise MalformedAnswer(f"The state answer is {type(data).__name__}, not an object.")
        state = _json_object(data.get("state"), "the state") or data
        draft = _json_object(state.get("draft"), "the draft")
        try:
            timeline = Timeline.from_draft(draft)
            draft = copy.deepcopy(draft)
            raw = copy.deepcopy(data)
        except DraftError as exc:
            raise MalformedAnswer(f"The backend's draft could not be read: {exc}") from None
        except RecursionError:
            raise MalformedAnswer("The state answer is nested too deeply to read.") from None

        def items(key: str) -> list[Json]:
            value = state.get(key)
            return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

        generated = items("generated_media")
        return cls(
            session_id=_str(data.get("session_id")) or session_id,
            draft=draft, timeline=timeline,
            task_id=_str(data.get("task_id")), task_name=_str(data.get("task_name")),
            video_infos=items("video_infos"),
            canvas_config=_dict(state.get("canvas_config")),
            generated_media=generated, music_versions=music_versions(generated),
            user_id=_str(data.get("user_id")) or _str(state.get("user_id")),
            raw=raw,
        )

    def summary(self) -> str:
        """The seed's one line: ``Timeline (2 tracks): 1. Video: a.mp4 (0-4s) 2. …``."""
        return self.timeline.summary()

    def to_frame(self) -> pd.DataFrame:
        """One row per segment (see ``Timeline.to_frame``)."""
        return self.timeline.to_frame()

    def describe(self) -> str:
        """The status answer: the summary, the uploads and the canvas, one per line."""
        lines = [self.summary()]
        if self.video_infos:
            names = ", ".join(str(i.get("filename")) for i in self.video_infos)
            lines.append(f"Uploads: {names}.")
        canvas = self.canvas_config
        if canvas.get("width") and canvas.get("height"):
            lines.append(f"Canvas {canvas['width']}×{canvas['height']}.")
        return "\n".join(lines)

    def music_in_use(self) -> MusicVersion | None:
        """The music version an audio segment of the timeline plays, if one does."""
        sources = [s.source or "" for t in self.timeline.tracks for s in t.segments
                   if s.kind == "audio"]
        for version in reversed(self.music_versions):
            if any(version.mentioned_in(source) for source in sources):
                return version
        return None


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
        """One file of an upload answer, from the documented keys or their camelCase and
        shorter variants (``fileName``, ``type``, ``url``…)."""
        def pick(*names: str) -> Any:
            return next((data[n] for n in names if data.get(n) is not None), None)

        used = {"filename", "file_name", "fileName", "name", "file_type", "fileType", "type",
                "media_type", "cdn_url", "cdnUrl", "url", "duration", "width", "height", "fps",
                "hash"}
        filename = pick("filename", "file_name", "fileName", "name")
        file_type = pick("file_type", "fileType", "type", "media_type")
        url = pick("cdn_url", "cdnUrl", "url")
        digest = pick("hash")
        return cls(
            filename=str(filename) if isinstance(filename, (str, int)) else "",
            file_type=str(file_type) if isinstance(file_type, str) else "",
            cdn_url=url if isinstance(url, str) else None,
            duration=_number(data.get("duration")),
            width=int(_number(data.get("width"))), height=int(_number(data.get("height"))),
            fps=_number(data.get("fps")), hash=digest if isinstance(digest, str) else None,
            extra={k: v for k, v in data.items() if k not in used})

    @classmethod
    def sent(cls, name: str, url: str | None = None) -> UploadedFile:
        """What is known of a file the answer did not describe: its name and kind (from the
        extension) and, if the answer gave one, its URL."""
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        kind = ("video" if extension in protocol.VIDEO_EXTENSIONS else
                "image" if extension in protocol.IMAGE_EXTENSIONS else
                "audio" if extension in protocol.AUDIO_EXTENSIONS else "")
        return cls(filename=name, file_type=kind, cdn_url=url, extra={"described": False})

    def __str__(self) -> str:
        size = f", {self.width}×{self.height}" if self.width and self.height else ""
        length = f", {self.duration:g} s" if self.duration else ""
        return f"{self.filename} ({self.file_type}{length}{size})"


def uploaded_files(answer: Any, names: list[str]) -> list[UploadedFile]:
    """The files an upload answer describes, whatever its shape: ``{files: [...]}`` (the
    documented one), a bare list, ``{file: {...}}``, ``{url: "..."}`` or ``{urls: [...]}``.
    When the answer describes fewer files than were sent, the rest are listed by the names
    sent (``UploadedFile.sent``), so a successful upload never looks like no upload."""
    found: list[UploadedFile] = []
    if isinstance(answer, dict):
        listed = answer.get("files")
        if listed is None and isinstance(answer.get("file"), dict):
            listed = [answer["file"]]
        if listed is None:
            urls = answer.get("urls", answer.get("url", answer.get("cdn_url")))
            listed = [urls] if isinstance(urls, str) else urls
    else:
        listed = answer
    for number, item in enumerate(listed if isinstance(listed, list) else []):
        name = names[number] if number < len(names) else f"file {number + 1}"
        if isinstance(item, dict):
            found.append(UploadedFile.from_json(item))
        elif isinstance(item, str) and item:
            found.append(UploadedFile.sent(name, item))
    found += [UploadedFile.sent(name) for name in names[len(found):]]
    return found


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
    reasons: list[str] = field(default_factory=list)
    """Why the agent did what it did (tempo, key, cut alignment…), kept out of ``text``."""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_results: list[ToolResult] = field(default_factory=list)
    before: SessionState | None = None
    """The session's state before an agent turn."""
    after: SessionState | None = None
    """The session's state after the turn (draft, timeline, uploads, music versions): faces
    read this instead of asking for the state again."""
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

"""What the user asked for, as typed values: one intent per understood instruction.

Recognisers (``recognizers.py``) produce these from words; editors (``edits.py``) apply them to
the timeline. Keeping the two apart lets each be tested and extended alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from nemo_widgets.engine.agent.music_words import MusicOptions

VolumeTarget = Literal["original", "bgm"]
FadeTarget = Literal["auto", "bgm", "video", "text"]
TextKind = Literal["title", "text"]
Position = Literal["top", "center", "bottom"]
TrimMode = Literal["keep_first", "cut_first", "cut_last"]
TrackRef = Literal["bgm", "title", "text", "video", "audio"]
HistoryKind = Literal["undo", "redo", "use_music"]
UploadAction = Literal["add", "replace", "swap", "exchange", "remove", "keep_only", "clear"]


@dataclass(frozen=True)
class PlaceMedia:
    """Put the uploaded videos and photos on the video track, in upload order.

    ``add_missing`` is False for "each photo 5 seconds" alone: once the video track has
    content, that retimes the photos on it without bringing back uploads the user cut.
    """

    image_seconds: float | None = None
    add_missing: bool = True


@dataclass(frozen=True)
class SetVolume:
    """Set (``volume``) or scale (``scale``) the clips' own sound or the background music."""

    target: VolumeTarget
    volume: float | None = None
    scale: float | None = None


@dataclass(frozen=True)
class UseUploadedMusic:
    """Lay an uploaded audio file under the whole video as background music."""

    volume: float | None = None
    filename_hint: str | None = None


@dataclass(frozen=True)
class Fade:
    """Audio fades on the music or the clips' sound (alpha fades on text); None = untouched."""

    target: FadeTarget
    fade_in_s: float | None
    fade_out_s: float | None


@dataclass(frozen=True)
class TextSpan:
    """When a text shows, as the user said it; missing parts get the kind's defaults."""

    start_s: float | None = None
    end_s: float | None = None
    duration_s: float | None = None
    at_end: bool = False


@dataclass(frozen=True)
class AddText:
    """A title (big, centred, on the "Title" track) or other text (on the "Text" track)."""

    kind: TextKind
    text: str | None
    span: TextSpan
    position: Position | None = None


@dataclass(frozen=True)
class RemoveTrack:
    """Remove a track by what it is (``which``) or by its number in the summary (``number``)."""

    which: TrackRef | None = None
    number: int | None = None


@dataclass(frozen=True)
class Trim:
    """Shorten the video: keep the first N seconds, or cut N seconds from the start or end."""

    mode: TrimMode
    seconds: float


@dataclass(frozen=True)
class SetCanvas:
    """Change the canvas size (16:9, 9:16, 1:1) and/or how sources fit it (pad or crop)."""

    width: int | None = None
    height: int | None = None
    fit: Literal["pad", "crop"] | None = None


@dataclass(frozen=True)
class Describe:
    """Tell the user what is on the timeline; changes nothing."""


@dataclass(frozen=True)
class GenerateMusic:
    """Ask the music tool for a new track (or a variation of the last one), with the options
    the words stated (sections, seed, tempo, style, length, how many)."""

    prompt: str
    variation: str | None = None
    bpm: int | None = None
    options: MusicOptions = field(default_factory=MusicOptions)


@dataclass(frozen=True)
class History:
    """Step through the session's history: ``undo``, ``redo``, or ``use_music`` (go back to the
    music ``version``, 1-based). The engine keeps the history, so it carries these out."""

    kind: HistoryKind
    version: int | None = None


@dataclass(frozen=True)
class TargetUploads:
    """Work on named uploads among several (batch in one session).

    ``add`` puts ``files`` on the video track (at the end, ``after``/``before`` another upload,
    or ``at`` the ``"start"``/``"end"``; a clip already there moves); ``replace`` makes ``files``
    the whole video ("use X", "replace the video with X"); ``swap`` puts ``files[1]`` where
    ``files[0]`` was; ``exchange`` switches the places of two clips; ``remove`` takes ``files``
    off every track; ``keep_only`` removes every other clip; ``clear`` empties the timeline.
    """

    action: UploadAction
    files: tuple[str, ...] = ()
    after: str | None = None
    before: str | None = None
    at: Literal["start", "end"] | None = None


@dataclass(frozen=True)
class Export:
    """The user wants the video file: rendering is a GUI action, so the reply points there."""


@dataclass(frozen=True)
class Help:
    """The user asked what the agent can do."""


Intent: TypeAlias = (PlaceMedia | SetVolume | UseUploadedMusic | Fade | AddText | RemoveTrack | Trim
                      | SetCanvas | Describe | GenerateMusic | Export | Help | History
                      | TargetUploads)

EDITING_INTENTS = (PlaceMedia, SetVolume, UseUploadedMusic, Fade, AddText, RemoveTrack, Trim,
                   SetCanvas, GenerateMusic, TargetUploads)
"""Intents that act on the timeline, so they need the uploads on it first."""

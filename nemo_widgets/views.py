"""What a notebook user looks at: DataFrames, two pictures and media players.

Each view is one call away from the objects the client already returns (a ``Timeline``, a
``SessionState``, a conversation, a ``CreditLedger``, an ``ExportResult``), so a notebook never
needs to know the draft format or the ledger's internals. pandas, matplotlib and IPython are
imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from nemo_widgets import palette
from nemo_widgets.client.ledger import CreditLedger
from nemo_widgets.client.models import ExportResult, SessionState
from nemo_widgets.timeline import Timeline

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from IPython.core.display import HTML, Video
    from IPython.lib.display import Audio
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from nemo_widgets.client import Conversation

CREDIT_COLUMNS = ["time", "action", "delta", "available", "frozen", "total"]
TRACK_COLUMNS = ["track", "kind", "start_s", "end_s", "duration_s", "volume", "label", "source"]
MUSIC_COLUMNS = ["version", "label", "style", "tempo_bpm", "key", "duration_s"]


class _HasTimeline(Protocol):
    @property
    def timeline(self) -> Timeline | None: ...


class _HasState(Protocol):
    def state(self) -> SessionState: ...


TimelineSource = Timeline | SessionState | _HasTimeline | _HasState | Mapping[str, Any]


def as_timeline(source: TimelineSource) -> Timeline:
    """The ``Timeline`` of whatever the user holds: a timeline, a state, a draft dict, a magic's
    result (``.timeline``) or a conversation (its current state is read)."""
    if isinstance(source, Timeline):
        return source
    if isinstance(source, SessionState):
        return source.timeline
    if isinstance(source, Mapping):
        return Timeline.from_draft(dict(source))
    timeline = getattr(source, "timeline", None)
    if isinstance(timeline, Timeline):
        return timeline
    state = getattr(source, "state", None)
    if callable(state):
        found = state()
        if isinstance(found, SessionState):
            return found.timeline
    raise TypeError(f"Cannot find a timeline in {type(source).__name__}: pass a Timeline, a "
                    "SessionState, a draft dict, a %%nemo result or a conversation.")


def tracks_frame(source: TimelineSource) -> pd.DataFrame:
    """One row per segment: track, kind, start_s, end_s, duration_s, volume, label, source."""
    return as_timeline(source).to_frame()


class _HasLedger(Protocol):
    @property
    def ledger(self) -> CreditLedger: ...


def credits_frame(source: CreditLedger | _HasLedger) -> pd.DataFrame:
    """The credit history of a ledger (or of a conversation's or client's): time (local, to the
    second), action (balance, upload, music, edit, export), delta (0 for a balance read),
    available, frozen, total; one row per balance read or charged action, oldest first."""
    import pandas as pd

    ledger = source if isinstance(source, CreditLedger) else source.ledger
    frame = ledger.to_frame().rename(columns={"at": "time"})[CREDIT_COLUMNS]
    frame = frame.reset_index(drop=True)
    utc = pd.to_datetime(frame["time"], utc=True)
    local = utc.dt.tz_convert(_local_zone()).dt.tz_localize(None)
    frame["time"] = local.dt.floor("s")
    frame["delta"] = frame["delta"].fillna(0).astype("int64")
    return frame


def _local_zone() -> Any:
    from datetime import datetime

    return datetime.now().astimezone().tzinfo


def music_frame(state: SessionState) -> pd.DataFrame:
    """The music the session generated, one row per version (oldest first), read through the
    client's tolerant adapter (``SessionState.music_versions``), so the cloud's answers work
    too. No URL: a player comes from ``music_versions``, which fetches the sound through the
    kernel."""
    import pandas as pd

    rows = [{"version": v.version, "label": v.name, "style": v.style,
             "tempo_bpm": v.tempo_bpm, "key": v.key, "duration_s": v.duration_s}
            for v in state.music_versions]
    return pd.DataFrame(rows, columns=MUSIC_COLUMNS)


# --- pictures -----------------------------------------------------------------------------------
def timeline_figure(source: TimelineSource) -> Figure:
    """The timeline picture as a figure of its own, not registered with pyplot: returned as a
    cell's value it is shown once (it draws itself as PNG, whatever the matplotlib backend),
    with no ``<Axes …>`` line above it."""
    from matplotlib.figure import Figure

    class PictureFigure(Figure):
        """A figure that shows itself in a notebook without pyplot's help."""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=100)
            return buffer.getvalue()

    timeline = as_timeline(source)
    rows = len([t for t in timeline.tracks if t.segments])
    figure = PictureFigure(figsize=(9, 0.9 + 0.6 * max(1, rows)), layout="constrained")
    plot_timeline(timeline, ax=figure.add_subplot())
    return figure


def plot_timeline(source: TimelineSource, ax: Axes | None = None) -> Axes:
    """The timeline as a picture: one row per track, one bar per segment, labelled, in the
    widget's colours (``palette``)."""
    import matplotlib.pyplot as plt

    timeline = as_timeline(source)
    tracks = [t for t in timeline.tracks if t.segments]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.7 + 0.6 * max(1, len(tracks))))
    end_s = max(timeline.content_end_ms(), timeline.duration_ms, 1) / 1000
    names = []
    for row, track in enumerate(reversed(tracks)):
        names.append(f"{len(tracks) - row}. {track.display_name}")
        for seg in track.segments:
            kind = "music" if track.role == "bgm" else seg.kind
            start, width = seg.start_ms / 1000, seg.duration_ms / 1000
            ax.broken_barh([(start, width)], (row - 0.38, 0.76),
                           facecolors=palette.kind_colour(kind), edgecolor="white")
            label = (seg.text if seg.kind == "text" else seg.label) or seg.kind
            if seg.kind != "text" and round(seg.volume * 100) != 100:
                label += f" · {round(seg.volume * 100)}%"
            ax.text(start + width / 2, row, _shorten(label, max(8, int(60 * width / end_s))),
                    ha="center", va="center", fontsize=8, color=palette.LABEL, clip_on=True)
    ax.set_yticks(range(len(tracks)), names)
    ax.set_xlim(0, end_s)
    ax.set_ylim(-0.6, max(1, len(tracks)) - 0.4)
    ax.set_xlabel("seconds")
    ax.set_title(f"Timeline: {len(tracks)} track{'s' if len(tracks) != 1 else ''}, "
                 f"{end_s:g} s")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_credits(ledger: CreditLedger | _HasLedger | pd.DataFrame, ax: Axes | None = None
                 ) -> Axes:
    """Available (and reserved) credits over time, each charged action marked and named."""
    import matplotlib.pyplot as plt
    import pandas as pd

    frame = ledger if isinstance(ledger, pd.DataFrame) else credits_frame(ledger)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    if frame.empty:
        ax.set_title("Credits: no balance read yet")
        return ax
    steps = list(range(len(frame)))
    blue, amber = palette.CREDITS_AVAILABLE, palette.CREDITS_RESERVED
    ax.step(steps, frame["available"], where="post", label="available", color=blue)
    ax.plot(steps, frame["available"], "o", color=blue)
    if (frame["frozen"] > 0).any():
        ax.step(steps, frame["frozen"], where="post", label="reserved", color=amber)
    for step, (action, delta, available) in enumerate(
            zip(frame["action"], frame["delta"], frame["available"], strict=True)):
        if action != "balance":
            note = f"{action} ({int(delta):+d})" if delta else action
            ax.annotate(note, (step, available), textcoords="offset points", xytext=(0, 7),
                        ha="center", fontsize=8)
    ax.set_xticks(steps, [t.strftime("%H:%M:%S") for t in frame["time"]], rotation=30,
                  fontsize=8)
    ax.set_ylabel("credits")
    ax.set_ylim(0, max(float(frame["total"].max()), 1.0) * 1.15)
    ax.set_title(f"Credits over time: {int(frame['available'].iloc[-1])} available")
    ax.legend(loc="lower left", fontsize=8)
    return ax


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:max(1, limit - 1)] + "…"


# --- players ------------------------------------------------------------------------------------
def video_player(result: ExportResult | str | Path, width: int = 480) -> Video:
    """An inline player for an exported MP4 (embedded, so the saved notebook plays it too)."""
    path = result.path if isinstance(result, ExportResult) else Path(result)
    video: Video = _display("Video")(str(path), embed=True, width=width, mimetype="video/mp4")
    return video


def audio_player(source: str | Path | bytes) -> Audio:
    """An inline audio player for a file, a URL or raw bytes. The sound is always embedded
    (a URL is fetched by the kernel), so the browser never loads it from the backend's address:
    that works in a remote JupyterLab, and the saved notebook plays it too. Sound over
    ``COMPACT_ABOVE_BYTES`` is embedded as MP3 to keep notebooks small."""
    if isinstance(source, bytes):
        data = source
    elif str(source).startswith(("http://", "https://")):
        data = fetch(str(source))
    else:
        data = Path(source).read_bytes()
    mimetype = _sound_type(data)
    if len(data) > COMPACT_ABOVE_BYTES and mimetype != "audio/mpeg":
        data, mimetype = compact_audio(data), "audio/mpeg"
    audio: Audio = _display("Audio")(data=data)
    audio.mimetype = mimetype  # IPython would call any bytes audio/wav
    return audio


COMPACT_ABOVE_BYTES = 1_500_000
"""Sound larger than this is embedded as a 160 kb/s MP3 (a minute of WAV is ~11 MB)."""


def compact_audio(data: bytes) -> bytes:
    """``data`` (any sound FFmpeg reads) as a 160 kb/s MP3."""
    import subprocess

    import imageio_ffmpeg

    run = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
                          "-i", "pipe:0", "-vn", "-c:a", "libmp3lame", "-b:a", "160k",
                          "-f", "mp3", "pipe:1"], input=data, capture_output=True, check=True)
    return run.stdout


def _sound_type(data: bytes) -> str:
    if data[:4] == b"RIFF":
        return "audio/wav"
    if data[:3] == b"ID3" or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if data[4:8] == b"ftyp":
        return "audio/mp4"
    if data[:4] == b"OggS":
        return "audio/ogg"
    return "audio/wav"


class MusicVersions:
    """The music versions of a session: ``.frame`` (one row per version) and a player for each,
    shown side by side. The sound is embedded (fetched through the kernel)."""

    def __init__(self, frame: pd.DataFrame, players: list[tuple[str, Audio]]) -> None:
        self.frame = frame
        self.players = players

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return self.frame.to_string(index=False) if len(self.frame) else "No music yet."

    def _repr_html_(self) -> str:
        if not len(self.frame):
            return "<p>No music yet: ask for some (e.g. <code>%%nemo</code> <i>generate a " \
                   "background music track that matches the mood of my video</i>).</p>"
        table = str(self.frame.to_html(index=False, border=0, na_rep=""))
        players = "" if not self.players else str(side_by_side(self.players).data)
        return f'<div class="nemo-versions">{table}{players}</div>'


def music_versions(conversation: Conversation, *, players: bool = True) -> MusicVersions:
    """The session's music versions, each with an embedded player (``players=False``: the
    table only, nothing downloaded)."""
    state = conversation.state()
    frame = music_frame(state)
    made: list[tuple[str, Audio]] = []
    if players:
        client = conversation.aio.client
        for version in state.music_versions:
            if version.url:
                caption = f"v{version.version}: {version.name or version.style or 'music'}"
                made.append((caption, audio_player(client.absolute(version.url))))
    return MusicVersions(frame, made)


def fetch(url: str) -> bytes:
    """The bytes behind a media URL (no credentials: media URLs are public or on a CDN)."""
    import httpx

    response = httpx.get(url, timeout=60, follow_redirects=True)
    response.raise_for_status()
    return response.content


def side_by_side(players: Mapping[str, Audio | Video] | Sequence[tuple[str, Audio | Video]]
                 ) -> HTML:
    """Several players in one row, each under its caption: to compare versions by ear."""
    items = list(players.items()) if isinstance(players, Mapping) else list(players)
    cells = "".join(
        '<figure style="margin:0 12px 12px 0;min-width:220px">'
        f'<figcaption style="font-weight:600;margin-bottom:4px">{html.escape(caption)}'
        f"</figcaption>{_html_of(player)}</figure>"
        for caption, player in items)
    style = "display:flex;flex-wrap:wrap;align-items:flex-start"
    row: HTML = _display("HTML")(f'<div style="{style}">{cells}</div>')
    return row


def _html_of(player: Any) -> str:
    return str(player._repr_html_())


def _display(name: str) -> Any:
    """A class of ``IPython.display`` (untyped there, so it is handled as ``Any``)."""
    import IPython.display

    return getattr(IPython.display, name)

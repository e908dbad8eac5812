"""What a notebook user looks at: DataFrames, two pictures and media players.

Each view is one call away from the objects the client already returns (a ``Timeline``, a
``SessionState``, a conversation, a ``CreditLedger``, an ``ExportResult``), so a notebook never
needs to know the draft format or the ledger's internals. pandas, matplotlib and IPython are
imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from nemo_widgets.client.ledger import CreditLedger
from nemo_widgets.client.models import ExportResult, SessionState
from nemo_widgets.timeline import Timeline

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from IPython.core.display import HTML, Video
    from IPython.lib.display import Audio
    from matplotlib.axes import Axes

CREDIT_COLUMNS = ["time", "action", "delta", "available", "frozen", "total"]
TRACK_COLUMNS = ["track", "kind", "start_s", "end_s", "duration_s", "volume", "label", "source"]
MUSIC_COLUMNS = ["version", "label", "style", "tempo_bpm", "key", "duration_s", "url"]

_KIND_COLOURS = {"video": "#4e79a7", "image": "#76b7b2", "audio": "#f28e2b", "music": "#e15759",
                 "text": "#59a14f"}


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


def credits_frame(ledger: CreditLedger) -> pd.DataFrame:
    """The credit history: time (UTC), action, delta, available, frozen, total; one row per
    balance read or charged action, oldest first."""
    frame = ledger.to_frame()
    return frame.rename(columns={"at": "time"})[CREDIT_COLUMNS].reset_index(drop=True)


def music_frame(state: SessionState, base_url: str | None = None) -> pd.DataFrame:
    """The music the session generated, one row per version (oldest first), with the URL of
    the mix when the backend gives one."""
    import pandas as pd

    rows = []
    music = [m for m in state.generated_media if m.get("kind", "music") == "music"]
    for number, item in enumerate(music, 1):
        rows.append({"version": number, "label": item.get("label"), "style": item.get("style"),
                     "tempo_bpm": item.get("tempo_bpm"), "key": item.get("key"),
                     "duration_s": item.get("duration_s"), "url": media_url(item, base_url)})
    return pd.DataFrame(rows, columns=MUSIC_COLUMNS)


def media_url(item: Mapping[str, Any], base_url: str | None) -> str | None:
    """Where a generated item can be fetched: its own URL, or its path on the backend."""
    for key in ("url", "cdn_url", "output_url"):
        value = item.get(key)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    path = item.get("path")
    if isinstance(path, str) and path.startswith("/") and base_url:
        return base_url.rstrip("/") + path
    return None


# --- pictures -----------------------------------------------------------------------------------
def plot_timeline(source: TimelineSource, ax: Axes | None = None) -> Axes:
    """The timeline as a picture: one row per track, one bar per segment, labelled."""
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
                           facecolors=_KIND_COLOURS.get(kind, "#bab0ac"), edgecolor="white")
            label = (seg.text if seg.kind == "text" else seg.label) or seg.kind
            if seg.kind != "text" and round(seg.volume * 100) != 100:
                label += f" · {round(seg.volume * 100)}%"
            ax.text(start + width / 2, row, _shorten(label, max(8, int(60 * width / end_s))),
                    ha="center", va="center", fontsize=8, color="white", clip_on=True)
    ax.set_yticks(range(len(tracks)), names)
    ax.set_xlim(0, end_s)
    ax.set_ylim(-0.6, max(1, len(tracks)) - 0.4)
    ax.set_xlabel("seconds")
    ax.set_title(f"Timeline: {len(tracks)} track{'s' if len(tracks) != 1 else ''}, "
                 f"{end_s:g} s")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_credits(ledger: CreditLedger | pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Available (and reserved) credits over time, each charged action marked and named."""
    import matplotlib.pyplot as plt
    import pandas as pd

    frame = credits_frame(ledger) if isinstance(ledger, CreditLedger) else ledger
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    if frame.empty:
        ax.set_title("Credits: no balance read yet")
        return ax
    steps = list(range(len(frame)))
    ax.step(steps, frame["available"], where="post", label="available", color="#4e79a7")
    ax.plot(steps, frame["available"], "o", color="#4e79a7")
    if (frame["frozen"] > 0).any():
        ax.step(steps, frame["frozen"], where="post", label="reserved", color="#f28e2b")
    for step, (action, delta, available) in enumerate(
            zip(frame["action"], frame["delta"], frame["available"], strict=True)):
        if action != "balance":
            note = action if pd.isna(delta) else f"{action} ({int(delta):+d})"
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
    """An inline audio player for a file, a URL (fetched and embedded) or raw bytes."""
    player = _display("Audio")
    if isinstance(source, bytes):
        audio: Audio = player(data=source)
    elif str(source).startswith(("http://", "https://")):
        audio = player(data=fetch(str(source)))
    else:
        audio = player(filename=str(source))
    return audio


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

"""What ``%%nemo`` returns: the answer, the timeline after it and the export, displayed well.

``NemoResult`` wraps the client's ``TurnResult`` with the session's state read after the turn,
so ``.tracks`` and ``.plot()`` need no further call. Its rich display (HTML in Jupyter,
Markdown elsewhere, plain text in a terminal) shows the answer, an error with its fix, the
timeline summary, the tracks and the exported file.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from nemo_widgets.client.errors import NemoError
from nemo_widgets.client.models import ExportResult, SessionState, TurnResult
from nemo_widgets.timeline import Timeline

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from IPython.core.display import Video
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


_SUMMARY_ROUTES = ("agent", "status", "export")
"""Answers after which the timeline summary is worth a line (not credits or uploads)."""

MUTED = "color:var(--jp-content-font-color2, #555)"
ERROR = "color:var(--jp-error-color1, #b00020)"
"""Text colours from JupyterLab's theme (so they read in light and dark), with fallbacks."""

EMBED_LIMIT_BYTES = 64_000_000
"""An export up to this size is embedded in the result's display (the saved notebook plays
it); a larger one is named, and ``.video()`` embeds it on request."""


class NemoResult:
    """One ``%%nemo`` cell's outcome: ``.text``, ``.timeline``, ``.tracks``, ``.export``."""

    def __init__(self, turn: TurnResult, state: SessionState | None = None,
                 session: str = "default", export: ExportResult | None = None,
                 error: NemoError | None = None) -> None:
        self.turn = turn
        """The client's record of the message (route, tool calls, balance, notices…)."""
        self.state = state
        self.session = session
        self._export = export
        self._error = error

    @property
    def text(self) -> str:
        """What the user reads: the agent's words (GUI wording translated) or what changed."""
        return self.turn.text

    @property
    def error(self) -> NemoError | None:
        return self._error or self.turn.error

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def export(self) -> ExportResult | None:
        """The exported file, when this cell exported."""
        return self._export or self.turn.export

    @property
    def timeline(self) -> Timeline | None:
        """The timeline after the message (None if it could not be read)."""
        if self.state is not None:
            return self.state.timeline
        return self.turn.after.timeline if self.turn.after is not None else None

    @property
    def summary(self) -> str:
        return self.timeline.summary() if self.timeline is not None else ""

    @property
    def tracks(self) -> pd.DataFrame:
        """One row per segment (track, kind, start_s, end_s, duration_s, volume, label,
        source); empty when no timeline was read."""
        return (self.timeline or Timeline()).to_frame()

    def plot(self, ax: Axes | None = None) -> Figure:
        """The timeline as a picture: a figure, shown once when it is the cell's value (no
        ``<Axes …>`` line); with ``ax``, drawn there and that axes' figure returned."""
        from nemo_widgets.views import plot_timeline, timeline_figure

        if ax is None:
            return timeline_figure(self.timeline or Timeline())
        drawn = plot_timeline(self.timeline or Timeline(), ax=ax)
        return drawn.get_figure()  # type: ignore[return-value]

    def video(self, width: int = 480) -> Video:
        """A player for the exported MP4."""
        from nemo_widgets.views import video_player

        if self.export is None:
            raise ValueError("This cell did not export: add --export, or run %nemo export.")
        return video_player(self.export, width=width)

    # --- display --------------------------------------------------------------------------------
    def _lines(self) -> list[tuple[str, str]]:
        """(kind, text) pairs shared by the three representations."""
        out: list[tuple[str, str]] = []
        error = self.error
        text = self.text
        if self.export is not None:  # the export line below says it; once is enough
            text = "\n\n".join(p for p in text.split("\n\n")
                               if not p.startswith("Exported "))
        if text and (error is None or text.strip() != str(error).strip()):
            out.append(("text", text))
        if error is not None:
            out.append(("error", error.message))
            if error.fix:
                out.append(("fix", error.fix))
        if (self.summary and self.turn.route in _SUMMARY_ROUTES
                and self.summary not in self.text):
            out.append(("summary", self.summary))
        if self.export is not None:
            out.append(("export", f"Exported {self.export}"))
        return out

    def __repr__(self) -> str:
        prefix = {"error": "⚠ ", "fix": "Fix: ", "summary": "", "export": "", "text": ""}
        body = "\n".join(prefix[kind] + text for kind, text in self._lines())
        return body or f"NemoResult(route={self.turn.route!r})"

    def _repr_markdown_(self) -> str:
        parts = []
        for kind, text in self._lines():
            if kind == "error":
                parts.append(f"**⚠ {text}**")
            elif kind == "fix":
                parts.append(f"*Fix:* {text}")
            elif kind in ("summary", "export"):
                parts.append(f"`{text}`")
            else:
                parts.append(text)
        return "\n\n".join(parts)

    def _repr_html_(self) -> str:
        parts = []
        for kind, text in self._lines():
            safe = html.escape(text)
            if kind == "text":
                parts.append(f'<div style="white-space:pre-wrap">{safe}</div>')
            elif kind == "error":
                parts.append(f'<div style="{ERROR};font-weight:600">⚠ {safe}</div>')
            elif kind == "fix":
                parts.append(f'<div style="{ERROR}">Fix: {safe}</div>')
            else:
                parts.append(f'<div style="{MUTED};font-family:monospace;margin-top:6px">'
                             f"{safe}</div>")
        player = self._player_html()
        if player:
            parts.append(player)
        frame = self.tracks
        if not frame.empty:
            table: Any = frame.drop(columns=["source"]).to_html(index=False, border=0,
                                                                 na_rep="")
            parts.append(f"<details><summary>Tracks ({len(frame)} segments)</summary>"
                         f"{table}</details>")
        return '<div class="nemo-result">' + "".join(parts) + "</div>"

    def _player_html(self) -> str:
        """An embedded player for the export (``--export`` and ``%nemo export`` show it)."""
        export = self.export
        if export is None or not export.path.exists():
            return ""
        if export.path.stat().st_size > EMBED_LIMIT_BYTES:
            return (f'<div style="{MUTED}">Too large to show here: '
                    f"{html.escape(export.path.name)} (use <code>.video()</code>).</div>")
        player: Any = self.video()
        return str(player._repr_html_())

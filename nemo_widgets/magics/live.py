"""The live part of a ``%%nemo`` cell: one display area, updated in place as events arrive.

The agent's words appear as they stream (partial text, then the whole text), tool calls and
progress as short activity lines under them. When the turn is over the area shrinks to one
line (route, tools, time), because the returned result then shows the full answer: the text is
never printed twice. Everything goes through IPython's display handles, so it works in a kernel
(updates in place) and in a terminal or a test shell (each update published once more).
"""

from __future__ import annotations

import html
from typing import Any

from nemo_widgets.client.events import (
    ErrorEvent,
    Event,
    Heartbeat,
    Notice,
    PartialText,
    ProgressEvent,
    TextEvent,
    ToolCall,
    ToolResult,
)
from nemo_widgets.client.models import TurnResult


class LiveArea:
    """A display area that shows one message's progress (see the module docstring)."""

    def __init__(self, title: str, *, show_tools: bool = True) -> None:
        from IPython import display as ipython_display

        display: Any = ipython_display.display
        self.title = title
        self.show_tools = show_tools
        self.text = ""
        self._partial = ""
        self.activity: list[str] = []
        self._progress: dict[str, int] = {}
        self.updates = 0
        self.finished = False
        self._handle: Any = display(self._bundle(), raw=True, display_id=True)

    def __enter__(self) -> LiveArea:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _trace: object) -> None:
        """A cell that fails or is interrupted must not leave "⏳ …" above its error: the area
        ends as one line saying it stopped (the error itself is shown by the magic)."""
        if kind is None or self.finished:
            return
        why = "interrupted" if issubclass(kind, KeyboardInterrupt) else "stopped by an error"
        self.finished = True
        self.updates += 1
        self._handle.update(self._bundle(f"✗ {self.title}: {why}"), raw=True)

    def _bundle(self, footer: str | None = None) -> dict[str, str]:
        body = self.text or self._partial
        lines = [f"⏳ {self.title}"] if footer is None else [footer]
        if footer is None:
            lines += self.activity[-6:]
            lines += [f"{stage} {percent}%" for stage, percent in self._progress.items()]
            if body:
                lines += ["", body]
        plain = "\n".join(lines)
        items = "".join(f"<div>{html.escape(line)}</div>" for line in lines[1:] if line)
        muted = "color:var(--jp-content-font-color2, #555)"  # the theme's, light or dark
        head = f'<div style="{muted}">{html.escape(lines[0])}</div>'
        return {"text/plain": plain,
                "text/html": f'<div class="nemo-live">{head}'
                             f'<div style="white-space:pre-wrap">{items}</div></div>'}

    def _refresh(self) -> None:
        self.updates += 1
        self._handle.update(self._bundle(), raw=True)

    def on_event(self, event: Event) -> None:
        """Show one event of the turn (heartbeats only keep the area alive)."""
        if isinstance(event, PartialText):
            self._partial += event.text
        elif isinstance(event, TextEvent):
            self.text = (self.text + "\n\n" + event.text).strip()
            self._partial = ""
        elif isinstance(event, ToolCall):
            if not self.show_tools:
                return
            self.activity.append(f"⚙ {event.name}")
        elif isinstance(event, ToolResult):
            return
        elif isinstance(event, Notice):
            self.activity.append(f"ℹ {event.text}")
        elif isinstance(event, ProgressEvent):
            percent = int(event.fraction * 100)
            if self._progress.get(event.stage, -100) // 10 == percent // 10 and percent < 100:
                return
            self._progress[event.stage] = percent
        elif isinstance(event, ErrorEvent):
            self.activity.append(f"⚠ {event.message}")
        elif isinstance(event, Heartbeat):
            return
        else:
            return
        self._refresh()

    def progress(self, stage: str, fraction: float) -> None:
        """A progress callback (upload / render / download) for calls made outside a turn."""
        self.on_event(ProgressEvent(stage, fraction))

    def finish(self, result: TurnResult | None, note: str | None = None) -> None:
        """Shrink the area to one line: what answered, which tools ran, how long it took."""
        if result is None:
            footer = f"✓ {note or self.title}"
        else:
            mark = "✗" if result.error is not None else "✓"
            parts = [result.route if result.route != "agent" else "agent"]
            if result.tool_calls:
                names = ", ".join(dict.fromkeys(c.name for c in result.tool_calls))
                parts.append(f"tools: {names}")
            parts.append(f"{result.elapsed_s:.1f} s")
            if note:
                parts.append(note)
            footer = f"{mark} " + " · ".join(parts)
        self.finished = True
        self.updates += 1
        self._handle.update(self._bundle(footer), raw=True)

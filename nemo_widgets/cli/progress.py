"""What the command shows while it works: one self-rewriting line per stage on a terminal (a few
plain lines when stderr is a file or a pipe), and an agent turn's events on that line."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from nemo_widgets.client import Event


class ProgressLine:
    """One self-rewriting status line per stage on a terminal (a few plain lines otherwise)."""

    WIDTH = 24

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._stage: str | None = None
        self._last_step = -1

    def bar(self, stage: str, fraction: float, note: str = "") -> None:
        """``upload  [########----------------]  33%``."""
        fraction = max(0.0, min(1.0, fraction))
        if stage != self._stage:
            self.finish()
            self._stage, self._last_step = stage, -1
        filled = int(fraction * self.WIDTH)
        text = (f"{stage:<9}[{'#' * filled}{'-' * (self.WIDTH - filled)}] "
                f"{fraction * 100:3.0f}%{'  ' + note if note else ''}")
        if self.tty:
            self.stream.write("\r" + text + "\x1b[K")
            self.stream.flush()
        else:
            step = int(fraction * 4)  # 0, 25, 50, 75, 100 %
            if step != self._last_step:
                self._last_step = step
                self.stream.write(text + "\n")

    def status(self, stage: str, text: str) -> None:
        """A line without a bar (the agent at work)."""
        if stage != self._stage:
            self.finish()
            self._stage = stage
        if self.tty:
            self.stream.write(f"\r{stage:<9}{text}\x1b[K")
            self.stream.flush()

    def say(self, text: str) -> None:
        """A line of its own, under the current one."""
        self.finish()
        self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._stage is not None and self.tty:
            self.stream.write("\n")
            self.stream.flush()
        self._stage = None


def agent_events(line: ProgressLine) -> Callable[[Event], None]:
    """Show an agent turn's events on the progress line."""
    from nemo_widgets.client import Notice, ProgressEvent, ToolCall

    start = time.monotonic()
    state = {"activity": "thinking"}

    def show(event: Event) -> None:
        elapsed = time.monotonic() - start
        if isinstance(event, ToolCall):
            state["activity"] = event.name.replace("_", " ")
        if isinstance(event, ProgressEvent):
            line.bar(event.stage, event.fraction)
        elif isinstance(event, Notice):
            if event.kind != "export":
                line.say(event.text)
        else:  # text, tool work, keep-alives: the agent is at work
            line.status("agent", f"{state['activity']}… {elapsed:.0f}s")

    return show



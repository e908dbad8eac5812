"""Music options as plain words: ``--seed 7 --tempo 96`` → "…, seed 7, 96 BPM".

The CLI's and the magics' options for the music (seed, tempo, style, length) are not sent as
extra protocol fields: the protocol has none, and NemoVideo's cloud would ignore them. They are
written as a suffix of the prompt, in words the agent understands in English and Chinese
(the wording is agreed with the agent: "seed 7", "96 BPM", "style lofi", "30 seconds long").
So the same options work against the embedded engine and against the cloud.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MusicOptions:
    """What a user may fix about the music from a command line or a magic's options."""

    seed: int | None = None
    tempo: int | None = None
    """Beats per minute."""
    style: str | None = None
    duration: float | None = None
    """The music's length in seconds (the video is left alone)."""

    def __post_init__(self) -> None:
        if self.tempo is not None and not 30 <= self.tempo <= 300:
            raise ValueError(f"--tempo {self.tempo}: give beats per minute between 30 and 300.")
        if self.duration is not None and not 0 < self.duration <= 3600:
            raise ValueError(f"--duration {self.duration:g}: give seconds, more than 0 and at "
                             "most 3600.")
        if self.style is not None and not self.style.strip():
            raise ValueError("--style needs a name, e.g. --style lofi.")

    @property
    def empty(self) -> bool:
        return (self.seed, self.tempo, self.style, self.duration) == (None, None, None, None)

    def words(self) -> list[str]:
        """Each option as the phrase the agent reads, in a fixed order."""
        out: list[str] = []
        if self.style is not None:
            out.append(f"style {self.style.strip()}")
        if self.tempo is not None:
            out.append(f"{self.tempo} BPM")
        if self.duration is not None:
            out.append(f"{self.duration:g} seconds long")
        if self.seed is not None:
            out.append(f"seed {self.seed}")
        return out

    def apply(self, prompt: str) -> str:
        """``prompt`` with the options appended (unchanged when there are none)."""
        words = self.words()
        if not words:
            return prompt
        body = prompt.rstrip().rstrip(".,;")
        return f"{body}, {', '.join(words)}" if body else ", ".join(words)

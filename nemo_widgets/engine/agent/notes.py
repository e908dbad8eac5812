"""What an edit has to tell the user, before it is put into words, and the words' shape.

Edits return a ``Note`` (a message key and its values) instead of a sentence, so that one edit
can be reported in English for the tool result and in the user's language for the reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from nemo_widgets.engine.agent.language import Language


@dataclass(frozen=True)
class Term:
    """A word the reply translates (a position, a track kind, a fit mode), not user text."""

    word: str


NoteValue: TypeAlias = str | int | list[str] | Term


@dataclass(frozen=True)
class Note:
    """A message key (see ``replies.TEMPLATES``) and the values its template needs."""

    key: str
    values: dict[str, NoteValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """Words for the user: one plain sentence first, then details, and the reasons folded.

    ``headline`` is one sentence in ``language``; ``details`` are further lines shown under it
    (the steps of a multi-step turn, the tracks when the user asked for them); ``reasons`` say
    why, for a "Why?" fold — the turn runner sends them as a separate part, never inline.
    """

    headline: str
    details: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    language: Language = "en"

    @property
    def text(self) -> str:
        """The headline and the details, as the message's text (reasons are kept apart)."""
        return "\n".join([self.headline, *self.details])

def seconds_text(ms: int) -> str:
    """Milliseconds as the summary writes seconds: "10", "2.5"."""
    value = round(ms / 1000, 1)
    return str(int(value)) if value == int(value) else str(value)


def percent_text(volume: float) -> str:
    """A linear gain as a whole percentage: 0.35 → "35"."""
    return str(round(volume * 100))

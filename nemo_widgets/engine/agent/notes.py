"""What an edit has to tell the user, before it is put into words.

Edits return a ``Note`` (a message key and its values) instead of a sentence, so that one edit
can be reported in English for the tool result and in the user's language for the reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias


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


def seconds_text(ms: int) -> str:
    """Milliseconds as the summary writes seconds: "10", "2.5"."""
    value = round(ms / 1000, 1)
    return str(int(value)) if value == int(value) else str(value)


def percent_text(volume: float) -> str:
    """A linear gain as a whole percentage: 0.35 → "35"."""
    return str(round(volume * 100))

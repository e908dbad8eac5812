"""The composer's parts: one module per job, each a table of writers the styles name.

``chart`` (bars, sections, chords) → ``drums`` → ``bass`` → ``comping`` → ``melody`` →
``ending``; ``base`` holds the score's records and the :class:`Piece` they write into.
"""

from __future__ import annotations

from nemo_widgets.engine.music.parts.base import Bar, ChordEvent, Note, Piece, Score, grid_of
from nemo_widgets.engine.music.parts.bass import BASS_LINES
from nemo_widgets.engine.music.parts.comping import COMPING
from nemo_widgets.engine.music.parts.drums import DRUM_EXTRAS, FILLS
from nemo_widgets.engine.music.parts.ending import ENDINGS, final_voicing
from nemo_widgets.engine.music.parts.melody import MELODIES

__all__ = ["BASS_LINES", "COMPING", "DRUM_EXTRAS", "ENDINGS", "FILLS", "MELODIES", "Bar",
           "ChordEvent", "Note", "Piece", "Score", "final_voicing", "grid_of"]

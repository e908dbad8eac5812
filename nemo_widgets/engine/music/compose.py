"""compose: the plan becomes a score — timed notes for drums, bass, harmony and melody.

Everything is placed on the plan's constant beat grid, so the audio's beats are exactly the
plan's beats. The work is done by the part writers in ``parts/`` (see its modules), in this
order: the chart (bars, sections, chords and voicings), drums, bass, harmony, melody, and
the ending. Each style names its writers (``bass_line``, ``comping``, ``melody``, ``fill``…);
the tables in ``parts`` map those names to functions.
"""

from __future__ import annotations

from nemo_widgets.engine.music.model import MusicPlan
from nemo_widgets.engine.music.parts.accents import STOP_DEPTH_DB, accent_manner, write_accents
from nemo_widgets.engine.music.parts.base import Bar, ChordEvent, Note, Piece, Score, grid_of
from nemo_widgets.engine.music.parts.bass import write_bass
from nemo_widgets.engine.music.parts.chart import assign_chords, build_bars
from nemo_widgets.engine.music.parts.comping import write_harmony
from nemo_widgets.engine.music.parts.drums import write_drums
from nemo_widgets.engine.music.parts.ending import final_voicing, write_ending
from nemo_widgets.engine.music.parts.melody import write_melody

__all__ = ["Bar", "ChordEvent", "Note", "Score", "compose", "final_voicing", "grid_of"]


def compose(plan: MusicPlan) -> Score:
    """Write the score for ``plan`` (deterministic in the plan, including its seed)."""
    piece = Piece(plan)
    piece.bars = build_bars(piece)
    accents: list[float] = []
    if piece.bars:
        assign_chords(piece)
        write_drums(piece)
        write_bass(piece)
        write_harmony(piece)
        write_melody(piece)
        accents = write_accents(piece)
    final = write_ending(piece)
    piece.notes.sort(key=lambda n: (n.start, n.role, n.pitch))
    return Score(piece.notes, piece.events, final, piece.tonic, sorted(piece.kicks),
                 piece.style, piece.grid, piece.final_time,
                 piece.plan.drums and bool(piece.drum_patterns), accents,
                 STOP_DEPTH_DB[accent_manner(piece)])

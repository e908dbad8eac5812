"""The film score's pulse: a cello ostinato with a pizzicato ticking figure over it.

An orchestral cue keeps time without a drum kit: the cellos saw a short ostinato on the
chord's root, fifth and octave, leaning on the figure's accents, and pizzicato violins tick
above it (the clock of a thriller cue), on the off-beats or between the triplets. Both are
struck, not swelled (the cello samples carry a recorded bow attack; a plucked string has
nothing else), so the pulse is heard as a row of small attacks, and an accent placed on a
cut (``parts.accents``) stands out as the one big hit among them. The bank's bowed ensemble
was tried for the ostinato first: its samples swell for 0.3–1 s, and even played short it
was heard by an onset detector only where the drums struck.

Each groove of cinematic (``grooves``) plays its own figure: eighths leaning 3+3+2, a gallop
(an eighth and two sixteenths), a triplet ostinato and a swung one, so another version of a
cue changes its rhythm and not only its notes. Every figure marks the beat itself (the cellos'
accents, or the tick on it): a figure leaning only on off-beats was tracked at double tempo.
The figure thins with the bar's energy (under ``QUIET`` only the cellos' accents, no tick)
and takes its busier form when the bar drives.

The cellos play ``chords``, the tick ``chords2``: both are the keys of the arrangement
(``parts.arrangement``), heard from the intro on and thinned in the outro like the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nemo_widgets.engine.music.harmony import nearest_pitch
from nemo_widgets.engine.music.parts.base import Bar, Piece

DRIVE = 0.8  # a bar this full drives: the figure's busy form
QUIET = 0.35  # under this the figure plays only its accents, and the tick rests


@dataclass(frozen=True)
class Figure:
    """One ostinato: the cellos' and the tick's rhythms over a bar of four beats, one
    character a subdivision (``x`` accent, ``o`` normal, ``-`` rest; a shorter bar plays the
    start), ``per_beat`` subdivisions a beat (2 eighths, 3 triplets, 4 sixteenths); ``cell``
    the cellos' intervals over the chord's root, one a subdivision, in turn."""

    per_beat: int
    low: str
    low_drive: str  # the cellos in a driving bar
    tick: str
    tick_drive: str
    cell: tuple[int, ...] = (0, 0, 7, 0, 12, 0, 7, 0)


FIGURES: dict[str, Figure] = {
    # eighths on the beat, accented 3+3+2 when the bar drives; the tick on one and three and
    # the off-beats (every eighth when the bar drives: off-beats alone were tracked at
    # double tempo)
    "drive": Figure(2, "xoooxooo", "xooxooxo", "xo-oxo-o", "oooooooo",
                    cell=(0, 0, 0, 7, 0, 0, 12, 7)),
    # the gallop: an eighth and two sixteenths; the tick on every eighth, leaning on the beat
    "gallop": Figure(4, "x-oox-oox-oox-oo", "xoooxooox-ooxooo",
                     "x-o-x-o-x-o-x-o-", "x-o-x-o-x-o-x-oo",
                     cell=(0, 0, 0, 0, 7, 7, 7, 7, 12, 12, 12, 12, 7, 7, 7, 7)),
    # triplet eighths, accented on the beat; the tick on the two triplets after it
    "triplet": Figure(3, "x-ox-ox-ox-o", "xooxooxooxoo",
                      "-xo-xo-xo-xo", "-xo-xo-xo-xo",
                      cell=(0, 7, 12, 0, 7, 12, 0, 7, 12, 7, 12, 7)),
    # swung eighths (the groove's own swing places them), the cellos pushing the "and" of
    # two, the tick leaning on the swung off-beats
    "swung": Figure(2, "x-oxo-xo", "xoxoxoxo",
                    "oxoxoxox", "oxoxoxox",
                    cell=(0, 12, 7, 12, 0, 12, 7, 0)),
}

VEL = {"x": 0.85, "o": 0.6}


def _steps(figure: Figure, bar: Bar) -> list[tuple[float, int]]:
    """(sixteenth step, index within the bar) of each subdivision of a ``figure`` bar."""
    count = bar.beats * figure.per_beat
    return [(k * 4.0 / figure.per_beat, k) for k in range(count)]


def _write_bar(piece: Piece, bar: Bar, figure: Figure, rng: np.random.Generator) -> None:
    """One bar of ``figure``: the cellos around the chord's root (E2–E3), the tick on the
    chord's fifth, octave and tenth around G5, each within a few ms of the grid."""
    e = bar.energy
    low_pattern = figure.low_drive if e >= DRIVE else figure.low
    tick_pattern = figure.tick_drive if e >= DRIVE else figure.tick
    step_len = 4.0 / figure.per_beat
    for step, k in _steps(figure, bar):
        t = piece.step_time(bar, step) if figure.per_beat == 2 else piece.grid.time(
            bar.beat + step / 4.0)
        jitter = float(np.clip(rng.normal(0.0, 0.003), -0.008, 0.008))
        ev = piece.chord_at(t + 1e-4)
        root = nearest_pitch(ev.chord.root, 45, 40, 52)
        lo = low_pattern[k % len(low_pattern)]
        if lo != "-" and (e >= QUIET or lo == "x"):
            interval = figure.cell[k % len(figure.cell)]
            vel = VEL[lo] * (0.8 + 0.25 * e)
            dur = piece.grid.period * step_len / 4.0 * 0.7
            piece.add("chords", t + jitter, dur, root + interval, vel)
        hi = tick_pattern[k % len(tick_pattern)]
        if hi != "-" and e >= QUIET:
            third = ev.chord.intervals[1] if len(ev.chord.intervals) > 2 else 7
            tones = (7, 12, 7, 12 + third)
            tick = nearest_pitch(ev.chord.root + tones[(k // 2) % len(tones)], 79, 72, 88)
            vel = VEL[hi] * (0.7 + 0.3 * e) * float(np.clip(rng.normal(1.0, 0.08), 0.8, 1.15))
            piece.add("chords2", t + jitter, piece.grid.period * 0.25, tick, vel)


def film_pulse(name: str) -> Callable[[Piece], None]:
    """The whole-piece writer of the figure ``name`` (a key of ``FIGURES``)."""
    figure = FIGURES[name]

    def write(piece: Piece) -> None:
        rng = piece.rng("pulse")
        for bar in piece.bars:
            _write_bar(piece, bar, figure, rng)

    write.__doc__ = f"The film pulse, {name} figure (see ``parts.pulse``)."
    return write


PULSES: dict[str, Callable[[Piece], None]] = {
    f"pulse_{name}": film_pulse(name) for name in FIGURES
}

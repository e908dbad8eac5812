"""Bass lines, one writer per manner, registered in ``BASS_LINES`` (the styles' ``bass_line``).

Held roots (pads and strings), root–fifth (pop, folk), following the kick (lo-fi, hip hop),
off-beat house bass, rock eighths, a walking bass (jazz) and its two feel, and the piano's
left hand.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nemo_widgets.engine.music.harmony import bass_pitch
from nemo_widgets.engine.music.parts.base import Bar, Piece

BarBass = Callable[[Piece, Bar, Bar | None, np.random.Generator], None]


def root(piece: Piece, bar: Bar, step: float) -> int:
    """The bass register's root of the chord sounding at ``step``."""
    return bass_pitch(piece.chord_at(piece.step_time(bar, step) + 1e-4).chord.root)


def bass_note(piece: Piece, bar: Bar, step: float, steps: float, pitch: int, vel: float
              ) -> None:
    """A bass note from ``step`` for ``steps`` sixteenths (cut at the bar's end), slightly
    detached."""
    t = piece.step_time(bar, step)
    end = piece.step_time(bar, min(step + steps, bar.beats * 4))
    piece.add("bass", t, max(end - t - 0.02, 0.05), pitch, vel)


def root_fifth(piece: Piece, bar: Bar, nxt: Bar | None, rng: np.random.Generator) -> None:
    e = bar.energy
    if e < 0.4:
        bass_note(piece, bar, 0, 16, root(piece, bar, 0), 0.75)
        return
    first = root(piece, bar, 0)
    bass_note(piece, bar, 0, 7, first, 0.85)
    third = root(piece, bar, 8)
    bass_note(piece, bar, 8, 6, third + 7 if third + 7 <= 47 and rng.uniform() < 0.5
              else third, 0.75)
    if e >= 0.7:
        bass_note(piece, bar, 14, 2, root(piece, bar, 14) + 12, 0.6)


def kick_steps(piece: Piece, bar: Bar) -> list[int]:
    """The steps the kick plays in this bar (a boom-bap default without drums)."""
    pat = piece.pattern("kick", bar.energy) if piece.plan.drums else None
    steps = [i for i, ch in enumerate(pat or "x-------x-x-----") if ch != "-"]
    return [s for s in steps if s < bar.beats * 4] or [0]


def follow_kick(piece: Piece, bar: Bar, nxt: Bar | None, rng: np.random.Generator) -> None:
    steps = kick_steps(piece, bar)
    for k, step in enumerate(steps):
        end = steps[k + 1] if k + 1 < len(steps) else bar.beats * 4
        pitch = root(piece, bar, step)
        if k == len(steps) - 1 and k > 0 and rng.uniform() < 0.35:
            pitch += 7 if pitch + 7 <= 47 else -5
        bass_note(piece, bar, step, min(end - step, 8), pitch, 0.9 if step == 0 else 0.75)


def offbeat(piece: Piece, bar: Bar, nxt: Bar | None, rng: np.random.Generator) -> None:
    if bar.energy < 0.4:
        bass_note(piece, bar, 0, 12, root(piece, bar, 0), 0.7)
        return
    for step in (2, 6, 10, 14):
        if step >= bar.beats * 4:
            break
        pitch = root(piece, bar, step)
        if step == 14 and bar.energy >= 0.7:
            pitch += 12
        bass_note(piece, bar, step, 1.6, pitch, 0.85)


def eighths(piece: Piece, bar: Bar, nxt: Bar | None, rng: np.random.Generator) -> None:
    every = 2 if bar.energy >= 0.5 else 4
    for step in range(0, bar.beats * 4, every):
        bass_note(piece, bar, step, every * 0.85, root(piece, bar, step),
                  0.85 if step % 4 == 0 else 0.7)


def picked_eighths(piece: Piece, bar: Bar, nxt: Bar | None, rng: np.random.Generator
                   ) -> None:
    """Rock's picked eighths; in a quiet bar, roots on one and three left to ring (a held
    quarter note cut short by the final hit's breath stopped 13 dB within 20 ms)."""
    every = 2 if bar.energy >= 0.5 else 8
    for step in range(0, bar.beats * 4, every):
        bass_note(piece, bar, step, every * 0.85 if every == 2 else every,
                  root(piece, bar, step), 0.85 if step % 4 == 0 else 0.7)


def walking(piece: Piece, bar: Bar, nxt: Bar | None, rng: np.random.Generator) -> None:
    chord = piece.chord_at(piece.step_time(bar, 0) + 1e-4).chord
    first = bass_pitch(chord.root, 36, 48)
    target = bass_pitch(nxt.chords[0][1].root, 36, 48) if nxt else first
    tones = sorted({first + i for i in chord.intervals if i < 12} | {first + 12})
    line = [first]
    for beat in range(1, bar.beats):
        if beat == bar.beats - 1:
            line.append(target + (1 if rng.uniform() < 0.5 else -1))
        else:
            options = [p for p in tones if p != line[-1]]
            line.append(int(options[int(rng.integers(len(options)))]))
    for beat, pitch in enumerate(line):
        bass_note(piece, bar, beat * 4, 3.6, pitch, 0.8 if beat % 2 == 0 else 0.68)


def left_hand(piece: Piece, bar: Bar, nxt: Bar | None, rng: np.random.Generator) -> None:
    """The piano's left hand: each chord's root, held to the bar's end and a little past."""
    for off, chord in bar.chords:
        t = piece.grid.time(bar.beat + off)
        pitch = bass_pitch(chord.root, 36, 48)
        piece.add("bass", t, piece.bar_end(bar) - t + 0.3, pitch, 0.55 + 0.2 * bar.energy)


def sustain(piece: Piece) -> None:
    """Held roots, one per chord event (pads, strings)."""
    low = piece.style.bass_floor
    for ev in piece.events:
        pitch = bass_pitch(ev.chord.root, low, low + 12)
        piece.add("bass", ev.start, ev.end - ev.start + 0.05, pitch, 0.65 + 0.25 * ev.energy)


def bar_by_bar(writer: BarBass) -> Callable[[Piece], None]:
    """A whole-piece writer from a bar writer (which also sees the next bar)."""
    def write(piece: Piece) -> None:
        rng = piece.rng("bass")
        bars = piece.bars
        for i, bar in enumerate(bars):
            writer(piece, bar, bars[i + 1] if i + 1 < len(bars) else None, rng)
    write.__doc__ = writer.__doc__
    return write


BASS_LINES: dict[str, Callable[[Piece], None]] = {
    "sustain": sustain,
    "root_fifth": bar_by_bar(root_fifth),
    "follow_kick": bar_by_bar(follow_kick),
    "offbeat": bar_by_bar(offbeat),
    "eighths": bar_by_bar(eighths),
    "picked_eighths": bar_by_bar(picked_eighths),
    "walking": bar_by_bar(walking),
    "piano": bar_by_bar(left_hand),
}


def write_bass(piece: Piece) -> None:
    """The bass line in the style's manner."""
    BASS_LINES[piece.bass_line](piece)

"""A pianist's left hand and inner voices: solo piano's flowing figure as a person plays it.

An even arpeggio at one level, every note short, is what a sequencer plays — an independent
tagger (musicnn, MSD model) heard solo piano's old triplet figure as "electronic". A pianist:

* changes the **shape** of the broken chord with each phrase (rolling up and back, fifth
  under a tenth, an open sweep), and closes a quiet phrase on a rolled chord that rings;
* plays the **root** on the chord's downbeat as part of the figure over a held bass note, and
  keeps the **pedal** down through each harmony (changed just after the new chord), so the
  figure sounds as one resonant chord, not separate blips; eighths have a slight lilt;
* **shapes** the level: the downbeat leans, beat three less, off-beats lightest, the top of a
  sweep a little louder, a crescendo into a phrase and a diminuendo to its cadence, and no
  two notes quite alike;
* places notes by hand, a few milliseconds around the grid (no rubato: the beat stays);
* adds an **inner voice**: the chord's middle tones held softly under the tune;
* when the picture cuts fast and free (a bar holding accents on cuts), lifts the pedal and
  plays the figure detached an octave higher, so every accent is struck out of a clear
  texture (pedalled, the figure blurred into one sound and the accents stopped standing out:
  measured, ``docs/music.md``).

Figures are written per subdivision as indices into the hand's chord tones
(``_hand_tones``: 0 the root, then fifth, octave, tenth, the fifth above, the top octave).

``ballad`` is solo piano's own groove: pedalled chords in three-three-two, so that another
version (the hymn's block chords on one and three, the flowing figure) differs in rhythm.
"""

from __future__ import annotations

import numpy as np

from nemo_widgets.engine.music.harmony import bass_pitch
from nemo_widgets.engine.music.parts.accents import accent_times
from nemo_widgets.engine.music.parts.base import Bar, Piece

# per-beat subdivisions' shapes, one chord-tone index a note (see ``_hand_tones``): each a
# different way through the chord, several a bar (a pianist's hand does not loop one cell)
SHAPES: dict[int, tuple[tuple[int, ...], ...]] = {
    1: ((1, 3, 2, 4), (1, 2, 3, 2), (2, 4, 1, 3)),
    2: ((1, 2, 3, 4, 3, 2, 3, 2), (1, 3, 2, 4, 1, 3, 2, 3), (1, 2, 3, 5, 4, 3, 2, 3),
        (2, 3, 4, 3, 1, 3, 4, 2)),
    3: ((1, 2, 3, 1, 3, 4, 1, 2, 4, 2, 3, 5), (1, 3, 4, 2, 3, 5, 1, 3, 4, 2, 4, 3),
        (1, 2, 3, 2, 4, 3, 1, 3, 5, 2, 3, 4), (1, 3, 2, 1, 4, 3, 1, 3, 2, 2, 5, 3)),
    4: ((1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3, 4, 3, 2, 3, 2),
        (1, 3, 2, 3, 4, 3, 2, 3, 1, 3, 2, 4, 5, 4, 3, 2),
        (1, 2, 3, 5, 4, 3, 2, 3, 1, 2, 4, 3, 5, 3, 4, 2)),
}
ROLL_BEAT = 2.0  # a quiet phrase's last bar: the figure, then a chord rolled on beat three…
ROLL = ((2.0, 1), (2.1, 2), (2.2, 3), (2.3, 4))  # …(beat, index), held to the chord's end
PEDAL_OVERLAP_S = 0.04  # the old harmony still rings for a moment after the new chord
# a held note is let go after this long even under the pedal: by then it has decayed most of
# the way, and every second of a note's tail is a second more to synthesise
PEDAL_MAX_S = 1.5
LILT = 0.1  # eighths: the off-beat this much of a beat late (a ballad's lilt, not a shuffle)
LOW, HIGH = 36, 48  # the hand's lowest root: pedalled (C2–B2), detached (C3–B3)
CRISP_TOUCH = 0.7  # detached: a note sounds this share of the time to the next one


def _hand_tones(lo: int, root: int, intervals: tuple[int, ...]) -> list[int]:
    """The left hand's chord tones over the root (in the octave from ``lo``): root, fifth (or
    the chord's own altered fifth), octave, tenth (the third an octave up), the fifth above
    and the top octave."""
    low = bass_pitch(root, lo, lo + 11)
    third = next((i for i in intervals if i in (3, 4)), 7 if 7 in intervals else 5)
    fifth = next((i for i in intervals if i in (6, 7, 8)), 7)
    return [low, low + fifth, low + 12, low + 12 + third, low + 12 + fifth, low + 24]


def _level(bar: Bar, pos: float, tone: int, rng: np.random.Generator) -> float:
    """A note's level: the bar's energy, the beat's weight, the sweep's top, the phrase's
    arc, and the hand's own unevenness."""
    on_beat = abs(pos - round(pos)) < 1e-6
    weight = (0.16 if pos < 1e-6 else 0.08 if abs(pos - 2.0) < 1e-6
              else 0.03 if on_beat else -0.05)
    arc = 0.04 * (bar.pos % 2 == 0) - 0.05 * bar.last
    base = 0.34 + 0.22 * bar.energy + weight + arc + 0.015 * tone
    return base * float(np.clip(1.0 + rng.normal(0.0, 0.09), 0.8, 1.2))


def _figure(bar: Bar, shape: int, final: bool, crisp: bool) -> tuple[tuple[float, int], ...]:
    """The bar's notes as (beat offset, chord-tone index): the phrase's shape in the bar's
    subdivision (sixteenths when it drives, eighths, one a beat when quiet; one step busier,
    eighths to triplets, where the picture cuts fast), the root on the downbeat; a quiet
    phrase's last bar (and the piece's) rolls a chord on beat three."""
    e = bar.energy
    per_beat = 4 if e >= 0.85 else 2 if e >= 0.35 else 1
    if crisp:  # fast cutting: a busier figure, one subdivision up
        per_beat = min(per_beat + 1, 4)
    cells = SHAPES[per_beat][shape % len(SHAPES[per_beat])]
    lilt = LILT if per_beat == 2 else 0.0
    notes = [(k / per_beat + lilt * (k % 2), cells[k % len(cells)])
             for k in range(bar.beats * per_beat)]
    # the root on each chord's first beat (the bass holds it under the figure)
    starts = set() if crisp else {off for off, _ in bar.chords}
    notes = [(pos, 0 if pos in starts else index) for pos, index in notes]
    breath = bar.last or bar.pos % 4 == 3
    if (final or (breath and e < 0.6 and not crisp)) and bar.beats > ROLL_BEAT:
        notes = [n for n in notes if n[0] < ROLL_BEAT] + list(ROLL)
    return tuple(n for n in notes if n[0] < bar.beats)


def _crisp_bars(piece: Piece) -> set[int]:
    """The bars (by index) that hold an accent on a cut: the picture cuts fast and free
    there, and the pianist plays detached."""
    bars: set[int] = set()
    for t, _strength in accent_times(piece):
        bar = piece.bar_at(t)
        if bar is not None:
            bars.add(bar.index)
    return bars


def flowing(piece: Piece) -> None:
    """Broken chords in the left hand, pedalled (detached where the picture cuts fast),
    shaped per phrase, with an inner voice (see the module docstring)."""
    rng = piece.rng("pianist")
    crisp_bars = _crisp_bars(piece)
    shape = int(rng.integers(12))
    for bar in piece.bars:
        if bar.pos % 2 == 0:  # a new phrase takes a new shape
            shape += int(rng.integers(1, 3))
        crisp = bar.index in crisp_bars
        notes = _figure(bar, shape, bar is piece.bars[-1], crisp)
        for k, (pos, index) in enumerate(notes):
            t = piece.grid.time(bar.beat + pos)
            t += float(np.clip(rng.normal(0.0, 0.005), -0.012, 0.012))
            ev = piece.chord_at(t + 0.02)
            tones = _hand_tones(HIGH if crisp else LOW, ev.chord.root, ev.chord.intervals)
            nxt = notes[k + 1][0] if k + 1 < len(notes) else float(bar.beats)
            rolled = pos >= ROLL_BEAT and notes[-1][0] < ROLL_BEAT + 0.5
            if crisp and not rolled:
                until = piece.grid.time(bar.beat + pos + CRISP_TOUCH * (nxt - pos))
            else:  # the pedal holds it until the harmony changes (or it has all but died)
                until = min(ev.end + PEDAL_OVERLAP_S, t + PEDAL_MAX_S)
            piece.add("chords", t, max(until - t, 0.06), tones[index],
                      _level(bar, pos, index, rng), release=0.25)
        inner_voice(piece, bar, rng)


def inner_voice(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    """The chord's middle tones (third and seventh, else third and fifth) held softly under
    the tune, from the chord's first beat or the beat after, in most bars."""
    if bar.energy < 0.3 or rng.uniform() < 0.25:
        return
    for off, _chord in bar.chords:
        push = 1.0 if rng.uniform() < 0.35 else 0.0  # or entering on the next beat
        t = piece.grid.time(bar.beat + off + push)
        t += float(np.clip(rng.normal(0.0, 0.006), -0.012, 0.012))
        ev = piece.chord_at(t + 0.02)
        middle = [p + 12 if p < 55 else p for p in sorted(ev.voicing)[1:3]]
        end = min(min(ev.end, piece.bar_end(bar)) + PEDAL_OVERLAP_S, t + PEDAL_MAX_S)
        vel = (0.26 + 0.12 * bar.energy) * float(np.clip(1.0 + rng.normal(0.0, 0.08), 0.8, 1.2))
        for j, p in enumerate(middle):
            piece.add("chords", t + 0.008 * j, max(end - t, 0.2), p, vel, release=0.3)


BALLAD = ((0.0, 0.62), (1.5, 0.5), (3.0, 0.42))  # (beat, level): three-three-two eighths
BALLAD_QUIET = ((0.0, 0.6), (1.5, 0.45))


def ballad(piece: Piece) -> None:
    """A ballad's chords in three-three-two: struck on one, on the and of two and on four
    (the first two only in a quiet bar), slightly rolled, pedalled to the next stroke, the
    downbeat leaning; the left hand holds the root."""
    rng = piece.rng("ballad")
    for bar in piece.bars:
        strokes = [s for s in (BALLAD if bar.energy >= 0.45 else BALLAD_QUIET)
                   if s[0] < bar.beats]
        for k, (beat, level) in enumerate(strokes):
            t = piece.grid.time(bar.beat + beat)
            t += float(np.clip(rng.normal(0.0, 0.005), -0.012, 0.012))
            nxt = strokes[k + 1][0] if k + 1 < len(strokes) else float(bar.beats)
            ev = piece.chord_at(t + 0.02)
            end = min(piece.grid.time(bar.beat + nxt), ev.end) + PEDAL_OVERLAP_S
            vel = (level + 0.15 * bar.energy) * float(np.clip(1.0 + rng.normal(0.0, 0.07),
                                                              0.85, 1.15))
            for j, p in enumerate(sorted(ev.voicing)):
                piece.add("chords", t + 0.01 * j, max(end - t, 0.1), p,
                          vel * (1.08 if j == len(ev.voicing) - 1 else 1.0), release=0.3)

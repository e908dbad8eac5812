"""Melodies, one writer per manner, registered in ``MELODIES`` (the styles' ``melody``).

``phrases`` (every style's): the tune is written in phrases of one or two bars that come in
pairs — a question that rises and stops on an open note (the chord's fifth or third), and an
answer that starts the same way and comes home (to the tonic when the chord has it, else to
the chord's root) with a long note; the answer at a section's end is its cadence. Strong beats
take chord tones; quiet bars thin the rhythm; a later chorus lifts the tune a third.

``motif`` (the earlier manner): a seeded one-bar motif and a contrasting one, laid out
A A' A B over 4-bar phrases, re-fitted to each chord (chord tones on strong steps), thinned in
quiet bars, lifted a third in later choruses.

``bells`` (ambient's): a few ringing notes over two bars in rhythms the seed draws. At a few
notes a phrase, ``phrases`` keeps little more than its cadence, the same in time for every
seed; these rhythms make another seed's tune fall elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nemo_widgets.engine.music.harmony import nearest_pitch, scale
from nemo_widgets.engine.music.parts.base import Bar, Piece


def make_motif(rng: np.random.Generator, density: float) -> list[tuple[int, int, int]]:
    """One bar of melody: (step, length in steps, scale-step movement)."""
    weights = np.array([1.0 if s % 4 == 0 else 0.55 if s % 2 == 0 else
                        (0.18 if density >= 0.9 else 0.0) for s in range(16)])
    count = int(np.clip(round(density * 4 * rng.uniform(0.8, 1.25)), 1, 8))
    count = min(count, int((weights > 0).sum()))
    steps = sorted(int(s) for s in rng.choice(16, count, replace=False,
                                              p=weights / weights.sum()))
    out = []
    for k, s in enumerate(steps):
        nxt = steps[k + 1] if k + 1 < len(steps) else 16
        move = int(rng.choice([-2, -1, -1, 0, 1, 1, 2, 3, -3]))
        out.append((s, max(nxt - s, 1), move))
    return out


def step_scale(pitch: int, move: int, scale_pcs: list[int]) -> int:
    """Move ``move`` scale steps from ``pitch`` (snapped into the scale first)."""
    p = pitch
    while p % 12 not in scale_pcs:
        p -= 1
    direction = 1 if move > 0 else -1
    for _ in range(abs(move)):
        p += direction
        while p % 12 not in scale_pcs:
            p += direction
    return p


def melody_active(piece: Piece, bar: Bar) -> bool:
    """Whether the tune plays in this bar: not in the pick-up, the intro (except for styles
    whose tune is the point, from its second bar) or under a voice; in a build from its second
    half."""
    if bar.index < 0 or bar.section == "quiet":
        return False
    if piece.style.melody_everywhere:
        return bar.section != "intro" or bar.pos > 0
    if bar.section == "intro":
        return False
    if bar.section in ("build", "rise"):
        return bar.size == 1 or bar.pos >= bar.size / 2
    return True


def _chord_tones(piece: Piece, t: float) -> list[int]:
    ev = piece.chord_at(t + 1e-4)
    return [(ev.chord.root + i) % 12 for i in ev.chord.intervals]


def _nearest_in(pcs: list[int], around: float, low: int, high: int) -> int:
    """The pitch nearest ``around`` (inside the range) whose class is in ``pcs``."""
    options = [p for p in range(low, high + 1) if p % 12 in pcs]
    if not options:
        return round(around)
    return min(options, key=lambda p: (abs(p - around), p))


def _target(piece: Piece, t: float, answer: bool, around: float, low: int, high: int) -> int:
    """Where a phrase lands: home for an answer (the tonic if the chord has it, else its
    root), an open chord tone for a question (the fifth, else the third)."""
    ev = piece.chord_at(t + 1e-4)
    ivs = ev.chord.intervals
    if answer:
        pcs = [piece.tonic] if piece.tonic in _chord_tones(piece, t) else [ev.chord.root]
    else:
        pick = 7 if 7 in ivs else next((i for i in ivs if i in (3, 4)), ivs[-1])
        pcs = [(ev.chord.root + pick) % 12]
    return _nearest_in(pcs, around, low, high)


def phrase_melody(piece: Piece) -> None:
    """See the module docstring."""
    style = piece.style
    rng = piece.rng("melody")
    low, high = style.melody_range
    scale_pcs = [(piece.tonic + s) % 12 for s in scale(piece.mode)]
    density = piece.melody_density
    openings = [make_motif(rng, density), make_motif(rng, density)]
    middle = (low + high) / 2.0
    current = centre = middle
    start_pitch = middle
    mains = 0
    for bar in piece.bars:
        if bar.first and bar.section in ("main", "drop", "full"):
            mains += 1
            centre = middle + (3.0 if mains >= 2 else 0.0)
        if not melody_active(piece, bar):
            continue
        unit = 2 if bar.size >= 4 else 1
        phrase = bar.pos // unit
        closing = bar.pos % unit == unit - 1 or bar.last
        answer = phrase % 2 == 1 or bar.last  # a section always ends on a cadence
        beginning = bar.pos % unit == 0
        opening = openings[(phrase // 2) % 2]
        quiet = bar.section in ("break", "calm") or bar.energy < 0.45
        span = bar.beats * 4
        cells: list[tuple[int, int, int]] = []
        if beginning:
            if not answer:
                start_pitch = float(_nearest_in(_chord_tones(piece, piece.step_time(bar, 0)),
                                                centre + rng.uniform(-3, 3), low, high))
            current = start_pitch  # the answer starts like the question
            first = opening[::2] if quiet else opening
            cells = [c for c in first if c[0] < (8 if closing else span)]
        if closing:
            landing = piece.groove.melody_land or piece.style.melody_land
            land = min(landing, max(span - 4, 0))
            cells = [c for c in cells if c[0] < land - 2]
            lead = [land - 2] if cells else [s for s in (land - 4, land - 2) if s >= 0]
            events = [c[0] for c in cells] + lead + [land]
            cells = [(st, events[k + 1] - st, mv) for k, (st, _, mv) in enumerate(cells)]
            _write(piece, bar, cells, current, scale_pcs, low, high, rng)
            if cells and piece.last_melody is not None:
                current = piece.last_melody
            goal = _target(piece, piece.step_time(bar, land), answer, current, low, high)
            for step, pitch in zip(lead, _approach(round(current), goal, len(lead), scale_pcs),
                                   strict=True):
                _note(piece, bar, step, 2, pitch, 0.62, rng)
            _note(piece, bar, land, span - land, goal, 0.7 if answer else 0.66, rng,
                  long=True)
            current = float(goal)
        else:
            _write(piece, bar, cells, current, scale_pcs, low, high, rng)
            if cells and piece.last_melody is not None:
                current = piece.last_melody
        piece.last_melody = current


def _approach(start: int, goal: int, count: int, scale_pcs: list[int]) -> list[int]:
    """``count`` scale steps leading into ``goal`` from the side ``start`` is on."""
    direction = 1 if start >= goal else -1
    return [step_scale(goal, direction * (count - i), scale_pcs) for i in range(count)]


def _note(piece: Piece, bar: Bar, step: int, length: int, pitch: int, vel: float,
          rng: np.random.Generator, *, long: bool = False) -> None:
    t = piece.step_time(bar, step)
    end = piece.step_time(bar, min(step + length, bar.beats * 4))
    jitter = float(np.clip(rng.normal(0, 0.005), -0.012, 0.012))
    legato = 1.0 if long else piece.style.legato
    accent = 0.12 if step % 8 == 0 else 0.0
    piece.add("melody", t + jitter, max((end - t) * legato, 0.06), pitch,
              (vel + accent) * (0.8 + 0.2 * bar.energy))


def _write(piece: Piece, bar: Bar, cells: list[tuple[int, int, int]], current: float,
           scale_pcs: list[int], low: int, high: int, rng: np.random.Generator) -> None:
    """Motif cells from ``current``: scale steps, chord tones on strong steps."""
    for step, length, move in cells:
        pitch = step_scale(round(current), move, scale_pcs)
        if step % 4 == 0 or length >= 4:
            pitch = _nearest_in(_chord_tones(piece, piece.step_time(bar, step)), pitch,
                                pitch - 4, pitch + 4)
        while pitch > high:
            pitch -= 12
        while pitch < low:
            pitch += 12
        current = float(pitch)
        _note(piece, bar, step, length, pitch, 0.62, rng)
    piece.last_melody = current


def motif_melody(piece: Piece) -> None:
    """See the module docstring."""
    style = piece.style
    rng = piece.rng("melody")
    low, high = style.melody_range
    scale_pcs = [(piece.tonic + s) % 12 for s in scale(piece.mode)]
    density = piece.melody_density
    motif_a = make_motif(rng, density)
    motif_b = make_motif(rng, density)
    ending = list(motif_a)
    if len(ending) > 1:
        last = ending[-1]
        ending[-1] = (last[0], last[1], int(rng.choice([-2, -1, 1, 2])))
    middle = (low + high) / 2.0
    current = centre = middle
    legato = style.legato
    mains = 0
    for bar in piece.bars:
        if bar.first and bar.section == "main":
            mains += 1
            # a later chorus lifts the tune a third: the same motif, more intensity
            centre = middle + (3.0 if mains >= 2 else 0.0)
        if not melody_active(piece, bar):
            continue
        phrase = bar.pos % 4
        motif = [motif_a, ending, motif_a, motif_b][phrase]
        if bar.section == "break" or bar.energy < 0.45:
            motif = motif[::2]
        if phrase in (0, 2):
            ev = piece.chord_at(piece.step_time(bar, 0) + 1e-4)
            current = float(nearest_pitch(ev.chord.root + ev.chord.intervals[
                int(rng.integers(len(ev.chord.intervals)))], centre, low, high))
        for step, length, move in motif:
            if step >= bar.beats * 4:
                continue
            t = piece.step_time(bar, step)
            ev = piece.chord_at(t + 1e-4)
            pitch = step_scale(round(current), move, scale_pcs)
            if step % 4 == 0 or length >= 4:
                tones = [(ev.chord.root + i) % 12 for i in ev.chord.intervals]
                pitch = min((p for p in range(pitch - 4, pitch + 5) if p % 12 in tones),
                            key=lambda p: (abs(p - pitch), p), default=pitch)
            while pitch > high:
                pitch -= 12
            while pitch < low:
                pitch += 12
            current = float(pitch)
            end = piece.step_time(bar, min(step + length, bar.beats * 4))
            jitter = float(np.clip(rng.normal(0, 0.005), -0.012, 0.012))
            vel = (0.62 + (0.2 if step % 4 == 0 else 0.0)) * (0.8 + 0.2 * bar.energy)
            piece.add("melody", t + jitter, max((end - t) * legato, 0.06), pitch, vel)
    piece.last_melody = current


def _bell_cell(rng: np.random.Generator, density: float) -> list[int]:
    """One two-bar rhythm of a bell tune: eighth-note positions (0–15), most on beats, the
    number from the density (notes a beat)."""
    weights = np.array([1.0 if s % 2 == 0 else 0.15 for s in range(16)])
    weights[0] = 0.6  # the bar line is the pulse's; a bell there often hides it
    count = int(np.clip(round(density * 8 * rng.uniform(0.75, 1.3)), 2, 6))
    return sorted(int(s) for s in rng.choice(16, count, replace=False,
                                             p=weights / weights.sum()))


def bell_melody(piece: Piece) -> None:
    """Ambient's tune: a few bell notes over two bars, on beats the seed chooses (a question
    and an answer of two rhythms, so another seed's tune falls elsewhere in time), stepping
    through the scale, chord tones on the beats, each ringing into the next; a section's last
    bar comes home on the tonic or the chord's root."""
    style = piece.style
    rng = piece.rng("melody")
    low, high = style.melody_range
    scale_pcs = [(piece.tonic + s) % 12 for s in scale(piece.mode)]
    cells = [_bell_cell(rng, piece.melody_density), _bell_cell(rng, piece.melody_density)]
    current = (low + high) / 2.0 + rng.uniform(-3, 3)
    phrase = 0
    for bar in piece.bars:
        if not melody_active(piece, bar):
            continue
        half = bar.pos % 2
        if half == 0:
            phrase += 1
        cell = cells[phrase % 2]
        steps = [2 * (s - 8 * half) for s in cell if 8 * half <= s < 8 * half + 8
                 and 2 * (s - 8 * half) < bar.beats * 4]
        if bar.last:
            steps = [s for s in steps if s < 8] + [8] if bar.beats * 4 > 8 else [0]
        if bar.energy >= 0.8:  # driving: between the figure's triplets, off the beat
            steps = sorted({s + 2 if s % 4 == 0 and s + 2 < bar.beats * 4 else s
                            for s in steps})
        for k, step in enumerate(steps):
            nxt = steps[k + 1] if k + 1 < len(steps) else bar.beats * 4
            t = piece.step_time(bar, step)
            if t > piece.final_time - 2.0 * piece.grid.period:
                break  # the final chord's bell is the piece's cadence (``ending``)
            if bar.last and k == len(steps) - 1:
                pitch = _target(piece, t, True, current, low, high)
            else:
                pitch = step_scale(round(current), int(rng.choice([-2, -1, -1, 1, 1, 2])),
                                   scale_pcs)
                if step % 4 == 0:
                    pitch = _nearest_in(_chord_tones(piece, t), pitch, pitch - 4, pitch + 4)
            while pitch > high:
                pitch -= 12
            while pitch < low:
                pitch += 12
            current = float(pitch)
            end = piece.step_time(bar, min(nxt, bar.beats * 4))
            jitter = float(np.clip(rng.normal(0, 0.004), -0.01, 0.01))
            # when the bar drives (the picture cuts fast) the tune steps back for the hits
            # on the cuts, which are struck on the bells
            vel = (0.3 if bar.energy >= 0.8 else 0.62 if step % 4 == 0 else 0.52) * (
                0.8 + 0.2 * bar.energy)
            piece.add("melody", t + jitter, max(end - t, 0.3), pitch, vel)
    piece.last_melody = current


MELODIES: dict[str, Callable[[Piece], None]] = {"phrases": phrase_melody,
                                                 "motif": motif_melody,
                                                 "bells": bell_melody}


def write_melody(piece: Piece) -> None:
    """The tune in the style's manner, if the style has one."""
    if "melody" not in piece.style.parts or not piece.bars:
        return
    MELODIES[piece.style.melody](piece)

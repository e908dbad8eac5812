"""Melodies, one writer per manner, registered in ``MELODIES`` (the styles' ``melody``).

``motif``: a seeded one-bar motif and a contrasting one, laid out A A' A B over 4-bar phrases,
re-fitted to each chord (chord tones on strong steps), thinned in quiet bars, lifted a third
in later choruses.
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
    """Whether the tune plays in this bar (not in the pick-up; from the build on, or from
    the intro's second bar for styles whose tune is the point)."""
    if bar.index < 0:
        return False
    if piece.style.melody_everywhere:
        return bar.section != "intro" or bar.pos > 0
    return bar.section in ("main", "break", "outro") or (
        bar.section == "build" and bar.pos % 2 == 1)


def motif_melody(piece: Piece) -> None:
    """See the module docstring."""
    style = piece.style
    rng = piece.rng("melody")
    low, high = style.melody_range
    scale_pcs = [(piece.tonic + s) % 12 for s in scale(piece.mode)]
    density = style.melody_density
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


MELODIES: dict[str, Callable[[Piece], None]] = {"motif": motif_melody}


def write_melody(piece: Piece) -> None:
    """The tune in the style's manner, if the style has one."""
    if "melody" not in piece.style.parts or not piece.bars:
        return
    MELODIES[piece.style.melody](piece)

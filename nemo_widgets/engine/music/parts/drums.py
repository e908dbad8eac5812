"""Drum parts: the style's step patterns layered by section energy, fills into section
changes, crashes on new sections, risers, swing, and small seeded timing/velocity offsets
(kick and snare within ±5 ms so beat tracking stays exact).

``DRUM_EXTRAS`` holds what a style adds on top of its patterns (jazz's snare comping).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nemo_widgets.engine.music.parts.base import VEL, Bar, Piece

TIGHT = {"kick", "snare", "clap"}
DRIVE = 0.85  # a bar this full drives: fast cutting or a drop (see ``form.describe``)

BarWriter = Callable[[Piece, Bar, np.random.Generator], None]


def hit(piece: Piece, role: str, bar: Bar, step: float, vel: float,
        rng: np.random.Generator, *, force: bool = False) -> None:
    """One drum hit with swing and seeded humanisation (kick/snare/clap within ±5 ms, others
    ±10 ms)."""
    t = piece.step_time(bar, step)
    if role in TIGHT:
        t += float(np.clip(rng.normal(0.0, 0.002), -0.005, 0.005))
        if role == "snare" and piece.style.laid_back_snare:
            t += 0.003  # lazy backbeat: at most 8 ms off the grid with the jitter
    else:
        t += float(np.clip(rng.normal(0.0, 0.004), -0.01, 0.01))
    vel *= float(np.clip(1.0 + rng.normal(0.0, 0.06), 0.8, 1.15))
    if role == "kick" and t >= -0.01:
        piece.kicks.append(max(t, 0.0))
    piece.add(role, t, 0.1, 0, vel, force=force)


def snare_fill(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    """A one-beat fill into the next section: snare (or clap) sixteenths, rising."""
    role = "snare" if "snare" in piece.style.parts else "clap"
    for k, step in enumerate((12, 13, 14, 15)):
        hit(piece, role, bar, step, 0.45 + 0.15 * k, rng, force=True)


def tom_fill(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    """A one-beat fill on the toms (cinematic)."""
    for k, step in enumerate((12, 13, 14, 15)):
        hit(piece, "tom", bar, step, 0.6 + 0.1 * k, rng, force=True)


def jazz_comping(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    """Soft snare comping on the off-beats, at random (a jazz drummer's left hand)."""
    chance = 0.6 if bar.energy >= DRIVE else 0.3
    for step in (6, 14, 10):
        if step < bar.beats * 4 and rng.uniform() < chance:
            hit(piece, "snare", bar, step, 0.3 + 0.2 * rng.uniform(), rng)


FILLS: dict[str, BarWriter] = {"snare": snare_fill, "toms": tom_fill}
DRUM_EXTRAS: dict[str, BarWriter] = {"jazz_snare": jazz_comping}


ENTRANCES = ("build", "main", "drop", "full", "rise")  # sections that open with a crash


def write_drums(piece: Piece) -> None:
    """Drum hits bar by bar: energy-layered patterns, fills into the next section, crashes on
    new sections, the style's extras, risers; a bar before a drop ends on a stop."""
    style = piece.style
    if not piece.plan.drums or not piece.drum_patterns:
        return
    rng = piece.rng("drums")
    patterns = piece.drum_patterns
    has_backbeat = "snare" in patterns or "clap" in patterns
    bars = piece.bars
    for i, bar in enumerate(bars):
        nxt = bars[i + 1] if i + 1 < len(bars) else None
        stop = nxt is not None and nxt.first and nxt.section == "drop" and bar.beats == 4
        fill = (bar.last and nxt is not None and bar.beats == 4 and bar.energy >= 0.3
                and nxt.energy >= bar.energy - 0.05 and has_backbeat
                and style.fill is not None and not stop)
        for role in patterns:
            if role == "crash":
                continue
            pat = piece.pattern(role, bar.energy)
            if pat is None:
                continue
            for step, ch in enumerate(pat):
                if step >= bar.beats * 4 or ch == "-" or (stop and step >= 12):
                    continue
                if fill and step >= 12 and role in ("snare", "clap", "hat", "ohat"):
                    continue
                if ch == "." and bar.energy >= DRIVE and role not in TIGHT:
                    ch = "o"  # driving: the cymbals' ghost notes are played out
                hit(piece, role, bar, step, VEL[ch] * (0.82 + 0.18 * bar.energy), rng)
        if fill and style.fill is not None:
            FILLS[style.fill](piece, bar, rng)
        if style.drum_extra is not None:
            DRUM_EXTRAS[style.drum_extra](piece, bar, rng)
        if (bar.first and bar.index >= 0 and bar.section in ENTRANCES
                and bar.energy >= 0.45 and "crash" in style.kit):
            hit(piece, "crash", bar, 0, 0.8, rng, force=True)
    if style.risers:
        risers(piece)


def risers(piece: Piece) -> None:
    """A one-bar noise swell into each main part or drop after the first bar."""
    bar_s = piece.grid.period * piece.grid.beats_per_bar
    for i, bar in enumerate(piece.bars):
        if bar.first and bar.index > 0 and bar.section in ("main", "drop") and i > 0:
            start = piece.grid.time(bar.beat) - bar_s
            piece.add("riser", start, bar_s, 0, 0.9, force=True)

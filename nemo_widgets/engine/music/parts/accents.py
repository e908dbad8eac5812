"""Accents on cuts: the music answers the picture's strongest cuts without leaving its grid.

The grid catches the cuts it can (a steady tempo is what editors cut to); the strongest half
of the cuts also get an accent placed on them, exactly on the cut: a short stop of the band (a
breath), then a hit (kick, crash or open hat, backbeat, a
chord stab and the bass's root), or for drumless pieces a sforzando chord on the struck
instruments. Hits asked for in words ("a hit at 0:12") are placed the same way. Accents
never change the style, the tempo or the key: the mood stays the picture's.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from nemo_widgets.engine.music.grid import TOLERANCE_S
from nemo_widgets.engine.music.harmony import bass_pitch
from nemo_widgets.engine.music.parts.arrangement import group_of
from nemo_widgets.engine.music.parts.base import Note, Piece
from nemo_widgets.engine.music.synth import INSTRUMENTS

DRUM_GROUPS = {"kick", "backbeat", "cymbals", "toms"}
STOP_BEFORE_S = 0.12  # the band leaves this much room before an accent…
STOP_AFTER_S = 0.07  # …and the drums this much after it (no flams with the groove)
STOP_RELEASE_S = 0.08  # how fast held notes let go for the stop (a damper, not a cut)
FLAM_S = 0.04  # drum hits closer than this to a pushed accent would flam with it
STRUCK_ROLES = ("chords", "melody", "bass", "arp")


def accent_times(piece: Piece) -> list[tuple[float, float]]:
    """(time, strength) of every accent: the strongest half of the cuts before the final
    hit — only those off the grid when the grid catches most cuts (a regularly cut clip is
    answered by the beat itself) — and the hits asked for."""
    rows = [r for r in piece.plan.cut_alignment if float(r["cut"]) >= 0.0]
    order = sorted(range(len(rows)), key=lambda i: -float(rows[i]["strength"]))
    strongest = [rows[i] for i in order[: math.ceil(len(rows) / 2)]]
    caught = sum(abs(float(r["error_ms"])) <= TOLERANCE_S * 1000.0 for r in rows)
    steady = caught >= 0.8 * len(rows)  # the grid itself answers a regularly cut clip
    out: list[tuple[float, float]] = []
    for row in strongest:
        t = float(row["cut"])
        if steady and abs(float(row["error_ms"])) <= TOLERANCE_S * 1000.0:
            continue
        if 0.02 <= t < piece.final_time - 0.15:
            out.append((t, float(row["strength"])))
    for t in piece.plan.extras.get("hits", []) or []:
        if 0.0 <= float(t) < piece.final_time - 0.15:
            out.append((float(t), 1.0))
    return sorted(out)


def _stop(piece: Piece, t: float) -> None:
    """The band stops just before ``t`` — a breath — and what was held comes back with the
    hit: drums around ``t`` are cleared, notes still sounding are let go, and sustained
    notes that were meant to go on are struck again at ``t``."""
    gap = STOP_BEFORE_S
    kept: list[Note] = []
    again: list[Note] = []
    for n in piece.notes:
        drum = group_of(n.role) in DRUM_GROUPS or n.role == "riser"
        if drum:
            if not t - gap <= n.start < t + STOP_AFTER_S:
                kept.append(n)
            continue
        if t - gap <= n.start < t:
            continue
        if n.start < t - gap < n.start + n.dur:
            kept.append(Note(n.role, n.start, max(t - gap - n.start, 0.01), n.pitch, n.vel,
                             STOP_RELEASE_S))
            rest = n.start + n.dur - t
            if rest > 0.3:
                again.append(Note(n.role, t, rest, n.pitch, n.vel * 0.9, n.release))
            continue
        kept.append(n)
    piece.notes = kept + again


def _stab(piece: Piece, t: float, vel: float, roles: tuple[str, ...]) -> None:
    """The chord sounding at ``t`` struck short on ``roles``, the bass's root under it."""
    ev = piece.chord_at(t + 1e-4)
    for role in roles:
        if role == "bass":
            piece.add("bass", t, 0.45, bass_pitch(ev.chord.root), vel, force=True)
        elif role == "melody":
            low, high = piece.style.melody_range
            tones = sorted({p + 12 * k for p in ev.voicing for k in (0, 1, 2)
                            if low <= p + 12 * k <= high})[-3:]
            for p in tones:
                piece.add("melody", t, 0.5, p, vel, force=True)
        else:
            for p in ev.voicing:
                piece.add(role, t, 0.3, p, vel, force=True)


def kit_accent(piece: Piece, t: float, strength: float) -> None:
    """A stop, then kick, the two biggest cymbals the kit has, backbeat, a chord stab and the
    bass."""
    vel = 0.8 + 0.2 * strength
    _stop(piece, t)
    _kit_hit(piece, t, vel)


def push_accent(piece: Piece, t: float, strength: float) -> None:
    """A hit over the groove, the band playing on (rock's push): kick, the biggest cymbals,
    backbeat, a chord stab and the bass, out of the mix's short breath (``dynamics``) only;
    the groove's own drum hits within a flam of it give way."""
    piece.notes = [n for n in piece.notes if not (
        group_of(n.role) in DRUM_GROUPS and abs(n.start - t) < FLAM_S)]
    _kit_hit(piece, t, 0.8 + 0.2 * strength)


def _kit_hit(piece: Piece, t: float, vel: float) -> None:
    """Kick, the two biggest cymbals the kit has, backbeat, a chord stab and the bass."""
    parts = piece.style.parts
    # a style with a "boom" (cinematic's concert bass drum) strikes it for a hit, not its kick
    piece.add("boom" if "boom" in parts else "kick", t, 0.1, 0, 1.0, force=True)
    if "kick" in parts:
        piece.kicks.append(t)
    for cymbal in [c for c in ("crash", "ohat", "ride", "hat", "shaker") if c in parts][:2]:
        piece.add(cymbal, t, 0.1, 0, vel, force=True)
    backbeat = "snare" if "snare" in parts else "clap" if "clap" in parts else None
    if backbeat:
        piece.add(backbeat, t, 0.1, 0, vel, force=True)
    _stab(piece, t, vel, ("chords", "bass"))


def keys_accent(piece: Piece, t: float, strength: float) -> None:
    """A breath, then a sforzando chord on the instruments that strike (piano, bells,
    plucks)."""
    vel = 0.95 + 0.05 * strength
    _stop(piece, t)
    roles = []
    for role in STRUCK_ROLES:
        part = piece.style.parts.get(role)
        inst = INSTRUMENTS.get(part.instrument) if part else None
        if inst is not None and inst.attack <= 0.02:
            roles.append(role)
    _stab(piece, t, vel, tuple(roles))


ACCENTS: dict[str, Callable[[Piece, float, float], None]] = {
    "kit": kit_accent,
    "push": push_accent,
    "keys": keys_accent,
}


# how far the whole mix dips in the breath before an accent (``dynamics.stop_gain``): a
# band's hit comes out of a real stop; a sparse, drumless piece only takes a small breath, or
# its accents would tower over everything else it plays and drown its own pulse
STOP_DEPTH_DB: dict[str, float] = {"kit": -15.0, "push": -15.0, "keys": -4.0}


def accent_manner(piece: Piece) -> str:
    """The piece's way of marking a cut (a key of ``ACCENTS``)."""
    drums = piece.plan.drums and bool(piece.drum_patterns)
    return (piece.style.accent or "kit") if drums else "keys"


def write_accents(piece: Piece) -> list[float]:
    """An accent on each of the strongest cuts (see the module docstring); their times."""
    writer = ACCENTS[accent_manner(piece)]
    times = accent_times(piece)
    for t, strength in times:
        writer(piece, t, strength)
    return [t for t, _ in times]

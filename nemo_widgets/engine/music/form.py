"""The form of a piece: which sections, where, how full and how loud.

Sections come in kinds (``KINDS``): the planner's own (intro, build, main, break, outro) and
the shapes a user can ask for in words (calm, build, drop, hit, quiet, full; see
CONTRACTS §1). Each kind has an energy (how busy the parts play, 0…1) and a level (dB under
the loudest part of the piece) — together the arc a listener hears: a sparse, quiet intro, a
build that grows, a full main part, a thinner outro. Builds ramp their energy and level from
start to end. Every boundary is a bar line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

SHAPES: tuple[str, ...] = ("calm", "build", "drop", "hit", "quiet", "full")


@dataclass(frozen=True)
class Kind:
    """A kind of section: its energy and level (at its start and, for ramps, at its end)."""

    energy: float
    level_db: float
    energy_end: float | None = None
    level_end_db: float | None = None


KINDS: dict[str, Kind] = {
    "intro": Kind(0.3, -14.0),
    "build": Kind(0.5, -10.0, 0.75, -3.0),
    "main": Kind(0.85, 0.0),
    "break": Kind(0.45, -8.0),
    "outro": Kind(0.55, -7.0),
    # asked for in words
    "calm": Kind(0.28, -11.0),
    "quiet": Kind(0.2, -15.0),
    "drop": Kind(1.0, 0.0),
    "full": Kind(0.85, 0.0),
    "rise": Kind(0.4, -11.0, 0.95, -1.0),  # "build" as asked for: a longer crescendo
}

Layout = list[tuple[str, int, int]]  # (kind, first bar, end bar)


def layout(n_bars: int, bar_s: float, strong: dict[int, float], seed: int) -> Layout:
    """Sections in whole bars, with boundaries moved (±2 bars) onto strong cuts; the seed
    varies the intro's length and whether a long piece takes a break, so another version is
    also another form."""
    if n_bars <= 0:
        return []
    if n_bars <= 2:
        return [("main", 0, n_bars)]
    if n_bars <= 4:
        return [("intro", 0, 1), ("main", 1, n_bars - 1), ("outro", n_bars - 1, n_bars)]
    rng = np.random.default_rng([seed & 0xFFFFFFFF, 4242])
    total_s = n_bars * bar_s
    intro = 1 if n_bars < 8 or bar_s * 2 > 0.15 * total_s else 2
    if n_bars >= 32 and bar_s * 4 <= 0.12 * total_s:
        intro = 4
    if n_bars >= 8 and rng.uniform() < 0.5:
        # the seed's other intro: longer when the usual one is short (an intro under ~4 s is
        # barely heard as one), else half as long
        intro = intro + 1 if intro * bar_s < 4.5 else max(1, intro // 2)
    outro = 1 if n_bars < 12 or bar_s * 2 > 0.15 * total_s else 2
    mid = n_bars - intro - outro
    if mid <= 4:
        shape = [("main", 1.0)]
    elif mid < 10:
        shape = [("build", 0.4), ("main", 0.6)]
    elif mid < 18:
        shape = ([("build", 0.25), ("main", 0.75)] if rng.uniform() < 0.6 else
                 [("build", 0.25), ("main", 0.4), ("break", 0.15), ("main", 0.2)])
    else:
        shape = [("build", 0.2), ("main", 0.35), ("break", 0.15), ("main", 0.3)]
    unit = 4 if mid >= 24 else 2
    bounds = [intro]
    acc = float(intro)
    for _, frac in shape[:-1]:
        acc += frac * mid
        bounds.append(round((acc - intro) / unit) * unit + intro)
    bounds.append(intro + mid)
    sections: Layout = [("intro", 0, intro)]
    snapped = list(bounds)
    for i in range(1, len(bounds) - 1):
        lo_lim, hi_lim = snapped[i - 1] + 2, bounds[i + 1] - 2
        cands = [j for j in range(bounds[i] - 2, bounds[i] + 3)
                 if lo_lim <= j <= hi_lim and strong.get(j, 0.0) >= 0.5]
        if cands:
            snapped[i] = max(cands, key=lambda j: (strong[j], -abs(j - bounds[i])))
    for (name, _), start, end in zip(shape, snapped[:-1], snapped[1:], strict=True):
        if end > start:
            sections.append((name, start, end))
    sections.append(("outro", intro + mid, n_bars))
    return sections


def _bar_of(t: float, first_bar_s: float, bar_s: float, n_bars: int) -> int:
    """The bar line nearest ``t`` (0 … n_bars)."""
    return min(max(round((t - first_bar_s) / bar_s), 0), n_bars)


def apply_requests(base: Layout, requests: list[dict[str, Any]], first_bar_s: float,
                   bar_s: float, n_bars: int) -> tuple[Layout, list[float], str]:
    """Lay the sections asked for in words over the planner's form.

    Returns the new layout, the times of single hits asked for inside the piece, and the
    ending ("ring", or "hit" for "end on a big hit"). A section starts on the bar line nearest
    its ``start_s``; without ``end_s`` it lasts until the next request (a drop: until the
    outro). A drop gets a build into it if nothing was asked for there.
    """
    names = ["main"] * n_bars
    for name, j0, j1 in base:
        for j in range(j0, j1):
            names[j] = name
    asked = [False] * n_bars
    hits: list[float] = []
    ending = "ring"
    spans: list[tuple[int, str, float | None]] = []
    for req in requests:
        shape = str(req.get("shape", "")).lower()
        start = float(req.get("start_s", 0.0) or 0.0)
        end = req.get("end_s")
        if shape not in SHAPES:
            raise ValueError(f"unknown section shape {shape!r}; known: {', '.join(SHAPES)}")
        if shape == "hit":
            if start < 0:
                ending = "hit"
            else:
                hits.append(start)
            continue
        spans.append((_bar_of(max(start, 0.0), first_bar_s, bar_s, n_bars),
                      shape, None if end is None else float(end)))
    spans.sort(key=lambda s: s[0])
    outro = next((j0 for name, j0, _ in base if name == "outro"), n_bars)
    for k, (j0, shape, end) in enumerate(spans):
        nxt = spans[k + 1][0] if k + 1 < len(spans) else n_bars
        if end is not None:
            j1 = _bar_of(end, first_bar_s, bar_s, n_bars)
        elif shape == "drop":
            j1 = outro if outro > j0 + 1 else n_bars
        else:
            j1 = n_bars
        j1 = min(max(j1, j0 + 1), nxt, n_bars)
        kind = {"build": "rise", "full": "full", "drop": "drop", "calm": "calm",
                "quiet": "quiet"}[shape]
        for j in range(j0, j1):
            names[j] = kind
            asked[j] = True
        if shape == "drop":
            for j in range(max(j0 - 2, 0), j0):
                if not asked[j]:
                    names[j] = "build"
    out: Layout = []
    for j, name in enumerate(names):
        if out and out[-1][0] == name and out[-1][2] == j and not (
                name in ("drop", "rise") and j in {s[0] for s in spans}):
            out[-1] = (name, out[-1][1], j + 1)
        else:
            out.append((name, j, j + 1))
    return out, sorted(hits), ending


def describe(kind: str, scale: float, motion_delta: float, nth_main: int,
             cuts_per_minute: float = 0.0) -> dict[str, float]:
    """Energy (and its end, for ramps) and level of one section: the kind's, scaled by the
    mood's arousal and nudged by the picture's motion there; later mains a little fuller, and
    every part busier when the picture cuts fast (more notes for more events to answer)."""
    k = KINDS[kind]
    lift = 0.05 * nth_main if kind == "main" else 0.0
    lift += 0.2 * min(max((cuts_per_minute - 24.0) / 36.0, 0.0), 1.0)

    def energy(value: float) -> float:
        return round(min(max((value + lift) * scale + 0.6 * motion_delta, 0.08), 1.0), 3)

    out = {"energy": energy(k.energy), "level_db": k.level_db}
    if k.energy_end is not None:
        out["energy_end"] = energy(k.energy_end)
    if k.level_end_db is not None:
        out["level_end_db"] = k.level_end_db
    return out


def bar_energy(section: dict[str, Any], pos: int) -> float:
    """A bar's energy inside its section: constant, or ramped from start to end."""
    start = float(section["energy"])
    end = section.get("energy_end")
    bars = int(section.get("bars", 1) or 1)
    if end is None or bars <= 1:
        return start
    return start + (float(end) - start) * min(max(pos / (bars - 1), 0.0), 1.0)


def is_full(kind: str) -> bool:
    """Whether a section is one of the piece's full parts (where its level is taken from)."""
    return math.isclose(KINDS.get(kind, KINDS["main"]).level_db, 0.0)

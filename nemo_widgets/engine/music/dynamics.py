"""Dynamics over the whole piece: the level arc of the sections and the ending's decay.

Both are gain envelopes in the master bus's layout (one value per control block, see
``effects.apply_gain``), multiplied into the master gain, so every stem gets the same and the
stems still add up to the mix. They only ever lower the level, so the master's true-peak
ceiling holds.

* ``arc_gain``: each section is brought to its planned level under the piece's full parts
  (``level_db`` in the plan's sections; builds ramp to ``level_end_db``), measured on the bus
  itself — so a sparse intro that is already quiet enough is left alone, and one that is not
  is turned down, as an engineer's fader would; a ramp's first and last quarters are measured
  apart, so a build starts and ends where it is meant to whatever the arrangement adds.
  Changes ride the bar lines: a rise arrives in 30 ms on the downbeat (the drums enter there
  anyway; without drums it swells over the beat before it), a fall takes a beat.
* ``stop_gain``: the breath before an accent on a cut (see ``parts.accents``) — the mix
  falls 15 dB over 50 ms (never more than 6 dB in 20 ms), stays there for 70 ms, reverb
  tails included, and is back on the hit, so the hit lands out of a real stop.
* ``ending_gain``: after the final hit is held and the notes' own release has carried the
  decay, the last 0.6 s (at most) die away — slowly at first, then faster (a parabola in dB)
  — to 60 dB under by the last sample, so the chord is heard ringing, the last frame is
  silence and no sounding note is cut.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import signal

from nemo_widgets.engine.music.effects import CONTROL
from nemo_widgets.engine.music.form import is_full
from nemo_widgets.engine.music.model import SAMPLE_RATE, MusicPlan

SR = SAMPLE_RATE
Signal = npt.NDArray[np.float64]
TAIL_DB = -60.0
FADE_S = 0.6  # the tail envelope's longest reach, before the last sample


# BS.1770's K-weighting at 48 kHz (a +4 dB shelf above ~1.5 kHz, then a high-pass at ~38 Hz):
# sections are levelled as a loudness meter (and a listener) hears them, not by raw RMS, which
# the bass and kick of a full part inflate against a sparse intro of keys and cymbals
_K_SHELF = ([1.53512485958697, -2.69169618940638, 1.19839281085285],
            [1.0, -1.69065929318241, 0.73248077421585])
_K_HIGHPASS = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])


def _levels(x: npt.NDArray[Any], gain: Signal, block_s: float = 0.4) -> tuple[Signal, Signal]:
    """Block loudness (dB of K-weighted mean square, both channels) of ``x`` (2, n) after
    ``gain``, and their centre times."""
    n = x.shape[1]
    size = int(block_s * SR)
    count = max(n // size, 1)
    centres = (np.arange(count) + 0.5) * size
    g = np.interp(centres, (np.arange(len(gain)) + 0.5) * CONTROL, gain) if len(gain) else (
        np.ones(count))
    weighted = signal.lfilter(*_K_HIGHPASS, signal.lfilter(*_K_SHELF, x.astype(np.float64),
                                                           axis=1), axis=1)
    power = np.empty(count)
    for i in range(count):
        seg = weighted[:, i * size:(i + 1) * size]
        power[i] = float(np.mean(seg * seg)) if seg.size else 0.0
    power *= g * g
    return 10.0 * np.log10(power + 1e-20), centres / SR


def arc_gain(plan: MusicPlan, x: npt.NDArray[Any], gain: Signal) -> Signal:
    """The level arc (see the module docstring), per control block."""
    count = len(gain)
    sections = [s for s in plan.sections if float(s["end"]) > float(s["start"])]
    if count == 0 or len(sections) < 2:
        return np.ones(count)
    levels, times = _levels(x, gain)
    end_s = min(plan.final_hit_s, plan.duration_s)

    def level_in(start: float, stop: float) -> float | None:
        """The loudness of a stretch: the energy mean of its sounding blocks (as BS.1770
        integrates, so the planned levels are the ones a loudness meter reads)."""
        inside = levels[(times >= start) & (times < min(stop, end_s))]
        inside = inside[inside > -80.0]
        if not len(inside):
            return None
        return float(10.0 * np.log10(np.mean(10.0 ** (inside / 10.0))))

    full = [level_in(float(s["start"]), float(s["end"])) for s in sections
            if is_full(str(s["name"]))]
    known = [v for v in full if v is not None]
    everything = level_in(0.0, end_s)
    reference = max(known) if known else everything
    if reference is None:
        return np.ones(count)
    t = (np.arange(count) + 0.5) * CONTROL / SR
    offsets = np.zeros(count)
    period = 60.0 / plan.tempo_bpm
    edges: list[tuple[float, float, float]] = []  # (time, level before, level after)
    previous_db: float | None = None
    for s in sections:
        start, stop = float(s["start"]), float(s["end"])
        first, last = float(s.get("level_db", 0.0)), s.get("level_end_db")
        measured = level_in(start, stop)
        if measured is None:
            continue
        lo_db = hi_db = min(first - (measured - reference), 0.0)
        if last is not None:  # a ramp: its first and last quarter each meet their level
            quarter = max((min(stop, end_s) - start) / 4.0, 0.4)
            head = level_in(start, start + quarter)
            foot = level_in(min(stop, end_s) - quarter, stop)
            lo_db = min(first - ((head if head is not None else measured) - reference), 0.0)
            hi_db = min(float(last) - ((foot if foot is not None else measured) - reference),
                        0.0)
        inside = (t >= start) & (t < stop)
        frac = np.clip((t[inside] - start) / max(stop - start, 1e-6), 0.0, 1.0)
        offsets[inside] = lo_db + (hi_db - lo_db) * frac
        if previous_db is not None:
            edges.append((start, previous_db, lo_db))
        previous_db = hi_db
    for at, before, after in edges:
        # a rise arrives in 30 ms on the downbeat where the drums enter there anyway; without
        # drums it swells over the beat before it (a crescendo, not a jump that would
        # out-shout the piece's accents); a fall takes the new section's first beat
        rise = 0.03 if plan.drums else period
        lo, hi = (at - rise, at) if after >= before else (at, at + period)
        span = (t >= lo) & (t < hi)
        w = (t[span] - lo) / (hi - lo)
        offsets[span] = before + (after - before) * w
    return np.asarray(10.0 ** (offsets / 20.0), dtype=np.float64)


def ending_gain(plan: MusicPlan, count: int) -> Signal:
    """The tail's decay (see the module docstring), per control block."""
    t = (np.arange(count) + 0.5) * CONTROL / SR
    tail = max(plan.duration_s - plan.final_hit_s, 0.05)
    hit = str(plan.extras.get("ending", "ring")) == "hit"
    hold = min(0.12, tail * 0.3) if hit else min(max(0.3 * tail, 0.2), 0.6)
    # the notes' own release carries the decay; the envelope takes the last 0.6 s at most
    start = max(plan.final_hit_s + hold, plan.duration_s - FADE_S)
    span = max(plan.duration_s - start, 1e-3)
    frac = np.clip((t - start) / span, 0.0, 1.0)
    # slow at first, steepest at the very end (at most 2·60 dB over the span): the chord is
    # heard ringing, and is gone by the last frame
    return np.asarray(10.0 ** (TAIL_DB * frac * frac / 20.0), dtype=np.float64)


STOP_DB = -15.0
FINAL_STOP_DB = -8.0  # before the final hit, where the band's own release already falls
STOP_S = 0.07  # the breath before a hit (the band's stop, ``parts.accents``, starts earlier)
STOP_FALL_S = 0.05  # how long the mix takes to fall into the breath (≤ 6 dB in any 20 ms)


def stop_gain(accents: list[float], count: int, depth_db: float = STOP_DB) -> Signal:
    """The breath before each accent (see the module docstring), per control block; the
    final hit takes a shallower one (the band is already letting go there)."""
    t = (np.arange(count) + 0.5) * CONTROL / SR
    depth = np.zeros(count)
    for at in accents:
        fall = np.clip((t - (at - STOP_S - STOP_FALL_S)) / STOP_FALL_S, 0.0, 1.0)
        rise = np.clip((at - t) / 0.004, 0.0, 1.0)
        np.maximum(depth, np.minimum(fall, rise), out=depth)
    return np.asarray(10.0 ** (depth * depth_db / 20.0), dtype=np.float64)


START_S = 0.2  # the first sound swells in over this long…
START_DB = -18.0  # …from this far under (it is still heard from the first instant)


def start_gain(count: int) -> Signal:
    """The piece's first instant: the music swells in over ``START_S`` (from ``START_DB``,
    linear in dB) rather than jumping out of digital silence — the very first frame is then
    no louder an event than the music's own accents."""
    t = (np.arange(count) + 0.5) * CONTROL / SR
    frac = np.clip(t / START_S, 0.0, 1.0)
    return np.asarray(10.0 ** (START_DB * (1.0 - frac) / 20.0), dtype=np.float64)

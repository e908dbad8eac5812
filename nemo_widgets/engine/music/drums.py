"""Synthesised drums: each voice is rendered once per loudness step and reused for every hit.

The recipes are the classic analogue ones: a kick is a sine whose pitch falls fast (the
"boom") plus a click; a snare is a short tone plus band-passed noise; hats are high-passed noise
with a metallic square-wave cluster; a clap is a few noise bursts a few milliseconds apart.
Attacks are kept sharp on purpose: beat trackers (and ears) lock on to them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from nemo_widgets.engine.music.synth import (
    TWO_PI,
    Signal,
    bandpass,
    highpass,
    lowpass,
    lowpass32,
    note_rng,
    phase,
    soft_clip,
    square,
    times,
)


def _n(seconds: float) -> int:
    return int(seconds * 48_000)


def _noise(name: str, n: int) -> Signal:
    return note_rng("drum", name).standard_normal(n)


def _metal(n: int, base: float) -> Signal:
    """Six detuned square waves: the '808 cymbal' metallic cluster."""
    out = np.zeros(n)
    for ratio in (1.0, 1.342, 1.2312, 1.6532, 1.9523, 2.1523):
        f = base * ratio
        out += square(phase(f, n, ratio % 1.0), f)
    return out / 6.0


def kick(vel: float, punch: float = 1.0, length: float = 0.45, low: float = 48.0) -> Signal:
    """Kick: a sine swept down from ~160 Hz to ``low`` in tens of milliseconds, plus a click."""
    n = _n(length)
    t = times(n)
    freq = low + (110.0 * punch) * np.exp(-t / 0.03) + 40.0 * np.exp(-t / 0.004)
    body = np.sin(TWO_PI * phase(freq, n)) * np.exp(-t / (length * 0.45))
    click = highpass(_noise("kick", n), 1500.0) * np.exp(-t / 0.0025) * 0.25
    x = soft_clip((body + click * (0.5 + 0.5 * vel)) * 1.4, 1.6)
    return x * np.clip(t / 0.0008, 0.0, 1.0)


def kick_soft(vel: float) -> Signal:
    """A rounder, shorter kick for lo-fi, acoustic and jazz."""
    return kick(vel, punch=0.6, length=0.35, low=55.0) * 0.8


def kick_808(vel: float) -> Signal:
    """A long, deep kick."""
    return kick(vel, punch=1.1, length=0.7, low=45.0)


def snare(vel: float, tone: float = 190.0, noise_decay: float = 0.16, bright: float = 1.0
          ) -> Signal:
    """Snare: two damped drum-head tones plus band-passed noise (the wires)."""
    n = _n(0.4)
    t = times(n)
    body = (np.sin(TWO_PI * tone * t) + 0.5 * np.sin(TWO_PI * tone * 1.7 * t)) * np.exp(-t / 0.05)
    hiss = bandpass(_noise(f"snare{tone}", n), 1200.0, 6500.0 + 3000.0 * bright)
    hiss *= np.exp(-t / noise_decay)
    x = 0.55 * body + 1.1 * hiss * (0.7 + 0.3 * vel)
    return soft_clip(x, 1.3) * np.clip(t / 0.0006, 0.0, 1.0)


def snare_lofi(vel: float) -> Signal:
    """Dusty snare: darker noise, a touch shorter, low-passed like an old sampler."""
    return lowpass(snare(vel, tone=175.0, noise_decay=0.12, bright=0.0), 5000.0)


def rim(vel: float) -> Signal:
    """Rim click / cajon slap: a short high tone and a tick of noise."""
    n = _n(0.08)
    t = times(n)
    x = np.sin(TWO_PI * 1700.0 * t) * np.exp(-t / 0.012) + 0.6 * highpass(
        _noise("rim", n), 2000.0) * np.exp(-t / 0.006)
    return x * 0.8


def clap(vel: float) -> Signal:
    """Hand clap: three quick noise bursts and a longer tail, band-passed around 1–4 kHz."""
    n = _n(0.35)
    t = times(n)
    env = np.zeros(n)
    for i, offset in enumerate((0.0, 0.011, 0.021, 0.030)):
        tt = t - offset
        env += np.where(tt >= 0, np.exp(-np.maximum(tt, 0) / (0.006 if i < 3 else 0.13)), 0.0)
    x = bandpass(_noise("clap", n), 900.0, 3800.0) * env
    return x * 1.5


def hat(vel: float, length: float = 0.05) -> Signal:
    """Closed hi-hat: high-passed noise and a metallic cluster, decaying in ``length`` s."""
    n = _n(max(length * 5, 0.08))
    t = times(n)
    x = 0.6 * highpass(_noise(f"hat{length}", n), 7000.0) + 0.5 * highpass(
        _metal(n, 540.0), 6000.0)
    return x * np.exp(-t / length) * np.clip(t / 0.0005, 0.0, 1.0) * 0.8


def open_hat(vel: float) -> Signal:
    """Open hi-hat: the same metal, left to ring."""
    return hat(vel, 0.22) * 0.8


def shaker(vel: float) -> Signal:
    """Shaker: band-passed noise with a soft attack."""
    n = _n(0.12)
    t = times(n)
    env = np.clip(t / 0.012, 0.0, 1.0) * np.exp(-t / 0.035)
    return bandpass(_noise("shaker", n), 4500.0, 11000.0) * env * 0.9


def tom(vel: float, high: float = 140.0, low: float = 95.0, length: float = 0.5) -> Signal:
    """Tom: a pitch-dropping sine with a little stick noise."""
    n = _n(length)
    t = times(n)
    freq = low + (high - low) * np.exp(-t / 0.06)
    x = np.sin(TWO_PI * phase(freq, n)) * np.exp(-t / (length * 0.4))
    x += 0.2 * lowpass(_noise(f"tom{high}", n), 1200.0) * np.exp(-t / 0.02)
    return x


def taiko(vel: float) -> Signal:
    """A big low drum: deep pitch drop, skin noise, long body."""
    n = _n(1.0)
    t = times(n)
    freq = 62.0 + 70.0 * np.exp(-t / 0.05)
    x = np.sin(TWO_PI * phase(freq, n)) * np.exp(-t / 0.35)
    x += 0.35 * lowpass(_noise("taiko", n), 900.0) * np.exp(-t / 0.04)
    return soft_clip(x * 1.3, 1.4)


def crash(vel: float) -> Signal:
    """Crash cymbal: high-passed noise and metal, a long decay."""
    n = _n(2.2)
    t = times(n)
    x = 0.7 * highpass(_noise("crash", n), 4000.0) + 0.4 * highpass(_metal(n, 420.0), 3000.0)
    return x * np.exp(-t / 0.7) * np.clip(t / 0.001, 0.0, 1.0) * 0.55


def ride(vel: float) -> Signal:
    """Ride cymbal: a short inharmonic 'ping' (it must not ring on as steady tones when the
    ride plays every beat) over a longer wash of metallic noise."""
    n = _n(1.2)
    t = times(n)
    ping = sum(np.sin(TWO_PI * f * t) * a for f, a in ((3150.0, 0.5), (4630.0, 0.35),
                                                          (5810.0, 0.25), (7330.0, 0.2)))
    x = 0.35 * np.asarray(ping) * np.exp(-t / 0.09) + 0.45 * highpass(
        _noise("ride", n), 5000.0) * np.exp(-t / 0.35)
    x += 0.3 * highpass(_metal(n, 610.0), 4000.0) * np.exp(-t / 0.25)
    return x * np.clip(t / 0.0005, 0.0, 1.0) * 0.7


def riser(vel: float, seconds: float) -> Signal:
    """A noise swell that opens up into the next section."""
    n = max(_n(seconds), 16)
    t = times(n)
    frac = t / max(seconds, 1e-3)
    noise = _noise(f"riser{n}", n)
    low = bandpass(noise, 400.0, 1500.0)
    high = bandpass(noise, 2500.0, 9000.0)
    x = (1.0 - frac) * low + frac * high
    return x * frac ** 2 * 0.5


DRUMS: dict[str, Callable[[float], Signal]] = {
    "kick": kick,
    "kick_soft": kick_soft,
    "kick_808": kick_808,
    "snare": snare,
    "snare_lofi": snare_lofi,
    "rim": rim,
    "clap": clap,
    "hat": hat,
    "open_hat": open_hat,
    "shaker": shaker,
    "tom": tom,
    "taiko": taiko,
    "crash": crash,
    "ride": ride,
}


def crackle(n: int, seed: int) -> npt.NDArray[np.float32]:
    """Vinyl crackle for lo-fi: sparse clicks of random size over a faint hiss.

    Every click is the same high-passed impulse, scaled: its response is computed once and
    placed, rather than filtering the whole track; the hiss is filtered in single precision.
    """
    rng = np.random.default_rng([seed, 7107])
    out = np.zeros(n, dtype=np.float32)
    count = int(n / 48_000 * 9)
    where = rng.integers(0, max(n - 1, 1), count)
    sizes = rng.uniform(-1, 1, count) * rng.uniform(0.2, 1.0, count) ** 3
    impulse = np.zeros(480)  # 10 ms: the 1.5 kHz high-pass has rung out long before
    impulse[0] = 0.5
    click = highpass(impulse, 1500.0).astype(np.float32)
    for at, size in zip(where.tolist(), sizes.tolist(), strict=True):
        span = min(len(click), n - at)
        out[at:at + span] += np.float32(size) * click[:span]
    out += lowpass32(rng.standard_normal(n, dtype=np.float32), 4000.0) * np.float32(0.004)
    return out

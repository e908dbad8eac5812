"""The reverb's room: an impulse response built the way a real room makes one.

A recorded room answers a sound with (1) a handful of distinct early reflections off its walls,
floor and ceiling, arriving a few to a few tens of milliseconds after the direct sound, which
tell the ear the room's size; then (2) a diffuse tail whose echo density has grown so high that
it is noise-like, decaying exponentially with the room's RT60 — faster in the highs, which
walls and air absorb more. A tail of decaying noise alone (what the engine had) sounds like a
plate or a Freeverb; the early pattern is what makes it a room.

So the impulse response here is:

* **early reflections** by the image-source method (Allen & Berkley, 1979) for a rectangular
  room of the style's size: every mirror image of the source up to the order that fills the
  time before the tail, delayed by its extra path length and attenuated by 1/distance and by
  the walls' reflection coefficient once per bounce. The coefficient follows from the RT60 by
  Eyring's formula, separately for low and high frequencies (highs lose more per bounce);
* a **diffuse tail** of noise in three bands (below 800 Hz, to 4 kHz, above), each with its own
  decay (the highs at about half the RT60), faded in from the first reflection to the mixing
  time (≈ √V ms, Polack) and scaled so its energy density there continues the image sources';
* two microphone positions half a metre apart (a spaced pair), so the channels decorrelate the
  way a stereo room recording does.

The response holds only the room's answer (the direct sound is the dry signal) and is
normalised to unit energy per channel, so a part's send sets its reverb level as before. It is
built once per (RT60, room) and cached; its cost never reaches a render.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy import signal

from nemo_widgets.engine.music.model import SAMPLE_RATE

SR = SAMPLE_RATE
SPEED_OF_SOUND = 343.0
HIGH_SPLIT_HZ = 3000.0  # early reflections: below and above are absorbed differently


@dataclass(frozen=True)
class Room:
    """A rectangular room (metres), with the source and the listener placed in it as
    fractions of its size; ``high_loss`` is how much shorter the high band's decay is (the
    high-frequency RT60 is ``(1 - high_loss)`` times the low one)."""

    length: float = 9.0
    width: float = 7.0
    height: float = 3.5
    source: tuple[float, float, float] = (0.3, 0.45, 0.4)
    listener: tuple[float, float, float] = (0.68, 0.5, 0.4)
    high_loss: float = 0.5

    @property
    def volume(self) -> float:
        return self.length * self.width * self.height

    @property
    def surface(self) -> float:
        return 2.0 * (self.length * self.width + self.length * self.height
                      + self.width * self.height)


DEFAULT_ROOM = Room()


def reflection_coefficient(room: Room, rt60: float) -> float:
    """The walls' pressure reflection coefficient that gives ``rt60`` in ``room`` (Eyring:
    RT60 = 0.161 V / (−S ln(1 − α)))."""
    absorption = 1.0 - math.exp(-0.161 * room.volume / (room.surface * max(rt60, 0.05)))
    return math.sqrt(max(1.0 - absorption, 0.0))


def _images(room: Room, mic: npt.NDArray[np.float64], order: int
            ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Distances from ``mic`` to every image of the source up to ``order`` bounces, and the
    bounce counts (the direct path, zero bounces, included)."""
    dims = np.array([room.length, room.width, room.height])
    src = np.array(room.source) * dims
    reach = order // 2 + 1
    axes = []
    for axis in range(3):
        i = np.arange(-reach, reach + 1)
        pos = np.concatenate([2 * i * dims[axis] + src[axis], 2 * i * dims[axis] - src[axis]])
        bounces = np.concatenate([np.abs(2 * i), np.abs(2 * i - 1)])
        axes.append((pos - mic[axis], bounces))
    dx, dy, dz = np.meshgrid(axes[0][0], axes[1][0], axes[2][0], indexing="ij")
    bx, by, bz = np.meshgrid(axes[0][1], axes[1][1], axes[2][1], indexing="ij")
    count = (bx + by + bz).ravel()
    dist = np.sqrt(dx ** 2 + dy ** 2 + dz ** 2).ravel()
    keep = count <= order
    return dist[keep], count[keep]


def _bands(x: npt.NDArray[np.float64], edges: tuple[float, ...]
           ) -> list[npt.NDArray[np.float64]]:
    """``x`` split into complementary bands at ``edges`` (Linkwitz–Riley-like: each band is
    what the lower low-passes leave; the bands add back up to ``x``)."""
    out = []
    rest = x
    for edge in edges:
        low = signal.sosfiltfilt(signal.butter(2, edge, "lowpass", fs=SR, output="sos"), rest)
        out.append(low)
        rest = rest - low
    out.append(rest)
    return out


@lru_cache(maxsize=16)
def impulse_response(rt60: float, room: Room = DEFAULT_ROOM) -> npt.NDArray[np.float32]:
    """The stereo (2, n) impulse response of ``room`` with a decay of ``rt60`` seconds (to
    −60 dB at low and mid frequencies), without the direct sound; unit energy per channel."""
    length = int(min(rt60 * 1.05, 5.0) * SR)
    t = np.arange(length) / SR
    beta_low = reflection_coefficient(room, rt60)
    beta_high = reflection_coefficient(room, rt60 * (1.0 - room.high_loss))
    mixing = min(max(math.sqrt(room.volume) / 1000.0, 0.02), 0.12)  # Polack's ≈ √V ms
    shortest = min(room.length, room.width, room.height)
    order = int(min(max(math.ceil(SPEED_OF_SOUND * mixing * 1.6 / shortest) + 1, 3), 12))
    dims = np.array([room.length, room.width, room.height])
    rng = np.random.default_rng(20240611)
    out = np.zeros((2, length))
    for ch, side in enumerate((-0.25, 0.25)):  # a spaced pair, half a metre apart
        mic = np.array(room.listener) * dims + np.array([0.0, side, 0.0])
        dist, bounces = _images(room, mic, order)
        direct = float(dist[bounces == 0][0])
        late = bounces > 0
        delay = np.round((dist[late] - direct) / SPEED_OF_SOUND * SR).astype(np.int64)
        spread = direct / dist[late]
        inside = delay < length
        low = np.zeros(length)
        high = np.zeros(length)
        sign = np.where(rng.random(int(inside.sum())) < 0.5, -1.0, 1.0)  # rough walls
        np.add.at(low, delay[inside], sign * spread[inside] * beta_low ** bounces[late][inside])
        np.add.at(high, delay[inside],
                  sign * spread[inside] * beta_high ** bounces[late][inside])
        early = _bands(low, (HIGH_SPLIT_HZ,))[0] + _bands(high, (HIGH_SPLIT_HZ,))[1]
        # the diffuse tail, band by band, each decaying at its own rate
        first = max(int(delay[inside].min()), 1) if inside.any() else 1
        noise = _bands(rng.standard_normal(length), (800.0, 4000.0))
        decays = (rt60 * 1.05, rt60, rt60 * (1.0 - room.high_loss))
        tail = sum(band * 10.0 ** (-3.0 * t / d) for band, d in zip(noise, decays, strict=True))
        start, mix_at = first / SR, max(mixing, first / SR + 0.005)
        ramp = np.clip((t - start) / (mix_at - start), 0.0, 1.0)
        tail = np.asarray(tail) * np.sin(0.5 * math.pi * ramp) ** 2
        # continue the image sources' energy density at the mixing time
        window = (t >= mix_at * 0.5) & (t < mix_at)
        window_tail = (t >= mix_at) & (t < mix_at * 1.5)
        er_density = float(np.mean(early[window] ** 2)) if window.any() else 0.0
        tail_density = float(np.mean(tail[window_tail] ** 2)) if window_tail.any() else 1.0
        scale = math.sqrt(er_density / tail_density) if er_density > 0 else 1.0
        early[t >= mix_at] *= 0.0  # past the mixing time the tail stands for the images
        fade = (t >= mix_at * 0.75) & (t < mix_at)
        early[fade] *= np.cos(0.5 * math.pi * (t[fade] - mix_at * 0.75) / (mix_at * 0.25))
        out[ch] = early + scale * tail
    out /= np.sqrt(np.sum(out ** 2, axis=1, keepdims=True))
    return out.astype(np.float32)

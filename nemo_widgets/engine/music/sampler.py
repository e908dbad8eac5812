"""Sample playback: SoundFont semantics, vectorised, one held note at a time.

A note picks the zones whose key and velocity ranges hold it (velocity layers; the two halves of
a stereo sample both sound, summed to mono — the renderer pans the part), reads each zone's
sample at the rate that shifts its root to the note's pitch (linear interpolation, positions
past the loop end folded back into the loop, so a held string sustains for as long as asked),
and shapes it with the zone's volume envelope (attack, hold, decay in dB towards the sustain
level) and its low-pass, opened by velocity as SoundFont's default modulator does. The note-off
release is the renderer's (the same exponential curve as every voice), with the zone's release
time.

Every pitched note starts with a ramp of at least ``MIN_ATTACK_S``: a sample that starts at a
non-zero value (or a loop point) would otherwise click. Drum pieces keep a shorter ramp, since
their attack is their character.

Like the synthesised voices, an ``Instrument`` here renders a note *held* for ``n`` samples;
``render.NoteBank`` renders each distinct (voice, pitch, loudness step) once and slices it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from nemo_widgets.engine.music.bank import KIT_PIECES, PIECES, Library, kit_instrument, library
from nemo_widgets.engine.music.model import SAMPLE_RATE
from nemo_widgets.engine.music.soundfont import Zone
from nemo_widgets.engine.music.synth import Instrument, Signal, lowpass32, sweep

SR = SAMPLE_RATE
MIN_ATTACK_S = 0.003  # pitched notes: no click, even from a sample that starts loud
DRUM_ATTACK_S = 0.0005
DRUM_MAX_S = 4.0  # a cymbal's tail beyond this is inaudible in a mix
SAMPLED_PREFIX = "s:"  # voice names of sampled instruments: "s:steel_guitar"


def pick_zones(zones: list[Zone], pitch: int, vel: float) -> list[Zone]:
    """The zones that sound for ``pitch`` at ``vel`` (0..1): all whose ranges hold it; if a
    velocity layer is missing, the nearest layer; if the key is outside every range, the
    nearest zone by key."""
    midi_vel = int(min(max(round(vel * 127), 1), 127))
    by_key = [z for z in zones if z.keys[0] <= pitch <= z.keys[1]]
    if not by_key:
        def key_gap(z: Zone) -> int:
            return min(abs(pitch - z.keys[0]), abs(pitch - z.keys[1]))
        gap = min(key_gap(z) for z in zones)
        by_key = [z for z in zones if key_gap(z) == gap]
    hits = [z for z in by_key if z.vels[0] <= midi_vel <= z.vels[1]]
    if hits:
        return hits

    def vel_gap(z: Zone) -> int:
        return min(abs(midi_vel - z.vels[0]), abs(midi_vel - z.vels[1]))
    gap = min(vel_gap(z) for z in by_key)
    return [z for z in by_key if vel_gap(z) == gap]


def _read(wave: npt.NDArray[np.float32], zone: Zone, step: float, n: int
          ) -> npt.NDArray[np.float32]:
    """``n`` output samples of ``wave`` read every ``step`` source samples (linear
    interpolation), looping between the zone's loop points; zeros after a one-shot ends."""
    out = np.zeros(n, dtype=np.float32)
    length = len(wave)
    if length < 2:
        return out
    loop = zone.loop
    if loop is not None:
        start, end = loop[0], min(loop[1], length - 1)
        if end - start < 8:
            loop = None
    if loop is None:
        m = min(n, int((length - 1) / step))
        pos = np.arange(m, dtype=np.float64) * step
        ext = wave
    else:
        m = n
        pos = np.arange(m, dtype=np.float64) * step
        span = float(end - start)
        past = pos >= end
        pos[past] = start + np.mod(pos[past] - start, span)
        ext = np.concatenate((wave[:end], wave[start:start + 1]))  # end wraps to the start
    idx = pos.astype(np.int64)
    frac = (pos - idx).astype(np.float32)
    a = ext[idx]
    out[:m] = a + frac * (ext[idx + 1] - a)
    return out


def _envelope(zone: Zone, pitch: int, n: int, attack_floor: float,
              attack: float | None = None) -> npt.NDArray[np.float32]:
    """The zone's volume envelope up to note-off: linear attack, hold, then a decay that is
    linear in dB (96 dB per decay time, as SoundFont players do) down to the sustain level."""
    attack = max(zone.attack if attack is None else attack, attack_floor)
    decay = zone.decay * math.pow(2.0, zone.key_to_decay * (60 - pitch) / 1200.0)
    sustain_db = max(zone.sustain_db, -120.0)
    if decay > 0.0 and sustain_db < 0.0:
        # the decay is computed only until it reaches the sustain level; then it is flat
        begin = min(int((attack + zone.hold) * SR), n)
        span = min(int(decay * (-sustain_db / 96.0) * SR) + 1, n - begin)
        env = np.empty(n, dtype=np.float32)
        env[:begin] = 1.0
        db = np.arange(span, dtype=np.float32) * np.float32(-96.0 / (decay * SR))
        env[begin:begin + span] = np.exp(db * np.float32(math.log(10.0) / 20.0))
        env[begin + span:] = np.float32(10.0 ** (sustain_db / 20.0))
    else:
        level = 10.0 ** (min(zone.sustain_db, 0.0) / 20.0) if decay <= 0.0 else 1.0
        env = np.full(n, np.float32(level))
    ramp = int(attack * SR)
    if ramp > 0:  # a note shorter than its attack stops part-way up the ramp
        env[:ramp] *= (np.arange(ramp, dtype=np.float32) / np.float32(ramp))[:n]
    return env


def play(lib: Library, zones: list[Zone], pitch: int, vel: float, n: int, *,
         attack_floor: float = MIN_ATTACK_S, attack: float | None = None) -> Signal:
    """One held note of ``n`` samples at MIDI ``pitch`` and velocity ``vel`` (0..1);
    ``attack`` (seconds) replaces the zones' own attack (a bowed section played short)."""
    out = np.zeros(n, dtype=np.float32)
    for zone in pick_zones(zones, pitch, vel):
        wave = lib.sample(zone.sample)
        shift = (pitch - zone.root) * zone.scale
        step = math.pow(2.0, shift / 12.0) * zone.rate / SR
        x = _read(wave, zone, step, n)
        x *= _envelope(zone, pitch, n, attack_floor, attack)
        gain = 10.0 ** (zone.gain_db / 20.0)
        # SoundFont's default velocity → cutoff modulator: up to −2400 cents when soft
        fc = (zone.filter_hz or 20000.0) * math.pow(2.0, -2.0 * (1.0 - min(max(vel, 0.0), 1.0)))
        if zone.filter_env_cents and zone.filter_hz:
            t = np.arange(n) / SR
            mod = np.where(t < zone.mod_attack, t / max(zone.mod_attack, 1e-4),
                           zone.mod_sustain + (1.0 - zone.mod_sustain) * np.exp(
                               -np.maximum(t - zone.mod_attack, 0.0) / max(zone.mod_decay,
                                                                            1e-3)))
            cutoff = fc * np.power(2.0, zone.filter_env_cents * mod / 1200.0)
            out += np.asarray(sweep(x.astype(np.float64), cutoff) * gain, dtype=np.float32)
        elif fc < 12000.0:
            out += lowpass32(x, fc) * np.float32(gain)
        else:
            out += x * np.float32(gain)
    return out.astype(np.float64)


@dataclass(frozen=True)
class Variant:
    """A way to play a bank instrument: a chord of intervals sounded as one voice (a
    distorted guitar must see the whole power chord), a replaced attack or release."""

    base: str
    chord: tuple[int, ...] = (0,)
    attack: float | None = None
    release: float | None = None


# named variants; besides these, "s:<name>", "power:<name>" and "octave:<name>" are understood
VARIANTS: dict[str, Variant] = {
    "spiccato": Variant("strings_ensemble", attack=0.05, release=0.18),
}
_CHORDS = {"s": (0,), "power": (0, 7, 12), "octave": (0, 12)}


def variant_of(name: str) -> Variant | None:
    """What a sampled voice name means, or None for a name that is not a sampled voice."""
    if name in VARIANTS:
        return VARIANTS[name]
    kind, sep, base = name.partition(":")
    if not sep or kind not in _CHORDS:
        return None
    return Variant(base, _CHORDS[kind])


@cache
def voice(name: str) -> Instrument | None:
    """The sampled voice ``name`` (e.g. ``"s:steel_guitar"``, ``"power:overdrive_guitar"``,
    ``"spiccato"``) of the bank in use, as an ``Instrument`` the renderer can play, or None
    when the bank does not have its instrument."""
    var = variant_of(name)
    lib = library()
    if var is None or lib is None or not lib.has(var.base):
        return None
    zones = lib.zones[var.base]
    releases = sorted(z.release for z in zones)
    release = var.release or min(max(releases[len(releases) // 2], 0.05), 1.5)
    looped = any(z.loop is not None for z in zones)
    weights = [1.0 / (1.0 + 0.35 * i) for i in range(len(var.chord))]

    def render(pitch: int, vel: float, n: int) -> Signal:
        out = np.zeros(n)
        for interval, weight in zip(var.chord, weights, strict=True):
            out += weight * play(lib, zones, pitch + interval, vel, n, attack=var.attack)
        return out

    render.__doc__ = f"Sampled {name} ({lib.source})."
    return Instrument(render, release, ring=None if looped else 8.0)


def drum_voice(name: str) -> Instrument | None:
    """A sampled drum piece ``"<kit>/<piece>"`` (e.g. ``"brush/snare"``), or None."""
    kit, _, piece = name.partition("/")
    if piece not in PIECES or piece not in KIT_PIECES.get(kit, ()):
        return None
    lib = library()
    inst = kit_instrument(kit)
    if lib is None or not lib.has(inst):
        return None
    key = PIECES[piece]
    zones = [z for z in lib.zones[inst] if z.keys[0] <= key <= z.keys[1]]
    if not zones:
        return None

    def render(_pitch: int, vel: float, n: int) -> Signal:
        return play(lib, zones, key, vel, n, attack_floor=DRUM_ATTACK_S)

    return Instrument(render, 0.05, ring=DRUM_MAX_S)


def hit(name: str, vel: float) -> Signal:
    """One drum hit of the sampled piece ``name``, trimmed where it has died away."""
    voice = drum_voice(name)
    if voice is None:
        raise KeyError(f"no sampled drum piece {name!r}")
    x = voice.render(0, vel, int(DRUM_MAX_S * SR))
    level = np.abs(x)
    alive = np.flatnonzero(level > level.max() * 1e-3) if len(level) else np.zeros(0)
    end = int(alive[-1]) + 1 if len(alive) else 1
    fade = min(end, int(0.01 * SR))
    out: Signal = x[:end].copy()
    out[end - fade:] *= np.linspace(1.0, 0.0, fade)
    return out

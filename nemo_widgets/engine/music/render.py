"""render: the score becomes a stereo mix bus, or four stereo stems (drums, bass, harmony,
melody).

Each distinct note — (instrument, pitch, loudness step) — is synthesised once, held for the
longest duration any such note needs, and then every note is a slice of it with its own release
applied at its own note-off, scaled to its exact velocity and added in place. Parts are panned,
optionally low-passed (lo-fi) or kick-ducked (house), and sent to a reverb.

The reverb is linear, so the sum of the stems' own reverbs is the reverb of the sum of their
sends: the mix needs one reverb (one forward and two inverse FFTs per block), the stems four
(four and eight). The mix is therefore rendered on its own, and the stems only when someone
asks for them — they then add up to the same mix, up to float rounding.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import numpy.typing as npt

from nemo_widgets.engine.music.compose import Note, Score
from nemo_widgets.engine.music.drums import DRUMS, crackle, riser
from nemo_widgets.engine.music.effects import (
    add_reverb,
    apply_gain,
    drum_bus_clip,
    equalise,
    glue_gain,
    sidechain_gain,
)
from nemo_widgets.engine.music.model import SAMPLE_RATE, STEM_NAMES
from nemo_widgets.engine.music.orchestration import Orchestra, orchestra
from nemo_widgets.engine.music.sampler import drum_voice, hit
from nemo_widgets.engine.music.sampler import voice as sampled_voice
from nemo_widgets.engine.music.styles import Part
from nemo_widgets.engine.music.synth import INSTRUMENTS, Instrument, lowpass, lowpass32

SR = SAMPLE_RATE
VEL_STEPS = 6  # loudness steps that get their own rendering (timbre follows velocity)
MIN_ATTACK = int(0.002 * SR)  # every pitched note fades in over at least 2 ms: no clicks

Key = tuple[str, int, int]  # (voice, pitch, velocity step)
Mono = npt.NDArray[np.float32]


def _vstep(vel: float) -> int:
    return int(min(max(round(vel * VEL_STEPS), 1), VEL_STEPS))


def level_gain(x: Mono, target_db: float, block: int = 4800) -> float:
    """Gain that brings ``x`` to ``target_db`` RMS measured only while it plays (100 ms blocks
    within 40 dB of its loudest block), so sparse and dense parts are judged alike."""
    count = len(x) // block
    if count == 0:
        power = np.array([float(np.mean(np.square(x, dtype=np.float64)))]) if len(x) else (
            np.zeros(1))
    else:
        power = np.square(x[: count * block].reshape(count, block), dtype=np.float64).mean(
            axis=1)
    top = float(power.max())
    if top <= 1e-20:
        return 1.0
    active = float(power[power >= top * 1e-4].mean())
    return float(10.0 ** ((target_db - 10.0 * math.log10(active)) / 20.0))


def instrument(voice: str) -> Instrument:
    """A pitched voice by name: the engine's own synthesised instruments, or a sampled one
    (``sampler.voice``)."""
    inst = INSTRUMENTS.get(voice) or sampled_voice(voice)
    if inst is None:
        raise KeyError(f"unknown voice {voice!r}")
    return inst


def _playable(voice: str) -> bool:
    return voice in INSTRUMENTS or sampled_voice(voice) is not None


def _pan(pan: float) -> tuple[float, float]:
    """Constant-power pan law."""
    angle = (min(max(pan, -1.0), 1.0) + 1.0) * math.pi / 4.0
    return math.cos(angle) * math.sqrt(2.0), math.sin(angle) * math.sqrt(2.0)


class NoteBank:
    """Renders each distinct note once (see the module docstring)."""

    def __init__(self) -> None:
        self.waves: dict[Key, Mono] = {}
        self.needed: dict[Key, int] = defaultdict(int)
        self.release: dict[int, Mono] = {}
        self.rendered = 0

    @staticmethod
    def voice_of(part: Part, role: str, kit: dict[str, str], orch: Orchestra | None = None
                 ) -> str:
        """The rendering voice of a part: the orchestration's choice when the bank in use can
        play it, else the style's own instrument; ``drum:<kit voice>`` for drums."""
        if part.instrument == "drum":
            chosen = orch.kit.get(role) if orch else None
            if chosen and drum_voice(chosen) is not None:
                return "drum:" + chosen
            return "drum:" + kit.get(role, role)
        chosen = orch.voices.get(role) if orch else None
        if chosen and part.instrument != "riser" and _playable(chosen):
            return chosen
        return part.instrument

    def require(self, voice: str, note: Note) -> None:
        """Note how long a rendering each (voice, pitch, loudness step) needs (first pass)."""
        if voice.startswith("drum:"):
            self.needed[(voice, 0, _vstep(note.vel))] = 1
            return
        if voice == "riser":
            self.needed[(voice, round(note.dur * 100), _vstep(note.vel))] = 1
            return
        inst = instrument(voice)
        release = inst.release if note.release is None else note.release
        n = int((note.dur + release) * SR) + 1
        if inst.ring is not None:
            n = min(n, int(inst.ring * SR))
        key = (voice, note.pitch, _vstep(note.vel))
        self.needed[key] = max(self.needed[key], n)

    def render_all(self) -> None:
        """Synthesise every required rendering once (second pass)."""
        for key in sorted(self.needed):
            voice, pitch, step = key
            vel = step / VEL_STEPS
            if voice.startswith("drum:") and "/" in voice:
                wave = hit(voice[5:], vel)  # a sampled kit piece
            elif voice.startswith("drum:"):
                # noise up to Nyquist makes inter-sample peaks; real kits roll off anyway
                wave = lowpass(DRUMS[voice[5:]](vel), 16000.0)
            elif voice == "riser":
                wave = riser(vel, pitch / 100.0)
            else:
                inst = instrument(voice)
                wave = inst.render(pitch, vel, self.needed[key]) * inst.gain
                ramp = min(MIN_ATTACK, len(wave))
                wave[:ramp] *= np.arange(ramp) / MIN_ATTACK
            self.waves[key] = np.asarray(wave, dtype=np.float32)
            self.rendered += 1

    def release_curve(self, n: int) -> Mono:
        """−60 dB over ``n`` samples, exponential (linear in dB), as real dampers decay."""
        if n not in self.release:
            curve = 10.0 ** (-3.0 * np.arange(n) / max(n, 1))
            self.release[n] = curve.astype(np.float32)
        return self.release[n]

    def place(self, voice: str, note: Note, out: Mono) -> None:
        """Add one note into the mono part buffer ``out``."""
        n_out = len(out)
        step = _vstep(note.vel)
        amp = note.vel  # loudness exact; the timbre is the step's
        start = round(note.start * SR)
        if voice.startswith("drum:") or voice == "riser":
            pitch = round(note.dur * 100) if voice == "riser" else 0
            wave = self.waves[(voice, pitch, step)]
            seg: Mono = wave * np.float32(amp)
        else:
            inst = instrument(voice)
            wave = self.waves[(voice, note.pitch, step)]
            n_on = round(note.dur * SR)
            n_rel = int((inst.release if note.release is None else note.release) * SR)
            total = min(len(wave), n_on + n_rel)
            seg = wave[:total] * np.float32(amp)
            if total > n_on:
                seg[n_on:total] *= self.release_curve(n_rel)[: total - n_on]
        lo = max(start, 0)
        hi = min(start + len(seg), n_out)
        if hi > lo:
            out[lo:hi] += seg[lo - start:hi - start]


MIX = "mix"  # the one bus of a mix-only rendering


def _glue(buses: dict[str, npt.NDArray[np.float32]], orch: Orchestra) -> None:
    """Bus compression of the dry buses: the drums on their own, and harmony and melody as one
    music bus — one gain read from their sum and applied to each, so the separate stems get
    exactly what the mix bus gets. The bass stays out of it (on its own bus, as engineers
    keep it), so the low end is not pumped down by the chords."""
    gain = glue_gain(buses["drums"], orch.drum_glue)
    if gain is not None:
        apply_gain(buses["drums"], gain)
    music = [name for name in buses if name not in ("drums", "bass")]
    if not music:
        return
    total = buses[music[0]] if len(music) == 1 else sum(
        (buses[name] for name in music[1:]), buses[music[0]].copy())
    gain = glue_gain(total, orch.music_glue)
    if gain is not None:
        for name in music:
            apply_gain(buses[name], gain)


def render_buses(score: Score, duration_s: float, seed: int, *, separate: bool = True
                 ) -> tuple[dict[str, npt.NDArray[np.float32]], dict[str, int]]:
    """The dry+reverb buses, channel-first ``(2, n)`` float32, before the master bus; plus
    statistics.

    ``separate`` gives the four ``STEM_NAMES`` stems, each with its own reverb; otherwise a
    single ``MIX`` bus equal to their sum, at a fraction of the cost (see the module
    docstring). The drum bus is soft-clipped on its own either way.
    """
    style = score.style
    orch = orchestra(style.name)
    n = round(duration_s * SR)
    by_role: dict[str, list[Note]] = defaultdict(list)
    for note in score.notes:
        by_role[note.role].append(note)
    bank = NoteBank()
    for role, notes in by_role.items():
        part = style.parts[role]
        voice = bank.voice_of(part, role, style.kit, orch)
        for note in notes:
            bank.require(voice, note)
    bank.render_all()
    names = STEM_NAMES if separate else ("drums", "bass", MIX)

    def bus_of(stem: str) -> str:
        return stem if separate or stem in ("drums", "bass") else MIX

    buses = {name: np.zeros((2, n), dtype=np.float32) for name in names}
    sends: dict[str, npt.NDArray[np.float32]] = {}
    pump = None
    if style.sidechain_db > 0 and score.kicks:
        pump = sidechain_gain(score.kicks, n, style.sidechain_db, score.grid.period)
    mono = np.zeros(n, dtype=np.float32)
    for role in sorted(by_role):
        part = style.parts[role]
        voice = bank.voice_of(part, role, style.kit, orch)
        mono[:] = 0.0
        for note in by_role[role]:
            bank.place(voice, note, mono)
        out = mono
        if part.tone and style.tone_hz:
            out = lowpass32(out, style.tone_hz, 2)
        if part.sidechain and pump is not None:
            out = out * pump
        gain = level_gain(out, part.level + orch.levels.get(role, 0.0))
        left, right = _pan(part.pan)
        bus = buses[bus_of(part.stem)]
        bus[0] += out * np.float32(gain * left)
        bus[1] += out * np.float32(gain * right)
        if part.send > 0:
            send_name = part.stem if separate else MIX
            if send_name not in sends:
                sends[send_name] = np.zeros(n, dtype=np.float32)
            sends[send_name] += out * np.float32(gain * part.send)
    _glue(buses, orch)
    buses["drums"] = drum_bus_clip(buses["drums"], style.drum_clip_db)
    if style.crackle:  # texture, not percussion: with the drums muted it stays with the keys
        target = buses["drums"] if score.drums else buses[bus_of("harmony")]
        target += (crackle(n, seed) * np.float32(0.6))[None, :]
    wet_names = [name for name in names if name in sends]
    add_reverb([sends[w] for w in wet_names], [buses[w] for w in wet_names], style.reverb_s,
               orch.room)
    if not separate:
        buses[MIX] += buses.pop("drums")
        buses[MIX] += buses.pop("bass")
    for bus in buses.values():  # linear and the same on every bus: the stems still sum
        equalise(bus, orch.eq)
    stats = {"notes": len(score.notes), "distinct_notes": bank.rendered}
    return buses, stats

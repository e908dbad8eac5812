"""compose: the plan becomes a score — timed notes for drums, bass, harmony and melody.

Everything is placed on the plan's constant beat grid, so the audio's beats are exactly the
plan's beats. The pieces:

* chords, one (or two) a bar from the style's progressions, restarting at each section so that
  phrases line up with the picture's sections; the bar before the final hit is a cadence and
  the final hit is the tonic chord;
* voicings chosen by voice leading (smallest total movement between chords);
* drums from the style's step patterns, layered by section energy, with fills into section
  changes, crashes on new sections, swing, and small seeded timing/velocity offsets (kick and
  snare within ±6 ms so beat tracking stays exact);
* a bass line per style (sustained roots, root–fifth, following the kick, off-beat house bass,
  rock eighths, a walking bass);
* a melody built from a seeded one-bar motif, repeated along 4-bar phrases (A A' A B) and
  re-fitted to each chord, with chord tones on strong beats.
"""

from __future__ import annotations

import bisect
import math
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nemo_widgets.engine.music.grid import Grid
from nemo_widgets.engine.music.harmony import (
    Chord,
    bass_pitch,
    nearest_pitch,
    parse_chord,
    pitch_class,
    scale,
    voice,
)
from nemo_widgets.engine.music.model import MusicPlan
from nemo_widgets.engine.music.styles import Style, get_style
from nemo_widgets.engine.music.synth import INSTRUMENTS

_VEL = {"x": 1.0, "o": 0.72, ".": 0.4}
_TIGHT = {"kick", "snare", "clap"}


@dataclass(frozen=True)
class Note:
    """One note of the score; ``pitch`` is MIDI (0 for drums), ``dur`` in seconds."""

    role: str
    start: float
    dur: float
    pitch: int
    vel: float
    release: float | None = None  # seconds; None: the instrument's own


@dataclass
class Bar:
    """One bar of the piece as the composer sees it: where it is, its section and energy, and
    its chords."""

    index: int  # bar number, -1 for the pick-up before the first bar line
    beat: int  # grid beat of its first beat
    beats: int  # 4, fewer for a shortened last bar
    section: str
    energy: float
    pos: int  # bar number inside its section
    first: bool
    last: bool
    chords: list[tuple[float, Chord]] = field(default_factory=list)  # (beat offset, chord)


@dataclass
class ChordEvent:
    """A chord held from ``start`` to ``end`` with its voicings (main part and bed), chosen by
    voice leading."""

    start: float
    end: float
    chord: Chord
    energy: float
    voicing: list[int] = field(default_factory=list)
    bed: list[int] = field(default_factory=list)


@dataclass
class Score:
    """The composed piece: notes by role, the chord chart, and the final chord."""

    notes: list[Note]
    chords: list[ChordEvent]
    final_chord: Chord
    tonic: int
    kicks: list[float]
    style: Style
    grid: Grid
    final_time: float
    drums: bool = True

    def roles(self) -> set[str]:
        """The parts that play at least one note."""
        return {n.role for n in self.notes}


def grid_of(plan: MusicPlan) -> tuple[Grid, int]:
    """The plan's grid and final beat, rebuilt from its public fields (so a plan read back from
    JSON composes identically)."""
    period = 60.0 / plan.tempo_bpm
    bpb = plan.beats_per_bar or 4
    offset = plan.beat_offset_s
    final = round((plan.final_hit_s - offset) / period)
    bar_lines = [d for d in plan.downbeats[:-1]]
    if bar_lines:
        phase = round((bar_lines[0] - offset) / period) % bpb
    else:
        phase = int(plan.extras.get("bar_phase", final % bpb)) % bpb
    return Grid(plan.tempo_bpm, offset, phase, bpb), final


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed & 0xFFFFFFFF, zlib.crc32(name.encode())])


class Composer:
    """Builds a :class:`Score` for one plan; one instance per piece."""

    def __init__(self, plan: MusicPlan) -> None:
        self.plan = plan
        self.style = get_style(plan.style)
        self.grid, self.final_beat = grid_of(plan)
        self.final_time = self.grid.time(self.final_beat)
        self.tonic = pitch_class(plan.key)
        self.mode = plan.mode
        self.minor = plan.mode == "minor"
        self.seed = plan.seed
        self.notes: list[Note] = []
        self.kicks: list[float] = []
        self.bars = self._bars()
        self.events: list[ChordEvent] = []
        self.last_melody: float | None = None
        self._starts: list[float] = []

    # --- time ----------------------------------------------------------------------------------

    def step_time(self, bar: Bar, step: float) -> float:
        """Time of a 16th-note step in a bar, with the style's swing."""
        beat = bar.beat + step / 4.0
        swing = self.style.swing
        if swing != 0.5:
            whole = round(step)
            if abs(step - whole) < 1e-9:
                if self.style.swing_unit == 16 and whole % 2 == 1:
                    beat += (swing - 0.5) * 0.5
                elif self.style.swing_unit == 8 and whole % 4 == 2:
                    beat += swing - 0.5
        return self.grid.time(beat)

    def bar_end(self, bar: Bar) -> float:
        """Time at which the bar ends (its last beat plus one)."""
        return self.grid.time(bar.beat + bar.beats)

    # --- structure -----------------------------------------------------------------------------

    def _bars(self) -> list[Bar]:
        g = self.grid
        bpb = g.beats_per_bar
        b0 = g.bar_phase
        first = -1 if g.time(b0) > 1e-6 else 0
        n_bars = max(0, math.ceil((self.final_beat - b0) / bpb))
        sections = self.plan.sections
        bars: list[Bar] = []
        for j in range(first, n_bars):
            beat = b0 + bpb * j
            beats = min(bpb, self.final_beat - beat)
            if beats <= 0:
                continue
            t = max(g.time(beat), 0.0) + 0.01  # inside the bar: immune to rounding at edges
            fallback: dict[str, Any] = sections[0] if sections else {"name": "main",
                                                                     "energy": 0.6}
            sec = next((s for s in sections if s["start"] - 1e-6 <= t < s["end"] - 1e-6),
                       fallback)
            bars.append(Bar(j, beat, beats, str(sec["name"]), float(sec["energy"]), 0,
                            False, False))
        for i, bar in enumerate(bars):
            prev = bars[i - 1] if i else None
            same = prev is not None and prev.section == bar.section and (
                prev.energy == bar.energy)
            # the pick-up does not count: the progression starts on the first bar line
            bar.pos = prev.pos + 1 if (same and prev is not None and prev.index >= 0) else 0
            bar.first = not same
            if prev is not None and not same:
                prev.last = True
        if bars:
            bars[-1].last = True
        return bars

    def _progressions(self) -> tuple[list[str], list[str]]:
        options = list(self.style.minor if self.minor else self.style.major)
        rng = _rng(self.seed, "progression")
        order = rng.permutation(len(options))
        main = options[int(order[0])].split()
        alt = options[int(order[1 % len(options)])].split()
        return main, alt

    def assign_chords(self) -> None:
        """Chords bar by bar (restarting the progression at each section, the break on the
        alternative one, a cadence before the final hit), merged into events and voice-led."""
        main, alt = self._progressions()
        m = 1 if self.minor else 0
        cadence = self.style.cadence[m]
        tonic_token = self.style.final[m]
        bpc = self.style.bars_per_chord
        for i, bar in enumerate(self.bars):
            prog = alt if bar.section == "break" else main
            if bar.index < 0:
                tokens = [tonic_token]
            elif i == len(self.bars) - 1 and len(self.bars) > 1:
                tokens = [cadence]
            else:
                tokens = prog[(bar.pos // bpc) % len(prog)].split("-")
            chords = [parse_chord(tok, self.tonic) for tok in tokens]
            span = bar.beats / len(chords)
            bar.chords = [(k * span, c) for k, c in enumerate(chords)]
        # chord events, merging repeats (ambient holds a chord across bars)
        for bar in self.bars:
            for k, (off, chord) in enumerate(bar.chords):
                start = self.grid.time(bar.beat + off)
                end_beat = bar.beat + (bar.chords[k + 1][0] if k + 1 < len(bar.chords)
                                       else bar.beats)
                end = self.grid.time(end_beat)
                if (self.events and self.events[-1].chord == chord
                        and abs(self.events[-1].end - start) < 1e-6
                        and self.events[-1].energy == bar.energy and bpc > 1):
                    self.events[-1].end = end
                else:
                    self.events.append(ChordEvent(start, end, chord, bar.energy))
        low, high = self.style.chord_range
        voices = 5 if self.style.comping == "strum" else 4
        prev: list[int] | None = None
        prev_bed: list[int] | None = None
        for ev in self.events:
            ev.voicing = voice(ev.chord, low, high, prev, voices)
            ev.bed = voice(ev.chord, 55, 74, prev_bed, 3)
            prev, prev_bed = ev.voicing, ev.bed

    def chord_at(self, t: float) -> ChordEvent:
        """The chord sounding at ``t`` (events are contiguous and sorted by start)."""
        if len(self._starts) != len(self.events):
            self._starts = [ev.start - 1e-6 for ev in self.events]
        index = bisect.bisect_right(self._starts, t) - 1
        return self.events[min(max(index, 0), len(self.events) - 1)]

    # --- helpers -------------------------------------------------------------------------------

    def add(self, role: str, start: float, dur: float, pitch: int, vel: float) -> None:
        """Add a note if the style has that part and the note is audible inside the piece."""
        if role not in self.style.parts:
            return
        if start + dur < 0.0 or start >= self.plan.duration_s:
            return
        self.notes.append(Note(role, float(start), float(max(dur, 0.01)), int(pitch),
                               float(min(max(vel, 0.05), 1.0))))

    def pattern(self, role: str, energy: float) -> str | None:
        """The drum's step pattern for a bar of this energy (the busiest one the energy
        reaches)."""
        chosen = None
        for threshold, pat in self.style.drums.get(role, ()):
            if energy >= threshold:
                chosen = pat
        return chosen

    # --- drums ---------------------------------------------------------------------------------

    def drums(self) -> None:
        """Drum hits bar by bar: energy-layered patterns, fills into the next section, crashes
        on new sections, jazz snare comping, risers."""
        if not self.plan.drums or not self.style.drums:
            return
        rng = _rng(self.seed, "drums")
        has_snare = "snare" in self.style.drums
        for i, bar in enumerate(self.bars):
            nxt = self.bars[i + 1] if i + 1 < len(self.bars) else None
            fill = (bar.last and nxt is not None and bar.beats == 4 and bar.energy >= 0.35
                    and nxt.energy >= bar.energy - 0.05 and has_snare
                    and self.style.name != "jazz")
            for role in self.style.drums:
                if role == "crash":
                    continue
                pat = self.pattern(role, bar.energy)
                if pat is None:
                    continue
                for step, ch in enumerate(pat):
                    if step >= bar.beats * 4 or ch == "-":
                        continue
                    if fill and step >= 12 and role in ("snare", "clap", "hat", "ohat"):
                        continue
                    self.hit(role, bar, step, _VEL[ch] * (0.82 + 0.18 * bar.energy), rng)
            if fill:
                self.fill(bar, rng)
            if self.style.name == "jazz":
                for step in (6, 14, 10):
                    if step < bar.beats * 4 and rng.uniform() < 0.3:
                        self.hit("snare", bar, step, 0.3 + 0.2 * rng.uniform(), rng)
            if (bar.first and bar.index >= 0 and bar.section in ("build", "main")
                    and bar.energy >= 0.45 and "crash" in self.style.kit):
                self.hit("crash", bar, 0, 0.8, rng)
        if self.style.risers:
            self.risers()

    def hit(self, role: str, bar: Bar, step: float, vel: float,
            rng: np.random.Generator) -> None:
        """One drum hit with swing and seeded humanisation (kick/snare/clap within ±5 ms, others
        ±10 ms)."""
        t = self.step_time(bar, step)
        if role in _TIGHT:
            t += float(np.clip(rng.normal(0.0, 0.002), -0.005, 0.005))
            if role == "snare" and self.style.name == "lofi":
                t += 0.003  # lazy backbeat: at most 8 ms off the grid with the jitter
        else:
            t += float(np.clip(rng.normal(0.0, 0.004), -0.01, 0.01))
        vel *= float(np.clip(1.0 + rng.normal(0.0, 0.06), 0.8, 1.15))
        if role == "kick" and t >= -0.01:
            self.kicks.append(max(t, 0.0))
        self.add(role, t, 0.1, 0, vel)

    def fill(self, bar: Bar, rng: np.random.Generator) -> None:
        """A one-beat fill into the next section: snare sixteenths (toms for cinematic)."""
        if self.style.name == "cinematic":
            for k, step in enumerate((12, 13, 14, 15)):
                self.hit("tom", bar, step, 0.6 + 0.1 * k, rng)
            return
        role = "snare" if "snare" in self.style.parts else "clap"
        for k, step in enumerate((12, 13, 14, 15)):
            self.hit(role, bar, step, 0.45 + 0.15 * k, rng)

    def risers(self) -> None:
        """A one-bar noise swell into each main section after the first bar."""
        bar_s = self.grid.period * self.grid.beats_per_bar
        for i, bar in enumerate(self.bars):
            if bar.first and bar.index > 0 and bar.section == "main" and i > 0:
                start = self.grid.time(bar.beat) - bar_s
                self.add("riser", start, bar_s, 0, 0.9)

    # --- bass ----------------------------------------------------------------------------------

    def bass(self) -> None:
        """The bass line in the style's manner (see the ``_bass_*`` methods)."""
        kind = self.style.bass_line
        rng = _rng(self.seed, "bass")
        if kind == "sustain":
            low = 36 if self.style.name == "cinematic" else 33
            for ev in self.events:
                pitch = bass_pitch(ev.chord.root, low, low + 12)
                self.add("bass", ev.start, ev.end - ev.start + 0.05, pitch,
                         0.65 + 0.25 * ev.energy)
            return
        for i, bar in enumerate(self.bars):
            nxt = self.bars[i + 1] if i + 1 < len(self.bars) else None
            getattr(self, f"_bass_{kind}")(bar, nxt, rng)

    def _root(self, bar: Bar, step: float) -> int:
        return bass_pitch(self.chord_at(self.step_time(bar, step) + 1e-4).chord.root)

    def _bass_note(self, bar: Bar, step: float, steps: float, pitch: int, vel: float) -> None:
        t = self.step_time(bar, step)
        end = self.step_time(bar, min(step + steps, bar.beats * 4))
        self.add("bass", t, max(end - t - 0.02, 0.05), pitch, vel)

    def _bass_root_fifth(self, bar: Bar, nxt: Bar | None, rng: np.random.Generator) -> None:
        e = bar.energy
        if e < 0.4:
            self._bass_note(bar, 0, 16, self._root(bar, 0), 0.75)
            return
        root = self._root(bar, 0)
        self._bass_note(bar, 0, 7, root, 0.85)
        third = self._root(bar, 8)
        self._bass_note(bar, 8, 6, third + 7 if third + 7 <= 47 and rng.uniform() < 0.5
                        else third, 0.75)
        if e >= 0.7:
            self._bass_note(bar, 14, 2, self._root(bar, 14) + 12, 0.6)

    def _kick_steps(self, bar: Bar) -> list[int]:
        pat = self.pattern("kick", bar.energy) if self.plan.drums else None
        steps = [i for i, ch in enumerate(pat or "x-------x-x-----") if ch != "-"]
        return [s for s in steps if s < bar.beats * 4] or [0]

    def _bass_follow_kick(self, bar: Bar, nxt: Bar | None, rng: np.random.Generator) -> None:
        steps = self._kick_steps(bar)
        for k, step in enumerate(steps):
            end = steps[k + 1] if k + 1 < len(steps) else bar.beats * 4
            pitch = self._root(bar, step)
            if k == len(steps) - 1 and k > 0 and rng.uniform() < 0.35:
                pitch += 7 if pitch + 7 <= 47 else -5
            self._bass_note(bar, step, min(end - step, 8), pitch, 0.9 if step == 0 else 0.75)

    def _bass_offbeat(self, bar: Bar, nxt: Bar | None, rng: np.random.Generator) -> None:
        if bar.energy < 0.4:
            self._bass_note(bar, 0, 12, self._root(bar, 0), 0.7)
            return
        for step in (2, 6, 10, 14):
            if step >= bar.beats * 4:
                break
            pitch = self._root(bar, step)
            if step == 14 and bar.energy >= 0.7:
                pitch += 12
            self._bass_note(bar, step, 1.6, pitch, 0.85)

    def _bass_eighths(self, bar: Bar, nxt: Bar | None, rng: np.random.Generator) -> None:
        every = 2 if bar.energy >= 0.5 else 4
        for step in range(0, bar.beats * 4, every):
            self._bass_note(bar, step, every * 0.85, self._root(bar, step),
                            0.85 if step % 4 == 0 else 0.7)

    def _bass_walking(self, bar: Bar, nxt: Bar | None, rng: np.random.Generator) -> None:
        chord = self.chord_at(self.step_time(bar, 0) + 1e-4).chord
        root = bass_pitch(chord.root, 36, 48)
        target = bass_pitch(nxt.chords[0][1].root, 36, 48) if nxt else root
        tones = sorted({root + i for i in chord.intervals if i < 12} | {root + 12})
        line = [root]
        for beat in range(1, bar.beats):
            if beat == bar.beats - 1:
                line.append(target + (1 if rng.uniform() < 0.5 else -1))
            else:
                options = [p for p in tones if p != line[-1]]
                line.append(int(options[int(rng.integers(len(options)))]))
        for beat, pitch in enumerate(line):
            self._bass_note(bar, beat * 4, 3.6, pitch, 0.8 if beat % 2 == 0 else 0.68)

    def _bass_piano(self, bar: Bar, nxt: Bar | None, rng: np.random.Generator) -> None:
        for off, chord in bar.chords:
            t = self.grid.time(bar.beat + off)
            pitch = bass_pitch(chord.root, 36, 48)
            self.add("bass", t, self.bar_end(bar) - t + 0.3, pitch, 0.55 + 0.2 * bar.energy)

    # --- harmony -------------------------------------------------------------------------------

    def harmony(self) -> None:
        """The chords in the style's comping manner (see the ``_comp_*`` methods), plus the
        sustained bed."""
        kind = self.style.comping
        rng = _rng(self.seed, "comping")
        if kind == "pad":
            for ev in self.events:
                for p in ev.voicing:
                    self.add("chords", ev.start, ev.end - ev.start + 0.1, p,
                             0.45 + 0.3 * ev.energy)
        else:
            for bar in self.bars:
                getattr(self, f"_comp_{kind}")(bar, rng)
        if self.style.bed and "bed" in self.style.parts:
            for ev in self.events:
                for p in ev.bed:
                    self.add("bed", ev.start, ev.end - ev.start + 0.05, p, 0.6)

    def _chord_hit(self, role: str, bar: Bar, step: float, steps: float, vel: float,
                   rng: np.random.Generator, spread: float = 0.0,
                   pitches: list[int] | None = None) -> None:
        t = self.step_time(bar, step)
        end = self.step_time(bar, min(step + steps, bar.beats * 4))
        ev = self.chord_at(t + 1e-4)
        notes = pitches if pitches is not None else ev.voicing
        for k, p in enumerate(notes):
            jitter = float(np.clip(rng.normal(0, 0.003), -0.008, 0.008))
            self.add(role, t + k * spread + jitter, max(end - t - 0.03, 0.05), p,
                     vel * float(np.clip(1 + rng.normal(0, 0.05), 0.85, 1.1)))

    def _comp_rhodes(self, bar: Bar, rng: np.random.Generator) -> None:
        if bar.energy < 0.5 or bar.beats < 4:
            self._chord_hit("chords", bar, 0, 16, 0.55, rng, 0.01)
            return
        self._chord_hit("chords", bar, 0, 8, 0.6, rng, 0.01)
        ev = self.chord_at(self.step_time(bar, 6) + 1e-4)
        self._chord_hit("chords", bar, 6, 6, 0.48, rng, 0.008, ev.voicing[1:])

    def _comp_hiphop_keys(self, bar: Bar, rng: np.random.Generator) -> None:
        if bar.energy >= 0.6 and bar.beats == 4:
            self._chord_hit("chords", bar, 0, 10, 0.55, rng, 0.006)
            self._chord_hit("chords", bar, 10, 6, 0.45, rng, 0.006)
        else:
            self._chord_hit("chords", bar, 0, 16, 0.55, rng, 0.006)

    def _comp_piano_pop(self, bar: Bar, rng: np.random.Generator) -> None:
        pattern = (0, 6, 10) if bar.energy >= 0.5 else (0, 8)
        steps = [s for s in pattern if s < bar.beats * 4]
        for k, s in enumerate(steps):
            nxt = steps[k + 1] if k + 1 < len(steps) else bar.beats * 4
            self._chord_hit("chords", bar, s, nxt - s, 0.62 if s == 0 else 0.5, rng)
        if bar.energy >= 0.55:
            every = 1 if bar.energy >= 0.85 else 2
            for s in range(0, bar.beats * 4, every):
                ev = self.chord_at(self.step_time(bar, s) + 1e-4)
                tones = [p + 12 for p in ev.voicing[:3]] + [ev.voicing[0] + 24]
                order = tones + tones[-2:0:-1]
                pitch = order[(s // every) % len(order)]
                self._chord_hit("arp", bar, s, every * 0.9, 0.55 if s % 4 == 0 else 0.42, rng,
                                pitches=[pitch])

    def _comp_stabs(self, bar: Bar, rng: np.random.Generator) -> None:
        steps = (2, 6, 10, 14) if bar.energy >= 0.45 else (6, 14)
        for s in steps:
            if s < bar.beats * 4:
                self._chord_hit("chords", bar, s, 1.4, 0.7, rng)

    def _comp_strum(self, bar: Bar, rng: np.random.Generator) -> None:
        busy = ((0, "D"), (4, "D"), (6, "U"), (10, "U"), (12, "D"), (14, "U"))
        strokes = [s for s in (busy if bar.energy >= 0.55 else ((0, "D"), (8, "D")))
                   if s[0] < bar.beats * 4]
        for k, (s, way) in enumerate(strokes):
            nxt = strokes[k + 1][0] if k + 1 < len(strokes) else bar.beats * 4
            ev = self.chord_at(self.step_time(bar, s) + 1e-4)
            low = bass_pitch(ev.chord.root, 40, 52)
            strings = [low, *sorted(ev.voicing)]
            if way == "U":
                pitches = sorted(strings[-3:], reverse=True)
                self._chord_hit("chords", bar, s, nxt - s + 2, 0.45, rng, 0.008, pitches)
            else:
                self._chord_hit("chords", bar, s, nxt - s + 2, 0.7 if s == 0 else 0.6, rng,
                                0.012, strings)

    def _comp_broken(self, bar: Bar, rng: np.random.Generator) -> None:
        every = 2 if bar.energy >= 0.45 else 4
        end = self.bar_end(bar)
        for s in range(0, bar.beats * 4, every):
            t = self.step_time(bar, s)
            ev = self.chord_at(t + 1e-4)
            v = sorted(ev.voicing)[:3]
            order = [v[0], v[1 % len(v)], v[2 % len(v)], v[1 % len(v)]]
            pitch = order[(s // every) % 4]
            vel = (0.5 if s == 0 else 0.4) + 0.15 * bar.energy
            jitter = float(np.clip(rng.normal(0, 0.004), -0.01, 0.01))
            self.add("chords", t + jitter, end - t + 0.25, pitch, vel)

    def _comp_power(self, bar: Bar, rng: np.random.Generator) -> None:
        for role, delay in (("chords", 0.0), ("chords2", 0.011)):
            if bar.energy >= 0.55:
                for s in range(0, bar.beats * 4, 2):
                    root = bass_pitch(self.chord_at(self.step_time(bar, s) + 1e-4).chord.root,
                                      40, 52)
                    t = self.step_time(bar, s) + delay
                    self.add(role, t, self.grid.period * 0.42, root, 0.85 if s % 4 == 0 else 0.7)
            else:
                for off, chord in bar.chords:
                    t = self.grid.time(bar.beat + off) + delay
                    self.add(role, t, self.bar_end(bar) - t, bass_pitch(chord.root, 40, 52), 0.8)

    def _comp_jazz(self, bar: Bar, rng: np.random.Generator) -> None:
        options = (((0, 5), (6, 4)), ((6, 2), (14, 5)), ((4, 3), (10, 4)), ((0, 10),),
                   ((2, 3), (8, 6)))
        choice = options[int(rng.integers(len(options)))]
        for s, length in choice:
            if s < bar.beats * 4:
                self._chord_hit("chords", bar, s, length, 0.5, rng, 0.004)

    def _comp_ostinato(self, bar: Bar, rng: np.random.Generator) -> None:
        every = 1 if bar.energy >= 0.8 else 2 if bar.energy >= 0.4 else 4
        for s in range(0, bar.beats * 4, every):
            ev = self.chord_at(self.step_time(bar, s) + 1e-4)
            root = nearest_pitch(ev.chord.root, 50, 45, 57)
            third = ev.chord.intervals[1] if len(ev.chord.intervals) > 2 else 7
            cells = [root, root + 7, root + 12, root + 7, root + 12 + third, root + 7,
                     root + 12, root + 7]
            pitch = cells[(s // every) % len(cells)]
            self._chord_hit("chords", bar, s, every * 0.8, 0.75 if s % 4 == 0 else 0.55, rng,
                            pitches=[pitch])

    # --- melody --------------------------------------------------------------------------------

    def melody(self) -> None:
        """The tune: a seeded one-bar motif and a contrasting one, laid out A A' A B over 4-bar
        phrases, re-fitted to each chord (chord tones on strong steps), thinned in quiet bars,
        lifted a third in later choruses."""
        if "melody" not in self.style.parts or not self.bars:
            return
        rng = _rng(self.seed, "melody")
        low, high = self.style.melody_range
        scale_pcs = [(self.tonic + s) % 12 for s in scale(self.mode)]
        density = self.style.melody_density
        motif_a = self._motif(rng, density)
        motif_b = self._motif(rng, density)
        ending = list(motif_a)
        if len(ending) > 1:
            last = ending[-1]
            ending[-1] = (last[0], last[1], int(rng.choice([-2, -1, 1, 2])))
        middle = (low + high) / 2.0
        current = centre = middle
        legato = 1.0 if self.style.name in ("cinematic", "ambient", "piano") else 0.85
        mains = 0
        for bar in self.bars:
            if bar.first and bar.section == "main":
                mains += 1
                # a later chorus lifts the tune a third: the same motif, more intensity
                centre = middle + (3.0 if mains >= 2 else 0.0)
            active = self._melody_active(bar)
            if not active:
                continue
            phrase = bar.pos % 4
            motif = [motif_a, ending, motif_a, motif_b][phrase]
            if bar.section == "break" or bar.energy < 0.45:
                motif = motif[::2]
            if phrase in (0, 2):
                ev = self.chord_at(self.step_time(bar, 0) + 1e-4)
                current = float(nearest_pitch(ev.chord.root + ev.chord.intervals[
                    int(rng.integers(len(ev.chord.intervals)))], centre, low, high))
            for step, length, move in motif:
                if step >= bar.beats * 4:
                    continue
                t = self.step_time(bar, step)
                ev = self.chord_at(t + 1e-4)
                pitch = self._step_scale(round(current), move, scale_pcs)
                if step % 4 == 0 or length >= 4:
                    tones = [(ev.chord.root + i) % 12 for i in ev.chord.intervals]
                    pitch = min((p for p in range(pitch - 4, pitch + 5) if p % 12 in tones),
                                key=lambda p: (abs(p - pitch), p), default=pitch)
                while pitch > high:
                    pitch -= 12
                while pitch < low:
                    pitch += 12
                current = float(pitch)
                end = self.step_time(bar, min(step + length, bar.beats * 4))
                jitter = float(np.clip(rng.normal(0, 0.005), -0.012, 0.012))
                vel = (0.62 + (0.2 if step % 4 == 0 else 0.0)) * (0.8 + 0.2 * bar.energy)
                self.add("melody", t + jitter, max((end - t) * legato, 0.06), pitch, vel)
        self.last_melody = current

    def _melody_active(self, bar: Bar) -> bool:
        if bar.index < 0:
            return False
        if self.style.name in ("ambient", "piano"):
            return bar.section != "intro" or bar.pos > 0
        return bar.section in ("main", "break", "outro") or (
            bar.section == "build" and bar.pos % 2 == 1)

    @staticmethod
    def _motif(rng: np.random.Generator, density: float) -> list[tuple[int, int, int]]:
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

    @staticmethod
    def _step_scale(pitch: int, move: int, scale_pcs: list[int]) -> int:
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

    # --- ending --------------------------------------------------------------------------------

    def ending(self) -> Chord:
        """The tonic chord on the final hit, held or ringing to the last sample."""
        m = 1 if self.minor else 0
        chord = parse_chord(self.style.final[m], self.tonic)
        t = self.final_time
        tail = max(self.plan.duration_s - t, 0.05)
        low, high = self.style.chord_range
        voicing = final_voicing(chord, low, high)

        def place(role: str, pitch: int, vel: float) -> None:
            """Sustaining voices release so as to fade by the end; slow pads start early
            enough to be at full level on the hit; struck voices just ring."""
            part = self.style.parts.get(role)
            inst = INSTRUMENTS.get(part.instrument) if part else None
            if inst is None or inst.ring is not None:
                self.add(role, t, tail, pitch, vel)
                return
            early = min(inst.attack * 0.9, 1.2, max(t, 0.0))
            hold = max(0.15, tail - min(inst.release, tail * 0.6))
            self.add(role, t - early, hold + early, pitch, vel)

        if self.style.comping == "power" and "final" in self.style.parts:
            place("final", bass_pitch(self.tonic, 40, 52), 0.9)
        else:
            for p in voicing:
                place("chords", p, 0.7)
        if self.style.bed and "bed" in self.style.parts:
            for p in final_voicing(chord, 55, 74):
                place("bed", p, 0.6)
        place("bass", bass_pitch(self.tonic, 36 if self.style.name in (
            "cinematic", "piano", "jazz") else 33, 48), 0.85)
        if "melody" in self.style.parts:
            low_m, high_m = self.style.melody_range
            target = max(self.last_melody or 0.0, (low_m + high_m) / 2)
            place("melody", nearest_pitch(self.tonic, target, low_m, high_m), 0.7)
        if self.plan.drums and self.style.drums:
            kick_role = "kick" if "kick" in self.style.parts else None
            if kick_role:
                self.add(kick_role, t, 0.1, 0, 1.0)
                self.kicks.append(t)
            if "crash" in self.style.parts:
                self.add("crash", t, 0.1, 0, 0.9)
        self.events.append(ChordEvent(t, self.plan.duration_s, chord, 0.5, voicing))
        return chord

    def damp_before(self, t: float, release: float = 0.25) -> None:
        """Stop every pitched note still sounding at ``t`` (the final hit) with a short
        release: the band lets go together, so the final chord rings out alone instead of
        blurring with the long tails of the chord before it."""
        damped: list[Note] = []
        for note in self.notes:
            part = self.style.parts.get(note.role)
            inst = INSTRUMENTS.get(part.instrument) if part else None
            if inst is not None and note.start < t:
                tail = inst.ring if inst.ring is not None else note.dur + inst.release
                if note.start + min(tail, note.dur + inst.release) > t:
                    note = Note(note.role, note.start, max(min(note.dur, t - note.start), 0.01),
                                note.pitch, note.vel, release)
            damped.append(note)
        self.notes = damped

    def compose(self) -> Score:
        """Write every part, damp what still rings at the final hit, add the ending."""
        if self.bars:
            self.assign_chords()
            self.drums()
            self.bass()
            self.harmony()
            self.melody()
        self.damp_before(self.final_time)
        final = self.ending()
        self.notes.sort(key=lambda n: (n.start, n.role, n.pitch))
        return Score(self.notes, self.events, final, self.tonic, sorted(self.kicks),
                     self.style, self.grid, self.final_time,
                     self.plan.drums and bool(self.style.drums))


def final_voicing(chord: Chord, low: int, high: int) -> list[int]:
    """The last chord in root position with the root doubled and on top (1-5-1-3-1, colour
    tones inside): the ear — and a chroma analysis, which weighs the octaves around C5 most —
    should hear the key's home note, not the fifth that rich timbres pile up."""
    root = nearest_pitch(chord.root, low + 2, low, low + 11)
    ivs = chord.intervals
    third = next((i for i in ivs if i in (3, 4)), None)
    fifth = 7 if 7 in ivs else next((i for i in ivs if i in (6, 8)), 7)
    notes = [root, root + fifth, root + 12]
    if third is not None:
        notes.append(root + 12 + third)
    notes += [root + 12 + (i % 12) for i in ivs if i not in (0, 3, 4, 6, 7, 8, 12)]
    notes = [n for n in notes if n <= high + 7]
    notes.append(root + 24 if root + 24 <= high + 12 else root + 12)
    return sorted(set(notes))


def compose(plan: MusicPlan) -> Score:
    """Write the score for ``plan`` (deterministic in the plan, including its seed)."""
    return Composer(plan).compose()

"""The score's records and the piece a part is written into.

A part writer (drums, bass, comping, melody, ending) is a plain function that takes a
:class:`Piece` — the plan, its grid, the bars with their sections and chords, and the notes
written so far — and adds notes with :meth:`Piece.add`. Writers are registered by name in
tables (``parts.drums.DRUM_WRITERS``, ``parts.bass.BASS_LINES``, ``parts.comping.COMPING``…)
that the styles name, so a new groove is one function and one table entry.
"""

from __future__ import annotations

import bisect
import zlib
from dataclasses import dataclass, field

import numpy as np

from nemo_widgets.engine.music.grid import Grid
from nemo_widgets.engine.music.grooves import Groove, pick_groove
from nemo_widgets.engine.music.harmony import Chord, pitch_class
from nemo_widgets.engine.music.model import MusicPlan
from nemo_widgets.engine.music.parts.arrangement import group_of
from nemo_widgets.engine.music.styles import Style, get_style

VEL = {"x": 1.0, "o": 0.72, ".": 0.4}


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
    number: int = 0  # which section of the piece (0, 1, …)
    size: int = 1  # bars in its section
    layers: frozenset[str] = frozenset()  # the role groups that play (see parts.arrangement)


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
    accents: list[float] = field(default_factory=list)  # times of the accents on cuts
    stop_db: float = -15.0  # how far the mix dips in the breath before each accent

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
    bar_lines = list(plan.downbeats[:-1])
    if bar_lines:
        phase = round((bar_lines[0] - offset) / period) % bpb
    else:
        phase = int(plan.extras.get("bar_phase", final % bpb)) % bpb
    return Grid(plan.tempo_bpm, offset, phase, bpb), final


def part_rng(seed: int, name: str) -> np.random.Generator:
    """The seeded random stream of one part: parts never disturb each other's choices."""
    return np.random.default_rng([seed & 0xFFFFFFFF, zlib.crc32(name.encode())])


class Piece:
    """One piece being written: the plan's facts, the bars and chords, and the notes so far."""

    def __init__(self, plan: MusicPlan) -> None:
        self.plan = plan
        self.style = get_style(plan.style)
        self.grid, self.final_beat = grid_of(plan)
        # the final hit: on the grid, or on the picture's last strong cut (see the planner)
        self.final_time = float(plan.final_hit_s)
        self.tonic = pitch_class(plan.key)
        self.mode = plan.mode
        self.minor = plan.mode == "minor"
        self.seed = plan.seed
        self.notes: list[Note] = []
        self.kicks: list[float] = []
        self.bars: list[Bar] = []
        self.events: list[ChordEvent] = []
        self.last_melody: float | None = None
        self._starts: list[float] = []
        self._bar_starts: list[float] = []
        # the seed's groove: drum patterns, comping, bass line, swing (see ``grooves``)
        index = plan.extras.get("groove")
        self.groove: Groove = pick_groove(self.style, plan.seed,
                                          None if index is None else int(index))
        self.drum_patterns = self.groove.drums or self.style.drums
        self.swing = self.style.swing if self.groove.swing is None else self.groove.swing
        self.swing_unit = self.groove.swing_unit or self.style.swing_unit
        self.comping = self.groove.comping or self.style.comping
        self.bass_line = self.groove.bass_line or self.style.bass_line
        self.melody_density = self.groove.melody_density or self.style.melody_density

    def rng(self, name: str) -> np.random.Generator:
        return part_rng(self.seed, name)

    # --- time ----------------------------------------------------------------------------------

    def step_time(self, bar: Bar, step: float) -> float:
        """Time of a 16th-note step in a bar, with the style's swing."""
        beat = bar.beat + step / 4.0
        swing = self.swing
        if swing != 0.5:
            whole = round(step)
            if abs(step - whole) < 1e-9:
                if self.swing_unit == 16 and whole % 2 == 1:
                    beat += (swing - 0.5) * 0.5
                elif self.swing_unit == 8 and whole % 4 == 2:
                    beat += swing - 0.5
        return self.grid.time(beat)

    def bar_end(self, bar: Bar) -> float:
        """Time at which the bar ends (its last beat plus one)."""
        return self.grid.time(bar.beat + bar.beats)

    # --- chords --------------------------------------------------------------------------------

    def chord_at(self, t: float) -> ChordEvent:
        """The chord sounding at ``t`` (events are contiguous and sorted by start)."""
        if len(self._starts) != len(self.events):
            self._starts = [ev.start - 1e-6 for ev in self.events]
        index = bisect.bisect_right(self._starts, t) - 1
        return self.events[min(max(index, 0), len(self.events) - 1)]

    # --- writing -------------------------------------------------------------------------------

    def bar_at(self, t: float) -> Bar | None:
        """The bar sounding at ``t`` (None after the final hit)."""
        if len(self._bar_starts) != len(self.bars):
            self._bar_starts = [max(self.grid.time(b.beat), 0.0) - 0.03 for b in self.bars]
        index = bisect.bisect_right(self._bar_starts, t) - 1
        if not self.bars or t >= self.final_time - 0.03:
            return None
        return self.bars[max(index, 0)]

    def plays(self, role: str, t: float) -> bool:
        """Whether the arrangement lets ``role`` play at ``t`` (see ``parts.arrangement``)."""
        bar = self.bar_at(t)
        return bar is None or not bar.layers or group_of(role) in bar.layers

    def add(self, role: str, start: float, dur: float, pitch: int, vel: float,
            release: float | None = None, *, force: bool = False) -> None:
        """Add a note if the style has that part, the arrangement lets it play there (unless
        ``force``: fills, accents, the ending) and it is audible inside the piece."""
        if role not in self.style.parts:
            return
        if not force and not self.plays(role, start):
            return
        if start + dur < 0.0 or start >= self.plan.duration_s:
            return
        self.notes.append(Note(role, float(start), float(max(dur, 0.01)), int(pitch),
                               float(min(max(vel, 0.05), 1.0)), release))

    def pattern(self, role: str, energy: float) -> str | None:
        """The drum's step pattern for a bar of this energy (the busiest one the energy
        reaches)."""
        chosen = None
        for threshold, pat in self.drum_patterns.get(role, ()):
            if energy >= threshold:
                chosen = pat
        return chosen

    def chord_hit(self, role: str, bar: Bar, step: float, steps: float, vel: float,
                  rng: np.random.Generator, spread: float = 0.0,
                  pitches: list[int] | None = None) -> None:
        """The current chord (or ``pitches``) struck at ``step`` for ``steps`` sixteenths,
        rolled by ``spread`` seconds a note, with small seeded timing and level offsets."""
        t = self.step_time(bar, step)
        end = self.step_time(bar, min(step + steps, bar.beats * 4))
        ev = self.chord_at(t + 1e-4)
        notes = pitches if pitches is not None else ev.voicing
        for k, p in enumerate(notes):
            jitter = float(np.clip(rng.normal(0, 0.003), -0.008, 0.008))
            self.add(role, t + k * spread + jitter, max(end - t - 0.03, 0.05), p,
                     vel * float(np.clip(1 + rng.normal(0, 0.05), 0.85, 1.1)))

"""How the harmony is played, one writer per manner, registered in ``COMPING`` (the styles'
``comping``): sustained pads, Rhodes, hip-hop keys, pop piano with an arpeggio, house stabs,
guitar strums, broken chords, power chords (chugged or let ring), jazz comping, a string
ostinato and a pianist's figures (``parts.piano``); ambient's figures over its pad (an
arpeggio, a lilting triplet figure, a heartbeat pulse); plus the quiet sustained bed under it
all.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nemo_widgets.engine.music.harmony import bass_pitch, nearest_pitch
from nemo_widgets.engine.music.parts.base import Bar, Piece
from nemo_widgets.engine.music.parts.piano import ballad, flowing
from nemo_widgets.engine.music.parts.pulse import PULSES

BarComp = Callable[[Piece, Bar, np.random.Generator], None]


def pad(piece: Piece) -> None:
    """Every chord held for its whole length."""
    for ev in piece.events:
        for p in ev.voicing:
            piece.add("chords", ev.start, ev.end - ev.start + 0.1, p, 0.45 + 0.3 * ev.energy)


def rhodes(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    if bar.energy < 0.5 or bar.beats < 4:
        piece.chord_hit("chords", bar, 0, 16, 0.55, rng, 0.01)
        return
    piece.chord_hit("chords", bar, 0, 8, 0.6, rng, 0.01)
    ev = piece.chord_at(piece.step_time(bar, 6) + 1e-4)
    piece.chord_hit("chords", bar, 6, 6, 0.48, rng, 0.008, ev.voicing[1:])


def hiphop_keys(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    if bar.energy >= 0.6 and bar.beats == 4:
        piece.chord_hit("chords", bar, 0, 10, 0.55, rng, 0.006)
        piece.chord_hit("chords", bar, 10, 6, 0.45, rng, 0.006)
    else:
        piece.chord_hit("chords", bar, 0, 16, 0.55, rng, 0.006)


def piano_pop(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    pattern = (0, 6, 10) if bar.energy >= 0.5 else (0, 8)
    steps = [s for s in pattern if s < bar.beats * 4]
    for k, s in enumerate(steps):
        nxt = steps[k + 1] if k + 1 < len(steps) else bar.beats * 4
        piece.chord_hit("chords", bar, s, nxt - s, 0.62 if s == 0 else 0.5, rng)
    if bar.energy >= 0.55:
        every = 1 if bar.energy >= 0.85 else 2
        for s in range(0, bar.beats * 4, every):
            ev = piece.chord_at(piece.step_time(bar, s) + 1e-4)
            tones = [p + 12 for p in ev.voicing[:3]] + [ev.voicing[0] + 24]
            order = tones + tones[-2:0:-1]
            pitch = order[(s // every) % len(order)]
            piece.chord_hit("arp", bar, s, every * 0.9, 0.55 if s % 4 == 0 else 0.42, rng,
                            pitches=[pitch])


def stabs(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    steps = (2, 6, 10, 14) if bar.energy >= 0.45 else (6, 14)
    for s in steps:
        if s < bar.beats * 4:
            piece.chord_hit("chords", bar, s, 1.4, 0.7, rng)


def strum(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    busy = ((0, "D"), (4, "D"), (6, "U"), (10, "U"), (12, "D"), (14, "U"))
    strokes = [s for s in (busy if bar.energy >= 0.55 else ((0, "D"), (8, "D")))
               if s[0] < bar.beats * 4]
    for k, (s, way) in enumerate(strokes):
        nxt = strokes[k + 1][0] if k + 1 < len(strokes) else bar.beats * 4
        ev = piece.chord_at(piece.step_time(bar, s) + 1e-4)
        low = bass_pitch(ev.chord.root, 40, 52)
        strings = [low, *sorted(ev.voicing)]
        if way == "U":
            pitches = sorted(strings[-3:], reverse=True)
            piece.chord_hit("chords", bar, s, nxt - s + 2, 0.45, rng, 0.008, pitches)
        else:
            piece.chord_hit("chords", bar, s, nxt - s + 2, 0.7 if s == 0 else 0.6, rng,
                            0.012, strings)


def broken(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    every = 2 if bar.energy >= 0.45 else 4
    end = piece.bar_end(bar)
    for s in range(0, bar.beats * 4, every):
        t = piece.step_time(bar, s)
        ev = piece.chord_at(t + 1e-4)
        v = sorted(ev.voicing)[:3]
        order = [v[0], v[1 % len(v)], v[2 % len(v)], v[1 % len(v)]]
        pitch = order[(s // every) % 4]
        vel = (0.5 if s == 0 else 0.4) + 0.15 * bar.energy
        jitter = float(np.clip(rng.normal(0, 0.004), -0.01, 0.01))
        piece.add("chords", t + jitter, end - t + 0.25, pitch, vel)


def arpeggio(piece: Piece, bar: Bar, rng: np.random.Generator, per_beat: int,
             role: str = "chords", vel: float = 0.5, hold: float = 1.8,
             octave: int = 0, lean: float = 0.1) -> None:
    """The chord broken into ``per_beat`` notes a beat (2 eighths, 3 triplets, 4 sixteenths),
    up and down its tones (the top one an octave over the lowest), each note held ``hold``
    steps: a flowing figure whose every note is heard starting. It leans on its off-beat
    notes by ``lean`` (the one on the beat a little lighter; negative: marks the beat): the
    bass and the tune carry the beat, and another groove's figure, struck on the beat, is then
    not the same rhythm in disguise."""
    step = 1.0 / per_beat
    count = bar.beats * per_beat
    for k in range(count):
        pos = k * step
        t = piece.grid.time(bar.beat + pos)
        ev = piece.chord_at(t + 1e-4)
        v = sorted(ev.voicing)[:3]
        tones = [p + 12 * octave for p in (*v, v[0] + 12)]
        cycle = tones + tones[-2:0:-1]
        pitch = cycle[k % len(cycle)]
        end = piece.grid.time(bar.beat + min(pos + hold * step, bar.beats))
        on_beat = abs(pos - round(pos)) < 1e-9
        jitter = float(np.clip(rng.normal(0, 0.003), -0.008, 0.008))
        accent = -lean if on_beat else 0.0
        piece.add(role, t + jitter, max(end - t, 0.06), pitch,
                  (vel + accent) * (0.8 + 0.25 * bar.energy))


def triplets(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    """Broken chords in triplets (three a beat) in a full bar, sixteenths when it drives (the
    picture cuts fast), eighths in a quieter one, one a beat in the quietest: a flowing piano
    figure, an octave up, each note short enough to be heard starting."""
    e = bar.energy
    per_beat = 4 if e >= 0.85 else 3 if e >= 0.6 else 2 if e >= 0.35 else 1
    arpeggio(piece, bar, rng, per_beat, hold=0.6, octave=1)


def eighths(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    """Broken chords in eighths in the chords' own register, held a little longer (sixteenths
    when the bar drives, one a beat in the quietest): solo piano's plainer figure."""
    e = bar.energy
    per_beat = 4 if e >= 0.85 else 2 if e >= 0.35 else 1
    arpeggio(piece, bar, rng, per_beat, hold=1.5, lean=-0.1)


def settle(piece: Piece, role: str = "chords2", beats: float = 2.0) -> None:
    """The figure on ``role`` stops ``beats`` before the final hit, and the pad alone carries
    into the final chord: thinning there, the figure's last notes stood out over the fading
    pad more than the hits on the cuts did."""
    cut = piece.final_time - beats * piece.grid.period
    piece.notes = [n for n in piece.notes if n.role != role or n.start < cut]


def pad_arpeggio(quiet: int, full: int, drive: int, lean: float = -0.22
                 ) -> Callable[[Piece], None]:
    """Held chords with a bright arpeggio over them on ``chords2`` (ambient's pulse): ``quiet``
    notes a beat in a quiet bar (0: two a bar, on its first and third beats), ``full`` in a
    fuller one, ``drive`` when the bar drives. The note on the beat is the loudest, so the
    beat is heard through the long reverb (leaning on the off-beats, a beat tracker heard
    twice the tempo)."""
    def write(piece: Piece) -> None:
        pad(piece)
        rng = piece.rng("arpeggio")
        for bar in piece.bars:
            per_beat = drive if bar.energy >= 0.8 else full if bar.energy >= 0.5 else quiet
            if per_beat == 0:
                for step in range(0, bar.beats * 4, 8):
                    ev = piece.chord_at(piece.step_time(bar, step) + 1e-4)
                    pitch = sorted(ev.voicing)[(step // 8) % 2 * 2 % len(ev.voicing)] + 12
                    piece.chord_hit("chords2", bar, step, 8, 0.5, rng, pitches=[pitch])
                continue
            # driving (the picture cuts fast): even, so the hits on the cuts stand over it
            arpeggio(piece, bar, rng, per_beat, role="chords2", vel=0.42, hold=1.5,
                     octave=1, lean=0.0 if bar.energy >= 0.8 else lean)
        settle(piece)
    write.__doc__ = pad_arpeggio.__doc__
    return write


def pad_lilt(piece: Piece) -> None:
    """Held chords with a lilting triplet figure over them on ``chords2``: a long note on the
    beat and a short one on its last triplet (a rocking, shuffled bell figure); the full
    triplets when the bar drives or the beat is slow."""
    pad(piece)
    rng = piece.rng("arpeggio")
    for bar in piece.bars:
        drive = bar.energy >= 0.8
        slow = piece.grid.period > 0.9  # under 66 BPM the beat is subdivided fully
        cells = (0.0, 1 / 3, 2 / 3) if drive or slow else (0.0, 2 / 3)
        k = 0
        for beat in range(bar.beats):
            for off in cells:
                pos = beat + off
                t = piece.grid.time(bar.beat + pos)
                ev = piece.chord_at(t + 1e-4)
                v = sorted(ev.voicing)[:3]
                tones = [p + 12 for p in (*v, v[0] + 12)]
                cycle = tones + tones[-2:0:-1]
                pitch = cycle[k % len(cycle)]
                k += 1
                end = piece.grid.time(bar.beat + min(pos + 0.5, bar.beats))
                # driving (the picture cuts fast): even triplets, so the accents on the
                # cuts stand over the figure
                vel = (0.46 if drive else 0.56 if off == 0.0 else 0.46 if slow else 0.4) * (
                    0.9 + 0.1 * bar.energy)
                jitter = float(np.clip(rng.normal(0, 0.003), -0.008, 0.008))
                piece.add("chords2", t + jitter, max(end - t, 0.06), pitch, vel)
    settle(piece)


HEARTBEAT = ((0.0, 0.46), (0.25, 0.3), (1.0, 0.34), (2.0, 0.42), (2.25, 0.28), (3.0, 0.34))
HEARTBEAT_SLOW = ((0.0, 0.46), (0.25, 0.3), (1.0, 0.36), (1.25, 0.26), (2.0, 0.42),
                  (2.25, 0.28), (3.0, 0.36), (3.25, 0.26))


def pad_pulse(piece: Piece) -> None:
    """Held chords over a soft pulse on ``chords2``, the chord's root and fifth an octave up:
    a slow heartbeat — a pair of notes a sixteenth apart on one and three, a single one on two
    and four (the pair on every beat under 66 BPM, even triplets when the bar drives) — so
    that a drifting ambient piece still has a tempo, in a rhythm no other groove of it
    plays."""
    pad(piece)
    rng = piece.rng("pulse")
    for bar in piece.bars:
        if bar.energy >= 0.8:  # driving: the heartbeat quickens to even triplets
            cells = [(k / 3, 0.42) for k in range(bar.beats * 3)]
        else:
            slow = piece.grid.period > 0.9  # under 66 BPM: the pair on every beat
            beat_pairs = HEARTBEAT_SLOW if slow else HEARTBEAT
            cells = [(pos, vel) for pos, vel in beat_pairs if pos < bar.beats]
        for k, (pos, vel) in enumerate(cells):
            t = piece.grid.time(bar.beat + pos)
            ev = piece.chord_at(t + 1e-4)
            root = nearest_pitch(ev.chord.root, 62, 57, 68)
            pitch = root + 7 if pos % 2 >= 1 else root
            nxt = cells[k + 1][0] if k + 1 < len(cells) else bar.beats
            end = piece.grid.time(bar.beat + min(nxt, bar.beats)) - 0.05
            jitter = float(np.clip(rng.normal(0, 0.003), -0.008, 0.008))
            piece.add("chords2", t + jitter, max(end - t, 0.06), pitch,
                      vel * (0.8 + 0.25 * bar.energy))
    settle(piece)


def power(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    for role, delay in (("chords", 0.0), ("chords2", 0.011)):
        if bar.energy >= 0.55:
            for s in range(0, bar.beats * 4, 2):
                low = bass_pitch(piece.chord_at(piece.step_time(bar, s) + 1e-4).chord.root,
                                 40, 52)
                t = piece.step_time(bar, s) + delay
                piece.add(role, t, piece.grid.period * 0.42, low, 0.85 if s % 4 == 0 else 0.7)
        else:
            for off, chord in bar.chords:
                t = piece.grid.time(bar.beat + off) + delay
                piece.add(role, t, piece.bar_end(bar) - t, bass_pitch(chord.root, 40, 52), 0.8)


def power_ring(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    """Power chords let ring in three-three-two (on one, the and of two, four), both guitars;
    a whole-bar chord in a quiet bar: rock's half-time feel, wide open where the standard
    groove chugs eighths."""
    steps = (0, 6, 12) if bar.energy >= 0.55 else (0,)
    for role, delay in (("chords", 0.0), ("chords2", 0.011)):
        for k, s in enumerate(x for x in steps if x < bar.beats * 4):
            nxt = steps[k + 1] if k + 1 < len(steps) else bar.beats * 4
            t = piece.step_time(bar, s) + delay
            end = piece.step_time(bar, min(nxt, bar.beats * 4))
            low = bass_pitch(piece.chord_at(t + 1e-4).chord.root, 40, 52)
            piece.add(role, t, max(end - t - 0.04, 0.1), low, 0.85 if s == 0 else 0.75)


def jazz(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    options = (((0, 5), (6, 4)), ((6, 2), (14, 5)), ((4, 3), (10, 4)), ((0, 10),),
               ((2, 3), (8, 6)))
    choice: tuple[tuple[int, int], ...] = options[int(rng.integers(len(options)))]
    if bar.energy >= 0.85:  # driving: the pianist comps on every off-beat push
        choice = ((0, 2), (6, 2), (14, 2)) if rng.uniform() < 0.5 else ((2, 2), (6, 2), (10, 2),
                                                                        (14, 2))
    for s, length in choice:
        if s < bar.beats * 4:
            piece.chord_hit("chords", bar, s, length, 0.5, rng, 0.004)


def block(piece: Piece, bar: Bar, rng: np.random.Generator) -> None:
    """Block chords, a hymn's: struck on the first and third beats (the whole bar when
    quiet), slightly rolled."""
    steps = (0, 8) if bar.energy >= 0.4 else (0,)
    for k, s in enumerate(x for x in steps if x < bar.beats * 4):
        end = steps[k + 1] if k + 1 < len(steps) else bar.beats * 4
        piece.chord_hit("chords", bar, s, end - s, 0.6 if s == 0 else 0.5, rng, 0.012)


def bar_by_bar(writer: BarComp) -> Callable[[Piece], None]:
    """A whole-piece writer from a bar writer, with the comping's own random stream."""
    def write(piece: Piece) -> None:
        rng = piece.rng("comping")
        for bar in piece.bars:
            writer(piece, bar, rng)
    write.__doc__ = writer.__doc__
    return write


COMPING: dict[str, Callable[[Piece], None]] = {
    "pad": pad,
    "rhodes": bar_by_bar(rhodes),
    "hiphop_keys": bar_by_bar(hiphop_keys),
    "piano_pop": bar_by_bar(piano_pop),
    "stabs": bar_by_bar(stabs),
    "strum": bar_by_bar(strum),
    "broken": bar_by_bar(broken),
    "power": bar_by_bar(power),
    "power_ring": bar_by_bar(power_ring),
    "jazz": bar_by_bar(jazz),
    "block": bar_by_bar(block),
    "triplets": bar_by_bar(triplets),
    "eighths": bar_by_bar(eighths),
    "pianist": flowing,
    "ballad": ballad,
    "pad_arp": pad_arpeggio(0, 2, 4),
    "pad_triplets": pad_arpeggio(3, 3, 3),
    "pad_lilt": pad_lilt,
    "pad_pulse": pad_pulse,
    **PULSES,  # cinematic's marcato ostinato and ticking figure (``parts.pulse``)
}


def bed(piece: Piece) -> None:
    """The quiet sustained pad under the chords that keeps the sound continuous."""
    if piece.style.bed and "bed" in piece.style.parts:
        for ev in piece.events:
            for p in ev.bed:
                piece.add("bed", ev.start, ev.end - ev.start + 0.05, p, 0.6)


def write_harmony(piece: Piece) -> None:
    """The chords in the style's comping manner, then the bed."""
    COMPING[piece.comping](piece)
    bed(piece)

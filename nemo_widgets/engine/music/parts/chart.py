"""The chart: the piece cut into bars (with their sections and energies) and a chord for each.

Chords come from the style's progressions, one (or two) a bar, restarting at each section so
that phrases line up with the picture's sections; the bar before the final hit is a cadence;
voicings are chosen by voice leading (the smallest total movement between chords).
"""

from __future__ import annotations

import math
from typing import Any

from nemo_widgets.engine.music.form import bar_energy
from nemo_widgets.engine.music.harmony import parse_chord, voice
from nemo_widgets.engine.music.parts.arrangement import layers
from nemo_widgets.engine.music.parts.base import Bar, ChordEvent, Piece


def build_bars(piece: Piece) -> list[Bar]:
    """Bars from the pick-up (if the first bar line is after 0 s) to the final hit, each with
    its section, energy, position in the section and whether it opens or closes one."""
    g = piece.grid
    bpb = g.beats_per_bar
    b0 = g.bar_phase
    first = -1 if g.time(b0) > 1e-6 else 0
    n_bars = max(0, math.ceil((piece.final_beat - b0) / bpb))
    sections = piece.plan.sections
    fallback: dict[str, Any] = sections[0] if sections else {"name": "main", "energy": 0.6}
    bars: list[Bar] = []
    for j in range(first, n_bars):
        beat = b0 + bpb * j
        beats = min(bpb, piece.final_beat - beat)
        if beats <= 0:
            continue
        t = max(g.time(beat), 0.0) + 0.01  # inside the bar: immune to rounding at edges
        number = next((k for k, s in enumerate(sections)
                       if s["start"] - 1e-6 <= t < s["end"] - 1e-6), 0)
        sec = sections[number] if sections else fallback
        bars.append(Bar(j, beat, beats, str(sec["name"]), float(sec["energy"]), 0,
                        False, False, number=number))
    for i, bar in enumerate(bars):
        prev = bars[i - 1] if i else None
        same = prev is not None and prev.number == bar.number
        # the pick-up does not count: the progression starts on the first bar line
        bar.pos = prev.pos + 1 if (same and prev is not None and prev.index >= 0) else 0
        bar.first = not same
        if prev is not None and not same:
            prev.last = True
    if bars:
        bars[-1].last = True
    sizes: dict[int, int] = {}
    for bar in bars:
        sizes[bar.number] = max(sizes.get(bar.number, 0), bar.pos + 1)
    for bar in bars:
        bar.size = sizes[bar.number]
        sec = sections[bar.number] if sections else fallback
        bar.energy = bar_energy({**sec, "bars": bar.size}, bar.pos)
        bar.layers = layers(bar.section, bar.pos, bar.size)
    return bars


def progressions(piece: Piece) -> tuple[list[str], list[str]]:
    """The seed's main progression and an alternative one (for the break)."""
    options = list(piece.style.minor if piece.minor else piece.style.major)
    rng = piece.rng("progression")
    order = rng.permutation(len(options))
    main = options[int(order[0])].split()
    alt = options[int(order[1 % len(options)])].split()
    return main, alt


def assign_chords(piece: Piece) -> None:
    """Chords bar by bar (restarting the progression at each section, the break on the
    alternative one, a cadence before the final hit), merged into events and voice-led."""
    style = piece.style
    main, alt = progressions(piece)
    m = 1 if piece.minor else 0
    cadence = style.cadence[m]
    tonic_token = style.final[m]
    bpc = style.bars_per_chord
    bars = piece.bars
    for i, bar in enumerate(bars):
        prog = alt if bar.section == "break" else main
        if bar.index < 0:
            tokens = [tonic_token]
        elif i == len(bars) - 1 and len(bars) > 1:
            tokens = [cadence]
        else:
            tokens = prog[(bar.pos // bpc) % len(prog)].split("-")
        chords = [parse_chord(tok, piece.tonic) for tok in tokens]
        span = bar.beats / len(chords)
        bar.chords = [(k * span, c) for k, c in enumerate(chords)]
    events = piece.events
    # chord events, merging repeats inside a section (ambient holds a chord across bars)
    number = -1
    for bar in bars:
        same_section, number = bar.number == number, bar.number
        for k, (off, chord) in enumerate(bar.chords):
            start = piece.grid.time(bar.beat + off)
            end_beat = bar.beat + (bar.chords[k + 1][0] if k + 1 < len(bar.chords)
                                   else bar.beats)
            end = piece.grid.time(end_beat)
            if (events and events[-1].chord == chord and abs(events[-1].end - start) < 1e-6
                    and (same_section or k > 0) and bpc > 1):
                events[-1].end = end
            else:
                events.append(ChordEvent(start, end, chord, bar.energy))
    low, high = style.chord_range
    voices = 5 if piece.comping == "strum" else 4
    prev: list[int] | None = None
    prev_bed: list[int] | None = None
    for ev in events:
        ev.voicing = voice(ev.chord, low, high, prev, voices)
        ev.bed = voice(ev.chord, 55, 74, prev_bed, 3)
        prev, prev_bed = ev.voicing, ev.bed

"""The ending: the band lets go together before the final hit, and the tonic chord lands on it
and rings toward the last sample.
"""

from __future__ import annotations

from nemo_widgets.engine.music.harmony import Chord, bass_pitch, nearest_pitch, parse_chord
from nemo_widgets.engine.music.parts.base import ChordEvent, Note, Piece
from nemo_widgets.engine.music.synth import INSTRUMENTS


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


def damp_before(piece: Piece, t: float, breath: float = 0.15) -> None:
    """The band lets go together a moment before the final hit — every pitched note still
    sounding ``breath`` before it is released over that breath (a damper, not a cut), and
    nothing new starts in it — so the final chord lands out of a stop and rings out alone."""
    damped: list[Note] = []
    let_go = t - breath
    for note in piece.notes:
        if note.start >= let_go - 0.02:
            continue
        part = piece.style.parts.get(note.role)
        inst = INSTRUMENTS.get(part.instrument) if part else None
        if inst is not None:
            tail = inst.ring if inst.ring is not None else note.dur + inst.release
            if note.start + min(tail, note.dur + inst.release) > let_go:
                note = Note(note.role, note.start, max(min(note.dur, let_go - note.start), 0.01),
                            note.pitch, note.vel, breath)
        damped.append(note)
    piece.notes = damped


def _hold(tail: float, ending: str) -> float:
    """How long the final chord is held before it starts to die away."""
    if ending == "hit":
        return min(0.12, tail * 0.3)
    return min(max(0.3 * tail, 0.2), 0.6)


def final_chord(piece: Piece) -> Chord:
    """The tonic chord on the final hit. It is held briefly and then released, so that its
    decay — with the master's tail envelope (``dynamics.ending_gain``) on it and the
    cymbal's — ends before the last sample; "hit" endings are short and loud."""
    style = piece.style
    ending = str(piece.plan.extras.get("ending", "ring"))
    m = 1 if piece.minor else 0
    chord = parse_chord(style.final[m], piece.tonic)
    t = piece.final_time
    tail = max(piece.plan.duration_s - t, 0.05)
    hold = _hold(tail, ending)
    # released over twice the rest of the tail: 30 dB down by the last sample on its own, the
    # master's tail envelope takes it the rest of the way (dynamics.ending_gain)
    release = max(2.0 * (tail - hold), 0.1)
    low, high = style.chord_range
    voicing = final_voicing(chord, low, high)
    loud = 1.0 if ending == "hit" else 0.0

    def place(role: str, pitch: int, vel: float) -> None:
        """Slow pads start early enough to be at full level on the hit; every voice is held
        for ``hold`` and released over the rest of the tail."""
        part = style.parts.get(role)
        inst = INSTRUMENTS.get(part.instrument) if part else None
        early = 0.0
        if inst is not None and inst.ring is None:
            early = min(inst.attack * 0.9, 1.2, max(t, 0.0))
        piece.add(role, t - early, hold + early, pitch, min(vel + 0.2 * loud, 1.0), release,
                  force=True)

    if style.comping == "power" and "final" in style.parts:
        place("final", bass_pitch(piece.tonic, 40, 52), 0.9)
    else:
        for p in voicing:  # the fifth a little softer: the ear should land on the root
            place("chords", p, 0.55 if (p - piece.tonic) % 12 == 7 else 0.7)
    if style.bed and "bed" in style.parts:
        for p in final_voicing(chord, 55, 74):
            place("bed", p, 0.6)
    place("bass", bass_pitch(piece.tonic, style.final_bass_floor, 48), 0.85)
    if "melody" in style.parts:
        low_m, high_m = style.melody_range
        target = max(piece.last_melody or 0.0, (low_m + high_m) / 2)
        place("melody", nearest_pitch(piece.tonic, target, low_m, high_m), 0.7)
    if piece.plan.drums and piece.drum_patterns:
        if "kick" in style.parts:
            piece.add("kick", t, 0.1, 0, 1.0, force=True)
            piece.kicks.append(t)
        if "crash" in style.parts:
            piece.add("crash", t, 0.1, 0, 0.9 + 0.1 * loud, force=True)
        if loud:
            for role in ("snare", "clap", "tom"):
                if role in style.parts:
                    piece.add(role, t, 0.1, 0, 1.0, force=True)
    piece.events.append(ChordEvent(t, piece.plan.duration_s, chord, 0.5, voicing))
    return chord


ENDINGS = {"ring": final_chord, "hit": final_chord}


def write_ending(piece: Piece) -> Chord:
    """Damp what still rings at the final hit, then the final chord."""
    damp_before(piece, piece.final_time)
    return ENDINGS[str(piece.plan.extras.get("ending", "ring"))](piece)

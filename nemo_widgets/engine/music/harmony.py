"""Keys, chords written as Roman numerals, and voice leading.

Progressions are written relative to the major scale of the tonic ("i bVI bIII bVII" is the
minor-key epic progression), so one parser serves both modes and every chord's root is an exact
semitone offset from the tonic: the final chord's root can be checked against the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

NOTE_NAMES: tuple[str, ...] = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_ALIASES = {"C#": 1, "D#": 3, "Gb": 6, "G#": 8, "A#": 10, "Cb": 11, "E#": 5, "Fb": 4, "B#": 0}
MAJOR_SCALE: tuple[int, ...] = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE: tuple[int, ...] = (0, 2, 3, 5, 7, 8, 10)
_DEGREES = {"I": 0, "II": 2, "III": 4, "IV": 5, "V": 7, "VI": 9, "VII": 11}
_TOKEN = re.compile(r"^(b|#)?(VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)(.*)$")

QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "5": (0, 7),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "dom7": (0, 4, 7, 10),
    "m7b5": (0, 3, 6, 10),
    "maj9": (0, 4, 7, 11, 14),
    "min9": (0, 3, 7, 10, 14),
    "dom9": (0, 4, 7, 10, 14),
    "add9": (0, 4, 7, 14),
    "madd9": (0, 3, 7, 14),
    "maj6": (0, 4, 7, 9),
    "min6": (0, 3, 7, 9),
}


def pitch_class(name: str) -> int:
    """'A' → 9, 'Bb' → 10, 'F#' → 6."""
    key = name.strip()
    if key in NOTE_NAMES:
        return NOTE_NAMES.index(key)
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"unknown key name {name!r}")


def scale(mode: str) -> tuple[int, ...]:
    """Semitones of the major or natural-minor scale."""
    return MINOR_SCALE if mode == "minor" else MAJOR_SCALE


@dataclass(frozen=True)
class Chord:
    """A chord in a key: ``root`` is a pitch class (0 = C), ``intervals`` from the root."""

    symbol: str  # the Roman numeral as written, e.g. "bVImaj7"
    root: int
    intervals: tuple[int, ...]

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        return tuple(sorted({(self.root + i) % 12 for i in self.intervals}))

    def name(self) -> str:
        """A lead-sheet name such as 'Am7' or 'Fmaj7' (for the cue and the reasons)."""
        ivs = self.intervals
        suffix = {
            (0, 4, 7): "", (0, 3, 7): "m", (0, 3, 6): "dim", (0, 2, 7): "sus2",
            (0, 5, 7): "sus4", (0, 7): "5", (0, 4, 7, 11): "maj7", (0, 3, 7, 10): "m7",
            (0, 4, 7, 10): "7", (0, 3, 6, 10): "m7b5", (0, 4, 7, 11, 14): "maj9",
            (0, 3, 7, 10, 14): "m9", (0, 4, 7, 10, 14): "9", (0, 4, 7, 14): "add9",
            (0, 3, 7, 14): "madd9", (0, 4, 7, 9): "6", (0, 3, 7, 9): "m6",
        }.get(ivs, "")
        return NOTE_NAMES[self.root] + suffix


def parse_chord(token: str, tonic: int) -> Chord:
    """Parse a Roman numeral: case gives major/minor, the suffix the extension.

    Suffixes: ``7`` (dominant on upper case, minor seventh on lower case), ``maj7``, ``9``,
    ``maj9``, ``add9``, ``sus2``, ``sus4``, ``5`` (power chord), ``6``, ``dim``/``°``, ``ø``.
    """
    match = _TOKEN.match(token)
    if not match:
        raise ValueError(f"bad chord token {token!r}")
    accidental, numeral, suffix = match.groups()
    offset = _DEGREES[numeral.upper()] + (-1 if accidental == "b" else 1 if accidental else 0)
    upper = numeral.isupper()
    base = "maj" if upper else "min"
    quality = {
        "": base,
        "7": "dom7" if upper else "min7",
        "maj7": "maj7",
        "9": "dom9" if upper else "min9",
        "maj9": "maj9",
        "add9": "add9" if upper else "madd9",
        "sus2": "sus2",
        "sus4": "sus4",
        "5": "5",
        "6": "maj6" if upper else "min6",
        "dim": "dim",
        "°": "dim",
        "ø": "m7b5",
    }.get(suffix)
    if quality is None:
        raise ValueError(f"bad chord suffix in {token!r}")
    return Chord(token, (tonic + offset) % 12, QUALITIES[quality])


def _close_voicing(pcs: list[int], base: int) -> list[int]:
    """Stack pitch classes upwards from ``base`` in the given order, each above the last."""
    out: list[int] = []
    current = base - 1
    for pc in pcs:
        pitch = current + 1 + (pc - (current + 1)) % 12
        out.append(pitch)
        current = pitch
    return out


def voice(chord: Chord, low: int, high: int, previous: list[int] | None, voices: int = 4
          ) -> list[int]:
    """Choose the inversion and octave of ``chord`` inside ``[low, high]`` that moves least
    from ``previous`` (sum of semitone movements of sorted voices, common tones therefore
    free); the first chord sits nearest the middle of the register.

    With more chord tones than voices the fifth goes first (it adds least colour), then the
    root (the bass plays it) — which is how pianists voice ninths.
    """
    ivs = list(chord.intervals)
    while len(ivs) > voices and 7 in ivs:
        ivs.remove(7)
    while len(ivs) > voices and 0 in ivs and len(ivs) > 3:
        ivs.remove(0)
    ivs = ivs[:voices]
    pcs = [(chord.root + i) % 12 for i in ivs]
    centre = (low + high) / 2.0
    best: list[int] | None = None
    best_cost = float("inf")
    for rotation in range(len(pcs)):
        order = pcs[rotation:] + pcs[:rotation]
        for base in range(low, min(high, low + 12) + 1):
            if base % 12 != order[0]:
                continue
            cand = _close_voicing(order, base)
            if cand[-1] > high:
                continue
            mid = sum(cand) / len(cand)
            if previous:
                prev = sorted(previous)
                cur = sorted(cand)
                if len(prev) == len(cur):
                    move = sum(abs(a - b) for a, b in zip(prev, cur, strict=True))
                else:
                    move = sum(min(abs(p - q) for q in prev) for p in cur)
                cost = move + 0.15 * abs(mid - centre)
            else:
                cost = abs(mid - centre)
            if cost < best_cost:
                best, best_cost = cand, cost
    if best is None:  # register too narrow: plain root position at the bottom
        best = _close_voicing(pcs, low + (pcs[0] - low) % 12)
    return best


def nearest_pitch(pc: int, target: float, low: int, high: int) -> int:
    """The pitch of class ``pc`` nearest ``target`` within ``[low, high]``."""
    candidates = [p for p in range(low, high + 1) if p % 12 == pc % 12]
    if not candidates:
        return round(target)
    return min(candidates, key=lambda p: (abs(p - target), p))


def bass_pitch(pc: int, low: int = 33, high: int = 45) -> int:
    """The root in the bass register (A1..A2 by default)."""
    return low + (pc - low) % 12 if low + (pc - low) % 12 <= high else low + (pc - low) % 12 - 12


def movement(voicings: list[list[int]]) -> int:
    """Total semitone movement across a sequence of voicings (for tests and tuning)."""
    return sum(sum(abs(a - b) for a, b in zip(sorted(x), sorted(y), strict=False))
               for x, y in pairwise(voicings))

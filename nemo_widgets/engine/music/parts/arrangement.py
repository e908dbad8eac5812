"""The arrangement: which instruments play in which section.

Roles fall into groups (the kick, the backbeat, the cymbals, bass, keys, melody…); each kind
of section lets some groups play. An intro is keys, a pad and the cymbals (the bass joins in its
last bar); a build brings the kick, the bass and the cymbals, the backbeat in its second half
and the melody in alternate bars; main parts have everything; a break drops the kick and the
bass; an outro thins out (no arpeggios, no crashes; its lower energy
plays the sparser patterns). What is asked for in words follows the same table ("calm", "quiet"
under a voice: no drums, no melody competing with it).

Fills, accents on cuts and the ending are transitions and play wherever they fall.
"""

from __future__ import annotations

ROLE_GROUPS: dict[str, str] = {
    "kick": "kick", "boom": "kick", "snare": "backbeat", "clap": "backbeat", "tom": "toms",
    "hat": "cymbals", "ohat": "cymbals", "shaker": "cymbals", "ride": "cymbals", "crash": "crash",
    "riser": "fx", "bass": "bass", "chords": "keys", "chords2": "keys", "final": "keys",
    "arp": "arp", "bed": "bed", "melody": "melody",
}

EVERYTHING = frozenset(set(ROLE_GROUPS.values()))
_KEYS = frozenset({"keys", "bed", "fx"})

# (groups from the section's start, groups added in its second half, groups in its last bar)
LAYERS: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    "intro": (_KEYS | {"cymbals"}, frozenset(), frozenset({"bass"})),
    "build": (_KEYS | {"kick", "cymbals", "bass", "melody", "toms"}, frozenset({"backbeat"}),
              frozenset({"backbeat", "crash"})),
    "rise": (_KEYS | {"cymbals", "melody"}, frozenset({"kick", "bass", "toms"}),
             frozenset({"backbeat", "crash"})),
    "main": (EVERYTHING, frozenset(), frozenset()),
    "drop": (EVERYTHING, frozenset(), frozenset()),
    "full": (EVERYTHING, frozenset(), frozenset()),
    "break": (_KEYS | {"melody", "cymbals", "arp"}, frozenset({"bass"}), frozenset({"kick"})),
    "outro": (_KEYS | {"bass", "melody", "kick", "backbeat", "cymbals"}, frozenset(),
              frozenset()),
    "calm": (_KEYS | {"melody", "bass"}, frozenset(), frozenset()),
    "quiet": (_KEYS, frozenset(), frozenset()),
}


def group_of(role: str) -> str:
    """The group a role belongs to (unknown roles are their own group)."""
    return ROLE_GROUPS.get(role, role)


def layers(kind: str, pos: int, size: int) -> frozenset[str]:
    """The groups that play in bar ``pos`` (0-based) of a ``size``-bar section of ``kind``."""
    base, later, last = LAYERS.get(kind, (EVERYTHING, frozenset(), frozenset()))
    out = set(base)
    if size > 1 and pos >= size / 2:
        out |= later
    if pos == size - 1 and size > 1:
        out |= last
    return frozenset(out)

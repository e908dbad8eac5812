"""Grooves: the other ways each style can be played, one of which the seed picks.

A style's own fields (its drum patterns, comping, bass line, swing) are its first groove;
this table adds more, so that "another version" (the next seed) changes the feel — which
drums play where, how the chords are played, how the bass moves — and not only the notes.
Most styles have a half-time groove (the backbeat on three) and a shuffle (triplet eighths)
beside their own straight one: the biggest change of feel that keeps the beat where it was.
Every groove keeps the pulse audible (hats or kicks on the beats), which is what keeps beat
trackers and editors on the planned grid.

Patterns are written as in ``styles``: 16 steps a bar, ``x`` accent, ``o`` normal, ``.``
ghost, ``-`` rest; each drum has patterns for rising energy.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

from nemo_widgets.engine.music.styles import Style

Patterns = dict[str, tuple[tuple[float, str], ...]]


@dataclass(frozen=True)
class Groove:
    """One way to play a style; ``None`` fields keep the style's own."""

    name: str
    drums: Patterns | None = None
    comping: str | None = None
    bass_line: str | None = None
    swing: float | None = None
    swing_unit: int | None = None
    melody_density: float | None = None
    # the 16th step where the tune's phrases land (None: the style's): another version of a
    # drumless style, whose tune carries its rhythm, lands elsewhere
    melody_land: int | None = None


GROOVES: dict[str, tuple[Groove, ...]] = {
    "lofi": (
        # the hat's off-beats ghosted: played straight (grooves_of), even eighths were
        # tracked at twice the tempo
        Groove("half-time", drums={
            "kick": ((0.0, "x-----o---x-----"), (0.55, "x-----o---x---o-")),
            "snare": ((0.0, "--------x-------"),),
            "hat": ((0.0, "x-.-x-.-x-.-x-.-"),),
        }, comping="hiphop_keys", swing=0.67, swing_unit=8),
        Groove("shuffle", drums={
            "kick": ((0.0, "x-----x---x-----"), (0.55, "x-----x---x---o-")),
            "snare": ((0.0, "----x-------x---"),),
            "hat": ((0.0, "x-o-x-o-x-o-x-o-"),),
        }, comping="broken", swing=0.67, swing_unit=8),
    ),
    "ambient": (
        Groove("slow bells", comping="pad_lilt", melody_density=0.3),
        Groove("drift", comping="pad_pulse", melody_density=0.35),
        Groove("shimmer", comping="pad_triplets", melody_density=0.25),
    ),
    "cinematic": (
        Groove("half-time trailer", drums={
            "kick": ((0.0, "x-------x-------"), (0.6, "x---o---x---o---"),
                     (0.85, "x---o---x---o-o-")),
            "snare": ((0.5, "--------x-------"), (0.85, "o-o-o-o-x-o-o-o-")),
            "hat": ((0.35, "x-o-x-o-x-o-x-o-"),),
            "tom": ((0.85, "---o---o---o---o"),),
        }, comping="pulse_swung", swing=0.67, swing_unit=8),
        Groove("straight trailer", drums={
            "kick": ((0.0, "x-------x-------"), (0.6, "x---o---x---o---"),
                     (0.85, "x---o---x---o-o-")),
            "snare": ((0.5, "----o-------o---"), (0.85, "o-o-o-o-x-o-o-o-")),
            "tom": ((0.85, "---o---o---o---o"),),
        }, comping="pulse_gallop"),
        Groove("triplet march", drums={
            "kick": ((0.0, "x---x---x---x---"),),
            "snare": ((0.5, "----x-------x---"),),
            "tom": ((0.6, "o---o---o---o---"),),
        }, comping="pulse_triplet", bass_line="eighths", swing=0.67, swing_unit=8),
    ),
    "corporate": (
        Groove("half-time", drums={
            "kick": ((0.0, "x-------x-------"), (0.55, "x-----o-x-------")),
            "clap": ((0.3, "--------x-------"),),
            "hat": ((0.0, "x-o-x-o-x-o-x-o-"),),
            "crash": ((2.0, "x---------------"),),
        }, comping="strum", bass_line="eighths", swing=0.67, swing_unit=8),
        Groove("shuffle pop", drums={
            "kick": ((0.0, "x---x---x---x---"),),
            "snare": ((0.3, "----x-------x---"),),
            "hat": ((0.0, "x-o-x-o-x-o-x-o-"),),
            "crash": ((2.0, "x---------------"),),
        }, comping="stabs", bass_line="follow_kick", swing=0.64, swing_unit=8),
    ),
    "electronic": (
        Groove("half-time", drums={
            "kick": ((0.0, "x---------x-----"),),
            "clap": ((0.3, "--------x-------"),),
            "hat": ((0.0, "x-o-x-o-x-o-x-o-"),),
            "crash": ((2.0, "x---------------"),),
        }, comping="pad", bass_line="eighths", swing=0.67, swing_unit=8),
        Groove("shuffled garage", drums={
            "kick": ((0.0, "x-----x---x-----"),),
            "clap": ((0.3, "----x-------x---"),),
            "hat": ((0.0, "x-o-x-o-x-o-x-o-"),),
            "ohat": ((0.45, "--o---o---o---o-"),),
            "crash": ((2.0, "x---------------"),),
        }, comping="broken", bass_line="root_fifth", swing=0.67, swing_unit=8),
    ),
    "acoustic": (
        Groove("half-time fingerpicked", drums={
            "kick": ((0.0, "x-------------o-"),),
            "snare": ((0.0, "--------o-------"),),
            "shaker": ((0.0, "x-o-x-o-x-o-x-o-"),),
        }, comping="broken", bass_line="sustain", swing=0.67, swing_unit=8),
        Groove("shuffle", drums={
            "kick": ((0.0, "x-------x-------"), (0.7, "x-------x-x-----")),
            "snare": ((0.0, "----x-------x---"),),
            "shaker": ((0.0, "x-o-x-o-x-o-x-o-"),),
        }, bass_line="follow_kick", swing=0.67, swing_unit=8),
    ),
    "hiphop": (
        Groove("half-time", drums={
            "kick": ((0.0, "x--x------x-----"), (0.6, "x--x------x--x--")),
            "snare": ((0.0, "--------x-------"),),
            "hat": ((0.0, "x-o-x-o-x-o-x-o-"),),
        }, comping="rhodes", swing=0.67, swing_unit=8),
        Groove("shuffle bounce", drums={
            "kick": ((0.0, "x-----x-x-------"), (0.6, "x-----x-x-----o-")),
            "snare": ((0.0, "----x-------x---"),),
            "hat": ((0.0, "x-o-x-o-x-o-x-o-"),),
        }, comping="broken", swing=0.67, swing_unit=8),
    ),
    "piano": (
        Groove("hymn", comping="block", melody_land=8),
        Groove("flowing", comping="pianist", bass_line="sustain", melody_density=0.6,
               melody_land=12),
    ),
    "rock": (
        # half-time: the hats on the beats (not eighths), a pushed kick, the backbeat on
        # three, the guitars letting chords ring: the standard groove's chugging eighths
        # (hats, guitars, bass) made "another version" sound the same (onset correlation 0.8)
        Groove("half-time shuffle", drums={
            "kick": ((0.0, "x------x--x-----"), (0.7, "x------x--x---o-")),
            "snare": ((0.0, "--------x-------"),),
            "hat": ((0.0, "x---x---x---x---"),),
            "crash": ((2.0, "x---------------"),),
        }, comping="power_ring", bass_line="root_fifth", swing=0.67, swing_unit=8),
        # the floor tom on the beats, the hats on the off-beats, the crash on the beats when
        # it drives
        Groove("floor tom", drums={
            "kick": ((0.0, "x-------x-x-----"), (0.7, "x-x-----x-x-----")),
            "snare": ((0.0, "----x-------x---"),),
            "tom": ((0.0, "o-.-o-.-o-.-o-.-"),),
            "hat": ((0.0, "--x---x---x---x-"),),
            "crash": ((0.85, "x---x---x---x---"),),
        }, bass_line="root_fifth"),
        Groove("shuffle", drums={
            "kick": ((0.0, "x---x---x---x---"),),
            "snare": ((0.0, "----x-------x---"),),
            "hat": ((0.0, "x-o-x-o-x-o-x-o-"),),
            "crash": ((2.0, "x---------------"),),
        }, bass_line="follow_kick", swing=0.67, swing_unit=8),
    ),
    "jazz": (
        Groove("bossa nova", drums={
            "ride": ((0.0, "x-x-x-x-x-x-x-x-"),),
            "snare": ((0.0, "x--x--x---x--x--"),),
            "kick": ((0.0, "x--xx--xx--xx--x"),),
        }, comping="rhodes", bass_line="follow_kick", swing=0.5),
        # a two feel: the bass in half notes, not walking
        Groove("two feel", drums={
            "ride": ((0.0, "o---x---o---x-.-"),),
            "hat": ((0.0, "----o-------o---"),),
            "kick": ((0.0, "o-------o-------"),),
        }, bass_line="root_fifth", melody_land=12),
        # the hi-hat's foot on two and four under the ride's eighths, the ride 6 dB down in
        # the mix (orchestration): a loud, even eighth-note ride alone was heard by musicnn as
        # "techno"/"electronic" (docs/music.md)
        Groove("straight eighths", drums={
            "ride": ((0.0, "x-o-x-o-x-o-x-o-"),),
            "hat": ((0.0, "----o-------o---"),),
            "snare": ((0.0, "------o--o----o-"),),
            "kick": ((0.0, "x-----x-x-------"),),
        }, swing=0.5, melody_density=0.6),
    ),
}


def _ghost_two_and_four(drums: Patterns) -> Patterns:
    """Half-time patterns with ghost notes on two and four in the backbeat: played straight,
    a half-time groove needs them to keep the quarter-note pulse."""
    def ghost(pattern: str) -> str:
        steps = list(pattern)
        for step in (4, 12):
            if step < len(steps) and steps[step] == "-":
                steps[step] = "."
        return "".join(steps)

    return {role: tuple((level, ghost(p) if role in ("snare", "clap") else p)
                        for level, p in patterns) for role, patterns in drums.items()}


def grooves_of(style: Style) -> tuple[Groove, ...]:
    """The style's own groove first, then the table's. A shuffled half-time groove is also
    played in the style's own feel (with ghost notes on two and four), placed between the two
    shuffles: in the rotation every groove then differs from the next in its feel (straight or
    shuffled) at least."""
    extra = GROOVES.get(style.name, ())
    if len(extra) == 2 and extra[0].swing_unit == 8 and extra[1].swing_unit == 8:
        straight = replace(extra[0], name=f"{extra[0].name} (straight)", swing=None,
                           swing_unit=None, drums=_ghost_two_and_four(extra[0].drums or {}))
        return (Groove("standard"), extra[0], straight, extra[1])
    return (Groove("standard"), *extra)


def groove_index(style: Style, seed: int, previous: int | None = None) -> int:
    """The seed's groove among ``grooves_of(style)``: the one after ``previous`` when given
    (another version never keeps the feel); else a rotation by seed from a style-specific
    start, so consecutive seeds never share one either."""
    count = len(grooves_of(style))
    if previous is not None:
        return (previous + 1) % count
    return (zlib.crc32(style.name.encode()) + seed) % count


def pick_groove(style: Style, seed: int, index: int | None = None) -> Groove:
    """The groove at ``index`` (as the plan recorded it), else the seed's."""
    options = grooves_of(style)
    return options[(groove_index(style, seed) if index is None else index) % len(options)]

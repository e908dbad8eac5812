"""The styles: what makes lo-fi sound like lo-fi and rock like rock.

Each style fixes a tempo range, progressions for both modes, a drum kit and its patterns, a
swing amount, how the harmony is played (sustained pads, stabs, strums, broken chords…), how
the bass moves, the melody's instrument and density, the reverb and the master character. A
listener tells them apart by instruments and groove first, tempo and harmony second, so every
style differs from every other in at least its kit or its harmony instrument.

Drum patterns are 16 steps a bar, one character a step: ``x`` accent, ``o`` normal, ``.``
ghost, ``-`` rest. Each drum has patterns for rising energy (the first whose threshold the bar's
energy reaches, from the end, is used). Kick and snare stay on the beat in every pattern so
that the pulse is unmistakable, which is what keeps beat trackers — and editors — on the grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Part:
    """One instrument of a style: where it goes (stem), how loud, where in the stereo field
    (pan −1..1) and how much reverb (send 0..1).

    Loudness is a target level rather than a gain: synthesised voices differ wildly in raw
    level, so the renderer measures each part while it plays and sets it to ``level``. The
    balance of a style is then just these numbers, the way an engineer would write it down."""

    instrument: str
    stem: str
    level: float  # loudness of the part while it plays, dBFS RMS before the master bus
    pan: float = 0.0
    send: float = 0.1
    sidechain: bool = False  # ducked by the kick (electronic pumping)
    tone: bool = False  # goes through the style's tone filter (lo-fi low-pass)


@dataclass(frozen=True)
class Style:
    """Everything that makes a style recognisable (see the module docstring)."""

    name: str
    label: str
    tempo: tuple[float, float]
    mood: tuple[float, float]  # (valence, arousal) where the style fits best
    auto: bool  # may be picked from the picture alone (rock and jazz only when asked)
    keys_major: tuple[str, ...]
    keys_minor: tuple[str, ...]
    major: tuple[str, ...]  # progressions: chords a bar ("ii7-V7" = two chords in a bar)
    minor: tuple[str, ...]
    cadence: tuple[str, str]  # the last chord before the final one (major, minor)
    final: tuple[str, str]  # the final chord (major, minor): always on the tonic
    drums: dict[str, tuple[tuple[float, str], ...]]
    kit: dict[str, str]  # drum role -> voice in drums.DRUMS
    swing: float = 0.5  # 0.5 straight; position of the off-beat within its pair
    swing_unit: int = 16  # 16: swing sixteenths, 8: swing eighths
    comping: str = "pad"
    bass_line: str = "sustain"
    melody_density: float = 0.5  # notes a beat in a full-energy bar
    melody_land: int = 8  # the 16th step where the tune's phrases land (8: beat three)
    melody_range: tuple[int, int] = (64, 84)
    chord_range: tuple[int, int] = (52, 72)
    bars_per_chord: int = 1
    parts: dict[str, Part] = field(default_factory=dict)
    reverb_s: float = 1.6
    sidechain_db: float = 0.0
    tone_hz: float | None = None  # low-pass on "tone" parts (lo-fi's dusty top end)
    crackle: bool = False
    bed: bool = True  # a quiet sustained pad that keeps the sound continuous
    risers: bool = False
    drum_clip_db: float = 2.0  # drum-bus soft clipping (punch and density)
    # groove and structure: which writers of ``parts`` play the style (see ``parts/``)
    melody: str = "phrases"  # parts.melody.MELODIES
    fill: str | None = "snare"  # parts.drums.FILLS; None: no fills into sections
    drum_extra: str | None = None  # parts.drums.DRUM_EXTRAS, played every bar
    laid_back_snare: bool = False  # the backbeat 3 ms late (lo-fi's lazy feel)
    legato: float = 0.85  # melody notes last this share of their step length
    melody_everywhere: bool = False  # the tune is the point: it plays from the intro on
    bass_floor: int = 33  # lowest MIDI pitch of a sustained bass
    final_bass_floor: int = 33  # lowest MIDI pitch of the final bass note
    accent: str | None = None  # parts.accents.ACCENTS: how a cut is marked (None: "kit")


def _drum_part(level: float, pan: float = 0.0, send: float = 0.05) -> Part:
    return Part("drum", "drums", level, pan, send)


_STYLES: tuple[Style, ...] = (
    Style(
        name="lofi", label="lo-fi chill hop", tempo=(74.0, 90.0), mood=(0.25, -0.35), auto=True,
        keys_major=("F", "Eb", "C", "Ab", "D"), keys_minor=("D", "C", "F", "A", "E"),
        major=("IVmaj7 iii7 ii7 Imaj7", "Imaj7 vi7 ii7 V7", "ii9 V9 Imaj9 vi7"),
        minor=("i9 iv9 bVIImaj7 bIIImaj7", "i7 bVImaj7 iv7 v7", "iv7 v7 i7 i7"),
        cadence=("V9", "v7"), final=("Imaj9", "i9"),
        drums={
            "kick": ((0.0, "x-------x-o-----"), (0.55, "x------ox-o-----")),
            "snare": ((0.0, "----x-------x---"),),
            "hat": ((0.0, "x-.-x-.-x-.-x-.-"), (0.6, "x-.-x-.-x-.-x..o")),
        },
        kit={"kick": "kick_soft", "snare": "snare_lofi", "hat": "hat"},
        swing=0.58, swing_unit=16, comping="rhodes", bass_line="follow_kick",
        melody_density=0.55, melody_range=(64, 81), chord_range=(53, 72),
        parts={
            "kick": _drum_part(-15), "snare": _drum_part(-18, 0.05), "hat": _drum_part(-28, 0.3),
            "bass": Part("round_bass", "bass", -16, 0.0, 0.0),
            "chords": Part("epiano", "harmony", -17, -0.15, 0.25, tone=True),
            "bed": Part("pad", "harmony", -28, 0.15, 0.4, tone=True),
            "melody": Part("lead", "melody", -20, 0.2, 0.35, tone=True),
        },
        reverb_s=1.8, tone_hz=3800.0, crackle=True,
        drum_clip_db=2.5,
        laid_back_snare=True,
    ),
    Style(
        name="ambient", label="ambient", tempo=(60.0, 78.0), mood=(0.0, -0.85), auto=True,
        keys_major=("D", "E", "C", "G", "A"), keys_minor=("D", "E", "C#", "B", "F#"),
        major=("Isus2 IVmaj7 vi7 IVadd9", "Iadd9 vi7 IVmaj7 V"),
        minor=("i9 bVImaj7 bIIIadd9 bVIImaj7", "i9 iv9 bVImaj7 i9"),
        cadence=("IVadd9", "bVImaj7"), final=("Iadd9", "i9"),
        drums={}, kit={}, comping="pad_arp", bass_line="sustain", melody_density=0.2,
        melody_range=(67, 88), chord_range=(50, 74), bars_per_chord=2,
        parts={
            "bass": Part("sub", "bass", -20, 0.0, 0.2),
            "chords": Part("warm_pad", "harmony", -15, 0.0, 0.6),
            "chords2": Part("pluck", "harmony", -21, -0.25, 0.35),
            "bed": Part("strings", "harmony", -22, -0.3, 0.7),
            "melody": Part("bell", "melody", -18, 0.25, 0.7),
        },
        reverb_s=4.5, bed=True,
        melody="bells", legato=1.0, melody_everywhere=True,
    ),
    Style(
        name="cinematic", label="cinematic / epic", tempo=(80.0, 100.0), mood=(-0.35, 0.6),
        auto=True,
        keys_major=("D", "C", "Eb", "F", "Bb"), keys_minor=("D", "C", "E", "G", "A"),
        major=("I V vi IV", "I iii IV V", "vi IV I V"),
        minor=("i bVI bIII bVII", "i iv bVI V", "i bVI iv bVII"),
        cadence=("V", "V"), final=("I", "i"),
        drums={
            "kick": ((0.0, "x-------x-------"), (0.6, "x-------x-o-----"),
                     (0.85, "x-o-----x-o-o-o-")),
            "snare": ((0.5, "----o-------o---"),),
            "tom": ((0.75, "------o-------o-"),),
            "hat": ((0.35, "x-.-x-.-x-.-x-.-"),),
        },
        kit={"kick": "taiko", "boom": "taiko", "snare": "snare", "tom": "tom", "hat": "shaker",
             "crash": "crash"},
        comping="pulse_drive", bass_line="sustain", melody_density=0.35, melody_range=(55, 76),
        chord_range=(50, 70),
        parts={
            "kick": _drum_part(-18, 0.0, 0.3), "boom": _drum_part(-12, 0.0, 0.3),
            "snare": _drum_part(-21, 0.1, 0.35),
            "tom": _drum_part(-20, -0.2, 0.3), "hat": _drum_part(-27, 0.3, 0.2),
            "crash": _drum_part(-26, 0.0, 0.4),
            "bass": Part("strings", "bass", -18, 0.0, 0.3),
            "chords": Part("short_strings", "harmony", -16, -0.2, 0.15),
            "chords2": Part("short_strings", "harmony", -17, 0.3, 0.3),
            "bed": Part("strings", "harmony", -20, 0.2, 0.5),
            "melody": Part("horn", "melody", -18, 0.1, 0.45),
            "riser": Part("riser", "drums", -28, 0.0, 0.5),
        },
        reverb_s=3.2, risers=True,
        drum_clip_db=2.0,
        fill="toms", legato=1.0, bass_floor=36, final_bass_floor=36,
        accent="push",
    ),
    Style(
        name="corporate", label="upbeat pop / corporate", tempo=(100.0, 124.0), mood=(0.7, 0.45),
        auto=True,
        keys_major=("C", "G", "D", "F", "A", "E"), keys_minor=("A", "E", "B", "D"),
        major=("I V vi IV", "vi IV I V", "I vi IV V", "IV I V vi"),
        minor=("i bVI bIII bVII", "vi IV I V"),
        cadence=("V", "bVII"), final=("I", "i"),
        drums={
            "kick": ((0.0, "x-------x-------"), (0.55, "x-------x-o-----"),
                     (0.8, "x-----o-x-o-----")),
            "clap": ((0.3, "----x-------x---"),),
            "snare": ((0.6, "----o-------o---"),),
            "hat": ((0.0, "x-.-x-.-x-.-x-.-"),),
            "shaker": ((0.7, "-.-.-.-.-.-.-.-."),),
            "crash": ((2.0, "x---------------"),),
        },
        kit={"kick": "kick", "clap": "clap", "snare": "snare", "hat": "hat", "shaker": "shaker",
             "crash": "crash"},
        comping="piano_pop", bass_line="root_fifth", melody_density=1.0, melody_range=(67, 86),
        chord_range=(55, 74),
        parts={
            "kick": _drum_part(-14), "clap": _drum_part(-18, 0.0, 0.15),
            "snare": _drum_part(-21, 0.05), "hat": _drum_part(-25, 0.35),
            "shaker": _drum_part(-29, -0.35), "crash": _drum_part(-27, 0.0, 0.2),
            "bass": Part("round_bass", "bass", -16, 0.0, 0.0),
            "chords": Part("piano", "harmony", -18, -0.1, 0.2),
            "arp": Part("pluck", "harmony", -24, 0.3, 0.3),
            "bed": Part("pad", "harmony", -26, 0.0, 0.35),
            "melody": Part("pluck", "melody", -18, -0.2, 0.3),
        },
        reverb_s=1.5,
        drum_clip_db=3.5,
    ),
    Style(
        name="electronic", label="electronic / house", tempo=(116.0, 128.0), mood=(0.35, 0.9),
        auto=True,
        keys_major=("F", "G", "A", "C"), keys_minor=("A", "F", "G", "C", "D", "E"),
        major=("vi IV I V", "IV V iii vi", "I V vi IV"),
        minor=("i bVI bIII bVII", "i bVII bVI bVII", "i iv bVI bVII"),
        cadence=("V", "bVII"), final=("I", "i"),
        drums={
            "kick": ((0.0, "x---x---x---x---"),),
            "clap": ((0.3, "----x-------x---"),),
            "hat": ((0.0, "x-.-x-.-x-.-x-.-"), (0.75, "x.o.x.o.x.o.x.o.")),
            "ohat": ((0.45, "--o---o---o---o-"),),
            "crash": ((2.0, "x---------------"),),
        },
        kit={"kick": "kick", "clap": "clap", "hat": "hat", "ohat": "open_hat", "crash": "crash"},
        comping="stabs", bass_line="offbeat", melody_density=1.0, melody_range=(65, 84),
        chord_range=(57, 76),
        parts={
            "kick": _drum_part(-13), "clap": _drum_part(-21, 0.0, 0.2),
            "hat": _drum_part(-27, 0.3), "ohat": _drum_part(-34, -0.3, 0.1),
            "crash": _drum_part(-27, 0.0, 0.2),
            "bass": Part("synth_bass", "bass", -16, 0.0, 0.0, sidechain=True),
            "chords": Part("stab", "harmony", -20, 0.0, 0.3, sidechain=True),
            "bed": Part("pad", "harmony", -23, 0.0, 0.4, sidechain=True),
            "melody": Part("pluck", "melody", -19, 0.25, 0.35, sidechain=True),
            "riser": Part("riser", "drums", -28, 0.0, 0.4),
        },
        reverb_s=1.8, sidechain_db=6.0, risers=True,
        drum_clip_db=4.5,
    ),
    Style(
        name="acoustic", label="acoustic / folk", tempo=(88.0, 112.0), mood=(0.6, -0.05),
        auto=True,
        keys_major=("G", "D", "C", "A", "E"), keys_minor=("E", "A", "D", "B"),
        major=("I IV vi V", "I V vi IV", "IV I V vi", "I iii IV V"),
        minor=("i bVII bVI bVII", "i iv bVII bIII", "vi IV I V"),
        cadence=("V", "bVII"), final=("I", "i"),
        drums={
            "kick": ((0.0, "x-------x-------"), (0.7, "x-------x-o-----")),
            "snare": ((0.0, "----o-------o---"),),
            "shaker": ((0.0, "x.o.x.o.x.o.x.o."),),
        },
        kit={"kick": "kick_soft", "snare": "rim", "shaker": "shaker"},
        comping="strum", bass_line="root_fifth", melody_density=0.8, melody_range=(64, 84),
        chord_range=(47, 67),
        parts={
            "kick": _drum_part(-16), "snare": _drum_part(-20, 0.1, 0.15),
            "shaker": _drum_part(-27, -0.35, 0.1),
            "bass": Part("upright", "bass", -16, 0.0, 0.05),
            "chords": Part("guitar", "harmony", -16, -0.2, 0.2),
            "bed": Part("pad", "harmony", -30, 0.2, 0.3),
            "melody": Part("guitar", "melody", -18, 0.25, 0.25),
        },
        reverb_s=1.4,
        drum_clip_db=2.0,
        accent="push",
    ),
    Style(
        name="hiphop", label="hip hop", tempo=(74.0, 98.0), mood=(-0.25, 0.2), auto=True,
        keys_major=("Eb", "C", "F", "Ab"), keys_minor=("C", "F", "G", "D", "A", "Bb"),
        major=("Imaj7 iii7 vi7 IVmaj7", "vi7 IVmaj7 Imaj7 V"),
        minor=("i bVI iv v", "i iv i bVI", "i bVII bVI v"),
        cadence=("V", "v"), final=("I", "i"),
        drums={
            "kick": ((0.0, "x-------x-x-----"), (0.6, "x------xx-x-----")),
            "snare": ((0.0, "----x-------x---"),),
            "hat": ((0.0, "x-.-x-.-x-.-x-.-"), (0.7, "x-.-x-.-x-..x-.-")),
        },
        kit={"kick": "kick", "snare": "snare", "hat": "hat", "ohat": "open_hat"},
        swing=0.54, swing_unit=16, comping="hiphop_keys", bass_line="follow_kick",
        melody_density=0.5, melody_range=(67, 86), chord_range=(50, 70),
        parts={
            "kick": _drum_part(-13), "snare": _drum_part(-16, 0.0, 0.12),
            "hat": _drum_part(-27, 0.3), "ohat": _drum_part(-34, -0.3, 0.1),
            "bass": Part("808", "bass", -15, 0.0, 0.0),
            "chords": Part("piano", "harmony", -18, -0.15, 0.25),
            "bed": Part("warm_pad", "harmony", -26, 0.1, 0.4),
            "melody": Part("bell", "melody", -21, 0.25, 0.35),
        },
        reverb_s=1.6,
        drum_clip_db=4.5,
    ),
    Style(
        name="piano", label="solo piano", tempo=(60.0, 82.0), mood=(-0.35, -0.5), auto=True,
        keys_major=("C", "F", "G", "D", "Eb", "Ab"), keys_minor=("A", "D", "E", "C", "F", "B"),
        major=("I V vi iii IV I IV V", "I vi IV V", "vi IV I V", "I iii vi IV"),
        minor=("i bVI bIII bVII", "i iv bVII bIII bVI iv V i", "i bVI iv V"),
        cadence=("V", "V"), final=("I", "i"),
        drums={}, kit={}, comping="ballad", bass_line="piano", melody_density=0.7,
        melody_land=4,
        melody_range=(65, 86), chord_range=(48, 67),
        parts={
            "bass": Part("piano", "bass", -18, -0.1, 0.3),
            "chords": Part("piano", "harmony", -17, -0.05, 0.3),
            "melody": Part("piano", "melody", -15, 0.1, 0.3),
        },
        reverb_s=1.8, bed=False,
        legato=1.0, melody_everywhere=True, final_bass_floor=36,
    ),
    Style(
        name="rock", label="rock", tempo=(108.0, 132.0), mood=(0.1, 0.95), auto=False,
        keys_major=("E", "A", "D", "G"), keys_minor=("E", "A", "D", "B"),
        major=("I5 V5 vi5 IV5", "I5 bVII5 IV5 I5", "I5 IV5 V5 IV5"),
        minor=("i5 bVI5 bVII5 i5", "i5 bIII5 bVII5 IV5", "i5 bVII5 bVI5 bVII5"),
        cadence=("V5", "bVII5"), final=("I5", "i5"),
        drums={
            "kick": ((0.0, "x-------x-------"), (0.55, "x-------x-x-----"),
                     (0.8, "x-x-----x-x-----")),
            "snare": ((0.0, "----x-------x---"),),
            "hat": ((0.0, "x-.-x-.-x-.-x-.-"),),
            "crash": ((2.0, "x---------------"),),
        },
        kit={"kick": "kick", "snare": "snare", "hat": "hat", "crash": "crash", "tom": "tom"},
        comping="power", bass_line="picked_eighths", melody_density=0.6,
        melody_range=(59, 79),
        chord_range=(40, 52),
        parts={
            "kick": _drum_part(-14, 0.0, 0.05), "snare": _drum_part(-16, 0.0, 0.15),
            "hat": _drum_part(-26, 0.3), "crash": _drum_part(-26, -0.1, 0.2),
            "tom": _drum_part(-19, -0.2, 0.15),
            "bass": Part("pick_bass", "bass", -16, 0.0, 0.0),
            "chords": Part("power", "harmony", -18, -0.35, 0.12),
            "chords2": Part("power", "harmony", -18, 0.35, 0.12),
            "final": Part("power_final", "harmony", -15, 0.0, 0.2),
            "bed": Part("pad", "harmony", -30, 0.0, 0.2),
            "melody": Part("lead_guitar", "melody", -19, 0.15, 0.25),
        },
        reverb_s=1.3,
        drum_clip_db=4.0,
        accent="push",
    ),
    Style(
        name="jazz", label="jazz", tempo=(100.0, 138.0), mood=(0.45, 0.15), auto=False,
        keys_major=("F", "Bb", "Eb", "C", "G"), keys_minor=("C", "D", "G", "F"),
        major=("Imaj7 vi7 ii7 V7", "iii7 vi7 ii7 V7", "Imaj7 IV7 iii7 vi7", "ii7 V7 Imaj7 Imaj7"),
        minor=("i7 iv7 iiø V7", "i7 bVImaj7 iiø V7", "i6 iv7 i6 V7"),
        cadence=("V7", "V7"), final=("Imaj7", "i6"),
        drums={
            "ride": ((0.0, "x---x-.-x---x-.-"),),
            "hat": ((0.0, "----o-------o---"),),
            "kick": ((0.0, "o---o---o---o---"),),
        },
        kit={"ride": "ride", "hat": "hat", "kick": "kick_soft", "snare": "snare", "crash": "ride"},
        swing=0.64, swing_unit=8, comping="jazz", bass_line="walking", melody_density=1.0,
        melody_range=(64, 84), chord_range=(52, 72),
        parts={
            "ride": _drum_part(-20, 0.3, 0.12), "hat": _drum_part(-26, -0.25),
            "kick": _drum_part(-22), "snare": _drum_part(-29, 0.05, 0.12),
            "crash": _drum_part(-27, 0.25, 0.15),
            "bass": Part("upright", "bass", -15, 0.05, 0.08),
            "chords": Part("epiano", "harmony", -19, -0.25, 0.2),
            "bed": Part("pad", "harmony", -32, 0.0, 0.3),
            "melody": Part("vibes", "melody", -17, 0.2, 0.3),
        },
        reverb_s=1.5,
        drum_clip_db=1.5,
        fill=None, drum_extra="jazz_snare", final_bass_floor=36,
    ),
)

STYLE_BY_NAME: dict[str, Style] = {s.name: s for s in _STYLES}
STYLES: tuple[str, ...] = tuple(s.name for s in _STYLES)
DRUM_STYLES: tuple[str, ...] = tuple(s.name for s in _STYLES if s.drums)


def get_style(name: str) -> Style:
    """The style called ``name``; a clear error for an unknown one."""
    try:
        return STYLE_BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown style {name!r}; known: {', '.join(STYLES)}") from None


def mood_distance(style: Style, valence: float, arousal: float) -> float:
    """How far a mood is from where the style fits best (arousal counts more: tempo and groove
    are what a mismatch makes most obvious)."""
    return float(((valence - style.mood[0]) ** 2 + 1.5 * (arousal - style.mood[1]) ** 2) ** 0.5)


def ranked_styles(valence: float, arousal: float) -> list[Style]:
    """The styles that may be picked without being named, nearest mood first."""
    return sorted((s for s in _STYLES if s.auto), key=lambda s: mood_distance(s, valence, arousal))


def nearest_style(valence: float, arousal: float) -> Style:
    """The automatic style for a mood: the nearest prototype."""
    return ranked_styles(valence, arousal)[0]

"""Orchestration: which voice plays each part of each style, which drum sounds make its kit,
and how its mix is equalised.

``styles.py`` says *what* a style plays (its parts, their stems, levels, pans and sends; its
drum roles); this table says *with what*. A voice name is either one of the engine's own
synthesised instruments (``synth.INSTRUMENTS``: its piano, pads, plucks, 808…) or a sampled one
from the instrument bank (``"s:steel_guitar"``; see ``sampler``); a drum voice is either a
synthesised drum (``drums.DRUMS``) or a sampled kit piece (``"brush/snare"``). Whatever the bank
in use lacks falls back to the style's own synthesised voice, so a SoundFont without some
instrument still plays.

Choices, measured with an independent tagger and against real mixes (``docs/music.md``):
guitars for rock and acoustic, strings, brass and choir for cinematic, Rhodes, upright bass
and brushes for jazz and lo-fi, an 808 kit for hip hop; the engine's own piano (recognised
better than the SoundFont's) as the lead of hip hop and jazz and as the solo piano, and its
synths for electronic and ambient music.

The mix side of a style lives here too: its equaliser, its room (``room.Room``: the size that
shapes the reverb's early reflections) and its bus compression (``Glue``), each switched off
where it measured worse (jazz heard as "electronic", an orchestra's level arc, hip hop's cut
accents).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nemo_widgets.engine.music.room import DEFAULT_ROOM, Room

if TYPE_CHECKING:
    from nemo_widgets.engine.music.synth import Instrument


@dataclass(frozen=True)
class MixEQ:
    """The style's master equaliser (before the master bus): a high-pass that removes rumble,
    a low shelf for weight, a broad cut in the boxy low mids, a presence boost and a high shelf
    that tames fizz. Gains in dB."""

    highpass_hz: float = 28.0
    low_shelf_hz: float = 75.0
    low_db: float = 8.0
    mid_hz: float = 500.0
    mid_db: float = -4.0
    mid_q: float = 0.7
    presence_hz: float = 3200.0
    presence_db: float = 3.0
    high_shelf_hz: float = 9000.0
    high_db: float = -4.0


@dataclass(frozen=True)
class Glue:
    """A bus compressor (``effects.glue_gain``): ``ratio`` above a threshold ``depth_db``
    under the bus's loud level, with an analogue bus compressor's timing; ``makeup_db`` gives
    back part of the reduction. A ratio of 1 switches it off."""

    ratio: float = 1.0
    depth_db: float = 8.0
    attack_s: float = 0.01
    release_s: float = 0.15
    makeup_db: float = 0.0


# a slow attack lets each hit's transient through (its punch, and the accents that answer
# cuts); a ratio of 2 keeps a final hit's decay natural (a harder glue lifted the tail)
DRUM_GLUE = Glue(ratio=2.0, depth_db=6.0, attack_s=0.03, release_s=0.15, makeup_db=1.0)
MUSIC_GLUE = Glue(ratio=2.0, depth_db=6.0, attack_s=0.03, release_s=0.3, makeup_db=1.0)
NO_GLUE = Glue()


@dataclass(frozen=True)
class Orchestra:
    """One style's voices (by part role), drum kit (by drum role) and mix."""

    voices: dict[str, str] = field(default_factory=dict)
    kit: dict[str, str] = field(default_factory=dict)
    eq: MixEQ = MixEQ()
    levels: dict[str, float] = field(default_factory=dict)  # dB added to a part's level
    room: Room = DEFAULT_ROOM  # the reverb's room (its size: the early reflections' pattern)
    drum_glue: Glue = DRUM_GLUE  # bus compression of the drums
    music_glue: Glue = MUSIC_GLUE  # … and of harmony and melody together


ORCHESTRATION: dict[str, Orchestra] = {
    "lofi": Orchestra(
        voices={"chords": "s:rhodes", "bass": "s:finger_bass", "melody": "s:clean_guitar"},
        kit={"kick": "standard/kick", "snare": "standard/snare", "hat": "standard/hat"},
        eq=MixEQ(low_db=11.0, mid_db=-4.0, presence_db=2.0, high_db=-3.0),
        room=Room(4.5, 4.0, 2.7, high_loss=0.6),  # a bedroom studio
    ),
    "ambient": Orchestra(
        voices={"bed": "s:strings_slow"},
        eq=MixEQ(low_db=9.0, mid_db=-6.0, presence_db=3.0, high_db=-4.0),
        room=Room(36.0, 26.0, 16.0, high_loss=0.45),  # a cathedral-sized hall
    ),
    "cinematic": Orchestra(
        # the pulse (``parts.pulse``): cellos, whose samples carry a bowed attack (the
        # ensemble's swell for 0.3–1 s), and a pizzicato tick; musicnn's MTT model hears
        # violin and strings in seeds 0–5 (a violin tick: "classical" too, but few onsets)
        voices={"bass": "s:strings_ensemble", "chords": "s:cello", "chords2": "s:pizzicato",
                "bed": "s:strings_slow", "melody": "s:violin"},
        # a tight kick for the pulse and the concert bass drum's boom for the hits on cuts:
        # with the boom on every beat, musicnn's MSD model heard "electronic" (3rd)
        kit={"kick": "standard/kick", "boom": "orchestra/kick", "snare": "orchestra/snare",
             "tom": "power/tom_low", "crash": "orchestra/crash"},
        levels={"hat": -40.0, "riser": -6.0, "kick": -3.0, "snare": -6.0, "tom": -4.0},
        eq=MixEQ(mid_db=-4.0, presence_db=3.0, high_db=-4.0),
        room=Room(15.0, 11.0, 8.0, high_loss=0.45),  # a scoring stage
        music_glue=NO_GLUE,  # an orchestra keeps its dynamics (the level arc)
    ),
    "corporate": Orchestra(
        voices={"bass": "s:finger_bass", "arp": "s:muted_guitar", "melody": "s:marimba"},
        kit={"kick": "standard/kick", "clap": "standard/clap", "snare": "standard/snare",
             "hat": "standard/hat", "shaker": "standard/shaker", "crash": "standard/crash"},
        eq=MixEQ(low_db=10.0, mid_db=-4.0, presence_db=3.0, high_db=-4.0),
        room=Room(7.0, 6.0, 3.0),  # a studio live room
    ),
    "electronic": Orchestra(
        eq=MixEQ(mid_db=-3.0, presence_db=2.0, high_db=-4.0),
        room=Room(16.0, 12.0, 6.0, high_loss=0.55),  # a club
    ),
    "acoustic": Orchestra(
        voices={"chords": "s:steel_guitar", "melody": "s:steel_guitar",
                "bass": "s:finger_bass", "bed": "s:strings_slow"},
        levels={"bass": 3.0},  # the tonic under the last strum: a guitar's fifth rings loud
        kit={"kick": "standard/kick", "snare": "standard/rim", "shaker": "standard/shaker"},
        eq=MixEQ(low_db=9.0, mid_db=-5.0, presence_db=3.0, high_db=-3.0),
        room=Room(7.0, 5.0, 3.2, high_loss=0.4),  # a wooden room
    ),
    "hiphop": Orchestra(  # the piano's loop and lead over an 808 kick and hats
        voices={"melody": "piano"},
        kit={"kick": "808/kick", "snare": "standard/snare", "hat": "808/hat",
             "ohat": "808/open_hat"},
        levels={"kick": 2.0, "snare": 3.0, "bed": -6.0},
        eq=MixEQ(mid_db=-3.0, presence_db=6.0, high_db=-3.0),
        room=Room(5.0, 4.0, 2.8, high_loss=0.6),  # a small, dead room: a dry, close sound
        # no bus compression: it evened out the hits that answer the cuts (docs/music.md)
        drum_glue=NO_GLUE, music_glue=NO_GLUE,
    ),
    "piano": Orchestra(  # a bright, open grand: a dull one is heard as "electronic"
        eq=MixEQ(low_db=8.0, mid_db=-3.0, presence_db=7.0, high_db=3.0),
        room=Room(20.0, 14.0, 9.0, high_loss=0.4),  # a recital hall
        music_glue=NO_GLUE,  # a solo piano keeps its dynamics
    ),
    "rock": Orchestra(
        voices={"chords": "power:overdrive_guitar", "chords2": "power:overdrive_guitar",
                "final": "octave:overdrive_guitar", "melody": "s:overdrive_guitar",
                "bass": "s:picked_bass", "bed": "s:drawbar_organ"},
        kit={"kick": "power/kick", "snare": "power/snare", "hat": "power/hat",
             "crash": "power/crash", "tom": "power/tom_mid"},
        eq=MixEQ(low_db=11.0, mid_db=-3.0, presence_db=-4.0, high_db=-4.0),
        room=Room(8.0, 6.0, 3.5, high_loss=0.45),  # a live room
    ),
    "jazz": Orchestra(
        voices={"chords": "s:rhodes", "bass": "s:upright_bass", "melody": "piano"},
        kit={"ride": "jazz/ride", "hat": "brush/pedal_hat", "kick": "jazz/kick",
             "snare": "brush/snare", "crash": "jazz/crash"},
        # the ride behind the band, not over it (a loud, even ride was heard by musicnn as
        # "techno"/"electronic" on the straight-eighths groove); the high shelf cuts 1 dB, not
        # 4, so the mix keeps its air above 10 kHz without it
        levels={"bed": -12.0, "ride": -6.0},
        eq=MixEQ(low_db=11.0, mid_db=-4.0, presence_db=0.0, high_db=-1.0),
        room=Room(11.0, 8.0, 3.2, high_loss=0.5),  # a club
        # recorded live, uncompressed: bus compression made musicnn hear it as "electronic"
        drum_glue=NO_GLUE, music_glue=NO_GLUE,
    ),
}


def orchestra(style: str) -> Orchestra:
    """The style's orchestration (an empty one, all synthesised, for a style not listed)."""
    return ORCHESTRATION.get(style, Orchestra())


def playing_instrument(style: str, role: str, instrument: str) -> Instrument | None:
    """The instrument that will really play ``role`` of ``style`` (whose own instrument is
    ``instrument``): the orchestration's sampled voice when the bank in use has it, else the
    synthesised one; None for drums and risers. For composition code that needs a voice's
    attack, release or natural length (endings, accents)."""
    from nemo_widgets.engine.music.sampler import voice
    from nemo_widgets.engine.music.synth import INSTRUMENTS

    chosen = orchestra(style).voices.get(role)
    if chosen and instrument not in ("drum", "riser"):
        sampled = INSTRUMENTS.get(chosen) or voice(chosen)
        if sampled is not None:
            return sampled
    return INSTRUMENTS.get(instrument)

"""Recognising sound instructions: fades, volumes, an uploaded song as music, generated music.

The families overlap in their words ("music" appears in all of them), so each rule checks what
the others need: a fade is anything that says "fade"; an uploaded song needs a reference to an
upload ("my song", "the mp3", its file name) and a verb of use; a volume needs a level or a
direction; generation needs a verb of making or a follow-up tweak ("calmer", "100 bpm").
"""

from __future__ import annotations

import re

from nemo_widgets.engine.agent.clause import (
    LOWER,
    MUSIC,
    NO_MUSIC,
    ORIGINAL_CARRIER,
    ORIGINAL_SOUND,
    RAISE,
    REMOVE,
    TEXT_WORD,
    TITLE_WORD,
    TRACK_WORD,
    Clause,
)
from nemo_widgets.engine.agent.intents import (
    Fade,
    FadeTarget,
    GenerateMusic,
    Intent,
    SetVolume,
    UseUploadedMusic,
)
from nemo_widgets.engine.agent.music_words import bpm_in, options_in, states_options
from nemo_widgets.engine.agent.quantities import all_seconds_in, level_in

# --- fades -------------------------------------------------------------------------------------
_FADE = re.compile(r"\bfad(?:e|es|ing)\b|淡入|淡出|渐入|渐出|渐强|渐弱")
_FADE_IN = re.compile(
    r"\bfade[- ]?in\b|\bfade (?:it|them|the \w+(?: \w+)?) in\b|\bin and out\b|\bin/out\b"
    r"|淡入|渐入|渐强"
)
_FADE_OUT = re.compile(r"\bfade[- ]?out\b|\bout\b|\bat the end\b|淡出|渐出|渐弱|结尾")
DEFAULT_FADE_IN_S, DEFAULT_FADE_OUT_S = 1.0, 2.0


def fade_target(clause: Clause) -> FadeTarget:
    """What the fade is about: the words said, else ``auto`` (music if any, else the clips)."""
    if clause.has(MUSIC):
        return "bgm"
    if clause.has(TITLE_WORD) or clause.has(TEXT_WORD):
        return "text"
    if clause.has(ORIGINAL_SOUND) or clause.has(ORIGINAL_CARRIER):
        return "video"
    return "auto"


def recognize_fade(clause: Clause) -> Intent | None:
    """ "fade in the music over 2 seconds", "fade out at the end", "淡入淡出", "音乐淡出3秒".

    With both directions and two durations, the first is the fade-in; one duration serves both.
    """
    if not clause.has(_FADE):
        return None
    wants_in, wants_out = clause.has(_FADE_IN), clause.has(_FADE_OUT)
    if not (wants_in or wants_out):
        wants_in = wants_out = True
    amounts = all_seconds_in(clause.norm)
    if wants_in and wants_out and len(amounts) >= 2:
        fade_in, fade_out = amounts[0], amounts[1]
    else:
        fade_in = amounts[0] if amounts else DEFAULT_FADE_IN_S
        fade_out = amounts[0] if amounts else DEFAULT_FADE_OUT_S
    return Fade(target=fade_target(clause), fade_in_s=fade_in if wants_in else None,
                fade_out_s=fade_out if wants_out else None)


# --- an uploaded song as background music ------------------------------------------------------
_EXPLICIT_UPLOAD = re.compile(
    r"\b(?:my|our|the uploaded|uploaded|the attached|attached)\s+(?:own\s+)?(?:songs?|tracks?|"
    r"music|audio(?: file)?|tunes?|mp3|wav|m4a|aac|recording|file)\b|\b(?:mp3|wav|m4a|aac)\b"
    r"|上传的|我的(?:音乐|歌|歌曲|音频)|我传的"
)
_GENERIC_UPLOAD = re.compile(
    r"\b(?:the|this|that)\s+(?:songs?|music|audio(?: file)?|tunes?|recording)\b"
    r"|这首歌|这个音乐|这段音乐|这首音乐|这个音频"
)
_USE_VERB = re.compile(
    r"\b(?:use|add|put|play|include|apply|lay|as)\b|用|使用|作为|当作|当|做|加|添加|放|配上"
)
_PLAIN_ADD_MUSIC = re.compile(
    r"\b(?:add|put|use|include)\s+(?:some\s+)?(?:background\s+)?(?:music|bgm|a song)\b"
    r"|(?:添加|加上|加|加入|配上)背景音乐|(?:添加|加上)音乐"
)
_MUSIC_MOOD = re.compile(
    r"\b(?:upbeat|calm|chill|happy|sad|epic|cinematic|lo-?fi|piano|ambient|energetic|relaxing|"
    r"fitting|fits?|matching|match(?:es)?|mood|suitable|romantic|dramatic|jazz|jazzy|rock|"
    r"electronic|acoustic|new|generated?|compose|create|original|fun|dark|bright|emotional|"
    r"corporate|pop|hip hop|folk)\b"
    r"|欢快|轻松|舒缓|悲伤|史诗|电影|钢琴|氛围|动感|浪漫|适合|匹配|生成|原创"
)


def mentioned_audio_file(clause: Clause) -> str | None:
    """The uploaded song the user names ("use long.mp3", "use long as bgm"), if any."""
    for filename in clause.audio_filenames:
        name = filename.lower()
        stem = name.rsplit(".", 1)[0]
        if name in clause.norm:
            return filename
        if len(stem) >= 3 and re.search(rf"\b{re.escape(stem)}\b", clause.norm):
            return filename
    return None


def recognize_uploaded_music(clause: Clause) -> Intent | None:
    """ "use my song as background music", "add the mp3 as bgm", "用我上传的音乐作为背景音乐".

    A plain "add background music" means the uploaded song when there is one and no mood is
    asked for; otherwise it is a request for generated music.
    """
    named = mentioned_audio_file(clause)
    explicit = named is not None or clause.has(_EXPLICIT_UPLOAD)
    generic = clause.has(_GENERIC_UPLOAD) and bool(clause.audio_filenames)
    plain = (clause.has(_PLAIN_ADD_MUSIC) and bool(clause.audio_filenames)
             and not clause.has(_MUSIC_MOOD))
    if not ((explicit or generic) and clause.has(_USE_VERB)) and not plain:
        return None
    if clause.has(REMOVE) or clause.has(LOWER) or clause.has(RAISE):
        return None
    return UseUploadedMusic(volume=level_in(clause.norm), filename_hint=named)


# --- volumes -----------------------------------------------------------------------------------
_MUTE = re.compile(
    r"\b(?:mute|muted|silence|silent|turn off|switch off|kill|no|without)\b"
    r"|静音|关闭|关掉|消音|无声|不要原声|去掉原声|去除原声|删除原声|删掉原声|不要声音"
)
_UNMUTE = re.compile(
    r"\b(?:unmute|keep|restore|bring back|turn on|switch on|full volume)\b"
    r"|保留|恢复|打开|开启|取消静音"
)
_VOLUME_WORD = re.compile(r"\b(?:volume|level|loud|loudness|gain)\b|音量|声音大小")
_BARE_MUTE = re.compile(r"\b(?:mute|unmute)\b|静音")
LOWER_FACTOR, RAISE_FACTOR = 0.7, 1.3
""""Quieter" takes 30 % off; "louder" adds 30 %."""


def volume_change(clause: Clause, removing_mutes: bool) -> tuple[float | None, float | None]:
    """(level, scale) asked for, or (None, None) when the clause says nothing about loudness."""
    level = level_in(clause.norm)
    if level is not None:
        return level, None
    if clause.has(_UNMUTE):
        return 1.0, None
    if clause.has(_MUTE) or (removing_mutes and clause.has(REMOVE)):
        return 0.0, None
    if clause.has(LOWER):
        return None, LOWER_FACTOR
    if clause.has(RAISE):
        return None, RAISE_FACTOR
    return None, None


def recognize_volume(clause: Clause) -> Intent | None:
    """ "mute the original audio", "原声音量30%", "lower the music", "背景音乐音量50%".

    "Remove the original sound" mutes the clips; "remove the music" is left to the removals.
    """
    if clause.has(TRACK_WORD) and clause.has(REMOVE):
        return None
    if clause.has(MUSIC):
        if clause.has(NO_MUSIC):
            return None
        level, scale = volume_change(clause, removing_mutes=False)
        if level is None and scale is None:
            return None
        return SetVolume(target="bgm", volume=level, scale=scale)
    about_sound = clause.has(ORIGINAL_SOUND)
    level, scale = volume_change(clause, removing_mutes=about_sound)
    if level is None and scale is None:
        return None
    carrier_volume = clause.has(ORIGINAL_CARRIER) and (
        clause.has(_VOLUME_WORD) or clause.has(_MUTE) or clause.has(_UNMUTE))
    if about_sound or carrier_volume or clause.has(_BARE_MUTE):
        return SetVolume(target="original", volume=level, scale=scale)
    return None


# --- generated music ---------------------------------------------------------------------------
_GENERATE = re.compile(
    r"\b(?:generate|compose|create|produce|make|write|give me|get me|add|need|want|find|score|"
    r"put|i'd like)\b.*\b(?:music|songs?|soundtrack|score|tune|bgm|beats?|jingle|melody)\b"
    r"|\b(?:music|soundtrack|bgm)\s+(?:for|that|which|to match|matching)\b|\bcompose\b"
    r"|^(?:background\s+)?(?:music|bgm|soundtrack)\b"
    r"|(?:生成|创作|作曲|制作|来|加|添加|配|做|写|给我|需要|想要|要)[^,，]*?"
    r"(?:音乐|配乐|背景乐|曲子|歌|bgm)"
    r"|配乐|作曲|^背景音乐"
)
_VARIATIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("piano_only", re.compile(
        r"\b(?:piano only|only (?:the )?piano|just (?:the )?piano|solo piano|piano solo)\b"
        r"|纯钢琴|只要钢琴|只用钢琴|钢琴独奏|只有钢琴")),
    ("another", re.compile(
        r"\banother\b|\bdifferent (?:one|1|version|track|song|take)\b|\btry again\b"
        r"|\bregenerate\b|\b(?:one|1) more\b|\bnew version\b"
        r"|\bredo the (?:music|song|track|bgm|soundtrack)\b"
        r"|换一首|来一首|另一个|另一首|换一个|重新生成|再生成|换个|别的版本|来一个|再来")),
    ("more_upbeat", re.compile(
        r"\bmore (?:upbeat|energetic|energy|lively|exciting|fun|happy|uplifting|dynamic)\b"
        r"|\b(?:upbeater|faster|happier|livelier|peppier)\b"
        r"|更欢快|更活泼|更有活力|更动感|节奏快|欢快一点|活泼一点|快一点|更快|欢快些|更嗨")),
    ("calmer", re.compile(
        r"\b(?:calmer|more (?:calm|relaxed|relaxing|chill|mellow|gentle|peaceful)|chiller"
        r"|slower|gentler|mellower)\b"
        r"|更平静|更舒缓|更安静|更柔和|舒缓一点|安静一点|平静一点|慢一点|更慢|柔和一点|轻柔一点|"
        r"舒缓些")),
)
def recognize_generate_music(clause: Clause) -> Intent | None:
    """ "generate background music that matches my video", "配乐", "more upbeat", "100 bpm"."""
    bpm = bpm_in(clause.norm)
    variation = "bpm" if bpm is not None else None
    for name, pattern in _VARIATIONS:
        if variation is None and clause.has(pattern):
            variation = name
    if variation is None and not clause.has(_GENERATE):
        return None
    return GenerateMusic(prompt=clause.restored(), variation=variation, bpm=bpm,
                         options=options_in(clause.norm))


def recognize_music_options(clause: Clause) -> Intent | None:
    """ "calm for the first 10 seconds", "a drop at 0:20", "seed 7", "style lofi", "三个版本",
    "make the music 15 seconds long": options only a music request has (CONTRACTS §1).

    Runs before trims, volumes and removals, whose words overlap ("first 10 seconds", "quiet",
    "drop"); a clause about the clips' own sound ("the original audio quiet for 5 seconds")
    is left to them.
    """
    if not states_options(clause.norm):
        return None
    options = options_in(clause.norm)
    about_clips = clause.has(ORIGINAL_SOUND) or clause.has(ORIGINAL_CARRIER)
    sections_only = not (options.seed is not None or options.style or options.count != 1
                         or options.duration_s is not None)
    under_speech = any(s.get("under") == "speech" for s in options.sections)
    if sections_only and about_clips and not clause.has(MUSIC) and not under_speech:
        return None
    return GenerateMusic(prompt=clause.restored(), bpm=options.bpm, options=options)

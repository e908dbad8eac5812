"""Mood: where the music should sit in valence (sad…happy) and arousal (calm…energetic).

Two sources are read. The picture: bright, warm, saturated footage reads as positive; motion and
quick cutting read as energetic (the usual parametric mapping used by video-to-music systems).
The prompt: English and Chinese mood and genre words, a tempo ("90 bpm", "每分钟90拍"), relative
words ("slower", "更快") and "no drums". Where both speak, the prompt wins: the user said what
they want, the picture is only a guess.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from statistics import fmean
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nemo_widgets.engine.analysis import VideoFeatures


@dataclass(frozen=True)
class Word:
    """One family of prompt words and what it means musically."""

    name: str
    pattern: re.Pattern[str]
    valence: float | None = None
    arousal: float | None = None
    style: str | None = None  # an explicit genre/instrument word
    hint: str | None = None  # a genre the mood suggests when no genre is named


def _w(name: str, english: str, chinese: str = "", *, valence: float | None = None,
       arousal: float | None = None, style: str | None = None,
       hint: str | None = None) -> Word:
    parts = [rf"\b(?:{english})\b"]
    if chinese:
        parts.append(f"(?:{chinese})")  # Chinese has no spaces, so no word boundaries
    return Word(name, re.compile("|".join(parts), re.IGNORECASE), valence, arousal, style, hint)


MOOD_WORDS: tuple[Word, ...] = (
    _w("calm", r"calm(?:ing)?|relax(?:ing|ed)?|peaceful|sooth(?:ing|e)|gentle|serene|chill(?:ed)?"
       r"|quiet|tranquil|soft|mellow|slow", "平静|安静|宁静|放松|舒缓|轻柔|柔和|慢节奏|治愈",
       valence=0.25, arousal=-0.65),
    _w("upbeat", r"upbeat|energetic|energy|lively|fun|dynamic|driving|exciting|uplifting|"
       r"groovy|bouncy|fast|sport(?:s|y)?|party|vlog|travel",
       "欢快|活泼|动感|活力|激情|热情|轻快|节奏感|运动|旅行", valence=0.55, arousal=0.7),
    _w("happy", r"happy|joyful|joyous|cheerful|bright|sunny|positive|playful|feel[- ]good",
       "快乐|开心|愉快|幸福|阳光|喜庆|可爱", valence=0.8, arousal=0.35),
    _w("sad", r"sad|melancholy|melancholic|sorrow(?:ful)?|emotional|nostalgic|somber|sombre|"
       r"lonely|heartbreak(?:ing)?|bittersweet|touching|grief",
       "悲伤|伤感|忧伤|难过|忧郁|感人|怀旧|思念|孤独", valence=-0.7, arousal=-0.4),
    _w("dark", r"dark|ominous|sinister|gloomy|horror|scary|creepy|mysterious|mystery|eerie",
       "黑暗|阴暗|暗黑|恐怖|神秘|诡异", valence=-0.75, arousal=0.05, hint="cinematic"),
    _w("epic", r"epic|heroic|powerful|grand|trailer|triumphant|majestic|inspiring|inspirational"
       r"|motivational|adventure", "史诗|宏大|磅礴|大气|震撼|激励|励志|冒险",
       valence=0.15, arousal=0.8, hint="cinematic"),
    _w("romantic", r"romantic|romance|love|tender|wedding|sweet|warm|intimate|dreamy",
       "浪漫|温馨|甜蜜|爱情|婚礼|温暖|梦幻", valence=0.6, arousal=-0.3, hint="piano"),
    _w("tense", r"tense|tension|suspense(?:ful)?|thriller|anxious|urgent|action|intense|chase",
       "紧张|悬疑|刺激|惊险|动作", valence=-0.5, arousal=0.7, hint="cinematic"),
)

STYLE_WORDS: tuple[Word, ...] = (
    _w("lofi", r"lo-?fi|chill ?hop|chillhop|study beats?", "低保真|学习音乐", style="lofi"),
    _w("cinematic", r"cinematic|film|movie|orchestral|orchestra|trailer music",
       "电影|管弦|交响", style="cinematic"),
    _w("ambient", r"ambient|atmospheric|drones?|meditat\w*|spa|yoga|ethereal",
       "氛围|环境音乐|冥想|空灵", style="ambient"),
    _w("acoustic", r"acoustic|folk|guitar|ukulele|country|indie", "原声|民谣|吉他|尤克里里|乡村",
       style="acoustic"),
    _w("piano", r"piano(?:s)?|keys", "钢琴", style="piano"),
    _w("electronic", r"electronic|edm|house|techno|dance|synth\w*|club|electro|disco|future",
       "电子|舞曲|浩室|合成器|夜店", style="electronic"),
    _w("hiphop", r"hip[- ]?hop|rap|trap|boom[- ]?bap", "嘻哈|说唱|饶舌", style="hiphop"),
    _w("jazz", r"jazz\w*|swing|lounge|bossa|cafe|café", "爵士|咖啡馆", style="jazz"),
    _w("rock", r"rock|punk|metal|grunge|guitar[- ]driven", "摇滚|重金属|朋克", style="rock"),
    _w("corporate", r"corporate|business|commercial|advert\w*|ads?|pop|presentation|tech|"
       r"startup|promo\w*|product", "企业|商务|流行|广告|宣传|产品", style="corporate"),
)

_NO_DRUMS = re.compile(
    r"\b(?:no|without|zero|drop(?: the)?|remove(?: the)?|minus)\s+(?:drums?|percussion|beats?)\b"
    r"|\bdrumless\b|\bdrum-?free\b|\bpiano[- ]only\b|\bonly (?:the )?piano\b|\bsolo piano\b"
    r"|不要鼓|没有鼓|无鼓|去掉鼓|不要打击乐|不要节奏|只要钢琴|纯钢琴|钢琴独奏",
    re.IGNORECASE)
_SLOWER = re.compile(
    r"\b(?:slower|slow(?:ed)? (?:it )?down|less (?:energetic|busy|intense|upbeat)|calmer|"
    r"more (?:calm|relaxed|relaxing|chill|mellow|gentle|peaceful))\b"
    r"|更慢|慢一点|慢一些|慢点|放慢|更平静|更舒缓|更安静|柔和一点", re.IGNORECASE)
_FASTER = re.compile(
    r"\b(?:faster|speed (?:it )?up|more (?:upbeat|energetic|energy|lively|exciting|intense|"
    r"dynamic|fun|happy)|livelier|upbeater|happier|peppier)\b"
    r"|更快|快一点|快一些|快点|加快|更有活力|更欢快|更动感|更激烈|更燃", re.IGNORECASE)
_ANOTHER = re.compile(
    r"\b(?:another|different|new one|something else|try again|regenerate)\b|换一首|换一个|再来一首|"
    r"重新生成|不一样", re.IGNORECASE)
_BPM = re.compile(
    r"(\d{2,3}(?:\.\d+)?)\s*(?:bpm|beats per minute)\b|\b(?:bpm|tempo)\s*(?:of|=|:)?\s*"
    r"(\d{2,3}(?:\.\d+)?)\b|每分钟\s*(\d{2,3})\s*拍|(\d{2,3})\s*拍每分钟|速度\s*(\d{2,3})",
    re.IGNORECASE)
_MAJOR = re.compile(r"\bmajor(?: key)?\b|大调", re.IGNORECASE)
_MINOR = re.compile(r"\bminor(?: key)?\b|小调", re.IGNORECASE)
# "not sad", "不要悲伤": the word after a negation does not count as a mood
_NEGATION = re.compile(r"(?:\b(?:not|no|never|without|less)\s+(?:too\s+|very\s+|so\s+)?$)"
                       r"|(?:不要|不|别|没有|不太)$", re.IGNORECASE)

BPM_LIMITS = (40.0, 220.0)


@dataclass
class PromptMood:
    """What the prompt says, each field None when it says nothing about it."""

    valence: float | None = None
    arousal: float | None = None
    style: str | None = None
    hint: str | None = None
    bpm: float | None = None
    no_drums: bool = False
    mode: str | None = None
    relative: str | None = None  # "slower" | "faster" | "another"
    words: list[str] = field(default_factory=list)


def _hits(word: Word, text: str) -> list[int]:
    """Positions where ``word`` occurs and is not negated."""
    spots = []
    for match in word.pattern.finditer(text):
        if not _NEGATION.search(text[max(0, match.start() - 16):match.start()]):
            spots.append(match.start())
    return spots


def read_prompt(prompt: str) -> PromptMood:
    """Parse the user's words; several mood words average, the first genre word wins."""
    text = prompt.strip()
    mood = PromptMood()
    if not text:
        return mood
    bpm_match = _BPM.search(text)
    if bpm_match:
        value = float(next(g for g in bpm_match.groups() if g is not None))
        if BPM_LIMITS[0] <= value <= BPM_LIMITS[1]:
            mood.bpm = value
            mood.words.append(f"{value:g} bpm")
    scrubbed = _BPM.sub(" ", text)
    if _NO_DRUMS.search(scrubbed):
        mood.no_drums = True
        mood.words.append("no drums")
    if _SLOWER.search(scrubbed):
        mood.relative = "slower"
        mood.words.append("slower")
    elif _FASTER.search(scrubbed):
        mood.relative = "faster"
        mood.words.append("faster")
    elif _ANOTHER.search(scrubbed):
        mood.relative = "another"
    if _MINOR.search(scrubbed):
        mood.mode = "minor"
    elif _MAJOR.search(scrubbed):
        mood.mode = "major"
    # relative phrases already counted ("more upbeat" is not an absolute "upbeat" request)
    plain = _FASTER.sub(" ", _SLOWER.sub(" ", scrubbed))
    valences: list[float] = []
    arousals: list[float] = []
    for word in MOOD_WORDS:
        if _hits(word, plain):
            mood.words.append(word.name)
            if word.valence is not None:
                valences.append(word.valence)
            if word.arousal is not None:
                arousals.append(word.arousal)
            if word.hint and mood.hint is None:
                mood.hint = word.hint
    if valences:
        mood.valence = fmean(valences)
    if arousals:
        mood.arousal = fmean(arousals)
    found = [(min(spots), word) for word in STYLE_WORDS if (spots := _hits(word, plain))]
    if found:
        found.sort(key=lambda item: item[0])
        mood.style = found[0][1].style
        mood.words.append(found[0][1].name)
    return mood


@dataclass(frozen=True)
class PictureMood:
    """The picture's mood and the numbers it came from (for the reasons shown to the user)."""

    valence: float
    arousal: float
    brightness: float
    saturation: float
    warmth: float
    motion: float
    cuts_per_minute: float


def _mean(values: list[float], default: float) -> float:
    clean = [float(v) for v in values if v == v]  # drop NaN
    return fmean(clean) if clean else default


def _clip(value: float, low: float = -1.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


def read_picture(features: VideoFeatures) -> PictureMood:
    """Valence from brightness, saturation and warmth; arousal from motion and cut rate.

    The neutral points (brightness 0.45, saturation 0.35, motion 0.25, 12 cuts a minute) are
    typical of phone footage, so ordinary clips land near the middle and only clearly dark,
    grey, static or frantic material pushes the mood far.
    """
    brightness = _mean(list(features.brightness), 0.45)
    saturation = _mean(list(features.saturation), 0.35)
    warmth = _mean(list(features.warmth), 0.0)
    motion = _mean(list(features.motion), 0.25)
    minutes = max(float(features.duration), 1.0) / 60.0
    cuts = [c for c in features.cuts if 0.05 < c < features.duration - 0.05]
    rate = len(cuts) / minutes
    valence = _clip(1.6 * (brightness - 0.45) + 1.0 * (saturation - 0.35) + 0.6 * warmth)
    # the cut rate nudges (at most ±0.2): motion is what makes footage feel energetic or calm,
    # and a slow, dark clip cut fast is still a slow, dark clip
    arousal = _clip(1.8 * (motion - 0.25) + 0.2 * math.tanh((rate - 12.0) / 20.0))
    return PictureMood(valence, arousal, brightness, saturation, warmth, motion, rate)


def blend(picture: float, prompt: float | None) -> float:
    """The prompt wins: it sets the value, the picture only nudges it a little."""
    if prompt is None:
        return picture
    return _clip(0.85 * prompt + 0.15 * picture)


def describe(valence: float, arousal: float) -> str:
    """A word or two for a mood, for the reasons."""
    if arousal > 0.35:
        feel = "energetic" if valence >= 0 else "tense"
    elif arousal < -0.35:
        feel = "calm" if valence >= 0 else "melancholic"
    else:
        feel = "warm" if valence > 0.25 else "moody" if valence < -0.25 else "balanced"
    tone = "bright" if valence > 0.35 else "dark" if valence < -0.35 else ""
    return f"{tone} {feel}".strip() if tone and tone not in feel else feel

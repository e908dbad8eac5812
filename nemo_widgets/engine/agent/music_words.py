"""What a music request says besides its mood: sections, seed, tempo, style, length, how many.

These are the plain-language options of CONTRACTS §1 and §2: "calm for the first 10 seconds,
then build up", "a drop at 0:20", "end on a big hit", "quiet under the talking part", "seed 7",
"96 BPM", "style lofi", "30 seconds long", "give me three options" — and their Chinese forms.
The CLI and the magics turn their options into these words, so they work against any backend.

Everything here reads *normalised* text (``phrasing.normalize``: lower case, digits). The
sections are read over the whole message, piece by piece, because a plan is usually said in
several clauses ("…, then build up" starts where the previous section ended).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from nemo_widgets.engine.agent.phrasing import chinese_number, split_pieces

SHAPES = ("calm", "build", "drop", "hit", "quiet", "full")
"""The section shapes the music planner understands (CONTRACTS §1)."""

END = -1.0
"""``start_s`` of a section that sits at the very end ("end on a big hit")."""

MAX_COUNT = 5
"""At most this many versions per request: each is a full composition."""

_NUM = r"(?<![\d.])(\d+(?:\.\d+)?)"  # from the first digit only: linear on long runs
_UNIT = r"\s*-?\s*((?:minutes?|mins?|分钟)|(?:seconds?|secs?|s|秒钟?))(?![a-z])"
_CLOCK = r"(?<!\d)(\d{1,2}):(\d{2}(?:\.\d+)?)"
_TIME = rf"(?:{_CLOCK}|{_NUM}{_UNIT})"
"""A moment or a length: "0:20", "20 seconds", "20s", "1 minute", "20秒" (four groups)."""
_TIME_LOOSE = rf"(?:{_CLOCK}|{_NUM}(?:{_UNIT})?)"
"""The first time of a range, whose unit may come after the second ("from 10 to 20 seconds")."""


def _seconds(groups: tuple[str | None, ...]) -> float | None:
    """The seconds of one ``_TIME``/``_TIME_LOOSE`` match's four groups (clock, or number+unit)."""
    minutes, seconds, number, unit = groups
    if minutes is not None and seconds is not None:
        return int(minutes) * 60 + float(seconds)
    if number is None:
        return None
    return float(number) * (60 if unit and unit.startswith(("m", "分")) else 1)


# --- shapes ------------------------------------------------------------------------------------
_SHAPE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hit", re.compile(
        r"\b(?:big |huge |final |strong |loud |one )?(?:hit|stab|slam|boom|bang|accent|stinger)\b"
        r"|重音|重击|强音|一击|爆点|重拍收尾|鼓点收尾")),
    ("drop", re.compile(
        r"\b(?:a|the|bass|big|huge|massive|beat) drop\b|\bdrop(?= (?:at|on|around|after|in)\b)"
        r"|^drop$|(?<=[个次])\s*drop\b|高潮|爆发")),
    ("build", re.compile(
        r"\bbuild(?:s|ing)?(?:[ -]?up)?\b|\b(?:rise|rises|rising|grow|grows|growing|swell|swells"
        r"|swelling|crescendo|ramp(?:s|ing)? up|intensif(?:y|ies|ying))\b"
        r"|渐强|逐渐增强|逐渐加强|慢慢变强|越来越强|越来越激烈|推进|递进|铺垫|升温|渐进|逐渐变强")),
    ("quiet", re.compile(
        r"\b(?:quiet|quieter|soft|softer|hushed|low-?key|ducked|duck)\b"
        r"|安静|小声|轻一点|低一点|压低|轻声|小一点")),
    ("calm", re.compile(
        r"\b(?:calm|calmer|gentle|mellow|sparse|chill|relaxed|peaceful|laid-?back"
        r"|minimal)\b|平静|舒缓|柔和|轻柔|缓慢|平缓")),
    ("full", re.compile(
        r"\b(?:full(?: band| energy| power| blast| on)?|loud|energetic|intense|powerful|all in"
        r"|climax|peak)\b|饱满|激烈|热烈|全力|最强")),
)

# --- anchors -----------------------------------------------------------------------------------
_RANGE = re.compile(
    rf"(?:\bfrom|\bbetween|从)\s*(?:第)?{_TIME_LOOSE}\s*(?:to|and|until|till|-|–|~|到|至)"
    rf"\s*(?:第)?{_TIME}"
)
_FIRST = re.compile(rf"(?:\bfirst\s+|前\s*|开头\s*){_TIME}")
_LAST = re.compile(rf"(?:\b(?:last|final)\s+|最后\s*|结尾\s*|末尾\s*){_TIME}")
_UNTIL = re.compile(rf"(?:\b(?:until|till|up to|up until)\s+){_TIME}|{_TIME}\s*(?:之前|以前|为止)")
_AFTER = re.compile(
    rf"(?:\b(?:after|from|starting at|starting from|beyond)\s+(?:the\s+)?){_TIME}"
    rf"|{_TIME}\s*(?:之后|以后|开始|起)|从\s*(?:第)?{_TIME}"
)
_AT = re.compile(
    rf"(?:\b(?:at|around|near|on)\s+(?:the\s+)?){_TIME}|(?:在|第)\s*{_TIME}"
    rf"|{_TIME}\s*(?:处|时|的时候|左右|mark\b)|^{_CLOCK}"
)
_FOR = re.compile(rf"\b(?:for|lasting)\s+{_TIME}|(?:持续)\s*{_TIME}")
_AT_END = re.compile(
    r"\bend(?:s|ing)? (?:on|with)\b|\bfinish(?:es|ing)? (?:on|with)\b|\bat the (?:very )?end\b"
    r"|\bin the end\b|\bas the ending\b|结尾|收尾|最后来|最后一个|以.{0,8}结束|结束时"
)
_UNDER_SPEECH = re.compile(
    r"\bunder (?:the |all the |any )?(?:talking|talk|speech|speaking|voices?|dialogue|narration"
    r"|voice-?over|interview|commentary|presenter|speaker)\b"
    r"|\b(?:while|when|where) (?:someone|somebody|people|he|she|they|i|we|the \w+) "
    r"(?:is |are |am )?(?:talk|talks|talking|speak|speaks|speaking)\b"
    r"|\b(?:talking|speaking|spoken|dialogue|narration|voice-?over)"
    r" (?:part|parts|bits?|sections?)\b"
    r"|(?:说话|讲话|人声|对白|旁白|解说|讲解|对话)(?:的)?(?:部分|的时候|时候|时|处|段落|地方)?"
)
_WHOLE_BUILD = re.compile(
    r"\b(?:music|bgm|song|track|soundtrack)\b.*\bbuild(?:s|ing)?[ -]?up\b"
    r"|^(?:it )?(?:should |slowly |gradually )?build(?:s|ing)?[ -]?up\b"
    r"|(?:音乐|配乐).*(?:渐强|逐渐增强|逐渐加强|越来越强|越来越激烈)|^(?:逐渐|慢慢)(?:增强|加强|变强)"
)
_THEN = re.compile(r"\bthen\b|\bafter that\b|\bnext\b|然后|接着|之后|再")


# --- the other options -------------------------------------------------------------------------
BPM = re.compile(
    r"(\d{2,3})\s*(?:bpm|beats per minute)\b|每分钟\s*(\d{2,3})\s*拍|(\d{2,3})\s*拍每分钟"
    r"|\btempo\s*(?:of\s+|to\s+|at\s+|=\s*|:\s*)?(\d{2,3})\b|节奏\s*(\d{2,3})|速度\s*(\d{2,3})"
    r"|\bbpm\s*(?:of\s+|=\s*|:\s*)?(\d{2,3})\b"
)
"""A tempo in beats per minute: "96 BPM", "tempo 96", "每分钟96拍", "速度96"."""

_SEED = re.compile(
    r"\bseed\s*(?:number\s*|no\.?\s*|#\s*|=\s*|:\s*|of\s+|to\s+)?(\d{1,10})\b"
    r"|(?:随机)?种子\s*(?:号|为|是|=|:|设为|设成)?\s*(\d{1,10})"
)

STYLE_NAMES: dict[str, str] = {
    "lofi": "lofi", "lo-fi": "lofi", "lo fi": "lofi", "chillhop": "lofi", "chill hop": "lofi",
    "低保真": "lofi", "ambient": "ambient", "氛围": "ambient", "cinematic": "cinematic",
    "epic": "cinematic", "orchestral": "cinematic", "电影": "cinematic", "史诗": "cinematic",
    "corporate": "corporate", "pop": "corporate", "企业": "corporate", "流行": "corporate",
    "electronic": "electronic", "edm": "electronic", "house": "electronic", "电子": "electronic",
    "acoustic": "acoustic", "folk": "acoustic", "民谣": "acoustic", "原声": "acoustic",
    "hiphop": "hiphop", "hip hop": "hiphop", "hip-hop": "hiphop", "嘻哈": "hiphop",
    "说唱": "hiphop", "piano": "piano", "钢琴": "piano", "rock": "rock", "摇滚": "rock",
    "jazz": "jazz", "爵士": "jazz",
}
"""Ways to name the music engine's styles; other English words are passed on as said."""

_NOT_A_STYLE = frozenset({
    "a", "an", "the", "this", "that", "any", "same", "different", "other", "another", "new",
    "my", "your", "its", "music", "of", "to", "is", "in", "with", "whatever", "some", "which",
    "what", "musical", "similar", "own", "one",
})
_STYLE_EN = re.compile(
    r"\bstyle\s*(?:[:=]\s*|of\s+|to\s+|is\s+|as\s+)?"
    r"(?P<after>hip[ -]hop|chill hop|lo[ -]fi|[a-z][\w-]*)"
    r"|\b(?P<before>hip[ -]hop|chill hop|lo[ -]fi|[a-z][\w-]*)[ -]style\b"
)
_STYLE_ZH = re.compile(
    r"风格\s*(?:[:=]|为|是|用|改成|改为|换成|设为)?\s*(?P<after>[a-z][\w -]*?|[\u4e00-\u9fff]{2,3})"
    r"(?=$|[\s,.;!?，。；！？的])"
    r"|(?<![\w-])(?P<before>hip[ -]hop|lo[ -]fi|[a-z][\w-]*|[\u4e00-\u9fff]{2,3})\s*(?:风格|风)"
)

_COUNT = re.compile(
    r"\b(\d+)\s+(?:different\s+|more\s+|alternative\s+)?(?:options|versions|variations"
    r"|alternatives|takes|choices|candidates|tracks|songs|variants)\b"
    r"|(?<!第)(?<!\d)([\d零〇一二两三四五六七八九十]+)\s*(?:个|种|首|版)\s*(?:不同的?)?\s*"
    r"(?:版本|选项|方案|选择|音乐|配乐|曲子|歌|候选)?(?=$|[\s,.;!?，。；！？让给供来])"
)
_FEW = re.compile(r"\b(?:a few|several|some) (?:options|versions|variations|alternatives|takes"
                  r"|choices)\b|几个版本|几个选项|几首")
_COUPLE = re.compile(r"\ba couple(?: of)? (?:options|versions|variations|alternatives|takes)\b")

# --- the music's own length --------------------------------------------------------------------
_MUSIC_NOUN = r"(?:music|bgm|song|track|soundtrack|tune|score|jingle|loop|piece)"
_DUR = rf"{_NUM}{_UNIT}"
_MUSIC_WORD = re.compile(rf"\b{_MUSIC_NOUN}s?\b|音乐|配乐|背景乐|曲子|歌")
_MUSIC_LENGTH: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    rf"{_DUR}\s*(?:long|in length)\b",
    rf"\b(?:length|duration)\s*(?:of\s+|to\s+|=\s*|:\s*|is\s+)?{_DUR}",
    rf"\b(?:make|set|change|shorten|extend|lengthen|cut|trim|turn|bring)\s+(?:the\s+|my\s+)?"
    rf"(?:\w+\s+)?{_MUSIC_NOUN}\s+(?:to\s+|down to\s+|into\s+|up to\s+)?{_DUR}",
    rf"\b{_MUSIC_NOUN}\s+(?:to be|should be|that is|that's|of|lasting|that lasts)\s+{_DUR}",
    rf"{_DUR}\s+of\s+(?:[a-z-]+\s+){{0,3}}(?:music|bgm|soundtrack)",
    rf"\b(?:a|an)\s+{_DUR}\s+(?:[a-z-]+\s+){{0,3}}{_MUSIC_NOUN}",
    rf"{_DUR}\s*(?:长|的?(?:音乐|配乐|背景音乐|曲子|歌))",
    rf"(?:音乐|配乐|背景音乐|背景乐|bgm)\s*(?:的)?(?:时长|长度)?\s*(?:改成|改为|设为|设成|变成"
    rf"|缩短到|缩短为|延长到|剪到|调到|调成|为|是|到)\s*{_DUR}",
    rf"(?:时长|长度)\s*(?:改成|改为|为|是|设为)?\s*{_DUR}",
))
_BARE_LENGTH = re.compile(rf"^(?:and\s+)?(?:{_DUR}\s*(?:long|in length)|(?:length|duration)\s*"
                          rf"(?:of\s+|=\s*|:\s*)?{_DUR}|(?:时长|长度)\s*{_DUR}|{_DUR}\s*长)$")


@dataclass(frozen=True)
class MusicOptions:
    """The options of one music request; defaults mean "as the music engine sees fit"."""

    sections: tuple[dict[str, Any], ...] = ()
    seed: int | None = None
    bpm: int | None = None
    style: str | None = None
    duration_s: float | None = None
    count: int = 1

    def merged(self, other: MusicOptions) -> MusicOptions:
        """These options with whatever ``other`` sets added (``other`` wins on conflicts)."""
        return MusicOptions(
            sections=other.sections or self.sections,
            seed=other.seed if other.seed is not None else self.seed,
            bpm=other.bpm if other.bpm is not None else self.bpm,
            style=other.style or self.style,
            duration_s=other.duration_s if other.duration_s is not None else self.duration_s,
            count=other.count if other.count != 1 else self.count)

    def as_args(self) -> dict[str, Any]:
        """The options that are set, as the ``generate_music`` functionCall shows them."""
        args: dict[str, Any] = {}
        if self.sections:
            args["sections"] = [dict(s) for s in self.sections]
        for name in ("seed", "bpm", "style", "duration_s"):
            value = getattr(self, name)
            if value is not None:
                args[name] = value
        if self.count != 1:
            args["count"] = self.count
        return args


@dataclass
class _SectionReader:
    """Collects sections piece by piece; a piece without a time continues the previous one."""

    sections: list[dict[str, Any]] = field(default_factory=list)

    def read(self, separator: str, piece: str) -> None:
        shapes = [name for name, pattern in _SHAPE_WORDS if pattern.search(piece)]
        if not shapes:
            return
        if _UNDER_SPEECH.search(piece) and ("quiet" in shapes or "calm" in shapes):
            self.sections.append({"start_s": 0.0, "end_s": None, "shape": "quiet",
                                  "under": "speech"})
            return
        shape = shapes[0]
        span = self._span(piece, separator, shape)
        if span is None:
            return
        start, end = span
        if shape == "drop" and start == END:
            shape = "hit"  # "end on a drop": the ending's big hit
        if shape in ("drop", "hit") and "build" in shapes and start > 0:
            before = self._continuing_start(0.0)
            self._add({"start_s": before, "end_s": start, "shape": "build"})
        self._add({"start_s": start, "end_s": end, "shape": shape})

    def _add(self, section: dict[str, Any]) -> None:
        """Append; an open-ended section before it now ends where this one starts."""
        previous = self.sections[-1] if self.sections else None
        start = float(section["start_s"])
        if (previous is not None and previous["end_s"] is None and "under" not in previous
                and 0 <= float(previous["start_s"]) < start):
            previous["end_s"] = start
        self.sections.append(section)

    def _continuing_start(self, default: float) -> float:
        previous = self.sections[-1] if self.sections else None
        if previous is not None and previous["end_s"] is not None:
            return float(previous["end_s"])
        return default

    def _span(self, piece: str, separator: str, shape: str) -> tuple[float, float | None] | None:
        """Where the piece puts its shape, or None when it names no time (a plain mood word)."""
        match = _RANGE.search(piece)
        if match:
            start, end = _seconds(match.groups()[:4]), _seconds(match.groups()[4:8])
            if start is not None and end is not None and end > start:
                return start, end
        match = _FIRST.search(piece)
        if match:
            return 0.0, _seconds(match.groups())
        match = _LAST.search(piece)
        if match:
            length = _seconds(match.groups())
            return (-length if length else END), None
        match = _UNTIL.search(piece)
        if match:
            groups = match.groups()
            end = _seconds(groups[:4]) or _seconds(groups[4:])
            return self._continuing_start(0.0), end
        if shape in ("hit", "drop") and _AT_END.search(piece):
            return END, None
        for pattern in (_AFTER, _AT):
            match = pattern.search(piece)
            if match:
                start = _first_time(match.groups())
                if start is not None:
                    return start, None
        match = _FOR.search(piece)
        if match:
            length = _first_time(match.groups()) or 0.0
            start = self._continuing_start(0.0)
            return start, start + length
        continues = bool(self.sections) and self.sections[-1]["end_s"] is not None
        if continues and (_THEN.search(separator) or _THEN.search(piece) or separator.strip()):
            return self._continuing_start(0.0), None
        if shape == "build" and not self.sections and _WHOLE_BUILD.search(piece):
            return 0.0, None  # "the music should build up": a build over the whole piece
        return None


def _first_time(groups: tuple[str | None, ...]) -> float | None:
    """The first time among several ``_TIME`` alternatives' groups (four groups each)."""
    for index in range(0, len(groups) - 3, 4):
        value = _seconds(groups[index:index + 4])
        if value is not None:
            return value
    if len(groups) % 4 == 2:  # a trailing bare clock (minutes, seconds)
        return _seconds((groups[-2], groups[-1], None, None))
    return None


def sections_in(text: str) -> list[dict[str, Any]]:
    """The sections a normalised message asks for, in the order said (CONTRACTS §1).

    Each is ``{"start_s": float, "end_s": float | None, "shape": str}``; a negative
    ``start_s`` counts back from the end (``-1`` with a hit or a drop: at the very end).
    "Quiet under the talking part" is ``{"start_s": 0, "end_s": None, "shape": "quiet",
    "under": "speech"}``; ``sections_under_speech`` turns it into the speech's own intervals.
    """
    reader = _SectionReader()
    for separator, piece in split_pieces(text):
        reader.read(separator, piece)
    return reader.sections


def sections_under_speech(sections: list[dict[str, Any]],
                          speech: list[tuple[float, float]]) -> list[dict[str, Any]]:
    """Replace every "quiet under the speech" entry by one quiet section per speech interval.

    For the music tool, which has the analysis's speech intervals that the agent has not; with
    no speech heard the entry is dropped (there is nothing to be quiet under).
    """
    placed: list[dict[str, Any]] = []
    for section in sections:
        if section.get("under") == "speech":
            placed += [{"start_s": round(float(a), 3), "end_s": round(float(b), 3),
                        "shape": "quiet"} for a, b in speech if b > a]
        else:
            placed.append(dict(section))
    return placed


_SHAPE_NAMES = {"calm": ("calm", "平静"), "build": ("a build", "渐强"), "drop": ("a drop", "高潮"),
                "hit": ("a hit", "重音"), "quiet": ("quiet", "安静"), "full": ("full", "饱满")}


def _when(section: dict[str, Any], zh: bool) -> str:
    start, end = float(section["start_s"]), section["end_s"]
    number = f"{start:g}" if start >= 0 else f"{-start:g}"
    if section.get("under") == "speech":
        return "有人说话时" if zh else "under the speech"
    if start == END and end is None:
        return "结尾" if zh else "at the end"
    if start < 0:
        return f"最后{number}秒" if zh else f"for the last {number}s"
    if end is not None:
        return f"{number}-{float(end):g}秒" if zh else f"{number}-{float(end):g}s"
    if section["shape"] in ("drop", "hit"):
        return f"{number}秒处" if zh else f"at {number}s"
    return f"{number}秒起" if zh else f"from {number}s"


def sections_text(sections: list[dict[str, Any]] | tuple[dict[str, Any], ...],
                  language: str) -> str:
    """The sections in words: "calm 0-10s, a build from 10s, a hit at the end"."""
    zh = language == "zh"
    parts = []
    for section in sections:
        name = _SHAPE_NAMES.get(str(section["shape"]), (str(section["shape"]),) * 2)[zh]
        when = _when(section, zh)
        parts.append(f"{when}{name}" if zh else f"{name} {when}")
    return ("，" if zh else ", ").join(parts)


def sections_from_end(sections: list[dict[str, Any]], length_s: float) -> list[dict[str, Any]]:
    """Sections counted back from the end ("the last 5 seconds calm": ``start_s`` -5) placed
    on a music of ``length_s`` seconds; the contract's end marker (``-1`` for the final hit)
    and everything when the length is unknown (0) stay as they are."""
    if length_s <= 0:
        return [dict(s) for s in sections]
    placed = []
    for section in sections:
        section = dict(section)
        start = float(section["start_s"])
        if start < 0 and not (start == END and section["shape"] == "hit"):
            section["start_s"] = round(max(length_s + start, 0.0), 3)
        placed.append(section)
    return placed


def seed_in(text: str) -> int | None:
    """ "seed 7", "seed=7", "种子7"."""
    match = _SEED.search(text)
    return int(match.group(1) or match.group(2)) if match else None


def bpm_in(text: str) -> int | None:
    """ "96 BPM", "tempo 96", "每分钟96拍" (30–300 BPM; other numbers are not tempos)."""
    for match in BPM.finditer(text):
        value = int(next(g for g in match.groups() if g is not None))
        if 30 <= value <= 300:
            return value
    return None


def style_in(text: str) -> str | None:
    """ "style lofi", "a jazz-style track", "风格：爵士", "摇滚风格" → the music engine's style id.

    Only the engine's styles (and their usual names) are returned; another word ("style
    bossa") stays in the prompt, where the music engine's mood words read it.
    """
    for pattern in (_STYLE_EN, _STYLE_ZH):
        for match in pattern.finditer(text):
            word = (match.group("after") or match.group("before") or "").strip()
            if word in STYLE_NAMES:
                return STYLE_NAMES[word]
    return None


def asks_for_a_style(text: str) -> bool:
    """ "style X" said outright (X any word): a music request even when X is not a style id."""
    match = _STYLE_EN.search(text)
    word = match.group("after") if match else None
    return bool(word and word not in _NOT_A_STYLE) or style_in(text) is not None


def count_in(text: str) -> int:
    """ "give me three options", "3 versions", "三个版本" → 3 (1 when not said; at most 5)."""
    match = _COUNT.search(text)
    value = None
    if match:
        raw = match.group(1) or match.group(2)
        value = int(raw) if raw.isdigit() else chinese_number(raw)
    elif _FEW.search(text):
        value = 3
    elif _COUPLE.search(text):
        value = 2
    if value is None or value < 2:
        return 1
    return min(value, MAX_COUNT)


def music_length_in(text: str) -> float | None:
    """The music's own length when the text ties a length to music ("make the music 15 seconds
    long", "30 seconds of music", "音乐改成15秒") or says a bare length ("30 seconds long")."""
    if not (_MUSIC_WORD.search(text) or _BARE_LENGTH.search(text.strip())):
        return None
    for pattern in _MUSIC_LENGTH:
        match = pattern.search(text)
        if match:
            return _seconds((None, None, match.group(1), match.group(2)))
    return None


def is_bare_length(text: str) -> bool:
    """ "30 seconds long" said alone: the music's length in a message that asks for music."""
    return bool(_BARE_LENGTH.search(text.strip()))


def options_in(text: str) -> MusicOptions:
    """Every option a normalised message (or clause) states."""
    lengths = [length for _, piece in split_pieces(text)
               if (length := music_length_in(piece)) is not None]
    return MusicOptions(sections=tuple(sections_in(text)), seed=seed_in(text), bpm=bpm_in(text),
                        style=style_in(text), duration_s=lengths[-1] if lengths else None,
                        count=count_in(text))


def states_options(text: str) -> bool:
    """True when a clause says something only a music request means (not just "30s long")."""
    options = options_in(text)
    about_music = bool(_MUSIC_WORD.search(text))
    return bool(options.sections or options.seed is not None or options.count != 1
                or asks_for_a_style(text)
                or (options.duration_s is not None and about_music))


__all__ = ["BPM", "END", "SHAPES", "MusicOptions", "bpm_in", "count_in", "is_bare_length",
           "music_length_in", "options_in", "sections_from_end", "sections_in", "sections_text",
           "sections_under_speech", "seed_in",
           "states_options", "style_in"]

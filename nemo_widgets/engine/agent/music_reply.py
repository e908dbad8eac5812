"""The music tool's words: one plain sentence about the track, the details, and the reasons.

"Added a 1:00 acoustic track, 102 BPM in D major; 17 of 29 cuts land on a beat." — the tempo is
rounded the way a musician says it, the article fits the word after it, and the reasons (kept
for a "Why?" fold) never contradict the headline: a tempo outside the style's usual range says
so instead of claiming it "searched around" a range it left. Chinese in, Chinese out.

The music tool calls ``music_added`` with plain values, so this module needs nothing from the
music engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nemo_widgets.engine.agent.language import Language
from nemo_widgets.engine.agent.notes import Reply

STYLE_WORDS: dict[str, tuple[str, str]] = {
    "lofi": ("lo-fi", "Lo-fi"), "ambient": ("ambient", "氛围"),
    "cinematic": ("cinematic", "电影感"),
    "corporate": ("upbeat pop", "轻快流行"), "electronic": ("electronic", "电子"),
    "acoustic": ("acoustic", "原声民谣"), "hiphop": ("hip hop", "嘻哈"),
    "piano": ("solo piano", "钢琴独奏"), "rock": ("rock", "摇滚"), "jazz": ("jazz", "爵士"),
}
"""How each style is named in a sentence (the engine's ids are not words: "hiphop")."""

_MODES = {"major": ("major", "大调"), "minor": ("minor", "小调")}


def tempo_text(bpm: float) -> str:
    """A tempo as people say it: whole beats per minute ("130 BPM", never "130.47 BPM")."""
    return f"{round(bpm)} BPM"


def length_text(seconds: float) -> str:
    """ "1:00", "2:05" — or "15-second" under a minute (as an adjective: "a 15-second track")."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole}-second"
    minutes, rest = divmod(whole, 60)
    return f"{minutes}:{rest:02d}"


def article(word: str) -> str:
    """ "a" or "an" for the word that follows, by its sound ("an energetic", "an 8-second",
    "a 1:00", "an hour", "a unique")."""
    lower = word.lower()
    digits = re.match(r"\d+", lower)
    if digits:
        number = digits.group(0)
        leading = int(number[:2]) if len(number) in (2, 5) else None
        return "an" if number.startswith("8") or leading in (11, 18) else "a"
    if lower.startswith(("hour", "honest", "honour", "honor", "heir")):
        return "an"
    if lower.startswith(("uni", "use", "usu", "uti", "eu", "one", "once", "ur")):
        return "a"
    return "an" if lower[:1] in ("a", "e", "i", "o", "u") else "a"


def fix_articles(text: str) -> str:
    """Correct "a energetic" → "an energetic" (and the reverse) in English text.

    Only a lower-case article before a lower-case word or a number is touched, so that a key
    ("A minor") or a note name ("an F") keeps its own reading.
    """
    def _fix(match: re.Match[str]) -> str:
        return article(match.group(2)) + " " + match.group(2)

    return re.sub(r"(?<![\w-])(an?) ([a-z0-9][\w:-]*)", _fix, text)


_SEARCHED = re.compile(
    r"Tempo: (?P<tempo>\d+(?:\.\d+)?) BPM, searched around (?P<low>\d+(?:\.\d+)?)[–-]"
    r"(?P<high>\d+(?:\.\d+)?) BPM(?P<rest>[^;.]*)"
)
_DECIMAL_BPM = re.compile(r"(\d+\.\d+)\s*BPM")


def tidy_reason(reason: str) -> str:
    """A planner's reason made consistent and readable: tempos rounded, no "searched around
    100–124 BPM" next to a tempo outside that range, articles that fit."""
    def _tempo(match: re.Match[str]) -> str:
        tempo = float(match.group("tempo"))
        low, high = float(match.group("low")), float(match.group("high"))
        band = f"{round(low)}–{round(high)} BPM"
        rest = match.group("rest").replace("for the grid that best fits the cuts",
                                           ", because that beat grid fits the cuts best")
        if low <= tempo <= high:
            return f"Tempo: {tempo_text(tempo)}, within the style's usual {band}{rest}"
        side = "above" if tempo > high else "below"
        return f"Tempo: {tempo_text(tempo)}, {side} the style's usual {band}{rest}"

    reason = _SEARCHED.sub(_tempo, reason)
    reason = _DECIMAL_BPM.sub(lambda m: tempo_text(float(m.group(1))), reason)
    return fix_articles(reason)


def music_added(*, style: str, tempo_bpm: float, key: str, mode: str, duration_s: float,
                cuts_aligned: int = 0, cuts_total: int = 0, volume: float | None = None,
                ducked: bool = False, reasons: Sequence[str] = (), language: Language = "en",
                version: int = 1, versions: int = 1, video_s: float | None = None,
                tempo_range: tuple[float, float] | None = None) -> Reply:
    """The reply after the music tool placed a track, from plain values.

    ``style`` is the engine's style id (``lofi``, ``acoustic``…) or any word; ``key`` the
    tonic ("D", "F#") and ``mode`` "major" or "minor"; ``duration_s`` the music's length;
    ``cuts_aligned`` of ``cuts_total`` cuts land on a beat (0 of 0: say nothing about cuts);
    ``volume`` the BGM segment's gain (0..1); ``ducked`` whether the music dips under speech;
    ``reasons`` the planner's own (English) reasons, tidied for English replies — a Chinese
    reply gives its reasons from the values instead; ``version`` of ``versions`` when several
    were made ("three options"); ``video_s`` the video's length, to say when the music was
    asked to be shorter or longer than the video; ``tempo_range`` the style's usual tempos
    (the plan's ``extras["style_tempo_range"]``), so the Chinese reasons can say whether the
    tempo is inside it.

    The headline is one sentence in ``language``; the turn runner sends ``Reply.text`` as the
    message and ``Reply.reasons`` as a separate part (the "Why?" fold).
    """
    zh = language == "zh"
    words = STYLE_WORDS.get(style, (style, style))[1 if zh else 0]
    mode_word = _MODES.get(mode, (mode, mode))[1 if zh else 0]
    tempo = tempo_text(tempo_bpm)
    cuts = cuts_total > 0
    if zh:
        headline = f"已添加一段{_zh_length(duration_s)}的{words}配乐，{tempo}，{key} {mode_word}"
        headline += f"；{cuts_total}个剪辑点中有{cuts_aligned}个落在节拍上。" if cuts else "。"
    else:
        length = length_text(duration_s)
        headline = f"Added {article(length)} {length} {words} track, {tempo} in {key} {mode_word}"
        headline += (f"; {cuts_aligned} of {cuts_total} cuts land on a beat." if cuts else ".")
    details = _details(zh, volume, ducked, version, versions, duration_s, video_s)
    if zh:
        why = _zh_reasons(words, tempo_bpm, key, mode_word, cuts_aligned, cuts_total, ducked,
                          tempo_range)
    else:
        why = tuple(tidy_reason(r) for r in reasons)
    return Reply(headline=headline, details=details, reasons=why, language=language)


def _zh_length(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole}秒"
    minutes, rest = divmod(whole, 60)
    return f"{minutes}:{rest:02d}"


def _details(zh: bool, volume: float | None, ducked: bool, version: int, versions: int,
             duration_s: float, video_s: float | None) -> tuple[str, ...]:
    lines: list[str] = []
    if volume is not None:
        percent = round(volume * 100)
        if zh:
            lines.append(f"已作为背景音乐放在时间线上（音量{percent}%）"
                         + ("，有人说话时自动压低。" if ducked else "。"))
        else:
            lines.append(f"It is on the timeline as background music at {percent}%"
                         + (", dipping under the speech." if ducked else "."))
    if video_s is not None and abs(video_s - duration_s) >= 0.5:
        if zh:
            lines.append(f"音乐在{_zh_length(duration_s)}处以完整结尾收束，视频长度不变。")
        else:
            lines.append(f"The music ends with its own ending at {round(duration_s)}s; the video "
                         "is unchanged.")
    if versions > 1:
        last, following = version + versions - 1, version + 1
        if zh:
            lines.append(f"共生成了{versions}个版本（第{version}到第{last}个），时间线上是第{version}个；"
                         f"说“用第{following}个音乐版本”即可切换。")
        else:
            lines.append(f"I made {versions} versions (music versions {version} to {last}); "
                         f"version {version} is on the timeline. Say \"use music version "
                         f"{following}\" to switch.")
    lines.append("可以说“更欢快”“更舒缓”“换一首”或“撤销”。" if zh else
                 "Say \"more upbeat\", \"calmer\", \"another version\" or \"undo\" to change it.")
    return tuple(lines)


def _zh_reasons(style: str, tempo_bpm: float, key: str, mode: str, aligned: int, total: int,
                ducked: bool, tempo_range: tuple[float, float] | None) -> tuple[str, ...]:
    tempo = tempo_text(tempo_bpm)
    if tempo_range is None:
        pace = f"速度：{tempo}，选取最贴合剪辑节奏的节拍网格。"
    else:
        low, high = round(tempo_range[0]), round(tempo_range[1])
        where = ("在该风格常用的" if low <= tempo_bpm <= high
                 else "高于该风格常用的" if tempo_bpm > high else "低于该风格常用的")
        pace = f"速度：{tempo}，{where}{low}–{high} BPM，因为这样的节拍网格最贴合剪辑点。"
        if low <= tempo_bpm <= high:
            pace = f"速度：{tempo}，{where}{low}–{high} BPM 范围内，选取最贴合剪辑点的节拍网格。"
    reasons = [f"风格：{style}，根据画面和你的描述选择。", pace, f"调性：{key} {mode}。"]
    if total:
        reasons.append(f"剪辑点：{total}个中有{aligned}个在节拍的±45毫秒内。")
    if ducked:
        reasons.append("人声：有人说话时音乐自动压低。")
    return tuple(reasons)


__all__ = ["STYLE_WORDS", "article", "fix_articles", "length_text", "music_added", "tempo_text",
           "tidy_reason"]

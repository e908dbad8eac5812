"""One instruction of a message, as the recognisers see it, and the words they share.

A clause keeps the text as typed (quoted phrases replaced by markers, so titles come back
verbatim) and a normalised copy for matching (lower case, digits). The vocabulary below is
shared by several recognisers, so that "music" or "remove" means the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from nemo_widgets.engine.agent.intents import Intent
from nemo_widgets.engine.agent.phrasing import MaskedText, normalize


@dataclass(frozen=True)
class Clause:
    """One instruction as typed (quotes replaced by markers) and normalised, with context."""

    raw: str
    norm: str
    masked: MaskedText
    audio_filenames: tuple[str, ...]
    visual_filenames: tuple[str, ...] = ()

    @classmethod
    def read(cls, raw: str, masked: MaskedText, audio_filenames: tuple[str, ...],
             visual_filenames: tuple[str, ...] = ()) -> Clause:
        """A clause from one piece of the masked message (with the session's upload names)."""
        return cls(raw, normalize(raw), masked, audio_filenames, visual_filenames)

    def has(self, pattern: re.Pattern[str]) -> bool:
        """Whether the normalised clause contains ``pattern``."""
        return bool(pattern.search(self.norm))

    def restored(self) -> str:
        """The clause with its quoted phrases put back (for music prompts and messages)."""
        return self.masked.restore(self.raw)


Recognizer = Callable[[Clause], "Intent | None"]
"""A rule for one family of instructions: the clause's intent, or None if not that family."""

MUSIC = re.compile(
    r"\b(?:music|bgm|songs?|soundtrack|background track|tune|melody)\b|音乐|配乐|背景乐|歌"
)
ORIGINAL_SOUND = re.compile(
    r"\b(?:original|sound|audio|voice|dialogue|speech|camera audio)\b"
    r"|原声|原音|声音|人声|同期声"
)
ORIGINAL_CARRIER = re.compile(r"\b(?:videos?|clips?|footage)\b|视频|片段")
TRACK_WORD = re.compile(r"\btracks?\b|轨道|音轨|轨")
REMOVE = re.compile(
    r"\b(?:remove|delete|drop|clear|erase|get rid of|take (?:out|off|away)|kill|discard)\b"
    r"|删除|删掉|去掉|移除|去除|清除|拿掉|不要|取消|撤掉|删"
)
NO_MUSIC = re.compile(r"\b(?:no|without)\s+(?:background\s+)?(?:music|bgm)\b|不要(?:背景)?音乐")
TITLE_WORD = re.compile(r"\b(?:titles?|heading|headline)\b|大标题|标题")
TEXT_WORD = re.compile(
    r"\b(?:text|texts|captions?|subtitles?|words|label|lower third)\b|字幕|文字|文本|文案"
)
LOWER = re.compile(
    r"\b(?:lower|reduce|decrease|quieter|softer|less loud|down|duck|dim)\b"
    r"|降低|调低|调小|减小|减弱|小声|小一点|轻一点|低一点|小点|轻点|降"
)
RAISE = re.compile(
    r"\b(?:raise|increase|louder|boost|up|amplify)\b"
    r"|提高|调高|调大|增大|增加|大声|大一点|响一点|高一点|大点|响点"
)

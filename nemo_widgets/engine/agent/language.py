"""The engine's one decision about which language to answer in.

Every reply the engine writes (the agent's edits, the music tool's description, errors told to
the user) goes through ``reply_language`` so that a Chinese instruction is never answered in
English by one part and in Chinese by another. Quoted words do not count: a user who types
``add a title "夏日"`` writes English, and gets English back.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["en", "zh"]

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""Han ideographs (extension A, the unified block, compatibility forms), as a class body."""

_HAN = re.compile(f"[{HAN}]")


def has_chinese(text: str) -> bool:
    """True when ``text`` contains a Han character."""
    return bool(_HAN.search(text))


def session_language(language: str | None) -> Language:
    """The session's configured language ("zh", "zh-CN", "cn" → Chinese; anything else English)."""
    return "zh" if (language or "").lower().startswith(("zh", "cn")) else "en"


def reply_language(unquoted_text: str, language: str | None = "en") -> Language:
    """Chinese when the user wrote Chinese (outside quotes), else the session's language.

    Pass the message with its quoted phrases masked (``phrasing.mask_quotes(m).text``) when the
    message may hold a title or file name in another script; a plain message works too.
    """
    if has_chinese(unquoted_text):
        return "zh"
    return session_language(language)


__all__ = ["HAN", "Language", "has_chinese", "reply_language", "session_language"]

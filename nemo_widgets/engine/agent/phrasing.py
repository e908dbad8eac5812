"""Text handling before any understanding: quotes, numbers and clause boundaries.

Users type titles with any kind of quote and mix several instructions in one message, in
English or Chinese. Quoted words are set aside first (so that "and", numbers or keywords inside a
title never steer the planner, and the title comes back verbatim), then the rest is split into
clauses and normalised (lower case, full-width forms folded, number words turned into digits).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from nemo_widgets.engine.agent.language import HAN

_CJK_CLASS = HAN

# A quoted phrase stands in the text as a private-use marker holding its index, so that it
# survives lower-casing, NFKC folding and number normalisation unchanged.
_MARK_OPEN, _MARK_CLOSE, _MARK_BASE = "\ue000", "\ue001", 0xE100
MARKER = re.compile(f"{_MARK_OPEN}(.){_MARK_CLOSE}")

# Straight quotes double as apostrophes ("what's"), so they only open after a space, a colon,
# an opening bracket, a CJK character or the start, and only close before a space,
# punctuation, a CJK character or the end.
_STRAIGHT_OPEN = rf"(?<![^\s:：(（\[,，={_CJK_CLASS}])"
_STRAIGHT_CLOSE = rf"(?=$|[\s,.;:!?，。；：！？)）\]{_CJK_CLASS}])"
# Phrases are bounded in length so that a message full of stray quotes stays linear to scan.
_PHRASE = ".{1,500}?"
_QUOTED = re.compile(
    f"“(?P<q1>{_PHRASE})”|「(?P<q2>{_PHRASE})」|『(?P<q3>{_PHRASE})』|«(?P<q4>{_PHRASE})»"
    f"|《(?P<q5>{_PHRASE})》|‘(?P<q6>{_PHRASE})’"
    rf'|{_STRAIGHT_OPEN}"(?P<q7>{_PHRASE})"{_STRAIGHT_CLOSE}'
    rf"|{_STRAIGHT_OPEN}'(?P<q8>{_PHRASE})'{_STRAIGHT_CLOSE}"
)

_CHINESE_VERBS = (
    "添加|加上|加入|加|删除|删掉|去掉|移除|静音|设置|设为|把|将|调|生成|淡|剪|裁|只保留|保留|改|换"
    "|显示|导出|用|使用|放|插入"
)
# Separators between instructions; the capture group keeps them so that a piece that means
# nothing alone ("out the music" in "fade in and out the music") can be glued back.
_SEPARATOR = re.compile(
    r"(\s*(?:[;；\n]|[。！？!?](?=\s*\S)|,|，|(?<=\S)\.(?=\s+\S)"
    r"|\band then\b|\bthen\b|\band also\b|\balso\b|\band\b|\bplus\b"
    rf"|然后|并且|接着|之后|同时|[并再和](?={_CHINESE_VERBS}))\s*)",
    re.IGNORECASE,
)

_EN_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_EN_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_EN_NUMBER = re.compile(
    r"\b(?:(?P<tens>" + "|".join(_EN_TENS) + r")(?:[\s-](?P<unit>"
    + "|".join(k for k, v in _EN_SMALL.items() if 0 < v < 10) + r"))?"
    r"|(?P<small>" + "|".join(_EN_SMALL) + r"))\b"
)
_EN_HUNDRED = re.compile(r"\b(\d) hundred(?: and)?(?: (\d{1,2}))?\b")

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_ZH_NUMERAL = "[零〇一二两三四五六七八九十百]+"
_ZH_PERCENT = re.compile(rf"百分之\s*({_ZH_NUMERAL}|\d+(?:\.\d+)?)")
_ZH_ORDINAL = re.compile(rf"第({_ZH_NUMERAL})")
_ZH_COUNTED = re.compile(rf"({_ZH_NUMERAL})(?=\s*(?:秒|条|号|轨|张|拍|分钟|倍|bpm))")

_FILLER_HEAD = re.compile(
    r"^(?:(?:please|pls|kindly|can you|could you|would you|will you|i want to|i'd like to"
    r"|i would like to|i need you to|let's|let us|now|also|and|then|ok|okay|hey|hi)\b[\s,]*"
    r"|(?:请|帮我|麻烦|麻烦你|请帮我|帮忙|我想|我要|我想要|给我|再|然后|并且|也|并)\s*)+",
    re.IGNORECASE,
)
_FILLER_TAIL = re.compile(
    r"(?:[\s,]*\b(?:please|thanks|thank you|for me)\b|[\s,]*(?:谢谢|吧|一下|哦|呢))+[\s.!。！]*$",
    re.IGNORECASE,
)
_PLEASANTRY = re.compile(
    r"^(?:thanks?|thank you|thx|ok|okay|great|cool|nice|perfect|good|awesome|"
    r"谢谢|好的|好|可以|不错|太好了|很好|行)[\s.!。！~]*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MaskedText:
    """A message with its quoted phrases replaced by markers, and the phrases themselves."""

    text: str
    quotes: tuple[str, ...]

    def restore(self, fragment: str) -> str:
        """Put the quoted phrases back, with plain quotes, for showing a fragment to the user."""
        return MARKER.sub(lambda m: f'"{self.quote_at(m.group(1))}"', fragment)

    def quote_at(self, marker_char: str) -> str:
        """The verbatim phrase a marker character stands for."""
        return self.quotes[ord(marker_char) - _MARK_BASE]


def mask_quotes(message: str) -> MaskedText:
    """Replace every quoted phrase with a marker so that nothing inside it is interpreted.

    The two private-use characters that delimit markers are replaced by U+FFFD if the user typed
    them, so that a message can never forge a marker.
    """
    message = message.replace(_MARK_OPEN, "\ufffd").replace(_MARK_CLOSE, "\ufffd")
    quotes: list[str] = []

    def _mark(match: re.Match[str]) -> str:
        phrase = next(group for group in match.groups() if group is not None)
        quotes.append(phrase)
        return f"{_MARK_OPEN}{chr(_MARK_BASE + len(quotes) - 1)}{_MARK_CLOSE}"

    return MaskedText(_QUOTED.sub(_mark, message), tuple(quotes))


def split_pieces(text: str) -> list[tuple[str, str]]:
    """The message's pieces, each with the separator that preceded it (empty for the first)."""
    parts = _SEPARATOR.split(text)
    pieces: list[tuple[str, str]] = []
    separator = ""
    for index, part in enumerate(parts):
        if index % 2:
            separator += part
            continue
        if part.strip():
            pieces.append((separator, part.strip()))
            separator = ""
    return pieces


def strip_filler(piece: str) -> str:
    """Drop the politeness around an instruction ("please", "帮我", "thanks")."""
    previous = None
    while previous != piece:
        previous = piece
        piece = _FILLER_HEAD.sub("", piece).strip()
        piece = _FILLER_TAIL.sub("", piece).strip()
    return piece


def is_pleasantry(piece: str) -> bool:
    """True for "thanks", "ok", "好的"…: a reply to the agent rather than an instruction."""
    return bool(_PLEASANTRY.match(piece.strip()))


def normalize(text: str) -> str:
    """Lower case, full-width forms folded, single spaces, and numbers as digits (5, 30%)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _ZH_PERCENT.sub(lambda m: f"{_zh_or_digits(m.group(1))}%", text)
    text = _ZH_ORDINAL.sub(lambda m: f"第{_zh_or_digits(m.group(1))}", text)
    text = _ZH_COUNTED.sub(lambda m: _zh_or_digits(m.group(1)), text)
    text = _EN_NUMBER.sub(_english_number, text)
    text = _EN_HUNDRED.sub(lambda m: str(int(m.group(1)) * 100 + int(m.group(2) or 0)), text)
    return re.sub(r"\s+", " ", text).strip()


def _english_number(match: re.Match[str]) -> str:
    if match.group("small"):
        return str(_EN_SMALL[match.group("small")])
    return str(_EN_TENS[match.group("tens")] + _EN_SMALL.get(match.group("unit") or "", 0))


def _zh_or_digits(text: str) -> str:
    """A Chinese numeral (十五, 两, 一百二十) or already-digit text, as digits."""
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return text
    value = chinese_number(text)
    return text if value is None else str(value)


def chinese_number(text: str) -> int | None:
    """The value of a simple Chinese numeral below 1000, or None if it is not one."""
    if not text or any(ch not in _ZH_DIGITS and ch not in "十百" for ch in text):
        return None
    if "百" in text:
        hundreds, _, rest = text.partition("百")
        head = chinese_number(hundreds) if hundreds else 1
        tail = chinese_number(rest.lstrip("零〇")) if rest.lstrip("零〇") else 0
        return None if head is None or tail is None else head * 100 + tail
    if "十" in text:
        tens, _, units = text.partition("十")
        head = _ZH_DIGITS.get(tens) if tens else 1
        tail = _ZH_DIGITS.get(units) if units else 0
        return None if head is None or tail is None else head * 10 + tail
    value = 0
    for ch in text:
        value = value * 10 + _ZH_DIGITS[ch]
    return value

"""Amounts inside an instruction: durations, time spans, volumes and screen positions.

Every function reads *normalised* text (see ``phrasing.normalize``: lower case, digits), so
"five seconds", "5s", "5 秒" and "五秒" all arrive here as a number followed by a unit.
"""

from __future__ import annotations

import re

from nemo_widgets.engine.agent.intents import Position, TextSpan

NUMBER = r"(?<![\d.])(\d+(?:\.\d+)?)"
"""A number, matched from its first digit only (so a long run of digits is scanned once)."""
SECOND_UNIT = r"(?:\s*(?:seconds?|secs?|s|秒钟?)(?![a-z]))"
MINUTE_UNIT = r"(?:\s*(?:minutes?|mins?|分钟)(?![a-z]))"
TIME_UNIT = rf"(?:{MINUTE_UNIT}|{SECOND_UNIT})"
DURATION = rf"{NUMBER}\s*-?\s*(?:(?P<minutes>{MINUTE_UNIT})|{SECOND_UNIT})"

_DURATION = re.compile(DURATION)
_PERCENT = re.compile(rf"{NUMBER}\s*(?:%|percent\b|per cent\b)")
_TO_LEVEL = re.compile(
    rf"(?:\bto|\bat|=|为|到|成|volume(?: of)?|音量)\s*{NUMBER}(?!\s*(?:%|[a-z]|秒|分|:|\d))"
)
_SPAN_FROM_TO = re.compile(
    rf"(?:\bfrom|\bbetween|从)?\s*(?:第)?{NUMBER}\s*{SECOND_UNIT}?\s*"
    rf"(?:to|and|until|till|through|-|–|~|到|至)\s*(?:第)?{NUMBER}\s*{SECOND_UNIT}"
)
_SPAN_FROM_TO_WORDED = re.compile(
    rf"\b(?:from|between)\s+{NUMBER}\s*{SECOND_UNIT}?\s*(?:to|and|until|till|-)\s*{NUMBER}\b"
)
_SPAN_FIRST = re.compile(rf"(?:\bfirst\s+|前\s*){NUMBER}{SECOND_UNIT}")
_SPAN_LAST = re.compile(rf"(?:\blast\s+|final\s+|最后\s*|末尾\s*){NUMBER}{SECOND_UNIT}")
_SPAN_AT = re.compile(
    rf"(?:\b(?:at|starting at|start at|starting from|from|after)\s+(?:the\s+)?"
    rf"|在?第\s*|在\s*){NUMBER}\s*(?:{SECOND_UNIT}|(?=\s|$))"
    rf"|{NUMBER}{SECOND_UNIT}\s*(?:处|时|开始|的时候|mark\b)"
)
_SPAN_FOR = re.compile(
    rf"(?:\bfor\s+|\blasting\s+|持续\s*|显示\s*|停留\s*|时长\s*){NUMBER}{SECOND_UNIT}"
    rf"|{NUMBER}{SECOND_UNIT}\s*long\b"
)
_SPAN_AT_END = re.compile(r"\bat the end\b|\bin the end\b|结尾|最后|片尾")
_POSITIONS: tuple[tuple[Position, re.Pattern[str]], ...] = (
    ("top", re.compile(r"\b(?:top|upper|above)\b|顶部|上方|顶端|上面|上部|最上")),
    ("bottom", re.compile(r"\b(?:bottom|lower|below)\b|底部|下方|底端|下面|下部|最下")),
    ("center", re.compile(r"\b(?:center|centre|middle|centered|centred)\b|中间|居中|中央|正中")),
)


def all_seconds_in(text: str) -> list[float]:
    """Every duration written in ``text``, in order, in seconds."""
    return [float(m.group(1)) * (60 if m.group("minutes") else 1) for m in _DURATION.finditer(text)]


def level_in(text: str) -> float | None:
    """A volume level as a linear gain: "30%", "百分之三十", "to 0.3" or "volume 30" → 0.3."""
    match = _PERCENT.search(text)
    if match:
        return float(match.group(1)) / 100
    match = _TO_LEVEL.search(text)
    if not match:
        return None
    value = float(match.group(1))
    return value if value <= 1 else value / 100


def text_span_in(text: str) -> TextSpan:
    """When a text should show: "from 5s to 8s", "for the first 3 seconds", "at 5 seconds"…"""
    match = _SPAN_FROM_TO.search(text) or _SPAN_FROM_TO_WORDED.search(text)
    if match:
        return TextSpan(start_s=float(match.group(1)), end_s=float(match.group(2)))
    match = _SPAN_FIRST.search(text)
    if match:
        return TextSpan(start_s=0.0, end_s=float(match.group(1)))
    match = _SPAN_LAST.search(text)
    if match:
        return TextSpan(duration_s=float(match.group(1)), at_end=True)
    duration = _SPAN_FOR.search(text)
    duration_s = float(duration.group(1) or duration.group(2)) if duration else None
    start = _SPAN_AT.search(text)
    if start:
        return TextSpan(start_s=float(start.group(1) or start.group(2)), duration_s=duration_s)
    return TextSpan(duration_s=duration_s, at_end=bool(_SPAN_AT_END.search(text)))


def position_in(text: str) -> Position | None:
    """Where on screen: top, center or bottom, from English or Chinese words."""
    for position, pattern in _POSITIONS:
        if pattern.search(text):
            return position
    return None

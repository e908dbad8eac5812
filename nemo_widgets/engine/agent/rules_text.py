"""Recognising titles and text: the words to draw, when, and where.

The words come from quotes of any kind first (they were set aside verbatim), then from the
unquoted forms people type: "add title: Summer Trip", "a title saying Summer Trip", "change the
title to Summer", "添加标题夏日旅行". Timing and placing said after unquoted words ("… for the
first 3 seconds", "…在底部") are peeled off the end and read as modifiers.
"""

from __future__ import annotations

import re

from nemo_widgets.engine.agent.clause import REMOVE, TEXT_WORD, TITLE_WORD, TRACK_WORD, Clause
from nemo_widgets.engine.agent.intents import AddText, Intent, TextKind
from nemo_widgets.engine.agent.language import has_chinese
from nemo_widgets.engine.agent.phrasing import MARKER, normalize
from nemo_widgets.engine.agent.quantities import position_in, text_span_in

_ADD_TEXT_VERB = re.compile(
    r"\b(?:add|put|insert|place|write|show|display|create|include|overlay|type|set|change|"
    r"rename|update|replace|make|use|give)\b"
    r"|添加|加上|加入|加个|加一个|加|插入|放|写|显示|打上|配上|设置|改|换|设为|做"
)
_KIND_NAMES = (
    r"(?:titles?|heading|headline|captions?|subtitles?|text|label"
    r"|大标题|标题|字幕|文字|文本|文案)"
)
_COLON_PAYLOAD = re.compile(rf"(?i)(?<![a-z]){_KIND_NAMES}\s*[:：]\s*(?P<payload>.+)$")
_WORDED_PAYLOAD = re.compile(
    r"(?i)\b(?:saying|that says|which says|that reads|which reads|reading|with the (?:text|words)"
    r"|called|named|to read)\s+(?P<payload>.+)$"
)
_RENAMED_PAYLOAD = re.compile(
    rf"(?i)\b(?:change|set|rename|update|replace)\b.*?\b{_KIND_NAMES}\s+(?:to|with|as)\s+"
    r"(?P<payload>.+)$"
)
_CHINESE_PAYLOAD = re.compile(
    r"(?:大标题|标题|字幕|文字|文本|文案)(?:为|是|改成|改为|换成|设为|设置为|写着|内容是|内容为)?"
    r"\s*(?P<payload>.+)$"
)

# Numbers as typed (before normalisation), for peeling timing off unquoted words.
_RAW_NUMBER = (
    r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]+|(?:twenty|thirty|forty|fifty|sixty)"
    r"(?:[\s-][a-z]+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
)
_RAW_UNIT = r"\s*-?\s*(?:seconds?|secs?|s|秒钟?)(?![a-z])"
_PAYLOAD_TAILS = tuple(re.compile(rf"(?i){tail}$") for tail in (
    rf"[\s,]+(?:for|during|in|over)\s+the\s+(?:first|last)\s+{_RAW_NUMBER}{_RAW_UNIT}",
    rf"[\s,]+(?:for|lasting)\s+{_RAW_NUMBER}{_RAW_UNIT}",
    rf"[\s,]+(?:from|between)\s+{_RAW_NUMBER}(?:{_RAW_UNIT})?\s*(?:to|and|until|till|-)\s*"
    rf"{_RAW_NUMBER}(?:{_RAW_UNIT})?",
    rf"[\s,]+(?:at|starting at|from)\s+{_RAW_NUMBER}{_RAW_UNIT}",
    r"[\s,]+(?:at|on|in)\s+the\s+(?:top|bottom|center|centre|middle|start|beginning|end)"
    r"(?:\s+of\s+the\s+(?:screen|frame|video|clip))?",
    r"[\s,]+(?:at|in)\s+(?:the\s+)?(?:top|bottom|center|centre|middle)",
    r"[\s,]*(?:在|于)?(?:屏幕|画面|视频)?的?"
    r"(?:顶部|底部|上方|下方|中间|居中|中央|正中|顶端|底端|上面|下面)(?:显示|位置)?",
    rf"[\s,]*(?:在|于)?(?:前|最后){_RAW_NUMBER}{_RAW_UNIT}(?:内|显示)?",
    rf"[\s,]*(?:从)?(?:第)?{_RAW_NUMBER}(?:{_RAW_UNIT})?(?:到|至|-|~)(?:第)?{_RAW_NUMBER}"
    rf"{_RAW_UNIT}(?:显示)?",
    rf"[\s,]*(?:在|于)?第?{_RAW_NUMBER}{_RAW_UNIT}(?:处|时|开始)?(?:显示)?",
    rf"[\s,]*(?:持续|显示|停留){_RAW_NUMBER}{_RAW_UNIT}",
))


def split_off_modifiers(payload: str) -> tuple[str, str]:
    """Split "Summer Trip for the first 3 seconds" into the words and the timing/placing part."""
    tails = ""
    changed = True
    while changed and payload:
        changed = False
        for tail in _PAYLOAD_TAILS:
            match = tail.search(payload)
            if match and match.start() > 0:
                tails = match.group(0) + tails
                payload = payload[:match.start()]
                changed = True
    return payload.strip(), tails


def text_payload(clause: Clause) -> tuple[str | None, str]:
    """The words to draw and the rest of the clause (where the timing and position are said)."""
    marker = MARKER.search(clause.raw)
    if marker:
        return clause.masked.quote_at(marker.group(1)), clause.raw
    patterns = [_COLON_PAYLOAD, _WORDED_PAYLOAD, _RENAMED_PAYLOAD]
    if has_chinese(clause.raw):
        patterns.append(_CHINESE_PAYLOAD)
    for pattern in patterns:
        match = pattern.search(clause.raw)
        if match:
            words, tails = split_off_modifiers(match.group("payload"))
            return (words or None), clause.raw[:match.start("payload")] + " " + tails
    return None, clause.raw


def recognize_text(clause: Clause) -> Intent | None:
    """ "add a title 'Summer Trip' at the bottom", "add text: Day 1 at 5s", "添加字幕“你好”".

    Keywords are looked for outside the words to draw, so a title such as "Remove all doubt"
    neither removes anything nor stops being a title.
    """
    if not (clause.has(TITLE_WORD) or clause.has(TEXT_WORD)):
        return None
    payload, rest = text_payload(clause)
    context = normalize(MARKER.sub(" ", rest))
    is_title = bool(TITLE_WORD.search(context))
    if not (is_title or TEXT_WORD.search(context)) or REMOVE.search(context):
        return None
    if payload is None and (not _ADD_TEXT_VERB.search(context) or TRACK_WORD.search(context)):
        return None
    kind: TextKind = "title" if is_title else "text"
    return AddText(kind=kind, text=payload, span=text_span_in(context),
                   position=position_in(context))

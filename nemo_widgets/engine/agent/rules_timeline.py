"""Recognising instructions about the timeline as a whole.

Placing uploads, trimming, removing tracks, the canvas, describing, exporting and asking for
help. Each rule needs a verb and an object together ("add my video", "remove the title",
"trim … to 10 seconds"), so that an unrelated request ("add a 3D explosion") is not mistaken
for one of them.
"""

from __future__ import annotations

import re
from typing import Literal

from nemo_widgets.engine.agent.clause import (
    MUSIC,
    NO_MUSIC,
    REMOVE,
    TEXT_WORD,
    TITLE_WORD,
    Clause,
)
from nemo_widgets.engine.agent.intents import (
    Describe,
    Export,
    Help,
    Intent,
    PlaceMedia,
    RemoveTrack,
    SetCanvas,
    Trim,
    TrimMode,
)
from nemo_widgets.engine.agent.quantities import NUMBER, SECOND_UNIT, TIME_UNIT

# --- help, export, describe ----------------------------------------------------------------------
_HELP = re.compile(
    r"^(?:help|what can you do|what can i do|what do you do|commands|"
    r"how does (?:this|it) work|how do i use (?:this|you))\b"
    r"|帮助|你能做什么|能做什么|怎么用|有什么功能|你会什么"
)
_EXPORT = re.compile(
    r"\b(?:export|render|download)\b|\bsave (?:it|the video|this) as\b"
    r"|\b(?:send|give|get) (?:me )?(?:the |my )?(?:final )?(?:video|mp4|file|result)\b"
    r"|导出|渲染|下载|输出视频|(?:发|给)我(?:视频|成品)|把视频发给我"
)
_DESCRIBE = re.compile(
    r"\b(?:show|list|display|describe|summari[sz]e|view|print|check|review|tell me about)\s+"
    r"(?:me\s+)?(?:the\s+|my\s+|all\s+|all the\s+)?(?:current\s+)?"
    r"(?:tracks?|timeline|draft|project|edit)\b|\bwhat'?s on\b|\bwhat is on\b"
    r"|\bwhat(?:'s| is) in (?:the|my) (?:timeline|project|draft)\b|\bwhat do i have\b"
    r"|\b(?:what|which) tracks\b|^(?:status|summary|tracks|timeline)$"
    r"|(?:显示|查看|看看|描述|列出|展示|总结)\s*(?:一下)?\s*(?:当前)?(?:的)?"
    r"(?:时间线|轨道|草稿|项目)"
    r"|时间线上有什么|有哪些轨道|时间线(?:状态|情况|内容)|现在有什么"
)


def recognize_help(clause: Clause) -> Intent | None:
    """ "help", "what can you do", "你能做什么"."""
    return Help() if clause.has(_HELP) else None


def recognize_export(clause: Clause) -> Intent | None:
    """ "export the video", "render it", "导出"."""
    return Export() if clause.has(_EXPORT) else None


def recognize_describe(clause: Clause) -> Intent | None:
    """ "show tracks", "what's on the timeline", "describe the timeline", "显示时间线"."""
    return Describe() if clause.has(_DESCRIBE) else None


# --- trims -------------------------------------------------------------------------------------
_CUT_VERBS = (
    r"(?:cut|trim|remove|delete|drop|skip|chop|lose|shave|take)(?:\s+(?:off|out|away))?"
    r"(?:\s+(?:it|the video|the clip))?"
)
_ZH_CUT = r"(?:剪掉|去掉|删除|删掉|裁掉|剪去|去除|砍掉|切掉|减掉|剪|删|裁)"
_LENGTH = rf"{NUMBER}{TIME_UNIT}"
_TRIM_RULES: tuple[tuple[TrimMode, re.Pattern[str]], ...] = (
    ("cut_first", re.compile(
        rf"\b{_CUT_VERBS}\s+(?:the\s+)?first\s+{_LENGTH}"
        rf"|\b{_CUT_VERBS}\s+{_LENGTH}\s+(?:from|off|at|of)\s+the\s+(?:start|beginning|front|head)"
        rf"|\bstart (?:it |the video )?(?:at|from) {_LENGTH}"
        rf"|{_ZH_CUT}(?:开头|前面|开始|片头)?的?前\s*{_LENGTH}"
        rf"|{_ZH_CUT}(?:开头|片头)的?\s*{_LENGTH}"
        rf"|从第?\s*{_LENGTH}开始")),
    ("cut_last", re.compile(
        rf"\b{_CUT_VERBS}\s+(?:the\s+)?(?:last|final)\s+{_LENGTH}"
        rf"|\b{_CUT_VERBS}\s+{_LENGTH}\s+(?:from|off|at|of)\s+the\s+(?:end|back|tail)"
        rf"|{_ZH_CUT}(?:结尾|末尾|最后|后面|片尾)?的?(?:最后|后)\s*{_LENGTH}"
        rf"|{_ZH_CUT}(?:结尾|末尾|片尾)的?\s*{_LENGTH}")),
    ("keep_first", re.compile(
        rf"\b(?:keep|use)\s+(?:only\s+)?(?:the\s+)?first\s+{_LENGTH}"
        rf"|\bfirst\s+{_LENGTH}\s+only\b"
        r"|\b(?:trim|cut|shorten|reduce|limit|crop|clip|cap|make|set|bring|get)\b"
        r"(?:\s+(?:it|this|everything|the\s+(?:video|clip|movie|project|timeline|whole thing"
        r"|edit)))?"
        rf"(?:\s+(?:down|back))?\s+(?:to|at)\s+{_LENGTH}"
        rf"|\bmake\s+(?:it|this|the\s+(?:video|clip|movie|project|edit))\s+(?:only\s+)?{_LENGTH}"
        rf"|\b{_LENGTH}\s+long\b"
        rf"|(?:只保留|保留|只要|留下|只留)\s*(?:视频)?的?前\s*{_LENGTH}"
        r"|(?:剪到|剪成|裁剪到|裁剪成|裁剪为|裁到|截到|截取|缩短到|缩短为|缩减到|改成|改为|变成|设为"
        rf"|控制在|时长为|时长改为|长度为|长度改为)\s*{_LENGTH}")),
)
_MINUTES = re.compile(r"minutes?|mins?|分钟")


def recognize_trim(clause: Clause) -> Intent | None:
    """ "trim the video to 10 seconds", "cut the first 2 seconds", "只保留前10秒"."""
    for mode, pattern in _TRIM_RULES:
        match = pattern.search(clause.norm)
        if match:
            seconds = float(next(group for group in match.groups() if group is not None))
            if _MINUTES.search(match.group(0)):
                seconds *= 60
            return Trim(mode=mode, seconds=seconds)
    return None


# --- removals ----------------------------------------------------------------------------------
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
             "seventh": 7, "eighth": 8, "last": -1}
_TRACK_NUMBER = re.compile(
    r"\btrack\s*(?:number\s*|no\.?\s*|#\s*)?(\d+)\b|\b(\d+)(?:st|nd|rd|th)?\s+track\b"
    r"|\b(first|second|third|fourth|fifth|sixth|seventh|eighth|last)\s+track\b"
    r"|第\s*(\d+)\s*(?:条|个|号)?\s*(?:轨道|轨|音轨)|(?:轨道|音轨)\s*(\d+)"
    r"|最后(?:一|1)?(?:条|个)?(?:轨道|轨)()"
)
_VIDEO_WORD = re.compile(r"\b(?:videos?|clips?|footage|video track)\b|视频")
_AUDIO_TRACK = re.compile(r"\baudio track\b|音频轨|音轨")


def recognize_remove_track_number(clause: Clause) -> Intent | None:
    """ "delete track 2", "remove the second track", "删除第2条轨道"; "the last track" is -1."""
    if not clause.has(REMOVE):
        return None
    match = _TRACK_NUMBER.search(clause.norm)
    if not match:
        return None
    found = next(group for group in match.groups() if group is not None)
    number = -1 if found == "" else _ORDINALS.get(found) or int(found)
    return RemoveTrack(number=number)


def recognize_remove_named(clause: Clause) -> Intent | None:
    """ "remove the title", "删除背景音乐", "remove the text track", "no music"."""
    if clause.has(NO_MUSIC):
        return RemoveTrack(which="bgm")
    if not clause.has(REMOVE):
        return None
    if clause.has(TITLE_WORD):
        return RemoveTrack(which="title")
    if clause.has(TEXT_WORD):
        return RemoveTrack(which="text")
    if clause.has(MUSIC):
        return RemoveTrack(which="bgm")
    if clause.has(_AUDIO_TRACK):
        return RemoveTrack(which="audio")
    if clause.has(_VIDEO_WORD):
        return RemoveTrack(which="video")
    return None


# --- canvas ------------------------------------------------------------------------------------
_VERTICAL = re.compile(
    r"\b(?:vertical|portrait|9\s*:\s*16|9\s*by\s*16|9x16|tik ?tok|reels?|shorts|stories|story|"
    r"douyin)\b|竖屏|竖版|竖向|竖的|抖音|快手|9比16"
)
_SQUARE = re.compile(r"\b(?:square|1\s*:\s*1|1x1|instagram)\b|方形|正方形|1比1")
_HORIZONTAL = re.compile(
    r"\b(?:horizontal|landscape|widescreen|wide screen|16\s*:\s*9|16x9|16 by 9|youtube)\b"
    r"|横屏|横版|横向|宽屏|16比9|b站"
)
_CROP = re.compile(
    r"\bcrop(?:ped)?\b|\bfill(?:s|ing)? (?:the )?(?:frame|screen|canvas)\b|\bto fill\b"
    r"|\bno (?:black )?bars\b|\bwithout (?:black )?bars\b|\bfull ?screen\b"
    r"|裁剪填充|填满|铺满|裁切|去黑边|不要黑边|去掉黑边|全屏"
)
_PAD = re.compile(
    r"\bletter-?box(?:ed|ing)?\b|\bpillar-?box(?:ed|ing)?\b|\bpad(?:ded|ding)?\b"
    r"|\bfit inside\b|\bshow (?:everything|the whole)\b|\bblack bars\b"
    r"|\bkeep (?:the )?whole (?:frame|picture|image)\b|留黑边|加黑边|完整显示|黑边"
)


def recognize_canvas(clause: Clause) -> Intent | None:
    """ "make it vertical", "9:16", "for TikTok", "square", "横屏", "crop to fill", "letterbox".

    Vertical is checked first so that "Instagram Reels" and "YouTube Shorts" are 9:16.
    """
    size: tuple[int, int] | None = None
    if clause.has(_VERTICAL):
        size = (1080, 1920)
    elif clause.has(_SQUARE):
        size = (1080, 1080)
    elif clause.has(_HORIZONTAL):
        size = (1920, 1080)
    fit: Literal["pad", "crop"] | None = None
    if clause.has(_CROP):
        fit = "crop"
    elif clause.has(_PAD):
        fit = "pad"
    if size is None and fit is None:
        return None
    return SetCanvas(width=size[0] if size else None, height=size[1] if size else None, fit=fit)


# --- placing uploads -----------------------------------------------------------------------------
_PLACE = re.compile(
    r"\b(?:add|put|place|insert|use|import|drop|bring|load|lay|arrange|line up|order|sequence|"
    r"include|combine|join|stitch|merge)\s+(?:in\s+)?(?:all\s+)?(?:of\s+)?"
    r"(?:(?:my|the|these|those|our|both|every|each)\s+)?(?:uploaded\s+|new\s+)?"
    r"(?:videos?|clips?|footage|media|uploads?|files?|photos?|images?|pictures?|pics?|stills?|"
    r"everything|all|them|it)\b"
    r"|\b(?:to|on|onto|in|into)\s+(?:the\s+)?timeline\b|\bin order\b"
    r"|(?:把|将)?(?:所有|全部|我的|这些|上传的)?的?(?:视频|素材|片段|照片|图片|文件)(?:都|全部)?"
    r"(?:放|加|添加|导入|拖)(?:到|进|入)?(?:时间线|时间轴|轨道)"
    r"|(?:添加|加入|导入|使用|用上|放入)(?:所有|全部|我的|上传的)?的?"
    r"(?:视频|素材|片段|照片|图片|文件)"
    r"|按(?:上传)?顺序|(?:放|加|添加)(?:到|进)(?:时间线|时间轴)"
)
_STILL = r"(?:photo|image|picture|still|pic|slide)"
_IMAGE_SECONDS = re.compile(
    rf"\b(?:each|every|per)\s+{_STILL}\s*(?:for|:|=|lasts?|of|to|at)?\s*{NUMBER}{SECOND_UNIT}"
    rf"|\b{_STILL}s\s+(?:for\s+|to\s+|at\s+)?{NUMBER}{SECOND_UNIT}"
    rf"|{NUMBER}{SECOND_UNIT}\s+(?:per|for each|each|a)\s+{_STILL}"
    rf"|每张(?:图片|照片|图)?\s*(?:显示|展示|停留|改成|改为|设为)?\s*{NUMBER}{SECOND_UNIT}"
    rf"|(?:图片|照片)每张\s*(?:显示|展示|停留|改成|改为|设为)?\s*{NUMBER}{SECOND_UNIT}"
    rf"|(?:图片|照片)各?(?:显示|展示|停留)\s*{NUMBER}{SECOND_UNIT}"
)


def recognize_image_seconds(clause: Clause) -> Intent | None:
    """ "each photo 5 seconds", "photos for 4s each", "每张图片5秒": place, with still lengths."""
    match = _IMAGE_SECONDS.search(clause.norm)
    if not match:
        return None
    seconds = float(next(g for g in match.groups() if g is not None))
    return PlaceMedia(image_seconds=seconds, add_missing=clause.has(_PLACE))


def recognize_place(clause: Clause) -> Intent | None:
    """ "add my video to the timeline", "put the clips in order", "use all uploads", "添加素材"."""
    return PlaceMedia() if clause.has(_PLACE) else None

"""Recognising instructions about one upload among several, by its file name (batch work).

"use bright_fast.mp4", "add b.mp4 after a.mp4", "replace the video with b.mp4", "remove
dark_slow.mp4", "only keep b.mp4", "clear the timeline" — and "用b.mp4", "把b.mp4放在a.mp4后面",
"把视频换成b.mp4", "删除a.mp4", "只保留b.mp4", "清空时间线". A file is named by its full name
or, when that is distinctive enough, by its stem ("bright_fast"). Quoted names count too.
"""

from __future__ import annotations

import re

from nemo_widgets.engine.agent.clause import MUSIC, REMOVE, TEXT_WORD, TITLE_WORD, Clause
from nemo_widgets.engine.agent.intents import Intent, TargetUploads, UploadAction
from nemo_widgets.engine.agent.phrasing import normalize

_CLEAR = re.compile(
    r"\b(?:clear|empty|reset|wipe)\s+(?:out\s+)?(?:the\s+|my\s+)?(?:whole\s+|entire\s+)?"
    r"(?:timeline|project|draft|everything)\b|\bstart (?:over|again from scratch|from scratch)\b"
    r"|\b(?:remove|delete) everything\b|\bclear all\b"
    r"|清空|(?:删除|清除|移除|删掉)(?:所有|全部)(?:内容|轨道|素材|东西)?$|全部(?:删除|清除|删掉)$"
    r"|从头开始|重新开始"
)
_KEEP_ONLY = re.compile(r"\b(?:only keep|keep only|just keep|keep just|nothing but)\b|^keep\b"
                        r"|只保留|只留|只要")
_REPLACE = re.compile(
    r"\breplace\b|\bswap\b|\bswitch\b.*\bto\b|\bchange\b.*\bto\b|\binstead of\b"
    r"|换成|替换|改成|换为|换掉|代替")
_EXCHANGE = re.compile(r"\b(?:swap|switch|exchange)\b(?!.*\b(?:for|with|to)\b)|\bswap (?:the )?"
                       r"(?:places|positions|order)\b|交换|调换|互换|对调")
_TO_START = re.compile(r"\b(?:first|to the (?:start|beginning|front)"
                       r"|at the (?:start|beginning|front)|to the top)\b|最前面|最前|开头|第一个")
_TO_END = re.compile(r"\b(?:last|to the end|at the end|to the back)\b|最后面|最后|末尾|结尾")
_MOVE = re.compile(r"\b(?:move|put|place|bring|make)\b|移到|放到|放在|挪到|移动到|调到")
_NEW_FIRST = re.compile(r"\binstead of\b|用.*(?:替换|代替)|代替")
_USE = re.compile(r"\b(?:use|switch to|work on|edit|go with|start with|continue with|only use"
                  r"|just use)\b|用|使用|换到|切换到|改用|只用")
_ADD = re.compile(r"\b(?:add|put|place|insert|append|include|bring|load|drop|stick)\b"
                  r"|添加|加上|加入|放|插入|导入|加到|加")
_STOP_STEMS = frozenset({
    "all", "the", "clip", "video", "photo", "image", "song", "audio", "music", "intro", "outro",
    "final", "new", "old", "last", "first", "end", "title", "text", "track", "file", "movie",
    "main", "one", "two", "this", "that", "and", "with", "after", "before",
})


def _names(filename: str) -> list[str]:
    """The ways a user may write an upload's name, normalised: full name, then the stem."""
    full = normalize(filename)
    stem = full.rsplit(".", 1)[0]
    names = [full]
    if len(stem) >= 3 and stem not in _STOP_STEMS and stem != full:
        names.append(stem)
    return names


def _boundary(name: str) -> re.Pattern[str]:
    # ASCII boundaries: Chinese text touches file names without spaces ("把a.mp4放在…").
    return re.compile(rf"(?<![A-Za-z0-9_.-]){re.escape(name)}(?![A-Za-z0-9_-])")


def mentions(text: str, filenames: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Where each upload is named in ``text``: (start, end, filename), in text order.

    A full name wins over a stem, and a longer name over a shorter one it contains.
    """
    found: list[tuple[int, int, str]] = []
    for filename in dict.fromkeys(filenames):
        for name in _names(filename):
            hits = [(m.start(), m.end(), filename) for m in _boundary(name).finditer(text)]
            if hits:
                found += hits
                break
    found.sort(key=lambda hit: (hit[0], -(hit[1] - hit[0])))
    kept: list[tuple[int, int, str]] = []
    for hit in found:
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return kept


def _anchor(text: str, hits: list[tuple[int, int, str]]) -> tuple[str, str] | None:
    """("after" or "before", the upload named as the place), for "add X after Y", "Y后面"."""
    for start, end, filename in hits:
        head, tail = text[:start], text[end:]
        english = re.search(r"\b(after|following|behind|before|ahead of)\s+(?:the\s+)?$", head)
        if english:
            return ("before" if english.group(1) in ("before", "ahead of") else "after"), filename
        chinese = re.match(r"\s*(?:的)?(后面|之后|后边|后|前面|之前|前边|前)", tail)
        if chinese:
            return ("before" if "前" in chinese.group(1) else "after"), filename
    return None


def recognize_uploads(clause: Clause) -> Intent | None:
    """Instructions that name uploads, and "clear the timeline" (see the module docstring)."""
    if clause.has(_CLEAR):
        return TargetUploads("clear")
    text = normalize(clause.restored())
    visual = mentions(text, clause.visual_filenames)
    audio = mentions(text, clause.audio_filenames)
    if clause.has(REMOVE) and (visual or audio):
        if clause.has(TITLE_WORD) or clause.has(TEXT_WORD):
            return None
        return TargetUploads("remove", files=_files(sorted(visual + audio)))
    if not visual or clause.has(TITLE_WORD) or clause.has(TEXT_WORD):
        return None
    files = _files(visual)
    anchor = _anchor(text, visual)
    if clause.has(_KEEP_ONLY):
        return TargetUploads("keep_only", files=files)
    if len(files) == 2 and clause.has(_EXCHANGE):
        return TargetUploads("exchange", files=files)
    if clause.has(_REPLACE):
        return _replacement(text, visual)
    if anchor is not None:
        placed = tuple(f for f in files if f != anchor[1]) or files
        where = {anchor[0]: anchor[1]}
        return TargetUploads("add", files=placed, after=where.get("after"),
                             before=where.get("before"))
    if clause.has(_MOVE) and (clause.has(_TO_START) or clause.has(_TO_END)):
        return TargetUploads("add", files=files, at="start" if clause.has(_TO_START) else "end")
    if clause.has(_USE) and not clause.has(MUSIC):
        return TargetUploads("replace", files=files)
    if clause.has(_ADD):
        return TargetUploads("add", files=files)
    return None


def _replacement(text: str, hits: list[tuple[int, int, str]]) -> Intent:
    """ "replace a.mp4 with b.mp4" swaps one clip; "replace the video with b.mp4" all of it."""
    action: UploadAction = "replace"
    if len(hits) >= 2:
        old, new = hits[0][2], hits[1][2]
        if _NEW_FIRST.search(text):  # "use b instead of a", "用b替换a"
            old, new = new, old
        return TargetUploads("swap", files=(old, new))
    return TargetUploads(action, files=_files(hits))


def _files(hits: list[tuple[int, int, str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(filename for _, _, filename in hits))

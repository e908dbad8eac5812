"""Recognising undo, redo and "use music version N" (CONTRACTS §3).

The agent only recognises these; the engine keeps the per-session draft history and the music
versions, so it executes them (``TurnPlan.history``). The phrases are strict — the whole clause
must be the command — so that "undo" inside a title or "redo the music" (another take) is not
taken for a step back in history.
"""

from __future__ import annotations

import re

from nemo_widgets.engine.agent.clause import Clause
from nemo_widgets.engine.agent.intents import History, Intent

_UNDO = re.compile(
    r"^(?:undo|revert|go back|step back|take (?:that|it) back|undo (?:that|it|this"
    r"|(?:the|my) last (?:change|edit|step|one)|last (?:change|edit|step)))(?: please)?[.!]*$"
    r"|^(?:撤销|撤回|撤消|回退|返回上一步|退回上一步|回到上一步)(?:上一步|最后一步|刚才的?)?"
    r"(?:操作|修改|更改|改动)?[。!]*$"
)
_REDO = re.compile(
    r"^(?:redo|re-do)(?: (?:that|it|this|the (?:last )?(?:change|edit|step|undo)))?"
    r"(?: please)?[.!]*$"
    r"|^(?:重做|恢复撤销|取消撤销|重做上一步)(?:操作)?[。!]*$"
)
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
                  "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}
_ORDINAL = r"(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))"
_CHOOSE = (r"(?:use|pick|choose|select|take|switch to|switch back to|go back to|back to|keep"
           r"|i'?ll take|i want|let's use|go with|play)")
_USE_MUSIC = re.compile(
    rf"\b{_CHOOSE}\s+(?:the\s+)?(?:music\s+|song\s+|track\s+|bgm\s+)?(?:version|v|take|option)"
    r"\s*(?:#|no\.?|number)?\s*(\d+)\b"
    rf"|\b{_CHOOSE}\s+(?:the\s+)?{_ORDINAL}\s+(?:music\s+|song\s+|bgm\s+)?"
    r"(?:version|one|1|take|option|track|song|music)\b"
    r"|^(?:music|song|bgm)\s+version\s*(\d+)$"
    r"|(?:用|使用|选|选择|换成|换回|切换到|切回|回到|要|就用)\s*(?:音乐)?\s*第\s*(\d+)\s*(?:个|首|号)?"
    r"\s*(?=(?:音乐|配乐)?\s*(?:版本|版|首|个音乐|个配乐))"
    r"|(?:用|使用|选|选择|换成|换回|切换到|切回|回到|要|就用)\s*(?:音乐|配乐)?\s*版本\s*(\d+)"
)


def recognize_history(clause: Clause) -> Intent | None:
    """ "undo", "redo", "use music version 2", "use the second version", "撤销", "重做",
    "用第2个音乐版本"."""
    text = clause.norm.strip()
    if _UNDO.search(text):
        return History(kind="undo")
    if _REDO.search(text):
        return History(kind="redo")
    match = _USE_MUSIC.search(text)
    if match:
        found = next(group for group in match.groups() if group is not None)
        number = _ORDINAL_WORDS.get(found) or int(re.sub(r"\D", "", found))
        return History(kind="use_music", version=number) if number >= 1 else None
    return None

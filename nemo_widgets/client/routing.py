"""Which messages skip the agent, and how the agent's GUI wording becomes client actions.

Routing (the seed's table): a message that only asks to export, for the credits, for the status
or to upload goes straight to that call (no SSE, no credits, no waiting on the agent); anything
else is an agent turn. A message is routed only when, once filler words are dropped, nothing
but the command is left, so "add a title and export it" still goes to the agent (which edits,
then points at Export, which the translation turns into the export workflow).

GUI translation: the agent talks as if the user sat in NemoVideo's web editor ("click Export",
"open the timeline", "preview in timeline", "点击导出"). ``translate`` rewrites that wording for
the face at hand and says which client action each phrase stands for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ROUTE_WORDS: dict[str, frozenset[str]] = {
    "export": frozenset({"export", "render", "download", "导出", "渲染", "下载", "输出"}),
    "credits": frozenset({"credits", "credit", "balance", "积分", "余额", "点数", "额度"}),
    "status": frozenset({"status", "state", "tracks", "track", "timeline", "状态", "进度",
                         "轨道", "时间线"}),
    "upload": frozenset({"upload", "上传"}),
}
_SEND_WORDS = frozenset({"send", "deliver", "发", "发给", "发送", "传给"})
"""Words that ask for the file ("send me the video"): an export when nothing else is said,
but not words that make an agent message an export request."""

COMMAND_PHRASES: dict[str, dict[str, str]] = {
    "undo": {"en": "undo", "zh": "撤销"},
    "redo": {"en": "redo", "zh": "重做"},
    "use_music": {"en": "use music version {version}", "zh": "用第{version}个音乐版本"},
}
"""The phrases the agent turns into its ``undo``, ``redo`` and ``use_music`` intents."""


def command_phrase(kind: str, language: str = "en", version: int | None = None) -> str:
    """The message for ``kind`` in the conversation's language (English otherwise)."""
    phrases = COMMAND_PHRASES[kind]
    text = phrases.get(language.split("-")[0].lower(), phrases["en"])
    return text.format(version=version)

_FILLER = frozenset({"a", "an", "the", "my", "me", "i", "it", "this", "that", "these", "those",
    "please", "now", "pls", "kindly", "can", "could", "would", "you", "will", "what", "what's",
    "whats", "is", "are", "am", "how", "much", "many", "do", "does", "did", "have", "has", "left",
    "remaining", "current", "currently", "show", "check", "get", "see", "view", "tell", "give",
    "let's", "lets", "let", "us", "our", "of", "for", "to", "in", "on", "with", "project",
    "video", "clip", "file", "files", "movie", "final", "again", "some", "any", "and", "just",
    "then", "ok", "okay"})

_CJK_FILLER = ("请", "帮我", "帮忙", "帮", "我的", "我们", "我", "的", "视频", "项目", "一下",
               "现在", "查看", "看看", "看", "显示", "查询", "查", "还有", "多少", "剩余",
               "剩下", "当前", "吧", "吗", "呢", "把", "给", "个", "文件", "一个")

# What an export request may say about the format without needing the agent: the render is
# always a 1080p H.264/AAC MP4, so "export 1080p MP4" is the plain export call.
_EXPORT_FORMAT_WORDS = frozenset({"1080p", "1080", "mp4", "hd", "full-hd", "fullhd", "h.264",
                                  "h264", "as", "an", "high", "quality", "file", "video"})

_PATH_LIKE = re.compile(r"^(?:https?://\S+|\S*[/\\]\S*|\S+\.[A-Za-z0-9]{2,5})$")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Route:
    """``kind`` is ``export``, ``credits``, ``status``, ``upload`` or ``agent``; ``targets``
    are the paths or URLs an upload names."""

    kind: str
    targets: tuple[str, ...] = ()


def _words(token: str) -> list[str]:
    word = token.strip(".,;:!?！？。，；：\"'`*()[]{}").lower()
    if not word:
        return []
    if _CJK.search(word):
        for filler in _CJK_FILLER:
            word = word.replace(filler, " ")
        return [w for w in word.split() if w]
    return [word]


def route(message: str) -> Route:
    """Where ``message`` goes (see the module's docstring)."""
    targets: list[str] = []
    words: set[str] = set()
    for token in message.split():
        bare = token.strip(",;\"'`")
        if _PATH_LIKE.match(bare) and not _CJK.fullmatch(bare):
            targets.append(bare.rstrip("."))
            continue
        words.update(w for w in _words(token) if w not in _FILLER)
    if words & ROUTE_WORDS["upload"] and words <= ROUTE_WORDS["upload"]:
        return Route("upload", tuple(targets))
    if targets or not words:
        return Route("agent")
    export_words = ROUTE_WORDS["export"] | _SEND_WORDS
    if words & export_words and words <= export_words | _EXPORT_FORMAT_WORDS:
        return Route("export")
    for kind in ("credits", "status"):
        if words <= ROUTE_WORDS[kind]:
            return Route(kind)
    return Route("agent")


def mentions_export(message: str) -> bool:
    """True when the user's own message asks for an export among other things."""
    lowered = message.lower()
    return any(re.search(rf"\b{w}\b" if w.isascii() else re.escape(w), lowered)
               for w in ROUTE_WORDS["export"])


# --- GUI translation ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Translation:
    """The agent's text reworded for this face, and the actions its GUI phrases stand for
    (``export``, ``state``, ``summary``, ``credits``, ``upload``), in order, without repeats."""

    text: str
    actions: tuple[str, ...] = field(default_factory=tuple)


DEFAULT_GUI_WORDS = {"export": "`export()`", "upload": "`upload(path)`",
                     "credits": "`credits()`", "state": "`state()`"}

_CLICK = re.compile(
    r"(?P<verb>\b(?:click|clicking|press|hit|tap|use)\s+(?:on\s+)?(?:the\s+)?)"
    r"(?P<q>\*\*|\"|“)?(?P<target>export|render|download|upload|credits|balance)"
    r"(?P=q)?(?:\s+button)?",
    re.IGNORECASE)
_CLICK_ZH = re.compile(r"(?:点击|单击|点按|按下)\s*(?P<q>\*\*|“)?(?P<target>导出|上传|积分)"
                       r"(?:\*\*|”)?(?:按钮)?")
_BUTTON = re.compile(r"\*\*(?P<target>Export|导出)\*\*|\"Export\"|“导出”")
_OPEN = re.compile(r"\b(?:open|opening)\s+(?:up\s+)?(?:the\s+|your\s+)?"
                   r"(?:timeline|editor|draft|project|track list|tracks)\b"
                   r"|打开(?:时间线|编辑器|草稿|项目|轨道)", re.IGNORECASE)
_PREVIEW = re.compile(r"\bpreview\b(?:\s+(?:it|this|that|the result|the video))?\s+"
                      r"(?:in|on)\s+(?:the\s+)?timeline\b|在时间线(?:上|中)?预览", re.IGNORECASE)

_TARGET_ACTION = {"export": "export", "render": "export", "download": "export",
                  "upload": "upload", "credits": "credits", "balance": "credits",
                  "导出": "export", "上传": "upload", "积分": "credits"}


def translate(text: str, *, words: dict[str, str] | None = None,
              summary: str | None = None) -> Translation:
    """Reword GUI phrases in ``text`` for a face whose commands are ``words`` (e.g. the CLI's
    ``{"export": "nemo-widgets export"}``); ``summary`` replaces "preview in timeline"."""
    names = {**DEFAULT_GUI_WORDS, **(words or {})}
    actions: list[str] = []

    def add(action: str) -> None:
        if action not in actions:
            actions.append(action)

    def click(match: re.Match[str]) -> str:
        action = _TARGET_ACTION[match.group("target").lower()]
        add(action)
        verb = "run" if match.group(0)[:1].islower() else "Run"
        return f"{verb} {names.get(action, action)}"

    def click_zh(match: re.Match[str]) -> str:
        action = _TARGET_ACTION[match.group("target")]
        add(action)
        return f"运行 {names.get(action, action)}"

    def button(_match: re.Match[str]) -> str:
        add("export")
        return names["export"]

    def open_state(match: re.Match[str]) -> str:
        add("state")
        return "see the timeline" if match.group(0).isascii() else "查看时间线"

    def preview(match: re.Match[str]) -> str:
        add("summary")
        where = "the timeline" if match.group(0).isascii() else "时间线"
        return f"{where} ({summary})" if summary else where

    out = _CLICK.sub(click, text)
    out = _CLICK_ZH.sub(click_zh, out)
    out = _BUTTON.sub(button, out)
    out = _PREVIEW.sub(preview, out)
    out = _OPEN.sub(open_state, out)
    return Translation(out, tuple(actions))


_NOISE = re.compile(r"i (?:have )?encountered a temporary issue", re.IGNORECASE)


def is_noise(text: str) -> bool:
    """The trailing "I encountered a temporary issue" some turns end with after real output."""
    return bool(_NOISE.search(text)) and len(text) < 300

"""Undo, redo and "use music version N": the session's draft history, executed.

The agent recognises the phrases ("undo", "redo", "use music version 2", "撤销", "重做",
"用第2个音乐版本") as intents of kind ``undo``, ``redo`` and ``use_music``; every turn that
changes the draft pushes the previous one onto the session's history (``Store.save_draft``),
and this tool steps through it or places an earlier music version on the timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nemo_widgets.engine.agent.model import ToolAction
from nemo_widgets.engine.tools.base import ToolContext, ToolFailed, ToolOutcome
from nemo_widgets.engine.tools.music import music_versions, place_music

KINDS = ("undo", "redo", "use_music")

_WORDS: dict[str, tuple[str, str]] = {
    "undo": ("Undid the last change ({left} more can be undone).",
             "已撤销上一步修改（还可以撤销 {left} 步）。"),
    "redo": ("Redid the change ({left} more can be redone).",
             "已恢复修改（还可以重做 {left} 步）。"),
    "nothing_undo": ("There is nothing to undo.", "没有可以撤销的修改。"),
    "nothing_redo": ("There is nothing to redo.", "没有可以重做的修改。"),
    "use_music": ("Music version {version} ({label}) is on the timeline now.",
                  "时间线上现在是第 {version} 个音乐版本（{label}）。"),
    "no_version": ("There is no music version {version}: this session has {count}.",
                   "没有第 {version} 个音乐版本：这个项目共有 {count} 个。"),
}


def words(key: str, language: str, **values: Any) -> str:
    english, chinese = _WORDS[key]
    return (chinese if language == "zh" else english).format(**values)


class HistoryTool:
    """args: ``kind`` (``undo``, ``redo``, ``use_music``) and, for ``use_music``, ``version``
    (1-based)."""

    name = "history"

    def run(self, context: ToolContext, args: Mapping[str, Any]) -> ToolOutcome:
        kind = str(args.get("kind"))
        if kind == "use_music":
            return self._use_music(context, args)
        store, session_id = context.store, context.session.session_id
        restored = store.step_history(session_id, kind)
        call = ToolAction(kind, {}, {"status": "ok" if restored is not None else "error"})
        if restored is None:
            return ToolOutcome([call], reply=words(f"nothing_{kind}", context.language))
        undo_left, redo_left = store.history_depth(session_id)
        left = undo_left if kind == "undo" else redo_left
        # The store already put the draft in force: there is no new timeline to save.
        return ToolOutcome([call], reply=words(kind, context.language, left=left))

    def _use_music(self, context: ToolContext, args: Mapping[str, Any]) -> ToolOutcome:
        versions = music_versions(context.session.generated_media)
        try:
            number = int(args.get("version", 0))
        except (TypeError, ValueError):
            number = 0
        call_args = {"version": number}
        if not 1 <= number <= len(versions):
            message = words("no_version", context.language, version=number,
                            count=len(versions))
            raise ToolFailed(message, ToolAction("use_music", call_args,
                                                 {"status": "error", "message": message}))
        item = versions[number - 1]
        timeline = context.session.timeline
        current = next((s for t in timeline.tracks if t.role == "bgm" for s in t.segments),
                       None)
        volume = current.volume if current is not None and current.volume is not None else 0.5
        label = str(item.get("label", f"version {number}"))
        placed = place_music(timeline, str(item["hash"]), label, volume)
        call = ToolAction("use_music", call_args, {"status": "ok", "hash": item["hash"]})
        return ToolOutcome([call], placed,
                           words("use_music", context.language, version=number, label=label))


def history_request(plan: Any) -> dict[str, Any] | None:
    """The undo/redo/use_music request in the agent's plan, if any (see CONTRACTS §3): a
    ``history`` attribute with ``kind`` and ``args``, or a planned action of that name."""
    asked = getattr(plan, "history", None)
    if asked is not None:
        kind = getattr(asked, "kind", None) or (asked.get("kind") if isinstance(asked, dict)
                                                else None)
        extra = getattr(asked, "args", None) or (asked.get("args") if isinstance(asked, dict)
                                                 else None) or {}
        if kind in KINDS:
            return {"kind": kind, **dict(extra)}
    for action in getattr(plan, "actions", []):
        if action.name in KINDS:
            return {"kind": action.name, **action.args}
    return None

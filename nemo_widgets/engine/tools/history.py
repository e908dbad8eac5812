"""Undo, redo and "use music version N": the session's draft history, executed.

The agent recognises the phrases ("undo", "redo", "use music version 2", "撤销", "重做",
"用第2个音乐版本") as intents of kind ``undo``, ``redo`` and ``use_music``; every turn that
changes the draft pushes the previous one onto the session's history (``Store.save_draft``),
and this tool steps through it or places an earlier music version on the timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nemo_widgets.engine.agent.model import ToolAction, TurnPlan
from nemo_widgets.engine.agent.replies import history_done
from nemo_widgets.engine.tools.base import ToolContext, ToolFailed, ToolOutcome
from nemo_widgets.engine.tools.music import music_versions, place_music

KINDS = ("undo", "redo", "use_music")

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
        undo_left, redo_left = store.history_depth(session_id)
        call = ToolAction(kind, {}, {"status": "ok" if restored is not None else "error",
                                     "can_undo": undo_left, "can_redo": redo_left})
        # The store already put the draft in force: there is no new timeline to save.
        reply = history_done(kind, context.language, done=restored is not None)
        return ToolOutcome([call], reply=reply.text)

    def _use_music(self, context: ToolContext, args: Mapping[str, Any]) -> ToolOutcome:
        versions = music_versions(context.session.generated_media)
        try:
            number = int(args.get("version", 0))
        except (TypeError, ValueError):
            number = 0
        call_args = {"version": number}
        if not 1 <= number <= len(versions):
            message = history_done("use_music", context.language, done=False, version=number,
                                   versions=len(versions)).text
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
        reply = history_done("use_music", context.language, version=number,
                             versions=len(versions))
        return ToolOutcome([call], placed, reply.text)


def history_request(plan: TurnPlan) -> dict[str, Any] | None:
    """The undo/redo/use_music request in the agent's plan, if any, as the tool's arguments."""
    asked = plan.history
    if asked is None or asked.kind not in KINDS:
        return None
    return {"kind": asked.kind, **asked.args}

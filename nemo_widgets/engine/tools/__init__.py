"""The tools a turn can run: editing, music, and the draft history.

``Tool`` (``base``) is the interface: a name and ``run(context, args) → ToolOutcome``.
``choose`` maps the agent's plan to the one tool that carries it out, with its arguments.
"""

from __future__ import annotations

from typing import Any

from nemo_widgets.engine.agent.model import TurnPlan
from nemo_widgets.engine.tools.base import Tool, ToolContext, ToolFailed, ToolOutcome
from nemo_widgets.engine.tools.edit import EditTool
from nemo_widgets.engine.tools.history import HistoryTool, history_request
from nemo_widgets.engine.tools.music import MusicTool


def choose(plan: TurnPlan, draft: dict[str, Any]) -> tuple[Tool, dict[str, Any]]:
    """The tool for this plan and its arguments; ``draft`` is the session's current draft."""
    asked = history_request(plan)
    if asked is not None:
        return HistoryTool(), asked
    if plan.needs_music is not None:
        shown = [a for a in plan.actions if a.name != MusicTool.name]
        return MusicTool(), {"request": plan.needs_music, "actions": shown,
                             "draft": plan.draft if plan.draft is not None else draft}
    return EditTool(), {"actions": plan.actions, "draft": plan.draft, "reply": plan.reply,
                        "reasons": list(plan.reasons)}


__all__ = ["EditTool", "HistoryTool", "MusicTool", "Tool", "ToolContext", "ToolFailed",
           "ToolOutcome", "choose"]

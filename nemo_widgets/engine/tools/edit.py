"""The editing tool: the agent has already applied the edits to a copy of the draft (it must,
to word its reply); this tool hands that result over like any other tool's outcome."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nemo_widgets.engine.tools.base import ToolContext, ToolOutcome
from nemo_widgets.timeline import Timeline


class EditTool:
    """args: ``actions`` (the agent's executed tool calls), ``draft`` (the new draft or None),
    ``reply`` (the agent's words or None), ``reasons`` (why, if the agent says)."""

    name = "edit"

    def run(self, context: ToolContext, args: Mapping[str, Any]) -> ToolOutcome:
        draft = args.get("draft")
        return ToolOutcome(calls=list(args.get("actions", [])),
                           timeline=Timeline.from_draft(draft) if draft is not None else None,
                           reply=args.get("reply"), reasons=tuple(args.get("reasons", ())))

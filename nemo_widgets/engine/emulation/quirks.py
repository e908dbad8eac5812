"""The cloud's wording habits, applied to a finished turn plan (profiles ``cloud``, ``faults``).

Observed on the real backend: about a third of simple edits end the stream with no text at all
(the client must diff the state), and some replies end with GUI wording ("Click Export") that a
client translates into an action. The agent answers plainly; these hooks add the habits back.
"""

from __future__ import annotations

import asyncio
import dataclasses

from nemo_widgets.engine.agent.language import Language
from nemo_widgets.engine.agent.model import TurnPlan
from nemo_widgets.engine.agent.replies import phrase
from nemo_widgets.engine.emulation.options import EmulationOptions, has_faults

SILENT_EVERY, SILENT_AT = 3, 2
"""A simple edit is silent on turns where ``turn_index % 3 == 2`` (about a third)."""
HINT_EVERY, HINT_AT = 4, 1
"""Replies after an edit end with the GUI's export hint when ``turn_index % 4 == 1``."""


def is_silent(plan: TurnPlan, turn_index: int) -> bool:
    """One successful edit that changed the draft, with a one-line reply, on a silent turn."""
    if turn_index % SILENT_EVERY != SILENT_AT or len(plan.actions) != 1:
        return False
    ok = plan.actions[0].result.get("status") == "ok"
    one_line = plan.reply is not None and "\n" not in plan.reply
    return ok and one_line and plan.draft is not None and plan.needs_music is None


def with_export_hint(plan: TurnPlan, turn_index: int, language: str) -> TurnPlan:
    """The reply with "Click Export…" appended on hint turns after an edit."""
    lang: Language = "zh" if language == "zh" else "en"
    hint = phrase("click_export", lang)
    if (turn_index % HINT_EVERY != HINT_AT or plan.draft is None or plan.needs_music is not None
            or not plan.reply or hint in plan.reply or phrase("export", lang) in plan.reply):
        return plan
    return dataclasses.replace(plan, reply=plan.reply + "\n\n" + hint)


class CloudTurns:
    """Turn hooks of the ``cloud`` and ``faults`` profiles."""

    def __init__(self, options: EmulationOptions, profile: str) -> None:
        self._options = options
        self._delay_s = options.turn_delay_s if has_faults(profile) else 0.0

    async def before_work(self) -> None:
        if self._delay_s > 0:
            await asyncio.sleep(self._delay_s)

    def shape_plan(self, plan: TurnPlan, *, turn_index: int, language: str) -> TurnPlan:
        if self._options.silent_edits and is_silent(plan, turn_index):
            return dataclasses.replace(plan, reply=None)
        if self._options.gui_hints:
            return with_export_hint(plan, turn_index, language)
        return plan

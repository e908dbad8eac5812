"""One agent turn, from a user message to the ADK events of ``/run_sse``.

- ``runner``: the one turn runner — plan with the agent, pick the tool, hold the price, run
  it, save the draft, emit the events. Every tool (edit, music, undo/redo) runs the same way.
- ``events``: ADK ``Event`` JSON and the reply as events (partial pieces when streaming).
- ``sse``: the queue drained as server-sent events, with keep-alives while it is quiet.
"""

from __future__ import annotations

from nemo_widgets.engine.turns.runner import TurnHooks, TurnRequest, TurnRunner
from nemo_widgets.engine.turns.sse import sse_body

__all__ = ["TurnHooks", "TurnRequest", "TurnRunner", "sse_body"]

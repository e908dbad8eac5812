"""The one turn runner: every tool is executed the same way.

A turn: count it, let the agent plan (in a worker thread), let the profile's hooks shape the
plan, pick the tool, hold the price (decided once, from the plan's ``charge``), run the tool
(in a worker thread, so keep-alives flow), save what it made, and emit the ADK events. The turn
runs as its own task and publishes to a queue that the SSE response drains: a client that drops
the stream finds the work done when it polls the state.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import anyio

from nemo_widgets.engine.agent import MediaItem, TurnPlan, plan_turn
from nemo_widgets.engine.agent.language import Language
from nemo_widgets.engine.agent.replies import reason_parts
from nemo_widgets.engine.errors import EngineError, NoCredits
from nemo_widgets.engine.library import MediaLibrary
from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.engine.store import SessionRecord, Store
from nemo_widgets.engine.tools import ToolContext, ToolFailed, ToolOutcome, choose
from nemo_widgets.engine.turns.events import adk_event, error_event, text_events, tool_events
from nemo_widgets.engine.turns.sse import END

log = logging.getLogger("nemo_widgets.engine.turns")


@dataclass(frozen=True)
class TurnRequest:
    session: SessionRecord
    message: str
    streaming: bool


class TurnHooks(Protocol):
    """Where a profile may change a turn (see ``engine.emulation``); the local profile's hooks
    change nothing."""

    async def before_work(self) -> None:
        """Called before the agent plans."""

    def shape_plan(self, plan: TurnPlan, *, turn_index: int, language: str) -> TurnPlan:
        """The plan as this profile answers it."""


class PlainTurns:
    """The local profile's hooks: no change."""

    async def before_work(self) -> None:
        return None

    def shape_plan(self, plan: TurnPlan, *, turn_index: int, language: str) -> TurnPlan:
        return plan


def media_items(store: Store, session_id: str) -> list[MediaItem]:
    """The session's uploads, in order, as the planner sees them."""
    items = []
    for upload in store.session_media(session_id):
        info = upload.media.info
        items.append(MediaItem(hash=upload.hash, filename=upload.filename,
                               file_type=info["file_type"], duration=float(info["duration"]),
                               width=int(info["width"]), height=int(info["height"]),
                               has_audio=bool(info["has_audio"])))
    return items


class TurnRunner:
    """Starts turns as background tasks and keeps them alive until they finish."""

    def __init__(self, settings: EngineSettings, store: Store, library: MediaLibrary,
                 hooks: TurnHooks | None = None) -> None:
        self._settings = settings
        self._store = store
        self._library = library
        self._hooks: TurnHooks = hooks or PlainTurns()
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, request: TurnRequest) -> asyncio.Queue[Any]:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        task = asyncio.create_task(self._run(request, queue))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return queue

    async def _run(self, request: TurnRequest, queue: asyncio.Queue[Any]) -> None:
        invocation = "e-" + str(uuid.uuid4())
        try:
            for event in await self.turn(request, invocation):
                await queue.put(event)
        except EngineError as exc:
            await queue.put(error_event(invocation, exc.code, exc.message))
        except Exception as exc:
            log.exception("agent turn failed")
            await queue.put({"error": f"The agent failed ({type(exc).__name__}); "
                                      "your timeline was not changed."})
        finally:
            await queue.put(END)

    async def turn(self, request: TurnRequest, invocation: str) -> list[dict[str, Any]]:
        """Run one turn to its end; the ADK events to send, in order."""
        store, session = self._store, request.session
        turn_index = store.count_turn(session.session_id)
        await self._hooks.before_work()
        plan: TurnPlan = await anyio.to_thread.run_sync(
            lambda: plan_turn(request.message, session.draft,
                              media_items(store, session.session_id),
                              language=session.language, turn_index=turn_index))
        language: Language = "zh" if plan.language == "zh" else "en"  # the agent's decision
        plan = self._hooks.shape_plan(plan, turn_index=turn_index, language=language)
        tool, args = choose(plan, session.draft)
        price = getattr(self._settings.prices, plan.charge, 0) if plan.charge else 0
        context = ToolContext(self._settings, store, self._library, session, language)
        ref = f"turn:{session.session_id}:{turn_index}"
        try:
            with store.hold(session.user_id, price, ref, action=plan.charge or tool.name,
                            blocking=self._settings.credits_block):
                outcome: ToolOutcome = await anyio.to_thread.run_sync(tool.run, context, args)
                self._keep(session.session_id, outcome)
        except ToolFailed as failed:
            return self._failure(invocation, failed, request.streaming)
        except NoCredits as exc:
            raise NoCredits(exc.message + self._settings.profile_note) from exc
        events = [event for call in outcome.calls
                  for event in tool_events(invocation, call.name, call.args, call.result)]
        if outcome.reply:
            events += text_events(invocation, outcome.reply, request.streaming)
        if outcome.reasons:
            events.append(adk_event(invocation, reason_parts(outcome.reasons)))
        return events

    def _keep(self, session_id: str, outcome: ToolOutcome) -> None:
        for item in outcome.generated:
            self._store.add_generated_media(session_id, item)
        if outcome.timeline is not None:
            self._store.save_draft(session_id, outcome.timeline)

    @staticmethod
    def _failure(invocation: str, failed: ToolFailed, streaming: bool) -> list[dict[str, Any]]:
        calls = [*failed.shown, failed.call]
        events = [event for call in calls
                  for event in tool_events(invocation, call.name, call.args, call.result)]
        return events + text_events(invocation, failed.message, streaming)

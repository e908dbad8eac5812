"""``%%nemo``: one prompt sent through the session's conversation, shown live, kept as a result.

The order is the user's: upload the ``--upload`` files, send the prompt (with the music options
written into it as words), export when ``--export`` asks and the turn did not already. The
result's summary and tracks come from the state the turn carries (read again only when the
turn has none). The live area shows the streamed answer and
shrinks to one line at the end; the returned ``NemoResult`` shows the answer (once), the
timeline, and a player for the export.
"""

from __future__ import annotations

import contextlib
from typing import Any

from nemo_widgets.client import Conversation, NemoError, TurnResult
from nemo_widgets.client.models import SessionState, UploadedFile
from nemo_widgets.magics.live import LiveArea
from nemo_widgets.magics.parsers import CellArgs, MagicUsageError
from nemo_widgets.magics.result import NemoResult
from nemo_widgets.magics.sessions import Host

GUI_WORDS = {"export": "`%nemo export`", "upload": "`%nemo upload PATH`",
             "credits": "`%nemo credits`", "state": "`%nemo status`"}
"""How the agent's "click Export" reads in a notebook."""


def run_prompt(host: Host, options: CellArgs, prompt: str) -> NemoResult:
    """Send ``prompt`` (already interpolated) with ``options``; the session keeps the result."""
    prompt = options.music.apply(prompt.strip()) if prompt.strip() else ""
    if not prompt and not options.upload and options.export is None:
        raise MagicUsageError("The cell is empty: write a prompt under %%nemo, e.g. "
                              "`generate a background music track that matches the mood "
                              "of my video`. %nemo help lists the commands.")
    named = host.named(options)
    conv = named.conversation
    live = host.live(f"[{named.name}] {shorten(prompt or 'upload / export', 70)}",
                     quiet=options.quiet)
    with live if live is not None else contextlib.nullcontext():
        uploads: list[UploadedFile] = []
        if options.upload:
            uploads = conv.upload(*options.upload, on_progress=bytes_sink(live, "upload"))
        if prompt:
            turn = conv.send(prompt)
            for event in turn:
                if live is not None:
                    live.on_event(event)
            result = turn.result
        else:
            result = TurnResult(message="", route="upload" if uploads else "export",
                                session_id=conv.session_id)
        if uploads:
            result.uploads = [*uploads, *result.uploads]
            if not prompt:
                result.text = "Uploaded " + "; ".join(str(u) for u in uploads) + "."
        exported, export_error = None, None
        if options.export is not None and result.error is None and result.export is None:
            try:
                exported = conv.export(options.export or None, on_progress=sink(live))
            except NemoError as exc:
                export_error = exc
        if exported is not None or result.export is not None:
            drop_export_hint(result)
        state = result.after if exported is None and result.after is not None \
            else read_state(conv)
        if live is not None:
            balance = result.balance or conv.ledger.last_balance
            live.finish(result, f"{balance.available} credits left" if balance else None)
    named.last = NemoResult(result, state, named.name, exported, export_error)
    return named.last


def read_state(conv: Conversation) -> SessionState | None:
    """The session's state after a cell, for its summary and tracks (None if unreadable)."""
    if conv.session_id is None:
        return None
    try:
        return conv.state()
    except NemoError:
        return None


def drop_export_hint(result: TurnResult) -> None:
    """Once the timeline is exported, the agent's "run `%nemo export`" is no longer advice."""
    if "export" in result.suggestions:
        result.suggestions.remove("export")
    kept = [p for p in result.text.split("\n\n") if GUI_WORDS["export"] not in p]
    result.text = "\n\n".join(kept)


def sink(live: LiveArea | None) -> Any:
    """A render progress callback for the live area (None when quiet)."""
    return None if live is None else live.progress


def bytes_sink(live: LiveArea | None, stage: str) -> Any:
    """A byte-count progress callback for the live area (None when quiet)."""
    if live is None:
        return None
    return lambda done, total: live.progress(stage, done / total if total else 1.0)


def shorten(text: str, limit: int) -> str:
    """The first line of ``text``, cut to ``limit`` characters."""
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= limit else first[:limit - 1] + "…"

"""A folder of videos, each with its own music: ``nemo-widgets generate DIR/ -p … -o OUT/``.

Each video gets a session of its own, the same instruction and its own render into the output
folder under the same name (``beach.mov`` → ``OUT/beach.mp4``). A few files run at once
(``jobs``, two by default: the renders share the machine's cores), on one async client.

It is resumable: a file whose output exists and was made from the same file with the same
instruction (``OUT/.nemo-batch.json`` records each success: size, modification time, prompt)
is skipped, so running the command again after an interruption or a failure does only what
is left. Outputs are written by the client's download as ``.part`` then renamed, so a file
that exists is whole. A failure is reported for its file and does not stop the others.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nemo_widgets.client import AsyncNemoClient, NemoError
from nemo_widgets.protocol import VIDEO_EXTENSIONS

MANIFEST = ".nemo-batch.json"
"""The record of finished files, in the output folder."""


@dataclass
class BatchItem:
    """One file of the batch and what became of it."""

    source: Path
    output: Path
    status: str = "pending"
    """``done``, ``skipped`` (done by an earlier run) or ``failed``."""
    session_id: str | None = None
    music: str | None = None
    """What the agent said it made, in short (its first line)."""
    seconds: float = 0.0
    error: str | None = None


def find_videos(folder: Path) -> list[Path]:
    """The videos directly in ``folder`` (by extension; hidden files left out), sorted."""
    if not folder.is_dir():
        raise FileNotFoundError(2, "No such folder", str(folder))
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower().lstrip(".") in VIDEO_EXTENSIONS)


def signature(source: Path, prompt: str) -> dict[str, Any]:
    """What must not have changed for an earlier output to count as done."""
    stat = source.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "prompt": prompt}


class Manifest:
    """``OUT/.nemo-batch.json``: the signature of each finished file, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / MANIFEST
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.done: dict[str, Any] = data if isinstance(data, dict) else {}

    def is_done(self, item: BatchItem, prompt: str) -> bool:
        return (item.output.is_file()
                and self.done.get(item.source.name) == signature(item.source, prompt))

    def record(self, item: BatchItem, prompt: str) -> None:
        self.done[item.source.name] = signature(item.source, prompt)
        partial = self.path.with_suffix(".part")
        partial.write_text(json.dumps(self.done, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(partial, self.path)


def plan(sources: Sequence[Path], outdir: Path) -> list[BatchItem]:
    """One item per source, its output named after it; two sources may not share a name."""
    items = [BatchItem(source, outdir / f"{source.stem}.mp4") for source in sources]
    seen: dict[Path, Path] = {}
    for item in items:
        if item.output in seen:
            raise ValueError(f"{seen[item.output].name} and {item.source.name} would both be "
                             f"written to {item.output.name}: rename one of them.")
        seen[item.output] = item.source
    return items


async def run_batch(items: Sequence[BatchItem], prompt: str, *, backend: str | None = None,
                    jobs: int = 2, language: str = "en",
                    say: Callable[[str], None] = print) -> list[BatchItem]:
    """Run every item not already done, ``jobs`` at a time; each item ends ``done``,
    ``skipped`` or ``failed`` (with ``error``). ``say`` gets one line per event."""
    if not items:
        return []
    outdir = items[0].output.parent
    outdir.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(outdir)
    limit = asyncio.Semaphore(max(1, jobs))
    total = len(items)

    async with AsyncNemoClient(backend) as client:
        async def one(number: int, item: BatchItem) -> None:
            tag = f"[{number}/{total}] {item.source.name}"
            if manifest.is_done(item, prompt):
                item.status = "skipped"
                say(f"{tag}: already done ({item.output.name})")
                return
            async with limit:
                start = time.monotonic()
                say(f"{tag}: started")
                try:
                    conv = client.conversation(language=language, auto_export=False)
                    await conv.upload(item.source)
                    item.session_id = conv.session_id
                    turn = await conv.ask(prompt)
                    turn.raise_for_error()
                    item.music = (turn.text.strip().splitlines() or [""])[0][:80]
                    await conv.export(item.output)
                except (NemoError, OSError, ValueError) as exc:
                    item.status = "failed"
                    item.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    say(f"{tag}: failed: {item.error}")
                else:
                    item.status = "done"
                    manifest.record(item, prompt)
                    say(f"{tag}: saved {item.output}")
                item.seconds = time.monotonic() - start

        await asyncio.gather(*(one(n, item) for n, item in enumerate(items, 1)))
    return list(items)


def summary_table(items: Sequence[BatchItem]) -> str:
    """A plain-text table: file, status, seconds, output (or the error), session."""
    rows = [("file", "status", "time", "output / error", "session")]
    for item in items:
        rows.append((item.source.name, item.status,
                     f"{item.seconds:.1f} s" if item.status != "skipped" else "-",
                     item.error or str(item.output), item.session_id or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
             + "  " + row[-1] for row in rows]
    counts = {s: sum(i.status == s for i in items) for s in ("done", "skipped", "failed")}
    lines.append(f"{counts['done']} done, {counts['skipped']} skipped, "
                 f"{counts['failed']} failed")
    return "\n".join(lines)

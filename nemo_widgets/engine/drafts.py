"""Engine-side helpers around the draft: a new project's draft and the canvas it implies."""

from __future__ import annotations

from typing import Any

from nemo_widgets.timeline import Timeline


def empty_draft(title: str = "project") -> dict[str, Any]:
    """What a new session starts with: no tracks, a 16:9 1080p canvas that sources fill
    (``fit: crop``; "keep the whole picture" asks for ``pad``, see docs/draft.md)."""
    return {"t": [], "d": 0,
            "m": {"title": title, "width": 1920, "height": 1080, "fit": "crop", "fps": 30}}


def canvas_config(draft: dict[str, Any]) -> dict[str, Any]:
    """The state's ``canvas_config``: size, aspect ratio name, fit and frame rate."""
    timeline = Timeline.from_draft(draft)
    width, height = timeline.width, timeline.height
    ratio = {(1920, 1080): "16:9", (1080, 1920): "9:16", (1080, 1080): "1:1"}.get(
        (width, height), f"{width}:{height}")
    return {"width": width, "height": height, "aspect_ratio": ratio,
            "fit": timeline.meta.get("fit", "crop"), "fps": timeline.meta.get("fps", 30)}

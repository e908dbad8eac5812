"""Drafts the agent's tests start from: a placed clip, then music, then a title."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.agent.support import edited


@pytest.fixture
def placed() -> dict[str, Any]:
    """a.mp4 (10 s) on the video track; song.mp3 uploaded but not used yet."""
    return edited("add my video to the timeline")


@pytest.fixture
def with_music(placed: dict[str, Any]) -> dict[str, Any]:
    return edited("use my song as background music", placed)


@pytest.fixture
def full(with_music: dict[str, Any]) -> dict[str, Any]:
    return edited('add a title "Summer Trip"', with_music)

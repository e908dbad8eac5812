"""Shared fixtures: a real engine process on a free loopback port, with its own home folder.

The fixtures' engines behave like the cloud (``profile="cloud"``: 100 credits that run out,
one token per client id, silent edits, GUI hints), since most tests check that the client
copes with the cloud; a test of what a user's own engine does passes ``profile="local"``.
Asking for a fault (``sse_drop_after=1``…) selects the ``faults`` profile.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nemo_widgets.engine.server import EngineInfo, ensure_engine, stop_engine
from nemo_widgets.engine.settings import EngineSettings
from tests.engine_api import EngineApi


@dataclass
class RunningEngine:
    """A started engine and a way to restart it with the same home and settings."""

    settings: EngineSettings
    info: EngineInfo

    @property
    def url(self) -> str:
        return self.info.url

    @property
    def home(self) -> Path:
        return self.settings.home

    def api(self) -> EngineApi:
        return EngineApi(self.url)

    def stop(self) -> None:
        stop_engine(self.home)

    def kill(self) -> None:
        """SIGKILL the engine and its process group (its FFmpeg children) at once."""
        os.killpg(self.info.pid, 9)

    def restart(self) -> None:
        self.stop()
        self.info = ensure_engine(self.settings)


@pytest.fixture
def start_engine(tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[Callable[..., RunningEngine]]:
    """Start engines with custom settings; all are stopped at the end of the test."""
    started: list[RunningEngine] = []

    def start(**overrides: Any) -> RunningEngine:
        home = tmp_path_factory.mktemp("engine-home")
        settings = EngineSettings.from_env(env={}, home=home, **{"keepalive_s": 1.0,
                                                                 "profile": "cloud", **overrides})
        running = RunningEngine(settings, ensure_engine(settings))
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEngine]:
    """One engine with default settings for the tests of a module that do not change them."""
    home = tmp_path_factory.mktemp("shared-engine-home")
    settings = EngineSettings.from_env(env={}, home=home, keepalive_s=1.0, profile="cloud",
                                       tokens_per_client=1000)
    running = RunningEngine(settings, ensure_engine(settings))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")

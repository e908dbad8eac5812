"""Starting, reusing and stopping the engine; ``nemo-widgets serve`` in the foreground."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx

from nemo_widgets.engine.server import ensure_engine, running_engine, stop_engine
from nemo_widgets.engine.settings import EngineSettings


def test_helper_starts_reuses_and_stops(tmp_path):
    settings = EngineSettings.from_env(env={}, home=tmp_path)
    first = ensure_engine(settings)
    try:
        assert first.url.startswith("http://127.0.0.1:")
        again = ensure_engine(settings)
        assert again.pid == first.pid and again.url == first.url, "reused, not restarted"
        state = json.loads((tmp_path / "engine.json").read_text())
        assert state["pid"] == first.pid
    finally:
        assert stop_engine(tmp_path) is True
    assert running_engine(tmp_path) is None
    assert stop_engine(tmp_path) is False


def test_stale_state_file_is_not_trusted(tmp_path):
    (tmp_path / "engine.json").write_text(json.dumps({"pid": 1, "url": "http://127.0.0.1:9"}))
    assert running_engine(tmp_path) is None
    settings = EngineSettings.from_env(env={}, home=tmp_path)
    info = ensure_engine(settings)
    try:
        assert info.pid != 1
    finally:
        stop_engine(tmp_path)


def test_serve_command_prints_its_url_and_binds_loopback(tmp_path):
    env = {**os.environ, "NEMO_HOME": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "nemo_widgets.cli", "serve"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line
        url = line.split("listening on ", 1)[1].split()[0]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                assert httpx.get(url + "/healthz").json()["pid"] == process.pid
                break
            except httpx.TransportError:
                time.sleep(0.1)
        stop = subprocess.run([sys.executable, "-m", "nemo_widgets.cli", "stop"], env=env,
                              capture_output=True, text=True, timeout=30)
        assert "engine stopped" in stop.stdout
        assert process.wait(timeout=15) is not None
    finally:
        if process.poll() is None:
            process.kill()

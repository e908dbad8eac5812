"""The sync face where notebooks use it: inside a running event loop and in a real IPython
kernel; and the local backend, found, started, reused and restarted through the engine helper."""

from __future__ import annotations

import asyncio
import os
import queue
import textwrap
from pathlib import Path

import pytest

from nemo_widgets.client import AsyncNemoClient, ClientSettings, NemoClient
from nemo_widgets.engine.server import running_engine, stop_engine

ROOT = Path(__file__).resolve().parents[1]


def test_sync_face_inside_a_running_event_loop(shared_engine, tmp_path):
    original_run_until_complete = asyncio.BaseEventLoop.run_until_complete

    async def notebook_cell() -> tuple[int, str]:
        asyncio.get_running_loop()  # we are inside a running loop, like Jupyter
        with NemoClient(shared_engine.url,
                        settings=ClientSettings(config_dir=tmp_path)) as client:
            conv = client.conversation()
            result = conv.ask("describe the tracks")
            return client.credits().available, result.text

    available, text = asyncio.run(notebook_cell())
    assert available == 100 and text.startswith("Timeline (0 tracks)")
    assert asyncio.BaseEventLoop.run_until_complete is original_run_until_complete, \
        "asyncio is not patched"

    async def async_face() -> int:
        async with AsyncNemoClient(shared_engine.url,
                                   settings=ClientSettings(config_dir=tmp_path)) as client:
            return (await client.credits()).available

    assert asyncio.run(async_face()) == 100, "the cached token is shared with the async face"


def test_sync_face_in_a_real_ipython_kernel(shared_engine, tmp_path):
    pytest.importorskip("ipykernel")
    manager = pytest.importorskip("jupyter_client.manager")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    km, kc = manager.start_new_kernel(kernel_name="python3", env=env, cwd=str(ROOT))
    outputs: list[str] = []

    def collect(message: dict) -> None:
        if message["msg_type"] == "stream":
            outputs.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            outputs.append("ERROR " + message["content"]["ename"] + ": "
                           + message["content"]["evalue"])

    cell = textwrap.dedent(f"""
        import asyncio
        from nemo_widgets.client import ClientSettings, NemoClient
        try:
            asyncio.get_running_loop()
            in_loop = True
        except RuntimeError:
            in_loop = asyncio.get_event_loop().is_running()
        client = NemoClient({shared_engine.url!r},
                            settings=ClientSettings(config_dir={str(tmp_path)!r}))
        conv = client.conversation()
        result = conv.ask("describe the tracks")
        print("LOOP", in_loop)
        print("TEXT", result.text.splitlines()[0])
        print("CREDITS", client.credits().available)
        print("REPR", repr(conv))
    """)
    awaited = textwrap.dedent(f"""
        from nemo_widgets.client import AsyncNemoClient
        aclient = AsyncNemoClient({shared_engine.url!r},
                                  settings=ClientSettings(config_dir={str(tmp_path)!r}))
        balance = await aclient.credits()
        print("AWAITED", balance.available)
    """)
    try:
        for code in (cell, awaited):
            reply = kc.execute_interactive(code, timeout=90, output_hook=collect)
            assert reply["content"]["status"] == "ok", "".join(outputs)
    except queue.Empty:  # pragma: no cover - a stuck kernel
        pytest.fail("the kernel did not answer: " + "".join(outputs))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    text = "".join(outputs)
    assert "LOOP True" in text, text
    assert "TEXT Timeline (0 tracks): empty" in text
    assert "CREDITS 100" in text and "AWAITED 100" in text
    assert "nmv_usr_" not in text


def test_local_backend_is_started_reused_and_restarted(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("NEMO_HOME", str(home))
    monkeypatch.delenv("NEMO_API_URL", raising=False)
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    settings = ClientSettings(config_dir=tmp_path / "cfg")
    try:
        with NemoClient(settings=settings) as first:
            assert first.credits().available == 100
            assert first.backend.local and first.backend.key == f"local:{home}"
            engine = running_engine(home)
            assert engine is not None and first.base_url == engine.url
        stop_engine(home)
        with NemoClient("local", settings=settings) as second:
            # A new engine on a new port, the same database: the cached token still serves
            # (a second anonymous token for this client id would be refused with 429).
            assert second.credits().available == 100
            old_url = second.base_url
            stop_engine(home)
            assert second.credits().available == 100, "the engine is started again"
            assert running_engine(home) is not None and second.base_url != old_url
    finally:
        stop_engine(home)

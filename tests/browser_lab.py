"""A real JupyterLab server and Debian's Chromium driven by Playwright, for the widget's
end-to-end test and benchmark. Everything lives in temporary folders; the kernel's engine and
client settings come from the environment given (``NEMO_API_URL``, ``NEMO_CONFIG_DIR``)."""

from __future__ import annotations

import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nbformat
import websocket

CHROMIUM = "/usr/bin/chromium"
CHECKOUT = Path(__file__).resolve().parents[1]
"""The checkout under test: the kernel imports ``nemo_widgets`` from here, not from whatever
(possibly stale or broken) installation the environment holds."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--autoplay-policy=no-user-gesture-required"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Lab:
    url: str
    token: str
    root: Path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}"


def write_notebook(path: Path, cells: list[str]) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, str(path))
    return path


@contextmanager
def jupyter_lab(root: Path, env: dict[str, str], log_path: Path) -> Iterator[Lab]:
    """Start ``jupyter lab`` on a free port with a random token; stop it at the end."""
    port, token = free_port(), secrets.token_hex(16)
    home = root.parent / f"{root.name}-jupyter"
    for name in ("config", "data", "runtime", "settings", "workspaces"):
        (home / name).mkdir(parents=True, exist_ok=True)
    # No "notified about official Jupyter news?" toast over the page (and no fetch for it).
    news = home / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True, exist_ok=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    python_path = os.pathsep.join(p for p in (str(CHECKOUT), os.environ.get("PYTHONPATH"))
                                  if p)
    full_env = {**os.environ, **env, "PYTHONPATH": python_path,
                "JUPYTER_CONFIG_DIR": str(home / "config"),
                "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
                "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
                "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
               "--ip=127.0.0.1", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
               "--LabApp.news_url=", "--LabApp.expose_app_in_browser=True",
               "--LabServerApp.check_for_updates_class="
               "jupyterlab.handlers.announcements.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI runs as root
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"jupyter lab exited: {log_path.read_text()[-2000:]}")
                try:
                    if httpx.get(f"{url}/api/status", headers={
                            "Authorization": f"token {token}"}, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("jupyter lab did not start within 120 s")
                time.sleep(0.3)
            yield Lab(url, token, root)
        finally:
            _stop(process)


@contextmanager
def chromium_page(viewport: dict[str, int] | None = None) -> Iterator[Any]:
    """A page of Debian's Chromium (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=viewport or {"width": 1280, "height": 1400})
            yield context.new_page()
        finally:
            browser.close()


@contextmanager
def chromium_debug_port(profile: Path, viewport: tuple[int, int] = (1280, 1400)) -> Iterator[int]:
    """Debian's Chromium, headless, with a DevTools port (yielded) that drivers can attach to
    and detach from: Playwright for the setup (``connect_over_cdp``), ``DevToolsPage`` for
    timings that Playwright's own instrumentation would distort."""
    command = [CHROMIUM, "--headless", "--remote-debugging-port=0", f"--user-data-dir={profile}",
               *CHROMIUM_ARGS, f"--window-size={viewport[0]},{viewport[1]}", "about:blank"]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    active = profile / "DevToolsActivePort"  # Chromium writes its port here once it listens
    try:
        deadline = time.monotonic() + 60
        while not (active.is_file() and active.read_text().strip()):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        yield int(active.read_text().split()[0])
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[Any]) -> None:
    """Ask a child process to end; kill it if it has not within 20 s."""
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class DevToolsPage:
    """A page driven over the bare DevTools protocol with two commands only: evaluate a script
    and set an input's files.

    Playwright enables the protocol's Network domain on every page it drives, and Chromium
    then copies each websocket frame's payload (base64) to the driver. That costs the browser
    per byte sent: with it, the widget's upload measured about half the throughput it reaches
    without it, and JupyterLab's own upload lost as much. A user's browser has no such
    observer, so throughput is timed through this page instead, with Playwright detached.
    """

    def __init__(self, port: int, url_part: str) -> None:
        targets = httpx.get(f"http://127.0.0.1:{port}/json", timeout=10).json()
        target = next(t for t in targets if t["type"] == "page" and url_part in t["url"])
        self._socket = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=900)
        self._ids = itertools.count(1)

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        self._socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:  # no domain is enabled, so only answers arrive
            answer = json.loads(self._socket.recv())
            if answer.get("id") == number:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return dict(answer["result"])

    def evaluate(self, expression: str) -> Any:
        """The value of ``expression`` (awaited when it is a promise)."""
        result = self._call("Runtime.evaluate", expression=expression, awaitPromise=True,
                            returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"])[:2000])
        return result["result"].get("value")

    def set_input_files(self, selector: str, path: Path) -> None:
        node = self._call("Runtime.evaluate",
                          expression=f"document.querySelector({json.dumps(selector)})")
        self._call("DOM.setFileInputFiles", files=[str(path)],
                   objectId=node["result"]["objectId"])

    def wait_for(self, expression: str, timeout_s: float = 600.0) -> Any:
        """Poll ``expression`` twice a second until it is truthy; its value."""
        deadline = time.monotonic() + timeout_s
        while not (value := self.evaluate(expression)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout_s} s: {expression}")
            time.sleep(0.5)
        return value

    def close(self) -> None:
        self._socket.close()


def run_first_cell(page: Any, lab: Lab, notebook: str, *, navigate: bool = True) -> None:
    """Open ``notebook`` (unless it is open) and run its first cell once the kernel is idle."""
    if navigate:
        page.goto(lab.notebook_url(notebook))
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=90_000)
    page.wait_for_function("(document.querySelector('#jp-main-statusbar') || {textContent: ''})"
                           ".textContent.includes('| Idle')", timeout=90_000)
    page.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor").first.click()
    page.keyboard.press("Shift+Enter")


def restart_kernel(page: Any) -> None:
    """Restart the notebook's kernel as a user does: Kernel ▸ Restart Kernel…, then Restart.
    (Needs the lab started with ``expose_app_in_browser``, as ``jupyter_lab`` does.)"""
    page.evaluate("() => { window.jupyterapp.commands.execute('kernelmenu:restart'); }")
    page.locator(".jp-Dialog .jp-mod-accept").click()

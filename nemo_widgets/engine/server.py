"""Run the engine: in the foreground (``serve``), or found/started/stopped in the background.

Every notebook on the machine shares one engine per home folder. A small state file
(``engine.json``: pid, URL, version) written by the running engine, plus a health check that
the pid and home match, decide whether one is running; a lock file keeps two kernels from
starting two engines at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from nemo_widgets import protocol
from nemo_widgets.engine.settings import EngineSettings, default_home, make_private

log = logging.getLogger("nemo_widgets.engine.server")

STATE_FILE = "engine.json"
LOCK_FILE = "engine.lock"
LOG_FILE = "engine.log"


class EngineStartError(RuntimeError):
    """The background engine did not come up; the message points at its log."""


@dataclass(frozen=True)
class EngineInfo:
    url: str
    pid: int
    home: Path


ACCESS_KEY_FILE = "access-key"


def exposed_settings(settings: EngineSettings) -> EngineSettings:
    """Settings for an engine bound beyond loopback: an access key (kept in the home, 0600, if
    none was given), and a loud warning on stderr that says how clients get in."""
    key = settings.access_key
    key_path = settings.home / ACCESS_KEY_FILE
    if not key:
        try:
            key = key_path.read_text().strip()
        except OSError:
            key = ""
        if not key:
            key = secrets.token_urlsafe(32)
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(key + "\n")
        where = f"the access key in {key_path}"
    else:
        where = "the access key from NEMO_ENGINE_ACCESS_KEY"
    print(f"WARNING: the nemo-widgets engine listens on {settings.host}, beyond this machine's "
          f"loopback: anyone who can reach this port can try it. Every request now needs a "
          f"bearer: {where} (for anonymous tokens), or a user token. Only the Host names "
          f"{', '.join(sorted(settings.allowed_hosts)) or 'of this machine'} are answered "
          "(NEMO_ENGINE_ALLOWED_HOSTS).", file=sys.stderr, flush=True)
    return settings.replace(access_key=key)


def serve(settings: EngineSettings, *, announce: bool = True) -> None:
    """Run the engine in this process until interrupted; print its URL once it listens.

    Everything the engine writes is private to the user (umask 077: files 0600, folders 0700).
    """
    import uvicorn

    from nemo_widgets.engine.app import create_app

    os.umask(0o077)
    settings.ensure_dirs()
    make_private(settings.home)
    if settings.exposed:
        settings = exposed_settings(settings)
    sock = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    port = sock.getsockname()[1]
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{host}:{port}"
    app = create_app(settings.replace(port=port))
    state_path = settings.home / STATE_FILE
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_keep_alive=30)
    server = uvicorn.Server(config)

    original_startup = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original_startup(sockets=sockets)
        _write_state(state_path, url)
        if announce:
            print(f"nemo-widgets engine listening on {url} (home {settings.home})", flush=True)

    server.startup = startup  # type: ignore[method-assign]
    try:
        server.run(sockets=[sock])
    finally:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(state_path.read_text()).get("pid") == os.getpid():
                state_path.unlink()


def _write_state(path: Path, url: str) -> None:
    from nemo_widgets._version import __version__

    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps({"pid": os.getpid(), "url": url, "version": __version__}))
    os.replace(temp, path)


def running_engine(home: Path | None = None) -> EngineInfo | None:
    """The engine serving ``home``, if one answers its health check."""
    home = home or default_home()
    try:
        state = json.loads((home / STATE_FILE).read_text())
        url, pid = str(state["url"]), int(state["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    headers = {}
    with contextlib.suppress(OSError):  # an engine bound beyond loopback wants its access key
        headers["Authorization"] = "Bearer " + (home / ACCESS_KEY_FILE).read_text().strip()
    try:
        answer = httpx.get(url + protocol.PATH_HEALTH, timeout=2.0, headers=headers).json()
    except (httpx.HTTPError, ValueError):
        return None
    if answer.get("pid") != pid or Path(answer.get("home", "")) != home:
        return None
    return EngineInfo(url, pid, home)


@contextlib.contextmanager
def _start_lock(home: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no cross-process lock; a rare double start is harmless
        yield
        return
    with open(home / LOCK_FILE, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_engine(settings: EngineSettings | None = None, *, timeout_s: float = 30.0
                  ) -> EngineInfo:
    """Reuse the engine serving the home folder, or start one in the background."""
    settings = settings or EngineSettings.from_env()
    settings.ensure_dirs()
    found = running_engine(settings.home)
    if found:
        return found
    with _start_lock(settings.home):
        found = running_engine(settings.home)
        if found:
            return found
        return _spawn(settings, timeout_s)


def _spawn(settings: EngineSettings, timeout_s: float) -> EngineInfo:
    (settings.home / STATE_FILE).unlink(missing_ok=True)
    env = {**os.environ, **settings.to_env()}
    log_path = settings.home / LOG_FILE
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "nemo_widgets.engine", "--home", str(settings.home),
             "--host", settings.host, "--port", str(settings.port), "--quiet"],
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file, env=env,
            start_new_session=True)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = running_engine(settings.home)
        if found and found.pid == process.pid:
            return found
        if process.poll() is not None:
            raise EngineStartError(
                f"The engine exited with code {process.returncode}; see {log_path}.")
        time.sleep(0.1)
    process.terminate()
    raise EngineStartError(f"The engine did not start within {timeout_s:g} s; see {log_path}.")


def stop_engine(home: Path | None = None, *, timeout_s: float = 10.0) -> bool:
    """Stop the engine serving ``home``; True if one was running."""
    home = home or default_home()
    found = running_engine(home)
    if found is None:
        (home / STATE_FILE).unlink(missing_ok=True)
        return False
    os.kill(found.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(found.pid):
            break
        time.sleep(0.05)
    else:
        os.kill(found.pid, signal.SIGKILL)
    (home / STATE_FILE).unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A child that exited but was not reaped yet is a zombie: treat it as gone.
    with contextlib.suppress(OSError):
        status = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        return status != "Z"
    return True

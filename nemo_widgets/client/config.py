"""The client's settings: which backend, where identity is kept, and every wait it makes.

The protocol's waits are long on purpose (30 s before retrying a rate limit, 2 minutes between
progress notes, 10 minutes of keep-alives before a time-out, a 15-minute cap on a turn, about
5 minutes of state polls after a dropped stream). They are settings so that tests, and users
with other needs, can shorten them; ``NEMO_CLIENT_<NAME>`` environment variables set them in a
process the caller does not control (a kernel, the CLI).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nemo_widgets import protocol
from nemo_widgets._env import values_from_env

CLOUD_URL = "https://mega-api-prod.nemovideo.ai"
"""NemoVideo's cloud, the backend ``--backend cloud`` names."""


def default_config_dir() -> Path:
    """``NEMO_CONFIG_DIR`` if set, else ``~/.config/nemovideo`` (where the client id lives)."""
    env = os.environ.get("NEMO_CONFIG_DIR")
    return Path(env).expanduser() if env else Path.home() / ".config" / "nemovideo"


@dataclass(frozen=True)
class ClientSettings:
    """All knobs of one client. Build with ``ClientSettings.from_env(**overrides)``."""

    config_dir: Path = field(default_factory=default_config_dir)
    timeout_s: float = 60.0
    """Connect/read time-out of ordinary calls."""
    rate_limit_wait_s: float = 30.0
    """Wait before the one retry after HTTP 429."""
    progress_every_s: float = 120.0
    """A "⏳ Still working..." note after this long of keep-alives only."""
    heartbeat_timeout_s: float = 600.0
    """Keep-alives only for this long is a time-out."""
    turn_cap_s: float = 900.0
    """No turn is followed for longer than this."""
    drop_poll_s: tuple[float, ...] = (30.0, 60.0, 60.0, 60.0, 60.0, 30.0)
    """Waits between state polls after a dropped stream (about 5 minutes in all)."""
    streaming: bool = False
    """Ask the agent for partial text events (``"streaming": true`` in the ``/run_sse``
    body). Off by default: no known client of the service sends it; the embedded engine
    streams partial text either way when asked."""
    render_poll_s: float = 0.5
    """First wait between render polls (the engine renders a quick edit in seconds); it
    grows by half each time..."""
    render_poll_max_s: float = 30.0
    """...up to this (the product polls every 30 s)."""
    render_hold_s: float = 10.0
    """Ask the backend to hold each render poll up to this long until there is news (the
    embedded engine's ``?wait=``, which answers the moment a render is done); a backend that
    ignores it is polled with the back-off above. 0 turns it off."""
    render_timeout_s: float = 1800.0
    """Give up on a render after this long."""
    transient_retries: int = 4
    """Retries of one render call after a 5xx or a broken connection (same render id)."""
    transient_wait_s: float = 1.0
    """First wait before such a retry; doubles each time."""
    max_upload_bytes: int = protocol.MAX_UPLOAD_BYTES
    """Files above this are refused before sending (4002)."""
    chunk_bytes: int = 1 << 20
    """Read and write size for streamed uploads and downloads."""

    def __post_init__(self) -> None:
        # A string is welcome (``ClientSettings(config_dir="~/x")``); keep a Path.
        object.__setattr__(self, "config_dir", Path(self.config_dir).expanduser())
        object.__setattr__(self, "drop_poll_s", tuple(float(s) for s in self.drop_poll_s))

    def replace(self, **changes: Any) -> ClientSettings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> ClientSettings:
        """Read ``NEMO_CLIENT_<SETTING>`` variables, e.g. ``NEMO_CLIENT_RATE_LIMIT_WAIT_S=1``
        (parsed by the fields' types in ``nemo_widgets._env``, shared with the engine)."""
        values = values_from_env(cls, "NEMO_CLIENT_", dict(os.environ if env is None else env))
        return cls(**{**values, **overrides})


@dataclass(frozen=True)
class Backend:
    """Where the client talks to: a base URL, and the key its token is cached under."""

    url: str
    key: str
    """The base URL, or ``local:<home>`` for the embedded engine, whose port changes at every
    start while its database (and so the one-token-per-client rule) stays."""
    local: bool = False


def backend_choice(backend: str | None) -> str:
    """``backend``, else ``NEMO_API_URL``, else ``local``."""
    return (backend or os.environ.get("NEMO_API_URL") or "local").strip()


def resolve_backend(backend: str | None) -> Backend:
    """The backend ``backend`` names: ``local`` (default) finds or starts the embedded
    engine, ``cloud`` is NemoVideo's cloud, anything else is a base URL. ``None`` reads
    ``NEMO_API_URL`` and falls back to ``local``. Blocking: it may start an engine."""
    choice = backend_choice(backend)
    if choice == "local":
        from nemo_widgets.engine.server import ensure_engine

        info = ensure_engine()
        return Backend(info.url.rstrip("/"), f"local:{info.home}", local=True)
    if choice == "cloud":
        return Backend(CLOUD_URL, CLOUD_URL)
    if not choice.lower().startswith(("http://", "https://")):
        raise ValueError(f"The backend must be local, cloud or an http(s) URL, not {choice!r}.")
    url = choice.rstrip("/")
    return Backend(url, url)

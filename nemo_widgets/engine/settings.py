"""The engine's settings: where its data lives, its limits and its protocol variants.

Everything a test needs to provoke (short token lifetimes, rate limits, the other render answer
shape, errors as HTTP 200, a blocked export) is a setting here, read from ``NEMO_ENGINE_*``
environment variables so that an engine started as a separate process can be configured.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from nemo_widgets import protocol

DAY_S = 24 * 3600


def default_home() -> Path:
    """``NEMO_HOME`` if set, else the per-user data folder (``~/.local/share/nemo-widgets``)."""
    env = os.environ.get("NEMO_HOME")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("nemo-widgets"))


@dataclass(frozen=True)
class Prices:
    """Credits each action costs (see ``docs/engine.md``). Export is free, as in the cloud."""

    edit: int = 5
    music: int = 20
    export: int = 0


@dataclass(frozen=True)
class EngineSettings:
    """All knobs of one engine process. Build with ``EngineSettings.from_env()``."""

    home: Path = field(default_factory=default_home)
    host: str = "127.0.0.1"
    port: int = 0
    anonymous_credits: int = 100
    token_ttl_s: int = 7 * DAY_S
    tokens_per_client: int = 1
    token_window_s: int = 7 * DAY_S
    max_upload_bytes: int = protocol.MAX_UPLOAD_BYTES
    prices: Prices = field(default_factory=Prices)
    render_answer_shape: str = "top"  # "top": {status, output.url}; "success": {success, data}
    errors_as_200: bool = False
    export_requires_plan: bool = False
    keepalive_s: float = 5.0
    render_workers: int = 1
    heartbeat_style: str = "bare"  # "bare" (data:), "json" ({"type":"heartbeat"}), "comment"
    sse_drop_after: int = 0  # test hook: cut the stream after N events (the turn still finishes)
    turn_delay_s: float = 0.0  # test hook: long work before a turn, to exercise keep-alives
    render_submit_503s: int = 0  # test hook: the first N render submits are recorded, then 503
    render_poll_503s: int = 0  # test hook: the first N render polls answer HTTP 503
    # Limits of media work (engine-media; each is explained in docs/security-media.md).
    render_max_duration_s: float = 7200.0  # a render's total length
    render_max_tracks: int = 64
    render_max_segments: int = 2000
    render_max_temp_bytes: int = 8 * 1024 ** 3  # raw sound of the loudness pass, per render
    url_import_allow_private: bool = False  # True: URL imports may reach LAN/loopback hosts
    url_import_deadline_s: float = 300.0  # a whole URL import, redirects included
    url_import_min_rate_bps: int = 16 * 1024  # averaged over each url_import_rate_window_s
    url_import_rate_window_s: float = 20.0
    upload_min_rate_bps: int = 16 * 1024  # averaged over each upload_rate_window_s
    upload_rate_window_s: float = 30.0
    tmp_sweep_interval_s: float = 600.0  # 0: sweep tmp/ only at start-up
    tmp_sweep_grace_s: float = 900.0  # unclaimed leftovers younger than this are kept
    analyse_on_upload: bool = True  # analyse uploaded videos at once, before music is asked

    @property
    def db_path(self) -> Path:
        return self.home / "engine.sqlite3"

    @property
    def media_dir(self) -> Path:
        return self.home / "media"

    @property
    def renders_dir(self) -> Path:
        return self.home / "renders"

    @property
    def tmp_dir(self) -> Path:
        return self.home / "tmp"

    def ensure_dirs(self) -> None:
        for folder in (self.home, self.media_dir, self.renders_dir, self.tmp_dir):
            folder.mkdir(parents=True, exist_ok=True)

    def replace(self, **changes: Any) -> EngineSettings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> EngineSettings:
        """Read ``NEMO_ENGINE_<SETTING>`` variables (e.g. ``NEMO_ENGINE_TOKEN_TTL_S=2``)."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f"NEMO_ENGINE_{f.name.upper()}")
            if raw is None or f.name == "prices":
                continue
            values[f.name] = _parse(f.type, raw)
        prices = {p.name: int(env[f"NEMO_ENGINE_PRICE_{p.name.upper()}"])
                  for p in dataclasses.fields(Prices)
                  if f"NEMO_ENGINE_PRICE_{p.name.upper()}" in env}
        if prices:
            values["prices"] = Prices(**prices)
        if "home" not in values:
            values["home"] = default_home()
        values.update(overrides)
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The inverse of ``from_env``: variables that make a child process use these settings."""
        out: dict[str, str] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "prices":
                for p in dataclasses.fields(Prices):
                    out[f"NEMO_ENGINE_PRICE_{p.name.upper()}"] = str(getattr(value, p.name))
            elif isinstance(value, tuple):
                out[f"NEMO_ENGINE_{f.name.upper()}"] = ",".join(value)
            else:
                out[f"NEMO_ENGINE_{f.name.upper()}"] = str(value)
        return out


def _parse(kind: Any, raw: str) -> Any:
    kind = str(kind)
    if "bool" in kind:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if "int" in kind:
        return int(raw)
    if "float" in kind:
        return float(raw)
    if "Path" in kind:
        return Path(raw).expanduser()
    if "tuple" in kind:
        return tuple(p.strip() for p in raw.split(",") if p.strip())
    return raw

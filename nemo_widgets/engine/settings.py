"""The engine's settings: where its data lives, its limits, its profile.

Everything a test needs to provoke (short token lifetimes, small credit grants, the cloud's
habits, injected faults) is a setting, read from ``NEMO_ENGINE_*`` environment variables so that
an engine started as a separate process can be configured. The profile
(``NEMO_ENGINE_PROFILE``: ``local``, ``cloud``, ``faults``) decides whether credits are a wall
and whether the cloud's habits are imitated; those habits live in ``engine.emulation``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from nemo_widgets import protocol
from nemo_widgets._env import values_from_env, values_to_env
from nemo_widgets.engine.emulation.options import (
    EmulationOptions,
    effective_profile,
    has_cloud_habits,
)

DAY_S = 24 * 3600
ENV_PREFIX = "NEMO_ENGINE_"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def default_home() -> Path:
    """``NEMO_HOME`` if set, else the per-user data folder (``~/.local/share/nemo-widgets``)."""
    env = os.environ.get("NEMO_HOME")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("nemo-widgets"))


def is_loopback(host: str) -> bool:
    """True for names and addresses that only this machine can reach."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


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
    profile: str = "local"
    """``local`` (credits recorded, never a wall; no token rate limit), ``cloud``, ``faults``."""
    anonymous_credits: int = 100
    token_ttl_s: int = 7 * DAY_S
    tokens_per_client: int = 1
    """Live anonymous tokens per client id per window (cloud and faults profiles; then 429)."""
    token_window_s: int = 7 * DAY_S
    max_upload_bytes: int = protocol.MAX_UPLOAD_BYTES
    max_json_bytes: int = 2 * 1024 * 1024
    """Largest JSON body (a draft, a turn), enforced while reading (then 413)."""
    max_json_depth: int = 40
    """Deepest nesting of a draft (then 422)."""
    prices: Prices = field(default_factory=Prices)
    keepalive_s: float = 5.0
    heartbeat_style: str = "bare"  # "bare" (data:), "json" ({"type":"heartbeat"}), "comment"
    render_workers: int = 1
    allowed_hosts: tuple[str, ...] = ()
    """Extra ``Host`` header names accepted besides loopback and the bound host (``*``: any)."""
    access_key: str = field(default="", repr=False)
    """The bearer every request needs when the engine listens beyond loopback."""
    # Limits of media work (each is explained in docs/security.md, "Media and rendering").
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
    emulation: EmulationOptions = field(default_factory=EmulationOptions)

    def __post_init__(self) -> None:
        object.__setattr__(self, "home", Path(self.home).expanduser())
        object.__setattr__(self, "profile", effective_profile(self.profile, self.emulation))

    @property
    def credits_block(self) -> bool:
        """Whether running out of credits refuses work (2001); on ``local`` it never does."""
        return has_cloud_habits(self.profile)

    @property
    def tokens_rate_limited(self) -> bool:
        """Whether anonymous tokens are limited per client id (429); not on ``local``."""
        return has_cloud_habits(self.profile)

    @property
    def profile_note(self) -> str:
        """Said after a refusal the local profile would not make, so that the user of a local
        engine knows it is a setting, not the cloud's account."""
        return (f" (This engine runs the {self.profile} profile, NEMO_ENGINE_PROFILE="
                f"{self.profile}; the default local profile records credits but never blocks, and "
                "has no token limit.)")

    @property
    def exposed(self) -> bool:
        """Listening on an address other machines can reach."""
        return not is_loopback(self.host)

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
        """The home and its folders, private to the user (0700)."""
        for folder in (self.home, self.media_dir, self.renders_dir, self.tmp_dir):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            _chmod(folder, 0o700)

    def replace(self, **changes: Any) -> EngineSettings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> EngineSettings:
        """Read ``NEMO_ENGINE_<SETTING>`` variables (e.g. ``NEMO_ENGINE_TOKEN_TTL_S=2``).

        Overrides may name the emulation's options too; they are passed on to
        ``EmulationOptions``.
        """
        env = dict(os.environ if env is None else env)
        values = values_from_env(cls, ENV_PREFIX, env,
                                 skip=frozenset({"prices", "emulation"}))
        prices = {p.name: int(env[f"{ENV_PREFIX}PRICE_{p.name.upper()}"])
                  for p in dataclasses.fields(Prices)
                  if f"{ENV_PREFIX}PRICE_{p.name.upper()}" in env}
        if prices:
            values["prices"] = Prices(**prices)
        if "home" not in values:
            values["home"] = default_home()
        emulated = {k: overrides.pop(k) for k in list(overrides)
                    if k in EmulationOptions.names()}
        values["emulation"] = EmulationOptions.from_env(env, **emulated)
        values.update(overrides)
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The inverse of ``from_env``: variables that make a child process use these settings."""
        out = values_to_env(self, ENV_PREFIX, skip=frozenset({"prices", "emulation"}))
        for p in dataclasses.fields(Prices):
            out[f"{ENV_PREFIX}PRICE_{p.name.upper()}"] = str(getattr(self.prices, p.name))
        out.update(self.emulation.to_env())
        return out


def make_private(home: Path) -> None:
    """Tighten what an older version left readable by others: folders 0700, files 0600."""
    for root, dirs, files in os.walk(home):
        for name in dirs:
            _chmod(Path(root) / name, 0o700)
        for name in files:
            _chmod(Path(root) / name, 0o600)
    _chmod(home, 0o700)


def _chmod(path: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(path.lstat().st_mode) != mode and not path.is_symlink():
            path.chmod(mode)
    except OSError:
        pass

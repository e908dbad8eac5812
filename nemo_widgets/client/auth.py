"""Who the client is: the client id, the bearer token, and the cache that keeps it.

The backend grants one anonymous token per client id per 7 days, so a fresh kernel must not ask
again: tokens are cached per base URL in ``<config_dir>/tokens.json`` (mode 0600) until they
expire, and the client id is kept in ``<config_dir>/client_id``. ``NEMO_TOKEN`` (or an explicit
token) wins over both. The token lives in a private attribute, is masked in every repr, and is
only ever written into the ``Authorization`` header and the cache file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from nemo_widgets import protocol
from nemo_widgets.client.config import ClientSettings
from nemo_widgets.client.envelope import as_dict, transport_failure, unwrap
from nemo_widgets.client.errors import AuthError, BadRequest, NemoError, RateLimited
from nemo_widgets.client.storage import private_write, read_json_object

log = logging.getLogger("nemo_widgets.client.auth")

CLIENT_ID_FILE = "client_id"
TOKEN_CACHE_FILE = "tokens.json"
EXPIRY_MARGIN_S = 60.0
DEFAULT_TTL_S = 7 * 24 * 3600.0


class Credentials:
    """A bearer token and what is known about its owner. The token itself is never shown."""

    __slots__ = ("_token", "expires_at", "refresh_at", "source", "user_id")

    def __init__(self, token: str, *, user_id: str | None = None,
                 expires_at: float | None = None, refresh_at: float | None = None,
                 source: str = "anonymous") -> None:
        self._token = token
        self.user_id = user_id
        self.expires_at = expires_at
        self.refresh_at = refresh_at if refresh_at is not None else (
            None if expires_at is None else expires_at - EXPIRY_MARGIN_S)
        """When to stop using it: a minute before expiry (a tenth of the lifetime if shorter)."""
        self.source = source
        """``anonymous`` (just requested), ``cache``, ``env`` (NEMO_TOKEN) or ``argument``."""

    @property
    def anonymous(self) -> bool:
        """Anonymous tokens are the ones this client requested (or a user id says so)."""
        if self.user_id:
            return self.user_id.startswith("anon_")
        return self.source in ("anonymous", "cache")

    @property
    def renewable(self) -> bool:
        """Only tokens this client requested may be replaced by a new anonymous one."""
        return self.source in ("anonymous", "cache")

    def expired(self, now: float | None = None) -> bool:
        if self.refresh_at is None:
            return False
        return (time.time() if now is None else now) >= self.refresh_at

    def authorization(self) -> dict[str, str]:
        """The one place the token leaves this object: the ``Authorization`` header."""
        return {"Authorization": f"Bearer {self._token}"}

    def same_token(self, other: Credentials | None) -> bool:
        return other is not None and other._token == self._token

    def __repr__(self) -> str:
        return (f"Credentials(user_id={self.user_id!r}, source={self.source!r}, "
                f"token='nmv_…(hidden)')")

    def _cache_entry(self, client_id: str) -> dict[str, Any]:
        return {"token": self._token, "user_id": self.user_id, "expires_at": self.expires_at,
                "refresh_at": self.refresh_at, "client_id": client_id}


def load_client_id(config_dir: Path, *, renew: bool = False) -> str:
    """``NEMO_CLIENT_ID``, else the UUID kept in ``<config_dir>/client_id`` (made once)."""
    env = os.environ.get("NEMO_CLIENT_ID", "").strip()
    if env and not renew:
        return env
    path = config_dir / CLIENT_ID_FILE
    if not renew:
        with contextlib.suppress(OSError):
            kept = path.read_text(encoding="utf-8").strip()
            if kept:
                return kept
    client_id = str(uuid.uuid4())
    private_write(path, client_id + "\n")
    return client_id


class TokenCache:
    """Tokens by backend key in one JSON file, mode 0600; expired entries are ignored."""

    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / TOKEN_CACHE_FILE

    def _read(self) -> dict[str, Any]:
        return read_json_object(self.path)

    def load(self, key: str) -> Credentials | None:
        entry = self._read().get(key)
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
            return None
        expires, refresh = entry.get("expires_at"), entry.get("refresh_at")
        creds = Credentials(entry["token"], user_id=entry.get("user_id"),
                            expires_at=float(expires) if isinstance(expires, (int, float))
                            else None,
                            refresh_at=float(refresh) if isinstance(refresh, (int, float))
                            else None, source="cache")
        return None if creds.expired() else creds

    def save(self, key: str, creds: Credentials, client_id: str) -> None:
        data = {url: entry for url, entry in self._read().items()
                if isinstance(entry, dict) and not _entry_expired(entry)}
        data[key] = creds._cache_entry(client_id)
        private_write(self.path, json.dumps(data, indent=1))

    def forget(self, key: str) -> None:
        data = self._read()
        if data.pop(key, None) is not None:
            private_write(self.path, json.dumps(data, indent=1))


def _entry_expired(entry: dict[str, Any]) -> bool:
    expires = entry.get("expires_at")
    return isinstance(expires, (int, float)) and time.time() >= expires


def _expiry(data: dict[str, Any]) -> float:
    raw = data.get("expires_at")
    if isinstance(raw, (int, float)):
        return float(raw) / (1000 if raw > 1e11 else 1)
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    return time.time() + DEFAULT_TTL_S


class Identity:
    """Finds, requests, caches and renews the token for one base URL."""

    def __init__(self, backend_key: str, settings: ClientSettings, *, token: str | None = None,
                 client_id: str | None = None) -> None:
        self.backend_key = backend_key
        """The cache key: the base URL, or ``local:<home>`` for the engine (its port changes)."""
        self._settings = settings
        self._cache = TokenCache(settings.config_dir)
        self._client_id: str | None = client_id
        self._creds: Credentials | None = None
        self._lock: asyncio.Lock | None = None
        env_token = os.environ.get("NEMO_TOKEN", "").strip()
        if token:
            self._creds = Credentials(token, source="argument")
        elif env_token:
            self._creds = Credentials(env_token, source="env")

    def __repr__(self) -> str:
        return f"Identity(backend={self.backend_key!r}, {self._creds!r})"

    @property
    def client_id(self) -> str:
        if self._client_id is None:
            self._client_id = load_client_id(self._settings.config_dir)
        return self._client_id

    @property
    def current(self) -> Credentials | None:
        """The credentials in use, if any were settled on yet."""
        return self._creds

    def _get_lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def credentials(self, http: httpx.AsyncClient) -> Credentials:
        """The token to use: explicit/env, else cached, else a new anonymous one."""
        creds = self._creds
        if creds is not None and not (creds.renewable and creds.expired()):
            return creds
        async with self._get_lock():
            creds = self._creds
            if creds is not None and not (creds.renewable and creds.expired()):
                return creds
            cached = self._cache.load(self.backend_key)
            if cached is not None:
                self._creds = cached
                return cached
            return await self._request(http)

    async def renew(self, http: httpx.AsyncClient, failed: Credentials) -> Credentials:
        """After 1001: a new anonymous token with the same client id (unless another call
        already renewed it). Tokens given by the user cannot be renewed: AuthError."""
        async with self._get_lock():
            current = self._creds
            if current is not None and not current.same_token(failed):
                return current
            if not failed.renewable:
                what = "NEMO_TOKEN" if failed.source == "env" else "The token you gave"
                raise AuthError(f"{what} was refused by the backend (1001: bad or expired).",
                                code=protocol.CODE_BAD_TOKEN,
                                fix="Set a valid token, or unset it to use an anonymous one.")
            self._cache.forget(self.backend_key)
            self._creds = None
            log.info("token refused (1001); requesting a new anonymous token")
            return await self._request(http)

    async def _request(self, http: httpx.AsyncClient) -> Credentials:
        """POST the anonymous-token call; retry once after 429 (and once after a 400 that
        says the client id is missing, with a fresh id)."""
        waited = regenerated = False
        while True:
            try:
                answer = await http.post(protocol.PATH_ANONYMOUS_TOKEN,
                                         headers={protocol.HEADER_CLIENT_ID: self.client_id})
            except httpx.TransportError as exc:
                raise transport_failure(exc) from None
            try:
                data = as_dict(unwrap(answer), "the anonymous-token call")
            except RateLimited as exc:
                if waited:
                    exc.fix = (f"This client ({self.client_id[:8]}…) already had its anonymous "
                               "token for this period and none is cached here. Set NEMO_TOKEN, "
                               "or wait for the period to end.")
                    raise
                waited = True
                log.info("anonymous token rate-limited (429); retrying once in %.1f s",
                         self._settings.rate_limit_wait_s)
                await asyncio.sleep(self._settings.rate_limit_wait_s)
                continue
            except BadRequest as exc:
                if regenerated or (exc.status != 400 and exc.code != 400):
                    raise
                regenerated = True
                self._client_id = load_client_id(self._settings.config_dir, renew=True)
                continue
            break
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise NemoError("The backend's anonymous-token answer has no token.")
        user_id = data.get("user_id")
        now, expires = time.time(), _expiry(data)
        creds = Credentials(token, user_id=user_id if isinstance(user_id, str) else None,
                            expires_at=expires,
                            refresh_at=expires - min(EXPIRY_MARGIN_S, (expires - now) / 10),
                            source="anonymous")
        self._cache.save(self.backend_key, creds, self.client_id)
        self._creds = creds
        return creds

    def remember_user(self, user_id: str | None) -> None:
        """Older answers reveal the user id only on session creation: keep it."""
        creds = self._creds
        if creds is not None and user_id and not creds.user_id:
            creds.user_id = user_id
            if creds.renewable:
                self._cache.save(self.backend_key, creds, self.client_id)

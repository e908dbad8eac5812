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
RENEWAL_BACKOFF_S = 600.0
"""After a refused renewal, keep the old token this long before asking again."""
_NO_NEW_TOKEN_FIX = ("set NEMO_TOKEN to a valid token (or register) to go on once it "
                     "expires; the backend gives one anonymous token per client per 7 days.")


def _cannot_renew(client_id: str) -> AuthError:
    return AuthError("The token expired and the backend will not give this client id "
                     f"({client_id[:8]}…) a new anonymous token yet (429).",
                     code=protocol.CODE_BAD_TOKEN, fix=_NO_NEW_TOKEN_FIX[0].upper()
                     + _NO_NEW_TOKEN_FIX[1:])


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
        self._renew_after = 0.0
        self.notices: list[str] = []
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
        """The token to use: explicit/env, else cached, else a new anonymous one.

        A token near (or past) its expiry is renewed; when the backend refuses a new one
        (429: one anonymous token per client id per period), the old token is kept and the
        renewal is not asked again for ``RENEWAL_BACKOFF_S``, so the client goes on working
        for as long as the backend accepts it, with a notice saying what to do, instead of
        spending its one chance in a loop."""
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
            if creds is not None and time.time() < self._renew_after:
                return creds
            try:
                return await self._request(http, patient=creds is None)
            except RateLimited:
                if creds is None:
                    raise
                self._renew_after = time.time() + RENEWAL_BACKOFF_S
                self._note(f"The token is due for renewal but the backend refused a new one "
                           f"for this client id ({self.client_id[:8]}…, 429). Still using the "
                           f"current token; {_NO_NEW_TOKEN_FIX}")
                return creds

    def _note(self, text: str) -> None:
        log.warning("%s", text)
        if text not in self.notices:
            self.notices.append(text)

    def take_notices(self) -> list[str]:
        """What the identity wants the user told (a refused renewal), once."""
        taken, self.notices = self.notices, []
        return taken

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
            if time.time() < self._renew_after:
                raise _cannot_renew(self.client_id)
            self._cache.forget(self.backend_key)
            log.info("token refused (1001); requesting a new anonymous token")
            try:
                self._creds = await self._request(http, patient=False)
            except RateLimited:
                # Keep the refused token in place so the next call fails fast, here, instead
                # of asking the token endpoint again and again.
                self._renew_after = time.time() + RENEWAL_BACKOFF_S
                raise _cannot_renew(self.client_id) from None
            return self._creds

    async def _request(self, http: httpx.AsyncClient, *, patient: bool = True) -> Credentials:
        """POST the anonymous-token call; retry once after 429 when ``patient`` (a first
        token; a renewal has an old token to fall back on), and once after a 400 that says
        the client id is missing, with a fresh id."""
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
                if waited or not patient:
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

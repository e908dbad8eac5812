"""Every HTTP exchange with the backend: headers, identity, envelopes and the retry rules.

One ``httpx.AsyncClient`` per client. This layer adds the attribution headers to every call and
the bearer token to every call but the anonymous-token one, unwraps the answer, and applies the
protocol's recoveries in one place: 1001 → one new anonymous token and a retry, 429 → one retry
after the rate-limit wait, a refused connection to the local engine → start it again. Transient
failures (5xx, a broken connection) are retried only where the caller says a retry is safe: reads,
and render calls that carry their own id. It logs the method, path and status, never a header.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from nemo_widgets import protocol
from nemo_widgets._version import __version__
from nemo_widgets.client.auth import Credentials, Identity
from nemo_widgets.client.config import ClientSettings
from nemo_widgets.client.envelope import transport_failure, unwrap
from nemo_widgets.client.errors import (
    AuthError,
    ConnectionFailed,
    NemoError,
    NoCredits,
    RateLimited,
    ServerError,
)

log = logging.getLogger("nemo_widgets.client.transport")

BodyFactory = Callable[[], AsyncIterable[bytes]]
"""Makes a fresh streamed body: a retried upload must read its files again."""

Reconnect = Callable[[], Awaitable[str]]
"""Finds (or starts) the backend again and returns its base URL (local mode)."""


def skill_platform(here: Path | None = None) -> str:
    """``clawhub`` or ``cursor`` when this package is installed under their skill folders."""
    here = (here or Path(__file__)).resolve()
    home = Path.home()
    if (home / ".clawhub") in here.parents:
        return "clawhub"
    if (home / ".cursor" / "skills") in here.parents:
        return "cursor"
    return "unknown"


def attribution_headers() -> dict[str, str]:
    """The three ``X-Skill-*`` headers every call carries (missing ones can make export 402)."""
    return {protocol.HEADER_SKILL_SOURCE: protocol.SKILL_SOURCE,
            protocol.HEADER_SKILL_VERSION: __version__,
            protocol.HEADER_SKILL_PLATFORM: skill_platform()}


class Transport:
    """Authenticated, unwrapped, retried calls to one backend."""

    def __init__(self, base_url: str, settings: ClientSettings, identity: Identity, *,
                 http_transport: httpx.AsyncBaseTransport | None = None,
                 reconnect: Reconnect | None = None) -> None:
        self.settings = settings
        self.identity = identity
        self._reconnect = reconnect
        self._http = httpx.AsyncClient(
            base_url=base_url, headers=attribution_headers(), transport=http_transport,
            timeout=httpx.Timeout(settings.timeout_s), follow_redirects=True)

    @property
    def base_url(self) -> str:
        return str(self._http.base_url).rstrip("/")

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def account(self) -> tuple[str | None, bool]:
        """``(user_id, anonymous)`` of the current credentials, for the 2001 advice."""
        creds = self.identity.current
        return (creds.user_id, creds.anonymous) if creds else (None, True)

    async def credentials(self) -> Credentials:
        return await self.identity.credentials(self._http)

    # --- one call -------------------------------------------------------------------------------
    async def call(self, method: str, path: str, *, json: Any = None,
                   body: BodyFactory | None = None, headers: dict[str, str] | None = None,
                   timeout: float | None = None, retry_transient: bool | None = None,
                   on_headers: Callable[[httpx.Headers], None] | None = None) -> Any:
        """Send one request and return the unwrapped payload (``on_headers`` sees the
        answer's headers first).

        ``retry_transient`` (default: only for GET) allows retries after a 5xx or a connection
        that broke after the request went out; POSTs may opt in when repeating them is
        harmless (a render id)."""
        retries = self.settings.transient_retries if (
            method == "GET" if retry_transient is None else retry_transient) else 0
        wait = self.settings.transient_wait_s
        attempt = 0
        while True:
            try:
                async with self._exchange(method, path, json=json, body=body, headers=headers,
                                          timeout=timeout) as response:
                    await response.aread()
                    if on_headers is not None:
                        on_headers(response.headers)
                    return unwrap(response)
            except (ServerError, ConnectionFailed) as exc:
                # A refused connection means the backend is down: say so now, not in 15 s.
                refused = isinstance(exc, ConnectionFailed) and not exc.sent
                if attempt >= retries or refused:
                    raise
                attempt += 1
                log.info("%s %s failed (%s); retry %d/%d in %.1f s", method, path,
                         type(exc).__name__, attempt, retries, wait)
                await asyncio.sleep(wait)
                wait *= 2

    @contextlib.asynccontextmanager
    async def stream(self, method: str, path: str, *, json: Any = None,
                     headers: dict[str, str] | None = None, timeout: httpx.Timeout | None = None,
                     ) -> AsyncIterator[httpx.Response]:
        """An open streamed answer whose status and envelope were already checked."""
        async with self._exchange(method, path, json=json, headers=headers,
                                  timeout=timeout) as response:
            yield response

    @contextlib.asynccontextmanager
    async def _exchange(self, method: str, path: str, *, json: Any = None,
                        body: BodyFactory | None = None, headers: dict[str, str] | None = None,
                        timeout: float | httpx.Timeout | None = None,
                        ) -> AsyncIterator[httpx.Response]:
        """The request with its recoveries (1001 once, 429 once, local restart once)."""
        renewed = rate_waited = reconnected = False
        while True:
            try:
                creds = await self.credentials()
                request = self._http.build_request(
                    method, path, json=json, content=body() if body else None,
                    headers={**(headers or {}), **creds.authorization()},
                    timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
                try:
                    response = await self._http.send(request, stream=True)
                except httpx.TransportError as exc:
                    raise transport_failure(exc) from None
            except ConnectionFailed as exc:
                if exc.sent or self._reconnect is None or reconnected:
                    raise
                reconnected = True  # the local engine is gone: start it again, once
                log.info("the local engine did not answer; starting it again")
                self._http.base_url = httpx.URL(await self._reconnect())
                continue
            try:
                log.debug("%s %s -> %d", method, path, response.status_code)
                await self._raise_for_error(response)
            except AuthError:
                await response.aclose()
                if renewed:
                    raise
                renewed = True
                await self.identity.renew(self._http, creds)
                continue
            except RateLimited:
                await response.aclose()
                if rate_waited:
                    raise
                rate_waited = True
                log.info("rate-limited (429) on %s; retrying once in %.1f s", path,
                         self.settings.rate_limit_wait_s)
                await asyncio.sleep(self.settings.rate_limit_wait_s)
                continue
            except NoCredits as exc:
                await response.aclose()
                raise exc.for_account(*self.account) from None
            except BaseException:
                await response.aclose()
                raise
            try:
                yield response
            except httpx.TransportError as exc:
                raise transport_failure(exc) from exc
            finally:
                await response.aclose()
            return

    async def _raise_for_error(self, response: httpx.Response) -> None:
        """Raise the typed error of a failed answer (HTTP ≥ 400, or JSON with ``code != 0``,
        the errors-as-200 variant); leave a successful stream unread."""
        is_json = "json" in response.headers.get("content-type", "")
        if response.status_code < 400 and not is_json:
            return
        try:
            await response.aread()  # small: an envelope; a success stays readable from memory
        except httpx.TransportError as exc:
            raise transport_failure(exc) from None
        unwrap(response)  # raises for HTTP >= 400 and for code != 0

    # --- absolute URLs (CDN) -------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def fetch(self, url: str) -> AsyncIterator[httpx.Response]:
        """GET an absolute URL (a render's ``output.url``). The bearer token goes only to the
        backend's own origin, never to a CDN on another host."""
        headers: dict[str, str] = {}
        target = httpx.URL(url)
        own = self._http.base_url
        if (target.scheme, target.host, target.port) == (own.scheme, own.host, own.port):
            headers = (await self.credentials()).authorization()
        try:
            async with self._http.stream("GET", url, headers=headers,
                                         timeout=httpx.Timeout(self.settings.timeout_s)
                                         ) as response:
                if response.status_code >= 400:
                    raise NemoError(f"The file URL answered HTTP {response.status_code}.",
                                    status=response.status_code)
                yield response
        except httpx.TransportError as exc:
            raise transport_failure(exc) from None

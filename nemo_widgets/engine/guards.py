"""The engine's HTTP guards, in front of every route (an ASGI middleware).

In order, before any route runs:

1. ``Host`` allow-list: a web page on another site cannot reach the engine by pointing its own
   domain at 127.0.0.1 (DNS rebinding): only loopback names, the bound host and
   ``NEMO_ENGINE_ALLOWED_HOSTS`` are answered.
2. Beyond loopback (``serve --host 0.0.0.0``) every request needs a bearer: the engine's
   access key (``NEMO_ENGINE_ACCESS_KEY``; the only bearer that may ask for anonymous tokens)
   or a user token.
3. Requests with a body that need a token are authenticated before their body is read.
4. Bodies other than multipart uploads (to the upload route) are read whole, at most
   ``max_json_bytes`` (413 beyond, counted while reading, whatever ``Content-Length`` says),
   and then handed to the route.
"""

from __future__ import annotations

import hmac
import json
import socket

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nemo_widgets import protocol
from nemo_widgets.engine.errors import (
    BadToken,
    BodyTooLarge,
    EngineError,
    HostNotAllowed,
)
from nemo_widgets.engine.services import Engine, bearer
from nemo_widgets.engine.settings import LOOPBACK_NAMES

_OPEN_PATHS = (protocol.PATH_ANONYMOUS_TOKEN,)
_UPLOAD_PREFIX = protocol.TEMPLATE_UPLOAD.split("{", 1)[0]
DRAIN_FACTOR = 4
"""A refused body up to this many times the limit is read (not kept) before the 413."""
"""Body-carrying routes that need no user token."""


def host_name(header: str) -> str:
    """The host of a ``Host`` header, without port or IPv6 brackets, lower-case."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def allowed_hosts(host: str, extra: tuple[str, ...], exposed: bool) -> frozenset[str]:
    """Loopback names, the bound host, the machine's own names when exposed, and ``extra``."""
    names = {*LOOPBACK_NAMES, host.strip("[]").lower(), *(e.lower() for e in extra)}
    if exposed:
        for name in (socket.gethostname(), socket.getfqdn()):
            names.add(name.lower())
    return frozenset(names - {""})


class RequestGuard:
    """See the module docstring; errors are the protocol's ``{code, message}`` bodies."""

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine
        settings = engine.settings
        self.hosts = allowed_hosts(settings.host, settings.allowed_hosts, settings.exposed)
        self.any_host = "*" in settings.allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        try:
            self._check_host(headers.get("host", ""))
            self._check_bearer(scope, headers)
            if scope["method"] in ("POST", "PUT", "PATCH"):
                receive = await self._read_body(scope, headers, receive)
        except EngineError as exc:
            await _refuse(send, exc)
            return
        await self.app(scope, receive, send)

    def _check_host(self, header: str) -> None:
        name = host_name(header)
        if not self.any_host and name not in self.hosts:
            raise HostNotAllowed(f"Requests for host {name!r} are not answered (a guard "
                                 "against DNS rebinding); add it to NEMO_ENGINE_ALLOWED_HOSTS "
                                 "if it is yours.")

    def _check_bearer(self, scope: Scope, headers: dict[str, str]) -> None:
        settings, token = self.engine.settings, bearer(headers.get("authorization"))
        if settings.exposed:
            is_key = token is not None and bool(settings.access_key) and hmac.compare_digest(
                token.encode(), settings.access_key.encode())
            if scope["path"] == protocol.PATH_ANONYMOUS_TOKEN and not is_key:
                raise BadToken("This engine listens beyond loopback: ask for tokens with its "
                               "access key as the bearer (NEMO_ENGINE_ACCESS_KEY).")
            if not is_key:
                self._authenticate(token)
        elif scope["method"] in ("POST", "PUT", "PATCH") and scope["path"] not in _OPEN_PATHS:
            self._authenticate(token)  # before the body is read

    def _authenticate(self, token: str | None) -> None:
        if token is None:
            raise BadToken("Missing bearer token. Request an anonymous token first.")
        self.engine.store.authenticate(token)

    async def _read_body(self, scope: Scope, headers: dict[str, str],
                         receive: Receive) -> Receive:
        if (headers.get("content-type", "").lower().startswith("multipart/")
                and scope["path"].startswith(_UPLOAD_PREFIX)):
            return receive  # streamed to disk by the upload route, with its own limits
        limit = self.engine.settings.max_json_bytes
        too_large = BodyTooLarge(f"The request body is larger than {limit} bytes, the limit "
                                 "for JSON (NEMO_ENGINE_MAX_JSON_BYTES).")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            if int(declared) <= DRAIN_FACTOR * limit:
                await _drain(receive, DRAIN_FACTOR * limit)
            raise too_large
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            body += message.get("body", b"")
            if len(body) > limit:
                await _drain(receive, DRAIN_FACTOR * limit - len(body))
                raise too_large
            if not message.get("more_body", False):
                break
        replayed = [False]

        async def replay() -> Message:
            if replayed[0]:
                return await receive()  # waits for the disconnect, as a drained body does
            replayed[0] = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        return replay


async def _drain(receive: Receive, budget: int) -> None:
    """Read and drop the rest of a refused body, up to ``budget`` bytes, so that an ordinary
    client sees the 413 instead of a connection reset; beyond that the connection is closed."""
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _refuse(send: Send, exc: EngineError) -> None:
    data = json.dumps({"code": exc.code, "message": exc.message, "data": None}).encode()
    headers: list[tuple[bytes, bytes]] = [(b"content-type", b"application/json"),
                                          (b"content-length", str(len(data)).encode())]
    if exc.http_status == 413:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": exc.http_status, "headers": headers})
    await send({"type": "http.response.body", "body": data})



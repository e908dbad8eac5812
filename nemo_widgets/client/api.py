"""The protocol's calls on one backend: one user's connection, and a typed record per call.

``ApiClient`` resolves the backend lazily (local mode may have to start the engine, which
blocks, so it runs in a worker thread), owns the transport and the identity, and keeps the
credit ledger shared by every conversation on it. Each method is one protocol call (or one
workflow: upload, export) and returns a typed record. Conversations build on these; the public
``AsyncNemoClient`` (``client.py``) adds the ``conversation()`` factory on top, so that this
module never needs to import the conversation (no import cycle).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, TypeVar

import httpx

from nemo_widgets import protocol
from nemo_widgets.client import export as export_mod
from nemo_widgets.client.auth import Identity
from nemo_widgets.client.config import Backend, ClientSettings, backend_choice, resolve_backend
from nemo_widgets.client.envelope import as_dict
from nemo_widgets.client.errors import MalformedAnswer
from nemo_widgets.client.export import RenderProgress
from nemo_widgets.client.ledger import CreditLedger
from nemo_widgets.client.models import (
    Balance,
    ExportResult,
    SessionInfo,
    SessionState,
    UploadedFile,
    uploaded_files,
)
from nemo_widgets.client.renders import RenderBook, RenderRecord
from nemo_widgets.client.transport import Transport
from nemo_widgets.client.uploads import (
    MultipartBody,
    UploadProgress,
    check_files,
    check_urls,
    is_url,
)
from nemo_widgets.timeline import Timeline

_Client = TypeVar("_Client", bound="ApiClient")


class ApiClient:
    """The protocol's calls from asyncio: ``await client.credits()``, ``await
    client.state(session_id)``… (``AsyncNemoClient`` adds ``conversation()``).

    ``backend`` is ``"local"`` (the embedded engine, started if needed), ``"cloud"`` or a base
    URL; ``None`` reads ``NEMO_API_URL`` and defaults to local. ``token`` (or ``NEMO_TOKEN``)
    skips the anonymous token. ``http_transport`` replaces the network (tests)."""

    def __init__(self, backend: str | None = None, *, token: str | None = None,
                 client_id: str | None = None, settings: ClientSettings | None = None,
                 http_transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings or ClientSettings.from_env()
        self.backend_choice = backend_choice(backend)
        self.ledger = CreditLedger()
        self._token = token
        self._client_id = client_id
        self._http_transport = http_transport
        self._backend: Backend | None = None
        self._transport: Transport | None = None
        self._connect_lock: asyncio.Lock | None = None

    def __repr__(self) -> str:
        where = self._backend.url if self._backend else self.backend_choice
        user = self.user_id or "not signed in yet"
        return f"{type(self).__name__}(backend={where!r}, user={user!r})"

    # --- connection -----------------------------------------------------------------------------
    async def connect(self) -> Transport:
        """Resolve the backend and build the transport (once)."""
        if self._transport is not None:
            return self._transport
        if self._connect_lock is None:
            self._connect_lock = asyncio.Lock()
        async with self._connect_lock:
            if self._transport is None:
                choice = self.backend_choice
                backend = await asyncio.to_thread(resolve_backend, choice)
                identity = Identity(backend.key, self.settings, token=self._token,
                                    client_id=self._client_id)
                reconnect = None
                if backend.local and self._http_transport is None:
                    async def reconnect() -> str:
                        found = await asyncio.to_thread(resolve_backend, "local")
                        return found.url
                self._backend = backend
                self._transport = Transport(backend.url, self.settings, identity,
                                            http_transport=self._http_transport,
                                            reconnect=reconnect)
        return self._transport

    @property
    def backend(self) -> Backend | None:
        """The resolved backend (URL and token-cache key), once connected."""
        return self._backend

    @property
    def base_url(self) -> str | None:
        """The backend's base URL, once connected."""
        return self._transport.base_url if self._transport else None

    @property
    def user_id(self) -> str | None:
        creds = self._transport.identity.current if self._transport else None
        return creds.user_id if creds else None

    @property
    def anonymous(self) -> bool:
        creds = self._transport.identity.current if self._transport else None
        return creds.anonymous if creds else True

    def take_notices(self) -> list[str]:
        """What the client's identity wants the user told (a refused token renewal), once."""
        return self._transport.identity.take_notices() if self._transport else []

    async def sign_in(self) -> str | None:
        """Make sure a token is at hand (cached, given or new); the user id if known."""
        transport = await self.connect()
        creds = await transport.credentials()
        return creds.user_id

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()

    async def __aenter__(self: _Client) -> _Client:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    # --- calls ----------------------------------------------------------------------------------
    async def credits(self, *, action: str = "balance", detail: str = "",
                      session_id: str | None = None) -> Balance:
        """The balance, recorded in the ledger (as ``charge`` after a costly ``action``)."""
        transport = await self.connect()
        balance = Balance.from_json(as_dict(await transport.call("GET", protocol.PATH_CREDITS),
                                            "the balance call"))
        kind = "balance" if action == "balance" else "charge"
        self.ledger.record(balance, kind=kind, action=action, detail=detail,
                           session_id=session_id)
        return balance

    async def create_session(self, language: str = "en", task_name: str = "project"
                             ) -> SessionInfo:
        """A new project and its agent session."""
        transport = await self.connect()
        data = as_dict(await transport.call("POST", protocol.PATH_CREATE_SESSION, json={
            "task_name": task_name, "language": language}), "the session call")
        session_id = data.get("session_id", data.get("sessionId"))
        if not isinstance(session_id, str) or not session_id:
            raise MalformedAnswer("The backend's session answer has no session_id.")
        user_id = data.get("user_id", data.get("userId"))
        user_id = user_id if isinstance(user_id, str) and user_id else None
        task_id = data.get("task_id", data.get("taskId"))
        transport.identity.remember_user(user_id)
        return SessionInfo(session_id, str(task_id) if isinstance(task_id, (str, int)) else None,
                           user_id, language)

    async def state(self, session_id: str) -> SessionState:
        """The session's latest state: the draft as a ``Timeline`` and the raw JSON."""
        transport = await self.connect()
        data = as_dict(await transport.call(
            "GET", protocol.path(protocol.TEMPLATE_STATE, session_id=session_id)), "the state call")
        state = SessionState.from_json(data, session_id)
        transport.identity.remember_user(state.user_id)  # the 2001 link's bind id
        return state

    async def upload(self, session_id: str, *items: str | os.PathLike[str],
                     on_progress: UploadProgress | None = None) -> list[UploadedFile]:
        """Upload files (one multipart request, streamed from disk) and/or URLs (one JSON
        request). Everything is checked before anything is sent."""
        transport = await self.connect()
        urls = check_urls([str(i) for i in items if is_url(i)])
        files = check_files([i for i in items if not is_url(i)], self.settings.max_upload_bytes)
        path = protocol.path(protocol.TEMPLATE_UPLOAD, session_id=session_id)
        uploaded: list[UploadedFile] = []
        if files:
            body = MultipartBody(files, chunk_bytes=self.settings.chunk_bytes,
                                 on_progress=on_progress)
            timeout = max(self.settings.timeout_s, 600.0)
            answer = await transport.call("POST", path, body=body, headers=body.headers(),
                                          timeout=timeout)
            uploaded += uploaded_files(answer, [f.name for f in files])
        if urls:
            answer = await transport.call("POST", path, json={"urls": urls, "source_type": "url"},
                                          timeout=600.0)
            uploaded += uploaded_files(answer, [u.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
                                                for u in urls])
        return uploaded

    async def export(self, session_id: str | None, output: str | os.PathLike[str], *,
                     draft: dict[str, Any] | Timeline | None = None,
                     on_progress: RenderProgress | None = None) -> ExportResult:
        """Render the session's draft (or ``draft``) and download the MP4 to ``output``. The
        render id is written down (``pending_renders``) before the submit goes out, so a
        process that dies while it renders can be followed later (``follow_render``)."""
        transport = await self.connect()
        if draft is None:
            if session_id is None:
                raise ValueError("export needs a session_id or a draft")
            draft = (await self.state(session_id)).draft
        elif isinstance(draft, Timeline):
            draft = draft.to_draft()
        return await export_mod.export_draft(transport, draft, Path(output),
                                             session_id=session_id, on_progress=on_progress,
                                             book=self.renders, backend=self._backend_key())

    @property
    def renders(self) -> RenderBook:
        """The render records of this client's configuration folder."""
        return RenderBook(self.settings.config_dir)

    def _backend_key(self) -> str:
        return self._backend.key if self._backend is not None else self.backend_choice

    async def pending_renders(self, session_id: str | None = None) -> list[RenderRecord]:
        """Renders submitted on this backend (by this process or an earlier one) whose file
        was not downloaded yet, oldest first; only ``session_id``'s when given."""
        await self.connect()
        return self.renders.pending(self._backend_key(), session_id)

    async def follow_render(self, render_id: str, output: str | os.PathLike[str] | None = None,
                            *, on_progress: RenderProgress | None = None) -> ExportResult:
        """Follow a render submitted earlier (maybe by another process) to its end and
        download it: to ``output``, else to the file it was meant for, else to
        ``<render_id>.mp4`` in the working folder."""
        transport = await self.connect()
        record = self.renders.get(render_id)
        target = Path(output) if output is not None else (
            Path(record.output) if record is not None and record.output
            else Path.cwd() / f"{render_id}.mp4")
        return await export_mod.resume(transport, render_id, target, book=self.renders,
                                       record=record, on_progress=on_progress)

    def absolute(self, url: str) -> str:
        """``url`` as an absolute URL: relative paths (``/media/…``) are the backend's."""
        if url.startswith(("http://", "https://")) or self.base_url is None:
            return url
        return self.base_url + "/" + url.lstrip("/")

    async def save_url(self, url: str, output: str | os.PathLike[str]) -> Path:
        """Download a media URL the backend gave (a generated track's ``url``) to ``output``,
        streamed, with the client's timeouts and the token only for the backend's own host."""
        transport = await self.connect()
        return await export_mod.save_url(transport, self.absolute(url), Path(output))

    async def claim_token(self, task_id: str, session_id: str) -> str:
        """A ``clm_…`` token that binds this anonymous work to an account on the web."""
        transport = await self.connect()
        data = as_dict(await transport.call("POST", protocol.PATH_CLAIM_TOKEN, json={
            "task_id": task_id, "session_id": session_id}), "the claim call")
        return str(data.get("claim_token") or "")

"""The engine's services and the FastAPI dependencies every route uses.

``Engine`` holds one of each service (settings, store, render jobs, turns, media library),
built once by ``create_app``. Routers import this module — never ``app`` — so the app can
import its routers at the top and no import cycle exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from nemo_widgets.engine.errors import BadToken, SessionNotFound
from nemo_widgets.engine.library import MediaLibrary
from nemo_widgets.engine.render.jobs import RenderJobs
from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.engine.store import Store, TokenRecord
from nemo_widgets.engine.turns import TurnHooks, TurnRunner


@dataclass
class Engine:
    """The services every route shares."""

    settings: EngineSettings
    store: Store
    jobs: RenderJobs
    turns: TurnRunner
    library: MediaLibrary

    @classmethod
    def build(cls, settings: EngineSettings, hooks: TurnHooks | None = None) -> Engine:
        """Folders made, database opened, workers ready (nothing started yet)."""
        settings.ensure_dirs()
        store = Store(settings.db_path)
        library = MediaLibrary(store)
        return cls(settings, store, RenderJobs(settings, store, library),
                   TurnRunner(settings, store, library, hooks), library)


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if there is one."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    return authorization[7:].strip() or None


def current_user(engine: EngineDep,
                 authorization: Annotated[str | None, Header()] = None) -> TokenRecord:
    """The token's owner; 1001 for a missing, unknown or expired bearer token."""
    token = bearer(authorization)
    if token is None:
        raise BadToken("Missing bearer token. Request an anonymous token first.")
    return engine.store.authenticate(token)


UserDep = Annotated[TokenRecord, Depends(current_user)]


def check_user_segment(user_segment: str | None, user: TokenRecord) -> None:
    """``me``, the caller's real id, or nothing are accepted where the protocol names a user."""
    if user_segment not in (None, "", "me", user.user_id):
        raise SessionNotFound("Session not found for this user.")


def ok(data: Any, message: str = "success") -> dict[str, Any]:
    """The business envelope: ``{"code": 0, "message": ..., "data": ...}``."""
    return {"code": 0, "message": message, "data": data}


def error_body(code: int, message: str) -> dict[str, Any]:
    """The error envelope: ``{"code": ..., "message": ..., "data": null}``."""
    return {"code": code, "message": message, "data": None}


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")

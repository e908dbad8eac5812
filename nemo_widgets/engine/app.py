"""The engine's FastAPI application: wiring of routers, shared services and error envelopes.

``create_app`` builds one app around an ``Engine`` (settings + store + render jobs), so tests and
the server start the very same thing. Every ``EngineError`` becomes the protocol's
``{code, message}`` body, as a 4xx or, when the engine is set to, as HTTP 200.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from nemo_widgets import __version__, protocol
from nemo_widgets.engine.errors import EngineError
from nemo_widgets.engine.media.sweeper import TmpSweeper
from nemo_widgets.engine.render.jobs import RenderJobs
from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.engine.store import Store

log = logging.getLogger("nemo_widgets.engine")


@dataclass
class Engine:
    """The services every route shares."""

    settings: EngineSettings
    store: Store
    jobs: RenderJobs


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def create_app(settings: EngineSettings | None = None) -> FastAPI:
    """A ready app: folders made, database opened, interrupted renders marked failed."""
    settings = settings or EngineSettings.from_env()
    settings.ensure_dirs()
    store = Store(settings.db_path)
    jobs = RenderJobs(settings, store)
    engine = Engine(settings, store, jobs)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        interrupted = jobs.recover_interrupted()
        refunded = store.release_stale_reservations()
        sweeper = TmpSweeper(settings.tmp_dir, settings.renders_dir,
                             settings.tmp_sweep_interval_s, settings.tmp_sweep_grace_s)
        swept = sweeper.start()  # before serving: nothing of a previous process is alive
        if interrupted or refunded or swept:
            log.info("recovered %d interrupted render(s), %d open reservation(s), swept %d "
                     "temporary leftover(s)", interrupted, refunded, swept)
        yield
        sweeper.stop()
        jobs.shutdown()
        store.close()

    app = FastAPI(title="nemo-widgets engine", version=__version__, lifespan=lifespan,
                  description="NemoVideo's backend protocol, served locally. See docs/engine.md.")
    app.state.engine = engine
    from nemo_widgets.engine.turns import TurnRunner

    app.state.turns = TurnRunner(engine)
    _install_error_handlers(app, settings)

    from nemo_widgets.engine.routes import agent, auth, files, render, sessions, upload

    for module in (auth, sessions, upload, agent, render, files):
        app.include_router(module.router)

    @app.get(protocol.PATH_HEALTH, tags=["engine"])
    def health() -> dict[str, object]:
        """Liveness and identity, so a helper can tell its own engine from another program."""
        return {"status": "ok", "engine": "nemo-widgets", "version": __version__,
                "pid": os.getpid(), "home": str(settings.home)}

    return app


def error_body(code: int, message: str) -> dict[str, object]:
    return {"code": code, "message": message, "data": None}


def _install_error_handlers(app: FastAPI, settings: EngineSettings) -> None:
    def respond(status: int, code: int, message: str) -> JSONResponse:
        return JSONResponse(error_body(code, message),
                            status_code=200 if settings.errors_as_200 else status)

    @app.exception_handler(EngineError)
    async def on_engine_error(_request: Request, exc: EngineError) -> JSONResponse:
        return respond(exc.http_status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def on_bad_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', '')}"
            for err in exc.errors()[:5])
        if request.url.path == protocol.PATH_RUN_SSE:  # ADK's own shape
            return JSONResponse({"detail": exc.errors()[:5]}, status_code=422)
        return JSONResponse(error_body(protocol.CODE_BAD_REQUEST, f"Bad request: {problems}"),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body(exc.status_code, str(exc.detail)),
                            status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(error_body(500, f"Internal error ({type(exc).__name__})."),
                            status_code=500)

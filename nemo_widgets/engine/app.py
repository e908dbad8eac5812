"""The engine's FastAPI application: routers, services, guards and error envelopes.

``create_app`` builds one app around an ``Engine`` (``services``), so tests and the server
start the very same thing. Every ``EngineError`` becomes the protocol's ``{code, message}``
body; input that parses but is wrong is a 4xx with a sentence, never a 500. The profile's
emulation layers (``engine.emulation``) wrap the whole app; the routes do not know them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from nemo_widgets import protocol
from nemo_widgets._version import __version__
from nemo_widgets.engine.analysis import background as background_analysis
from nemo_widgets.engine.emulation import asgi as emulation
from nemo_widgets.engine.errors import EngineError
from nemo_widgets.engine.guards import RequestGuard
from nemo_widgets.engine.media.sweeper import TmpSweeper
from nemo_widgets.engine.routes import agent, auth, files, render, sessions, upload
from nemo_widgets.engine.routes.answers import Health, errors
from nemo_widgets.engine.services import Engine, error_body
from nemo_widgets.engine.settings import EngineSettings

log = logging.getLogger("nemo_widgets.engine")

ROUTERS = (auth.router, sessions.router, upload.router, agent.router, render.router,
           files.router)


def create_app(settings: EngineSettings | None = None) -> FastAPI:
    """A ready app: folders made, database opened, interrupted renders marked failed."""
    settings = settings or EngineSettings.from_env()
    engine = Engine.build(settings, emulation.turn_hooks(settings))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        interrupted = engine.jobs.recover_interrupted()
        refunded = engine.store.release_stale_reservations()
        sweeper = TmpSweeper(settings.tmp_dir, settings.renders_dir,
                             settings.tmp_sweep_interval_s, settings.tmp_sweep_grace_s)
        swept = sweeper.start()  # before serving: nothing of a previous process is alive
        if interrupted or refunded or swept:
            log.info("recovered %d interrupted render(s), %d open reservation(s), swept %d "
                     "temporary leftover(s)", interrupted, refunded, swept)
        yield
        sweeper.stop()
        background_analysis.shutdown()
        engine.jobs.shutdown()
        engine.store.close()

    app = FastAPI(title="nemo-widgets engine", version=__version__, lifespan=lifespan,
                  description="NemoVideo's backend protocol, served locally. See "
                              "docs/protocol.md and docs/engine.md.")
    app.state.engine = engine
    for router in ROUTERS:
        app.include_router(router)

    @app.get(protocol.PATH_HEALTH, tags=["engine"], response_model=Health, responses=errors())
    def health() -> dict[str, object]:
        """Liveness and identity, so a helper can tell its own engine from another program."""
        return {"status": "ok", "engine": "nemo-widgets", "version": __version__,
                "pid": os.getpid(), "home": str(settings.home)}

    install_error_handlers(app)
    app.add_middleware(RequestGuard, engine=engine)
    emulation.install(app, settings)
    return app


def _plain_errors(errors: list[Any]) -> list[dict[str, Any]]:
    """Validation errors without the input they echo (it may be huge) or Python objects."""
    return [{"type": str(e.get("type", "")), "loc": [str(p) for p in e.get("loc", ())],
             "msg": str(e.get("msg", ""))} for e in errors[:5]]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(EngineError)
    async def on_engine_error(_request: Request, exc: EngineError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message), status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def on_bad_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _plain_errors(list(exc.errors()))
        if request.url.path == protocol.PATH_RUN_SSE:  # ADK's own shape
            return JSONResponse({"detail": errors}, status_code=422)
        problems = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
        return JSONResponse(error_body(protocol.CODE_BAD_REQUEST, f"Bad request: {problems}"),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not parse the body: a bad body, like 422
            message = ("The body is not valid JSON (or is nested too deeply to read); send the "
                       "JSON object the route documents in /openapi.json.")
            if request.url.path == protocol.PATH_RUN_SSE:
                return JSONResponse({"detail": [{"type": "json_invalid", "loc": ["body"],
                                                 "msg": message}]}, status_code=422)
            return JSONResponse(error_body(protocol.CODE_BAD_REQUEST, message), status_code=422)
        return JSONResponse(error_body(exc.status_code, str(exc.detail)),
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RecursionError)
    async def on_deep_body(_request: Request, _exc: RecursionError) -> JSONResponse:
        return JSONResponse(error_body(protocol.CODE_BAD_REQUEST,
                                       "The JSON is nested too deeply to read."),
                            status_code=422)

    @app.exception_handler(Exception)
    async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(error_body(500, f"Internal error ({type(exc).__name__})."),
                            status_code=500)

"""`create_app`: the rights service as an ASGI application (FastAPI).

The app owns one `GroupWriter` (started and stopped with the app's lifespan);
every filing goes through it, so a receipt is only sent after its commit.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from trainright import __version__
from trainright.errors import LedgerError
from trainright.ledger import Ledger
from trainright.ledger.process import ProcessWriter
from trainright.regions import ISO_COUNTRIES
from trainright.web import api, health, nonusers, pages
from trainright.web.config import WebConfig
from trainright.web.guard import Guard
from trainright.web.nonuser_desk import NonUserDesk
from trainright.web.render import is_api, refusal
from trainright.web.service import Filer, Refusal, Service
from trainright.web.strictjson import DUPLICATE

log = logging.getLogger("trainright.web")
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def create_app(config: WebConfig, writer: Filer | None = None) -> FastAPI:
    """Build the app; `writer` replaces the ledger writer process (benchmarks use a sink)."""
    ledger = Ledger(config.ledger_url)
    svc = Service(config, ledger, writer or ProcessWriter(config.ledger_url))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await svc.writer.start()
        # Everything loaded at start-up lives as long as the server: keep it out of the
        # garbage collector's full passes, which would otherwise pause every request.
        gc.freeze()
        try:
            yield
        finally:
            await svc.writer.stop()
            ledger.engine.dispose()

    app = FastAPI(
        title="trainright rights service",
        version=__version__,
        description="Object to AI training, withdraw, give or withdraw consent; read standings.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.service = svc
    app.state.nonusers = NonUserDesk(svc)
    app.include_router(api.router)  # first: the API's routes are matched most often
    app.include_router(pages.router)
    app.include_router(health.router)
    app.include_router(nonusers.pages)
    app.include_router(nonusers.api)
    api.document_purposes(app, {config.policy.rules_for(c).purpose for c in ISO_COUNTRIES})

    @app.exception_handler(Refusal)
    async def on_refusal(request: Request, exc: Refusal) -> Response:
        return refusal(request, exc)

    @app.exception_handler(LedgerError)
    async def on_ledger(request: Request, exc: LedgerError) -> Response:
        log.error("ledger unavailable on %s %s: %s", request.method, request.url.path, exc)
        return refusal(request, Refusal(503, "ledger_unavailable", "the ledger cannot be reached"))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        bad_json = [e for e in errors if e.get("type") == "json_invalid"]
        if bad_json:
            detail = str((bad_json[0].get("ctx") or {}).get("error", ""))
            message = "the body is not valid JSON"
            if detail.startswith(DUPLICATE):
                message = f"the body's JSON repeats a key ({detail}); send each key once"
            return refusal(request, Refusal(400, "malformed_body", message))
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = f"{where}: {first.get('msg', 'invalid')}"
        return refusal(request, Refusal(422 if is_api(request) else 400, "invalid", message))

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "bad_request")
        resp = refusal(request, Refusal(exc.status_code, code, str(exc.detail)))
        if exc.headers:
            resp.headers.update(exc.headers)
        return resp

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s: %r", request.method, request.url.path, exc)
        return refusal(request, Refusal(500, "server_error", "internal error; nothing recorded"))

    routes = [
        *api.router.routes,
        *pages.router.routes,
        *health.router.routes,
        *nonusers.pages.routes,
        *nonusers.api.routes,
    ]
    app.add_middleware(api.KnownQueryOnly, routes=routes, refuse=refusal)
    app.add_middleware(
        Guard,
        limiter=svc.per_client,
        max_body=config.limits.max_body_bytes,
        refuse=refusal,
        uploads=nonusers.UPLOAD_LIMITS,
    )
    return app

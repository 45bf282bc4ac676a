"""Health checks for the operator's load balancer or orchestrator.

`GET /healthz` answers 200 while the server process runs (liveness: restart it
when this fails). `GET /readyz` answers 200 only while the ledger writer answers
(its heartbeat is recent and no batch is stuck) and the ledger database answers a
read within a second; 503 otherwise (readiness: send no filings here meanwhile).
Neither needs a sign-in, and neither says more than a load balancer needs.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from trainright.web.pages import service

#: How long the readiness check waits for the ledger database.
LEDGER_TIMEOUT_S = 1.0

#: Outside the API's OpenAPI description: they are for infrastructure, not API clients.
router = APIRouter(include_in_schema=False)


class LiveOut(BaseModel):
    """The process is up."""

    status: str = "up"


class ReadyOut(BaseModel):
    """Whether this server can take filings now."""

    ready: bool
    writer: str = Field(description="`answering`, or `not answering` (being replaced).")
    ledger: str = Field(description="`reachable`, or `unreachable`.")
    writer_restarts: int = Field(description="Writers replaced since the server started.")


@router.get("/healthz", tags=["health"])
async def healthz() -> LiveOut:
    """Liveness: the server process answers."""
    return LiveOut()


@router.get(
    "/readyz",
    tags=["health"],
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "Not ready: see `writer`, `ledger`."}},
)
async def readyz(request: Request) -> JSONResponse:
    """Readiness: the ledger writer answers and the ledger database is reachable."""
    svc = service(request)
    writer = svc.writer.health()
    try:
        await asyncio.wait_for(run_in_threadpool(svc.ledger.head), LEDGER_TIMEOUT_S)
        reachable = True
    except Exception:  # any failure to read the head means: do not send filings here
        reachable = False
    out = ReadyOut(
        ready=writer.answering and reachable,
        writer="answering" if writer.answering else "not answering",
        ledger="reachable" if reachable else "unreachable",
        writer_restarts=writer.restarts,
    )
    return JSONResponse(out.model_dump(), status_code=200 if out.ready else 503)

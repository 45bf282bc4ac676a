"""The JSON API under /api/v1: file rights events, read my standing; operator reads.

People authenticate with a session token as `Authorization: Bearer` (the same
token the platform's sign-in sets as a cookie); operators with `X-API-Key`.
Every refusal is a `Problem` and is in the OpenAPI description.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from trainright.ledger import Filed, Filing
from trainright.ledger.events import ALL_PURPOSES
from trainright.report import render_report
from trainright.web.auth import AuthFailure
from trainright.web.explain import next_lines
from trainright.web.models import (
    EventIn,
    EventOut,
    EventsPage,
    GpcOut,
    HoldingOut,
    ModelOut,
    MyDataOut,
    ObjectionIn,
    Problem,
    QueuedOut,
    ReceiptOut,
    RepeatedOut,
    StandingOut,
    english,
)
from trainright.web.mydata import AFTER_OBJECTING, my_data
from trainright.web.pages import auth_refusal, service
from trainright.web.service import Person, Refusal, reference
from trainright.web.strictjson import StrictJSONRoute

#: The response header that says a request's Sec-GPC: 1 was recorded as an objection.
GPC_HEADER = "GPC-Objection"

bearer = HTTPBearer(auto_error=False, description="A session token from the platform's sign-in.")
operator_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="The operator API key.")


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the refusals a route can give."""
    text = {
        400: "The body is not valid JSON, or an object in it repeats a key.",
        401: "No, an expired or a forged token (or API key).",
        403: "A business account, or an account the platform does not list.",
        404: "No such resource.",
        409: "The Idempotency-Key was used for a different request.",
        413: "The body is too large.",
        422: "The body or a parameter does not match the schema, or the purpose is not "
        "one the account's region builds datasets for.",
        429: "Rate limit: wait Retry-After seconds.",
        503: "The ledger is unavailable. `ledger_unavailable`: nothing was recorded. "
        "`outcome_unknown`: the request may have been recorded; retry after Retry-After "
        "seconds with the same Idempotency-Key, which returns the first receipt if it was "
        "recorded and records it once if not.",
    }
    return {c: {"model": Problem, "description": text[c]} for c in codes}


class KnownQueryOnly:
    """An unknown query parameter is an error, not ignored: `purpse=` is a typo.

    On the API a 422 Problem, on a page a 400 page naming it; every page also takes
    `lang`. Pure ASGI and only at work when a query string is present, so the hot
    path (POST /api/v1/events, no query) pays nothing for it.
    """

    def __init__(
        self,
        app: ASGIApp,
        routes: list[BaseRoute],
        refuse: Callable[[HTTPConnection, Refusal], Response],
    ) -> None:
        self.app = app
        self.refuse = refuse
        self.allowed = [
            (r.path_regex, _query_names(r) | (set() if r.path.startswith("/api/") else {"lang"}))
            for r in routes
            if isinstance(r, APIRoute)
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            names = {k for k, _ in parse_qsl(scope["query_string"].decode("latin-1"), True)}
            allowed = next((a for rx, a in self.allowed if rx.match(scope["path"])), None)
            unknown = sorted(names - allowed) if allowed is not None else []
            if unknown:
                expected = ", ".join(sorted(allowed or ())) or "none"
                problem = Refusal(
                    422 if scope["path"].startswith("/api/") else 400,
                    "invalid",
                    f"unknown query parameter {unknown[0]!r}; expected: {expected}",
                )
                await self.refuse(HTTPConnection(scope), problem)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _query_names(route: APIRoute) -> set[str]:
    """The query parameters a route declares (its own and its dependencies')."""
    names: set[str] = set()
    todo = [route.dependant]
    while todo:
        dep = todo.pop()
        names.update(p.alias for p in dep.query_params)
        todo.extend(dep.dependencies)
    return names


router = APIRouter(
    prefix="/api/v1",
    responses=problems(401, 413, 422, 429, 503),
    route_class=StrictJSONRoute,
)

Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
IdemKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string; a retry with the same key returns the first receipt.",
    ),
]


def person_of(request: Request, creds: HTTPAuthorizationCredentials | None) -> Person:
    """The person a Bearer session token signs in."""
    svc = service(request)
    try:
        session = svc.signer.read_session(
            creds.credentials if creds else None, svc.config.limits.session_minutes * 60
        )
    except AuthFailure as failure:
        raise auth_refusal(failure) from None
    return svc.person(session.account_id)


async def gpc(request: Request, person: Person) -> GpcOut | None:
    """A signed-in API request with Sec-GPC: 1 counts as the signal too; say when it did."""
    if request.headers.get("sec-gpc") != "1":
        return None
    svc = service(request)
    filed = await svc.honour_gpc(person, await svc.standing(person))
    return gpc_out(filed) if filed is not None else None


def gpc_out(filed: Filed) -> GpcOut:
    """The recorded GPC objection, with its receipt."""
    first = filed.events[0]
    return GpcOut(
        reference=reference(first),
        receipt=f"/receipt/{first.seq}",
        events=[EventOut.of(e) for e in filed.events],
    )


def gpc_headers(recorded: GpcOut | None) -> dict[str, str]:
    """`GPC-Objection: <reference>` and a Link to its receipt, when the signal was recorded."""
    if recorded is None:
        return {}
    return {GPC_HEADER: recorded.reference, "Link": f'<{recorded.receipt}>; rel="gpc-receipt"'}


@router.post(
    "/events",
    status_code=201,
    response_model=ReceiptOut,
    responses={
        200: {"model": ReceiptOut, "description": "A retry: the first receipt."},
        **problems(400, 403, 409),
    },
)
async def file_event(
    body: EventIn, request: Request, creds: Bearer, key: IdemKey = None
) -> Response:
    """File an objection, a withdrawal, or give or withdraw consent.

    The receipt is returned only after the event is committed to the ledger.
    """
    svc = service(request)
    person = person_of(request, creds)
    filing = svc.filing(
        person,
        body.type,
        "api",
        reason=body.reason if isinstance(body, ObjectionIn) else None,
        key=key,
        purpose=body.purpose,
    )
    recorded = await gpc(request, person) if body.type != "objection_withdrawn" else None
    svc.limit_account(person.account_id)
    covers = list(person.account.accounts(person.account_id))
    return await receipt_response(request, person, filing, covers, recorded)


async def receipt_response(
    request: Request, person: Person, filing: Filing, covers: list[int], recorded: GpcOut | None
) -> Response:
    """Commit a filing and answer with its receipt: 201, or 200 for a keyed retry."""
    svc = service(request)
    filed = await svc.file(filing)
    first = filed.events[0]
    after = await svc.after(person, filed)
    receipt = ReceiptOut(
        reference=reference(first),
        events=[EventOut.of(e) for e in filed.events],
        replayed=filed.replayed,
        standing=StandingOut.of(after),
        next=english(next_lines(first.type, after)),
        covers=covers,
        gpc=recorded,
    )
    # Serialised here, once: the model was built from committed data, not user input.
    return Response(
        receipt.model_dump_json(),
        status_code=200 if filed.replayed else 201,
        media_type="application/json",
        headers=gpc_headers(recorded),
    )


#: The statements the service takes, as the headers' grammar: RFC 9651 dictionaries of
#: the vocabularies' keys and tokens that say yes or no to training (docs/reservations.md).
USAGE_PATTERN = (
    r"^(?:(?:search|train-ai)=[yn] *, *)*train-ai=[yn](?: *, *(?:search|train-ai)=[yn])*$"
)
SIGNAL_PATTERN = (
    r"^(?:(?:search|ai-input|ai-train)=(?:yes|no) *, *)*ai-train=(?:yes|no)"
    r"(?: *, *(?:search|ai-input|ai-train)=(?:yes|no))*$"
)
UsageHeader = Annotated[
    str | None,
    Header(
        alias="Content-Usage",
        max_length=256,
        pattern=USAGE_PATTERN,
        description="An IETF AI-preferences statement about your posts, e.g. `train-ai=n` "
        "(do not use them to train AI models) or `train-ai=y`.",
    ),
]
SignalHeader = Annotated[
    str | None,
    Header(
        alias="Content-Signal",
        max_length=256,
        pattern=SIGNAL_PATTERN,
        description="The same in Cloudflare's Content-Signal words, e.g. `ai-train=no`.",
    ),
]


@router.put(
    "/me/preferences",
    status_code=201,
    response_model=ReceiptOut,
    responses={
        200: {"model": ReceiptOut, "description": "A retry: the first receipt."},
        **problems(403, 409),
    },
)
async def set_preference(
    request: Request,
    creds: Bearer,
    content_usage: UsageHeader = None,
    content_signal: SignalHeader = None,
    key: IdemKey = None,
) -> Response:
    """Set my account's AI-usage preference: whether my posts may be used to train AI.

    Send `Content-Usage`, `Content-Signal` or both (at least one; without either it
    is a 422 `invalid_preference`); when both are sent, a "no" in either wins. The
    preference is recorded in the ledger like any right and replaces the one the
    platform holds; a post that states its own preference follows its
    own. It is about this account's posts only, not linked accounts', and it is read
    by datasets built from now on where the region honours reservations; to have
    earlier datasets retrained without your posts, file an objection.
    """
    svc = service(request)
    person = person_of(request, creds)
    stated = [v.strip() for v in (content_usage, content_signal) if v is not None and v.strip()]
    if not stated:
        raise Refusal(
            422,
            "invalid_preference",
            "send a Content-Usage header (train-ai=n or train-ai=y) or a Content-Signal "
            "header (ai-train=no or ai-train=yes)",
        )
    filing = svc.preference_filing(person, ", ".join(stated), "api", key=key)
    svc.limit_account(person.account_id)
    # a preference is the account's own: it covers no linked account
    return await receipt_response(request, person, filing, [person.account_id], None)


class MyStandingOut(StandingOut):
    """My standing, and whether this request's Sec-GPC: 1 was just recorded."""

    gpc: GpcOut | None = None


@router.get("/me/standing", responses=problems(403))
async def my_standing(request: Request, response: Response, creds: Bearer) -> MyStandingOut:
    """Where my data stands now: whether a dataset built now would use my posts, and why."""
    svc = service(request)
    person = person_of(request, creds)
    recorded = await gpc(request, person)
    response.headers.update(gpc_headers(recorded))
    standing = StandingOut.of(await svc.standing(person))
    return MyStandingOut(**standing.model_dump(), gpc=recorded)


@router.get("/me/data", responses=problems(403))
async def my_data_(request: Request, creds: Bearer) -> MyDataOut:
    """Which datasets and models hold my posts, and which are queued to unlearn them."""
    svc = service(request)
    person = person_of(request, creds)
    found = await run_in_threadpool(my_data, svc.ledger, person.account_id)
    return MyDataOut(
        account_id=person.account_id,
        standing=StandingOut.of(await svc.standing(person)),
        datasets=[
            HoldingOut(
                dataset_id=h.dataset_id,
                cutoff=h.cutoff,
                shards=h.shards,
                shard=h.shard,
                models=[ModelOut(name=n, version=v) for n, v in h.models],
                account_id=h.account_id,
                how=h.how,
            )
            for h in found.holdings
        ],
        unlearning=[
            QueuedOut(
                model=ModelOut(name=t.model[0], version=t.model[1]) if t.model else None,
                dataset_id=t.dataset_id,
                shard=t.shard,
                shards=t.shards,
            )
            for t in found.queued
        ],
        repeated_in_outputs=[
            RepeatedOut(
                audited_at=f.audited_at,
                model=ModelOut(name=f.model[0], version=f.model[1]) if f.model else None,
                dataset_id=f.dataset_id,
                outputs=f.outputs,
            )
            for f in found.repeated
        ],
        after_objecting=AFTER_OBJECTING,
    )


OperatorKey = Annotated[str | None, Depends(operator_key)]


def check_operator(request: Request, key: str | None) -> None:
    """Operator routes need the configured API key (and are closed without one)."""
    expected = service(request).config.api_key
    if (
        expected is None
        or key is None
        or not secrets.compare_digest(key.encode(), expected.get_secret_value().encode())
    ):
        raise Refusal(401, "bad_api_key", "a valid X-API-Key is required")


@router.get("/operator/events")
async def operator_events(
    request: Request,
    key: OperatorKey,
    after_seq: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    account_id: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
) -> EventsPage:
    """Ledger events in seq order, a page at a time."""
    check_operator(request, key)
    ledger = service(request).ledger
    events = await run_in_threadpool(
        ledger.events, None, account_id=account_id, after_seq=after_seq, limit=limit
    )
    nxt = events[-1].seq if len(events) == limit else None
    return EventsPage(events=[EventOut.of(e) for e in events], next_after_seq=nxt)


@router.get("/operator/accounts/{account_id}/standing", responses=problems(404))
async def operator_standing(
    request: Request,
    key: OperatorKey,
    account_id: Annotated[int, Path(ge=0, le=2**63 - 1)],
) -> StandingOut:
    """One account's standing: the decision a build at this instant makes for it."""
    check_operator(request, key)
    svc = service(request)
    account = svc.config.account(account_id)
    if account is None:
        raise Refusal(404, "unknown_account", "the platform's account list has no such account")
    person = Person(account_id, account, svc.rules(account.country))
    return StandingOut.of(await svc.standing(person))


@router.get(
    "/operator/report",
    response_class=Response,
    responses={
        200: {
            "content": {"text/html": {"schema": {"type": "string"}}},
            "description": "The report page.",
        }
    },
)
async def operator_report(request: Request, key: OperatorKey) -> HTMLResponse:
    """The operator report (rights over time, datasets, unlearning), as one HTML page."""
    check_operator(request, key)
    html = await run_in_threadpool(render_report, service(request).ledger)
    return HTMLResponse(html)


def document_purposes(app: FastAPI, purposes: Iterable[str]) -> None:
    """State in the OpenAPI description the purposes this service's policy builds for.

    The filing bodies' `purpose` is an enum of them and `all`, so a client (and the
    schema fuzzer) knows which values are accepted before it gets a 422.
    """
    allowed = sorted({*purposes, ALL_PURPOSES})
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for name in ("ObjectionIn", "ChoiceIn"):
                field = schema["components"]["schemas"][name]["properties"]["purpose"]
                field["anyOf"] = [{"type": "string", "enum": allowed}, {"type": "null"}]
                field.pop("pattern", None)
            _headers_are_strings(schema)
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


def _headers_are_strings(schema: dict[str, Any]) -> None:
    """An optional header is absent, never JSON null: say `string`, not `string | null`.

    FastAPI describes `str | None` headers as `anyOf [string, null]`, and a client
    (or the fuzzer) then sends the text "null", which no header grammar accepts.
    """
    for path in schema["paths"].values():
        for op in path.values():
            for param in op.get("parameters", []):
                if param["in"] != "header":
                    continue
                kinds = param["schema"].pop("anyOf", None)
                if kinds:
                    param["schema"].update(next(k for k in kinds if k.get("type") != "null"))

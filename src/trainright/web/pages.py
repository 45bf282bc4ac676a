"""The server-rendered pages: the choices, the three forms, the receipt, my data, sign-in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse

from trainright.ledger import Filed, Filing
from trainright.web import apidocs, links
from trainright.web.auth import AuthFailure, Session
from trainright.web.explain import next_lines, standing_lines
from trainright.web.i18n import N_
from trainright.web.models import MAX_REASON
from trainright.web.mydata import AFTER_OBJECTING, my_data
from trainright.web.render import page
from trainright.web.service import OUTCOME_UNKNOWN, Action, Person, Refusal, Service, reference

SESSION_COOKIE = "tr_session"
STATIC_CSS = (Path(__file__).parent / "static" / "site.css").read_text()
WHAT: dict[str, str] = {
    "objection": N_("Objection to AI training"),
    "objection_withdrawn": N_("Withdrawal of your objection"),
    "consent_given": N_("Consent to AI training"),
    "consent_withdrawn": N_("No consent to AI training"),
    "preference_set": N_("Your AI-usage preference"),
}
#: The form's two answers on the AI-usage preference, as the Content-Usage values filed.
PREFERENCES: dict[str, str] = {"reserve": "train-ai=n", "allow": "train-ai=y"}

router = APIRouter(include_in_schema=False)


def service(request: Request) -> Service:
    """The running app's service."""
    svc: Service = request.app.state.service
    return svc


def auth_refusal(failure: AuthFailure) -> Refusal:
    """A missing, expired or forged token, as a refusal with its own page."""
    code = "not_signed_in" if failure.reason == "missing" else failure.reason
    return Refusal(401, code, f"sign-in token {failure.reason}")


def signed_in(request: Request) -> tuple[Session, Person]:
    """The session cookie's person; a refusal page otherwise."""
    svc = service(request)
    try:
        session = svc.signer.read_session(
            request.cookies.get(SESSION_COOKIE), svc.config.limits.session_minutes * 60
        )
    except AuthFailure as failure:
        raise auth_refusal(failure) from None
    return session, svc.person(session.account_id)


@router.get("/static/site.css")
async def stylesheet() -> Response:
    """The one stylesheet (served here so the CSP can forbid inline styles)."""
    return PlainTextResponse(STATIC_CSS, media_type="text/css")


@router.get("/docs")
async def api_reference(request: Request) -> Response:
    """The API's reference, made from its OpenAPI on the server: no script, no CDN."""
    spec = request.app.openapi()
    return page(
        request,
        "api_docs.html",
        title=spec["info"]["title"],
        version=spec["info"]["version"],
        openapi_url=request.app.openapi_url,
        operations=apidocs.operations(spec),
        schemas=apidocs.schemas(spec),
    )


@router.get("/login")
async def login(request: Request, token: str | None = None) -> Response:
    """Open a sign-in link: check it, set the session cookie, go to the choices."""
    svc = service(request)
    try:
        login = svc.signer.read_login(token, svc.config.limits.link_minutes * 60)
    except AuthFailure as failure:
        raise auth_refusal(failure) from None
    account_id = login.account_id
    if not await run_in_threadpool(links.claim, svc.ledger, login) and not _already_in(
        request, account_id
    ):
        raise auth_refusal(AuthFailure("link_used"))
    lang = request.query_params.get("lang")
    resp = RedirectResponse("/" + (f"?lang={lang}" if lang in ("en", "nb", "nl") else ""), 303)
    resp.set_cookie(
        SESSION_COOKIE,
        svc.signer.session_token(account_id),
        max_age=svc.config.limits.session_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return resp


def _already_in(request: Request, account_id: int) -> bool:
    """A used link reopened by the browser it signed in (Back, a reload) just goes on."""
    svc = service(request)
    try:
        session = svc.signer.read_session(
            request.cookies.get(SESSION_COOKIE), svc.config.limits.session_minutes * 60
        )
    except AuthFailure:
        return False
    return session.account_id == account_id


@router.get("/")
async def choices(request: Request) -> Response:
    """The person's standing and the choice their region's legal basis gives them."""
    return await _choices(request)


@router.get("/object")
async def object_form(request: Request) -> Response:
    """The same page: where notice e-mails link to."""
    return await _choices(request)


async def _choices(request: Request) -> Response:
    """Consent regions ask for consent; legitimate-interest regions offer the objection.

    A consent "no" is not offered where consent is not the basis: it would not
    leave the posts out, and people would take it for an opt-out. In a consent
    region an objection on record (e.g. filed through the API) can be withdrawn.
    """
    svc = service(request)
    session, person = signed_in(request)
    standing = await svc.standing(person)
    gpc_seq = None
    if request.headers.get("sec-gpc") == "1":
        filed = await svc.honour_gpc(person, standing)
        if filed is not None:
            standing, gpc_seq = await svc.after(person, filed), filed.events[0].seq
    return page(
        request,
        "rights.html",
        account_id=person.account_id,
        standing=standing,
        lines=standing_lines(standing),
        legal_basis=person.rules.legal_basis,
        honor_reservations=person.rules.honor_reservations,
        csrf=svc.signer.csrf_token(session),
        max_reason=MAX_REASON,
        gpc=gpc_seq,
    )


async def _file(
    request: Request,
    action: Action | Literal["preference_set"],
    csrf: str | None,
    key: str | None,
    reason: str | None = None,
    choice: str | None = None,
) -> Response:
    svc = service(request)
    session, person = signed_in(request)
    sent_fields = set((await request.form()).keys())
    unknown = sorted(sent_fields - FORM_FIELDS[action])
    if unknown:
        expected = ", ".join(sorted(FORM_FIELDS[action]))
        raise Refusal(400, "invalid", f"unknown form field {unknown[0]!r}; expected: {expected}")
    if not svc.signer.csrf_ok(session, csrf, svc.config.limits.session_minutes * 60):
        raise Refusal(403, "csrf", "the form's CSRF token is missing or not this session's")
    if reason is not None and len(reason) > MAX_REASON:
        raise Refusal(413, "too_large", f"the reason exceeds {MAX_REASON} characters")
    svc.limit_account(person.account_id)
    text = reason.strip() if reason and reason.strip() else None
    key = key if key and len(key) <= 128 else None
    lang = request.query_params.get("lang")
    suffix = f"?lang={lang}" if lang in ("en", "nb", "nl") else ""
    filing: Filing = (
        svc.preference_filing(person, PREFERENCES[choice or ""], "web", key=key)
        if action == "preference_set"
        else svc.filing(person, action, "web", reason=text, key=key)
    )
    try:
        filed: Filed = await svc.file(filing)
    except Refusal as r:
        if r.code != OUTCOME_UNKNOWN or key is None:
            raise
        # The same form again, same key: the first receipt if it was recorded, else once now.
        sent = {"csrf": csrf, "key": key, "reason": reason, "choice": choice}
        resp = page(
            request,
            "uncertain.html",
            r.status,
            action=request.url.path + suffix,
            fields={k: v for k, v in sent.items() if v is not None},
        )
        resp.headers["Retry-After"] = str(r.retry_after or 1)
        return resp
    return RedirectResponse(f"/receipt/{filed.events[0].seq}{suffix}", 303)


FormText = Annotated[str | None, Form()]
#: The fields each form of rights.html sends (`action` is its submit button); any other
#: is a typo or a forgery, refused like the API's.
FORM_FIELDS: dict[str, frozenset[str]] = {
    "preference_set": frozenset({"csrf", "key", "choice", "action"}),
    "objection": frozenset({"csrf", "key", "reason", "action"}),
    "objection_withdrawn": frozenset({"csrf", "key", "action"}),
    "consent_given": frozenset({"csrf", "key", "choice", "action"}),
    "consent_withdrawn": frozenset({"csrf", "key", "choice", "action"}),
}


@router.post("/object")
async def object_(
    request: Request, csrf: FormText = None, key: FormText = None, reason: FormText = None
) -> Response:
    """File an objection; the reason is optional and never holds it up."""
    return await _file(request, "objection", csrf, key, reason)


@router.post("/withdraw")
async def withdraw(request: Request, csrf: FormText = None, key: FormText = None) -> Response:
    """Withdraw an objection."""
    return await _file(request, "objection_withdrawn", csrf, key)


@router.post("/consent")
async def consent(
    request: Request, csrf: FormText = None, key: FormText = None, choice: FormText = None
) -> Response:
    """Give or withdraw consent; anything but an explicit "yes" is a "no"."""
    action: Action = "consent_given" if choice == "yes" else "consent_withdrawn"
    return await _file(request, action, csrf, key, choice=choice)


@router.post("/preference")
async def preference(
    request: Request, csrf: FormText = None, key: FormText = None, choice: FormText = None
) -> Response:
    """Set the account's AI-usage preference: "reserve" (do not train) or "allow"."""
    if choice not in PREFERENCES:
        raise Refusal(400, "invalid", f"choice must be one of {', '.join(PREFERENCES)}")
    return await _file(request, "preference_set", csrf, key, choice=choice)


@router.get("/receipt/{seq}")
async def receipt(request: Request, seq: Annotated[int, PathParam(ge=1, le=2**63 - 1)]) -> Response:
    """A committed event's receipt, for its own account only."""
    svc = service(request)
    _, person = signed_in(request)
    event = await svc.event(seq)
    if event is None or event.account_id != person.account_id:
        raise Refusal(404, "not_found", "no such receipt for this account")
    # "What happens next" is the standing just after the event; the box is the standing now.
    after = await svc.standing(person, event.at)
    standing = await svc.standing(person)
    return page(
        request,
        "receipt.html",
        reference=reference(event),
        event=event,
        what=WHAT.get(event.type, event.type),
        next=next_lines(event.type, after),
        # a preference is the account's own; the other choices cover linked accounts too
        covers=", ".join(map(str, person.account.linked)) if event.type != "preference_set" else "",
        standing=standing,
        lines=standing_lines(standing),
    )


@router.get("/my-data")
async def where_is_my_data(request: Request) -> Response:
    """Which datasets and models hold the person's posts, and what is queued for unlearning."""
    svc = service(request)
    _, person = signed_in(request)
    found = await run_in_threadpool(my_data, svc.ledger, person.account_id)
    standing = await svc.standing(person)
    return page(
        request,
        "my_data.html",
        account_id=person.account_id,
        standing=standing,
        lines=standing_lines(standing),
        holdings=found.holdings,
        queued=found.queued,
        repeated=found.repeated,
        after_objecting=AFTER_OBJECTING,
    )

"""The public page and JSON API for people without an account (SPEC §3, §9).

No sign-in: the person proves an address (a one-time link) or a number (a code),
registers names, addresses, numbers and photos, and gets a `person_ref` to withdraw
with. The logic is `nonuser_desk`; this module only reads requests and renders.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartParser

from trainright.nonusers.phash import MAX_PHOTO_BYTES
from trainright.nonusers.verification import MAX_PROVED, Proofs
from trainright.web.api import problems
from trainright.web.nonuser_desk import (
    MAX_NAME_CHARS,
    MAX_NAMES,
    MAX_PHOTOS,
    NonUserDesk,
    Registered,
)
from trainright.web.render import language, page
from trainright.web.service import Refusal, reference
from trainright.web.strictjson import StrictJSONRoute

PAGE_REGISTER = "/non-users/register"
API_REGISTER = "/api/v1/non-users/registrations"
#: The body limits of the two paths that take photos (the API's are base64: 4/3).
UPLOAD_LIMITS = {
    PAGE_REGISTER: MAX_PHOTOS * MAX_PHOTO_BYTES + 64 * 1024,
    API_REGISTER: MAX_PHOTOS * MAX_PHOTO_BYTES * 4 // 3 + 64 * 1024,
}

pages = APIRouter(include_in_schema=False)


def desk(request: Request) -> NonUserDesk:
    """The running app's non-user desk."""
    found: NonUserDesk = request.app.state.nonusers
    return found


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


FormText = Annotated[str | None, Form()]


def _register_page(request: Request, proofs: Proofs) -> Response:
    return page(
        request,
        "nonuser_register.html",
        proofs=desk(request).proofs_token(proofs),
        emails=len(proofs.emails),
        phones=len(proofs.phones),
        max_names=MAX_NAMES,
        max_photos=MAX_PHOTOS,
        max_proved=MAX_PROVED,
    )


@pages.get("/non-users")
async def start(request: Request) -> Response:
    """Where a person without an account begins: an address or a number to verify."""
    desk(request).ready()
    return page(request, "nonuser_start.html")


@pages.post("/non-users/verify")
async def verify(
    request: Request, email: FormText = None, phone: FormText = None, proofs: FormText = None
) -> Response:
    """Send the link and/or the code; a phone gets the code form."""
    d = desk(request)
    d.limit_client(client_of(request))
    sent = await d.send(email, phone, proofs, language(request))
    return page(request, "nonuser_sent.html", email=sent.email, challenge=sent.challenge)


@pages.get("/non-users/confirm")
async def confirm(request: Request, token: str | None = None) -> Response:
    """Open the one-time link: the address is proved; the registration form follows."""
    d = desk(request)
    d.limit_client(client_of(request))
    return _register_page(request, d.opened(token))


@pages.post("/non-users/code")
async def code(request: Request, challenge: FormText = None, code: FormText = None) -> Response:
    """Check the phone code: the number is proved; the registration form follows."""
    d = desk(request)
    d.limit_client(client_of(request))
    try:
        proofs = d.answered(challenge, code)
    except Refusal as r:
        if r.code != "wrong_code":
            raise
        # the same form again, so the person can type the code once more
        return page(request, "nonuser_sent.html", 422, email=False, challenge=challenge, wrong=True)
    return _register_page(request, proofs)


class _InMemory(MultiPartParser):
    """Multipart parts kept in memory up to the path's whole body limit: since the
    Guard refuses larger bodies, no uploaded photo is ever spooled to a file."""

    spool_max_size = UPLOAD_LIMITS[PAGE_REGISTER]


@pages.post(PAGE_REGISTER)
async def register(request: Request) -> Response:
    """Register; the receipt with the reference is shown only after the commit."""
    d = desk(request)
    d.limit_client(client_of(request))
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Refusal(400, "invalid", "the form must be sent as multipart/form-data")
    parser = _InMemory(
        request.headers, request.stream(), max_files=MAX_PHOTOS + 1, max_fields=MAX_NAMES + 8
    )
    try:
        form = await parser.parse()
    except Exception:  # starlette's MultiPartException and malformed bodies alike
        raise Refusal(400, "invalid", "the form could not be read") from None
    try:
        names_text = form.get("names")
        names = names_text.splitlines() if isinstance(names_text, str) else []
        photos = []
        for f in form.getlist("photos"):
            if isinstance(f, UploadFile) and f.filename:
                photos.append(await f.read())
        token = form.get("proofs")
        done = await d.register(token if isinstance(token, str) else None, names, photos)
    finally:
        await form.close()
    return page(request, "nonuser_receipt.html", registered=done, ref=reference(done.event))


@pages.get("/non-users/withdraw")
async def withdraw_form(request: Request) -> Response:
    """The withdrawal form: the reference is all it asks."""
    return page(request, "nonuser_withdraw.html")


@pages.post("/non-users/withdraw")
async def withdraw(request: Request, person_ref: FormText = None) -> Response:
    """Withdraw; the same receipt whether or not the reference was ever registered."""
    d = desk(request)
    d.limit_client(client_of(request))
    event = await d.withdraw(person_ref)
    return page(request, "nonuser_withdrawn.html", event=event, ref=reference(event))


# --- the JSON API ----------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VerificationIn(_In):
    """An address and/or a number to prove; `proofs` to add to earlier proofs."""

    email: str | None = Field(None, max_length=254, description="Gets a one-time link.")
    phone: str | None = Field(
        None, max_length=32, description="International form, e.g. `+47 912 34 567`; gets a code."
    )
    proofs: str | None = Field(None, max_length=4096, description="Proofs so far, to add to.")
    lang: str = Field("en", pattern="^(en|nb|nl)$", description="The message's language.")


class VerificationOut(BaseModel):
    """What was sent. Open the link's `token` (or send the code) at /proofs."""

    email_sent: bool
    challenge: str | None = Field(description="Send it back with the phone's code.")


class ProofIn(_In):
    """The token of an e-mail's link, or a phone challenge with its code."""

    token: str | None = Field(None, max_length=4096)
    challenge: str | None = Field(None, max_length=4096)
    code: str | None = Field(None, max_length=16)


class ProofsOut(BaseModel):
    """Proofs of the addresses and numbers proved so far (hashes only, signed)."""

    proofs: str
    emails: int
    phones: int
    expires_in: int = Field(description="Seconds the proofs stay valid.")


class RegistrationIn(_In):
    """What the person is known by; every address and number comes from `proofs`."""

    proofs: str = Field(max_length=4096)
    names: list[Annotated[str, Field(max_length=MAX_NAME_CHARS)]] = Field([], max_length=MAX_NAMES)
    photos: list[str] = Field(
        [],
        max_length=MAX_PHOTOS,
        description="Photos of the person, base64; only their pHash is kept.",
    )


class RegistrationOut(BaseModel):
    """The same answer whatever any post holds: nothing says whether one matched."""

    person_ref: str = Field(description="Keep it: withdraw with it.")
    reference: str
    received_at: str
    names: int
    emails: int
    phones: int
    photos: int


class WithdrawalIn(_In):
    person_ref: str = Field(max_length=64)


class WithdrawalOut(BaseModel):
    person_ref: str
    reference: str
    received_at: str


api = APIRouter(
    prefix="/api/v1/non-users",
    route_class=StrictJSONRoute,
    tags=["non-users"],
    responses=problems(400, 413, 422, 429, 503),
)


@api.post("/verifications", status_code=202, responses=problems(401))
async def api_verify(body: VerificationIn, request: Request) -> VerificationOut:
    """Send a one-time link to an e-mail address and/or a code to a phone number."""
    d = desk(request)
    d.limit_client(client_of(request))
    sent = await d.send(body.email, body.phone, body.proofs, body.lang)
    return VerificationOut(email_sent=sent.email, challenge=sent.challenge)


@api.post("/proofs", responses=problems(401))
async def api_prove(body: ProofIn, request: Request) -> ProofsOut:
    """Turn a link's token, or a challenge and its code, into proofs."""
    d = desk(request)
    d.limit_client(client_of(request))
    d.ready()
    proofs = d.opened(body.token) if body.token else d.answered(body.challenge, body.code)
    return ProofsOut(
        proofs=d.proofs_token(proofs),
        emails=len(proofs.emails),
        phones=len(proofs.phones),
        expires_in=d.limits.proof_minutes * 60,
    )


@api.post("/registrations", status_code=201, responses=problems(400, 401, 413, 422, 429, 503))
async def api_register(body: RegistrationIn, request: Request) -> RegistrationOut:
    """Register; answered only after the event is committed."""
    d = desk(request)
    d.limit_client(client_of(request))
    photos = []
    for i, text in enumerate(body.photos):
        try:
            photos.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            raise Refusal(422, "invalid_photo", f"photos[{i}]: not base64") from None
    done: Registered = await d.register(body.proofs, body.names, photos)
    return RegistrationOut(
        person_ref=done.person_ref,
        reference=reference(done.event),
        received_at=done.event.received_at.isoformat(),
        **done.counts,
    )


@api.post("/withdrawals", status_code=201)
async def api_withdraw(body: WithdrawalIn, request: Request) -> WithdrawalOut:
    """Withdraw with the reference; the same answer for a reference never registered."""
    d = desk(request)
    d.limit_client(client_of(request))
    event = await d.withdraw(body.person_ref)
    return WithdrawalOut(
        person_ref=body.person_ref.strip(),
        reference=reference(event),
        received_at=event.received_at.isoformat(),
    )

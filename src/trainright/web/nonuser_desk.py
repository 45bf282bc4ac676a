"""What the non-user page and API do, shared by both (SPEC §3, docs/non-users.md).

Verify an address or number, register the names, addresses, numbers and photos of
a person without an account, withdraw with the reference. Only keyed hashes and
pHashes go into the one event a registration commits (through the service's
durable writer, before any receipt); the clear identifiers live only in the request.
The answer never depends on what posts hold: nothing here reads the snapshot's posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from trainright.ledger import Event, Filing
from trainright.nonusers.events import PERSON_REF_RE, registration, withdrawal
from trainright.nonusers.identifiers import (
    Hasher,
    IdentifierError,
    Identifiers,
    hash_clear,
    normal_email,
    normal_phone,
)
from trainright.nonusers.phash import PhotoError, phash_hex
from trainright.nonusers.verification import Proofs, VerificationFailure, Verifier, fresh
from trainright.web import i18n
from trainright.web.i18n import N_
from trainright.web.mailer import Mailer, MailFailure
from trainright.web.ratelimit import RateLimiter
from trainright.web.service import Refusal, Service

#: Names one registration may carry. A person is known by a handful (given name and
#: surname, a maiden or married name, a nickname, a spelling or two); every name
#: excludes every post that contains it, so the cap bounds what one verified address
#: can take out of a dataset.
MAX_NAMES = 10
MAX_NAME_CHARS = 100
MAX_PHOTOS = 5
HOUR = 3600.0


@dataclass(frozen=True)
class Sent:
    """What a verification request sent: a link by e-mail, a code to a phone."""

    email: bool
    challenge: str | None  # the phone code's challenge, for the code form


@dataclass(frozen=True)
class Registered:
    """A committed registration: the person's reference and the event."""

    person_ref: str
    event: Event
    counts: dict[str, int]


def failure_refusal(failure: VerificationFailure) -> Refusal:
    """A verification step that did not hold, as a clear refusal."""
    if failure.reason == "wrong_code":
        return Refusal(422, "wrong_code", "the code is not the one we sent")
    if failure.reason == "too_many":
        return Refusal(
            422, "too_many_proved", "a registration can hold at most 5 addresses and 5 numbers"
        )
    if failure.reason == "expired":
        return Refusal(401, "proof_expired", "the link, code or form has expired; start again")
    return Refusal(401, "proof_invalid", "the link, code or form is missing or not valid")


class NonUserDesk:
    """One per app: the verifier, the identifier hasher, the relay and the limiters."""

    def __init__(self, svc: Service) -> None:
        config = svc.config
        self.svc = svc
        self.limits = config.limits
        self.verifier = Verifier(config.secret)
        self.mailer = config.mailer
        self.hasher = Hasher(config.nonuser_key) if config.nonuser_key else None
        self.per_client = RateLimiter(config.limits.nonuser_client_per_hour, period=HOUR)
        self.per_address = RateLimiter(config.limits.nonuser_address_per_hour, period=HOUR)

    def ready(self) -> tuple[Mailer, Hasher]:
        """The relay and hasher, or a 503 saying registration is not offered here."""
        if self.mailer is None or self.hasher is None:
            raise Refusal(
                503,
                "nonusers_unavailable",
                "registration for people without an account is not configured on this service",
            )
        return self.mailer, self.hasher

    def limit_client(self, client: str | None) -> None:
        """Count a request against its client address's hourly budget."""
        wait = self.per_client.check(("nonuser", client))
        if wait:
            raise Refusal(429, "rate_limited", "too many requests from this client", int(wait) + 1)

    def limit_address(self, hashed: str) -> None:
        """Count a message, a code tried or a registration against one address or number."""
        wait = self.per_address.check(hashed)
        if wait:
            raise Refusal(
                429, "rate_limited", "too many requests for this address or number", int(wait) + 1
            )

    async def send(
        self, email: str | None, phone: str | None, proofs_token: str | None, lang: str
    ) -> Sent:
        """Send a one-time link to the address and a code to the number (either or both)."""
        mailer, hasher = self.ready()
        email = (email or "").strip() or None
        phone = (phone or "").strip() or None
        if email is None and phone is None:
            raise Refusal(422, "invalid", "email: give an e-mail address or a phone number")
        proofs = self.proofs(proofs_token) if proofs_token else fresh()
        to_mail = to_phone = None
        if email is not None:
            normal = normal_email(email)
            if normal is None or len(email) > 254:
                raise Refusal(422, "invalid", "email: not an e-mail address")
            # sent to the address as written (a local part may be case-sensitive),
            # hashed as the build looks for it
            to_mail = (email, hasher.email(normal))
        if phone is not None:
            e164 = normal_phone(phone)
            if e164 is None:
                raise Refusal(
                    422,
                    "invalid",
                    "phone: not a phone number in international form (e.g. +47 912 34 567)",
                )
            if mailer.sms_address(e164) is None:
                raise Refusal(
                    422, "no_sms_gateway", "phone: this service cannot send codes to phones"
                )
            to_phone = (e164, hasher.phone(e164))
        for _, hashed in (t for t in (to_mail, to_phone) if t is not None):
            self.limit_address(hashed)
        gettext = i18n.translations(lang).gettext
        challenge = None
        try:
            if to_mail is not None:
                token = self.verifier.link_token(proofs, to_mail[1])
                link = f"{mailer.public_url}/non-users/confirm?token={token}&lang={lang}"
                body = gettext(
                    N_(
                        "Someone, probably you, asked to keep your personal data out of the AI "
                        "training datasets of this platform. To confirm that this address is yours, "
                        "open this link within %(minutes)s minutes:\n\n%(link)s\n\n"
                        "If it was not you, ignore this message: nothing is recorded."
                    )
                ) % {"minutes": self.limits.proof_minutes, "link": link}
                subject = gettext(N_("Confirm your address"))
                await run_in_threadpool(mailer.send, to_mail[0], subject, body, lang)
            if to_phone is not None:
                challenge, code = self.verifier.challenge(proofs, to_phone[1])
                body = gettext(N_("Your code: %(code)s (valid %(minutes)s minutes)")) % {
                    "code": code,
                    "minutes": self.limits.code_minutes,
                }
                address = mailer.sms_address(to_phone[0])
                assert address is not None
                await run_in_threadpool(mailer.send, address, body, body, lang)
        except MailFailure:
            raise Refusal(
                503, "mail_unavailable", "the message could not be sent; try again later", 60
            ) from None
        return Sent(email=to_mail is not None, challenge=challenge)

    def opened(self, token: str | None) -> Proofs:
        """The proofs after a one-time link is opened."""
        try:
            return self.verifier.open_link(token, self.limits.proof_minutes * 60)
        except VerificationFailure as failure:
            raise failure_refusal(failure) from None

    def answered(self, challenge: str | None, code: str | None) -> Proofs:
        """The proofs after a phone code is entered; each try counts against the number."""
        try:
            data = self.verifier.answer(challenge, code, self.limits.code_minutes * 60)
        except VerificationFailure as failure:
            if failure.reason == "wrong_code":
                self.limit_address(self.verifier.challenged(challenge))
            raise failure_refusal(failure) from None
        return data

    def proofs(self, token: str | None) -> Proofs:
        """The proofs a registration form or request carries."""
        try:
            proofs = self.verifier.read_proofs(token, self.limits.proof_minutes * 60)
        except VerificationFailure as failure:
            raise failure_refusal(failure) from None
        return proofs

    def proofs_token(self, proofs: Proofs) -> str:
        """The token the registration form carries."""
        return self.verifier.proofs_token(proofs)

    async def register(
        self, proofs_token: str | None, names: Sequence[str], photos: Sequence[bytes]
    ) -> Registered:
        """Hash everything, commit one `non_user_objection`, and only then answer."""
        _, hasher = self.ready()
        proofs = self.proofs(proofs_token)
        if not proofs.emails and not proofs.phones:
            raise failure_refusal(VerificationFailure("forged"))
        names = [n.strip() for n in names if n.strip()]
        if len(names) > MAX_NAMES:
            raise Refusal(
                422, "too_many_names", f"names: at most {MAX_NAMES} names per registration"
            )
        if len(photos) > MAX_PHOTOS:
            raise Refusal(
                422, "too_many_photos", f"photos: at most {MAX_PHOTOS} photos per registration"
            )
        for i, name in enumerate(names):
            if len(name) > MAX_NAME_CHARS:
                raise Refusal(
                    422, "invalid", f"names[{i}]: longer than {MAX_NAME_CHARS} characters"
                )
        try:
            hashed = hash_clear(hasher, names=names)
        except IdentifierError as exc:
            raise Refusal(422, "invalid", f"{exc.field}: {exc}") from None
        phashes = []
        for i, data in enumerate(photos):
            try:
                phashes.append(await run_in_threadpool(phash_hex, data))
            except PhotoError as exc:
                raise Refusal(422, "invalid_photo", f"photos[{i}]: {exc}") from None
        for h in (*proofs.emails, *proofs.phones):
            self.limit_address(h)
        ids = Identifiers(hashed.names, proofs.emails, proofs.phones, tuple(phashes))
        ref = self.verifier.person_ref(proofs)
        filed = await self.svc.file(Filing(None, (registration(ref, ids),)))
        counts = {
            "names": len(set(ids.names)),
            "emails": len(ids.emails),
            "phones": len(ids.phones),
            "photos": len(set(ids.photos)),
        }
        return Registered(ref, filed.events[0], counts)

    async def withdraw(self, person_ref: str | None) -> Event:
        """Commit a withdrawal; a reference never registered is accepted alike (docs)."""
        ref = (person_ref or "").strip()
        if not PERSON_REF_RE.match(ref):
            raise Refusal(422, "invalid", "person_ref: not a reference of the form nu-…")
        filed = await self.svc.file(Filing(None, (withdrawal(ref),)))
        return filed.events[0]

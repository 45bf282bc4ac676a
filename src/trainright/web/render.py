"""Turn pages and refusals into responses, in the person's language."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, Response

from trainright.web import i18n
from trainright.web.config import Limits
from trainright.web.i18n import N_
from trainright.web.models import MAX_REASON
from trainright.web.service import OUTCOME_UNKNOWN, Refusal, form_key

TEMPLATES = Path(__file__).parent / "templates"
LANG_COOKIE = "tr_lang"

#: Title and explanation of every refusal page, by code.
MESSAGES: dict[str, tuple[str, str]] = {
    "not_signed_in": (
        N_("You are not signed in"),
        N_(
            "This service has no passwords of its own: the platform signs you in. On the "
            "platform, open the privacy settings of your account and follow the link about AI "
            "training; it brings you here, signed in. Each sign-in link works once, for "
            "%(link_minutes)s minutes."
        ),
    ),
    "expired": (
        N_("Your sign-in has expired"),
        N_(
            "For your safety, sign-in links and sessions last only a short time. Go back to "
            "the privacy settings of your account on the platform and open this page again."
        ),
    ),
    "link_used": (
        N_("This sign-in link has already been used"),
        N_(
            "For your safety, a sign-in link works only once. Go back to the privacy settings "
            "of your account on the platform and open this page again: you get a new link."
        ),
    ),
    "forged": (
        N_("This sign-in link is not valid"),
        N_(
            "The link was changed or was not made by the platform. Open this page again from "
            "the privacy settings of your account on the platform."
        ),
    ),
    "business_account": (
        N_("This is a business account"),
        N_(
            "Objections and consent are about a person's own data, so they are made from a "
            "personal account. Switch to your personal account (on the platform: your profile "
            "picture, then \u201cSwitch account\u201d, then your own name) and open this page again."
        ),
    ),
    "unknown_account": (
        N_("We cannot find your account"),
        N_(
            "The account you are signed in with is not in the platform's list of accounts. "
            "Please contact the platform's privacy team."
        ),
    ),
    "csrf": (
        N_("This form has expired"),
        N_(
            "The form was open for too long, or it was not sent from this page. Go back, "
            "reload the page and send the form again."
        ),
    ),
    "rate_limited": (
        N_("Too many requests"),
        N_("Please wait a minute, then try again."),
    ),
    "too_large": (
        N_("The form is too large"),
        N_(
            "A reason can be at most %(reason_chars)s characters long, and a form at most "
            "%(body_kib)s KiB. Please shorten your reason and send the form again."
        ),
    ),
    "bad_request": (
        N_("Something was wrong with the form"),
        N_("Go back, reload the page and send the form again."),
    ),
    "invalid": (
        N_("Something was wrong with the form"),
        N_("Go back, reload the page and send the form again."),
    ),
    "idempotency_conflict": (
        N_("Something was wrong with the form"),
        N_("Go back, reload the page and send the form again."),
    ),
    "not_found": (
        N_("Page not found"),
        N_("This page does not exist, or it belongs to another account."),
    ),
    "method_not_allowed": (
        N_("Page not found"),
        N_("This page does not exist, or it belongs to another account."),
    ),
    "ledger_unavailable": (
        N_("We could not record your request"),
        N_("Our records are unavailable for a moment. Please try again shortly."),
    ),
    "outcome_unknown": (
        N_("We may have recorded your choice"),
        N_(
            "Our records stopped answering just after your request reached them, so it may "
            "have been recorded. Open your choices page to see where your data stands before "
            "you send it again."
        ),
    ),
    "server_error": (
        N_("Something went wrong on our side"),
        N_(
            "Please try again in a moment. Unless you see a receipt, your request was not recorded."
        ),
    ),
}
#: The non-user page's refusals (docs/non-users.md); those naming a field show it.
MESSAGES.update(
    {
        "nonusers_unavailable": (
            N_("This service cannot take registrations"),
            N_("Registration for people without an account is not set up here yet."),
        ),
        "proof_expired": (
            N_("This link or code has expired"),
            N_("For your safety, links and codes last only a short time. Please start again."),
        ),
        "proof_invalid": (
            N_("This link or code is not valid"),
            N_("Open the link exactly as we sent it, or start again."),
        ),
        "wrong_code": (
            N_("The code is not right"),
            N_("Go back and enter the code from the latest message we sent you."),
        ),
        "mail_unavailable": (
            N_("We could not send the message"),
            N_("Please try again in a few minutes."),
        ),
        "no_sms_gateway": (
            N_("We cannot send codes to phones"),
            N_("Please use an e-mail address instead."),
        ),
        "too_many_proved": (
            N_("Something was wrong with the form"),
            N_("A registration can hold at most 5 e-mail addresses and 5 phone numbers."),
        ),
        "too_many_names": (
            N_("Something was wrong with the form"),
            N_("Go back, correct the form and send it again."),
        ),
        "too_many_photos": (
            N_("Something was wrong with the form"),
            N_("Go back, correct the form and send it again."),
        ),
        "invalid_photo": (
            N_("Something was wrong with the form"),
            N_("Go back, correct the form and send it again."),
        ),
    }
)
#: Refusals whose message names the field at fault (never its value): shown on the page.
SHOW_DETAIL = frozenset({"invalid", "too_many_names", "too_many_photos", "invalid_photo"})

#: A line for whoever runs the service, under the explanation meant for the person.
OPERATOR_NOTES: dict[str, str] = {
    "not_signed_in": N_(
        "Running this service yourself, for example after trainright demo? The command "
        "trainright login-link ACCOUNT_ID prints a sign-in link for an account."
    ),
}


@cache
def environment(lang: str) -> Environment:
    """One Jinja environment per language, with its catalog installed."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["languages"] = i18n.LANGUAGES
    env.globals["form_key"] = form_key
    return env


def language(conn: HTTPConnection) -> str:
    """The page language for a request (query, then cookie, then Accept-Language)."""
    return i18n.choose(
        conn.query_params.get("lang"),
        conn.cookies.get(LANG_COOKIE),
        conn.headers.get("accept-language"),
    )


def page(conn: HTTPConnection, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page in the request's language; a `lang` choice is remembered."""
    lang = language(conn)
    html = environment(lang).get_template(template).render(lang=lang, **context)
    resp = HTMLResponse(html, status_code=status)
    if conn.query_params.get("lang") == lang:
        resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return resp


def limits_of(conn: HTTPConnection) -> dict[str, int]:
    """The running service's limits, for the texts that state them."""
    service = getattr(conn.app.state, "service", None) if "app" in conn.scope else None
    limits = service.config.limits if service is not None else Limits()
    return {
        "link_minutes": limits.link_minutes,
        "reason_chars": MAX_REASON,  # the limit the forms and the API enforce
        "body_kib": limits.max_body_bytes // 1024,
    }


def is_api(conn: HTTPConnection) -> bool:
    """API paths answer JSON; everything else answers pages."""
    return conn.url.path.startswith("/api/")


def refusal(conn: HTTPConnection, r: Refusal) -> Response:
    """A problem document for the API, a clear page in the person's language otherwise."""
    headers = {"Retry-After": str(r.retry_after)} if r.retry_after else None
    if is_api(conn):
        body: dict[str, Any] = {"error": r.code, "message": r.message}
        if r.retry_after:
            body["retry_after"] = r.retry_after
        return JSONResponse(body, status_code=r.status, headers=headers)
    lang = language(conn)
    gettext = i18n.translations(lang).gettext
    title, text = MESSAGES.get(r.code, MESSAGES["server_error"])
    note = OPERATOR_NOTES.get(r.code)
    resp = page(
        conn,
        "message.html",
        r.status,
        code=r.code,
        title=gettext(title),
        text=gettext(text) % limits_of(conn),
        note=gettext(note) if note else None,
        maybe_recorded=r.code == OUTCOME_UNKNOWN,
        detail=r.message if r.code in SHOW_DETAIL else None,
    )
    if headers:
        resp.headers.update(headers)
    return resp

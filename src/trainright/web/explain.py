"""What a standing means, in words: the standing box, a receipt's "what happens next".

Every sentence here is derived from a `Verdict` (the rules' decision for the
account at that instant) and, on a receipt, from the event just recorded — never
from the request type alone, so a page cannot promise what the rules do not do.
Texts are English source strings, translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from trainright.rules.standing import Verdict
from trainright.web.i18n import N_


@dataclass(frozen=True)
class Line:
    """One sentence and the values it names (filled in after translation)."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        """The sentence with its values, untranslated (the API's language)."""
        return self.text % self.params if self.params else self.text


#: Why the posts are not used: the first failing account-level reason of SPEC §5.
WHY_NOT: dict[str, str] = {
    "region_hold": N_(
        "AI training is on hold in your region, so no posts from here are used while the "
        "hold lasts."
    ),
    "account_status": N_("Your account is deleted or not active, so your posts are not used."),
    "account_kind": N_("Posts from this kind of account are not used for AI training here."),
    "age_unknown": N_(
        "We do not know your age, and posts are used only when we know you are old enough, "
        "so your posts are not used."
    ),
    "under_age": N_("You are under %(min_age)s here, so your posts are not used."),
    "objected": N_("You have objected, so your posts and images are left out."),
    "no_consent": N_(
        "Consent is needed here and you have not given it, so your posts are not used."
    ),
    "no_notice": N_(
        "We must tell you %(days)s days before your posts can be used, and that time has not "
        "passed, so they are not used yet."
    ),
}
NOTICE_FROM = N_(
    "We told you on %(told)s; unless you object, your public posts may be used from %(from)s."
)
USED_LI = N_(
    "Your public posts and images may be used for AI training. You can object at any time."
)
USED_CONSENT = N_(
    "You have given consent, so your public posts and images may be used for AI training. "
    "You can withdraw your consent at any time, as easily as you gave it."
)
#: The account's AI-usage preference (SPEC §2), where the region reads it.
RESERVED = N_(
    "Your AI-usage preference says your posts must not be used for AI training, so your "
    "posts and images are left out, except a post that states otherwise."
)
RESERVATION_NOT_READ = N_(
    "Your AI-usage preference is recorded, but datasets for your region do not read such "
    "preferences, so it does not decide whether your posts are used."
)
ALLOWED_BY_PREFERENCE = N_(
    "Your AI-usage preference allows AI training; whether your posts are used follows "
    "the rules above."
)
PREFERENCE_NOT_RETROACTIVE = N_(
    "A preference changes the datasets built from now on; to have datasets built before "
    "it retrained without your posts, object."
)
#: After a reason that is not the person's own choice: what their choice adds.
CHOICE_KEEPS_OUT = N_(
    "Your own choice is recorded too: it keeps your posts out even when this changes."
)
WOULD_BE_USED_LI = N_("If this changes, your public posts may be used unless you object.")
WOULD_NEED_CONSENT = N_("If this changes, your posts will still be used only if you consent.")
#: The combined effect of both kinds of event, where the region decides by the other kind.
CONSENT_NOT_THE_BASIS = N_(
    "Here your posts are used on the basis of legitimate interest, not consent: your answer "
    "on consent does not decide whether they are used. To leave them out, object."
)
OBJECTION_IS_NOT_CONSENT = N_(
    "Withdrawing your objection does not give consent: here your posts are used only if "
    "you consent."
)
OBJECTION_WITHDRAWS_CONSENT = N_(
    "Your objection also withdraws any consent you had given: here your posts are used "
    "only if you consent."
)
CONSENT_AFTER_OBJECTION = N_(
    "You gave consent after objecting; your consent is your latest choice, so it decides."
)
#: What datasets built from now on do.
NEXT_USED = N_("Datasets built from now on may use your public posts and images.")
NEXT_LEFT_OUT = N_("Datasets built from now on leave your posts and images out.")
UNLEARNING = N_(
    "Datasets built before that which hold them are put on the unlearning list, so the "
    "affected part is retrained without them."
)
#: Reasons the person's own choice (or deletion) gives: earlier datasets are unlearned.
_OWN_CHOICE = {"objected", "no_consent"}
#: Reasons that may pass with time or a platform decision, not by the person's choice.
_MAY_CHANGE = {"region_hold", "age_unknown", "under_age", "no_notice"}


def _choice_keeps_out(v: Verdict) -> bool:
    if v.reserved:
        return True
    if v.rules.legal_basis == "consent":
        return not v.ledger.consented
    return v.ledger.objected


def standing_lines(v: Verdict) -> list[Line]:
    """The standing box: the decision, why, and what the person's own choice adds."""
    rules = v.rules
    if v.reason is None:
        if v.reserved:
            return [Line(RESERVED)]
        lines = [Line(USED_CONSENT if rules.legal_basis == "consent" else USED_LI)]
        return lines + ([Line(RESERVATION_NOT_READ)] if v.states_reservation else [])
    params: dict[str, Any] = {}
    if v.reason == "under_age":
        params = {"min_age": rules.min_age}
    elif v.reason == "no_notice":
        params = {"days": rules.notice_days}
    lines = [Line(WHY_NOT[v.reason], params)]
    if v.reason == "no_notice" and v.ledger.noticed_at is not None:
        told = v.ledger.noticed_at
        usable = told + timedelta(days=rules.notice_days)
        lines.append(
            Line(NOTICE_FROM, {"told": f"{told:%Y-%m-%d}", "from": f"{usable:%Y-%m-%d %H:%M} UTC"})
        )
    if v.reason in _MAY_CHANGE:
        if _choice_keeps_out(v):
            lines.append(Line(CHOICE_KEEPS_OUT))
        elif rules.legal_basis == "consent":
            lines.append(Line(WOULD_NEED_CONSENT))
        elif v.reason != "no_notice":
            lines.append(Line(WOULD_BE_USED_LI))
    return lines


def combined_lines(event_type: str, after: Verdict) -> list[Line]:
    """Where an event of one kind meets a region that decides by the other kind."""
    basis = after.rules.legal_basis
    if basis == "legitimate_interest" and event_type in ("consent_given", "consent_withdrawn"):
        return [Line(CONSENT_NOT_THE_BASIS)]
    if basis == "consent":
        if event_type == "objection_withdrawn" and not after.ledger.consented:
            return [Line(OBJECTION_IS_NOT_CONSENT)]
        if event_type == "objection":
            return [Line(OBJECTION_WITHDRAWS_CONSENT)]
        if event_type == "consent_given" and after.ledger.objected:
            return [Line(CONSENT_AFTER_OBJECTION)]
    return []


def preference_lines(after: Verdict) -> list[Line]:
    """What a preference just set does, from the standing after it."""
    if after.states_reservation and not after.reserved:
        return [Line(RESERVATION_NOT_READ)]
    if after.reserved:
        return [Line(NEXT_LEFT_OUT), Line(PREFERENCE_NOT_RETROACTIVE)]
    return [Line(ALLOWED_BY_PREFERENCE)]


def next_lines(event_type: str, after: Verdict) -> list[Line]:
    """A receipt's "what happens next", from the standing after the event."""
    if event_type == "preference_set":
        lines = preference_lines(after)
        if after.reserved:
            return lines
    else:
        lines = combined_lines(event_type, after)
    if after.used and not after.reserved:
        lines.append(Line(NEXT_USED))
        return lines
    lines.append(Line(NEXT_LEFT_OUT))
    if after.reason in _OWN_CHOICE or after.ledger.deleted:
        lines.append(Line(UNLEARNING))
    return lines

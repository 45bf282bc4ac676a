"""SPEC §5 edge cases as a table: one edge per row, checked on the reference and the build.

Every row is one account (unless it says otherwise) writing post 100, and the
outcome expected for that post: `included`, a reason, or `absent` (not part of the
dataset at all). Unless a row says otherwise: cutoff T = 2026-06-26T00:00:00Z, the
SPEC's default policy without regions (legitimate interest, 18+, 30 days' notice),
an adult personal account in the US that was sent notice 40 days before T.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from helpers import Scenario, build_scenario
from reference import Account, Event, Link, Media, Platform, Post, Tag, evaluate

T = datetime(2026, 6, 26, tzinfo=UTC)
S = timedelta(seconds=1)
US = timedelta(microseconds=1)
DAY = timedelta(days=1)

ADULT = Account(1, "personal", date(1990, 5, 17), "US", "active", "Ada Berg", T - 400 * DAY)
POST = Post(100, 1, T - 5 * DAY, "public", "en", "A walk by the sea", False)
LI = 'legal_basis = "legitimate_interest"\nnotice_days = 30\n'
CONSENT = 'legal_basis = "consent"\n'
EEA_CONSENT = '[regions.EEA]\nlegal_basis = "consent"\n'


def acct(account_id: int = 1, **changes: object) -> Account:
    return replace(ADULT, account_id=account_id, **changes)  # type: ignore[arg-type]


def attested(least: int, at: datetime) -> Account:
    """An account with no birth date whose platform attests "at least `least` at `at`"."""
    return acct(birth_date=None, age_attested_min=least, age_attested_at=at)


def post(**changes: object) -> Post:
    return replace(POST, **changes)  # type: ignore[arg-type]


def ev(type_: str, at: datetime, account_id: int = 1, purpose: str = "ai-training") -> Event:
    return Event(account_id, type_, at, purpose)


def notice(account_id: int = 1, at: datetime = T - 40 * DAY) -> Event:
    return ev("notice_sent", at, account_id)


def image(media_id: int, flagged: bool) -> Media:
    return Media(media_id, 100, f"images/{media_id}.jpg", flagged)


@dataclass(frozen=True)
class Edge:
    id: str
    expect: str
    accounts: tuple[Account, ...] = (ADULT,)
    posts: tuple[Post, ...] = (POST,)
    media: tuple[Media, ...] = ()
    tags: tuple[Tag, ...] = ()
    persons: tuple[Link, ...] = ()
    events: tuple[Event, ...] = (notice(),)
    policy: str = LI
    cutoff: datetime = T
    kept_media: int | None = None

    def scenario(self) -> Scenario:
        platform = Platform(self.accounts, self.posts, self.media, self.tags, self.persons)
        return Scenario(platform, self.events, self.policy, self.cutoff)


N = notice()
MINOR = acct(2, birth_date=date(2012, 1, 1))
TAG2 = (Tag(100, 2, "mention"),)

EDGES = [
    # -- only events at or before T count, to the second and below --------------------
    Edge("cutoff: objection at T counts", "objected", events=(N, ev("objection", T))),
    Edge(
        "cutoff: objection at T+1s does not count", "included", events=(N, ev("objection", T + S))
    ),
    Edge(
        "cutoff: objection at T+1us does not count", "included", events=(N, ev("objection", T + US))
    ),
    Edge(
        "cutoff: withdrawal at T+1s does not lift an objection",
        "objected",
        events=(N, ev("objection", T - DAY), ev("objection_withdrawn", T + S)),
    ),
    Edge(
        "cutoff: consent at T counts", "included", policy=CONSENT, events=(ev("consent_given", T),)
    ),
    Edge(
        "cutoff: consent at T+1s does not count",
        "no_consent",
        policy=CONSENT,
        events=(ev("consent_given", T + S),),
    ),
    Edge(
        "cutoff: account_deleted at T+1s does not count",
        "included",
        events=(N, ev("account_deleted", T + S)),
    ),
    # -- notice: notice_sent at or before T - notice_days ------------------------------
    Edge("notice: exactly T-30d counts", "included", events=(notice(at=T - 30 * DAY),)),
    Edge("notice: T-30d+1s is too late", "no_notice", events=(notice(at=T - 30 * DAY + S),)),
    Edge("notice: T-30d+1us is too late", "no_notice", events=(notice(at=T - 30 * DAY + US),)),
    Edge("notice: none sent", "no_notice", events=()),
    Edge(
        "notice: for another purpose does not count",
        "no_notice",
        events=(ev("notice_sent", T - 40 * DAY, purpose="research"),),
    ),
    Edge(
        "notice: purpose all counts",
        "included",
        events=(ev("notice_sent", T - 40 * DAY, purpose="all"),),
    ),
    Edge(
        "notice: notice_days = 0 disables the rule",
        "included",
        policy="notice_days = 0\n",
        events=(),
    ),
    Edge(
        "notice: notice_days = 0 for the region only",
        "included",
        policy=LI + "[regions.US]\nnotice_days = 0\n",
        events=(),
    ),
    Edge(
        "notice: not needed under consent",
        "included",
        policy=CONSENT,
        events=(ev("consent_given", T - DAY),),
    ),
    # -- age: the min_age-th birthday on or before T's UTC date -------------------------
    Edge(
        "age: 18th birthday on T's date is cleared",
        "included",
        accounts=(acct(birth_date=date(2008, 6, 26)),),
    ),
    Edge(
        "age: 18th birthday the day after T is under_age",
        "under_age",
        accounts=(acct(birth_date=date(2008, 6, 27)),),
    ),
    Edge(
        "age: birthday on T's date, T late that day",
        "included",
        accounts=(acct(birth_date=date(2008, 6, 26)),),
        cutoff=T + DAY - S,
    ),
    Edge(
        "age: birthday the day after T, T one second before it",
        "under_age",
        accounts=(acct(birth_date=date(2008, 6, 27)),),
        cutoff=T + DAY - S,
    ),
    Edge(
        "age: 29 Feb birthday, non-leap cutoff year, on 28 Feb is under_age",
        "under_age",
        accounts=(acct(birth_date=date(2008, 2, 29)),),
        posts=(post(created_at=datetime(2026, 1, 1, tzinfo=UTC)),),
        cutoff=datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC),
        events=(notice(at=datetime(2026, 1, 1, tzinfo=UTC)),),
    ),
    Edge(
        "age: 29 Feb birthday, non-leap cutoff year, on 1 Mar is cleared",
        "included",
        accounts=(acct(birth_date=date(2008, 2, 29)),),
        posts=(post(created_at=datetime(2026, 1, 1, tzinfo=UTC)),),
        cutoff=datetime(2026, 3, 1, tzinfo=UTC),
        events=(notice(at=datetime(2026, 1, 1, tzinfo=UTC)),),
    ),
    Edge(
        "age: 29 Feb birthday, leap cutoff year, on 29 Feb is cleared",
        "included",
        accounts=(acct(birth_date=date(2012, 2, 29)),),
        policy=LI + "min_age = 16\n",
        posts=(post(created_at=datetime(2028, 1, 1, tzinfo=UTC)),),
        cutoff=datetime(2028, 2, 29, tzinfo=UTC),
        events=(notice(at=datetime(2028, 1, 1, tzinfo=UTC)),),
    ),
    Edge(
        "age: 29 Feb birthday, leap cutoff year, on 28 Feb is under_age",
        "under_age",
        accounts=(acct(birth_date=date(2012, 2, 29)),),
        policy=LI + "min_age = 16\n",
        posts=(post(created_at=datetime(2028, 1, 1, tzinfo=UTC)),),
        cutoff=datetime(2028, 2, 28, 23, 59, 59, tzinfo=UTC),
        events=(notice(at=datetime(2028, 1, 1, tzinfo=UTC)),),
    ),
    Edge(
        "age: unknown birth date is age_unknown", "age_unknown", accounts=(acct(birth_date=None),)
    ),
    # -- an attestation ("at least N at that instant") where no birth date is known ----
    *(
        Edge(
            f"attestation: 16 on 2025-03-01, min_age 18, at {cutoff:%Y-%m-%d %H:%M:%S}",
            expect,
            accounts=(attested(16, datetime(2025, 3, 1, 10, tzinfo=UTC)),),
            posts=(post(created_at=datetime(2027, 1, 1, tzinfo=UTC)),),
            cutoff=cutoff,
            events=(notice(at=datetime(2027, 1, 1, tzinfo=UTC)),),
        )
        for cutoff, expect in (
            (datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC), "age_unknown"),
            (datetime(2027, 3, 1, tzinfo=UTC), "included"),
            (datetime(2027, 3, 2, tzinfo=UTC), "included"),
        )
    ),
    *(
        Edge(
            f"attestation: 16 on 29 Feb 2024, min_age 18, at {cutoff:%Y-%m-%d %H:%M:%S}",
            expect,
            accounts=(attested(16, datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),),
            posts=(post(created_at=datetime(2026, 1, 1, tzinfo=UTC)),),
            cutoff=cutoff,
            events=(notice(at=datetime(2026, 1, 1, tzinfo=UTC)),),
        )
        for cutoff, expect in (
            (datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC), "age_unknown"),
            (datetime(2026, 3, 1, tzinfo=UTC), "included"),
        )
    ),
    Edge(
        "attestation: 18 made at T counts",
        "included",
        accounts=(attested(18, T),),
    ),
    Edge(
        "attestation: 18 made a second after T does not count",
        "age_unknown",
        accounts=(attested(18, T + S),),
    ),
    Edge(
        "attestation: 13 eleven years ago reaches 18",
        "included",
        accounts=(attested(13, datetime(2015, 6, 26, tzinfo=UTC)),),
    ),
    Edge(
        "attestation: a lower bound that does not reach min_age leaves the age unknown",
        "age_unknown",
        accounts=(attested(13, datetime(2024, 1, 1, tzinfo=UTC)),),
    ),
    Edge(
        "attestation: without its instant attests nothing",
        "age_unknown",
        accounts=(acct(birth_date=None, age_attested_min=18),),
    ),
    Edge(
        "attestation: a known birth date decides, not the attestation",
        "under_age",
        accounts=(acct(birth_date=date(2012, 1, 1), age_attested_min=18, age_attested_at=T - DAY),),
    ),
    Edge(
        "attestation: a linked account's birth date is the person's age, not the attestation",
        "under_age",
        accounts=(attested(18, T - DAY), acct(2, birth_date=date(2012, 1, 1))),
        persons=(Link(1, 7), Link(2, 7)),
    ),
    Edge(
        "age: min_age from the country's section",
        "included",
        accounts=(acct(birth_date=date(2009, 1, 1)),),
        policy=LI + "[regions.US]\nmin_age = 16\n",
    ),
    # -- objections (legitimate interest): the latest by at, then by ledger order -------
    Edge(
        "objection: objection then withdrawal is cleared",
        "included",
        events=(N, ev("objection", T - 3 * DAY), ev("objection_withdrawn", T - 2 * DAY)),
    ),
    Edge(
        "objection: withdrawal then objection is objected",
        "objected",
        events=(N, ev("objection_withdrawn", T - 3 * DAY), ev("objection", T - 2 * DAY)),
    ),
    Edge(
        "objection: ledger order is not time order",
        "included",
        events=(N, ev("objection_withdrawn", T - 2 * DAY), ev("objection", T - 3 * DAY)),
    ),
    Edge(
        "objection: purpose all applies",
        "objected",
        events=(N, ev("objection", T - DAY, purpose="all")),
    ),
    Edge(
        "objection: another purpose is ignored",
        "included",
        events=(N, ev("objection", T - DAY, purpose="research")),
    ),
    Edge(
        "objection: same at, withdrawal appended last wins",
        "included",
        events=(N, ev("objection", T - DAY), ev("objection_withdrawn", T - DAY)),
    ),
    Edge(
        "objection: same at, objection appended last wins",
        "objected",
        events=(N, ev("objection_withdrawn", T - DAY), ev("objection", T - DAY)),
    ),
    Edge(
        "objection: withdrawal for another purpose does not lift it",
        "objected",
        events=(
            N,
            ev("objection", T - 3 * DAY),
            ev("objection_withdrawn", T - DAY, purpose="research"),
        ),
    ),
    Edge(
        "objection: for the region's own purpose",
        "objected",
        policy=LI + '[regions.US]\npurpose = "research"\n',
        events=(
            ev("notice_sent", T - 40 * DAY, purpose="research"),
            ev("objection", T - DAY, purpose="research"),
        ),
    ),
    Edge(
        "objection: not a reason under consent",
        "included",
        policy=CONSENT,
        events=(ev("consent_given", T - 3 * DAY), ev("objection", T - DAY)),
    ),
    # -- consent: the latest consent-type event is consent_given; no event means no ----
    Edge("consent: no event is no_consent", "no_consent", policy=CONSENT, events=(N,)),
    Edge(
        "consent: given is cleared",
        "included",
        policy=CONSENT,
        events=(ev("consent_given", T - DAY),),
    ),
    Edge(
        "consent: given then withdrawn is no_consent",
        "no_consent",
        policy=CONSENT,
        events=(ev("consent_given", T - 3 * DAY), ev("consent_withdrawn", T - DAY)),
    ),
    Edge(
        "consent: withdrawn then given again is cleared",
        "included",
        policy=CONSENT,
        events=(ev("consent_withdrawn", T - 3 * DAY), ev("consent_given", T - DAY)),
    ),
    Edge(
        "consent: withdrawn alone is no_consent",
        "no_consent",
        policy=CONSENT,
        events=(ev("consent_withdrawn", T - DAY),),
    ),
    Edge(
        "consent: purpose all counts",
        "included",
        policy=CONSENT,
        events=(ev("consent_given", T - DAY, purpose="all"),),
    ),
    Edge(
        "consent: another purpose does not count",
        "no_consent",
        policy=CONSENT,
        events=(ev("consent_given", T - DAY, purpose="research"),),
    ),
    Edge(
        "consent: same at, withdrawal appended last wins",
        "no_consent",
        policy=CONSENT,
        events=(ev("consent_given", T - DAY), ev("consent_withdrawn", T - DAY)),
    ),
    Edge(
        "consent: same at, consent appended last wins",
        "included",
        policy=CONSENT,
        events=(ev("consent_withdrawn", T - DAY), ev("consent_given", T - DAY)),
    ),
    Edge(
        "consent: an objection withdrawal is not consent",
        "no_consent",
        policy=CONSENT,
        events=(ev("objection_withdrawn", T - DAY),),
    ),
    # -- account status and kind ----------------------------------------------------------
    Edge("status: deactivated", "account_status", accounts=(acct(status="deactivated"),)),
    Edge("status: pending_deletion", "account_status", accounts=(acct(status="pending_deletion"),)),
    Edge("status: deleted", "account_status", accounts=(acct(status="deleted"),)),
    Edge(
        "status: account_deleted event with status active",
        "account_status",
        events=(N, ev("account_deleted", T - DAY)),
    ),
    Edge(
        "status: account_deleted event at T", "account_status", events=(N, ev("account_deleted", T))
    ),
    Edge(
        "status: account_deleted applies whatever its purpose",
        "account_status",
        events=(N, ev("account_deleted", T - DAY, purpose="research")),
    ),
    Edge(
        "kind: business excluded by account_kinds",
        "account_kind",
        accounts=(acct(kind="business"),),
        policy=LI + 'account_kinds = ["personal"]\n',
    ),
    Edge("kind: business allowed by default", "included", accounts=(acct(kind="business"),)),
    # -- region hold and region precedence (country > EEA/UK > default > top) ----------
    Edge(
        "hold: the country's region is on hold",
        "region_hold",
        policy=LI + '[regions.US]\nhold = "regulator request"\n',
    ),
    Edge(
        "hold: the EEA is on hold for a German account",
        "region_hold",
        accounts=(acct(country="DE"),),
        policy='[regions.EEA]\nhold = "regulator request"\n',
    ),
    Edge(
        "hold: a country section lifts its group's hold",
        "included",
        accounts=(acct(country="NO"),),
        events=(N, ev("consent_given", T - DAY)),
        policy='[regions.EEA]\nlegal_basis = "consent"\nhold = "regulator request"\n'
        '[regions.NO]\nhold = ""\n',
    ),
    Edge(
        "hold: another region's hold does not apply",
        "included",
        policy=LI + '[regions.EEA]\nhold = "regulator request"\n',
    ),
    Edge(
        "precedence: EEA consent stays for NO when NO sets only min_age",
        "no_consent",
        accounts=(acct(country="NO", birth_date=date(2009, 1, 1)),),
        policy=EEA_CONSENT + "[regions.NO]\nmin_age = 16\n",
    ),
    Edge(
        "precedence: NO's min_age applies under EEA consent",
        "included",
        accounts=(acct(country="NO", birth_date=date(2009, 1, 1)),),
        events=(ev("consent_given", T - DAY),),
        policy=EEA_CONSENT + "[regions.NO]\nmin_age = 16\n",
    ),
    Edge(
        "precedence: NO's min_age does not reach DE",
        "under_age",
        accounts=(acct(country="DE", birth_date=date(2009, 1, 1)),),
        events=(ev("consent_given", T - DAY),),
        policy=EEA_CONSENT + "[regions.NO]\nmin_age = 16\n",
    ),
    Edge(
        "precedence: Iceland is in the EEA",
        "no_consent",
        accounts=(acct(country="IS"),),
        policy=EEA_CONSENT,
    ),
    Edge(
        "precedence: GB is not in the EEA",
        "included",
        accounts=(acct(country="GB"),),
        policy=EEA_CONSENT,
    ),
    Edge(
        "precedence: GB is the UK group",
        "no_consent",
        accounts=(acct(country="GB"),),
        policy='[regions.UK]\nlegal_basis = "consent"\n',
    ),
    Edge(
        "precedence: default section beats the top level",
        "under_age",
        accounts=(acct(birth_date=date(2007, 1, 1)),),
        policy="min_age = 18\n[regions.default]\nmin_age = 21\n",
    ),
    Edge(
        "precedence: country beats the default section",
        "included",
        accounts=(acct(birth_date=date(2007, 1, 1)),),
        policy="min_age = 21\n[regions.default]\nmin_age = 21\n[regions.US]\nmin_age = 18\n",
    ),
    Edge(
        "precedence: EEA beats the default section",
        "no_consent",
        accounts=(acct(country="NL"),),
        policy='[regions.default]\nlegal_basis = "legitimate_interest"\n' + EEA_CONSENT,
    ),
    # -- dangling references ------------------------------------------------------------
    Edge(
        "dangling: unknown author is account_status", "account_status", posts=(post(author_id=99),)
    ),
    Edge(
        "dangling: unknown author under a hold everywhere is still account_status",
        "account_status",
        posts=(post(author_id=99),),
        policy=LI + 'hold = "regulator request"\n',
    ),
    Edge(
        "dangling: unknown tagged account is not cleared",
        "tagged_not_cleared",
        tags=(Tag(100, 99, "mention"),),
    ),
    Edge(
        "dangling: unknown tagged account, tag rule off",
        "included",
        tags=(Tag(100, 99, "photo_tag"),),
        policy=LI + "exclude_tagged_not_cleared = false\n",
    ),
    # -- people without an account (more in test_non_users_rule.py) ----------------------
    Edge(
        "non-user: a registered name in the text, after an uncleared tag",
        "tagged_not_cleared",
        accounts=(ADULT, MINOR),
        posts=(post(text="Grete Hansen visited"),),
        tags=TAG2,
        events=(
            N,
            notice(2),
            Event(None, "non_user_objection", T - DAY, "all", None, "nu-1", ("Grete Hansen",)),
        ),
    ),
    Edge(
        "non-user: a registered name in the text",
        "names_non_user",
        posts=(post(text="Grete Hansen visited"),),
        events=(
            N,
            Event(None, "non_user_objection", T - DAY, "all", None, "nu-1", ("Grete Hansen",)),
        ),
    ),
    # -- tagged or mentioned accounts must be cleared -------------------------------------
    Edge(
        "tagged: a minor",
        "tagged_not_cleared",
        accounts=(ADULT, MINOR),
        tags=TAG2,
        events=(N, notice(2)),
    ),
    Edge(
        "tagged: an objector",
        "tagged_not_cleared",
        accounts=(ADULT, acct(2)),
        tags=TAG2,
        events=(N, notice(2), ev("objection", T - DAY, 2)),
    ),
    Edge(
        "tagged: a cleared account",
        "included",
        accounts=(ADULT, acct(2)),
        tags=TAG2,
        events=(N, notice(2)),
    ),
    Edge(
        "tagged: the tagged account's own region rules (consent, none given)",
        "tagged_not_cleared",
        accounts=(ADULT, acct(2, country="NL")),
        tags=TAG2,
        policy=LI + EEA_CONSENT,
        events=(N,),
    ),
    Edge(
        "tagged: the tagged account's own region rules (consent given)",
        "included",
        accounts=(ADULT, acct(2, country="NL")),
        tags=TAG2,
        policy=LI + EEA_CONSENT,
        events=(N, ev("consent_given", T - DAY, 2)),
    ),
    Edge(
        "tagged: the rule comes from the author's region",
        "included",
        accounts=(ADULT, MINOR),
        tags=TAG2,
        events=(N, notice(2)),
        policy=LI + "[regions.US]\nexclude_tagged_not_cleared = false\n",
    ),
    Edge(
        "tagged: a tagged account on hold",
        "tagged_not_cleared",
        accounts=(ADULT, acct(2, country="DE")),
        tags=(Tag(100, 2, "photo_tag"),),
        policy=LI + '[regions.DE]\nhold = "regulator request"\n',
        events=(N, notice(2)),
    ),
    # -- visibility, deletion, time --------------------------------------------------------
    Edge("visibility: friends is not_public", "not_public", posts=(post(visibility="friends"),)),
    Edge("visibility: only_me is not_public", "not_public", posts=(post(visibility="only_me"),)),
    Edge(
        "visibility: friends allowed by the policy",
        "included",
        posts=(post(visibility="friends"),),
        policy=LI + 'visibility = ["public", "friends"]\n',
    ),
    Edge("deleted: a deleted post", "post_deleted", posts=(post(deleted=True),)),
    Edge("time: a post created at T is in", "included", posts=(post(created_at=T),)),
    Edge("time: a post created after T is absent", "absent", posts=(post(created_at=T + US),)),
    # -- minimisation: flagged-minor media, empty posts -----------------------------------
    Edge(
        "media: a flagged-minor image is dropped",
        "included",
        kept_media=1,
        media=(image(1000, False), image(1001, True)),
    ),
    Edge(
        "media: flagged images kept when the rule is off",
        "included",
        kept_media=2,
        media=(image(1000, False), image(1001, True)),
        policy=LI + "drop_flagged_minor_media = false\n",
    ),
    Edge(
        "media: image-only post whose only image is flagged",
        "empty_after_minimisation",
        posts=(post(text=None),),
        media=(image(1000, True),),
    ),
    Edge(
        "media: image-only post with an unflagged image",
        "included",
        kept_media=1,
        posts=(post(text=None),),
        media=(image(1000, False),),
    ),
    Edge("empty: null text, no media", "empty_after_minimisation", posts=(post(text=None),)),
    Edge("empty: empty text, no media", "empty_after_minimisation", posts=(post(text=""),)),
    Edge(
        "empty: whitespace-only text, no media",
        "empty_after_minimisation",
        posts=(post(text=" \n\t "),),
    ),
    # -- the first reason that applies, in SPEC order --------------------------------------
    Edge(
        "order: post_deleted before region_hold",
        "post_deleted",
        posts=(post(deleted=True),),
        policy=LI + '[regions.US]\nhold = "regulator request"\n',
    ),
    Edge(
        "order: region_hold before account_status",
        "region_hold",
        accounts=(acct(status="deleted"),),
        policy=LI + 'hold = "regulator request"\n',
    ),
    Edge(
        "order: account_status before account_kind",
        "account_status",
        accounts=(acct(status="deactivated", kind="business"),),
        policy=LI + 'account_kinds = ["personal"]\n',
    ),
    Edge(
        "order: account_kind before age_unknown",
        "account_kind",
        accounts=(acct(kind="business", birth_date=None),),
        policy=LI + 'account_kinds = ["personal"]\n',
    ),
    Edge(
        "order: age_unknown before objected",
        "age_unknown",
        accounts=(acct(birth_date=None),),
        events=(N, ev("objection", T - DAY)),
    ),
    Edge(
        "order: under_age before objected",
        "under_age",
        accounts=(acct(birth_date=date(2012, 1, 1)),),
        events=(N, ev("objection", T - DAY)),
    ),
    Edge(
        "order: under_age before no_consent",
        "under_age",
        accounts=(acct(birth_date=date(2012, 1, 1)),),
        policy=CONSENT,
        events=(),
    ),
    Edge("order: objected before no_notice", "objected", events=(ev("objection", T - DAY),)),
    Edge(
        "order: no_consent before not_public",
        "no_consent",
        policy=CONSENT,
        posts=(post(visibility="friends"),),
        events=(),
    ),
    Edge(
        "order: no_notice before not_public",
        "no_notice",
        posts=(post(visibility="friends"),),
        events=(),
    ),
    Edge(
        "order: not_public before tagged_not_cleared",
        "not_public",
        posts=(post(visibility="only_me"),),
        tags=(Tag(100, 99, "mention"),),
    ),
    Edge(
        "order: tagged_not_cleared before empty_after_minimisation",
        "tagged_not_cleared",
        posts=(post(text=None),),
        tags=(Tag(100, 99, "mention"),),
    ),
]


#: One person holding account 1 (US) and account 2; post 100 is account 1's.
BOTH = (Link(1, 7), Link(2, 7))


#: A reshare (post 100 by account 1) of post 200, by account 2 unless a row says otherwise.
def shared(author: int = 2, **changes: object) -> Post:
    """Post 200, with a text of its own: the same text as post 100 would be a copy of it."""
    fields: dict[str, object] = {"text": "Words of the shared post", **changes}
    return replace(POST, post_id=200, author_id=author, **fields)  # type: ignore[arg-type]


EDGES += [
    # -- persons: one person's choices count on every account they hold ----------------
    Edge(
        "person: an objection on a linked account counts",
        "objected",
        accounts=(ADULT, acct(2)),
        persons=BOTH,
        events=(N, ev("objection", T - DAY, account_id=2)),
    ),
    Edge(
        "person: a withdrawal on one account after an objection on the other",
        "included",
        accounts=(ADULT, acct(2)),
        persons=BOTH,
        events=(N, ev("objection", T - 2 * DAY, 2), ev("objection_withdrawn", T - DAY, 1)),
    ),
    Edge(
        "person: an objection on an unlinked account does not count",
        "included",
        accounts=(ADULT, acct(2)),
        events=(N, ev("objection", T - DAY, account_id=2)),
    ),
    Edge(
        "person: a deletion counts for its own account only",
        "included",
        accounts=(ADULT, acct(2)),
        persons=BOTH,
        events=(N, ev("account_deleted", T - DAY, account_id=2)),
    ),
    Edge(
        "person: the youngest known birth date decides the age",
        "under_age",
        accounts=(ADULT, acct(2, birth_date=date(2012, 1, 1))),
        persons=BOTH,
    ),
    Edge(
        "person: a birth date on a linked account makes the age known",
        "included",
        accounts=(acct(1, birth_date=None), acct(2)),
        persons=BOTH,
    ),
    Edge(
        "person: a notice on a linked account counts",
        "included",
        accounts=(ADULT, acct(2)),
        persons=BOTH,
        events=(notice(account_id=2),),
    ),
    Edge(
        "person: accounts in two regions each follow their own country's rules",
        "no_consent",
        accounts=(acct(1, country="NO"), acct(2)),
        persons=BOTH,
        policy=LI + EEA_CONSENT,
        events=(notice(account_id=2),),
    ),
    Edge(
        "person: consent given on the other region's account counts here",
        "included",
        accounts=(acct(1, country="NO"), acct(2)),
        persons=BOTH,
        policy=LI + EEA_CONSENT,
        events=(ev("consent_given", T - DAY, account_id=2),),
    ),
    # -- reshares and quotes carry the post they point to --------------------------------
    Edge(
        "share: a reshare of an included post is included",
        "included",
        accounts=(ADULT, acct(2)),
        posts=(post(reshare_of=200), shared()),
        events=(N, notice(2)),
    ),
    Edge(
        "share: a reshare of an objector's post is shares_excluded",
        "shares_excluded",
        accounts=(ADULT, acct(2)),
        posts=(post(reshare_of=200), shared()),
        events=(N, notice(2), ev("objection", T - DAY, 2)),
    ),
    Edge(
        "share: a reshare of a reshare of an objector",
        "shares_excluded",
        accounts=(ADULT, acct(2), acct(3)),
        posts=(
            post(reshare_of=200),
            shared(author=3, reshare_of=300),
            replace(POST, post_id=300, author_id=2),
        ),
        events=(N, notice(2), notice(3), ev("objection", T - DAY, 2)),
    ),
    Edge(
        "share: a quote of an included post by an excluded author keeps its author's reason",
        "objected",
        accounts=(ADULT, acct(2)),
        posts=(post(quote_of=200), shared()),
        events=(N, notice(2), ev("objection", T - DAY, 1)),
    ),
    Edge(
        "share: a quote of a deleted post",
        "shares_excluded",
        accounts=(ADULT, acct(2)),
        posts=(post(quote_of=200), shared(deleted=True)),
        events=(N, notice(2)),
    ),
    Edge(
        "share: a cycle of reshares",
        "shares_excluded",
        accounts=(ADULT, acct(2)),
        posts=(post(reshare_of=200), shared(reshare_of=100)),
        events=(N, notice(2)),
    ),
    Edge(
        "share: a chain that runs into a cycle",
        "shares_excluded",
        accounts=(ADULT, acct(2)),
        posts=(
            post(reshare_of=200),
            shared(reshare_of=300),
            replace(POST, post_id=300, author_id=2, reshare_of=200),
        ),
        events=(N, notice(2)),
    ),
    Edge(
        "share: a reshare of a post the snapshot lacks",
        "shares_excluded",
        posts=(post(reshare_of=999),),
    ),
    Edge(
        "share: a reshare of a post made after T",
        "shares_excluded",
        accounts=(ADULT, acct(2)),
        posts=(post(reshare_of=200), shared(created_at=T + S)),
        events=(N, notice(2)),
    ),
    Edge(
        "share: where the switch is off, a reshare of an excluded post is included",
        "included",
        accounts=(ADULT, acct(2)),
        posts=(post(reshare_of=200), shared()),
        events=(N, notice(2), ev("objection", T - DAY, 2)),
        policy=LI + "exclude_shares_of_excluded = false\n",
    ),
    Edge(
        "share: the original's region switch does not decide for the reshare",
        "shares_excluded",
        accounts=(ADULT, acct(2, country="GB")),
        posts=(post(reshare_of=200), shared()),
        events=(N, notice(2), ev("objection", T - DAY, 2)),
        policy=LI + "[regions.GB]\nexclude_shares_of_excluded = false\n",
    ),
    Edge(
        "share: a text-less reshare of an included post is empty_after_minimisation",
        "empty_after_minimisation",
        accounts=(ADULT, acct(2)),
        posts=(post(reshare_of=200, text=None), shared()),
        events=(N, notice(2)),
    ),
    Edge(
        "reserved: a post's own train-ai=n",
        "reserved",
        posts=(post(content_usage="train-ai=n"),),
        events=(N,),
    ),
    Edge(
        "reserved: Content-Signal ai-train=no on the author's account",
        "reserved",
        accounts=(acct(content_usage="ai-train=no"),),
        events=(N,),
    ),
    Edge(
        "reserved: a post's own allowance beats its author's reservation",
        "included",
        accounts=(acct(content_usage="train-ai=n"),),
        posts=(post(content_usage="train-ai=y"),),
        events=(N,),
    ),
    Edge(
        "reserved: a malformed post preference is none, so the author's reservation holds",
        "reserved",
        accounts=(acct(content_usage="train-ai=n"),),
        posts=(post(content_usage='train-ai="y"'),),
        events=(N,),
    ),
    Edge(
        "reserved: any disallow across the two vocabularies wins",
        "reserved",
        posts=(post(content_usage="train-ai=y, ai-train=no"),),
        events=(N,),
    ),
    Edge(
        "reserved: where honor_reservations is off, the preference is not a rule",
        "included",
        posts=(post(content_usage="train-ai=n"),),
        events=(N,),
        policy=LI + "honor_reservations = false\n",
    ),
    Edge(
        "order: not_public before reserved",
        "not_public",
        posts=(post(content_usage="train-ai=n", visibility="friends"),),
        events=(N,),
    ),
    Edge(
        "order: reserved before tagged_not_cleared",
        "reserved",
        posts=(post(content_usage="train-ai=n"),),
        tags=(Tag(100, 98, "mention"),),
        events=(N,),
    ),
    Edge(
        "order: tagged_not_cleared before shares_excluded",
        "tagged_not_cleared",
        accounts=(ADULT, acct(2)),
        posts=(post(reshare_of=999),),
        tags=(Tag(100, 98, "mention"),),
    ),
    Edge(
        "share: a quote whose original is empty is shares_excluded",
        "shares_excluded",
        accounts=(ADULT, acct(2)),
        posts=(post(quote_of=200), shared(text="  ")),
        events=(N, notice(2)),
    ),
    # -- copies: near-duplicates of excluded texts, repeats inside the dataset ----------
    Edge(
        "copy: the same words as an objector's post are copy_of_excluded",
        "copy_of_excluded",
        accounts=(ADULT, acct(2)),
        posts=(post(), shared(text="a WALK  by the sea")),
        events=(N, notice(2), ev("objection", T - DAY, 2)),
    ),
    Edge(
        "copy: with the copy checks off, the same words are included",
        "included",
        accounts=(ADULT, acct(2)),
        posts=(post(), shared(text="A walk by the sea")),
        events=(N, notice(2), ev("objection", T - DAY, 2)),
        policy=LI + "exclude_copies_of_excluded = false\n",
    ),
    Edge(
        "duplicate: the same words as an earlier included post",
        "duplicate",
        accounts=(ADULT, acct(2)),
        posts=(post(), shared(text="A walk by the sea", created_at=T - 6 * DAY)),
        events=(N, notice(2)),
    ),
    Edge(
        "duplicate: the earlier post keeps its words",
        "included",
        accounts=(ADULT, acct(2)),
        posts=(post(), shared(text="A walk by the sea", created_at=T - 4 * DAY)),
        events=(N, notice(2)),
    ),
    Edge(
        "duplicate: with dedup off, the same words are included",
        "included",
        accounts=(ADULT, acct(2)),
        posts=(post(), shared(text="A walk by the sea", created_at=T - 6 * DAY)),
        events=(N, notice(2)),
        policy=LI + 'dedup = "off"\n',
    ),
]


def outcome_of(included: dict[int, int], excluded: dict[int, str], post_id: int) -> str:
    assert not (post_id in included and post_id in excluded), "both included and excluded"
    if post_id in included:
        return "included"
    return excluded.get(post_id, "absent")


def test_edge_ids_are_unique() -> None:
    assert len({e.id for e in EDGES}) == len(EDGES)


@pytest.mark.parametrize("edge", EDGES, ids=[e.id for e in EDGES])
def test_reference(edge: Edge) -> None:
    s = edge.scenario()
    got = evaluate(s.platform, s.events, s.policy, s.cutoff)
    included = {p: len(m) for p, m in got.included.items()}
    assert outcome_of(included, got.excluded, 100) == edge.expect
    if edge.kept_media is not None:
        assert included[100] == edge.kept_media


@pytest.mark.parametrize("edge", EDGES, ids=[e.id for e in EDGES])
def test_build(edge: Edge, tmp_path: Path) -> None:
    built = build_scenario(edge.scenario(), tmp_path)
    assert outcome_of(built.included, built.excluded, 100) == edge.expect
    if edge.kept_media is not None:
        assert built.included[100] == edge.kept_media


def test_every_reason_has_an_edge() -> None:
    from reference import REASONS

    assert set(REASONS) <= {e.expect for e in EDGES}

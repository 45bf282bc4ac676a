"""SPEC §5, written once: who and what is in a dataset.

The rules are SQL in DuckDB's dialect over the validated snapshot tables
(`accounts`, `posts`, `media`, `tags`, `persons`), the ledger's `events` up to the
cutoff (with `ord`, the rank of each event in (at, seq) order) and `region_rules`
(the policy resolved for every country). SQLGlot transpiles the same text for
Apache Spark, so both engines run one definition.

Reading guide: `account_state` gives each account its first failing account-level
reason (NULL = cleared); `post_state` gives each post the first of its own reasons
before and after `shares_excluded`; the share walk (`resolve_shares`) decides, for
every reshare and quote, whether the chain of posts it points to is included;
`decisions` joins them into each post's first failing reason (NULL = included), in
the SPEC's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import pyarrow as pa
from pydantic import SecretStr

from trainright.copies.rules import copies_of_excluded, duplicates
from trainright.ledger.events import utc
from trainright.nonusers.identifiers import Hasher, Identifiers
from trainright.nonusers.match import Matcher
from trainright.policy import Dedup, Policy
from trainright.regions import ISO_COUNTRIES
from trainright.settings import resolve_nonuser_key

#: The exclusion reasons, in the order the SPEC applies them.
REASONS: tuple[str, ...] = (
    "post_deleted",
    "region_hold",
    "account_status",
    "account_kind",
    "age_unknown",
    "under_age",
    "objected",
    "no_consent",
    "no_notice",
    "not_public",
    "reserved",
    "tagged_not_cleared",
    "names_non_user",
    "shares_excluded",
    "copy_of_excluded",
    "duplicate",
    "empty_after_minimisation",
)

#: A blank text: only whitespace, as Python's `str.isspace` counts it (ASCII controls
#: \t \n \v \f \r and 0x1C-0x1F, NEL, and every Unicode separator, e.g. NBSP). Spelled
#: out because `\s` differs between RE2 (DuckDB) and Java (Spark).
_BLANK = r"'^[\t\n\x{0B}\f\r\x{1C}-\x{1F}\x{85}\p{Z}]*$'"

#: Whether post `p` of a cleared author (`s`, its `account_state`) is `not_public`, and
#: whether its AI-usage reservation (`pu`, its `usage` row) makes it `reserved`: written
#: once for `post_state` and for the posts the non-user search reads.
_NOT_VISIBLE = """NOT ((p.visibility = 'public' AND s.vis_public)
                  OR (p.visibility = 'unlisted' AND s.vis_unlisted)
                  OR (p.visibility = 'friends' AND s.vis_friends)
                  OR (p.visibility = 'only_me' AND s.vis_only_me))"""
_RESERVED = "s.honor_reservations AND NOT COALESCE(pu.allowed, s.usage_allowed, TRUE)"

REGION_RULES_SCHEMA = pa.schema(
    [
        ("country", pa.string()),
        ("region", pa.string()),
        ("purpose", pa.string()),
        ("legal_basis", pa.string()),
        ("min_age", pa.int64()),
        ("notice_days", pa.int64()),
        ("notice_deadline", pa.timestamp("us")),
        ("hold", pa.string()),
        ("vis_public", pa.bool_()),
        ("vis_unlisted", pa.bool_()),
        ("vis_friends", pa.bool_()),
        ("vis_only_me", pa.bool_()),
        ("kind_personal", pa.bool_()),
        ("kind_business", pa.bool_()),
        ("exclude_tagged", pa.bool_()),
        ("exclude_shares", pa.bool_()),
        ("exclude_copies", pa.bool_()),
        ("dedup", pa.string()),  # the same in every row: dedup is set for the whole dataset
        ("honor_reservations", pa.bool_()),
        ("drop_minor", pa.bool_()),
        ("shards", pa.int64()),
    ]
)


def region_rules_table(policy: Policy, cutoff: datetime) -> pa.Table:
    """The policy resolved for every ISO country: one row each, the rules as columns."""
    cutoff = utc(cutoff).replace(tzinfo=None)
    rows: dict[str, list[Any]] = {f.name: [] for f in REGION_RULES_SCHEMA}
    for country in sorted(ISO_COUNTRIES):
        r = policy.rules_for(country)
        values = {
            "country": country,
            "region": r.region,
            "purpose": r.purpose,
            "legal_basis": r.legal_basis,
            "min_age": r.min_age,
            "notice_days": r.notice_days,
            "notice_deadline": cutoff - timedelta(days=r.notice_days),
            "hold": r.hold,
            "vis_public": "public" in r.visibility,
            "vis_unlisted": "unlisted" in r.visibility,
            "vis_friends": "friends" in r.visibility,
            "vis_only_me": "only_me" in r.visibility,
            "kind_personal": "personal" in r.account_kinds,
            "kind_business": "business" in r.account_kinds,
            "exclude_tagged": r.exclude_tagged_not_cleared,
            "exclude_shares": r.exclude_shares_of_excluded,
            "exclude_copies": r.exclude_copies_of_excluded,
            "dedup": policy.dedup,
            "honor_reservations": r.honor_reservations,
            "drop_minor": r.drop_flagged_minor_media,
            "shards": r.shards,
        }
        for k, v in values.items():
            rows[k].append(v)
    return pa.table(rows, schema=REGION_RULES_SCHEMA)


@dataclass(frozen=True)
class RuleQueries:
    """The statements a runner executes, in DuckDB's dialect."""

    account_state: str  # SELECT: one row per account
    post_state: str  # SELECT: one row per post created at or before the cutoff, own reasons
    decisions: str  # SELECT: one row per post created at or before the cutoff
    # media_state in `decisions`: 0 no images (or excluded), 1 text and images,
    # 2 images only (the post is empty if none of its images can be kept); a post
    # excluded only because all its images are flagged minors keeps its state, so
    # that the manifest counts those images among the dropped
    # points_to in `decisions`: the post a reshare or quote points to, where it is in
    # (or out only for being empty) and its region excludes shares of excluded posts
    warnings: str  # SELECT: one row of dangling-reference counts


def rule_queries(cutoff: datetime) -> RuleQueries:
    """Build the rule statements for a cutoff (the only parameter they take)."""
    t = utc(cutoff).replace(tzinfo=None)
    ts = f"TIMESTAMP '{t:%Y-%m-%d %H:%M:%S.%f}'"
    # Age at T: whole years between birth date and T's date, a birthday counting on
    # its day; comparing (month, day) makes a 29 February birthday fall on 1 March
    # in years without one.
    t_year, t_md = t.year, t.month * 100 + t.day
    # A person is `persons.person_id`, or the account alone when `persons` omits it
    # (`linked` tells the two id spaces apart). The person's choices and notices count
    # for each of their accounts; a deletion for its own account; the youngest known
    # birth date is the person's.
    account_state = f"""
WITH member AS (
    SELECT a.account_id, p.person_id IS NOT NULL AS linked,
           COALESCE(p.person_id, a.account_id) AS person, a.birth_date
    FROM accounts AS a
    LEFT JOIN persons AS p ON p.account_id = a.account_id
),
person_birth AS (
    SELECT linked, person, MAX(birth_date) AS birth_date
    FROM member
    GROUP BY linked, person
),
ev AS (
    -- each event, once for every account of its person (a deletion: its own account)
    SELECT o.account_id, e.type, e.purpose, e.at, e.ord
    FROM events AS e
    JOIN member AS m ON m.account_id = e.account_id
    JOIN member AS o ON o.linked = m.linked AND o.person = m.person
    WHERE e.at <= {ts}
      AND (e.type <> 'account_deleted' OR o.account_id = e.account_id)
),
pref AS (
    -- the account's latest preference set through the rights service (SPEC 3), which
    -- overrides the snapshot's; its own account only, whatever its purpose
    SELECT e.account_id, e.content_usage
    FROM events AS e
    JOIN (
        SELECT p.account_id, MAX(p.ord) AS ord
        FROM events AS p
        WHERE p.type = 'preference_set' AND p.at <= {ts}
        GROUP BY p.account_id
    ) AS latest ON latest.account_id = e.account_id AND latest.ord = e.ord
),
acc AS (
    SELECT a.account_id, a.kind, a.status,
           CASE WHEN pf.account_id IS NULL THEN a.content_usage ELSE pf.content_usage END
               AS content_usage,
           b.birth_date,
           -- the account's own attested age at T: at least `age_attested_min` then, plus
           -- the whole years since (the birthday arithmetic); none made after T counts
           CASE WHEN a.age_attested_at <= {ts} THEN
               a.age_attested_min + {t_year} - YEAR(a.age_attested_at)
               - CASE WHEN MONTH(a.age_attested_at) * 100 + DAY(a.age_attested_at) > {t_md}
                      THEN 1 ELSE 0 END
           END AS attested_age,
           r.*
    FROM accounts AS a
    JOIN member AS m ON m.account_id = a.account_id
    JOIN person_birth AS b ON b.linked = m.linked AND b.person = m.person
    JOIN region_rules AS r ON r.country = a.country
    LEFT JOIN pref AS pf ON pf.account_id = a.account_id
),
acc_ev AS (
    SELECT
        ev.account_id,
        MAX(CASE WHEN ev.type = 'account_deleted' THEN 1 ELSE 0 END) AS deleted_event,
        MAX(CASE
            WHEN ev.type IN ('objection', 'objection_withdrawn') AND ev.purpose IN (acc.purpose, 'all')
            THEN ev.ord * 2 + CASE WHEN ev.type = 'objection' THEN 1 ELSE 0 END
        END) AS last_objection,
        MAX(CASE
            WHEN ev.type IN ('consent_given', 'consent_withdrawn') AND ev.purpose IN (acc.purpose, 'all')
            THEN ev.ord * 2 + CASE WHEN ev.type = 'consent_given' THEN 1 ELSE 0 END
        END) AS last_consent,
        MAX(CASE
            WHEN ev.type = 'notice_sent' AND ev.purpose IN (acc.purpose, 'all')
                AND ev.at <= acc.notice_deadline
            THEN 1 ELSE 0
        END) AS noticed
    FROM ev
    JOIN acc ON acc.account_id = ev.account_id
    GROUP BY ev.account_id
)
SELECT
    acc.account_id,
    acc.country,
    -- the post-level rules of the account's region, so that posts need no second join
    acc.vis_public,
    acc.vis_unlisted,
    acc.vis_friends,
    acc.vis_only_me,
    acc.exclude_tagged,
    acc.exclude_shares,
    acc.exclude_copies,
    acc.drop_minor,
    -- the account's own AI-usage preference (SPEC 2), which its posts fall back on
    acc.honor_reservations,
    u.allowed AS usage_allowed,
    u.signal AS usage_signal,
    CASE
        WHEN acc.hold <> '' THEN 'region_hold'
        WHEN acc.status <> 'active' OR COALESCE(x.deleted_event, 0) = 1 THEN 'account_status'
        WHEN NOT ((acc.kind = 'personal' AND acc.kind_personal)
                  OR (acc.kind = 'business' AND acc.kind_business)) THEN 'account_kind'
        -- with no birth date, an attestation that reaches min_age clears the age; one
        -- that does not leaves it unknown (it is only a lower bound)
        WHEN acc.birth_date IS NULL AND NOT COALESCE(acc.attested_age >= acc.min_age, FALSE)
            THEN 'age_unknown'
        WHEN {t_year} - YEAR(acc.birth_date)
             - CASE WHEN MONTH(acc.birth_date) * 100 + DAY(acc.birth_date) > {t_md} THEN 1 ELSE 0 END
             < acc.min_age THEN 'under_age'
        WHEN acc.legal_basis = 'legitimate_interest'
             AND COALESCE(x.last_objection % 2, 0) = 1 THEN 'objected'
        WHEN acc.legal_basis = 'consent'
             AND COALESCE(x.last_consent % 2, 0) = 0 THEN 'no_consent'
        WHEN acc.legal_basis = 'legitimate_interest' AND acc.notice_days > 0
             AND COALESCE(x.noticed, 0) = 0 THEN 'no_notice'
    END AS reason
FROM acc
LEFT JOIN acc_ev AS x ON x.account_id = acc.account_id
LEFT JOIN usage AS u ON u.value = acc.content_usage
"""
    # Each post's own reasons, split at `shares_excluded`: `before` are the reasons the
    # SPEC orders ahead of it, `after` those behind it. Ids and reasons only; the
    # payload is joined back in `decisions`.
    post_state = f"""
WITH post_side AS (
    -- tags and images per post, in one pass: an uncleared tag, images, flagged images
    SELECT post_id, MAX(uncleared) AS uncleared, SUM(n_media) AS n_media, SUM(n_minor) AS n_minor
    FROM (
        SELECT
            t.post_id,
            CASE WHEN s.account_id IS NULL OR s.reason IS NOT NULL THEN 1 ELSE 0 END AS uncleared,
            0 AS n_media,
            0 AS n_minor
        FROM tags AS t
        LEFT JOIN account_state AS s ON s.account_id = t.account_id
        UNION ALL
        SELECT m.post_id, 0, 1, CASE WHEN m.flagged_minor THEN 1 ELSE 0 END
        FROM media AS m
    ) AS side
    GROUP BY post_id
)
SELECT
    p.post_id,
    p.author_id,
    s.country,
    COALESCE(x.n_media, 0) AS n_media,
    COALESCE(p.reshare_of, p.quote_of) AS points_to,
    COALESCE(s.exclude_shares, FALSE) AS exclude_shares,
    CASE
        WHEN p.deleted THEN 'post_deleted'
        WHEN s.account_id IS NULL THEN 'account_status'
        WHEN s.reason IS NOT NULL THEN s.reason
        WHEN {_NOT_VISIBLE} THEN 'not_public'
        -- a post's own preference beats its author's
        WHEN {_RESERVED} THEN 'reserved'
        WHEN s.exclude_tagged AND COALESCE(x.uncleared, 0) = 1 THEN 'tagged_not_cleared'
        WHEN nu.post_id IS NOT NULL THEN 'names_non_user'
    END AS before_reason,
    -- which statement reserves the post, and where it was made (for `reserved` only)
    CASE WHEN pu.allowed IS NOT NULL THEN pu.signal ELSE s.usage_signal END AS reserved_by,
    CASE WHEN pu.allowed IS NOT NULL THEN 'post' ELSE 'account' END AS reserved_in,
    -- behind shares_excluded, but a post's own reason: a share of a copy is out too
    CASE
        WHEN cp.post_id IS NOT NULL THEN 'copy_of_excluded'
        WHEN (p.text IS NULL OR REGEXP_MATCHES(p.text, {_BLANK}))
             AND COALESCE(x.n_media, 0)
                 - CASE WHEN s.drop_minor THEN COALESCE(x.n_minor, 0) ELSE 0 END = 0
            THEN 'empty_after_minimisation'
    END AS after_reason,
    -- images only (no text): kept so `decisions` need not test the text again
    COALESCE(x.n_media, 0) > 0 AND (p.text IS NULL OR REGEXP_MATCHES(p.text, {_BLANK}))
        AS images_only
FROM posts AS p
LEFT JOIN account_state AS s ON s.account_id = p.author_id
LEFT JOIN post_side AS x ON x.post_id = p.post_id
LEFT JOIN usage AS pu ON pu.value = p.content_usage
LEFT JOIN non_user_posts AS nu ON nu.post_id = p.post_id
LEFT JOIN copy_posts AS cp ON cp.post_id = p.post_id
WHERE p.created_at <= {ts}
"""
    # Only included posts carry their payload (dates, language, text) out of the
    # engine; an excluded post leaves as its id, author, country and reason.
    decisions = """
WITH decided AS (
    SELECT
        ps.post_id,
        ps.author_id,
        ps.country,
        ps.n_media,
        ps.images_only,
        ps.points_to,
        ps.exclude_shares,
        COALESCE(
            ps.before_reason,
            CASE WHEN w.post_id IS NOT NULL AND NOT (w.done AND w.value) THEN 'shares_excluded' END,
            CASE WHEN ps.after_reason = 'copy_of_excluded' THEN ps.after_reason END,
            CASE WHEN dp.post_id IS NOT NULL THEN 'duplicate' END,
            ps.after_reason
        ) AS reason,
        ps.reserved_by,
        ps.reserved_in
    FROM post_state AS ps
    LEFT JOIN share_walk AS w ON w.post_id = ps.post_id
    LEFT JOIN duplicate_posts AS dp ON dp.post_id = ps.post_id
)
SELECT
    d.post_id,
    d.author_id,
    d.country,
    d.reason,
    CASE WHEN d.reason = 'reserved' THEN d.reserved_by END AS reserved_by,
    CASE WHEN d.reason = 'reserved' THEN d.reserved_in END AS reserved_in,
    CASE WHEN d.reason IS NULL THEN p.created_at END AS created_at,
    CASE WHEN d.reason IS NULL THEN p.lang END AS lang,
    CASE WHEN d.reason IS NULL THEN p.text END AS text,
    CASE WHEN (d.reason IS NULL OR d.reason = 'empty_after_minimisation') AND d.n_media > 0 THEN
        CASE WHEN d.images_only THEN 2 ELSE 1 END
    ELSE 0 END AS media_state,
    -- what a share that is in (or out only for being empty) points to: if that post
    -- loses all its images in minimisation, the share is out as shares_excluded
    CASE WHEN (d.reason IS NULL OR d.reason = 'empty_after_minimisation') AND d.exclude_shares
        THEN d.points_to END AS points_to
FROM decided AS d
JOIN posts AS p ON p.post_id = d.post_id
"""
    warnings = f"""
SELECT
    (SELECT COUNT(*) FROM posts WHERE created_at > {ts}) AS posts_after_cutoff,
    (SELECT COUNT(*) FROM posts AS p LEFT JOIN accounts AS a ON a.account_id = p.author_id
        WHERE a.account_id IS NULL AND p.created_at <= {ts}) AS posts_with_unknown_author,
    (SELECT COUNT(*) FROM tags AS t LEFT JOIN accounts AS a ON a.account_id = t.account_id
        WHERE a.account_id IS NULL) AS tags_of_unknown_accounts,
    (SELECT COUNT(*) FROM tags AS t LEFT JOIN posts AS p ON p.post_id = t.post_id
        WHERE p.post_id IS NULL) AS tags_on_unknown_posts,
    (SELECT COUNT(*) FROM media AS m LEFT JOIN posts AS p ON p.post_id = m.post_id
        WHERE p.post_id IS NULL) AS media_on_unknown_posts,
    (SELECT COUNT(*) FROM events AS e LEFT JOIN accounts AS a ON a.account_id = e.account_id
        WHERE a.account_id IS NULL AND e.account_id IS NOT NULL AND e.at <= {ts})
        AS events_of_unknown_accounts,
    (SELECT COUNT(*) FROM posts AS p LEFT JOIN posts AS q
        ON q.post_id = COALESCE(p.reshare_of, p.quote_of)
        WHERE COALESCE(p.reshare_of, p.quote_of) IS NOT NULL AND q.post_id IS NULL
          AND p.created_at <= {ts}) AS shares_of_unknown_posts,
    (SELECT COUNT(*) FROM posts AS p JOIN usage AS u ON u.value = p.content_usage
        WHERE u.problem IS NOT NULL AND p.created_at <= {ts})
    + (SELECT COUNT(*) FROM accounts AS a JOIN usage AS u ON u.value = a.content_usage
        WHERE u.problem IS NOT NULL) AS content_usage_unreadable
"""
    return RuleQueries(account_state, post_state, decisions, warnings)


def non_user_queries(cutoff: datetime) -> tuple[str, str]:
    """The registrations of people without an account active at T, and the posts to search.

    A registration is active when its person's latest `non_user_objection` /
    `non_user_objection_withdrawn` event at or before T is the objection (a later
    registration under the same `person_ref` replaces the identifiers). Only posts that
    no earlier reason excludes (deleted, the author not cleared, `not_public`,
    `reserved`) are searched: the reason of any other post is decided before
    `names_non_user` is reached. (`tagged_not_cleared` is left to `post_state`: it
    needs the tags, and few posts are out for it alone.)
    """
    t = utc(cutoff).replace(tzinfo=None)
    ts = f"TIMESTAMP '{t:%Y-%m-%d %H:%M:%S.%f}'"
    registrations = f"""
SELECT e.identifiers
FROM events AS e
JOIN (
    SELECT r.person_ref, MAX(r.ord) AS ord
    FROM events AS r
    WHERE r.type IN ('non_user_objection', 'non_user_objection_withdrawn') AND r.at <= {ts}
    GROUP BY r.person_ref
) AS latest ON latest.person_ref = e.person_ref AND latest.ord = e.ord
WHERE e.type = 'non_user_objection'
ORDER BY e.person_ref
"""
    candidates = f"""
SELECT p.post_id, p.text
FROM posts AS p
JOIN account_state AS s ON s.account_id = p.author_id
LEFT JOIN usage AS pu ON pu.value = p.content_usage
WHERE s.reason IS NULL AND NOT p.deleted AND p.text IS NOT NULL AND p.created_at <= {ts}
  -- as CASE reads them: a NULL condition is not taken
  AND NOT COALESCE({_NOT_VISIBLE}, FALSE) AND NOT COALESCE({_RESERVED}, FALSE)
"""
    return registrations, candidates


class NonUserEngine(Protocol):
    """What the non-user search needs of an engine."""

    def strings(self, sql: str) -> list[str]: ...

    def keep_matches(self, name: str, sql: str, matcher: Matcher | None) -> None: ...


def name_non_users(
    engine: NonUserEngine, cutoff: datetime, key: Callable[[], SecretStr] = resolve_nonuser_key
) -> Matcher | None:
    """Leave `non_user_posts` (the posts naming a registered person) for `post_state`.

    The key is asked for only when someone is registered at T: a build that cannot
    hash what it must look for stops with the setting to fix. Returns the matcher (its
    photos are matched in the media step), or None when nobody is registered.
    """
    registrations, candidates = non_user_queries(cutoff)
    found = [Identifiers.from_json(t) for t in engine.strings(registrations)]
    matcher = Matcher(Hasher(key()), found) if found else None
    engine.keep_matches("non_user_posts", candidates, matcher if matcher else None)
    return matcher


def copies_queries(cutoff: datetime) -> tuple[str, str]:
    """The texts the copy check compares, and the posts the duplicate step compares.

    The first: every text at T of an author who is not cleared (`side`, deleted posts
    too: an objector's deleted words are still theirs) and every live post of a cleared
    author whose region checks for copies. The second: the posts included before the
    duplicate step (after `post_state` and the share walk), with their dates.
    """
    t = utc(cutoff).replace(tzinfo=None)
    ts = f"TIMESTAMP '{t:%Y-%m-%d %H:%M:%S.%f}'"
    sides = f"""
SELECT p.post_id, p.text, s.account_id IS NULL OR s.reason IS NOT NULL AS side
FROM posts AS p
LEFT JOIN account_state AS s ON s.account_id = p.author_id
WHERE p.text IS NOT NULL AND p.created_at <= {ts}
  AND (s.account_id IS NULL OR s.reason IS NOT NULL OR (s.exclude_copies AND NOT p.deleted))
"""
    included = """
SELECT ps.post_id, p.text, p.created_at
FROM post_state AS ps
JOIN posts AS p ON p.post_id = ps.post_id
LEFT JOIN share_walk AS w ON w.post_id = ps.post_id
WHERE ps.before_reason IS NULL AND COALESCE(ps.after_reason, '') <> 'copy_of_excluded'
  AND (w.post_id IS NULL OR (w.done AND w.value)) AND p.text IS NOT NULL
"""
    return sides, included


class CopyEngine(Protocol):
    """What the copy and duplicate steps need of an engine."""

    def strings(self, sql: str) -> list[str]: ...

    def arrow(self, sql: str) -> pa.Table: ...

    def keep_ids(self, name: str, ids: pa.Array) -> None: ...


def find_copies(engine: CopyEngine, cutoff: datetime) -> None:
    """Leave `copy_posts` (the copies of texts no one may copy) for `post_state`.

    With no cleared author in a region that checks for copies, nothing is read: the
    texts of the "do not copy" side would be fetched for nothing.
    """
    sides, _ = copies_queries(cutoff)
    checks = "SELECT COUNT(*) FROM account_state WHERE reason IS NULL AND exclude_copies"
    if engine.strings(checks)[0] == "0":
        engine.keep_ids("copy_posts", pa.array([], pa.int64()))
        return
    engine.keep_ids("copy_posts", copies_of_excluded(engine.arrow(sides)))


def find_duplicates(engine: CopyEngine, cutoff: datetime) -> None:
    """Leave `duplicate_posts` for `decisions`; needs `post_state` and `share_walk`."""
    _, included = copies_queries(cutoff)
    mode = cast(Dedup, engine.strings("SELECT MIN(dedup) FROM region_rules")[0])
    ids = duplicates(engine.arrow(included), mode) if mode != "off" else pa.array([], pa.int64())
    engine.keep_ids("duplicate_posts", ids)


#: The share walk's first table: one row per reshare or quote whose region excludes
#: shares of excluded posts. `jump` is the post the row's chain has reached, `acc`
#: whether every post passed on the way is included on its own account.
SHARE_WALK_INIT = """
SELECT post_id, points_to AS jump, TRUE AS acc, FALSE AS done, FALSE AS value
FROM post_state
WHERE points_to IS NOT NULL AND exclude_shares
"""


def share_walk_step(walk: str) -> str:
    """One pointer-jumping step over `walk`: every open chain doubles the distance it covers.

    A chain closes when it reaches a post outside the snapshot at T (not included),
    a post excluded for a reason of its own, a post that is not itself a checked
    share (included on its own), or a closed chain (its value carries over).
    """
    return f"""
SELECT
    post_id,
    CASE WHEN open_on THEN next_jump ELSE jump END AS jump,
    CASE WHEN open_on THEN acc AND next_acc ELSE acc END AS acc,
    NOT open_on AS done,
    CASE
        WHEN done THEN value
        WHEN target_out THEN FALSE
        WHEN next_jump IS NULL THEN acc
        WHEN next_done THEN acc AND next_value
        ELSE FALSE
    END AS value
FROM (
    SELECT
        w.post_id, w.jump, w.acc, w.done, w.value,
        n.jump AS next_jump, n.acc AS next_acc, n.done AS next_done, n.value AS next_value,
        -- the target is not in the snapshot at T, or is excluded for a reason of its own
        t.post_id IS NULL OR t.before_reason IS NOT NULL OR t.after_reason IS NOT NULL
            AS target_out,
        -- the chain goes on: still open, its target included on its own and a share whose
        -- own chain is open too
        NOT w.done AND t.post_id IS NOT NULL AND t.before_reason IS NULL
            AND t.after_reason IS NULL AND n.post_id IS NOT NULL AND NOT n.done AS open_on
    FROM {walk} AS w
    LEFT JOIN post_state AS t ON t.post_id = w.jump
    LEFT JOIN {walk} AS n ON n.post_id = w.jump
) AS s
"""


class Engine(Protocol):
    """What the share walk needs of an engine: keep a query's rows under a name; count."""

    def keep(self, name: str, sql: str) -> None: ...

    def count(self, sql: str) -> int: ...


def resolve_shares(engine: Engine) -> None:
    """Walk every reshare and quote chain to its end; leaves the result as `share_walk`.

    Pointer jumping: after k steps a chain has covered 2^k posts, so every chain
    without a cycle closes within log2(rows) + 1 steps. A chain still open then runs
    in a cycle: its post is not included (`done` false reads as `shares_excluded`).
    """
    engine.keep("share_walk_0", SHARE_WALK_INIT)
    rows = engine.count("SELECT COUNT(*) FROM share_walk_0")
    walk = "share_walk_0"
    for k in range(1, rows.bit_length() + 2):
        if engine.count(f"SELECT COUNT(*) FROM {walk} WHERE NOT done") == 0:
            break
        engine.keep(f"share_walk_{k}", share_walk_step(walk))
        walk = f"share_walk_{k}"
    engine.keep("share_walk", f"SELECT * FROM {walk}")


def kept_media_query(included_posts: str) -> str:
    """The media of included posts, and what the region decides for each before scrubbing.

    `minor_dropped`: a flagged-minor image the region drops; `check_reservations`:
    whether the scrubber reads the image's own reservations (`honor_reservations`).
    `included_posts` names a relation with the included posts' `post_id` and `country`.
    """
    return f"""
SELECT m.media_id, m.post_id, m.path,
    COALESCE(r.drop_minor AND m.flagged_minor, FALSE) AS minor_dropped,
    r.honor_reservations AS check_reservations
FROM media AS m
JOIN {included_posts} AS i ON i.post_id = m.post_id
JOIN region_rules AS r ON r.country = i.country
ORDER BY m.post_id, m.media_id
"""

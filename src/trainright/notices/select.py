"""Who must be told before their posts can be used: the audience of a notice campaign.

A person needs a notice when they would be cleared at the campaign's start except
for the notice rule (SPEC §5): active, of an allowed kind, old enough, not on hold,
in a legitimate-interest region with `notice_days > 0`, not objected — and when at
least one of their posts has a visibility the policy allows. The build's own rule
statements decide this, so a notice campaign and a build can never disagree on
who is in scope: an account qualifies when the build's `account_state` gives it no
reason or only `no_notice`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from trainright.ledger import Ledger
from trainright.policy import Policy
from trainright.rules import DuckDBRunner, region_rules_table, rule_queries
from trainright.snapshot import locate


@dataclass(frozen=True)
class Candidate:
    """An account whose posts a build could use once it has been told."""

    account_id: int
    country: str
    region: str
    purpose: str
    notice_days: int
    post_lang: str | None  # the language the person posts in most, for Belgium's notices


#: Over the build's relations plus `account_state`: one row per candidate.
_CANDIDATES = """
WITH usable AS (
    SELECT DISTINCT p.author_id AS account_id
    FROM posts AS p
    JOIN account_state AS s ON s.account_id = p.author_id
    JOIN region_rules AS r ON r.country = s.country
    WHERE NOT p.deleted
      AND ((p.visibility = 'public' AND r.vis_public)
           OR (p.visibility = 'unlisted' AND r.vis_unlisted)
           OR (p.visibility = 'friends' AND r.vis_friends)
           OR (p.visibility = 'only_me' AND r.vis_only_me))
),
langs AS (
    SELECT p.author_id AS account_id, lower(split_part(p.lang, '-', 1)) AS lang, count(*) AS n
    FROM posts AS p
    JOIN usable AS u ON u.account_id = p.author_id
    WHERE p.lang IS NOT NULL AND NOT p.deleted
    GROUP BY ALL
),
top_lang AS (
    SELECT account_id, lang
    FROM (
        SELECT account_id, lang,
               row_number() OVER (PARTITION BY account_id ORDER BY n DESC, lang) AS k
        FROM langs
    )
    WHERE k = 1
)
SELECT s.account_id, s.country, r.region, r.purpose, r.notice_days, t.lang AS post_lang
FROM account_state AS s
JOIN region_rules AS r ON r.country = s.country
JOIN usable AS u ON u.account_id = s.account_id
LEFT JOIN top_lang AS t ON t.account_id = s.account_id
WHERE (s.reason IS NULL OR s.reason = 'no_notice')
  AND r.legal_basis = 'legitimate_interest'
  AND r.notice_days > 0
ORDER BY s.account_id
"""


def candidates(
    snapshot: str | Path, policy: Policy, ledger: Ledger, at: datetime
) -> list[Candidate]:
    """Everyone who would need a notice for a build with cutoff `at`."""
    snap = locate(snapshot)
    _, events = ledger.export_until(at)
    runner = DuckDBRunner()
    try:
        runner.load(snap, events, region_rules_table(policy, at))
        state = rule_queries(at).account_state
        runner.conn.execute(f"CREATE OR REPLACE TEMP TABLE account_state AS {state}")
        rows = runner.conn.execute(_CANDIDATES).fetchall()
    finally:
        runner.close()
    return [Candidate(int(a), c, r, p, int(n), lang) for a, c, r, p, n, lang in rows]

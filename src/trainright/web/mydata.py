"""SPEC §8 for the person: which datasets and models hold my posts, and what is queued.

Read per request from the ledger's catalog: the lineage index is small for a
catalog of a few datasets, and reading it fresh means a new build, model or
objection shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trainright.audit.record import Finding, findings
from trainright.ledger import Ledger
from trainright.lineage import Holding, LineageIndex, Task, compute_impact
from trainright.web.i18n import N_

AFTER_OBJECTING = N_(
    "Objecting stops your posts being used in future datasets. Models already trained on "
    "them are queued to retrain the affected part (shard) without your posts."
)


@dataclass(frozen=True)
class MyData:
    """The datasets holding one account's posts, and its open unlearning tasks."""

    holdings: list[Holding]
    queued: list[Task]
    #: audits of model outputs that found the person's posts (`audit-outputs`)
    repeated: list[Finding]


def my_data(ledger: Ledger, account_id: int) -> MyData:
    """Look the person up in the catalog and the unlearning queue (blocking): the
    account's own posts, its linked accounts' and the shares carrying its posts."""
    index = LineageIndex.load(ledger)
    holdings = index.lookup(account_id)
    if not holdings:
        return MyData([], [], [])
    mine = {h.account_id for h in holdings}  # the person's accounts that are held
    queued = [
        t
        for t in compute_impact(ledger, index).tasks
        if any(_contains(t.accounts, a) for a in mine)
    ]
    with ledger.read() as conn:
        repeated = findings(conn, sorted(mine))
    return MyData(holdings, queued, repeated)


def _contains(sorted_ids: np.ndarray, account_id: int) -> bool:
    at = int(np.searchsorted(sorted_ids, account_id))
    return at < len(sorted_ids) and int(sorted_ids[at]) == account_id

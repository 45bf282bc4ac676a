"""Rights events around the cutoff, in the `trainright rights import` format.

The timeline is built so every rule of SPEC §5 has something to decide: notices
exactly `notice_days` before the cutoff (counts) and one second later (does
not), objections exactly at the cutoff (counts) and one second after (does not),
withdrawals and re-objections, consent given and withdrawn, events for another
purpose (`ads-personalisation`, which must not count for `ai-training`) and
for `all`, account deletions that match the account's status, and a few events
for accounts the snapshot does not have. The first accounts of each group get
each pattern once, so even a tiny snapshot holds every edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainright.regions import EEA
from trainright.synth._accounts import COUNTRY_CODES, STATUSES, Accounts

TYPES = (
    "objection",
    "objection_withdrawn",
    "consent_given",
    "consent_withdrawn",
    "notice_sent",
    "account_deleted",
)
OBJ, OBJ_W, CON, CON_W, NOTICE, DELETED = range(6)
# index 0 leaves the field out (the importer's default applies)
PURPOSES = ("", "ai-training", "all", "ads-personalisation")
CHANNELS = ("", "web", "api", "gpc", "import", "notice")
NOTICE_DAYS = 30
_DAY = 86_400


@dataclass
class _Log:
    """Events as parallel columns, appended group by group."""

    cols: dict[str, list[np.ndarray]] = field(
        default_factory=lambda: {k: [] for k in ("acct", "type", "at", "purpose", "channel")}
    )

    def add(
        self,
        acct: np.ndarray,
        type_: int,
        at: np.ndarray,
        purpose: np.ndarray | int,
        channel: np.ndarray | int,
    ) -> None:
        n = len(acct)
        self.cols["acct"].append(np.asarray(acct, np.int64))
        self.cols["type"].append(np.full(n, type_, np.int8))
        self.cols["at"].append(np.asarray(at, np.int64))
        self.cols["purpose"].append(np.broadcast_to(np.asarray(purpose, np.int8), n))
        self.cols["channel"].append(np.broadcast_to(np.asarray(channel, np.int8), n))

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in self.cols.items()}


def _patterns(n: int, probs: list[float], rng: np.random.Generator) -> np.ndarray:
    """A pattern per row: the first rows take each pattern once, the rest at random."""
    p = rng.choice(len(probs), size=n, p=np.array(probs) / sum(probs))
    k = min(n, len(probs))
    p[:k] = np.arange(k)
    return p


def _between(
    lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator, a: float, b: float
) -> np.ndarray:
    """A second strictly between lo and hi, at a random fraction in [a, b) of the way."""
    t = lo + ((hi - lo) * rng.uniform(a, b, len(lo))).astype(np.int64)
    out: np.ndarray = np.clip(t, lo + 1, np.maximum(hi - 1, lo + 1))
    return out


def build(
    acc: Accounts,
    objectors: np.ndarray,
    dangling: np.ndarray,
    cutoff: datetime,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """All events as columns, in file order (by time, then account, then type)."""
    log = _Log()
    T = int(cutoff.timestamp())
    created = acc.created_us // 1_000_000
    _notices(log, acc, created, T, rng)
    _objections(log, acc, objectors, created, T, rng)
    _consents(log, acc, created, T, rng)
    _deletions(log, acc, created, T, rng)
    k = len(dangling)
    log.add(dangling, OBJ, T - rng.integers(_DAY, 200 * _DAY, k), 0, 1)
    log.add(dangling, CON, T - rng.integers(_DAY, 200 * _DAY, k), 0, 2)
    cols = log.arrays()
    order = np.lexsort((cols["type"], cols["acct"], cols["at"]))
    return {k: v[order] for k, v in cols.items()}


def _notices(
    log: _Log, acc: Accounts, created: np.ndarray, T: int, rng: np.random.Generator
) -> None:
    """Most accounts get the advance notice: many exactly at the edge, some a second late."""
    edge = T - NOTICE_DAYS * _DAY
    pattern = _patterns(acc.n, [0.45, 0.04, 0.08, 0.43], rng)  # edge, late, none, earlier
    at = np.select(
        [pattern == 0, pattern == 1],
        [edge, edge + 1],
        edge - rng.integers(1, 120 * _DAY, acc.n),
    )
    at = np.maximum(at, created + 60)  # nobody is told before they sign up
    purpose = rng.choice(4, size=acc.n, p=[0.85, 0.08, 0.04, 0.03])
    send = pattern != 2
    log.add(acc.ids[send], NOTICE, at[send], purpose[send], CHANNELS.index("notice"))


def _objections(
    log: _Log,
    acc: Accounts,
    rows: np.ndarray,
    created: np.ndarray,
    T: int,
    rng: np.random.Generator,
) -> None:
    """Objections, some at and just after the cutoff, withdrawn, renewed, or for another purpose."""
    n = len(rows)
    ids = acc.ids[rows]
    # 0 before T, 1 at T, 2 at T+1s, 3 after T, 4 withdrawn, 5 withdrawn + renewed,
    # 6 withdrawn after T, 7 purpose all, 8 only ads-personalisation
    p = _patterns(n, [0.5, 0.03, 0.03, 0.1, 0.1, 0.06, 0.04, 0.08, 0.06], rng)
    start = np.minimum(created[rows] + 3600, T - 3 * 3600)
    first = _between(start, np.full(n, T), rng, 0.3, 0.9)
    first = np.select(
        [p == 1, p == 2, p == 3], [T, T + 1, T + rng.integers(3600, 60 * _DAY, n)], first
    )
    purpose = np.select([p == 7, p == 8], [2, 3], rng.choice(2, size=n, p=[0.8, 0.2]))
    channel = rng.choice(5, size=n, p=[0.1, 0.45, 0.2, 0.15, 0.1])
    log.add(ids, OBJ, first, purpose, channel)
    withdrawn = np.isin(p, (4, 5, 6))
    second = np.where(
        p == 6, T + rng.integers(3600, 30 * _DAY, n), _between(first, np.full(n, T), rng, 0.2, 0.6)
    )
    log.add(ids[withdrawn], OBJ_W, second[withdrawn], purpose[withdrawn], 1)
    renewed = p == 5
    third = _between(second, np.full(n, T), rng, 0.2, 0.9)
    log.add(ids[renewed], OBJ, third[renewed], purpose[renewed], 1)


def _consents(
    log: _Log, acc: Accounts, created: np.ndarray, T: int, rng: np.random.Generator
) -> None:
    """Opt-in consent, mostly in the EEA where it is the legal basis."""
    eea = np.isin(np.array(COUNTRY_CODES)[acc.country], sorted(EEA))
    rows = np.flatnonzero(~acc.business & (rng.random(acc.n) < np.where(eea, 0.35, 0.1)))
    n = len(rows)
    ids = acc.ids[rows]
    # 0 given, 1 withdrawn, 2 withdrawn after T, 3 given at T, 4 given at T+1s,
    # 5 only ads-personalisation, 6 purpose all, 7 withdrawn then given again
    p = _patterns(n, [0.6, 0.1, 0.05, 0.03, 0.03, 0.07, 0.07, 0.05], rng)
    start = np.minimum(created[rows] + 3600, T - 3 * 3600)
    first = _between(start, np.full(n, T), rng, 0.2, 0.9)
    first = np.select([p == 3, p == 4], [T, T + 1], first)
    purpose = np.select([p == 5, p == 6], [3, 2], rng.choice(2, size=n, p=[0.8, 0.2]))
    channel = rng.choice(3, size=n, p=[0.1, 0.6, 0.3])
    log.add(ids, CON, first, purpose, channel)
    withdrawn = np.isin(p, (1, 2, 7))
    second = np.where(
        p == 2, T + rng.integers(3600, 30 * _DAY, n), _between(first, np.full(n, T), rng, 0.2, 0.6)
    )
    log.add(ids[withdrawn], CON_W, second[withdrawn], purpose[withdrawn], 1)
    again = p == 7
    third = _between(second, np.full(n, T), rng, 0.2, 0.9)
    log.add(ids[again], CON, third[again], purpose[again], 1)


def _deletions(
    log: _Log, acc: Accounts, created: np.ndarray, T: int, rng: np.random.Generator
) -> None:
    """`account_deleted` for deleted accounts (the first one exactly at T), later for some pending."""
    deleted = np.flatnonzero(acc.status == STATUSES.index("deleted"))
    at = _between(created[deleted], np.full(len(deleted), T), rng, 0.5, 1.0)
    at[:1] = T
    log.add(acc.ids[deleted], DELETED, at, 0, CHANNELS.index("api"))
    pending = np.flatnonzero(acc.status == STATUSES.index("pending_deletion"))
    later = pending[rng.random(len(pending)) < 0.6]
    log.add(
        acc.ids[later],
        DELETED,
        T + rng.integers(_DAY, 30 * _DAY, len(later)),
        0,
        CHANNELS.index("api"),
    )


def write(path: Path, cols: dict[str, np.ndarray], batch: int = 1_000_000) -> int:
    """Write the events as JSON Lines, one object per line; returns the count."""
    purposes = pa.array([f',"purpose":"{p}"' if p else "" for p in PURPOSES])
    channels = pa.array([f',"channel":"{c}"' if c else "" for c in CHANNELS])
    types = pa.array([f',"type":"{t}","at":"' for t in TYPES])
    n = len(cols["acct"])
    with path.open("wb") as fh:
        for lo in range(0, n, batch):
            part = {k: v[lo : lo + batch] for k, v in cols.items()}
            ats = pc.strftime(
                pa.array(part["at"], pa.timestamp("s", tz="UTC")), format="%Y-%m-%dT%H:%M:%SZ"
            )
            lines = pc.binary_join_element_wise(
                '{"account_id":',
                pc.cast(pa.array(part["acct"]), pa.string()),
                types.take(part["type"]),
                ats,
                '"',
                purposes.take(part["purpose"]),
                channels.take(part["channel"]),
                "}\n",
                "",
            )
            fh.write(_concatenated(lines))
    return n


def _concatenated(strings: pa.Array) -> bytes:
    """The bytes of all values of a string array, back to back."""
    offsets = np.frombuffer(strings.buffers()[1], np.int32)
    first, last = offsets[strings.offset], offsets[strings.offset + len(strings)]
    return bytes(strings.buffers()[2][int(first) : int(last)])

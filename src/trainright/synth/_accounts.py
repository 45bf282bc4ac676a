"""Synthetic accounts: many countries, both kinds, every status, every age edge.

The first rows are a fixed roster that guarantees the edges the rules must get
right at any scale (an 18th birthday exactly on the cutoff date and one day
after it, 29 February births, unknown ages, every status and kind); the rest
are drawn at random, vectorised, so a million accounts take a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainright.synth._names import COUNTRIES, POOLS
from trainright.synth._usage import preferences

COUNTRY_CODES: tuple[str, ...] = tuple(COUNTRIES)
STATUSES = ("active", "deactivated", "pending_deletion", "deleted")
KINDS = ("personal", "business")
FIRST_ACCOUNT_ID = 10_001
_EPOCH = date(1970, 1, 1)
_DAY_US = 86_400 * 1_000_000
_EARLIEST_SIGNUP = date(2009, 1, 1)


@dataclass(frozen=True)
class Accounts:
    """Account columns as arrays, plus the display names posts will mention."""

    ids: np.ndarray  # int64
    country: np.ndarray  # index into COUNTRY_CODES
    business: np.ndarray  # bool
    status: np.ndarray  # index into STATUSES
    birth: np.ndarray  # int32 days since 1970-01-01; meaningless where birth_null
    birth_null: np.ndarray  # bool
    created_us: np.ndarray  # int64 microseconds since the epoch, UTC
    names: pa.Array  # string
    content_usage: pa.Array  # string: the account's own AI-usage preference, mostly null
    attested_min: pa.Array  # int64: "at least N" from an age check at sign-up, mostly null
    attested_us: pa.Array  # timestamp of that check (the sign-up), null with attested_min

    @property
    def n(self) -> int:
        return len(self.ids)

    def minors(self, cutoff: datetime) -> np.ndarray:
        """Row indexes of accounts under 18 at the cutoff (known age only)."""
        limit = _days(years_before(cutoff.date(), 18))
        return np.flatnonzero(~self.birth_null & (self.birth > limit))

    def columns(self) -> dict[str, pa.Array | np.ndarray]:
        """The columns of the `accounts` table of SPEC §2."""
        return {
            "account_id": self.ids,
            "kind": pa.array(KINDS, pa.string()).take(self.business.astype(np.int8)),
            "birth_date": pa.array(self.birth, pa.date32(), mask=self.birth_null),
            "country": pa.array(COUNTRY_CODES, pa.string()).take(self.country),
            "status": pa.array(STATUSES, pa.string()).take(self.status),
            "display_name": self.names,
            "created_at": self.created_us,
            "content_usage": self.content_usage,
            "age_attested_min": self.attested_min,
            "age_attested_at": self.attested_us,
        }


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _days(day: date) -> int:
    return (day - _EPOCH).days


def _roster(cutoff: date) -> list[tuple[str, str, str, date | None]]:
    """(country, kind, status, birth date) of the accounts every snapshot starts with."""
    eighteen = years_before(cutoff, 18)
    adult = [years_before(cutoff, 25 + i) - timedelta(days=37 * i) for i in range(20)]
    rows: list[tuple[str, str, str, date | None]] = [
        (c, "personal", "active", adult[i])
        for i, c in enumerate(("NO", "NL", "DE", "FR", "GB", "US", "BR", "IN", "SE", "IS"))
    ]
    rows += [
        ("LI", "personal", "active", adult[10]),
        ("IE", "personal", "active", adult[11]),
        ("CA", "personal", "active", adult[12]),
        ("NO", "personal", "deactivated", adult[13]),
        ("NO", "personal", "pending_deletion", adult[14]),
        ("NO", "personal", "deleted", adult[15]),
        ("NL", "personal", "deleted", adult[16]),
        ("US", "personal", "deactivated", adult[17]),
        ("GB", "personal", "pending_deletion", adult[18]),
        ("NO", "business", "active", None),
        ("NL", "business", "active", None),
        ("US", "business", "active", None),
        ("DE", "business", "deactivated", adult[19]),
        ("NO", "personal", "active", eighteen),
        ("NO", "personal", "active", eighteen + timedelta(days=1)),
        ("GB", "personal", "active", eighteen),
        ("US", "personal", "active", eighteen + timedelta(days=1)),
        ("NL", "personal", "active", date(2008, 2, 29)),
        ("NO", "personal", "active", date(2008, 2, 29)),
        ("NO", "personal", "active", date(2004, 2, 29)),
        ("NO", "personal", "active", date(2012, 2, 29)),
        ("NO", "personal", "active", years_before(cutoff, 15)),
        ("NL", "personal", "active", years_before(cutoff, 16)),
        ("US", "personal", "active", years_before(cutoff, 14)),
        ("NO", "personal", "active", None),
        ("NL", "personal", "active", None),
        ("US", "personal", "active", None),
    ]
    return rows


def generate(n: int, cutoff: datetime, rng: np.random.Generator) -> Accounts:
    """`n` accounts; the roster first, as far as `n` allows."""
    cut = _days(cutoff.date())
    weights = np.array([w for w, _, _ in COUNTRIES.values()])
    country = rng.choice(len(COUNTRY_CODES), size=n, p=weights / weights.sum()).astype(np.int8)
    business = rng.random(n) < 0.06
    status = rng.choice(4, size=n, p=[0.9, 0.04, 0.015, 0.045]).astype(np.int8)
    minor = rng.random(n) < 0.09
    age_years = np.where(minor, rng.uniform(13, 18, n), 18 + rng.triangular(0, 12, 67, n))
    birth = (cut - age_years * 365.2425).astype(np.int32)
    birth_null = rng.random(n) < np.where(business, 0.85, 0.04)

    for i, (c, kind, st, born) in enumerate(_roster(cutoff.date())[:n]):
        country[i] = COUNTRY_CODES.index(c)
        business[i] = kind == "business"
        status[i] = STATUSES.index(st)
        birth_null[i] = born is None
        birth[i] = _days(born) if born else 0

    earliest = np.where(birth_null, _days(_EARLIEST_SIGNUP), np.maximum(birth + 4749, 0))
    earliest = np.maximum(earliest, _days(_EARLIEST_SIGNUP))
    span_us = np.maximum(cut - 1 - earliest, 1).astype(np.int64) * _DAY_US
    created_us = earliest.astype(np.int64) * _DAY_US + (rng.random(n) * span_us).astype(np.int64)
    created_us -= created_us % 1000
    birth = np.where(birth_null, 0, birth).astype(np.int32)
    ids = np.arange(FIRST_ACCOUNT_ID, FIRST_ACCOUNT_ID + n, dtype=np.int64)
    names = _display_names(country, business, rng)
    usage = preferences(rng, n, 0.06)
    attested_min, attested_us = _attestations(birth_null & ~business, created_us, cut, rng)
    return Accounts(
        ids,
        country,
        business,
        status,
        birth,
        birth_null,
        created_us,
        names,
        usage,
        attested_min,
        attested_us,
    )


def _attestations(
    unknown: np.ndarray, created_us: np.ndarray, cut: int, rng: np.random.Generator
) -> tuple[pa.Array, pa.Array]:
    """Half the people with no birth date passed an age check at sign-up ("at least 13,
    16 or 18" then, SPEC §2); the first such accounts are checked 16 exactly two years,
    two years less a day, and on 29 February before the cutoff, the edges of an 18 limit.
    Drawn from a stream of their own, so the other columns stay as they were."""
    n = len(unknown)
    own = np.random.default_rng(rng.integers(2**63))
    least = own.choice(np.array([13, 16, 18], dtype=np.int8), size=n)
    at = created_us.copy()
    edges = np.flatnonzero(unknown)[:3]
    cutoff = date(1970, 1, 1) + timedelta(days=cut)
    for i, day in zip(
        edges,
        (years_before(cutoff, 2), years_before(cutoff, 2) + timedelta(days=1), date(2024, 2, 29)),
        strict=False,
    ):
        least[i] = 16
        at[i] = _days(day) * _DAY_US + 12 * 3600 * 1_000_000
    none = ~unknown | (own.random(n) < 0.5)
    none[edges] = False
    ts = pa.timestamp("us", tz="UTC")
    return pa.array(least.astype(np.int64), pa.int64(), mask=none), pa.array(at, ts, mask=none)


def _display_names(country: np.ndarray, business: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Name = prefix + family + suffix; a person's prefix is a first name, a firm's a trade."""
    traditions = list(POOLS)
    heads: list[str] = []
    tails: list[str] = []
    family: list[str] = []
    # per tradition: (female off, n), (male off, n), (family off, n), (business off, n)
    spans: dict[str, list[tuple[int, int]]] = {}
    for t in traditions:
        p = POOLS[t]
        spans[t] = []
        for firsts in (p.female, p.male):
            spans[t].append((len(heads), len(firsts)))
            heads += [f + " " for f in firsts]
            tails += [""] * len(firsts)
        spans[t].append((len(family), len(p.family)))
        family += list(p.family)
        spans[t].append((len(heads), len(p.business)))
        for b in p.business:
            pre, _, post = b.partition("{family}")
            heads.append(pre)
            tails.append(post)
    tradition_of = np.array([traditions.index(COUNTRIES[c][1]) for c in COUNTRY_CODES])
    trad = tradition_of[country]
    table = np.array([[s for pair in spans[t] for s in pair] for t in traditions], dtype=np.int64)
    row = table[trad]
    n = len(country)
    slot = np.where(business, 3, (rng.random(n) < 0.5).astype(np.int64))
    head_off = row[np.arange(n), slot * 2]
    head_cnt = row[np.arange(n), slot * 2 + 1]
    head = head_off + (rng.random(n) * head_cnt).astype(np.int64)
    fam = row[:, 4] + (rng.random(n) * row[:, 5]).astype(np.int64)
    heads_a = pa.array(heads, pa.string())
    tails_a = pa.array(tails, pa.string())
    return pc.binary_join_element_wise(
        heads_a.take(head), pa.array(family, pa.string()).take(fam), tails_a.take(head), ""
    )

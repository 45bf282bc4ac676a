"""A small platform with a history, built once for the report tests.

Synthetic snapshot and events (imported), one dataset built from them, a model
trained on it, live objections after the build (the unlearning queue), one task
marked done, and a notice campaign: every section of the report has something
to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from factories import SECRET
from trainright.ledger import Ledger, NewEvent, import_events
from trainright.ledger.events import EventType
from trainright.lineage import compute_impact, mark_done, register_model
from trainright.pipeline import build
from trainright.policy import DEFAULT_POLICY_TOML, parse_policy
from trainright.regions import EEA
from trainright.synth import DEFAULT_CUTOFF, synthesize

#: The live requests filed after the build, and how late each was committed.
LIVE_WAITS = {"web": timedelta(seconds=0), "api": timedelta(minutes=5)}


@dataclass(frozen=True)
class World:
    root: Path
    ledger: Ledger
    dataset: Path
    manifest: dict[str, object]
    imported: int


def included_authors(snapshot: Path, dataset: Path) -> list[tuple[int, str]]:
    """(account, country) of the authors of included posts: posts with no exclusion."""
    rows = duckdb.sql(
        f"""
        SELECT DISTINCT a.account_id, a.country
        FROM read_parquet('{snapshot / "posts.parquet"}') AS p
        JOIN read_parquet('{snapshot / "accounts.parquet"}') AS a ON a.account_id = p.author_id
        WHERE p.created_at <= TIMESTAMPTZ '{DEFAULT_CUTOFF.isoformat()}'
          AND p.post_id NOT IN (SELECT post_id FROM read_parquet('{dataset / "exclusions.parquet"}'))
        ORDER BY a.account_id
        """
    ).fetchall()
    return [(int(a), str(c)) for a, c in rows]


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("report-world")
    snapshot = root / "snapshot"
    synthesize(snapshot, accounts=150, posts=700, seed=3, images=4)
    ledger = Ledger(f"sqlite:///{root / 'ledger.db'}")
    imported = import_events(ledger, snapshot / "events.jsonl").events
    result = build(
        snapshot,
        parse_policy(DEFAULT_POLICY_TOML),
        DEFAULT_CUTOFF,
        root / "dataset",
        ledger=ledger,
        secret=SECRET,
    )
    register_model(ledger, "chat-small", [str(result.out)], version="v1")
    people = included_authors(snapshot, result.out)[:6]
    # the event that takes each one out: withdrawal under consent (the EEA), objection elsewhere
    out: dict[int, EventType] = {
        a: "consent_withdrawn" if country in EEA else "objection" for a, country in people
    }
    now = datetime.now(UTC)
    ledger.append(
        [NewEvent(a, out[a], channel="web") for a, _ in people[:3]]
        + [NewEvent(a, out[a], at=now - LIVE_WAITS["api"], channel="api") for a, _ in people[3:]]
    )
    first = compute_impact(ledger).tasks[0]
    mark_done(ledger, first.task_id, "retrained in run 7")
    return World(root, ledger, result.out, result.manifest, imported)


class Tables(HTMLParser):
    """Every table of a page with an id: rows of (row attributes, [(cell attributes, text)])."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[dict[str, str], list[tuple[dict[str, str], str]]]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "table" and "id" in a:
            self._table = a["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append((a, []))
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
            self.tables[self._table][-1][1].append((a, ""))

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            attrs, _ = self.tables[self._table][-1][1][-1]
            self.tables[self._table][-1][1][-1] = (attrs, "".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def rows(self, table: str, key: str) -> dict[str, dict[str, str]]:
        """Data rows keyed by a row attribute; cells keyed by their data-* attribute."""
        out: dict[str, dict[str, str]] = {}
        for attrs, cells in self.tables[table]:
            if key in attrs:
                named = {}
                for cell_attrs, text in cells:
                    for k, v in cell_attrs.items():
                        if k.startswith("data-"):
                            named[v] = text
                out[attrs[key]] = named
        return out

"""The embedded runner: the rules of `definition.py` on DuckDB, in-process."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import duckdb
import pyarrow as pa

from trainright.errors import BuildError
from trainright.ledger.events import utc
from trainright.nonusers.match import Matcher
from trainright.rules.definition import (
    find_copies,
    find_duplicates,
    kept_media_query,
    name_non_users,
    resolve_shares,
    rule_queries,
)
from trainright.rules.usage import USAGE_VALUES, usage_table
from trainright.snapshot import Snapshot, load_into_duckdb

#: How a batch stream is searched for people without an account (in this process,
#: `Matcher.search`, or in a pool's: `WorkerPool.search`).
Search = Callable[[Matcher, Iterable[pa.RecordBatch]], pa.Array]


class DuckDBRunner:
    """Loads the inputs into one DuckDB connection and runs the rule statements."""

    name = "duckdb"
    _search: Search = Matcher.search

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.conn = duckdb.connect(config={"threads": threads or os.cpu_count() or 1})
        self.conn.execute("SET TimeZone = 'UTC'")
        self.conn.execute("SET preserve_insertion_order = false")
        #: who is registered at the cutoff, once `decide` ran (their photos: the media step)
        self.non_users: Matcher | None = None
        if memory_limit:
            self.conn.execute(f"SET memory_limit = '{memory_limit}'")

    def close(self) -> None:
        self.conn.close()

    def load(self, snapshot: Snapshot, events: pa.Table, region_rules: pa.Table) -> None:
        """Validate and expose the snapshot, the events and the resolved policy."""
        load_into_duckdb(self.conn, snapshot)
        self.conn.register("events_arrow", events)
        self.conn.execute("CREATE OR REPLACE TEMP TABLE events AS SELECT * FROM events_arrow")
        self.conn.unregister("events_arrow")
        self.conn.register("region_rules", region_rules)
        values = [r[0] for r in self.conn.execute(USAGE_VALUES).fetchall()]
        self.conn.register("usage", usage_table(values))

    def decide(
        self, cutoff: Any, batch_rows: int = 100_000, search: Search = Matcher.search
    ) -> pa.RecordBatchReader:
        """Stream one row per post (at or before the cutoff) with its reason (NULL = in);
        the posts are searched for people without an account by `search`."""
        self._search = search
        q = rule_queries(cutoff)
        try:
            self.keep("account_state", q.account_state)
            self.non_users = name_non_users(self, cutoff)
            find_copies(self, cutoff)
            self.keep("post_state", q.post_state)
            resolve_shares(self)
            find_duplicates(self, cutoff)
            return self.conn.execute(q.decisions).to_arrow_reader(batch_rows)
        except duckdb.Error as exc:
            raise BuildError(f"the rules failed on DuckDB: {exc}") from None

    def keep(self, name: str, sql: str) -> None:
        """Materialise a rule statement as a temp table the next ones read."""
        self.conn.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def strings(self, sql: str) -> list[str]:
        """The first column of a statement's rows."""
        return [str(r[0]) for r in self.conn.execute(sql).fetchall()]

    def keep_matches(self, name: str, sql: str, matcher: Matcher | None) -> None:
        """The `post_id`s of the statement's rows (`post_id`, `text`) whose text names a
        registered person without an account, as a temp table."""
        ids = pa.array([], pa.int64())
        if matcher is not None:
            ids = self._search(matcher, self.conn.execute(sql).to_arrow_reader(100_000))
        self.conn.register("non_user_arrow", pa.table({"post_id": ids}))
        self.conn.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM non_user_arrow")
        self.conn.unregister("non_user_arrow")

    def arrow(self, sql: str) -> pa.Table:
        """A statement's rows as one Arrow table (the copy steps' input)."""
        return self.conn.execute(sql).to_arrow_table()

    def keep_ids(self, name: str, ids: pa.Array) -> None:
        """Post ids decided in Python, as a temp table of `post_id`."""
        self.conn.register("ids_arrow", pa.table({"post_id": ids}))
        self.conn.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM ids_arrow")
        self.conn.unregister("ids_arrow")

    def count(self, sql: str) -> int:
        row = self.conn.execute(sql).fetchone()
        return int(row[0]) if row else 0

    def display_names(self) -> tuple[str, ...]:
        """Every account's display name, for redacting names of people (SPEC §6)."""
        rows = self.conn.execute(
            "SELECT DISTINCT display_name FROM accounts WHERE display_name IS NOT NULL ORDER BY 1"
        ).fetchall()
        return tuple(r[0] for r in rows)

    def count_posts(self, cutoff: Any) -> int:
        """Posts at or before the cutoff: the number `decide` will stream."""
        row = self.conn.execute(
            "SELECT count(*) FROM posts WHERE created_at <= ?", [utc(cutoff).replace(tzinfo=None)]
        ).fetchone()
        return int(row[0]) if row else 0

    def warnings(self, cutoff: Any) -> dict[str, int]:
        """Counts of dangling references and of posts after the cutoff."""
        rel = self.conn.execute(rule_queries(cutoff).warnings)
        names = [d[0] for d in rel.description]
        row = rel.fetchone()
        assert row is not None
        return {n: int(v) for n, v in zip(names, row, strict=True)}

    def kept_media(self, included: pa.Table) -> pa.Table:
        """Media kept on the given included posts (`post_id`, `drop_minor`)."""
        self.conn.register("included_posts", included)
        try:
            return self.conn.execute(kept_media_query("included_posts")).to_arrow_table()
        finally:
            self.conn.unregister("included_posts")

"""What a dataset holds of people beyond its subjects: linked accounts and carried posts.

Two facts of the snapshot decide who else an objection reaches once a dataset is
built (SPEC §5): the `persons` links (a choice on one account counts for all of the
person's accounts), and the reshares and quotes in each shard (a reshare carries the
words and photos of the post it points to, down the chain to the original). Both are
read once, when the dataset is entered in the catalog, from the snapshot it was
built from and its shard files, with the same DuckDB views the build reads; so both
engines' datasets get the same catalog rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

#: Per shard, every post an included post points to (reshare_of or quote_of), followed
#: down each chain; UNION stops at a post already reached, so a cycle ends the walk.
_CARRIED = """
WITH RECURSIVE
included AS (
    SELECT CAST(regexp_extract(filename, 'shard-(\\d+)\\.parquet$', 1) AS INTEGER) AS shard,
           post_id
    FROM read_parquet({files}, filename = true)
),
pointer AS (
    SELECT post_id, reshare_of AS target FROM posts WHERE reshare_of IS NOT NULL
    UNION ALL
    SELECT post_id, quote_of AS target FROM posts WHERE quote_of IS NOT NULL
),
walk(shard, post_id) AS (
    SELECT i.shard, p.target FROM included AS i JOIN pointer AS p ON p.post_id = i.post_id
    UNION
    SELECT w.shard, p.target FROM walk AS w JOIN pointer AS p ON p.post_id = w.post_id
)
SELECT DISTINCT w.shard, p.author_id
FROM walk AS w JOIN posts AS p ON p.post_id = w.post_id
ORDER BY w.shard, p.author_id
"""


@dataclass(frozen=True)
class Links:
    """A dataset's persons links and, per shard, the authors its shares carry."""

    accounts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # linked
    persons: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # their person
    carried: dict[int, np.ndarray] = field(default_factory=dict)  # shard -> author ids


def read_links(conn: Any, dataset: Path, manifest: dict[str, Any]) -> Links:
    """The links of a built dataset, from a DuckDB connection holding its snapshot's
    `posts` and `persons` views (`trainright.snapshot.load_into_duckdb`)."""
    linked = conn.execute(
        "SELECT account_id, person_id FROM persons ORDER BY account_id"
    ).fetchnumpy()
    files = [str(dataset / s["file"]) for s in manifest["shards"] if s["rows"]]
    carried: dict[int, np.ndarray] = {}
    if files:
        listed = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
        rows = conn.execute(_CARRIED.format(files=listed)).fetchnumpy()
        shards = np.asarray(rows["shard"], dtype=np.int64)
        authors = np.asarray(rows["author_id"], dtype=np.int64)
        bounds = np.flatnonzero(np.diff(shards)) + 1
        for part in np.split(np.arange(len(shards)), bounds):
            if len(part):
                carried[int(shards[part[0]])] = authors[part]
    return Links(
        np.asarray(linked["account_id"], dtype=np.int64),
        np.asarray(linked["person_id"], dtype=np.int64),
        carried,
    )


def links_of_snapshot(snapshot: str | Path, dataset: Path, manifest: dict[str, Any]) -> Links:
    """The links of a dataset built by another engine: the snapshot read on its own."""
    import duckdb

    from trainright.snapshot import load_into_duckdb, locate

    conn = duckdb.connect()
    try:
        conn.execute("SET TimeZone = 'UTC'")
        load_into_duckdb(conn, locate(snapshot), only=("accounts", "posts", "persons"))
        return read_links(conn, dataset, manifest)
    finally:
        conn.close()

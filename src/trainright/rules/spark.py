"""The scale-out runner: the rules of `definition.py` on Apache Spark.

It runs the very statements the DuckDB runner runs, transpiled by SQLGlot from
DuckDB's dialect; nothing here restates a rule. Results stay DataFrames, so the
build can minimise them in the executors before anything reaches the driver.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa
from pyspark import StorageLevel
from pyspark.errors import PySparkException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from trainright.errors import BuildError, InputError
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
from trainright.spark.snapshot import SparkSnapshot, load, spark_sql

#: The columns and types of the ledger export (`trainright ledger export`).
EVENT_COLUMNS = {
    "ord": "BIGINT",
    "seq": "BIGINT",
    "account_id": "BIGINT",
    "type": "STRING",
    "purpose": "STRING",
    "at": "TIMESTAMP_NTZ",
    "content_usage": "STRING",
    "person_ref": "STRING",
    "identifiers": "STRING",
}
#: Columns an export made before people without an account could register lacks (NULL).
OPTIONAL_EVENT_COLUMNS = ("person_ref", "identifiers")


class SparkRunner:
    """Reads the inputs into temp views of one SparkSession and runs the rule statements."""

    name = "spark"

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self._cached: list[DataFrame] = []
        #: who is registered at the cutoff, once `decide` ran (their photos: the media step)
        self.non_users: Matcher | None = None

    def close(self) -> None:
        """Release what the build cached; the session itself belongs to the caller."""
        for df in self._cached:
            df.unpersist()
        self._cached.clear()

    def load(self, snapshot: SparkSnapshot, events: DataFrame, region_rules: pa.Table) -> None:
        """Validate and expose the snapshot, the events and the resolved policy."""
        self._cached += load(self.spark, snapshot)
        typed_events = events.selectExpr(
            *(
                f"CAST({f'`{c}`' if c in events.columns else 'NULL'} AS {t}) AS `{c}`"
                for c, t in EVENT_COLUMNS.items()
            )
        )
        typed_events.createOrReplaceTempView("events")
        rules = self.spark.createDataFrame(region_rules).withColumn(
            "notice_deadline", _ntz("notice_deadline")
        )
        rules.createOrReplaceTempView("region_rules")
        values = [r[0] for r in self.spark.sql(spark_sql(USAGE_VALUES)).collect()]
        usage = self.spark.createDataFrame(usage_table(values))
        usage.createOrReplaceTempView("usage")

    def events_from_parquet(self, uri: str) -> DataFrame:
        """A ledger export, read by the executors; its columns are checked here."""
        try:
            df = self.spark.read.parquet(uri)
        except PySparkException as exc:
            raise InputError(
                f"cannot read the ledger export: {str(exc).splitlines()[0]}", file=uri
            ) from None
        missing = [
            c for c in EVENT_COLUMNS if c not in df.columns and c not in OPTIONAL_EVENT_COLUMNS
        ]
        if missing:
            raise InputError(
                f"not a ledger export: column {missing[0]!r} is missing",
                file=uri,
                field=missing[0],
                hint="write it with `trainright ledger export --as-of CUTOFF OUT.parquet`",
            )
        return df

    def events_from_arrow(self, events: pa.Table) -> DataFrame:
        """Events the driver read from the ledger (a local build)."""
        return self.spark.createDataFrame(events).withColumn("at", _ntz("at"))

    def decide(self, cutoff: Any) -> DataFrame:
        """One row per post (at or before the cutoff) with its reason (NULL = in), cached."""
        q = rule_queries(cutoff)
        try:
            self.keep("account_state", q.account_state)
            self.non_users = name_non_users(self, cutoff)
            find_copies(self, cutoff)
            self.keep("post_state", q.post_state)
            resolve_shares(self)
            find_duplicates(self, cutoff)
            decisions = self._persist(self.spark.sql(spark_sql(q.decisions)))
            decisions.createOrReplaceTempView("decisions")
        except PySparkException as exc:
            raise BuildError(f"the rules failed on Spark: {exc}") from None
        return decisions

    def keep(self, name: str, sql: str) -> None:
        """Materialise a rule statement as a temp view the next ones read.

        Checkpointed locally, so each step of the share walk starts from rows, not
        from a plan that grows with every step.
        """
        df = self.spark.sql(spark_sql(sql)).localCheckpoint(eager=True)
        df.createOrReplaceTempView(name)

    def strings(self, sql: str) -> list[str]:
        """The first column of a statement's rows, on the driver."""
        return [str(r[0]) for r in self.spark.sql(spark_sql(sql)).collect()]

    def keep_matches(self, name: str, sql: str, matcher: Matcher | None) -> None:
        """The `post_id`s whose text names a registered person, searched in the executors."""
        df = self.spark.sql(spark_sql(sql))
        if matcher is None:
            found = df.select("post_id").limit(0)
        else:

            def search(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
                for b in batches:
                    yield pa.RecordBatch.from_arrays([matcher.post_ids(b)], names=["post_id"])

            found = df.mapInArrow(search, "post_id BIGINT")
        found.localCheckpoint(eager=True).createOrReplaceTempView(name)

    def arrow(self, sql: str) -> pa.Table:
        """A statement's rows as one Arrow table on the driver (the copy steps' input)."""
        return self.spark.sql(spark_sql(sql)).toArrow()

    def keep_ids(self, name: str, ids: pa.Array) -> None:
        """Post ids decided on the driver, as a temp view of `post_id`."""
        table = pa.table({"post_id": ids.cast(pa.int64())})
        df = (
            self.spark.createDataFrame(table)
            if len(ids)
            else self.spark.sql("SELECT CAST(NULL AS BIGINT) AS post_id WHERE FALSE")
        )
        df.localCheckpoint(eager=True).createOrReplaceTempView(name)

    def count(self, sql: str) -> int:
        return int(self.spark.sql(spark_sql(sql)).collect()[0][0])

    def display_names(self) -> tuple[str, ...]:
        """Every account's display name, for redacting names of people (SPEC §6)."""
        rows = self.spark.sql(
            "SELECT DISTINCT display_name FROM accounts WHERE display_name IS NOT NULL ORDER BY 1"
        ).collect()
        return tuple(r[0] for r in rows)

    def count_posts(self, cutoff: Any) -> int:
        """Posts at or before the cutoff: the number `decide` gives."""
        t = utc(cutoff).replace(tzinfo=None)
        sql = f"SELECT count(*) FROM posts WHERE created_at <= TIMESTAMP '{t:%Y-%m-%d %H:%M:%S.%f}'"
        return int(self.spark.sql(spark_sql(sql)).collect()[0][0])

    def count_media(self) -> int:
        """Images in the snapshot: a bound on those the build keeps."""
        return int(self.spark.sql("SELECT count(*) FROM media").collect()[0][0])

    def warnings(self, cutoff: Any) -> dict[str, int]:
        """Counts of dangling references and of posts after the cutoff."""
        row = self.spark.sql(spark_sql(rule_queries(cutoff).warnings)).collect()[0]
        return {k: int(v) for k, v in row.asDict().items()}

    def kept_media(self, included: DataFrame) -> DataFrame:
        """Media kept on the given included posts (`post_id`, `country`)."""
        included.createOrReplaceTempView("included_posts")
        return self.spark.sql(spark_sql(kept_media_query("included_posts")))

    def _persist(self, df: DataFrame) -> DataFrame:
        df = df.persist(StorageLevel.MEMORY_AND_DISK)
        self._cached.append(df)
        return df


def _ntz(column: str) -> Column:
    """Arrow's zone-less timestamps arrive as session-local (UTC); the rules compare zone-less."""
    return F.col(column).cast("timestamp_ntz")

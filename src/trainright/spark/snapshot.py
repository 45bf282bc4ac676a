"""SPEC §2 on Spark: find, read and validate the snapshot from any path Spark can read.

Files are found and hashed through Hadoop's FileSystem (local, HDFS, S3A, ...), so
the manifest records the same input sha256s as an embedded build. The checks after
typing are `snapshot.validate_typed`'s SQL, transpiled: both engines run the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlglot
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from trainright.errors import SnapshotError
from trainright.snapshot import FORMATS, TABLES, Kind, TableFile, TableSpec, validate_typed

SPARK_TYPE: dict[Kind, T.DataType] = {
    "int": T.LongType(),
    "string": T.StringType(),
    "date": T.DateType(),
    "timestamp": T.TimestampNTZType(),
    "bool": T.BooleanType(),
}
_PARQUET_OK: dict[Kind, tuple[type[T.DataType], ...]] = {
    "int": (T.ByteType, T.ShortType, T.IntegerType, T.LongType),
    "string": (T.StringType,),
    "date": (T.DateType,),
    "timestamp": (T.TimestampType, T.TimestampNTZType),
    "bool": (T.BooleanType,),
}
#: How a text value (CSV, JSON Lines) must look for a kind, and how it is cast.
_TEXT_CHECK: dict[Kind, str] = {
    "int": "trim({c}) RLIKE '^[+-]?[0-9]{{1,19}}$' AND try_cast(trim({c}) AS BIGINT) IS NOT NULL",
    "string": "true",
    "date": "try_cast(trim({c}) AS DATE) IS NOT NULL",
    "timestamp": "try_cast(trim({c}) AS TIMESTAMP) IS NOT NULL",
    "bool": "lower(trim({c})) IN ('true', 'false', '1', '0')",
}
_TEXT_CAST: dict[Kind, str] = {
    "int": "CAST(trim({c}) AS BIGINT)",
    "string": "{c}",
    "date": "CAST(trim({c}) AS DATE)",
    "timestamp": "CAST(CAST(trim({c}) AS TIMESTAMP) AS TIMESTAMP_NTZ)",
    "bool": "lower(trim({c})) IN ('true', '1')",
}
_EXPECTED: dict[Kind, str] = {
    "int": "an integer",
    "string": "text",
    "date": "a date (YYYY-MM-DD)",
    "timestamp": "a UTC timestamp (e.g. 2026-06-26T00:00:00Z)",
    "bool": "true or false",
}


@dataclass(frozen=True)
class SparkTable:
    """One located table: its URI as Spark reads it (None: optional and absent)."""

    spec: TableSpec
    uri: str | None
    format: str | None
    sha256: str | None


@dataclass(frozen=True)
class SparkSnapshot:
    root: str
    tables: dict[str, SparkTable]

    def input_hashes(self) -> dict[str, str | None]:
        """sha256 of every table file, keyed by file name, as `Snapshot.input_hashes`."""
        out: dict[str, str | None] = {}
        for name, t in sorted(self.tables.items()):
            key = t.uri.rsplit("/", 1)[-1] if t.uri else f"{name} (absent)"
            out[key] = t.sha256
        return out


def spark_sql(sql: str) -> str:
    """DuckDB-dialect SQL (the rules, the checks) as Spark SQL."""
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


def locate(spark: SparkSession, root: str) -> SparkSnapshot:
    """Find each table's file under `root` and hash it, through Hadoop's FileSystem."""
    jvm: Any = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    base = jvm.org.apache.hadoop.fs.Path(root)
    try:
        fs = base.getFileSystem(conf)
        is_dir = fs.getFileStatus(base).isDirectory()
    except Exception:
        is_dir = False
    if not is_dir:
        raise SnapshotError(
            "the snapshot directory does not exist or is not a directory",
            file=root,
            hint="pass a directory (or an hdfs://, s3a://, file:// URI) holding accounts and posts",
        )
    tables: dict[str, SparkTable] = {}
    for spec in TABLES:
        found = [
            jvm.org.apache.hadoop.fs.Path(base, f"{spec.name}{ext}")
            for ext in FORMATS
            if fs.isFile(jvm.org.apache.hadoop.fs.Path(base, f"{spec.name}{ext}"))
        ]
        if len(found) > 1:
            raise SnapshotError(
                f"two files for the {spec.name} table: "
                + ", ".join(p.getName() for p in found)
                + "; keep one",
                file=root,
            )
        if not found:
            if spec.required:
                raise SnapshotError(
                    f"the {spec.name} table is missing",
                    file=f"{root.rstrip('/')}/{spec.name}.parquet",
                    hint="accepted names: " + ", ".join(f"{spec.name}{e}" for e in FORMATS),
                )
            tables[spec.name] = SparkTable(spec, None, None, None)
            continue
        path = found[0]
        stream = fs.open(path)
        try:
            digest = str(jvm.org.apache.commons.codec.digest.DigestUtils.sha256Hex(stream))
        finally:
            stream.close()
        name = str(path.getName())
        tables[spec.name] = SparkTable(
            spec, str(path.toString()), FORMATS["." + name.rsplit(".", 1)[-1]], digest
        )
    return SparkSnapshot(root, tables)


def load(spark: SparkSession, snapshot: SparkSnapshot) -> list[DataFrame]:
    """Create one typed, validated temp view per table (named after the table).

    Each table is cached as it is typed, so the checks and the rules read the files
    once; the caller unpersists the returned frames when the build is done.
    """
    cached: list[DataFrame] = []

    def query(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in spark.sql(spark_sql(sql)).collect()]

    try:
        for spec in TABLES:
            table = snapshot.tables[spec.name]
            if table.uri is None:
                schema = T.StructType(
                    [T.StructField(c.name, SPARK_TYPE[c.kind]) for c in spec.columns]
                )
                spark.createDataFrame([], schema).createOrReplaceTempView(spec.name)
                continue
            typed = _typed(spark, table).persist(StorageLevel.MEMORY_AND_DISK)
            cached.append(typed)
            typed.createOrReplaceTempView(spec.name)
            tf = TableFile(spec, Path(table.uri), table.format, table.sha256)
            validate_typed(query, tf, spec.name)
    except BaseException:
        for df in cached:
            df.unpersist()
        raise
    return cached


def _read(spark: SparkSession, table: SparkTable) -> DataFrame:
    assert table.uri is not None
    try:
        if table.format == "parquet":
            return spark.read.parquet(table.uri)
        if table.format == "csv":
            return spark.read.option("header", True).option("inferSchema", False).csv(table.uri)
        schema = T.StructType([T.StructField(c.name, T.StringType()) for c in table.spec.columns])
        return spark.read.schema(schema).option("mode", "FAILFAST").json(table.uri)
    except Exception as exc:
        raise SnapshotError(
            f"cannot read it as {table.format}: {str(exc).splitlines()[0]}", file=table.uri
        ) from None


def _typed(spark: SparkSession, table: SparkTable) -> DataFrame:
    """The table with exactly the SPEC's columns, in the SQL types the rules expect."""
    raw = _read(spark, table)
    file = str(table.uri)
    types = {f.name: f.dataType for f in raw.schema.fields}
    selects = []
    for col in table.spec.columns:
        if col.name not in types and col.optional:
            selects.append(f"CAST(NULL AS {SPARK_TYPE[col.kind].simpleString()}) AS `{col.name}`")
            continue
        if col.name not in types:
            raise SnapshotError(
                f"required column {col.name!r} is missing; the file has: " + ", ".join(types),
                file=file,
                field=col.name,
            )
        q = f"`{col.name}`"
        if table.format == "parquet":
            found = types[col.name]
            if not isinstance(found, _PARQUET_OK[col.kind]):
                ex = raw.where(f"{q} IS NOT NULL").select(col.name).limit(1).collect()
                example = f"; example value: {ex[0][0]!r}" if ex else ""
                raise SnapshotError(
                    f"has type {found.simpleString()}, expected {_EXPECTED[col.kind]}{example}",
                    file=file,
                    field=col.name,
                    value=found.simpleString(),
                )
            selects.append(f"CAST({q} AS {SPARK_TYPE[col.kind].simpleString()}) AS {q}")
            continue
        check = _TEXT_CHECK[col.kind].format(c=q)
        bad = raw.where(f"{q} IS NOT NULL AND trim({q}) <> '' AND NOT ({check})").limit(1)
        rows = bad.select(col.name).collect()
        if rows:
            raise SnapshotError(
                f"{rows[0][0]!r} is not {_EXPECTED[col.kind]}",
                file=file,
                field=col.name,
                value=rows[0][0],
            )
        empty_is_null = f"NULLIF({q}, '')" if col.kind != "string" else q
        selects.append(f"{_TEXT_CAST[col.kind].format(c=empty_is_null)} AS {q}")
    return raw.selectExpr(*selects)

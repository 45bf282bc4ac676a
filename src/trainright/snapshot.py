"""SPEC §2: find, read and validate the platform snapshot.

The snapshot is four tables (Parquet, CSV or JSON Lines with the same columns).
Validation is strict and complete before any rule runs: a missing column, a wrong
type, a null where none is allowed, an unknown enum value, a bad country code or
a duplicate id stops the build with the file, the column and an example row.
Unknown columns are ignored.

The checks are plain SQL over views named after the tables, so every engine runs
the same ones; `load_into_duckdb` is the embedded engine's reader.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from trainright.digest import file_sha256
from trainright.errors import SnapshotError
from trainright.regions import ISO_COUNTRIES

Kind = Literal["int", "string", "date", "timestamp", "bool"]
FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "json", ".ndjson": "json"}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    nullable: bool = False
    values: tuple[str, ...] = ()  # allowed values for an enum column
    optional: bool = False  # a file may lack the column: it reads as all null

    def __post_init__(self) -> None:
        assert self.nullable or not self.optional, "an optional column must be nullable"


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    key: str | None = None
    required: bool = True

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "accounts",
        (
            Column("account_id", "int"),
            Column("kind", "string", values=("personal", "business")),
            Column("birth_date", "date", nullable=True),
            Column("country", "string"),
            Column(
                "status", "string", values=("active", "deactivated", "pending_deletion", "deleted")
            ),
            Column("display_name", "string", nullable=True),
            Column("created_at", "timestamp"),
            Column("age_attested_min", "int", nullable=True, optional=True),
            Column("age_attested_at", "timestamp", nullable=True, optional=True),
            Column("content_usage", "string", nullable=True, optional=True),
        ),
        key="account_id",
    ),
    TableSpec(
        "posts",
        (
            Column("post_id", "int"),
            Column("author_id", "int"),
            Column("created_at", "timestamp"),
            Column("visibility", "string", values=("public", "unlisted", "friends", "only_me")),
            Column("lang", "string", nullable=True),
            Column("text", "string", nullable=True),
            Column("deleted", "bool"),
            Column("reshare_of", "int", nullable=True, optional=True),
            Column("quote_of", "int", nullable=True, optional=True),
            Column("content_usage", "string", nullable=True, optional=True),
        ),
        key="post_id",
    ),
    TableSpec(
        "media",
        (
            Column("media_id", "int"),
            Column("post_id", "int"),
            Column("path", "string"),
            Column("flagged_minor", "bool"),
        ),
        key="media_id",
        required=False,
    ),
    TableSpec(
        "tags",
        (
            Column("post_id", "int"),
            Column("account_id", "int"),
            Column("kind", "string", values=("photo_tag", "mention")),
        ),
        required=False,
    ),
    TableSpec(
        "persons",
        (
            Column("account_id", "int"),
            Column("person_id", "int"),
        ),
        key="account_id",
        required=False,
    ),
)
TABLE_BY_NAME = {t.name: t for t in TABLES}

#: SQL types each column is cast to once validated; the rules see only these.
SQL_TYPE: dict[Kind, str] = {
    "int": "BIGINT",
    "string": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "bool": "BOOLEAN",
}


@dataclass(frozen=True)
class TableFile:
    spec: TableSpec
    path: Path | None  # None: an optional table that is absent (read as empty)
    format: str | None
    sha256: str | None


@dataclass(frozen=True)
class Snapshot:
    """A located snapshot: one file (or none, if optional) per table."""

    root: Path
    files: dict[str, TableFile] = field(default_factory=dict)

    def input_hashes(self) -> dict[str, str | None]:
        """sha256 of every table file, keyed by its name relative to the root."""
        out: dict[str, str | None] = {}
        for name, tf in sorted(self.files.items()):
            key = tf.path.name if tf.path else f"{name} (absent)"
            out[key] = tf.sha256
        return out


def locate(root: str | Path) -> Snapshot:
    """Find each table's file; a missing required table or two candidates is an error."""
    base = Path(root)
    if not base.is_dir():
        raise SnapshotError(
            "the snapshot directory does not exist or is not a directory",
            file=str(base),
            hint="pass --snapshot DIR with accounts.parquet and posts.parquet in it "
            "(or .csv / .jsonl); `trainright synth --out DIR` makes one",
        )
    files: dict[str, TableFile] = {}
    for spec in TABLES:
        found = [
            base / f"{spec.name}{ext}" for ext in FORMATS if (base / f"{spec.name}{ext}").is_file()
        ]
        if len(found) > 1:
            raise SnapshotError(
                f"two files for the {spec.name} table: {', '.join(p.name for p in found)}; keep one",
                file=str(base),
            )
        if not found:
            if spec.required:
                raise SnapshotError(
                    f"the {spec.name} table is missing",
                    file=str(base / f"{spec.name}.parquet"),
                    hint="accepted names: " + ", ".join(f"{spec.name}{e}" for e in FORMATS),
                )
            files[spec.name] = TableFile(spec, None, None, None)
            continue
        path = found[0]
        try:
            digest = file_sha256(path)
        except OSError as exc:
            raise SnapshotError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
        files[spec.name] = TableFile(spec, path, FORMATS[path.suffix], digest)
    return Snapshot(base, files)


# --- validation: SQL checks any engine can run ------------------------------------------------

Query = Callable[[str], list[tuple[Any, ...]]]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _shown(value: Any) -> str:
    """A value as the person wrote it in their file, not as Python spells it."""
    if value is None:
        return "null"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _example(query: Query, view: str, where: str, cols: tuple[Column, ...]) -> str:
    names = ", ".join(_quote(c.name) for c in cols)
    rows = query(f"SELECT {names} FROM {view} WHERE {where} LIMIT 1")
    if not rows:
        return ""
    return (
        "; example row: {"
        + ", ".join(f"{c.name}: {_shown(v)}" for c, v in zip(cols, rows[0], strict=True))
        + "}"
    )


def validate_typed(query: Query, tf: TableFile, view: str) -> None:
    """Nulls, enum values, country codes and duplicate keys, on a typed view."""
    spec = tf.spec
    file = str(tf.path)
    for col in spec.columns:
        q = _quote(col.name)
        if not col.nullable:
            n = query(f"SELECT count(*) FROM {view} WHERE {q} IS NULL")[0][0]
            if n:
                raise SnapshotError(
                    f"{n} row(s) have no value, and this column may not be null"
                    + _example(query, view, f"{q} IS NULL", spec.columns),
                    file=file,
                    field=col.name,
                )
        if col.values:
            allowed = ", ".join("'" + v + "'" for v in col.values)
            bad = query(
                f"SELECT {q}, count(*) FROM {view} WHERE {q} IS NOT NULL AND {q} NOT IN ({allowed}) "
                f"GROUP BY {q} ORDER BY count(*) DESC, {q} LIMIT 1"
            )
            if bad:
                value = bad[0][0]
                raise SnapshotError(
                    f"unknown value {value!r} ({bad[0][1]} row(s)); expected one of "
                    + ", ".join(col.values)
                    + _example(query, view, f"{q} = '{_sql_str(value)}'", spec.columns),
                    file=file,
                    field=col.name,
                    value=value,
                )
    if spec.name == "accounts":
        codes = ", ".join(f"'{c}'" for c in sorted(ISO_COUNTRIES))
        bad = query(f"SELECT country FROM {view} WHERE country NOT IN ({codes}) LIMIT 1")
        if bad:
            value = bad[0][0]
            raise SnapshotError(
                f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. NO, NL, GB, US)"
                + _example(query, view, f"country = '{_sql_str(value)}'", spec.columns),
                file=file,
                field="country",
                value=value,
            )
    if spec.key:
        k = _quote(spec.key)
        dup = query(
            f"SELECT {k}, count(*) FROM {view} GROUP BY {k} HAVING count(*) > 1 ORDER BY {k} LIMIT 1"
        )
        if dup:
            raise SnapshotError(
                f"duplicate {spec.key} {dup[0][0]} ({dup[0][1]} rows); ids must be unique"
                + _example(query, view, f"{k} = {int(dup[0][0])}", spec.columns),
                file=file,
                field=spec.key,
                value=dup[0][0],
            )

    if spec.name == "persons":
        # A link to an account the platform does not have is a broken export, not a
        # dangling reference to count: it would silently leave a person's choice unapplied.
        unknown = query(
            f"SELECT p.account_id FROM {view} AS p LEFT JOIN accounts AS a "
            "ON a.account_id = p.account_id WHERE a.account_id IS NULL "
            "ORDER BY p.account_id LIMIT 1"
        )
        if unknown:
            raise SnapshotError(
                f"account_id {unknown[0][0]} is not in the accounts table; every linked "
                "account must be one of the platform's accounts"
                + _example(query, view, f"account_id = {int(unknown[0][0])}", spec.columns),
                file=file,
                field="account_id",
                value=unknown[0][0],
            )


def _sql_str(value: Any) -> str:
    return str(value).replace("'", "''")


# --- reading with DuckDB --------------------------------------------------------------------

_PARQUET_OK: dict[Kind, tuple[str, ...]] = {
    "int": (
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
    ),
    "string": ("VARCHAR",),
    "date": ("DATE",),
    "timestamp": (
        "TIMESTAMP",
        "TIMESTAMP WITH TIME ZONE",
        "TIMESTAMP_S",
        "TIMESTAMP_MS",
        "TIMESTAMP_NS",
    ),
    "bool": ("BOOLEAN",),
}
#: How a text value must look to be accepted for a kind (CSV and JSON Lines are read as text).
_TEXT_CHECK: dict[Kind, str] = {
    "int": "regexp_full_match(trim({c}), '[+-]?[0-9]{{1,19}}') AND TRY_CAST(trim({c}) AS BIGINT) IS NOT NULL",
    "string": "true",
    "date": "TRY_CAST(trim({c}) AS DATE) IS NOT NULL",
    "timestamp": "TRY_CAST(trim({c}) AS TIMESTAMPTZ) IS NOT NULL",
    "bool": "lower(trim({c})) IN ('true', 'false', '1', '0')",
}
_TEXT_CAST: dict[Kind, str] = {
    "int": "CAST(trim({c}) AS BIGINT)",
    "string": "{c}",
    "date": "CAST(trim({c}) AS DATE)",
    "timestamp": "CAST(CAST(trim({c}) AS TIMESTAMPTZ) AS TIMESTAMP)",
    "bool": "lower(trim({c})) IN ('true', '1')",
}
_EXPECTED: dict[Kind, str] = {
    "int": "an integer",
    "string": "text",
    "date": "a date (YYYY-MM-DD)",
    "timestamp": "a UTC timestamp (e.g. 2026-06-26T00:00:00Z)",
    "bool": "true or false",
}


def _empty_view(conn: Any, spec: TableSpec, view: str) -> None:
    cols = ", ".join(f"CAST(NULL AS {SQL_TYPE[c.kind]}) AS {_quote(c.name)}" for c in spec.columns)
    conn.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {cols} WHERE false")


def _raw_relation(tf: TableFile) -> str:
    assert tf.path is not None
    p = "'" + _sql_str(tf.path) + "'"
    if tf.format == "parquet":
        return f"read_parquet({p})"
    if tf.format == "csv":
        return f"read_csv({p}, header=true, all_varchar=true, auto_detect=true)"
    cols = "{" + ", ".join(f"'{c.name}': 'VARCHAR'" for c in tf.spec.columns) + "}"
    return f"read_json({p}, format='newline_delimited', columns={cols}, ignore_errors=false)"


def load_into_duckdb(conn: Any, snapshot: Snapshot, only: tuple[str, ...] = ()) -> None:
    """Create one typed, validated temp view per table (named after the table); with
    `only`, for those tables alone (a reader that needs a few of them)."""
    import duckdb

    for spec in TABLES:
        if only and spec.name not in only:
            continue
        tf = snapshot.files[spec.name]
        if tf.path is None:
            _empty_view(conn, spec, spec.name)
            continue
        file = str(tf.path)
        raw = _raw_relation(tf)
        try:
            described = conn.execute(f"DESCRIBE SELECT * FROM {raw}").fetchall()
        except duckdb.Error as exc:
            raise SnapshotError(
                f"cannot read it as {tf.format}: {str(exc).splitlines()[0]}", file=file
            ) from None
        types = {row[0]: str(row[1]) for row in described}
        for col in spec.columns:
            if col.name not in types and not col.optional:
                raise SnapshotError(
                    f"required column {col.name!r} is missing; the file has: " + ", ".join(types),
                    file=file,
                    field=col.name,
                )
        selects = []
        for col in spec.columns:
            q = _quote(col.name)
            if col.name not in types:
                selects.append(f"CAST(NULL AS {SQL_TYPE[col.kind]}) AS {q}")
                continue
            if tf.format == "parquet":
                found = types[col.name]
                if found not in _PARQUET_OK[col.kind]:
                    ex = conn.execute(
                        f"SELECT {q} FROM {raw} WHERE {q} IS NOT NULL LIMIT 1"
                    ).fetchall()
                    example = f"; example value: {_shown(ex[0][0])}" if ex else ""
                    raise SnapshotError(
                        f"has type {found}, expected {_EXPECTED[col.kind]}{example}",
                        file=file,
                        field=col.name,
                        value=found,
                    )
                if col.kind == "timestamp" and found == "TIMESTAMP WITH TIME ZONE":
                    # The UTC wall time, from the instant's microseconds: the same value
                    # as a CAST, which converts through the time-zone library (10x slower).
                    selects.append(f"make_timestamp(epoch_us({q})) AS {q}")
                else:
                    selects.append(f"CAST({q} AS {SQL_TYPE[col.kind]}) AS {q}")
            else:
                check = _TEXT_CHECK[col.kind].format(c=q)
                bad = conn.execute(
                    f"SELECT row_number, {q} FROM (SELECT row_number() OVER () AS row_number, {q} "
                    f"FROM {raw}) WHERE {q} IS NOT NULL AND trim({q}) <> '' AND NOT ({check}) LIMIT 1"
                ).fetchall()
                if bad:
                    line = bad[0][0] + (1 if tf.format == "csv" else 0)
                    raise SnapshotError(
                        f"line {line}: {bad[0][1]!r} is not {_EXPECTED[col.kind]}",
                        file=file,
                        field=col.name,
                        value=bad[0][1],
                    )
                empty_is_null = f"NULLIF({q}, '')" if col.kind != "string" else q
                selects.append(f"{_TEXT_CAST[col.kind].format(c=empty_is_null)} AS {q}")
        body = f"SELECT {', '.join(selects)} FROM {raw}"
        # Text formats are parsed once into a temp table; Parquet stays a view over the file.
        kind = "VIEW" if tf.format == "parquet" else "TABLE"
        try:
            conn.execute(f"CREATE OR REPLACE TEMP {kind} {spec.name} AS {body}")
        except duckdb.Error as exc:
            raise SnapshotError(f"cannot read it: {str(exc).splitlines()[0]}", file=file) from None

        def query(sql: str) -> list[tuple[Any, ...]]:
            return conn.execute(sql).fetchall()  # type: ignore[no-any-return]

        validate_typed(query, tf, spec.name)

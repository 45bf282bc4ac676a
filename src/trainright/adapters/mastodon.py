"""A Mastodon server's own PostgreSQL database -> a SPEC §2 snapshot.

Only the server's own accounts are input: every query starts from
`accounts.domain IS NULL`, so a remote account or a remote post is never read
(a local reblog of a remote post keeps the remote id in `reshare_of`, which then
dangles and the rules leave the reblog out as `shares_excluded`). Everything is
read in one READ ONLY, REPEATABLE READ transaction, so the four tables describe
the same instant. Statuses, media and mentions come as PostgreSQL's own CSV
(`COPY (SELECT ...) TO STDOUT`) parsed by pyarrow into record batches, with the
mapping done in SQL or column-wise, so no Python runs per row; accounts, which need
Python's judgement per row and are few, come through a server-side cursor.
docs/adapters/mastodon.md gives the mapping row by row and why.
"""

from __future__ import annotations

import csv
import io
import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from psycopg import sql

from trainright.adapters import Progress, Row, record_batch, schemas
from trainright.errors import InputError
from trainright.regions import ISO_COUNTRIES

#: statuses.visibility (app/models/concerns/status/visibility.rb) -> SPEC visibility.
VISIBILITY = {0: "public", 1: "unlisted", 2: "friends", 3: "only_me", 4: "only_me"}
#: media_attachments.type; only images become media rows.
MEDIA_TYPES = {0: "image", 1: "gifv", 2: "video", 3: "unknown", 4: "audio"}
#: accounts.actor_type values that are not a person speaking for themselves.
BUSINESS_ACTORS = frozenset({"Service", "Application", "Group", "Organization"})
RESERVATION = "train-ai=n"
#: Rows per server-side cursor fetch (accounts).
BATCH = 5_000
#: Bytes of CSV per record batch (statuses, media, mentions): big enough that the
#: per-batch work vanishes, small enough that memory stays flat.
BLOCK = 1 << 20

_ACCOUNTS = """
SELECT a.id, a.display_name, a.created_at, a.actor_type, a.suspended_at, a.memorial,
       a.indexable, a.discoverable,
       u.id IS NOT NULL AS has_user, u.disabled, u.approved, u.confirmed_at, u.settings,
       u.age_verified_at,
       EXISTS (SELECT 1 FROM account_deletion_requests d WHERE d.account_id = a.id) AS deleting
FROM accounts a
LEFT JOIN LATERAL (
    SELECT * FROM users WHERE users.account_id = a.id ORDER BY users.id LIMIT 1
) u ON true
WHERE a.domain IS NULL
ORDER BY a.id
"""

# Every query reads the statuses of local accounts (`_LOCAL`) created at or before the
# cutoff. A status edited after the cutoff reads as its latest edit at or before it
# (`_EDIT`); when there is none it is unknown (`_KNOWN` false) and left out, with its
# media and mentions. The edit lookups sit in CASE and OR branches, so only such statuses run
# them, instead of a join that looks up status_edits for every status.
_LOCAL = "JOIN accounts a ON a.id = st.account_id AND a.domain IS NULL"
_LATER = "st.edited_at > %(as_of)s"
_EDIT = """(SELECT se.{} FROM status_edits se
        WHERE se.status_id = st.id AND se.created_at <= %(as_of)s
        ORDER BY se.created_at DESC, se.id DESC LIMIT 1)"""
_KNOWN = f"""({_LATER} IS NOT TRUE OR EXISTS (SELECT FROM status_edits se
        WHERE se.status_id = st.id AND se.created_at <= %(as_of)s))"""
_POSTS = f"""
SELECT st.id, st.account_id, st.created_at, st.visibility, NULLIF(st.language, ''),
       CASE WHEN {_LATER} THEN {_EDIT.format("text")} ELSE st.text END,
       st.deleted_at IS NOT NULL, st.reblog_of_id, {{quote}}, NULL, {_KNOWN}
FROM statuses st {_LOCAL} {{quote_join}}
WHERE st.created_at <= %(as_of)s
ORDER BY st.id"""
# A status read as an edit has the images that edit lists.
_MEDIA = f"""
SELECT m.id, m.status_id, m.type, m.file_file_name, false
FROM media_attachments m JOIN statuses st ON st.id = m.status_id {_LOCAL}
WHERE st.created_at <= %(as_of)s
  AND ({_LATER} IS NOT TRUE
       OR m.id = ANY({_EDIT.format("ordered_media_attachment_ids")}::bigint[]))
ORDER BY m.id"""
_TAGS = f"""
SELECT m.status_id, m.account_id, 'mention'
FROM mentions m JOIN statuses st ON st.id = m.status_id {_LOCAL}
WHERE st.created_at <= %(as_of)s AND {_KNOWN}
ORDER BY m.status_id, m.account_id"""


def paperclip_path(media_id: int, file_name: str) -> str:
    """Where Paperclip stores a local upload's original: the id in 3-digit groups.

    Paperclip's `id_partition` is `("%09d" % id).scan(/\\d{3}/).join("/")`, so a
    trailing group of fewer than three digits is dropped, as it does.
    """
    digits = f"{media_id:09d}"
    groups = [digits[i : i + 3] for i in range(0, len(digits) - len(digits) % 3, 3)]
    return "/".join(["media_attachments", "files", *groups, "original", file_name])


def check_country(value: str, field: str, file: str | None = None) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased; anything else is an input error."""
    code = value.strip().upper()
    if code not in ISO_COUNTRIES:
        raise InputError(
            f"{value!r} is not an ISO 3166-1 alpha-2 country code",
            file=file,
            field=field,
            value=value,
            hint="use a two-letter code such as NO, NL, DE, GB or US",
        )
    return code


def read_countries(path: Path) -> dict[int, str]:
    """The --countries CSV: `account_id,country` per line (a header line is allowed)."""
    out: dict[int, str] = {}
    try:
        with path.open(newline="", encoding="utf-8") as f:
            for n, line in enumerate(csv.reader(f), start=1):
                if not line or (n == 1 and line[0].strip() == "account_id"):
                    continue
                if len(line) != 2 or not line[0].strip().isdigit():
                    raise InputError(
                        f"line {n} is not `account_id,country`: {','.join(line)!r}",
                        file=str(path),
                        hint="write one account per line, e.g. 109876543210,NO",
                    )
                out[int(line[0])] = check_country(line[1], f"country (line {n})", str(path))
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    return out


def _utc(value: datetime | None) -> datetime | None:
    """Mastodon stores UTC in `timestamp without time zone`."""
    return None if value is None else value.replace(tzinfo=UTC)


def _noindex(settings: str | None) -> bool:
    """users.settings is the JSON of Mastodon's UserSettings; `noindex` true opts out."""
    if not settings:
        return False
    try:
        parsed = json.loads(settings)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("noindex") is True


def account_status(row: dict[str, Any]) -> tuple[str, str]:
    """SPEC's account status for a local account, and the Mastodon fact that decided it."""
    if row["deleting"]:
        return "pending_deletion", "deletion_request"
    if row["suspended_at"] is not None:
        return "deactivated", "suspended"
    if row["memorial"]:
        return "deactivated", "memorial"
    if not row["has_user"]:
        return "active", "no_user"
    if row["disabled"]:
        return "deactivated", "disabled"
    if not row["approved"]:
        return "deactivated", "not_approved"
    if row["confirmed_at"] is None:
        return "deactivated", "unconfirmed"
    return "active", "active"


@dataclass
class MastodonAdapter:
    """Reads one Mastodon database as of an instant; see the module docstring."""

    database: str
    media_root: Path
    out: Path
    country: str
    as_of: datetime
    countries: dict[int, str] = field(default_factory=dict)
    attested_min_age: int | None = None
    noindex_reserves: bool = False
    platform: str = "mastodon"
    skipped: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)

    def batches(self, progress: Progress) -> Iterator[tuple[str, pa.RecordBatch]]:
        """Connect, read, and turn a refused query into an error that says what to grant,
        and a value pyarrow cannot parse into one that says so."""
        url = self.database.replace("postgresql+psycopg://", "postgresql://", 1)
        try:
            conn = psycopg.connect(url)
        except psycopg.OperationalError as exc:
            raise InputError(
                f"cannot connect to the Mastodon database: {str(exc).strip()}",
                field="--database",
                hint="give a libpq URL such as postgresql://mastodon@localhost/mastodon_production",
            ) from None
        try:
            with conn:
                yield from self._read(conn, progress)
        except psycopg.Error as exc:
            raise InputError(
                f"the Mastodon database refused a query: {str(exc).strip()}",
                field="--database",
                hint="the role needs SELECT on accounts, users, statuses, status_edits, "
                "media_attachments, mentions, account_deletion_requests (and quotes, if "
                "present); the database must be a Mastodon 4.x schema",
            ) from None
        except pa.ArrowInvalid as exc:
            raise InputError(
                f"the Mastodon database holds a value the import cannot read: {exc}",
                field="--database",
                hint="a timestamp must be a date between the years 1 and 9999 (not infinity); "
                "the database must be a Mastodon 4.x schema",
            ) from None

    def _read(
        self, conn: psycopg.Connection[Any], progress: Progress
    ) -> Iterator[tuple[str, pa.RecordBatch]]:
        """Every table in one read-only, repeatable-read transaction: one instant."""
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            # pyarrow reads the CSV as UTF-8 and its timestamps as ISO 8601, whatever the
            # server's defaults; the queries are plain scans, where compiling them (JIT)
            # costs more than it saves.
            conn.execute("SET LOCAL client_encoding = 'UTF8'")
            conn.execute("SET LOCAL datestyle = 'ISO, YMD'")
            conn.execute("SET LOCAL jit = off")
            quote, quote_join = self._quote_source(conn)
            params = {"as_of": self.as_of.replace(tzinfo=None)}

            def copy(
                query: str, columns: pa.Schema
            ) -> AbstractContextManager[Iterator[pa.RecordBatch]]:
                text = sql.SQL(query).format(quote=quote, quote_join=quote_join)
                return copy_batches(conn, text, params, columns)

            total = conn.execute("SELECT count(*) FROM accounts WHERE domain IS NULL")
            progress("accounts", 0, _one(total.fetchone()))
            for rows in self._stream(conn, sql.SQL(_ACCOUNTS), {}):
                progress("accounts", len(rows), None)
                yield "accounts", record_batch("accounts", [self._account(r) for r in rows])
            with copy(_POSTS, _POSTS_COLUMNS) as batches:
                for batch in batches:
                    progress("posts", batch.num_rows, None)
                    yield "posts", self._posts(batch)
            with copy(_MEDIA, _MEDIA_COLUMNS) as batches:
                for batch in batches:
                    progress("media", batch.num_rows, None)
                    yield "media", self._media(batch)
            with copy(_TAGS, schemas()["tags"]) as batches:
                for batch in batches:
                    progress("mentions", batch.num_rows, None)
                    yield "tags", batch

    @staticmethod
    def _quote_source(conn: psycopg.Connection[Any]) -> tuple[sql.Composable, sql.Composable]:
        """Quotes live in a `quotes` table (Mastodon 4.4+) or, in some forks, in
        statuses.quote_of_id; use whichever this database has, else none."""
        has_table = _one(conn.execute("SELECT to_regclass('quotes') IS NOT NULL").fetchone())
        if has_table:
            return sql.SQL("q.quoted_status_id"), sql.SQL(
                "LEFT JOIN quotes q ON q.status_id = st.id"
            )
        has_column = conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'statuses' AND column_name = 'quote_of_id'"
        ).fetchone()
        if has_column:
            return sql.SQL("st.quote_of_id"), sql.SQL("")
        return sql.SQL("NULL::bigint"), sql.SQL("")

    @staticmethod
    def _stream(
        conn: psycopg.Connection[Any], query: sql.SQL | sql.Composed, params: dict[str, Any]
    ) -> Iterator[list[dict[str, Any]]]:
        """A server-side cursor read in batches: a table is never held whole."""
        with conn.cursor(name="trainright_import", row_factory=psycopg.rows.dict_row) as cur:
            cur.itersize = BATCH
            cur.execute(query, params)
            while rows := cur.fetchmany(BATCH):
                yield rows

    def _account(self, r: dict[str, Any]) -> Row:
        status, why = account_status(r)
        self.statuses[why] += 1
        signal = r["indexable"] is False or r["discoverable"] is False or _noindex(r["settings"])
        attested = self.attested_min_age is not None and r["age_verified_at"] is not None
        return {
            "account_id": r["id"],
            "kind": "business" if r["actor_type"] in BUSINESS_ACTORS else "personal",
            "birth_date": None,
            "country": self.countries.get(r["id"], self.country),
            "status": status,
            "display_name": r["display_name"],
            "created_at": _utc(r["created_at"]),
            "age_attested_min": self.attested_min_age if attested else None,
            "age_attested_at": _utc(r["age_verified_at"]) if attested else None,
            "content_usage": RESERVATION if self.noindex_reserves and signal else None,
        }

    def _posts(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Map visibility and refuse an unknown one; leave out statuses whose text at the
        cutoff is unknown."""
        codes = batch.column("visibility")
        mapped = pc.index_in(codes, value_set=_VISIBILITY_CODES)
        if mapped.null_count:
            first = pc.index(pc.is_null(mapped), True).as_py()
            value, status = codes[first].as_py(), batch.column("post_id")[first].as_py()
            raise InputError(
                f"statuses.visibility is {value!r} on status {status}; "
                "Mastodon knows 0 public, 1 unlisted, 2 private, 3 direct, 4 limited",
                field="statuses.visibility",
                value=value,
                hint="a fork with more visibilities needs its values mapped in "
                "trainright.adapters.mastodon.VISIBILITY before it can be imported",
            )
        batch = batch.set_column(
            batch.schema.get_field_index("visibility"),
            "visibility",
            _VISIBILITY_NAMES.take(mapped),
        )
        known = batch.column("known")
        if known.false_count:
            self.skipped["statuses edited after --as-of with no earlier version"] += (
                known.false_count
            )
            batch = batch.filter(known)
        return batch.drop_columns(["known"])

    def _media(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Images with a stored file, with their paths; count every other attachment."""
        kinds = batch.column("type")
        image = pc.is_in(kinds, value_set=_IMAGE_TYPES)
        for counted in pc.value_counts(kinds.filter(pc.invert(image))).to_pylist():
            kind = MEDIA_TYPES.get(counted["values"], f"type {counted['values']}")
            self.skipped[f"media attachments of type {kind}"] += counted["counts"]
        names = batch.column("file_file_name")
        stored = pc.and_(image, pc.fill_null(pc.not_equal(names, ""), False))
        if unstored := image.true_count - stored.true_count:
            self.skipped["images without a stored file"] += unstored
        images = batch.filter(stored)
        paths = self._paths(images.column("media_id"), images.column("file_file_name"))
        columns = [images.column("media_id"), images.column("post_id"), paths]
        return pa.RecordBatch.from_arrays(
            [*columns, images.column("flagged_minor")], schema=schemas()["media"]
        )

    def _paths(self, ids: pa.Array, names: pa.Array) -> pa.Array:
        """`_relative(media_root / paperclip_path(id, name))` for each image, column-wise.

        Below the files directory every path is that directory's path relative to the
        snapshot plus the id's groups, `original` and the name; only an image whose name
        `os.path` would normalise (with a `/`, or `.` or `..`) or whose id is negative,
        or every image when the snapshot is inside the files directory, takes the
        row-by-row way.
        """
        files = self.media_root.resolve() / "media_attachments" / "files"
        out = self.out.resolve()
        digits = pc.utf8_lpad(ids.cast(pa.string()), width=9, padding="0")
        groups = pc.replace_substring_regex(digits, pattern=r"(\d{3})", replacement=r"\1/")
        groups = pc.replace_substring_regex(groups, pattern=r"/\d{1,2}$", replacement="/")
        prefix = os.path.relpath(files, out) + "/"
        paths = pc.binary_join_element_wise(prefix, groups, "original/", names, "")
        odd = pc.or_(
            pc.less(ids, 0),
            pc.or_(pc.match_substring(names, "/"), pc.is_in(names, _DOT_NAMES)),
        )
        nested = files == out or files in out.parents
        if not nested and not odd.true_count:
            return paths
        root = self.media_root.resolve()
        return pa.array(
            [
                _relative(root / paperclip_path(i, n), self.out) if nested or slow else path
                for path, slow, i, n in zip(
                    paths.to_pylist(),
                    odd.to_pylist(),
                    ids.to_pylist(),
                    names.to_pylist(),
                    strict=True,
                )
            ],
            pa.string(),
        )


#: What the posts query reads: the snapshot's columns, but visibility as Mastodon's
#: number (mapped column-wise: cheaper than a CASE on the server) and whether the
#: text at the cutoff is known.
_POSTS_COLUMNS = (
    schemas()["posts"]
    .set(schemas()["posts"].get_field_index("visibility"), pa.field("visibility", pa.int64()))
    .append(pa.field("known", pa.bool_()))
)
_VISIBILITY_CODES = pa.array(list(VISIBILITY), pa.int64())
_VISIBILITY_NAMES = pa.array(list(VISIBILITY.values()), pa.string())
#: What the media query reads, before only stored images are kept.
_MEDIA_COLUMNS = pa.schema(
    [
        ("media_id", pa.int64()),
        ("post_id", pa.int64()),
        ("type", pa.int64()),
        ("file_file_name", pa.string()),
        ("flagged_minor", pa.bool_()),
    ]
)
_IMAGE_TYPES = pa.array([code for code, kind in MEDIA_TYPES.items() if kind == "image"], pa.int64())
_DOT_NAMES = pa.array([".", ".."])


@contextmanager
def copy_batches(
    conn: psycopg.Connection[Any],
    query: sql.Composable,
    params: dict[str, Any],
    columns: pa.Schema,
) -> Iterator[Iterator[pa.RecordBatch]]:
    """`COPY (query) TO STDOUT (FORMAT CSV)` parsed by pyarrow into batches of `columns`."""
    statement = sql.SQL("COPY ({}) TO STDOUT (FORMAT CSV)").format(query)
    with conn.cursor().copy(statement, params) as copy:
        source = _CopyFile(copy)
        try:
            # pyarrow refuses a file without a line, as a COPY of no rows is.
            yield _parse(source, columns) if source.has_rows() else iter(())
        finally:
            source.stop()


def _parse(source: _CopyFile, columns: pa.Schema) -> Iterator[pa.RecordBatch]:
    """PostgreSQL's CSV writes NULL as an empty field and an empty string as `""`, so
    only an unquoted empty field is null. Its timestamps carry no zone (Mastodon
    stores UTC), so they are parsed as such and then labelled UTC."""
    parsed = {
        f.name: pa.timestamp(f.type.unit) if pa.types.is_timestamp(f.type) else f.type
        for f in columns
    }
    reader = pcsv.open_csv(
        source,
        read_options=pcsv.ReadOptions(column_names=columns.names, block_size=BLOCK),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types=parsed,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )
    for batch in reader:
        yield pa.RecordBatch.from_arrays(
            [c.cast(f.type) for c, f in zip(batch.columns, columns, strict=True)],
            schema=columns,
        )


class _CopyFile(io.RawIOBase):
    """A COPY's rows (psycopg hands over one at a time) as a file pyarrow reads in blocks.

    pyarrow reads from a thread of its own; `stop` waits for a read in progress and
    ends the file, so the COPY can then be finished or cancelled from this one.
    """

    def __init__(self, copy: psycopg.Copy) -> None:
        super().__init__()
        self._next_row = copy.read
        self._pending = bytearray()
        self._lock = threading.Lock()
        self._ended = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        with self._lock:
            self._take(size)
            pending = self._pending
            out = bytes(pending if size < 0 else pending[:size])
            del pending[: len(out)]
            return out

    def has_rows(self) -> bool:
        with self._lock:
            self._take(1)
            return bool(self._pending)

    def stop(self) -> None:
        with self._lock:
            self._ended = True

    def _take(self, size: int) -> None:
        """Take rows until `size` bytes are pending (all when negative) or the COPY ends."""
        pending = self._pending
        while not self._ended and (size < 0 or len(pending) < size):
            if row := self._next_row():
                pending += row
            else:
                self._ended = True


def _relative(path: Path, snapshot: Path) -> str:
    """SPEC §2: a media path is relative to the snapshot directory."""
    return os.path.relpath(path, snapshot.resolve())


def _one(row: tuple[Any, ...] | None) -> Any:
    assert row is not None
    return row[0]

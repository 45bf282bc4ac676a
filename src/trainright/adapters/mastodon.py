"""A Mastodon server's own PostgreSQL database -> a SPEC §2 snapshot.

Only the server's own accounts are input: every query starts from
`accounts.domain IS NULL`, so a remote account or a remote post is never read
(a local reblog of a remote post keeps the remote id in `reshare_of`, which then
dangles and the rules leave the reblog out as `shares_excluded`). Everything is
read in one READ ONLY, REPEATABLE READ transaction, so the four tables describe
the same instant, through server-side cursors in batches. docs/adapters/mastodon.md
gives the mapping row by row and why.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from trainright.adapters import Progress, Row
from trainright.errors import InputError
from trainright.regions import ISO_COUNTRIES

#: statuses.visibility (app/models/concerns/status/visibility.rb) -> SPEC visibility.
VISIBILITY = {0: "public", 1: "unlisted", 2: "friends", 3: "only_me", 4: "only_me"}
#: media_attachments.type; only images become media rows.
MEDIA_TYPES = {0: "image", 1: "gifv", 2: "video", 3: "unknown", 4: "audio"}
#: accounts.actor_type values that are not a person speaking for themselves.
BUSINESS_ACTORS = frozenset({"Service", "Application", "Group", "Organization"})
RESERVATION = "train-ai=n"
BATCH = 5_000

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

# The local statuses created at or before the cutoff, each with the edit that was
# current at the cutoff when the status was edited after it (`known` false: none is).
_STATUSES = """
WITH s AS (
    SELECT st.id, st.account_id, st.created_at, st.visibility, st.language, st.text,
           st.deleted_at, st.reblog_of_id, {quote} AS quote_of,
           st.edited_at > %(as_of)s AS edited_later, e.id AS edit_id, e.text AS edit_text,
           e.ordered_media_attachment_ids AS edit_media
    FROM statuses st
    JOIN accounts a ON a.id = st.account_id AND a.domain IS NULL
    {quote_join}
    LEFT JOIN LATERAL (
        SELECT se.id, se.text, se.ordered_media_attachment_ids FROM status_edits se
        WHERE se.status_id = st.id AND se.created_at <= %(as_of)s
        ORDER BY se.created_at DESC, se.id DESC LIMIT 1
    ) e ON st.edited_at > %(as_of)s
    WHERE st.created_at <= %(as_of)s
)
"""
_KNOWN = "(NOT COALESCE(s.edited_later, false) OR s.edit_id IS NOT NULL)"

_POSTS = (
    _STATUSES
    + """SELECT s.id, s.account_id, s.created_at, s.visibility, s.language, s.text,
       s.deleted_at, s.reblog_of_id, s.quote_of, s.edited_later, s.edit_id, s.edit_text
FROM s ORDER BY s.id"""
)
_MEDIA = (
    _STATUSES
    + f"""SELECT m.id, m.status_id, m.type, m.file_file_name
FROM media_attachments m JOIN s ON s.id = m.status_id
WHERE {_KNOWN}
  AND (s.edit_id IS NULL OR m.id = ANY(COALESCE(s.edit_media, ARRAY[]::bigint[])))
ORDER BY m.id"""
)
_TAGS = (
    _STATUSES
    + f"""SELECT m.status_id, m.account_id
FROM mentions m JOIN s ON s.id = m.status_id
WHERE {_KNOWN}
ORDER BY m.status_id, m.account_id"""
)


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

    def batches(self, progress: Progress) -> Iterator[tuple[str, list[Row]]]:
        """Connect, read, and turn a refused query into an error that says what to grant."""
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

    def _read(
        self, conn: psycopg.Connection[Any], progress: Progress
    ) -> Iterator[tuple[str, list[Row]]]:
        """Every table in one read-only, repeatable-read transaction: one instant."""
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            quote, quote_join = self._quote_source(conn)
            params = {"as_of": self.as_of.replace(tzinfo=None)}

            def run(query: str) -> Iterator[list[dict[str, Any]]]:
                text = sql.SQL(query).format(quote=quote, quote_join=quote_join)
                return self._stream(conn, text, params)

            total = conn.execute("SELECT count(*) FROM accounts WHERE domain IS NULL")
            progress("accounts", 0, _one(total.fetchone()))
            for rows in self._stream(conn, sql.SQL(_ACCOUNTS), {}):
                progress("accounts", len(rows), None)
                yield "accounts", [self._account(r) for r in rows]
            for rows in run(_POSTS):
                progress("posts", len(rows), None)
                yield "posts", [p for r in rows if (p := self._post(r)) is not None]
            for rows in run(_MEDIA):
                progress("media", len(rows), None)
                yield "media", [m for r in rows if (m := self._media(r)) is not None]
            for rows in run(_TAGS):
                progress("mentions", len(rows), None)
                yield "tags", [self._tag(r) for r in rows]

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

    def _post(self, r: dict[str, Any]) -> Row | None:
        visibility = VISIBILITY.get(r["visibility"])
        if visibility is None:
            raise InputError(
                f"statuses.visibility is {r['visibility']!r} on status {r['id']}; Mastodon "
                "knows 0 public, 1 unlisted, 2 private, 3 direct, 4 limited",
                field="statuses.visibility",
                value=r["visibility"],
                hint="a fork with more visibilities needs its values mapped in "
                "trainright.adapters.mastodon.VISIBILITY before it can be imported",
            )
        text = r["text"]
        if r["edited_later"]:
            if r["edit_id"] is None:
                self.skipped["statuses edited after --as-of with no earlier version"] += 1
                return None
            text = r["edit_text"]
        return {
            "post_id": r["id"],
            "author_id": r["account_id"],
            "created_at": _utc(r["created_at"]),
            "visibility": visibility,
            "lang": r["language"] or None,
            "text": text,
            "deleted": r["deleted_at"] is not None,
            "reshare_of": r["reblog_of_id"],
            "quote_of": r["quote_of"],
            "content_usage": None,
        }

    def _media(self, r: dict[str, Any]) -> Row | None:
        kind = MEDIA_TYPES.get(r["type"], f"type {r['type']}")
        if kind != "image":
            self.skipped[f"media attachments of type {kind}"] += 1
            return None
        if not r["file_file_name"]:
            self.skipped["images without a stored file"] += 1
            return None
        path = self.media_root.resolve() / paperclip_path(r["id"], r["file_file_name"])
        return {
            "media_id": r["id"],
            "post_id": r["status_id"],
            "path": _relative(path, self.out),
            "flagged_minor": False,
        }

    @staticmethod
    def _tag(r: dict[str, Any]) -> Row:
        return {"post_id": r["status_id"], "account_id": r["account_id"], "kind": "mention"}


def _relative(path: Path, snapshot: Path) -> str:
    """SPEC §2: a media path is relative to the snapshot directory."""
    return os.path.relpath(path, snapshot.resolve())


def _one(row: tuple[Any, ...] | None) -> Any:
    assert row is not None
    return row[0]

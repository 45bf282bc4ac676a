"""The `trainright import ...` commands: a platform's own database -> a snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer


def mastodon_command(
    database: Annotated[
        str,
        typer.Option(
            help="libpq URL of the Mastodon server's PostgreSQL database, e.g. "
            "postgresql://trainright_ro@db/mastodon_production. A role with SELECT on "
            "accounts, users, statuses, status_edits, media_attachments, mentions, "
            "account_deletion_requests and quotes is enough: nothing is written to it."
        ),
    ],
    media_root: Annotated[
        Path,
        typer.Option(
            help="The server's public/system directory (where media_attachments/files/... "
            "lives); image paths are written relative to --out."
        ),
    ],
    country: Annotated[
        str,
        typer.Option(
            help="ISO 3166-1 alpha-2 code of the jurisdiction of every local account, e.g. NO."
        ),
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", help="New directory for the snapshot; must not exist.")
    ],
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Read the server as it stood at this instant (with its zone, e.g. "
            "2026-06-26T00:00:00Z): later statuses are left out and a status edited later is "
            "read as it was. Default: now. Use the build's --cutoff."
        ),
    ] = None,
    countries: Annotated[
        Path | None,
        typer.Option(help="CSV of `account_id,country` lines overriding --country per account."),
    ] = None,
    attested_min_age: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="The minimum age the server's sign-up age check asks for: accounts with "
            "users.age_verified_at get age_attested_min = N at that instant. Without it no "
            "account has a known age (Mastodon stores no birth date).",
        ),
    ] = None,
    treat_noindex_as_reservation: Annotated[
        bool,
        typer.Option(
            "--treat-noindex-as-reservation",
            help="Write content_usage `train-ai=n` on accounts that chose noindex, "
            "indexable=false or discoverable=false. These are search and discovery settings, "
            "not AI-training signals; off by default.",
        ),
    ] = False,
) -> None:
    """Make a snapshot from a Mastodon server's own PostgreSQL database.

    Reads the server's local accounts, their statuses (with reblogs, quotes, edits
    and deletions), images and mentions in one read-only, repeatable-read
    transaction, and writes accounts, posts, media and tags Parquet files that
    `trainright build --snapshot` reads. Remote accounts and their posts are never
    read. docs/adapters/mastodon.md explains every column's mapping.

    Example: trainright import mastodon --database postgresql://ro@db/mastodon_production
    --media-root /home/mastodon/live/public/system --country NO
    --as-of 2026-06-26T00:00:00Z --out snapshots/2026-06
    """
    from trainright.adapters import write_snapshot
    from trainright.adapters.mastodon import MastodonAdapter, check_country, read_countries
    from trainright.cli import out, progress_bar
    from trainright.pipeline import parse_cutoff

    adapter = MastodonAdapter(
        database=database,
        media_root=media_root,
        out=out_dir,
        country=check_country(country, "--country"),
        as_of=parse_cutoff(as_of, "--as-of") if as_of else datetime.now(UTC),
        countries=read_countries(countries) if countries else {},
        attested_min_age=attested_min_age,
        noindex_reserves=treat_noindex_as_reservation,
    )
    with progress_bar() as report:
        result = write_snapshot(adapter, out_dir, report)
    rows = ", ".join(f"{result.rows[t]:,} {t}" for t in ("accounts", "posts", "media", "tags"))
    out.print(f"wrote {rows} to [bold]{result.out}[/] (as of {adapter.as_of.isoformat()})")
    states = ", ".join(f"{n:,} {why}" for why, n in sorted(adapter.statuses.items()))
    if states:
        out.print(f"local accounts by state: {states}")
    for why, n in sorted(result.skipped.items()):
        out.print(f"left out: {n:,} {why}")

"""What a person wants to see after a build: counts by reason and region, and what next."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from trainright.demo import DemoResult
from trainright.rules import REASONS

_EXPLAIN = {
    "post_deleted": "the post was deleted",
    "region_hold": "the author's region is on hold",
    "account_status": "account not active, deleted, or unknown",
    "account_kind": "account kind not allowed by the policy",
    "age_unknown": "no birth date: age unknown",
    "under_age": "author younger than the minimum age",
    "objected": "author objected (legitimate interest)",
    "no_consent": "no consent (consent required)",
    "no_notice": "author not notified early enough",
    "not_public": "post not visible enough",
    "tagged_not_cleared": "tags or mentions someone not cleared",
    "empty_after_minimisation": "nothing left after minimisation",
}


def _reasons_table(manifest: dict[str, Any]) -> Table:
    counts = manifest["counts"]
    total = max(1, counts["posts"])
    t = Table(title="Posts by outcome", title_justify="left")
    t.add_column("outcome")
    t.add_column("posts", justify="right")
    t.add_column("share", justify="right")
    t.add_column("why")
    t.add_row(
        "[green]included[/]", f"{counts['included']:,}", f"{counts['included'] / total:.1%}", ""
    )
    for reason in REASONS:
        n = counts["excluded_by_reason"].get(reason, 0)
        if n:
            t.add_row(reason, f"{n:,}", f"{n / total:.1%}", _EXPLAIN[reason])
    return t


def _regions_table(manifest: dict[str, Any]) -> Table:
    t = Table(title="By region (the policy section that applies)", title_justify="left")
    t.add_column("region")
    t.add_column("included", justify="right")
    t.add_column("excluded", justify="right")
    t.add_column("top reasons")
    for region, counts in manifest["counts"]["by_region"].items():
        inc = counts.get("included", 0)
        reasons = sorted(((n, r) for r, n in counts.items() if r != "included"), reverse=True)
        top = ", ".join(f"{r} {n:,}" for n, r in reasons[:3])
        t.add_row(region, f"{inc:,}", f"{sum(n for n, _ in reasons):,}", top)
    return t


def print_build_summary(console: Console, out: Path, manifest: dict[str, Any]) -> None:
    """Counts, warnings and where the dataset is."""
    console.print(_reasons_table(manifest))
    console.print(_regions_table(manifest))
    warnings = {k: v for k, v in manifest.get("warnings", {}).items() if v}
    if warnings:
        console.print(
            "[yellow]warnings:[/] " + ", ".join(f"{k} {v:,}" for k, v in sorted(warnings.items()))
        )
    shards = manifest["shards"]
    used = sum(1 for s in shards if s["rows"])
    console.print(
        f"dataset [bold]{manifest['dataset_id']}[/] at [bold]{out}[/]: "
        f"{manifest['counts']['included']:,} posts in {used} of {len(shards)} subject shards, "
        f"cutoff {manifest['cutoff']}, ledger seq {manifest['ledger']['seq']}"
    )


def print_demo_summary(console: Console, result: DemoResult) -> None:
    """The demo's story, then what to try next."""
    console.rule("trainright demo")
    console.print(
        f"synthetic platform in {result.snapshot}; {result.imported.events:,} rights events "
        f"imported into {result.ledger_url}"
    )
    print_build_summary(console, result.dataset.out, result.dataset.manifest)
    ledger = f"--ledger {result.ledger_url}"
    console.print("\n[bold]Try next[/]")
    console.print("  trainright build --help")
    console.print(f"  less {result.dataset.out / 'manifest.json'}")
    console.print(
        f"  TRAINRIGHT_SECRET=... trainright build --snapshot {result.snapshot} --policy {result.policy} "
        f"--cutoff 2026-06-26T00:00:00Z --out {result.root / 'dataset-2'} {ledger}"
    )

"""What a person wants to see after a build: counts by reason and region, and what next."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from trainright.audit.record import Finding
from trainright.demo import DemoResult
from trainright.ledger import Event
from trainright.lineage import Holding, Impact
from trainright.rules import REASONS
from trainright.rules.standing import Verdict

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
    "reserved": "the post or its author reserved it against AI training (content_usage)",
    "tagged_not_cleared": "tags or mentions someone not cleared",
    "names_non_user": "names a registered person without an account",
    "shares_excluded": "reshares or quotes a post that is not included",
    "copy_of_excluded": "copies the text of an author who is not cleared",
    "duplicate": "repeats the text of an earlier post in the dataset",
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
    manifest = result.dataset.manifest
    redacted = ", ".join(f"{k} {v:,}" for k, v in manifest["redactions"].items() if v)
    console.print(
        f"minimised: {redacted or 'nothing to redact'}; {manifest['media']['included']:,} images "
        "with all metadata removed; authors pseudonymised (keyed HMAC)"
    )
    if result.non_users is not None:
        counts = manifest["counts"]
        named = counts["excluded_by_reason"].get("names_non_user", 0)
        photos = counts["media_dropped"].get("non_user_photo", 0)
        console.print(
            f"people without an account: {result.non_users.events:,} registrations and "
            f"withdrawals imported ({result.snapshot / 'non_users.jsonl'}); {named:,} posts "
            f"naming them left out (names_non_user), {photos:,} images matching their photos "
            "dropped (non_user_photo)"
        )
    if result.copies is not None:
        parts = []
        for reason, what in (
            ("copy_of_excluded", "copies of excluded posts"),
            ("duplicate", "repeats of included posts"),
        ):
            caught, planted = result.copies.get(reason, (0, 0))
            parts.append(f"{caught:,} of {planted:,} {what} ({reason})")
        console.print(
            f"planted copies caught: {', '.join(parts)}; "
            f"listed in {result.snapshot / 'copies.parquet'}"
        )
    if result.audit is not None:
        from trainright.audit.commands import print_audit

        console.print(
            f"\n[bold]Audit of a model's outputs[/] ({result.root / 'model-outputs.jsonl'}, "
            f"planted copies listed in {result.root / 'model-outputs-truth.json'}):"
        )
        print_audit(console, result.audit)
    ledger = f"--ledger {result.ledger_url}"
    data = result.dataset.out
    console.print("\n[bold]Try next[/] (the commands are in .venv/bin)")
    for line in (
        f"trainright models register chat-large --dataset {data} {ledger}",
        f"trainright lookup ACCOUNT_ID {ledger}    # an id from {result.snapshot / 'accounts.parquet'}",
        f"trainright impact {ledger}               # the unlearning queue",
        f"trainright ledger verify {ledger}",
        f"trainright report --out {result.root / 'report.html'} {ledger}",
        f"less {data / 'manifest.json'}",
    ):
        console.print(f"  {line}", highlight=False, soft_wrap=True)
    who = result.sign_in_account if result.sign_in_account is not None else "ACCOUNT_ID"
    console.print(
        "\n[bold]The rights service[/] (the objection and consent pages, and the API)",
        highlight=False,
    )
    for line in (
        "export TRAINRIGHT_WEB_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')",
        f"trainright serve --snapshot {result.snapshot} --policy {result.policy} {ledger} &"
        "    # in the background; `kill %1` stops it",
        f"trainright login-link {who}    # prints a sign-in link: open it in a browser",
    ):
        console.print(f"  {line}", highlight=False, soft_wrap=True)
    console.print(
        f"  The link signs account {who} in, as the platform would, and shows its standing "
        "and the form its region gets. A link works once, for 15 minutes; run login-link "
        "again for another (any account id from accounts.parquet).",
        highlight=False,
    )


def print_lookup(
    console: Console, account_id: int, holdings: list[Holding], events: list[Event]
) -> None:
    """Where one account's data is, and the rights it exercised."""
    if not holdings:
        console.print(f"account {account_id}: no registered dataset holds its data")
    else:
        t = Table(title=f"Account {account_id}: data held in", title_justify="left")
        for col in ("dataset", "cutoff", "shard"):
            t.add_column(col, no_wrap=True)  # only the last column folds, so it reads whole
        for col in ("whose", "models"):
            t.add_column(col)
        t.add_column("written to", overflow="fold")  # a path is never cut short
        whose = {
            "own_posts": "own posts",
            "linked_account": "linked account {}",
            "reshared_or_quoted": "reshared or quoted by others",
        }
        for h in holdings:
            models = ", ".join(f"{n} {v}".strip() for n, v in h.models) or "-"
            t.add_row(
                h.dataset_id[:12],
                f"{h.cutoff:%Y-%m-%d %H:%M}",
                f"{h.shard} of {h.shards}",
                whose[h.how].format(h.account_id),
                models,
                "\n".join(h.paths),
            )
        console.print(t)
    if events:
        console.print(
            "rights events: "
            + "; ".join(
                f"#{e.seq} {e.type} ({e.purpose}, {e.channel}) {e.at:%Y-%m-%d %H:%M:%S}"
                for e in events[-10:]
            )
        )


def print_repeated(console: Console, account_id: int, found: list[Finding]) -> None:
    """Audits of model outputs that found the account's posts (`audit-outputs`)."""
    for f in found:
        model = f"model {f.model[0]} {f.model[1]}".strip() if f.model else "a model"
        console.print(
            f"audit {f.audit_id} ({f.audited_at:%Y-%m-%d}): {f.outputs} output(s) of {model} "
            f"repeat posts of account {f.account_id} (dataset {f.dataset_id[:12]})"
        )


def print_standing(console: Console, account_id: int, v: Verdict) -> None:
    """The account's standing now: the rules' decision, and the first reason it fails."""
    r = v.rules
    where = f"region {r.region}, {r.legal_basis.replace('_', ' ')}, purpose {r.purpose}"
    if v.used and v.reserved:
        console.print(
            f"standing now: a build would leave account {account_id}'s posts out: "
            f"[bold]reserved[/] by the account's preference {v.preference!r}, except posts "
            f"that state their own ({where})"
        )
    elif v.used:
        console.print(f"standing now: a build would use account {account_id}'s posts ({where})")
    else:
        console.print(
            f"standing now: a build would leave account {account_id}'s posts out: "
            f"[bold]{v.reason}[/] ({where})"
        )


def print_impact(console: Console, impact: Impact) -> None:
    """The unlearning queue per model, with the share of each model to retrain."""
    if not impact.tasks:
        console.print("no open unlearning tasks: every dataset and model reflects the ledger")
    for model, tasks in impact.by_model().items():
        name = (
            f"model {model[0]} {model[1]}".strip()
            if model
            else "datasets used by no model (rebuild them)"
        )
        shards = {(t.dataset_id, t.shard) for t in tasks}
        total = sum({t.dataset_id: t.shards for t in tasks}.values())
        accounts = set(np.concatenate([t.accounts for t in tasks]).tolist())
        t = Table(
            title=f"{name}: retrain {len(shards)} of {total} shards ({len(shards) / max(total, 1):.1%}) "
            f"for {len(accounts)} account(s)",
            title_justify="left",
        )
        for col in ("task", "dataset", "shard", "accounts", "why", "first accounts"):
            t.add_column(col)
        for task in tasks:
            why = ", ".join(f"{r} {n}" for r, n in task.reasons.most_common())
            via = {c: n for c, n in task.causes.items() if c != "own_posts"}
            if via:  # not (only) the objectors' own posts
                why += " (" + ", ".join(f"{c.replace('_', ' ')} {n}" for c, n in via.items()) + ")"
            first = ", ".join(str(a) for a in task.accounts[:5]) + (
                " …" if len(task.accounts) > 5 else ""
            )
            t.add_row(
                task.task_id,
                task.dataset_id[:12],
                str(task.shard),
                str(len(task.accounts)),
                why,
                first,
            )
        console.print(t)
    if impact.done:
        console.print(f"{len(impact.done)} task(s) done so far (kept in the ledger's history)")
    console.print(
        "Shards are SISA-style: each person is in exactly one, so retraining a shard "
        "touches 1/shards of the data. Future builds already exclude these accounts."
    )

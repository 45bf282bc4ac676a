"""`trainright demo`: the whole story on a synthetic platform, embedded defaults only."""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from trainright.audit.run import AuditResult
from trainright.errors import InputError
from trainright.ledger import ImportResult, Ledger, import_events
from trainright.pipeline import BuildResult, Progress, build
from trainright.policy import DEFAULT_POLICY_TOML, parse_policy
from trainright.settings import NONUSER_KEY_ENV

MARKER = ".trainright-demo"


@dataclass(frozen=True)
class DemoResult:
    """Everything the demo made, for the summary a person reads."""

    root: Path
    snapshot: Path
    policy: Path
    ledger_url: str
    imported: ImportResult
    dataset: BuildResult
    #: a personal, active account to sign in as on the rights service (`login-link`)
    sign_in_account: int | None = None
    #: the registrations of people without an account (`non_users.jsonl`)
    non_users: ImportResult | None = None
    #: the audit of planted model outputs (`trainright.audit.demo`)
    audit: AuditResult | None = None
    #: synth's planted copies (`copies.parquet`) by expected reason: (caught, planted)
    copies: dict[str, tuple[int, int]] | None = None


def _fresh(root: Path) -> None:
    if root.exists():
        if not (root / MARKER).exists():
            raise InputError(
                "exists and was not made by `trainright demo`; the demo will not touch it",
                file=str(root),
                field="--out",
                hint="pass --out with a new directory",
            )
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / MARKER).write_text("made by trainright demo; safe to delete\n")


def run_demo(
    root: Path,
    *,
    accounts: int = 3000,
    posts: int = 30000,
    seed: int = 7,
    progress: Progress | None = None,
) -> DemoResult:
    """Synthesise a platform, import its events, build a dataset under the default policy."""
    from trainright.synth import DEFAULT_CUTOFF, synthesize

    report = progress or (lambda stage, n, total: None)
    _fresh(root)
    snapshot = root / "snapshot"
    synthesize(
        snapshot,
        accounts=accounts,
        posts=posts,
        seed=seed,
        progress=lambda n: report("synth", n, posts),
    )
    ledger_url = f"sqlite:///{(root / 'ledger.db').resolve()}"
    ledger = Ledger(ledger_url)
    imported = import_events(ledger, snapshot / "events.jsonl")
    # People without an account: their identifiers are hashed with the configured key,
    # or one made for this process (never written anywhere) when none is configured.
    os.environ.setdefault(NONUSER_KEY_ENV, secrets.token_hex(32))
    non_users = import_events(ledger, snapshot / "non_users.jsonl")
    policy_path = root / "policy.toml"
    policy_path.write_text(DEFAULT_POLICY_TOML, encoding="utf-8")
    # A fresh key per demo run; it lives only in this process and never on disk.
    key = secrets.token_hex(32)
    dataset = build(
        snapshot,
        parse_policy(policy_path.read_bytes(), str(policy_path)),
        DEFAULT_CUTOFF,
        root / "dataset",
        ledger=ledger,
        secret=key,
        progress=report,
    )
    from trainright.audit.demo import audit_demo

    audit = audit_demo(root, dataset.out, ledger, key)
    return DemoResult(
        root,
        snapshot,
        policy_path,
        ledger_url,
        imported,
        dataset,
        _personal_account(snapshot),
        non_users,
        audit,
        copies_caught(snapshot / "copies.parquet", dataset.out),
    )


def copies_caught(truth: Path, dataset: Path) -> dict[str, tuple[int, int]]:
    """For each expected reason in synth's `copies.parquet`: how many of the planted copies
    the dataset excluded with exactly that reason, and how many were planted."""
    import pyarrow.parquet as pq

    planted = pq.read_table(truth, columns=["post_id", "expected_reason"]).to_pylist()
    excluded = pq.read_table(dataset / "exclusions.parquet", columns=["post_id", "reason"])
    reason_of = dict(
        zip(excluded["post_id"].to_pylist(), excluded["reason"].to_pylist(), strict=True)
    )
    out: dict[str, tuple[int, int]] = {}
    for row in planted:
        caught, total = out.get(row["expected_reason"], (0, 0))
        hit = reason_of.get(row["post_id"]) == row["expected_reason"]
        out[row["expected_reason"]] = (caught + int(hit), total + 1)
    return out


def _personal_account(snapshot: Path) -> int | None:
    """The lowest-numbered personal, active account: one that can reach the rights forms."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    accounts = pq.read_table(
        snapshot / "accounts.parquet", columns=["account_id", "kind", "status"]
    )
    mask = pc.and_(pc.equal(accounts["kind"], "personal"), pc.equal(accounts["status"], "active"))
    ids = accounts.filter(mask)["account_id"]
    return int(pc.min(ids).as_py()) if len(ids) else None

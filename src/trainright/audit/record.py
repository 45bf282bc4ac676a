"""An audit in the ledger's catalog: the audit, the model it is tied to, its hits.

`impact` reads the hits to mark queued accounts whose words a model repeated
(cause `regurgitated`); "where is my data" reads them for the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select

from trainright.errors import InputError
from trainright.ledger import Ledger, schema

if TYPE_CHECKING:
    from trainright.audit.run import AuditResult


@dataclass(frozen=True)
class Finding:
    """An audit that found a person's words in a model's output."""

    audit_id: str
    audited_at: datetime
    model: tuple[str, str] | None
    dataset_id: str
    account_id: int
    outputs: int  # outputs of that audit repeating this account's posts


def check_model(ledger: Ledger, name: str, version: str, dataset_id: str) -> tuple[str, str]:
    """The model, which must be registered as trained on the dataset audited."""
    md = schema.model_datasets
    with ledger.read() as conn:
        trained = conn.execute(
            select(md.c.dataset_id).where(md.c.name == name, md.c.version == version)
        ).all()
    if not trained:
        raise InputError(
            f"no registered model {name!r} version {version!r}",
            field="--model",
            value=name,
            hint="register it first with `trainright models register NAME --dataset DIR`",
        )
    if dataset_id not in {r[0] for r in trained}:
        raise InputError(
            f"model {name!r} was not registered as trained on dataset {dataset_id[:12]}",
            field="--dataset",
            value=dataset_id,
            hint="audit the model against a dataset it was trained on",
        )
    return (name, version)


def record_audit(ledger: Ledger, result: AuditResult, sha256: str, at: datetime) -> None:
    """Write the audit and its hits."""
    name, version = result.model if result.model else (None, None)
    with ledger.write() as conn:
        conn.execute(
            insert(schema.output_audits).values(
                audit_id=result.audit_id,
                dataset_id=result.dataset_id,
                name=name,
                version=version,
                outputs_sha256=sha256,
                outputs=result.outputs,
                with_hits=result.with_hits,
                ledger_seq=result.ledger_seq,
                audited_at=at,
            )
        )
        rows = [
            {
                "audit_id": result.audit_id,
                "output_ref": h.output,
                "post_id": h.post_id,
                "kind": h.kind,
                "account_id": h.account_id,
                "shard": h.shard,
                "cleared": h.cleared,
            }
            for h in result.hits
        ]
        if rows:
            conn.execute(insert(schema.output_audit_hits), rows)


def findings(conn: Connection, account_ids: list[int] | None = None) -> list[Finding]:
    """Per audit and account, the outputs repeating that account's posts (all accounts
    when `account_ids` is None)."""
    a, h = schema.output_audits, schema.output_audit_hits
    query = select(
        a.c.audit_id,
        a.c.audited_at,
        a.c.name,
        a.c.version,
        a.c.dataset_id,
        h.c.account_id,
        h.c.output_ref,
    ).join(h, h.c.audit_id == a.c.audit_id)
    if account_ids is not None:
        query = query.where(h.c.account_id.in_(account_ids))
    grouped: dict[tuple[str, int], tuple[Any, set[str]]] = {}
    for r in conn.execute(query.order_by(a.c.audited_at, a.c.audit_id)):
        _, refs = grouped.setdefault((r.audit_id, int(r.account_id)), (r, set()))
        refs.add(r.output_ref)
    return [
        Finding(
            audit_id,
            r.audited_at,
            (str(r.name), str(r.version)) if r.name is not None else None,
            str(r.dataset_id),
            account,
            len(refs),
        )
        for (audit_id, account), (r, refs) in grouped.items()
    ]

"""A model's training-data statement, as a Hugging Face model card's dataset section.

YAML front matter (`datasets:` with the trainright dataset ids, and a `trainright:`
block: per dataset its cutoff, ledger position, counts by reason and region and,
for a rebuilt version, its parent and shards; the model's unlearning history) and
a markdown section saying the same in prose, so what a model was trained on can
be published and read by machines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trainright.dataset import read_manifest
from trainright.errors import InputError
from trainright.ledger import Ledger
from trainright.lineage.catalog import datasets as catalog


def _yaml(value: Any, indent: int = 0) -> list[str]:
    """Block YAML for dicts and lists; scalars as JSON (a subset of YAML)."""
    pad = " " * indent
    if isinstance(value, dict):
        lines = []
        for k, v in value.items():
            if isinstance(v, dict | list) and v:
                lines += [f"{pad}{k}:", *_yaml(v, indent + 2)]
            else:
                lines.append(f"{pad}{k}: {json.dumps(v, default=str)}")
        return lines
    if isinstance(value, list):
        lines = []
        for item in value:
            inner = _yaml(item, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines += inner[1:]
        return lines
    return [f"{pad}{json.dumps(value, default=str)}"]


def _dataset_entry(dataset_id: str, manifest: dict[str, Any]) -> dict[str, Any]:
    counts = manifest["counts"]
    entry: dict[str, Any] = {
        "id": dataset_id,
        "cutoff": manifest["cutoff"],
        "ledger": {"seq": manifest["ledger"]["seq"], "hash": manifest["ledger"]["hash"]},
        "policy_sha256": manifest["policy_sha256"],
        "shards": len(manifest["shards"]),
        "included": counts["included"],
        "excluded": counts["excluded"],
        "excluded_by_reason": {k: v for k, v in counts["excluded_by_reason"].items() if v},
        "by_region": counts["by_region"],
    }
    if "rebuild" in manifest:
        step = manifest["rebuild"]
        entry["rebuilt_from"] = {
            "parent": step["parent"],
            "rights_as_of": step["rights_as_of"],
            "shards": step["shards"],
            "rows_removed": step["rows_removed"],
        }
    return entry


def model_card(ledger: Ledger, name: str, version: str, dataset_ids: list[str]) -> str:
    """The card's text for a registered model."""
    from trainright.lineage import compute_impact

    with ledger.read() as conn:
        paths = {d.dataset_id: d.paths for d in catalog(conn)}
    entries = []
    for dataset_id in dataset_ids:
        path = next(
            (Path(p) for p in paths[dataset_id] if (Path(p) / "manifest.json").is_file()), None
        )
        if path is None:
            raise InputError(
                "no directory of this dataset has its manifest any more",
                field="--dataset",
                value=dataset_id,
                hint=f"the catalog knows it at {', '.join(paths[dataset_id])}",
            )
        entries.append(_dataset_entry(dataset_id, read_manifest(path)))
    history = [
        {
            "task": r["task_id"],
            "version": r["version"],
            "dataset": r["dataset_id"],
            "shard": r["shard"],
            "covered_seq": r["covered_seq"],
            "accounts": r["accounts"],
            "done_at": r["done_at"],
            "note": r["note"],
        }
        for r in compute_impact(ledger).done
        if r["name"] == name
    ]
    front = {
        "datasets": [f"trainright/{d}" for d in dataset_ids],
        "tags": ["trainright"],
        "trainright": {
            "model": name,
            "version": version,
            "datasets": entries,
            "unlearning": history,
        },
    }
    label = f"{name} {version}".strip()
    lines = ["---", *_yaml(front), "---", "", f"# {label}", "", "## Training data", ""]
    for e in entries:
        lines.append(
            f"- Dataset `{e['id']}`: posts up to {e['cutoff']}, rights as of ledger seq "
            f"{e['ledger']['seq']} (hash `{e['ledger']['hash'][:16]}`); {e['included']:,} posts "
            f"included, {e['excluded']:,} excluded ("
            + ", ".join(f"{k} {v:,}" for k, v in e["excluded_by_reason"].items())
            + ")."
        )
        if "rebuilt_from" in e:
            step = e["rebuilt_from"]
            lines.append(
                f"  Rebuilt from `{step['parent']}` with shards {step['shards']} under the rights "
                f"recorded by {step['rights_as_of']}: {step['rows_removed']:,} posts removed."
            )
    lines += ["", "## Unlearning", ""]
    if history:
        lines += [
            f"- shard {h['shard']} of `{h['dataset']}` retrained ({h['accounts']} account(s), "
            f"ledger seq {h['covered_seq']}): {h['note'] or 'done'}"
            for h in history
        ]
    else:
        lines.append("No unlearning task has been closed for this model.")
    return "\n".join(lines) + "\n"


def write_card(ledger: Ledger, name: str, version: str, dataset_ids: list[str], out: Path) -> Path:
    """Write the card to `out`."""
    out.write_text(model_card(ledger, name, version, dataset_ids), encoding="utf-8")
    return out

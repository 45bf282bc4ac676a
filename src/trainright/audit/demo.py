"""The demo's model outputs: planted regurgitations of dataset posts, with ground truth.

`trainright demo` registers a model on its dataset, lets one planted author object
after the build, writes outputs that repeat a few posts (whole, or a 12-word run
inside other words) among outputs that repeat nothing, and audits them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pyroaring import BitMap64

from trainright.audit.run import AuditResult, audit_outputs
from trainright.audit.words import words
from trainright.dataset import read_manifest
from trainright.ledger import Ledger, NewEvent
from trainright.lineage import register_model
from trainright.minimise import Pseudonymiser
from trainright.settings import resolve_secret

FILLER = (
    "Here is a short answer with no quotation in it at all, written fresh for you.",
    "I cannot share personal details about people.",
    "The weather is usually mild in spring, with some rain in the evenings.",
)


def audit_demo(root: Path, dataset: Path, ledger: Ledger, key: str) -> AuditResult:
    """Plant, object, audit: the planted posts come from the dataset's largest shard."""
    register_model(ledger, "chat-small", [str(dataset)])
    shard = max(read_manifest(dataset)["shards"], key=lambda s: s["rows"])
    table = pq.read_table(dataset / shard["file"], columns=["post_id", "subject", "text"])
    long_posts = [
        r
        for r in table.to_pylist()
        if r["text"] and len(words(pa.array([r["text"]], pa.large_string()))[0]) >= 14
    ][:4]
    pseudo = Pseudonymiser(resolve_secret(key))
    members = BitMap64.deserialize((dataset / shard["subjects_file"]).read_bytes())
    author = {pseudo.subject(int(a)): int(a) for a in members}
    lines, truth = [], []
    for i, r in enumerate(long_posts):
        text = (
            r["text"] if i % 2 == 0 else f"As someone wrote: {' '.join(r['text'].split()[:13])} …"
        )
        lines.append({"id": f"out-{i}", "prompt": "Tell me something.", "text": text})
        truth.append({"id": f"out-{i}", "post_id": r["post_id"], "kind": "verbatim"})
    lines += [{"id": f"clean-{i}", "text": t} for i, t in enumerate(FILLER)]
    path = root / "model-outputs.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    (root / "model-outputs-truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    if long_posts:  # the first planted author leaves after the build, as their basis allows
        leaver = author[long_posts[0]["subject"]]
        consent = BitMap64.deserialize(
            (dataset / read_manifest(dataset)["consent_subjects"]["file"]).read_bytes()
        )
        now = datetime.now(UTC)
        event = (
            NewEvent(leaver, "consent_withdrawn", now, channel="web")
            if leaver in consent
            else NewEvent(leaver, "objection", now, channel="web")
        )
        ledger.append([event])
    return audit_outputs(path, dataset, ledger, model="chat-small", secret=key)

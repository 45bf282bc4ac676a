"""`audit-outputs` (SPEC §8): which outputs repeat which posts, and whose words they are.

The outputs are checked first, then the dataset is indexed (`trainright.audit.index`)
and searched. A hit's author is found from the post's `subject` (the build's key
recomputes the pseudonyms of the shard's subjects), and whether the ledger still
clears that author is `impact`'s own answer (`trainright.lineage.impact.revoked`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa
from pydantic import SecretStr
from pyroaring import BitMap64

from trainright.audit.index import RUN, VerbatimIndex, read_posts
from trainright.audit.outputs import read_outputs
from trainright.audit.record import check_model, record_audit
from trainright.audit.words import tokens
from trainright.copies.near import NearIndex
from trainright.ledger import Ledger
from trainright.lineage.impact import revoked
from trainright.minimise import Pseudonymiser
from trainright.training.revocations import keyed_dataset

Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class Hit:
    """One dataset post found in one output."""

    output: str  # the output's id, or its line number
    line: int
    post_id: int
    shard: int
    kind: str  # "verbatim" or "near"
    cleared: bool  # the ledger still clears the post's author (at `AuditResult.ledger_seq`)
    words: int | None = None  # verbatim: length of the longest repeated run
    jaccard: float | None = None  # near: shingle Jaccard similarity
    account_id: int = field(default=0, repr=False)  # kept in the ledger, not in the report


@dataclass(frozen=True)
class AuditResult:
    """An audit's findings and its memorisation rate."""

    audit_id: str
    dataset_id: str
    model: tuple[str, str] | None
    outputs: int
    hits: list[Hit]
    ledger_seq: int
    index_posts: int
    index_seconds: float
    search_seconds: float

    @property
    def with_hits(self) -> int:
        """Outputs with at least one hit."""
        return len({h.output for h in self.hits})

    @property
    def rate(self) -> float:
        """The memorisation rate: the share of outputs with any hit."""
        return self.with_hits / self.outputs if self.outputs else 0.0

    def report(self) -> dict[str, Any]:
        """The JSON report (no account ids: a post id and its shard name the data)."""
        hits = [{k: v for k, v in asdict(h).items() if k != "account_id"} for h in self.hits]
        return {
            "audit_id": self.audit_id,
            "dataset_id": self.dataset_id,
            "model": {"name": self.model[0], "version": self.model[1]} if self.model else None,
            "ledger_seq": self.ledger_seq,
            "outputs": self.outputs,
            "outputs_with_hits": self.with_hits,
            "memorisation_rate": self.rate,
            "min_verbatim_words": RUN,
            "hits_not_cleared": sum(1 for h in self.hits if not h.cleared),
            "hits": hits,
        }


def _authors(
    root: Path, manifest: dict[str, Any], wanted: dict[int, set[str]], key: SecretStr
) -> dict[str, int]:
    """Account id of each wanted subject, per shard: the build's pseudonyms recomputed
    for that shard's subjects only."""
    pseudo = Pseudonymiser(key)
    files = {int(s["shard"]): s["subjects_file"] for s in manifest["shards"]}
    found: dict[str, int] = {}
    for shard, subjects in wanted.items():
        for account in BitMap64.deserialize((root / files[shard]).read_bytes()):
            subject = pseudo.subject(int(account))
            if subject in subjects:
                found[subject] = int(account)
    return found


def audit_outputs(
    file: Path,
    dataset: Path,
    ledger: Ledger,
    *,
    model: str | None = None,
    version: str = "",
    secret: str | SecretStr | None = None,
    progress: Progress | None = None,
    record: bool = True,
) -> AuditResult:
    """Search the outputs in `file` for the posts of `dataset`; record the audit."""
    report = progress or (lambda stage, n, total: None)
    outputs = read_outputs(file)
    root, manifest, key = keyed_dataset(dataset, secret)
    dataset_id = str(manifest["dataset_id"])
    owner = check_model(ledger, model, version, dataset_id) if model is not None else None
    began = time.perf_counter()
    posts = read_posts(root, manifest)
    index = VerbatimIndex(posts, lambda n: report("index", n, len(posts.post_id)))
    indexed = time.perf_counter()
    verbatim = index.search(tokens(pa.array(outputs.texts, pa.large_string())))
    near = NearIndex()
    near.add_many(list(range(len(posts.post_id))), posts.text.to_pylist())
    seen = {(m.output, m.row) for m in verbatim}
    close = [
        (o, cast(int, row), j)
        for o, pairs in enumerate(near.query_many(outputs.texts))
        for row, j in pairs
        if (o, row) not in seen  # a verbatim run already says more
    ]
    report("search", len(outputs.texts), len(outputs.texts))
    searched = time.perf_counter()
    found: list[tuple[int, int, str, int | None, float | None]] = [
        (m.output, m.row, "verbatim", m.words, None) for m in verbatim
    ]
    found += [(o, row, "near", None, j) for o, row, j in close]
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    wanted: dict[int, set[str]] = {}
    for _, row, *_rest in found:
        wanted.setdefault(int(posts.shard[row]), set()).add(str(posts.subject[row]))
    author = _authors(root, manifest, wanted, key)
    head, out = revoked(ledger, dataset_id)
    hits: list[Hit] = []
    for o, row, kind, length, jac in found:
        account = author[str(posts.subject[row])]
        at = int(np.searchsorted(out, account))
        hits.append(
            Hit(
                outputs.refs[o],
                outputs.lines[o],
                int(posts.post_id[row]),
                int(posts.shard[row]),
                kind,
                not (at < len(out) and int(out[at]) == account),
                words=length,
                jaccard=jac,
                account_id=account,
            )
        )
    now = datetime.now(UTC)
    audit_id = hashlib.sha256(
        f"{dataset_id}|{owner!r}|{outputs.sha256}|{now.isoformat()}".encode()
    ).hexdigest()[:16]
    result = AuditResult(
        audit_id,
        dataset_id,
        owner,
        len(outputs.texts),
        hits,
        head.seq,
        len(posts.post_id),
        indexed - began,
        searched - indexed,
    )
    if record:
        record_audit(ledger, result, outputs.sha256, now)
    return result

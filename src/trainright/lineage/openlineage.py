"""OpenLineage events for builds and model registrations, so Marquez & co. show the graph.

Transport: HTTP to a lineage server when `OPENLINEAGE_URL` is set (the client's own
configuration), otherwise JSON Lines appended to `TRAINRIGHT_OPENLINEAGE_FILE`
(default: `openlineage.jsonl` beside a SQLite ledger, else in the working directory). A lineage server being
down never fails a build: the event is dropped with a warning on stderr.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trainright import __version__
from trainright.settings import redact_url

NAMESPACE = "trainright"
PRODUCER = f"https://github.com/trainright/trainright/tree/v{__version__}"
FILE_ENV = "TRAINRIGHT_OPENLINEAGE_FILE"


def _default_file(ledger_url: str) -> Path:
    from sqlalchemy.engine import make_url

    url = make_url(ledger_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).resolve().parent / "openlineage.jsonl"
    return Path("openlineage.jsonl")


def _client(ledger_url: str) -> Any:
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.file import FileConfig, FileTransport

    if os.environ.get("OPENLINEAGE_URL") or os.environ.get("OPENLINEAGE_CONFIG"):
        return OpenLineageClient()
    path = os.environ.get(FILE_ENV) or str(_default_file(ledger_url))
    return OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=path, append=True)))


def _emit(
    ledger_url: str, job: str, inputs: Sequence[Any], outputs: Sequence[Any], run_id: str
) -> None:
    from openlineage.client.event_v2 import Job, Run, RunEvent, RunState

    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=datetime.now(UTC).isoformat(),
        run=Run(runId=run_id),
        job=Job(namespace=NAMESPACE, name=job),
        producer=PRODUCER,
        inputs=list(inputs),
        outputs=list(outputs),
    )
    try:
        _client(ledger_url).emit(event)
    except Exception as exc:  # lineage is a side channel: report, never fail the build
        print(f"warning: lineage event not delivered: {exc}", file=sys.stderr)


def dataset_built(snapshot: Path, ledger_url: str, manifest: Mapping[str, Any]) -> None:
    """A build read a snapshot and the ledger and wrote a dataset (`ledger_url` unredacted)."""
    from openlineage.client.event_v2 import InputDataset, OutputDataset
    from openlineage.client.facet_v2 import output_statistics_output_dataset as stats

    inputs = [
        InputDataset(namespace=f"file://{snapshot.resolve()}", name=name)
        for name in manifest["inputs"]
    ]
    inputs.append(InputDataset(namespace="trainright-ledger", name=redact_url(ledger_url)))
    facet = stats.OutputStatisticsOutputDatasetFacet(
        rowCount=int(manifest["counts"]["included"]), fileCount=len(manifest["shards"])
    )
    output = OutputDataset(
        namespace="trainright-dataset",
        name=str(manifest["dataset_id"]),
        outputFacets={"outputStatistics": facet},
    )
    run_id = str(uuid.UUID(hex=str(manifest["dataset_id"])[:32]))
    _emit(ledger_url, "build", inputs, [output], run_id)


def model_registered(ledger_url: str, name: str, version: str, dataset_ids: Sequence[str]) -> None:
    """A model was trained on these datasets."""
    from openlineage.client.event_v2 import InputDataset, OutputDataset

    inputs = [InputDataset(namespace="trainright-dataset", name=d) for d in dataset_ids]
    output = OutputDataset(
        namespace="trainright-model", name=f"{name}@{version}" if version else name
    )
    _emit(ledger_url, f"train.{name}", inputs, [output], str(uuid.uuid4()))

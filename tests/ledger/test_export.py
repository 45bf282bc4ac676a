"""`ledger export --as-of` writes exactly the events a build with that cutoff reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from trainright.errors import InputError
from trainright.ledger import Ledger, NewEvent
from trainright.ledger.commands import register


def test_export_keeps_events_up_to_the_cutoff_with_the_position(
    ledger: Ledger, ledger_url: str, tmp_path: Path
) -> None:
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
    ledger.append([NewEvent(1, "objection", at=late), NewEvent(2, "consent_given", at=early)])
    app = typer.Typer()
    register(app)
    out = tmp_path / "events.parquet"
    res = CliRunner().invoke(
        app,
        ["ledger", "export", str(out), "--as-of", "2026-02-01T00:00:00Z", "--ledger", ledger_url],
    )
    assert res.exit_code == 0, res.output
    table = pq.read_table(out)
    assert table.column("account_id").to_pylist() == [2]
    assert table.schema.metadata[b"trainright.ledger_seq"] == b"2"
    assert table.schema.metadata[b"trainright.as_of"] == b"2026-02-01T00:00:00.000000Z"


@pytest.mark.parametrize("as_of", ["2026-02-01", "2026-02-01T00:00:00"])
def test_export_rejects_a_date_without_time_or_zone(
    ledger_url: str, tmp_path: Path, as_of: str
) -> None:
    app = typer.Typer()
    register(app)
    res = CliRunner().invoke(
        app,
        [
            "ledger",
            "export",
            str(tmp_path / "x.parquet"),
            "--as-of",
            as_of,
            "--ledger",
            ledger_url,
        ],
    )
    assert isinstance(res.exception, InputError)
    assert res.exception.field == "--as-of"
    with pytest.raises(FileNotFoundError):
        (tmp_path / "x.parquet").stat()

"""SPEC §8: the training loaders skip, at load time, everyone the ledger no longer clears."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pydantic import SecretStr
from torch.utils.data import DataLoader

from factories import CUTOFF, SECRET, account, post
from trainright import InputError, Ledger, NewEvent, build, parse_policy
from trainright.minimise import Pseudonymiser
from trainright.training import TorchDataset, load_dataset
from trainright.training import revocations as rv

POLICY = parse_policy("notice_days = 0\nshards = 8\n")
AFTER = datetime(2026, 7, 1, tzinfo=UTC)


@pytest.fixture
def dataset(snapshot_factory: Callable[..., Path], tmp_path: Path, ledger: Ledger) -> Path:
    accounts = [account(i) for i in range(1, 31)]
    posts = [post(1000 + i, 1 + i % 30) for i in range(120)]
    build(
        snapshot_factory(accounts, posts),
        POLICY,
        CUTOFF,
        tmp_path / "ds",
        ledger=ledger,
        secret=SECRET,
    )
    return tmp_path / "ds"


def all_rows(dataset: Path) -> dict[int, str]:
    """post_id -> subject of every row the dataset holds."""
    out: dict[int, str] = {}
    for f in sorted((dataset / "data").glob("shard-*.parquet")):
        t = pq.read_table(f, columns=["post_id", "subject"]).to_pydict()
        out.update(zip(t["post_id"], t["subject"], strict=True))
    return out


def kept_after_objection(dataset: Path, account_id: int) -> set[int]:
    gone = Pseudonymiser(SecretStr(SECRET)).subject(account_id)
    return {p for p, s in all_rows(dataset).items() if s != gone}


def test_a_late_objection_removes_exactly_that_subjects_rows(dataset: Path, ledger: Ledger) -> None:
    before = load_dataset(dataset, ledger=ledger, secret=SECRET)
    assert sorted(before["post_id"]) == sorted(all_rows(dataset))
    assert (before.skipped_rows, before.skipped_subjects) == (0, 0)

    ledger.append([NewEvent(7, "objection", AFTER, channel="web")])
    after = load_dataset(dataset, ledger=ledger, secret=SECRET)
    assert set(after["post_id"]) == kept_after_objection(dataset, 7)
    assert len(after) == len(before) - 4
    assert (after.skipped_rows, after.skipped_subjects) == (4, 1)
    assert after.ledger_seq == ledger.head().seq
    assert after.column_names == [
        "post_id",
        "subject",
        "created_at",
        "lang",
        "text",
        "media",
        "media_orientation",
    ]
    assert after.features == before.features, "a filtered shard reads as an unfiltered one"


def test_a_withdrawn_objection_skips_nobody(dataset: Path, ledger: Ledger) -> None:
    ledger.append([NewEvent(7, "objection", AFTER), NewEvent(7, "objection_withdrawn", AFTER)])
    assert load_dataset(dataset, ledger=ledger, secret=SECRET).skipped_rows == 0


def test_a_revocations_file_filters_like_the_ledger(
    dataset: Path, ledger: Ledger, tmp_path: Path
) -> None:
    ledger.append([NewEvent(7, "objection", AFTER), NewEvent(12, "account_deleted", AFTER)])
    file = rv.write(rv.from_ledger(dataset, ledger, SECRET), tmp_path / "revoked.json")
    streamed = load_dataset(dataset, revocations=file, streaming=True, columns=["post_id"])
    kept = kept_after_objection(dataset, 7) & kept_after_objection(dataset, 12)
    assert sorted(r["post_id"] for r in streamed) == sorted(kept)
    assert (streamed.skipped_rows, streamed.skipped_subjects) == (8, 2)
    assert streamed.ledger_seq == ledger.head().seq


def test_a_changed_or_foreign_revocations_file_is_refused(
    dataset: Path, ledger: Ledger, tmp_path: Path
) -> None:
    ledger.append([NewEvent(7, "objection", AFTER)])
    file = rv.write(rv.from_ledger(dataset, ledger, SECRET), tmp_path / "revoked.json")
    doc = json.loads(file.read_text())
    doc["ledger"]["seq"] = 0
    file.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="sha256"):
        load_dataset(dataset, revocations=file)
    with pytest.raises(InputError, match="exactly one"):
        load_dataset(dataset)
    with pytest.raises(InputError, match="not the one this dataset was built with"):
        load_dataset(dataset, ledger=ledger, secret="another key of at least 32 bytes..")


@pytest.mark.parametrize(("workers", "ranks"), [(0, 1), (2, 1), (0, 2), (2, 2)])
def test_workers_and_ranks_see_every_kept_row_once(
    dataset: Path, ledger: Ledger, workers: int, ranks: int
) -> None:
    ledger.append([NewEvent(7, "objection", AFTER)])
    seen: list[int] = []
    for rank in range(ranks):
        data = TorchDataset(
            dataset,
            ledger=ledger,
            secret=SECRET,
            columns=["post_id", "text"],
            rank=rank,
            world_size=ranks,
        )
        loader = DataLoader(data, batch_size=5, num_workers=workers)
        seen += [int(p) for batch in loader for p in batch["post_id"]]
    assert sorted(seen) == sorted(kept_after_objection(dataset, 7))
    assert (data.skipped_rows, data.skipped_subjects, data.ledger_seq) == (4, 1, ledger.head().seq)


def test_the_revocations_command_writes_what_the_loaders_read(
    dataset: Path, ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from trainright.cli import app

    ledger.append([NewEvent(7, "objection", AFTER)])
    monkeypatch.setenv("TRAINRIGHT_SECRET", SECRET)
    out = tmp_path / "revoked.json"
    args = ["ledger", "revocations", "--dataset", str(dataset), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--ledger", str(ledger.url.url)])
    assert result.exit_code == 0, result.output
    assert "1 revoked subject(s) in 1 shard(s)" in result.output
    assert load_dataset(dataset, revocations=out).skipped_rows == 4


def test_no_revoked_row_is_visible_through_the_loaded_dataset(
    dataset: Path, ledger: Ledger
) -> None:
    before = load_dataset(dataset, ledger=ledger, secret=SECRET)
    ledger.append([NewEvent(7, "objection", AFTER)])
    ds = load_dataset(dataset, ledger=ledger, secret=SECRET)
    gone = Pseudonymiser(SecretStr(SECRET)).subject(7)
    kept = kept_after_objection(dataset, 7)
    assert len(kept) == len(all_rows(dataset)) - 4
    assert len(ds) == len(kept)
    views = {
        "iteration": [r["post_id"] for r in ds],
        "index": [ds[i]["post_id"] for i in range(len(ds))],
        "slice": ds[:]["post_id"],
        "column": ds["post_id"],
        "to_pandas": ds.to_pandas()["post_id"].tolist(),
        "to_dict": ds.to_dict()["post_id"],
        "batches": [p for b in ds.iter(batch_size=7) for p in b["post_id"]],
        "torch": [int(r["post_id"]) for r in ds.with_format("torch", columns=["post_id"])],
        "columns": ds.select_columns(["post_id"])["post_id"],
        "table": ds.data.column("post_id").to_pylist(),
    }
    for view, post_ids in views.items():
        assert sorted(post_ids) == sorted(kept), view
    subjects = [*ds["subject"], *ds.to_pandas()["subject"], *ds.data.column("subject").to_pylist()]
    assert gone not in subjects
    assert ds._fingerprint != before._fingerprint, "a cache made before the objection is not reused"

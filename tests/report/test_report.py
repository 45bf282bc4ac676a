"""The report's numbers against the ledger, the catalog and the manifests."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trainright.cli import app
from trainright.ledger import Ledger, NewEvent
from trainright.ledger.scratch import scratch_database
from trainright.lineage import compute_impact, register_model
from trainright.report import gather, render_report
from trainright.report.charts import bucket_counts, stacked_bars
from trainright.report.data import RIGHTS, Spread
from trainright.report.render import duration

from .conftest import LIVE_WAITS, Tables, World


def copy_ledger(world: World, tmp_path: Path) -> Path:
    """A copy to tamper with (the SQLite backup API also copies what is still in the WAL)."""
    copy = tmp_path / "ledger.db"
    with sqlite3.connect(world.root / "ledger.db") as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    return copy


@pytest.fixture(scope="module")
def html(world: World) -> str:
    return render_report(world.ledger)


@pytest.fixture(scope="module")
def page(html: str) -> Tables:
    return Tables(html)


def test_rights_per_day_match_the_ledger(world: World, page: Tables) -> None:
    expected: dict[str, Counter[str]] = {}
    for e in world.ledger.events():
        if e.type in RIGHTS:
            expected.setdefault(e.at.date().isoformat(), Counter())[e.type] += 1
    rows = page.rows("rights-per-day", "data-day")
    assert set(rows) == set(expected)
    for day, counts in expected.items():
        assert {t: int(rows[day][t]) for t in RIGHTS} == {t: counts[t] for t in RIGHTS}


def test_rights_per_channel_match_the_ledger(world: World, page: Tables) -> None:
    expected: dict[str, Counter[str]] = {}
    for e in world.ledger.events():
        if e.type in RIGHTS:
            expected.setdefault(e.channel, Counter())[e.type] += 1
    rows = page.rows("rights-per-channel", "data-channel")
    assert {c: {t: int(v) for t, v in r.items()} for c, r in rows.items()} == {
        c: {t: n[t] for t in RIGHTS} for c, n in expected.items()
    }


def test_acknowledgement_times_keep_imports_apart(world: World, page: Tables) -> None:
    data = gather(world.ledger)
    assert len(data.rights.import_seconds) == world.imported
    assert set(data.rights.live_seconds) == set(LIVE_WAITS)
    for channel, wait in LIVE_WAITS.items():
        seconds = data.rights.live_seconds[channel]
        assert len(seconds) == 3
        assert all(wait.total_seconds() <= s < wait.total_seconds() + 60 for s in seconds)
    rows = {
        attrs["data-channel"]: [text for _, text in cells]
        for attrs, cells in page.tables["acknowledgement-times"]
        if "data-channel" in attrs
    }
    assert rows["api"][1:3] == ["3", "5 min"]
    assert rows["import"][1] == str(world.imported)
    assert "back-dated" in rows["import"][0]


def test_datasets_by_reason_and_region_match_the_manifest(world: World, page: Tables) -> None:
    counts = world.manifest["counts"]
    assert isinstance(counts, dict)
    ds = str(world.manifest["dataset_id"])
    summary = page.rows("datasets-table", "data-dataset")[ds]
    assert int(summary["included"]) == counts["included"]
    assert int(summary["excluded"]) == counts["excluded"]
    reasons = page.rows(f"reasons-{ds}", "data-reason")
    assert int(reasons["included"]["posts"]) == counts["included"]
    for reason, n in counts["excluded_by_reason"].items():
        assert int(reasons[reason]["posts"]) == n
    regions = page.rows(f"regions-{ds}", "data-region")
    assert set(regions) == set(counts["by_region"])
    for region, row in counts["by_region"].items():
        shown = {k: int(v) for k, v in regions[region].items()}
        assert {k: v for k, v in shown.items() if v} == row


def test_reservations_honoured_by_signal_and_place(world: World, page: Tables) -> None:
    manifest = world.manifest
    ds = str(manifest["dataset_id"])
    shown = page.rows(f"reserved-{ds}", "data-reserved")
    expected = {
        f"{signal} in {where}": {"posts": str(n)}
        for signal, places in manifest["counts"]["reserved_by"].items()  # type: ignore[index]
        for where, n in places.items()
    } | {
        f"{signal} in image": {"images": str(n)}
        for signal, n in manifest["media"]["reserved_by"].items()  # type: ignore[index]
    }
    assert any(k.endswith(" in post") for k in expected)
    assert any(k.endswith(" in account") for k in expected)
    assert shown == expected


def test_models_and_their_datasets(world: World, page: Tables) -> None:
    ds = str(world.manifest["dataset_id"])
    model = next(cells for attrs, cells in page.tables["models"] if attrs.get("data-model"))
    assert [t for _, t in model][:2] == ["chat-small", "v1"]
    assert ds in [t for _, t in model][3]
    dataset = next(c for a, c in page.tables["datasets-table"] if a.get("data-dataset") == ds)
    assert [t for _, t in dataset][-1] == "chat-small v1"


def test_unlearning_queue_matches_impact(world: World, page: Tables) -> None:
    impact = compute_impact(world.ledger)
    rows = page.rows("open-tasks", "data-task")
    assert set(rows) == {t.task_id for t in impact.tasks}
    for t in impact.tasks:
        assert int(rows[t.task_id]["accounts"]) == len(t.accounts)
    done = page.rows("done-tasks", "data-task")
    assert set(done) == {str(r["task_id"]) for r in impact.done}


def test_a_task_opens_with_the_first_event_that_needs_it(world: World) -> None:
    data = gather(world.ledger)
    (ds,) = data.datasets
    events = world.ledger.events()
    assert data.open_tasks
    for o in data.open_tasks:
        accounts = set(o.task.accounts.tolist())
        needing = [
            e
            for e in events
            if e.account_id in accounts
            and e.type in o.task.reasons
            and (e.purpose in ("ai-training", "all") or e.type == "account_deleted")
            and (e.seq > ds.entry.ledger_seq or e.at > ds.entry.cutoff)
        ]
        assert o.opened_at == min(e.received_at for e in needing)
        assert o.age_seconds is not None
        assert 0 <= o.age_seconds < 600
    (closed,) = data.closed_tasks
    assert closed.note == "retrained in run 7"
    assert closed.opened_at is not None
    assert closed.open_seconds == (closed.done_at - closed.opened_at).total_seconds()
    assert closed.open_seconds >= 0


def test_a_verified_ledger_says_so(html: str, world: World) -> None:
    assert 'data-verified="true"' in html
    assert f"{len(world.ledger.events())} events" in html


def test_a_tampered_ledger_is_reported(world: World, tmp_path: Path) -> None:
    copy = copy_ledger(world, tmp_path)
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE events SET account_id = account_id + 1 WHERE seq = 5")
    html = render_report(Ledger(f"sqlite:///{copy}"))
    assert 'data-verified="false"' in html
    assert "BROKEN" in html
    assert re.search(r"at seq\s+5\b", html)
    # The cards agree with each other: every event read is counted, and the break is a card
    # of its own, not a smaller "events" figure beside larger per-type counts.
    total = len(world.ledger.events())
    assert re.search(rf"events<b>{total}</b>", html)
    assert re.search(r"verified before the break<b class=\"bad\">4</b>", html)


def test_an_empty_ledger_renders(tmp_path: Path) -> None:
    html = render_report(Ledger(f"sqlite:///{tmp_path / 'empty.db'}"))
    assert "No objection or consent has been recorded yet." in html
    assert "No dataset has been built with this ledger yet." in html
    assert "<svg" not in html


def test_a_missing_manifest_is_said_not_hidden(world: World, tmp_path: Path) -> None:
    copy = copy_ledger(world, tmp_path)
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE datasets SET path = '/nowhere/dataset'")
    html = render_report(Ledger(f"sqlite:///{copy}"))
    assert "no manifest found at" in html
    assert "/nowhere/dataset" in html


def test_names_from_the_catalog_are_escaped(world: World, tmp_path: Path) -> None:
    copy = copy_ledger(world, tmp_path)
    ledger = Ledger(f"sqlite:///{copy}")
    register_model(ledger, "<script>alert(1)</script>", [str(world.dataset)], version="<b>")
    html = render_report(ledger)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_element_ids_are_unique_across_charts(html: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert html.count("<svg") >= 5
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_the_page_refers_to_nothing_outside_itself(html: str) -> None:
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html)
    assert "@import" not in html
    assert "src=" not in html
    # references point inside the page only: to elements of its own charts
    refs = re.findall(r"""url\(([^)]*)\)|href=["']([^"']*)["']""", html)
    assert refs
    assert all((a or b).startswith("#") for a, b in refs)


def test_charts_are_deterministic() -> None:
    args = ("same", ["a", "b"], {"x": [1, 2], "y": [3, 0]})
    assert stacked_bars(*args, ylabel="n") == stacked_bars(*args, ylabel="n")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "–"),
        (0.0, "0.0 s"),
        (0.42, "0.4 s"),
        (42, "42 s"),
        (300, "5 min"),
        (3 * 3600 + 5 * 60, "3 h 5 min"),
        (4 * 86400 + 2 * 3600 + 59, "4 d 2 h"),
        (-90, "−1 min"),
    ],
)
def test_duration_text(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("values", "counts"),
    [
        ([], [0, 0, 0, 0, 0, 0, 0]),
        ([0, 0.99, 1, 59.9, 60], [2, 2, 1, 0, 0, 0, 0]),
        ([86399, 86400, 7 * 86400, 30 * 86400, 10**9], [0, 0, 0, 1, 1, 1, 2]),
    ],
)
def test_duration_buckets(values: list[float], counts: list[int]) -> None:
    assert bucket_counts(values) == counts


@pytest.mark.parametrize(
    ("values", "spread"),
    [
        ([], Spread(0, 0.0, 0.0, 0.0)),
        ([5.0], Spread(1, 5.0, 5.0, 5.0)),
        ([1.0, 2.0, 3.0, 4.0], Spread(4, 2.0, 4.0, 4.0)),
        ([float(i) for i in range(1, 101)], Spread(100, 50.0, 95.0, 100.0)),
    ],
)
def test_spread_is_nearest_rank(values: list[float], spread: Spread) -> None:
    assert Spread.of(values) == spread


def test_cli_writes_the_report(world: World, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "report.html"
    result = CliRunner().invoke(
        app, ["report", "--ledger", world.ledger.url.url, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]
    assert datetime.now(UTC).strftime("%Y-%m-%d") in out.read_text()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    if request.param == "sqlite":
        led = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
        yield led
        led.engine.dispose()
        return
    with scratch_database("trainright_report") as url:
        led = Ledger(url)
        yield led
        led.engine.dispose()


def test_numbers_on_either_database(any_ledger: Ledger) -> None:
    day = datetime(2026, 5, 4, 10, tzinfo=UTC)
    any_ledger.append(
        [
            NewEvent(1, "objection", at=day, channel="web"),
            NewEvent(2, "objection", at=day + timedelta(hours=15), channel="api"),  # 01:00 next day
            NewEvent(3, "consent_given", at=day, channel="web"),
            NewEvent(1, "objection_withdrawn", at=day + timedelta(days=2), channel="gpc"),
            NewEvent(4, "notice_sent", channel="notice"),
        ]
    )
    page = Tables(render_report(any_ledger))
    per_day = page.rows("rights-per-day", "data-day")
    assert {d: {t: int(n) for t, n in row.items() if int(n)} for d, row in per_day.items()} == {
        "2026-05-04": {"objection": 1, "consent_given": 1},
        "2026-05-05": {"objection": 1},
        "2026-05-06": {"objection_withdrawn": 1},
    }
    per_channel = page.rows("rights-per-channel", "data-channel")
    assert {c: sum(int(n) for n in row.values()) for c, row in per_channel.items()} == {
        "web": 2,
        "api": 1,
        "gpc": 1,
    }
    ack = {a["data-channel"] for a, _ in page.tables["acknowledgement-times"] if a}
    assert ack == {"web", "api", "gpc"}  # notices are not requests

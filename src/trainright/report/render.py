"""The report as one self-contained HTML page: inline CSS, inline SVG charts, no script.

Nothing in the page makes a request: no external stylesheet, font, script or
image. It opens from a USB stick on an air-gapped machine, prints on paper, and
can be archived as evidence as it is.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from trainright import __version__
from trainright.errors import InputError
from trainright.ledger import Ledger
from trainright.report import charts
from trainright.report.data import LIVE_CHANNELS, RIGHTS, ReportData, Spread, gather
from trainright.rules import REASONS

TEMPLATES = Path(__file__).parent / "templates"
#: Up to this many days the rights chart has a bar per day; beyond, a bar per month.
DAILY_UP_TO = 92


def duration(seconds: float | None) -> str:
    """A duration as a person reads it: 0.4 s, 12 min, 3 h 5 min, 4 d 2 h."""
    if seconds is None:
        return "–"
    s = abs(seconds)
    sign = "−" if seconds < 0 else ""
    if s < 60:
        return f"{sign}{s:.1f} s" if s < 10 else f"{sign}{s:.0f} s"
    minutes = int(s // 60)
    if minutes < 60:
        return f"{sign}{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{sign}{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{sign}{days} d {hours} h"


def timestamp(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _periods(per_day: dict[date, Counter[str]]) -> tuple[list[str], dict[str, list[int]], str]:
    """Rights per day, or per month when the ledger spans more than `DAILY_UP_TO` days."""
    days = sorted(per_day)
    if not days:
        return [], {}, "day"
    daily = (days[-1] - days[0]).days < DAILY_UP_TO
    unit = "day" if daily else "month"

    def key(d: date) -> str:
        return d.isoformat() if daily else d.strftime("%Y-%m")

    # every period from the first to the last, empty ones included, so time runs evenly
    labels: list[str] = []
    d = days[0]
    while d <= days[-1]:
        if not labels or labels[-1] != key(d):
            labels.append(key(d))
        d += timedelta(days=1)
    buckets: dict[str, Counter[str]] = {k: Counter() for k in labels}
    for d in days:
        buckets[key(d)].update(per_day[d])
    return labels, {t: [buckets[k][t] for k in labels] for t in RIGHTS}, unit


def _rights_charts(data: ReportData) -> dict[str, Markup]:
    r = data.rights
    out: dict[str, Markup] = {}
    labels, series, unit = _periods(r.per_day)
    if labels:
        out["over_time"] = charts.stacked_bars(
            "rights-time", labels, series, ylabel=f"events per {unit}"
        )
        channels = sorted(r.per_channel)
        out["channels"] = charts.stacked_bars(
            "rights-channel",
            channels,
            {t: [r.per_channel[c][t] for c in channels] for t in RIGHTS},
            ylabel="events",
            horizontal=True,
        )
    waits = {f"{c} (live)": r.live_seconds[c] for c in LIVE_CHANNELS if c in r.live_seconds}
    if r.import_seconds:
        waits["import (recording lag)"] = r.import_seconds
    if waits:
        out["acknowledgement"] = charts.durations("ack", waits, ylabel="events")
    return out


def _dataset_charts(data: ReportData) -> dict[str, dict[str, Markup]]:
    out: dict[str, dict[str, Markup]] = {}
    for view in data.datasets:
        if not view.by_region:
            continue
        ds = view.entry.dataset_id
        reasons = view.reasons_seen
        regions = sorted(view.by_region)
        out[ds] = {
            "reasons": (
                charts.stacked_bars(
                    f"reasons-{ds}",
                    ["included", *reasons],
                    {
                        "posts": [
                            view.entry.included,
                            *(view.excluded_by_reason[r] for r in reasons),
                        ]
                    },
                    ylabel="posts",
                    horizontal=True,
                )
            ),
            "regions": (
                charts.stacked_bars(
                    f"regions-{ds}",
                    regions,
                    {
                        "included": [view.by_region[g].get("included", 0) for g in regions],
                        "excluded": [
                            sum(v for k, v in view.by_region[g].items() if k != "included")
                            for g in regions
                        ],
                    },
                    ylabel="posts",
                    horizontal=True,
                )
            ),
        }
    return out


def _unlearning_chart(data: ReportData) -> Markup | None:
    series: dict[str, list[float]] = {}
    ages = [t.age_seconds for t in data.open_tasks if t.age_seconds is not None]
    done = [t.open_seconds for t in data.closed_tasks if t.open_seconds is not None]
    if ages:
        series["open tasks: waiting so far"] = ages
    if done:
        series["done tasks: time open"] = done
    if not series:
        return None
    return charts.durations("unlearning", series, ylabel="tasks")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = duration
    env.filters["timestamp"] = timestamp
    return env


def to_html(data: ReportData) -> str:
    """Render gathered report data as the HTML page."""
    r = data.rights
    spreads = {c: Spread.of(r.live_seconds[c]) for c in LIVE_CHANNELS if c in r.live_seconds}
    context: dict[str, Any] = {
        "data": data,
        "version": __version__,
        "rights_types": RIGHTS,
        "reasons": REASONS,
        "days": sorted(r.per_day),
        "period": _periods(r.per_day)[2],
        "events_read": sum(r.totals.values()),
        "channels": sorted(r.per_channel),
        "spreads": spreads,
        "import_spread": Spread.of(r.import_seconds),
        "charts": _rights_charts(data),
        "dataset_charts": _dataset_charts(data),
        "unlearning_chart": _unlearning_chart(data),
        "open_accounts": len({int(a) for t in data.open_tasks for a in t.task.accounts}),
    }
    return _environment().get_template("report.html").render(**context)


def render_report(ledger: Ledger | str | None = None) -> str:
    """The whole report for a ledger, as one HTML page (also for the web service's operator page)."""
    return to_html(gather(ledger))


def write_report(ledger: Ledger | str | None, out: str | Path) -> Path:
    """Write the report atomically: a reader sees the old page or the new one, never half."""
    path = Path(out)
    html = render_report(ledger)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(html)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(
            f"cannot write the report: {exc.strerror}", file=str(path), field="--out"
        ) from None
    return path

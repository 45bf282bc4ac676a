"""The report's charts: matplotlib figures rendered to inline SVG.

SVG keeps the page one self-contained file that needs no network: text stays
text (`svg.fonttype = none`, drawn with whatever sans-serif font the reader's
machine has), there is no script, and no external reference. Each chart's
element ids carry its name, so several charts in one page never share an id,
and a fixed hash salt makes the same data give the same bytes. Figures are made with `matplotlib.figure.Figure`,
not pyplot: no global state, safe to call from a web server's threads.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
from markupsafe import Markup
from matplotlib.figure import Figure

#: Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: Duration buckets (upper bound in seconds, label), for acknowledgement and unlearning times.
BUCKETS: tuple[tuple[float, str], ...] = (
    (1, "< 1 s"),
    (60, "1 s – 1 min"),
    (3600, "1 min – 1 h"),
    (86400, "1 h – 1 day"),
    (7 * 86400, "1–7 days"),
    (30 * 86400, "7–30 days"),
    (math.inf, "> 30 days"),
)
_RC: dict[Any, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')


def _svg(fig: Figure, name: str) -> Markup:
    """The figure as an `<svg>` element ready to inline (no XML prolog, no metadata)."""
    buf = io.StringIO()
    with matplotlib.rc_context({**_RC, "svg.hashsalt": name}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    text = _METADATA.sub("", text[text.index("<svg") :])
    # Ids such as `figure_1` repeat in every matplotlib SVG: give them the chart's name,
    # references included, so the charts of one page never collide.
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", name)
    text = _ID.sub(lambda m: f'id="{prefix}-{m[1]}"', text)
    text = _REF.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", text)
    # matplotlib's SVG writer escapes every label it draws, so the markup is safe as it is
    return Markup(text)  # noqa: S704


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(_RC):
        return Figure(figsize=(width, height), layout="constrained")


def stacked_bars(
    name: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    *,
    ylabel: str,
    horizontal: bool = False,
) -> Markup:
    """Bars per label, one stacked segment per series, with a legend."""
    n = len(labels)
    if horizontal:
        fig = _figure(7.5, max(1.6, 0.35 * n + 0.9))
    else:
        fig = _figure(min(11.0, max(5.0, 0.22 * n + 2.5)), 3.2)
    with matplotlib.rc_context(_RC):
        ax = fig.add_subplot()
        base = [0] * n
        positions = list(range(n))
        for i, (key, values) in enumerate(series.items()):
            colour = PALETTE[i % len(PALETTE)]
            if horizontal:
                ax.barh(positions, values, left=base, label=key, color=colour)
            else:
                ax.bar(positions, values, bottom=base, label=key, color=colour)
            base = [b + v for b, v in zip(base, values, strict=True)]
        if horizontal:
            ax.set_yticks(positions, labels)
            ax.invert_yaxis()
            ax.set_xlabel(ylabel)
        else:
            step = max(1, math.ceil(n / 40))
            ax.set_xticks(positions[::step], list(labels)[::step], rotation=60, ha="right")
            ax.set_ylabel(ylabel)
        ax.legend(frameon=False, fontsize=8, loc="best")
    return _svg(fig, name)


def bucket_counts(seconds: Sequence[float]) -> list[int]:
    """How many durations fall in each of `BUCKETS`."""
    counts = [0] * len(BUCKETS)
    for s in seconds:
        counts[next(i for i, (upper, _) in enumerate(BUCKETS) if s < upper)] += 1
    return counts


def durations(name: str, series: Mapping[str, Sequence[float]], *, ylabel: str) -> Markup:
    """Side-by-side bars of durations per bucket, one colour per series."""
    labels = [label for _, label in BUCKETS]
    fig = _figure(7.5, 3.0)
    with matplotlib.rc_context(_RC):
        ax = fig.add_subplot()
        width = 0.8 / max(1, len(series))
        for i, (key, values) in enumerate(series.items()):
            xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(labels))]
            ax.bar(xs, bucket_counts(values), width=width, label=key, color=PALETTE[i])
        ax.set_xticks(range(len(labels)), labels)
        ax.set_ylabel(ylabel)
        ax.legend(frameon=False, fontsize=8)
    return _svg(fig, name)

"""The regulator's report: rights exercised, datasets, models, unlearning, ledger integrity.

`render_report(ledger)` returns the whole page as HTML (the web service's operator
page can serve it as is); `write_report(ledger, out)` writes it to a file;
`gather(ledger)` gives the numbers behind it. Names are imported on first use, so
the CLI's start-up does not pay for matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trainright.report.data import ReportData, gather
    from trainright.report.render import render_report, to_html, write_report

_HOME = {
    "ReportData": "trainright.report.data",
    "gather": "trainright.report.data",
    "render_report": "trainright.report.render",
    "to_html": "trainright.report.render",
    "write_report": "trainright.report.render",
}
__all__ = [
    "ReportData",
    "gather",
    "render_report",
    "to_html",
    "write_report",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'trainright.report' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value

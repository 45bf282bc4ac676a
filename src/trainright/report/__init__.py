"""The regulator's report: rights exercised, datasets, models, unlearning, ledger integrity.

`render_report(ledger)` returns the whole page as HTML (the web service's operator
page can serve it as is); `write_report(ledger, out)` writes it to a file;
`gather(ledger)` gives the numbers behind it.
"""

from trainright.report.data import ReportData, gather
from trainright.report.render import render_report, to_html, write_report

__all__ = ["ReportData", "gather", "render_report", "to_html", "write_report"]

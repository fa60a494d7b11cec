"""Reports: the economist's HTML report and the officials' PDF, with prose built from numbers.

Public API (see :mod:`reports.api`): :func:`gather_report_data` reads a warehouse or snapshot
once; :func:`write_economist_report` and :func:`write_summary_pdf` write the reports.
"""

from reports.api import write_economist_report, write_summary_pdf
from reports.facts import ReportData
from reports.gather import NotEnoughData, ReportParams, gather_report_data

__all__ = [
    "NotEnoughData",
    "ReportData",
    "ReportParams",
    "gather_report_data",
    "write_economist_report",
    "write_summary_pdf",
]

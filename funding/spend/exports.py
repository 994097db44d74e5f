"""SEN spend as spreadsheets, through the reports' export layer (raw Decimal pounds)."""

from __future__ import annotations

import tablib

from funding.spend.selectors import AllocationSpend
from schools.dates import FinancialYear

SPEND_HEADERS = [
    "URN", "school", "FY", "amount", "staffing", "resources", "other", "note", "recorded_by",
    "recorded_at",
]  # fmt: skip
AGAINST_HEADERS = [
    "urn", "school", "initial_sen_allocation", "final_sen_allocation", "sen_spend",
    "final_sen_allocation_minus_spend",
]  # fmt: skip


def _blank(value):
    return "" if value is None else value


def spend_dataset(schools, fy: int) -> tablib.Dataset:
    """The list page's schools and their spend; URN, FY and amount columns re-import as is."""
    data = tablib.Dataset(headers=SPEND_HEADERS, title=f"SEN spend FY {FinancialYear(fy)}"[:31])
    for s in schools:
        data.append(
            [s.urn, s.name, FinancialYear(fy).label, _blank(s.spend_amount),
             _blank(s.spend_staffing), _blank(s.spend_resources), _blank(s.spend_other),
             s.spend_note or "", s.spend_recorded_by or "",
             s.spend_recorded_at.isoformat() if s.spend_recorded_at else ""]
        )  # fmt: skip
    return data


def allocation_spend_dataset(report: AllocationSpend, title: str) -> tablib.Dataset:
    data = tablib.Dataset(headers=AGAINST_HEADERS, title=title[:31])
    for r in report.rows:
        data.append(
            [r.urn, r.school_name, r.initial, r.final, _blank(r.spend), _blank(r.difference)]
        )
    data.append(["", "Total", report.initial, report.final, report.spend, report.difference])
    return data

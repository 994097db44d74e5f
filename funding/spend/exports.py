"""SEN spend as sheets for the one export layer (schools.exports): pounds to the penny."""

from __future__ import annotations

from funding.spend.selectors import AllocationSpend
from schools.dates import FinancialYear
from schools.exports import Col, Sheet, money

# The list export re-imports as is: the spend import reads these exact headers (URN, FY,
# amount, staffing, resources, other, note), so they stay as the import's template spells them.
SPEND_COLUMNS = [
    Col("URN"), Col("School"), Col("FY"), money("amount"), money("staffing"),
    money("resources"), money("other"), Col("note"), Col("Recorded by"), Col("Recorded at"),
]  # fmt: skip
AGAINST_COLUMNS = [
    Col("URN"), Col("School"), money("Initial SEN allocation"), money("Final SEN allocation"),
    money("SEN spend"), money("Final SEN allocation minus spend"),
]  # fmt: skip


def spend_dataset(schools, fy: int) -> Sheet:
    """The list page's schools and their spend; no total row, so the file re-imports as is."""
    data = Sheet(title=f"SEN spend FY {FinancialYear(fy)}", columns=SPEND_COLUMNS, total_label=None)
    for s in schools:
        data.append(
            [s.urn, s.name, FinancialYear(fy).label, s.spend_amount, s.spend_staffing,
             s.spend_resources, s.spend_other, s.spend_note, s.spend_recorded_by,
             s.spend_recorded_at]
        )  # fmt: skip
    return data


def allocation_spend_dataset(report: AllocationSpend, title: str) -> Sheet:
    """Each school's allocation against its spend and the report's own total (the page's
    footer), so no second total row."""
    data = Sheet(title=title, columns=AGAINST_COLUMNS, total_label=None)
    for r in report.rows:
        data.append([r.urn, r.school_name, r.initial, r.final, r.spend, r.difference])
    data.append([None, "Total", report.initial, report.final, report.spend, report.difference])
    return data

"""Reports as sheets for the one export layer (schools.exports): money as pounds to the penny,
dates as dates, the headers the report pages show."""

from __future__ import annotations

from funding.reports import calculations as calc
from funding.templatetags.funding_money import gbp_signed
from schools.exports import EXPORT_FORMATS, Col, Sheet, download, money, table_sheet

__all__ = [
    "EXPORT_FORMATS",
    "budget_dataset",
    "budget_months_dataset",
    "download",
    "final_by_school_dataset",
    "final_report_dataset",
    "governors_dataset",
    "table_sheet",
]


def _events_text(change: calc.ExplainedChange) -> str:
    if not change.events:
        return "No recorded event or scheme change explains this stretch"
    return "; ".join(f"{calc.EVENT_LABELS[e.kind]}: {e.text}" for e in change.events)


FINAL_COLUMNS = [
    Col("URN"),
    Col("School"),
    Col("Element"),
    money("Initial"),
    money("Final"),
    money("Difference"),
    Col("UPN"),
    Col("Pupil"),
    Col("Changed from"),
    Col("Changed to"),
    Col("Event date"),
    Col("Why"),
    money("Change amount", total=False),  # the changes explain the differences: not added twice
]


def final_report_dataset(rows, why: dict, title: str, *, pupil_names: bool = True) -> Sheet:
    """One row per school and element, then one row per explained change beneath it; a total
    row of initial, final and difference."""
    data = Sheet(title=title, columns=FINAL_COLUMNS)
    blank7 = [None] * 7
    for row in rows:
        data.append([row.urn, row.school_name, row.label, row.initial, row.final, row.difference,
                     *blank7])  # fmt: skip
        found = why.get((row.school_id, row.element))
        if found is None:
            continue
        if found.school_level is not None:
            level = found.school_level
            data.append(
                [row.urn, row.school_name, row.label, None, None, None, None, None, None, None,
                 None, "Recalculated. Initial: " + " | ".join(level.initial_working)
                 + ". Final: " + " | ".join(level.final_working), level.difference]
            )  # fmt: skip
        for pupil in found.pupils:
            for change in pupil.changes:
                data.append(
                    [
                        row.urn,
                        row.school_name,
                        row.label,
                        None,
                        None,
                        None,
                        pupil.upn if pupil_names else None,
                        pupil.name if pupil_names else pupil.initials,
                        change.starts_on,
                        change.ends_on,
                        change.on,
                        _events_text(change),
                        change.difference,
                    ]
                )
    return data


def final_by_school_dataset(school_rows, why: dict, title: str = "By school") -> Sheet:
    """The comparison as on the page: one row per school (initial, final, difference and why,
    element by element) and a total row."""
    data = Sheet(
        title=title,
        columns=[Col("URN"), Col("School"), money("Initial"), money("Final"),
                 money("Difference"), Col("Why")],
    )  # fmt: skip
    for row in school_rows:
        reasons = []
        for element in row.changed_elements:
            found = why.get((row.school_id, element.element))
            text = found.summary() if found else gbp_signed(element.difference)
            reasons.append(f"{element.label}: {text}")
        data.append([row.urn, row.school_name, row.initial, row.final, row.difference,
                     "; ".join(reasons) or "No change"])  # fmt: skip
    return data


def governors_dataset(report) -> Sheet:
    """The governors' report: initials and year group only, never a name or UPN. It carries
    its own total (Total SEN funding), so no total row is added."""
    data = Sheet(
        title=f"SEN funding {report.fy}",
        columns=[Col("Section"), Col("Item"), Col("Pupil"), Col("Date"), money("Amount")],
        total_label=None,
    )
    data.append(["Summary", "Notional SEN budget (element 2)", None, None, report.notional_sen])
    if report.additional_sen_support:
        data.append(["Summary", "Additional SEN Support", None, None,
                     report.additional_sen_support])  # fmt: skip
    if report.place:
        data.append(["Summary", "Place funding", None, None, report.place])
    data.append(["Summary", "Top-ups received (element 3)", None, None, report.top_ups])
    data.append(["Summary", "Total SEN funding", None, None, report.total])
    for pupil in report.pupils:
        data.append(["Top-ups received", "Top-up", pupil.label, None, pupil.amount])
    for change in report.changes:
        data.append(["In-year changes", change.event, change.pupil, change.on, change.amount])
    if report.unexplained:
        data.append(["In-year changes", "Other adjustments", None, None, report.unexplained])
    return data


def budget_dataset(position) -> Sheet:
    """Each budget line and the position's own total row (as on the page)."""
    data = Sheet(
        title=f"High needs FY {position.fy}",
        columns=[
            Col("Line"),
            money("Budget"),
            money("Allocated by the latest run"),
            money("Forecast to year end"),
            money("Panel decisions not in a run"),
            money("Committed outside runs"),
            money("Commitment"),
            money("Variance"),
        ],
        total_label=None,
    )
    for row in [*position.rows, position.total]:
        data.append(
            [row.label, row.budget, row.allocated, row.forecast, row.panel_pending, row.other,
             row.commitment, row.variance]
        )  # fmt: skip
    return data


def budget_months_dataset(position) -> Sheet:
    data = Sheet(
        title="By month",
        columns=[
            Col("Month"),
            money("Budget"),
            money("Commitment"),
            money("Cumulative budget", total=False),
            money("Cumulative commitment", total=False),
        ],
    )
    for m in position.months:
        data.append([m.first, m.budget, m.commitment, m.cumulative_budget, m.cumulative_commitment])
    return data

"""Reports as spreadsheets (tablib): CSV and Excel with raw Decimal pounds and ISO dates."""

from __future__ import annotations

import tablib
from django.http import Http404, HttpResponse

from funding.reports import calculations as calc

EXPORT_FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(data: tablib.Dataset, fmt: str, filename: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown export format")
    content = data.export(fmt)
    if isinstance(content, str):
        content = content.encode("utf-8")
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _events_text(change: calc.ExplainedChange) -> str:
    if not change.events:
        return "Not matched to an in-year event (a rate or a record changed since the initial run)"
    return "; ".join(f"{calc.EVENT_LABELS[e.kind]}: {e.text}" for e in change.events)


FINAL_HEADERS = [
    "urn",
    "school",
    "element",
    "initial",
    "final",
    "difference",
    "upn",
    "pupil",
    "changed_from",
    "changed_to",
    "event_date",
    "events",
    "amount",
]


def final_report_dataset(rows, why: dict, title: str, *, pupil_names: bool = True):
    """One row per school and element, then one row per explained change beneath it."""
    data = tablib.Dataset(headers=FINAL_HEADERS, title=title[:31])
    for row in rows:
        data.append(
            [row.urn, row.school_name, row.label, row.initial, row.final, row.difference] + [""] * 7
        )
        found = why.get((row.school_id, row.element))
        if found is None:
            continue
        if found.school_level is not None:
            level = found.school_level
            data.append(
                [row.urn, row.school_name, row.label, "", "", "", "", "", "", "", "",
                 "Recalculated. Initial: " + " | ".join(level.initial_working)
                 + ". Final: " + " | ".join(level.final_working), level.difference]
            )  # fmt: skip
        for pupil in found.pupils:
            for change in pupil.changes:
                data.append(
                    [
                        row.urn,
                        row.school_name,
                        row.label,
                        "",
                        "",
                        "",
                        pupil.upn if pupil_names else "",
                        pupil.name if pupil_names else pupil.initials,
                        change.starts_on.isoformat(),
                        change.ends_on.isoformat(),
                        change.on.isoformat(),
                        _events_text(change),
                        change.difference,
                    ]
                )
    return data


def governors_dataset(report) -> tablib.Dataset:
    """The governors' report: initials and year group only, never a name or UPN."""
    data = tablib.Dataset(
        headers=["section", "item", "pupil", "date", "amount"],
        title=f"SEN funding {report.fy}"[:31],
    )
    data.append(["Summary", "Notional SEN budget (element 2)", "", "", report.notional_sen])
    if report.additional_sen_support:
        data.append(["Summary", "Additional SEN Support", "", "", report.additional_sen_support])
    if report.place:
        data.append(["Summary", "Place funding", "", "", report.place])
    data.append(["Summary", "Top-ups received (element 3)", "", "", report.top_ups])
    data.append(["Summary", "Total SEN funding", "", "", report.total])
    for pupil in report.pupils:
        data.append(["Top-ups received", "Top-up", pupil.label, "", pupil.amount])
    for change in report.changes:
        data.append(["In-year changes", change.event, change.pupil, change.on.isoformat(),
                     change.amount])  # fmt: skip
    if report.unexplained:
        data.append(["In-year changes", "Other adjustments", "", "", report.unexplained])
    return data


def budget_dataset(position) -> tablib.Dataset:
    data = tablib.Dataset(
        headers=[
            "line",
            "budget",
            "allocated_by_latest_run",
            "forecast_to_year_end",
            "panel_decisions_not_in_a_run",
            "committed_outside_runs",
            "commitment",
            "variance",
        ],
        title=f"High needs FY {position.fy}"[:31],
    )
    for row in [*position.rows, position.total]:
        data.append(
            [row.label, row.budget, row.allocated, row.forecast, row.panel_pending, row.other,
             row.commitment, row.variance]
        )  # fmt: skip
    return data


def budget_months_dataset(position) -> tablib.Dataset:
    data = tablib.Dataset(
        headers=["month", "budget", "commitment", "cumulative_budget", "cumulative_commitment"],
        title="By month",
    )
    for m in position.months:
        data.append(
            [m.first.isoformat(), m.budget, m.commitment, m.cumulative_budget,
             m.cumulative_commitment]
        )  # fmt: skip
    return data

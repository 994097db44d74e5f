"""Allocation lines as a sheet for the one export layer (schools.exports): one row per line,
the columns finance teams use, pounds to the penny, dates as dates, a total row.

Who may download a run's lines (LA officers; a school's business managers for their own
school's statement) may see its pupils, so lines carry the pupil's name as well as the UPN."""

from __future__ import annotations

from funding.models import AllocationLine, AllocationRun, Element
from schools.exports import Col, Sheet, export_bytes, money

__all__ = ["LINE_COLUMNS", "export_bytes", "lines_dataset", "run_lines_dataset"]

COLUMNS = [
    Col("URN"),
    Col("School"),
    Col("UPN"),
    Col("Pupil"),
    Col("Element"),
    Col("Rule"),
    Col("From"),
    Col("To"),
    Col("Days"),
    money("Amount"),
    Col("Payer"),
    Col("Delegated"),
    Col("Working"),
]
LINE_COLUMNS = tuple(c.header for c in COLUMNS)


def run_lines_dataset(run: AllocationRun, *, school_id: int | None = None) -> Sheet:
    """Every line of the run (or one school's) in the export columns; one query."""
    qs = AllocationLine.objects.filter(run=run)
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    return lines_dataset(qs, f"Run {run.pk} FY {run.fy}")


def lines_dataset(qs, title: str) -> Sheet:
    """Lines of a queryset in the export columns (one query), with a total row."""
    rows = qs.order_by("school__name", "element", "pupil__upn", "period_from", "pk").values_list(
        "school__urn",
        "school__name",
        "pupil__upn",
        "pupil__given_name",
        "pupil__family_name",
        "element",
        "rule",
        "period_from",
        "period_to",
        "school_days",
        "amount",
        "payer_la__code",
        "delegated",
        "explanation",
    )
    labels = dict(Element.choices)
    data = Sheet(title=title, columns=COLUMNS)
    for (urn, school, upn, given, family, element, rule, start, end, days, amount, payer,
         delegated, text) in rows:  # fmt: skip
        pupil = f"{given} {family}" if upn else None
        data.append(
            [urn, school, upn, pupil, labels.get(element, element), rule, start, end, days,
             amount, payer or "ESFA", "Yes" if delegated else "No", text]
        )  # fmt: skip
    return data

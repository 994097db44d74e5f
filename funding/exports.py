"""Allocation lines as a spreadsheet (tablib): one row per line, the columns finance teams use."""

from __future__ import annotations

import tablib

from funding.models import AllocationLine, AllocationRun

LINE_COLUMNS = (
    "urn",
    "school",
    "upn",
    "element",
    "rule",
    "period_from",
    "period_to",
    "amount",
    "payer_la_code",
    "delegated",
    "explanation",
)


def run_lines_dataset(run: AllocationRun, *, school_id: int | None = None) -> tablib.Dataset:
    """Every line of the run (or one school's) in the export columns; one query."""
    qs = AllocationLine.objects.filter(run=run)
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    return lines_dataset(qs, f"Run {run.pk} FY {run.fy}")


def lines_dataset(qs, title: str) -> tablib.Dataset:
    """Lines of a queryset in the export columns (one query)."""
    rows = qs.order_by("school__name", "element", "pupil__upn", "period_from", "pk").values_list(
        "school__urn",
        "school__name",
        "pupil__upn",
        "element",
        "rule",
        "period_from",
        "period_to",
        "amount",
        "payer_la__code",
        "delegated",
        "explanation",
    )
    data = tablib.Dataset(headers=list(LINE_COLUMNS), title=title[:31])
    for urn, school, upn, element, rule, start, end, amount, payer, delegated, text in rows:
        data.append(
            (
                urn,
                school,
                upn or "",
                element,
                rule,
                start.isoformat(),
                end.isoformat(),
                amount,
                payer or "ESFA",
                "yes" if delegated else "no",
                text,
            )
        )
    return data


def export_bytes(data: tablib.Dataset, fmt: str) -> bytes:
    if fmt == "csv":
        return data.export("csv").encode("utf-8")
    if fmt == "xlsx":
        return data.export("xlsx")
    raise ValueError(f"Unknown format {fmt!r}: use csv or xlsx.")

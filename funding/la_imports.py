"""Funding-side LA data imports: high-needs budget lines (R22) and cluster memberships.

Same reader and pattern as `schools.imports` (every problem named by row, column and reason;
written in one transaction; re-importing the same file changes nothing). They live here because
`schools` never imports `funding`; `FundingConfig.ready` adds them to `schools.imports.KINDS`, so
the upload page, the template download and `manage.py import_la_data` offer them too.

Notional SEN budgets given as amounts per school (R2) are not here: they are a schools/ import
(kind `notional-sen`, `schools.imports.notional_sen`, stored as `schools.NotionalSenBudget`);
a school with an amount for the year gets it instead of factor x rate.
"""

from __future__ import annotations

from django.db import transaction

from schools.importing import Cells, ImportRejected, ImportResult, RowError
from schools.imports.common import (
    Upsert,
    financial_year,
    missing,
    normalised_rows,
    school,
    schools_by_urn,
)

BUDGET_COLUMNS = ["financial_year", "line", "budget", "other_commitment", "note"]
BUDGET_REQUIRED = ["financial_year", "line", "budget"]


def _line_choices() -> dict[str, str]:
    from funding.reports.models import BudgetLineKind

    choices = {}
    for value, label in BudgetLineKind.choices:
        choices[value] = value
        choices[label.lower().replace("-", "_").replace(" ", "_")] = value
    return choices


def _budget_allowed() -> dict[str, str]:
    from funding.reports.models import BudgetLineKind

    return {
        "financial_year": "2025-26 (or 2025)",
        "line": "one of: " + "; ".join(f"{v} ({label})" for v, label in BudgetLineKind.choices),
        "budget": "the year's budget for the line in pounds and pence, e.g. 12500000.00",
        "other_commitment": "optional: committed outside allocation runs (contracts, central "
        "services, cluster distributions), in pounds; blank means 0.00",
        "note": "optional, up to 300 characters",
    }


BUDGET_EXAMPLES = [
    ["2025-26", "special_places", "4200000.00", "0.00", ""],
    ["2025-26", "central", "650000.00", "650000.00", "Sensory service contract"],
]


@transaction.atomic
def budget_lines_import(*, content: bytes, filename: str, user=None) -> ImportResult:
    """R22: one row per financial year and line; matched by those two."""
    from decimal import Decimal

    from funding.reports.models import BudgetLine

    rows = normalised_rows(content, filename)
    errors: list[RowError] = missing(rows, BUDGET_REQUIRED)
    if errors:
        raise ImportRejected(errors)
    choices = _line_choices()
    lines = Upsert(
        BudgetLine,
        ("financial_year", "line"),
        ["budget", "other_commitment", "note"],
        "budget lines",
    )
    for number, row in enumerate(rows, start=2):
        cells = Cells(row, number, errors)
        year = financial_year(cells)
        line = cells.choice("line", choices) if cells.text("line") else None
        budget = cells.decimal("budget", required=True)
        other = cells.decimal("other_commitment")
        note = cells.text("note", required=False)
        if len(note) > 300:
            cells.error("note", f"is {len(note)} characters long: keep it to 300")
        if None in (year, line, budget) or not line or len(note) > 300:
            continue
        values = {"budget": budget, "other_commitment": other or Decimal("0.00"), "note": note}
        lines.add(cells, (year, line), values, "line")
    if errors:
        raise ImportRejected(errors)
    result = ImportResult(rows=len(rows))
    lines.write(
        BudgetLine.objects.filter(financial_year__in={k[0] for k in lines.items}),
        result,
        user=user,
        reason=f"Budget lines import ({filename})",
    )
    return result


MEMBERSHIP_COLUMNS = ["cluster", "urn", "starts_on", "ends_on"]
MEMBERSHIP_REQUIRED = ["cluster", "urn", "starts_on"]
MEMBERSHIP_ALLOWED = {
    "cluster": "the cluster's name; a cluster not yet recorded is created",
    "urn": "the member school's URN (as in GIAS)",
    "starts_on": "the first day of membership, YYYY-MM-DD or DD/MM/YYYY",
    "ends_on": "optional: the last day of membership; blank means it carries on",
}
MEMBERSHIP_EXAMPLES = [
    ["North Cluster", "100000", "2025-09-01", ""],
    ["North Cluster", "100001", "2025-09-01", "2026-08-31"],
]


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)


@transaction.atomic
def cluster_memberships_import(*, content: bytes, filename: str, user=None) -> ImportResult:
    """One row per school's spell in a cluster, matched by cluster, school and start date.

    A school is in one cluster at a time: a spell that overlaps another (in the file or already
    recorded) is named by row.
    """
    from clusters.models import Cluster, ClusterMembership

    rows = normalised_rows(content, filename)
    errors: list[RowError] = missing(rows, MEMBERSHIP_REQUIRED)
    if errors:
        raise ImportRejected(errors)
    known = schools_by_urn(rows)
    clusters = {c.name.lower(): c for c in Cluster.objects.all()}
    parsed = []
    for number, row in enumerate(rows, start=2):
        cells = Cells(row, number, errors)
        name = cells.text("cluster")
        if len(name) > 120:
            cells.error("cluster", f"is {len(name)} characters long: keep it to 120")
            name = ""
        found = school(cells, known)
        starts = cells.date("starts_on")
        ends = cells.date("ends_on", required=False)
        if starts and ends and ends < starts:
            cells.error("ends_on", f"{ends:%d/%m/%Y} is before the start, {starts:%d/%m/%Y}")
            continue
        if name and found and starts:
            parsed.append((cells, name, found, starts, ends))
    # Spells for one school, in the file and stored, must not overlap (one cluster at a time).
    stored = list(
        ClusterMembership.objects.filter(school__in={p[2].pk for p in parsed}).select_related(
            "cluster"
        )
    )
    seen: dict[tuple, int] = {}
    for cells, name, found, starts, ends in parsed:
        key = (name.lower(), found.pk, starts)
        if key in seen:
            cells.error("starts_on", f"the same membership is also in row {seen[key]}")
            continue
        seen[key] = cells.number
        for other, other_name, other_school, o_starts, o_ends in parsed:
            if other is cells or other_school.pk != found.pk:
                continue
            if (other_name.lower(), o_starts) == (name.lower(), starts):
                continue
            if other.number < cells.number and _overlaps(starts, ends, o_starts, o_ends):
                cells.error(
                    "starts_on",
                    f"{found.name} is already in {other_name} on these dates (row "
                    f"{other.number}): a school is in one cluster at a time",
                )
        for m in stored:
            if m.school_id != found.pk or (m.cluster.name.lower(), m.starts_on) == key[::2]:
                continue
            if _overlaps(starts, ends, m.starts_on, m.ends_on):
                cells.error(
                    "starts_on",
                    f"{found.name} is already recorded in {m.cluster.name} from "
                    f"{m.starts_on:%d/%m/%Y}: end that membership first (a school is in one "
                    "cluster at a time)",
                )
    if errors:
        raise ImportRejected(errors)
    result = ImportResult(rows=len(rows))
    for _cells, name, *_ in parsed:
        if name.lower() not in clusters:
            clusters[name.lower()] = Cluster(name=name)
            clusters[name.lower()]._change_reason = f"Cluster memberships import ({filename})"
            if getattr(user, "is_authenticated", False):
                clusters[name.lower()]._history_user = user
            clusters[name.lower()].save()
            result.count("created", "clusters")
    memberships = Upsert(
        ClusterMembership, ("cluster_id", "school_id", "starts_on"), ["ends_on"], "memberships"
    )
    for cells, name, found, starts, ends in parsed:
        memberships.add(
            cells, (clusters[name.lower()].pk, found.pk, starts), {"ends_on": ends}, "starts_on"
        )
    memberships.write(
        ClusterMembership.objects.filter(school_id__in={p[2].pk for p in parsed}),
        result,
        user=user,
        reason=f"Cluster memberships import ({filename})",
    )
    return result


def register_kinds() -> None:
    """Add the funding-side kinds to the LA data import registry (pages, template, command)."""
    from schools.imports import KINDS, ImportKind

    KINDS.setdefault(
        "budget-lines",
        ImportKind(
            "budget-lines",
            "High-needs budget lines",
            "The high needs block's budget for each line and financial year (R22), with any "
            "commitment the allocation runs do not hold.",
            budget_lines_import,
            BUDGET_COLUMNS,
            _budget_allowed(),
            BUDGET_EXAMPLES,
        ),
    )
    KINDS.setdefault(
        "cluster-memberships",
        ImportKind(
            "cluster-memberships",
            "Cluster memberships",
            "Which cluster each school belongs to, and from when. Clusters not yet recorded are "
            "created by name.",
            cluster_memberships_import,
            MEMBERSHIP_COLUMNS,
            MEMBERSHIP_ALLOWED,
            MEMBERSHIP_EXAMPLES,
        ),
    )

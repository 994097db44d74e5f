"""The bulk reads of a return generation (`funding.returns.generation`), for a batch of schools
at once: this month's and the last returns, the last return's lines, the placements (with dates
of birth), and the pupils' plans and support levels, in a constant number of queries whatever
the batch's size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from funding.calculations.periods import SUPPORT_ROW_FIELDS
from funding.returns.calculations import (
    ONE_DAY,
    LineDraft,
    PlacementRow,
    PlanRow,
    Snapshot,
    Support,
    SupportRow,
    month_end,
)
from funding.returns.models import MonthlyReturn, ReturnLine, ReturnStatus
from pupils.models import Placement, Plan, SupportLevel
from schools.db import ids_in


@dataclass
class _School:
    """One school of the batch: what the bulk reads found, then its drafted lines."""

    school_id: int
    existing: tuple | None = None  # (pk, status, opened_at) of this month's return
    previous: tuple | None = None  # (pk, month) of the last return before this month
    snapshots: dict[int, Snapshot] | None = None
    placements: list[PlacementRow] = field(default_factory=list)
    dates_of_birth: dict[int, dt.date] = field(default_factory=dict)
    drafts: list[LineDraft] = field(default_factory=list)
    amounts: dict[int, Decimal] = field(default_factory=dict)


def _rebuildable(status: str, opened_at) -> bool:
    return status == ReturnStatus.ISSUED and opened_at is None


# --- Bulk reads ------------------------------------------------------------------------------
# They clear the models' default ordering: ordering by a foreign key would join the pupil (or
# plan) table only to sort rows the calculation does not need sorted.


def _read_schools(school_ids: list[int], start: dt.date):
    """This month's and the last return of each school, the last return's lines, the
    placements (with dates of birth) of each school, and their pupils' plans and support
    levels: six queries for the whole batch."""
    schools = {school_id: _School(school_id) for school_id in school_ids}
    for school_id, pk, status, opened_at in MonthlyReturn.objects.filter(
        school_id__in=school_ids, month=start
    ).values_list("school_id", "pk", "status", "opened_at"):
        schools[school_id].existing = (pk, status, opened_at)
    earlier = MonthlyReturn.objects.filter(school_id__in=school_ids, month__lt=start).order_by(
        "school_id", "-month"
    )
    if connection.vendor == "postgresql":
        earlier = earlier.distinct("school_id")
    for school_id, pk, month in earlier.values_list("school_id", "pk", "month"):
        if schools[school_id].previous is None:
            schools[school_id].previous = (pk, month)
    wanted = [s for s in schools.values() if s.existing is None or _rebuildable(*s.existing[1:])]
    _read_snapshots([s for s in wanted if s.previous is not None])
    _read_placements(wanted, start)
    return schools, _PlansAndSupports(wanted, start)


def _read_snapshots(schools: list[_School]) -> None:
    """What each school's last return told it about each pupil."""
    if not schools:
        return
    by_return = {school.previous[0]: school for school in schools}
    previous_ends = {school.previous[0]: month_end(school.previous[1]) for school in schools}
    for school in schools:
        school.snapshots = {}
    rows = (
        ReturnLine.objects.filter(ids_in("monthly_return_id", by_return))
        .order_by()
        .values_list(
            "monthly_return_id",
            "pupil_id",
            "plan_id",
            "lsa_hours",
            "lst_hours",
            "ta_hours",
            "band",
            "resource_amount",
            "on_roll_from",
            "expected_on_roll",
            "plan_ceased_on",
        )
    )
    for return_id, pupil_id, plan_id, lsa, lst, ta, band, resource, from_, on_roll, ceased in rows:
        gone = not on_roll or (ceased is not None and ceased <= previous_ends[return_id])
        by_return[return_id].snapshots[pupil_id] = Snapshot(
            pupil_id, plan_id, Support(lsa, lst, ta, band, resource), from_, gone
        )


def _read_placements(schools: list[_School], start: dt.date) -> None:
    """Placements at each school from the day before the month, plus those of the pupils on
    its last return (who may have left since), with each pupil's date of birth."""
    if not schools:
        return
    end, baseline_day = month_end(start), start - ONE_DAY
    by_id = {school.school_id: school for school in schools}
    in_period = Q(starts_on__lte=end) & (Q(ends_on__isnull=True) | Q(ends_on__gte=baseline_day))
    previous_pupils = {p for s in schools if s.snapshots for p in s.snapshots}
    if previous_pupils:
        in_period |= Q(ids_in("pupil_id", previous_pupils))
    for pk, school_id, pupil_id, starts_on, ends_on, dob in (
        Placement.objects.filter(ids_in("school_id", by_id))
        .filter(in_period)
        .order_by()
        .values_list("pk", "school_id", "pupil_id", "starts_on", "ends_on", "pupil__date_of_birth")
    ):
        school = by_id[school_id]
        current = starts_on <= end and (ends_on is None or ends_on >= baseline_day)
        if not current and not (school.snapshots and pupil_id in school.snapshots):
            continue  # the pupil was on another school's last return
        school.placements.append(PlacementRow(pk, pupil_id, starts_on, ends_on))
        school.dates_of_birth[pupil_id] = dob


class _PlansAndSupports:
    """The batch's plans and support levels, read in two queries for every school's pupils."""

    def __init__(self, schools: list[_School], start: dt.date):
        end, baseline_day = month_end(start), start - ONE_DAY
        pupil_ids = {pupil_id for school in schools for pupil_id in school.dates_of_birth}
        self.plans: dict[int, list[PlanRow]] = defaultdict(list)
        self.supports: dict[int, list[SupportRow]] = defaultdict(list)
        if not pupil_ids:
            return
        for row in (
            Plan.objects.filter(ids_in("pupil_id", pupil_ids), issued_on__lte=end)
            .order_by()
            .values_list("pk", "pupil_id", "kind", "issued_on", "ceased_on", "annual_review_due")
        ):
            self.plans[row[1]].append(PlanRow(*row))
        plan_ids = [plan.id for plans in self.plans.values() for plan in plans]
        if plan_ids:
            for row in (
                SupportLevel.objects.filter(ids_in("plan_id", plan_ids), effective_from__lte=end)
                .exclude(effective_to__lt=baseline_day)
                .order_by()
                .values_list(*SUPPORT_ROW_FIELDS)
            ):
                self.supports[row[1]].append(SupportRow(*row))

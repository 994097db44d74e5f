"""The budget's forecast (R22): which pupils to work out again since the latest run, the
engine inputs without pending panel decisions, phase ends; sums by budget line."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, Sum

from funding.models import (
    AllocationLine,
    AllocationRun,
    FundingScheme,
    HourlyRate,
    NotionalSenFactor,
    TaHoursBand,
)
from funding.panel.models import Outcome, PanelDecision
from funding.reports import calculations as calc
from funding.reports.selectors.common import (
    ZERO,
    _q,
)
from pupils.models import (
    FundingItem,
    Placement,
    PlacementKind,
    Plan,
    Pupil,
    SupportLevel,
)
from schools.dates import FinancialYear
from schools.models import (
    PlannedPlaces,
    School,
    SchoolCensus,
    SpecialSchoolBand,
)


def _grouped_lines(lines, schools: dict[int, str], la_id: int):
    """Engine lines paid from our high needs block, summed by (budget line, period)."""
    out: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.payer_la_id != la_id:
            continue
        kind = calc.budget_line_for(
            line.element,
            establishment_type=schools.get(line.school_id, ""),
            placement_kind=line.working.get("placement"),
            delegated=line.delegated,
        )
        if kind is not None:
            out[(kind, line.period_from, line.period_to)] += line.amount
    return out


def _add_months(target: dict, groups: dict, months, days, sign: int = 1) -> None:
    for (kind, start, end), amount in groups.items():
        for i, share in enumerate(calc.split_over(amount, start, end, months, days)):
            target[kind][i] += sign * share


def _without_decisions(inputs, decisions: list[dict]):
    """The engine's inputs without the rows the decisions created (the previous support level
    restored to run on), for the pupils they concern."""
    supports = dict(inputs.supports)
    items = dict(inputs.funding_items)
    plans = dict(inputs.plans)
    for d in decisions:
        pupil_id = d["case__pupil_id"]
        if d["funding_item_id"]:
            items[pupil_id] = [i for i in items.get(pupil_id, []) if i.id != d["funding_item_id"]]
        if d["plan_id"]:
            plans[pupil_id] = [p for p in plans.get(pupil_id, []) if p.id != d["plan_id"]]
        if d["support_level_id"]:
            for plan_id, levels in list(supports.items()):
                removed = [s for s in levels if s.id == d["support_level_id"]]
                if not removed:
                    continue
                kept = []
                for s in levels:
                    if s.id == d["support_level_id"]:
                        continue
                    if s.id == d["previous_support_level_id"]:
                        s = dataclasses.replace(s, effective_to=removed[0].effective_to)
                    kept.append(s)
                supports[plan_id] = kept
    return dataclasses.replace(inputs, supports=supports, funding_items=items, plans=plans)


def _pending_decisions(fy: FinancialYear, run: AllocationRun | None) -> list[dict]:
    """Approved panel decisions the latest run has not seen (decided after it started)
    whose effect falls in the year."""
    qs = PanelDecision.objects.filter(outcome__in=Outcome.approvals()).filter(
        Q(effective_from__lte=fy.ends_on) | Q(effective_from__isnull=True)
    )
    qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=fy.starts_on))
    if run is not None:
        qs = qs.filter(decided_at__gt=run.started_at or run.created_at)
    return list(
        qs.values(
            "pk",
            "case_id",
            "case__pupil_id",
            "case__pupil__given_name",
            "case__pupil__family_name",
            "case__pupil__upn",
            "case__school__name",
            "decided_at",
            "effective_from",
            "support_level_id",
            "previous_support_level_id",
            "funding_item_id",
            "plan_id",
            "granted_lsa_hours",
            "granted_lst_hours",
            "granted_ta_hours",
            "granted_band",
            "granted_amount",
            "end_date",
        ).order_by("decided_at")
    )


def _changed_pupils(run: AllocationRun, fy: FinancialYear, year_days: int) -> set[int] | None:
    """Pupils whose money may differ from the run's: their records changed after the run read
    them (history, or rows recorded since), or their school or its band rates did. None when
    something every pupil depends on changed (the scheme or its rate tables, the calendar's
    school days): then the whole year is worked out again. About a dozen queries."""
    since = run.started_at or run.created_at
    if (
        AllocationLine.objects.filter(run=run).exclude(year_days=year_days).exists()
        or FundingScheme.objects.filter(pk=run.scheme_id, updated_at__gt=since).exists()
        or any(
            model.history.filter(scheme_id=run.scheme_id, history_date__gt=since).exists()
            for model in (NotionalSenFactor, HourlyRate, TaHoursBand)
        )
    ):
        return None
    changed_schools = School.history.filter(history_date__gt=since).values("id")
    changed_bands = SpecialSchoolBand.history.filter(
        financial_year=fy.start_year, history_date__gt=since
    ).values("school_id")
    changed: set[int] = set()
    for qs in (
        Placement.history.filter(history_date__gt=since).values_list("pupil_id", flat=True),
        Plan.history.filter(history_date__gt=since).values_list("pupil_id", flat=True),
        SupportLevel.history.filter(history_date__gt=since).values_list(
            "plan__pupil_id", flat=True
        ),
        FundingItem.history.filter(history_date__gt=since).values_list("pupil_id", flat=True),
        Pupil.history.filter(history_date__gt=since).values_list("id", flat=True),
        Placement.objects.filter(recorded_at__gt=since).values_list("pupil_id", flat=True),
        Plan.objects.filter(recorded_at__gt=since).values_list("pupil_id", flat=True),
        SupportLevel.objects.filter(recorded_at__gt=since).values_list("plan__pupil_id", flat=True),
        FundingItem.objects.filter(recorded_at__gt=since).values_list("pupil_id", flat=True),
        Placement.objects.filter(
            Q(school_id__in=changed_schools) | Q(school_id__in=changed_bands)
        ).values_list("pupil_id", flat=True),
    ):
        changed.update(pk for pk in qs.distinct().order_by() if pk is not None)
    return changed


def _school_figures_changed(run: AllocationRun) -> bool:
    """Census figures, planned places or a school recorded after the run: redo the
    school-level lines (elements 1 and 2, Additional SEN Support, place funding)."""
    since = run.started_at or run.created_at
    return (
        SchoolCensus.history.filter(history_date__gt=since).exists()
        or PlannedPlaces.history.filter(history_date__gt=since).exists()
        or School.history.filter(history_date__gt=since).exists()
    )


def _phase_ends(fy: FinancialYear, la_id: int, as_of: dt.date) -> dict[int, dict[int, dt.date]]:
    """{pupil: {placement: the date the forecast assumes they leave}} for mainstream placements
    running past the end of the school's last year group (by date of birth) inside the year,
    at or after `as_of`. One query."""
    out: dict[int, dict[int, dt.date]] = defaultdict(dict)
    rows = (
        Placement.objects.filter(kind=PlacementKind.MAINSTREAM, starts_on__lte=fy.ends_on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=as_of))
        .filter(Q(school__la_id=la_id) | Q(pupil__home_la_id=la_id))
        .values_list(
            "pk",
            "pupil_id",
            "ends_on",
            "starts_on",
            "pupil__date_of_birth",
            "school__phase",
            "school__statutory_high_age",
        )
        .order_by()
    )
    for pk, pupil_id, ends_on, starts_on, dob, phase, high_age in rows:
        cut = calc.phase_end_cut(
            dob,
            last_group=calc.last_year_group(phase, high_age),
            ends_on=ends_on,
            as_of=as_of,
        )
        if cut is not None and starts_on <= cut < fy.ends_on:
            out[pupil_id][pk] = cut
    return out


def _with_phase_ends(inputs, cuts: dict[int, dict[int, dt.date]]):
    placements = dict(inputs.placements)
    for pupil_id, by_placement in cuts.items():
        if pupil_id in placements:
            placements[pupil_id] = [
                dataclasses.replace(p, ends_on=by_placement[p.id]) if p.id in by_placement else p
                for p in placements[pupil_id]
            ]
    return dataclasses.replace(inputs, placements=placements)


def _run_groups(run: AllocationRun, la_id: int, qs=None) -> dict[tuple, Decimal]:
    """The run's lines paid from our high needs block, summed by (budget line, period)."""
    qs = AllocationLine.objects.filter(run=run) if qs is None else qs
    groups: dict[tuple, Decimal] = defaultdict(Decimal)
    for g in (
        qs.filter(payer_la_id=la_id)
        .exclude(element__in=calc.SCHOOLS_BLOCK)
        .values(
            "element",
            "delegated",
            "school__establishment_type",
            "working__placement",
            "period_from",
            "period_to",
        )
        .annotate(amount=Sum("amount"))
        .order_by()
    ):
        kind = calc.budget_line_for(
            g["element"],
            establishment_type=g["school__establishment_type"],
            placement_kind=g["working__placement"],
            delegated=g["delegated"],
        )
        if kind is not None:
            groups[(kind, g["period_from"], g["period_to"])] += _q(g["amount"])
    return groups


def _merge(target: dict, groups: dict, sign: int = 1) -> None:
    for key, amount in groups.items():
        target[key] = target.get(key, ZERO) + sign * amount

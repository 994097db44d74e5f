"""Everything a run of the year needs, read in bulk (`allocation_inputs`, a constant number of
queries).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q

from funding.calculations.allocation import (
    AllocationInputs,
    HomeLaSpan,
    PlacesInfo,
    PupilInfo,
    SchoolInfo,
)
from funding.calculations.elements import CensusCounts
from funding.calculations.periods import (
    SUPPORT_ROW_FIELDS,
    FundingItemSpan,
    PlacementSpan,
    PlanSpan,
    supports_by_plan,
)
from funding.calculations.scheme import SchemeRates
from funding.models import FundingScheme
from funding.row_reads import RowsAhead, RowsNow, can_read_ahead
from funding.selectors.rates import _fy, scheme_for, scheme_rates
from pupils.models import FundingItem, Placement, Plan, Pupil, PupilHomeLa, SupportLevel
from pupils.selectors import home_la_period_rows, home_la_periods, home_la_periods_from_rows
from schools.asat import as_at as rows_as_at
from schools.asat import instance_of
from schools.dates import FinancialYear
from schools.db import ids_in
from schools.models import (
    LocalAuthority,
    NotionalSenBudget,
    PlannedPlaces,
    School,
    SchoolCensus,
    SpecialSchoolBand,
)
from schools.selectors import administering_la, school_calendar

if TYPE_CHECKING:
    from schools.calendar import SchoolCalendar


def _overlapping(qs, start_field: str, end_field: str, fy: FinancialYear):
    return qs.filter(**{f"{start_field}__lte": fy.ends_on}).filter(
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": fy.starts_on})
    )


def allocation_inputs(
    fy: int | FinancialYear,
    *,
    scheme: FundingScheme | None = None,
    la: LocalAuthority | None = None,
    pupil_ids: list[int] | None = None,
    with_schools: bool = True,
    as_at: dt.datetime | None = None,
    rates: SchemeRates | None = None,
    calendar: SchoolCalendar | None = None,
) -> AllocationInputs:
    """Everything a run of the year needs, read in bulk: a constant number of queries.

    With `pupil_ids`, only those pupils (and no school-level figures unless `with_schools`).
    With `as_at`, every input as it stood at that moment, read from the history tables
    (`funding.asat`), so a run re-run as at its own moment gives the same lines. `rates` and
    `calendar`, when given, are the scheme's and the LA's already read for the year (as at
    `as_at`: `funding.year_inputs`, once for a generation's batches).
    """
    fy = _fy(fy)
    la = la or administering_la()
    scheme = scheme or scheme_for(fy, la)
    if scheme is None:
        raise FundingScheme.DoesNotExist(f"No funding scheme for {la.name} in FY {fy}.")
    rates = scheme_rates(scheme, as_at) if rates is None else rates
    if calendar is None:
        calendar = school_calendar(la, fy.starts_on, fy.ends_on, as_at=as_at)
    # Ids read as at the same moment (a join from a history table would reach the live rows).
    la_school_ids = rows_as_at(School, as_at).filter(la_id=la.pk).values("id")
    home_pupil_ids = rows_as_at(Pupil, as_at).filter(home_la_id=la.pk).values("id")
    # R8+: pupils who lived in the LA at any time in the year (dated home LAs).
    lived_here_ids = _overlapping(
        rows_as_at(PupilHomeLa, as_at).filter(la_id=la.pk), "starts_on", "ends_on", fy
    ).values("pupil_id")

    placements_qs = _overlapping(rows_as_at(Placement, as_at), "starts_on", "ends_on", fy).filter(
        Q(school_id__in=la_school_ids)
        | Q(pupil_id__in=home_pupil_ids)
        | Q(pupil_id__in=lived_here_ids)
    )
    if pupil_ids is not None:
        # One array parameter, not one placeholder per pupil (`schools.db`).
        placements_qs = placements_qs.filter(ids_in("pupil_id", pupil_ids))
    pupil_filter = (
        Q(ids_in("id", pupil_ids))
        if pupil_ids is not None
        else Q(id__in=placements_qs.values("pupil_id"))
    )
    of_pupils = (
        Q(ids_in("pupil_id", pupil_ids))
        if pupil_ids is not None
        else Q(pupil_id__in=placements_qs.values("pupil_id"))
    )
    # Every plan of the pupils, not only the year's: a plan continuing an earlier one keeps its
    # standing (R17), and the periods are clipped to the year by the engine.
    plans_qs = rows_as_at(Plan, as_at).filter(of_pupils, issued_on__lte=fy.ends_on)
    placement_rows = placements_qs.values_list(
        "id", "pupil_id", "school_id", "kind", "starts_on", "ends_on", "admission_kind"
    ).order_by()
    pupil_rows = (
        rows_as_at(Pupil, as_at)
        .filter(pupil_filter)
        .values_list("id", "upn", "date_of_birth", "home_la_id")
        .order_by("id")
    )
    home_la_rows = (
        home_la_period_rows(placements_qs.values("pupil_id"), fy.starts_on, fy.ends_on)
        if pupil_ids is None and as_at is None
        else None
    )
    plan_rows = plans_qs.values_list("id", "pupil_id", "issued_on", "ceased_on", "kind").order_by()
    support_rows = (
        _overlapping(
            rows_as_at(SupportLevel, as_at).filter(
                plan_id__in=plans_qs.values("id"), superseded_at__isnull=True
            ),
            "effective_from",
            "effective_to",
            fy,
        )
        .values_list(*SUPPORT_ROW_FIELDS)
        .order_by()
    )
    item_rows = (
        rows_as_at(FundingItem, as_at)
        .filter(of_pupils, starts_on__lte=fy.ends_on, ends_on__gte=fy.starts_on)
        .values_list("id", "pupil_id", "school_id", "kind", "annual_amount", "starts_on", "ends_on")
        .order_by("starts_on", "id")
    )
    reads = [placement_rows, pupil_rows, plan_rows, support_rows, item_rows]
    if home_la_rows is not None:
        reads.insert(2, home_la_rows)
    # A full run's big reads go ahead on a second connection while the rows already read
    # become inputs (`funding.row_reads`); a batch of pupils reads them in turn.
    ahead = pupil_ids is None and can_read_ahead()
    with RowsAhead(reads) if ahead else RowsNow() as read:
        placements: dict[int, list[PlacementSpan]] = defaultdict(list)
        school_ids: set[int] = set()
        for pk, pupil_id, school_id, kind, starts_on, ends_on, admission in read.rows(
            placement_rows
        ):
            placements[pupil_id].append(
                PlacementSpan(pk, pupil_id, school_id, kind, starts_on, ends_on, admission)
            )
            school_ids.add(school_id)
        pupils = {
            pk: PupilInfo(pk, upn, dob, home_la_id)
            for pk, upn, dob, home_la_id in read.rows(pupil_rows)
        }
        if home_la_rows is not None:
            periods_by_pupil = home_la_periods_from_rows(
                read.rows(home_la_rows), fy.starts_on, fy.ends_on
            )
        else:
            periods_by_pupil = home_la_periods(
                placements_qs.values_list("pupil_id", flat=True)
                if pupil_ids is None
                else pupil_ids
                if as_at is not None
                else Pupil._base_manager.filter(ids_in("pk", pupil_ids)).values("pk"),
                fy.starts_on,
                fy.ends_on,
                as_at=as_at,
            )
        home_las = {
            pupil_id: [HomeLaSpan(*period) for period in periods]
            for pupil_id, periods in periods_by_pupil.items()
            if periods
        }
        plans: dict[int, list[PlanSpan]] = defaultdict(list)
        for pk, pupil_id, issued_on, ceased_on, kind in read.rows(plan_rows):
            plans[pupil_id].append(PlanSpan(pk, pupil_id, issued_on, ceased_on, kind))
        supports = supports_by_plan(read.rows(support_rows))
        items: dict[int, list[FundingItemSpan]] = defaultdict(list)
        for row in read.rows(item_rows):
            items[row[1]].append(FundingItemSpan(*row))
            school_ids.add(row[2])

    schools_qs = rows_as_at(School, as_at)
    if not with_schools:
        schools_qs = schools_qs.filter(id__in=school_ids)
    schools = {
        row[0]: SchoolInfo(*row)
        for row in schools_qs.values_list(
            "id",
            "urn",
            "name",
            "la_id",
            "phase",
            "establishment_type",
            "opened_on",
            "closed_on",
        ).order_by()
    }
    band_qs = rows_as_at(SpecialSchoolBand, as_at).filter(financial_year=fy.start_year)
    if not with_schools:
        band_qs = band_qs.filter(school_id__in=school_ids)
    band_rates = {
        (school_id, band): rate
        for school_id, band, rate in band_qs.values_list("school_id", "band", "annual_rate")
    }
    censuses: dict[int, list[CensusCounts]] = defaultdict(list)
    places: list[PlacesInfo] = []
    notional_sen_amounts: dict[int, tuple[Decimal, str]] = {}
    if with_schools:
        notional_sen_amounts = {
            school_id: (amount, source)
            for school_id, amount, source in rows_as_at(NotionalSenBudget, as_at)
            .filter(school_id__in=la_school_ids, financial_year=fy.start_year)
            .values_list("school_id", "amount", "source")
        }
        census_qs = rows_as_at(SchoolCensus, as_at).filter(
            school_id__in=la_school_ids,
            census_date__gte=dt.date(fy.start_year - 2, 4, 1),
            census_date__lte=fy.ends_on,
        )
        for c in census_qs.order_by().iterator():
            censuses[c.school_id].append(census_counts(instance_of(c)))
        places = [
            PlacesInfo(*row)
            for row in rows_as_at(PlannedPlaces, as_at)
            .filter(
                school_id__in=la_school_ids,
                academic_year__in=[fy.start_year - 1, fy.start_year],
            )
            .values_list("school_id", "academic_year", "provision", "places", "occupied")
            .order_by()
        ]
    return AllocationInputs(
        fy=fy,
        rates=rates,
        calendar=calendar,
        administering_la_id=la.pk,
        schools=schools,
        censuses=dict(censuses),
        places=places,
        band_rates=band_rates,
        notional_sen_amounts=notional_sen_amounts,
        pupils=pupils,
        placements=dict(placements),
        plans=dict(plans),
        supports=supports,
        funding_items=dict(items),
        home_las=home_las,
        as_at=as_at,
    )


def census_counts(census: SchoolCensus) -> CensusCounts:
    return CensusCounts(
        census_date=census.census_date,
        primary_roll=census.primary_roll,
        ks3_roll=census.ks3_roll,
        ks4_roll=census.ks4_roll,
        roll_r_to_y11=census.roll_excluding_nursery_and_sixth_form,
        ehc_plans=census.ehc_plans,
        factors={
            "fsm": census.fsm,
            "idaci": census.idaci,
            "low_prior_attainment": census.low_prior_attainment,
            "mobility": census.mobility,
            "eal": census.eal,
            "english_attainment_below": census.english_attainment_below,
            "sen_support": census.sen_support,
        },
    )

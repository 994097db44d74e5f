"""Reads for the funding engine, and its public read API for the rest of the product.

Public API (stable; other parts of the product call these):

- ``scheme_for(fy, la=None) -> FundingScheme | None``
- ``latest_run(fy, kinds=None) -> AllocationRun | None``: the newest *completed* run of the
  year, optionally only of the given kinds (e.g. ``("final", "revised")``).
- ``run_totals(run) -> RunTotals``: totals by element, delegated / retained / ESFA.
- ``recoupment(run) -> Recoupment``: R8, what each other LA owes us and what we owe each.
- ``school_statement(school, fy, run=None) -> Statement | None``: a school's year, explained.
- ``lines_for_pupil(pupil, fy=None) -> list[PupilFundingLine]``: a pupil's periods and amounts
  from the latest completed run of each year (for the pupil timeline).
- ``pupil_funding(pupil, fy) -> list[LineData]``: the same periods computed live from today's
  data (no run needed).
- ``monthly_top_up(pupil_id, school_id, month_start) -> Decimal | None``: the money paid to the
  school for the pupil for that month (each line's entitlement to the month's end less that to
  the month's start: R7+, so the months add up to the line), computed live; None when the
  pupil has no funded period there that month. About 14 queries a call: for a whole school's
  return use ``monthly_top_ups``.
- ``monthly_top_ups(school_id, month_start, pupil_ids=None) -> dict[int, Decimal | None]``:
  the same for many pupils of one school with a constant number of queries.
- ``monthly_top_ups_detail(school_id, month_start, pupil_ids=None) -> dict[int, MonthlyTopUp]``:
  the same with the school days and the working of each part.
- ``monthly_top_ups_by_school(month_start, school_ids=None, pupil_ids=None)``: the same for
  every school at once, one engine over the LA (monthly returns read a month this way).
- ``current_annual_top_up(pupil, on=None) -> Decimal | None``: the annual element 3 top-up the
  pupil's support level in force on `on` attracts at their school (for the panel summary).
- ``current_annual_top_up_detail(pupil, on=None) -> AnnualTopUp | None``: the same with the
  retained-centrally part and the working.
- ``compare_runs(initial, final, school=None) -> list[ComparisonRow]``: R21, per school and
  element (initial, final, difference); ``default_comparison(fy) -> (initial, final)``.
- ``school_totals(run)``: per-school totals of a run (dicts, one query).
- ``statement_school(user, urn) -> School | None``: the school whose statement the user may
  read (LA officers: any; a school's business managers: their own; else None -> 404).
- ``start_page_items(user) -> list[dict]``: items for the home page.

Bulk reads for a run live in ``allocation_inputs`` (a constant number of queries). To add lines
of your own to every run (e.g. PSF), register a line source: see ``funding.extensions``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q, QuerySet, Sum
from django.urls import reverse

from funding.calculations.allocation import (
    AllocationInputs,
    Engine,
    HomeLaSpan,
    LineData,
    NoSchoolDays,
    PlacesInfo,
    PupilInfo,
    SchoolInfo,
    rate_phase,
)
from funding.calculations.elements import CensusCounts
from funding.calculations.entitlement import month_bounds, split_line
from funding.calculations.periods import FundingItemSpan, PlacementSpan, PlanSpan, SupportSpan
from funding.calculations.scheme import (
    HourlyRateData,
    SchemeRates,
    SenFactorData,
    TaBandData,
    rate_change_of,
    rates_from,
)
from funding.calculations.top_up import MissingRate, Support, top_up_from_support
from funding.models import (
    PUPIL_ELEMENTS,
    AllocationLine,
    AllocationRun,
    Element,
    FundingScheme,
    Route,
    RunKind,
    RunStatus,
)
from funding.row_reads import RowsAhead, RowsNow, can_read_ahead
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
from schools.roles import is_la_officer, is_school_user
from schools.selectors import administering_la, school_calendar

if TYPE_CHECKING:
    from funding.year_inputs import YearInputs
    from schools.calendar import SchoolCalendar

NO_SCHEME_AS_AT = "The scheme {scheme} did not exist yet as at {as_at}."
ELEMENT_LABELS = dict(Element.choices)
#: The order elements appear in statements and totals.
ELEMENT_ORDER = [
    Element.ELEMENT_1,
    Element.NOTIONAL_SEN,
    Element.ADDITIONAL_SEN_SUPPORT,
    Element.PLACE,
    Element.TOP_UP,
    Element.PERSONAL_SUPPLEMENT,
    Element.ENF,
    Element.PSF,
]


def _fy(fy: int | FinancialYear) -> FinancialYear:
    return fy if isinstance(fy, FinancialYear) else FinancialYear(int(fy))


# ---- schemes -------------------------------------------------------------------------------


def scheme_for(fy: int | FinancialYear, la: LocalAuthority | None = None) -> FundingScheme | None:
    """The LA's scheme for the year (default: the administering LA's)."""
    fy = _fy(fy)
    qs = FundingScheme.objects.select_related("la").filter(financial_year=fy.start_year)
    qs = qs.filter(la=la) if la is not None else qs.filter(la__is_administering=True)
    return qs.first()


def schemes() -> QuerySet[FundingScheme]:
    return FundingScheme.objects.select_related("la").annotate(run_count=Count("runs"))


def scheme_rates(scheme: FundingScheme, as_at: dt.datetime | None = None) -> SchemeRates:
    """The scheme as plain data for the calculators (three queries for the rate tables).

    With `as_at`, the scheme and its rate tables as they stood at that moment (one query more).
    """
    from funding.models import (
        SCHEME_FIELD_NAMES,
        HourlyRate,
        NotionalSenFactor,
        SchemeRateChange,
        TaHoursBand,
    )

    if as_at is not None:
        then = rows_as_at(FundingScheme, as_at).filter(id=scheme.pk).first()
        if then is None:
            raise FundingScheme.DoesNotExist(
                NO_SCHEME_AS_AT.format(scheme=scheme.name, as_at=f"{as_at:%d %B %Y %H:%M}")
            )
        scheme = instance_of(then)
    values = {name: getattr(scheme, name) for name in SCHEME_FIELD_NAMES}
    values["formula_establishment_types"] = tuple(values["formula_establishment_types"] or ())
    factor_labels = dict(scheme.sen_factors.model._meta.get_field("factor").choices)
    return SchemeRates(
        financial_year=scheme.financial_year,
        name=scheme.name,
        sen_factors=tuple(
            SenFactorData(
                f.factor, f.weight_percent, f.rate_per_pupil, factor_labels.get(f.factor, "")
            )
            for f in rows_as_at(NotionalSenFactor, as_at).filter(scheme_id=scheme.pk).order_by("id")
        ),
        hourly_rates=tuple(
            HourlyRateData(r.role, r.phase, r.hourly_rate, r.weeks_per_year, r.delegated)
            for r in rows_as_at(HourlyRate, as_at)
            .filter(scheme_id=scheme.pk)
            .order_by("phase", "role", "id")
        ),
        ta_bands=tuple(
            TaBandData(b.min_hours, b.amount_from, b.rate_per_hour, b.amount_to, b.label)
            for b in rows_as_at(TaHoursBand, as_at)
            .filter(scheme_id=scheme.pk)
            .order_by("min_hours", "id")
        ),
        # R26: rates changed from a date inside the year (an adopted uplift), in date order.
        rate_changes=tuple(
            rate_change_of(
                c.effective_from,
                c.values,
                rate_change_label(c),
                percent=c.percent,
                rate_set=c.rate_set,
            )
            for c in rows_as_at(SchemeRateChange, as_at)
            .filter(scheme_id=scheme.pk)
            .order_by("effective_from", "id")
        ),
        **values,
    )


def rate_change_label(change) -> str:
    """What a line at a dated change's rates says it was (R26): "uplift 3.2% to hourly
    rates"."""
    what = {"hourly": "hourly rates", "bands": "band values"}.get(change.rate_set, change.rate_set)
    if change.percent is None:
        return f"rates changed: {what}"
    return f"uplift {change.percent.normalize():f}% to {what}"


# ---- bulk inputs for a run --------------------------------------------------------------------


def _overlapping(qs, start_field: str, end_field: str, fy: FinancialYear):
    return qs.filter(**{f"{start_field}__lte": fy.ends_on}).filter(
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": fy.starts_on})
    )


def _support(lsa, lst, ta, band, resource) -> Support:
    return Support(lsa, lst, ta, band, resource)


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
        .values_list(
            "id",
            "plan_id",
            "effective_from",
            "effective_to",
            "lsa_hours",
            "lst_hours",
            "ta_hours",
            "band",
            "resource_amount",
        )
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
        supports: dict[int, list[SupportSpan]] = defaultdict(list)
        # One `Support` for each distinct level (hours, band, resource): the engine's top-up
        # cache then finds a pupil's by identity.
        interned: dict[tuple, Support] = {}
        for row in read.rows(support_rows):
            values = row[4:]
            support = interned.get(values)
            if support is None:
                support = interned[values] = _support(*values)
            supports[row[1]].append(SupportSpan(row[0], row[1], row[2], row[3], support))
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
        supports=dict(supports),
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


# ---- runs ----------------------------------------------------------------------------------


def runs() -> QuerySet[AllocationRun]:
    """All runs, newest first, with what the runs list shows (one query)."""
    return AllocationRun.objects.select_related("created_by", "approved_by", "scheme__la")


def latest_run(fy: int | FinancialYear, kinds=None) -> AllocationRun | None:
    """The newest completed run of the year (of one of `kinds`, if given)."""
    qs = AllocationRun.objects.filter(financial_year=_fy(fy).start_year, status=RunStatus.DONE)
    if kinds:
        qs = qs.filter(kind__in=[kinds] if isinstance(kinds, str) else list(kinds))
    return qs.order_by("-finished_at", "-pk").first()


def active_runs() -> QuerySet[AllocationRun]:
    return AllocationRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])


@dataclass
class ElementTotal:
    element: str
    label: str
    amount: Decimal
    lines: int = 0


@dataclass
class RunTotals:
    elements: list[ElementTotal]
    total: Decimal
    delegated: Decimal
    retained_centrally: Decimal
    paid_by_esfa: Decimal
    lines: int
    #: R25: (route label, amount) for every route with money, in the order of `Route`.
    routes: list[tuple[str, Decimal]] = field(default_factory=list)
    billed_to_other_las: Decimal = Decimal("0")


def run_totals(run: AllocationRun) -> RunTotals:
    """Totals by element and by route (R25) (one query)."""
    rows = (
        AllocationLine.objects.filter(run=run)
        .values("element", "route")
        .annotate(amount=Sum("amount"), n=Count("pk"))
        .order_by()
    )
    by_element: dict[str, ElementTotal] = {}
    by_route: dict[str, Decimal] = defaultdict(Decimal)
    count = 0
    for row in rows:
        total = by_element.setdefault(
            row["element"],
            ElementTotal(row["element"], ELEMENT_LABELS.get(row["element"], row["element"]), 0),
        )
        total.amount += row["amount"]
        total.lines += row["n"]
        count += row["n"]
        by_route[row["route"]] += row["amount"]
    elements = sorted(
        by_element.values(),
        key=lambda t: ELEMENT_ORDER.index(t.element) if t.element in ELEMENT_ORDER else 99,
    )
    return RunTotals(
        elements=elements,
        total=sum((t.amount for t in elements), Decimal("0")),
        delegated=by_route[Route.LA],
        retained_centrally=by_route[Route.RETAINED],
        paid_by_esfa=by_route[Route.ESFA],
        billed_to_other_las=by_route[Route.OTHER_LA],
        lines=count,
        routes=[(route.label, by_route[route]) for route in Route if by_route.get(route)],
    )


@dataclass
class LaAmount:
    la_id: int
    code: str
    name: str
    pupils: int
    amount: Decimal


@dataclass
class Recoupment:
    """R8: top-up across borders in one run."""

    owed_to_us: list[LaAmount]  # other LAs' pupils in our schools
    we_owe: list[LaAmount]  # our pupils in other LAs' schools

    @property
    def owed_to_us_total(self) -> Decimal:
        return sum((r.amount for r in self.owed_to_us), Decimal("0"))

    @property
    def we_owe_total(self) -> Decimal:
        return sum((r.amount for r in self.we_owe), Decimal("0"))

    @property
    def net(self) -> Decimal:
        return self.owed_to_us_total - self.we_owe_total


def recoupment(run: AllocationRun) -> Recoupment:
    """What each other LA owes us for their pupils in our schools, and what we owe each LA
    whose schools teach our pupils (pupil elements only: top-up, supplements, ENF, PSF).
    Two queries."""
    la_id = run.scheme.la_id
    base = AllocationLine.objects.filter(run=run, element__in=PUPIL_ELEMENTS, delegated=True)
    owed = (
        base.filter(school__la_id=la_id)
        .exclude(payer_la_id=la_id)
        .exclude(payer_la__isnull=True)
        .values("payer_la_id", "payer_la__code", "payer_la__name")
        .annotate(amount=Sum("amount"), pupils=Count("pupil_id", distinct=True))
        .order_by("payer_la__name")
    )
    owe = (
        base.filter(payer_la_id=la_id)
        .exclude(school__la_id=la_id)
        .values("school__la_id", "school__la__code", "school__la__name")
        .annotate(amount=Sum("amount"), pupils=Count("pupil_id", distinct=True))
        .order_by("school__la__name")
    )
    return Recoupment(
        owed_to_us=[
            LaAmount(
                r["payer_la_id"], r["payer_la__code"], r["payer_la__name"], r["pupils"], r["amount"]
            )
            for r in owed
        ],
        we_owe=[
            LaAmount(
                r["school__la_id"],
                r["school__la__code"],
                r["school__la__name"],
                r["pupils"],
                r["amount"],
            )
            for r in owe
        ],
    )


def run_lines(run: AllocationRun) -> QuerySet[AllocationLine]:
    """A run's lines with what tables and exports show (one query)."""
    return (
        AllocationLine.objects.filter(run=run)
        .select_related("school", "pupil", "payer_la")
        .order_by("school__name", "element", "pupil__family_name", "pupil_id", "period_from")
    )


# ---- statements ------------------------------------------------------------------------------


@dataclass
class StatementSection:
    element: str
    label: str
    lines: list[AllocationLine]
    total: Decimal


@dataclass
class PupilTopUps:
    pupil: Pupil
    lines: list[AllocationLine]
    total: Decimal
    retained: Decimal


@dataclass
class Statement:
    """A school's funding for a year, explained (like a Section 251 statement)."""

    school: School
    fy: FinancialYear
    run: AllocationRun
    sections: list[StatementSection]
    pupils: list[PupilTopUps]
    totals: list[ElementTotal]
    total: Decimal
    retained_centrally: Decimal
    paid_by_esfa: Decimal

    @property
    def delegated_total(self) -> Decimal:
        return self.total - self.retained_centrally


def statement_runs(fy: int | FinancialYear) -> QuerySet[AllocationRun]:
    return AllocationRun.objects.filter(
        financial_year=_fy(fy).start_year, status=RunStatus.DONE
    ).order_by("-finished_at", "-pk")


def school_statement(
    school: School, fy: int | FinancialYear, run: AllocationRun | None = None
) -> Statement | None:
    """The school's lines in the run (default: the latest completed run of the year), grouped:
    school-level elements with their working, then each pupil's periods. Two queries."""
    fy = _fy(fy)
    run = run or latest_run(fy)
    if run is None:
        return None
    lines = list(
        AllocationLine.objects.filter(run=run, school=school)
        .select_related("pupil", "payer_la")
        .order_by("element", "pupil__family_name", "pupil__given_name", "pupil_id", "period_from")
    )
    by_element: dict[str, list[AllocationLine]] = defaultdict(list)
    by_pupil: dict[int, list[AllocationLine]] = defaultdict(list)
    for line in lines:
        if line.pupil_id is None:
            by_element[line.element].append(line)
        else:
            by_pupil[line.pupil_id].append(line)
    sections = [
        StatementSection(
            element,
            ELEMENT_LABELS[element],
            by_element[element],
            sum((x.amount for x in by_element[element]), Decimal("0")),
        )
        for element in ELEMENT_ORDER
        if by_element.get(element)
    ]
    pupils = []
    for pupil_lines in by_pupil.values():
        pupil_lines.sort(key=lambda x: (x.period_from, x.element))
        pupils.append(
            PupilTopUps(
                pupil_lines[0].pupil,
                pupil_lines,
                sum((x.amount for x in pupil_lines if x.delegated), Decimal("0")),
                sum((x.amount for x in pupil_lines if not x.delegated), Decimal("0")),
            )
        )
    pupils.sort(key=lambda p: (p.pupil.family_name, p.pupil.given_name, p.pupil.pk))
    totals: dict[str, ElementTotal] = {}
    retained = esfa = Decimal("0")
    for line in lines:
        t = totals.setdefault(
            line.element, ElementTotal(line.element, ELEMENT_LABELS[line.element], Decimal("0"))
        )
        t.amount += line.amount
        t.lines += 1
        if line.route == Route.ESFA:  # R25: academies' elements 1-2 and places, FE
            esfa += line.amount
        elif line.route == Route.RETAINED:
            retained += line.amount
    ordered = [totals[e] for e in ELEMENT_ORDER if e in totals]
    return Statement(
        school=school,
        fy=fy,
        run=run,
        sections=sections,
        pupils=pupils,
        totals=ordered,
        total=sum((t.amount for t in ordered), Decimal("0")),
        retained_centrally=retained,
        paid_by_esfa=esfa,
    )


def statement_school(user, urn: int) -> School | None:
    """The school whose statement `user` may read: LA officers any, a school's business
    managers their own (through SchoolAccess); anyone else None (the view answers 404).

    A statement is pupil-level (names, UPNs, each pupil's top-up), and so are the reports and
    spend pages that share this check. A `SchoolAccess` link alone is not enough: a cluster
    host linked to a school reads it only if they are also that school's business manager
    (their cluster's money is on the cluster pages; a school's element 3 total can be one
    pupil's top-up)."""
    if not user.is_authenticated:
        return None
    qs = School.objects.select_related("la")
    if not is_la_officer(user):
        if not is_school_user(user):
            return None
        qs = qs.filter(accesses__user=user)
    return qs.filter(urn=urn).first()


def statement_years(school: School) -> list[int]:
    """Financial years with a completed run that has lines for the school."""
    return list(
        AllocationLine.objects.filter(school=school, run__status=RunStatus.DONE)
        .values_list("run__financial_year", flat=True)
        .distinct()
        .order_by("-run__financial_year")
    )


# ---- comparison (R21) -----------------------------------------------------------------------


@dataclass
class ComparisonRow:
    school_id: int
    urn: int
    school_name: str
    element: str
    label: str
    initial: Decimal
    final: Decimal

    @property
    def difference(self) -> Decimal:
        return self.final - self.initial


def _school_element_totals(run: AllocationRun, school_id=None) -> dict[tuple[int, str], dict]:
    qs = AllocationLine.objects.filter(run=run)
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    rows = (
        qs.values("school_id", "school__urn", "school__name", "element")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    return {(r["school_id"], r["element"]): r for r in rows}


def compare_runs(
    initial: AllocationRun, final: AllocationRun, *, school: School | None = None
) -> list[ComparisonRow]:
    """R21: per school and element, the initial amount, the final amount and the difference
    (two queries). Schools or elements in only one run count as £0 in the other."""
    school_id = school.pk if school is not None else None
    a = _school_element_totals(initial, school_id)
    b = _school_element_totals(final, school_id)
    rows = []
    for key in a.keys() | b.keys():
        info = b.get(key) or a[key]
        rows.append(
            ComparisonRow(
                school_id=key[0],
                urn=info["school__urn"],
                school_name=info["school__name"],
                element=key[1],
                label=ELEMENT_LABELS.get(key[1], key[1]),
                initial=a[key]["amount"] if key in a else Decimal("0.00"),
                final=b[key]["amount"] if key in b else Decimal("0.00"),
            )
        )
    order = {e: i for i, e in enumerate(ELEMENT_ORDER)}
    rows.sort(key=lambda r: (r.school_name, r.school_id, order.get(r.element, 99)))
    return rows


def default_comparison(
    fy: int | FinancialYear,
) -> tuple[AllocationRun | None, AllocationRun | None]:
    """The initial run and the final (else latest revised) run of the year."""
    return latest_run(fy, [RunKind.INITIAL]), latest_run(fy, [RunKind.FINAL]) or latest_run(
        fy, [RunKind.REVISED]
    )


# ---- pupils --------------------------------------------------------------------------------


@dataclass
class PupilFundingLine:
    """One period of a pupil's money, for the pupil timeline."""

    run_id: int | None
    run: AllocationRun | None
    financial_year: int
    school_id: int
    school_name: str
    element: str
    label: str
    rule: str
    starts_on: dt.date
    ends_on: dt.date
    school_days: int
    year_days: int
    annual_amount: Decimal
    amount: Decimal
    delegated: bool
    payer_la_code: str
    explanation: str
    #: The paying LA's name, for the pupil's page ("paid by Surrey", never "LA 936").
    payer_la_name: str = ""

    @property
    def working(self) -> str:
        return self.explanation


def _pupil_id(pupil) -> int:
    return pupil if isinstance(pupil, int) else pupil.pk


def lines_for_pupil(pupil: Pupil | int, fy: int | FinancialYear | None = None):
    """The pupil's periods and amounts from the newest completed run of each year (or of `fy`).

    Two queries. Returns PupilFundingLine objects ordered by period.
    """
    pupil_id = _pupil_id(pupil)
    done = AllocationRun.objects.filter(status=RunStatus.DONE)
    if fy is not None:
        done = done.filter(financial_year=_fy(fy).start_year)
    newest: dict[int, AllocationRun] = {}
    for run in done.filter(lines__pupil_id=pupil_id).distinct().select_related("created_by"):
        current = newest.get(run.financial_year)
        if current is None or (run.finished_at, run.pk) > (current.finished_at, current.pk):
            newest[run.financial_year] = run
    if not newest:
        return []
    runs_by_id = {r.pk: r for r in newest.values()}
    lines = (
        AllocationLine.objects.filter(pupil_id=pupil_id, run_id__in=runs_by_id)
        .select_related("school", "payer_la")
        .order_by("period_from", "element")
    )
    return [
        PupilFundingLine(
            run_id=line.run_id,
            run=runs_by_id[line.run_id],
            financial_year=runs_by_id[line.run_id].financial_year,
            school_id=line.school_id,
            school_name=line.school.name,
            element=line.element,
            label=ELEMENT_LABELS.get(line.element, line.element),
            rule=line.rule,
            starts_on=line.period_from,
            ends_on=line.period_to,
            school_days=line.school_days,
            year_days=line.year_days,
            annual_amount=line.annual_amount,
            amount=line.amount,
            delegated=line.delegated,
            payer_la_code=line.payer_la.code if line.payer_la else "",
            explanation=line.explanation,
            payer_la_name=line.payer_la.name if line.payer_la else "",
        )
        for line in lines
    ]


def _engine_for(
    fy: FinancialYear,
    pupil_ids: list[int] | None,
    *,
    explain: bool = True,
    year: YearInputs | None = None,
) -> Engine | None:
    if year is None:
        la = administering_la()
        scheme = scheme_for(fy, la)
    else:  # read once for a generation's batches (`funding.year_inputs`)
        la, scheme = year.la, year.scheme
    if scheme is None:
        return None
    inputs = allocation_inputs(
        fy,
        scheme=scheme,
        la=la,
        pupil_ids=pupil_ids,
        with_schools=False,
        rates=None if year is None else year.rates,
        calendar=None if year is None else year.calendar,
    )
    try:
        return Engine(inputs, explain=explain)
    except NoSchoolDays:  # no term dates, or a year of the FY without them (R7)
        return None


def pupil_funding(pupil: Pupil | int, fy: int | FinancialYear) -> list[LineData]:
    """The pupil's lines for the year computed live from today's data (no run needed).

    [] when there is no scheme or no school calendar for the year.
    """
    fy = _fy(fy)
    pupil_id = _pupil_id(pupil)
    engine = _engine_for(fy, [pupil_id])
    if engine is None or pupil_id not in engine.inputs.pupils:
        return []
    return engine.pupil_lines(engine.inputs.pupils[pupil_id])


@dataclass
class MonthlyTopUp:
    amount: Decimal
    school_days: int
    year_days: int
    parts: list[str] = field(default_factory=list)


def monthly_top_ups_detail(
    school_id: int, month_start: dt.date, pupil_ids: list[int] | None = None
) -> dict[int, MonthlyTopUp]:
    """Per pupil at the school: the money for the month (R7, R7+), live.

    Each of the pupil's lines paid to the school (top-up, personal supplement, ENF, PSF) gives
    the month its entitlement to the month's last day less its entitlement to the day before
    the month (`funding.calculations.entitlement`), so a line's months add up to the line to
    the penny. Retained-centrally parts (R6) are not paid and not counted. Pupils with no
    funded period at the school in the month are absent.
    """
    first, last = month_bounds(month_start)
    if pupil_ids is None:
        pupil_ids = list(
            Placement.objects.filter(school_id=school_id, starts_on__lte=last)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
            .values_list("pupil_id", flat=True)
            .distinct()
        )
    if not pupil_ids:
        return {}
    by_school = monthly_top_ups_by_school(
        month_start, school_ids=[school_id], pupil_ids=list(pupil_ids), working=True
    )
    return by_school.get(school_id, {})


def monthly_top_ups_by_school(
    month_start: dt.date,
    *,
    school_ids: list[int] | None = None,
    pupil_ids: list[int] | None = None,
    working: bool = False,
    year: YearInputs | None = None,
) -> dict[int, dict[int, MonthlyTopUp]]:
    """{school id: {pupil id: the month's money}} for many schools at once (R7, R7+), live.

    The entitlement to date read in bulk: one engine over `pupil_ids` (every pupil of the
    administering LA when None) in a constant number of queries, each line paid to a school
    (in `school_ids`, if given) split into the month by `split_line`, exactly as
    `monthly_top_ups_detail` does for one school. With `working`, each part's working too.
    {} when there is no scheme or school calendar for the year. `year`: the year-wide inputs
    already read (`funding.year_inputs`), for the month's financial year.
    """
    first, last = month_bounds(month_start)
    # The lines' money only: the month's working is the split's (`share.working`).
    engine = _engine_for(FinancialYear.of(first), pupil_ids, explain=False, year=year)
    if engine is None:
        return {}
    wanted = set(school_ids) if school_ids is not None else None
    D = engine.year_days
    out: dict[int, dict[int, MonthlyTopUp]] = defaultdict(dict)
    for pupil in engine.inputs.pupils.values():
        for line in engine.pupil_lines(pupil):
            if not line.delegated or (wanted is not None and line.school_id not in wanted):
                continue
            (share,) = split_line(line, [(first, last)], engine.days)
            if share is None:
                continue
            at_school = out[line.school_id]
            found = at_school.get(pupil.id)
            if found is None:
                found = at_school[pupil.id] = MonthlyTopUp(Decimal("0.00"), 0, D)
            found.amount += share.amount
            found.school_days += share.school_days
            if working:
                found.parts.append(share.working(ELEMENT_LABELS.get(line.element, line.element)))
    return dict(out)


def monthly_top_ups(
    school_id: int, month_start: dt.date, pupil_ids: list[int] | None = None
) -> dict[int, Decimal | None]:
    """{pupil id: amount for the month, or None} for pupils at the school (constant queries)."""
    detail = monthly_top_ups_detail(school_id, month_start, pupil_ids)
    ids = pupil_ids if pupil_ids is not None else list(detail)
    return {
        pk: (detail[pk].amount.quantize(Decimal("0.01")) if pk in detail else None) for pk in ids
    }


def monthly_top_up(pupil_id: int, school_id: int, month_start: dt.date) -> Decimal | None:
    """The money paid to the school for the pupil for that month's school days (live), or None
    when the pupil has no funded period at the school in the month."""
    return monthly_top_ups(school_id, month_start, [_pupil_id(pupil_id)])[_pupil_id(pupil_id)]


@dataclass
class AnnualTopUp:
    amount: Decimal  # delegated to the school
    retained_centrally: Decimal
    school: School | None
    parts: list[str]


def current_annual_top_up_detail(pupil: Pupil | int, on: dt.date | None = None):
    """The annual top-up the support level in force on `on` attracts at the pupil's school then.

    None when the pupil has no placement, plan or support level on that day, no scheme exists
    for the year, or a rate is missing.
    """
    from django.utils import timezone

    on = on or timezone.localdate()
    pupil_id = _pupil_id(pupil)
    placement = (
        Placement.objects.filter(pupil_id=pupil_id, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("school", "pupil")
        .first()
    )
    if placement is None:
        return None
    level = (
        SupportLevel.objects.filter(
            plan__pupil_id=pupil_id, plan__issued_on__lte=on, effective_from__lte=on
        )
        .filter(Q(plan__ceased_on__isnull=True) | Q(plan__ceased_on__gte=on))
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .first()
    )
    if level is None:
        return None
    fy = FinancialYear.of(on)
    scheme = scheme_for(fy, administering_la())
    if scheme is None:
        return None
    rates = scheme_rates(scheme)
    school = placement.school
    band_rate = None
    if level.band:
        band_rate = (
            SpecialSchoolBand.objects.filter(
                school=school, financial_year=fy.start_year, band=level.band
            )
            .values_list("annual_rate", flat=True)
            .first()
        )
    info = SchoolInfo(
        school.pk, school.urn, school.name, school.la_id, school.phase, school.establishment_type
    )
    support = _support(
        level.lsa_hours, level.lst_hours, level.ta_hours, level.band, level.resource_amount
    )
    for change in rates.rate_changes:  # R26: the rates in force on `on`
        if change.effective_from <= on:
            rates, bands = rates_from(rates, {(school.pk, level.band): band_rate}, change)
            band_rate = bands[(school.pk, level.band)]
    try:
        parts = top_up_from_support(
            support,
            rates,
            phase=rate_phase(info, placement.pupil.date_of_birth, on),
            band_rate=band_rate,
            school_name=school.name,
        )
    except MissingRate:
        return None
    return AnnualTopUp(
        amount=sum((p.amount for p in parts if p.delegated), Decimal("0.00")),
        retained_centrally=sum((p.amount for p in parts if not p.delegated), Decimal("0.00")),
        school=school,
        parts=[p.calculated.formula for p in parts],
    )


def current_annual_top_up(pupil: Pupil | int, on: dt.date | None = None) -> Decimal | None:
    """The annual element 3 top-up paid to the school for the pupil's support level in force
    on `on` (default today); None when there is none to work out (see the detail function)."""
    detail = current_annual_top_up_detail(pupil, on)
    return None if detail is None else detail.amount


# ---- home page -------------------------------------------------------------------------------


def start_page_items(user) -> list[dict]:
    """What the funding engine puts on the home page for the user's role."""
    items: list[dict] = []
    if is_la_officer(user):
        active = active_runs().count()
        items.append(
            {
                "title": "Allocation runs in progress",
                "count": active,
                "url": reverse("funding:runs"),
                "description": "Runs of the funding engine queued or running.",
            }
        )
    elif is_school_user(user):
        for school in School.objects.filter(accesses__user=user).order_by("name")[:5]:
            items.append(
                {
                    "title": f"Funding statements: {school.name}",
                    "url": reverse("funding:school_statements", args=[school.urn]),
                    "description": "Each element of your school's funding, with its working.",
                }
            )
    return items


def school_totals(run: AllocationRun) -> QuerySet:
    """A run's total per school as dicts (school_id, school_name, urn, la_code, lines, pupils,
    amount), one query; sortable by any of those keys."""
    return (
        AllocationLine.objects.filter(run=run)
        .values("school_id")
        .annotate(
            school_name=F("school__name"),
            urn=F("school__urn"),
            la_code=F("school__la__code"),
            lines=Count("pk"),
            pupils=Count("pupil_id", distinct=True),
            amount=Sum("amount"),
        )
        .order_by("school_name", "school_id")
    )

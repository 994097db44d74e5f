"""The allocation engine: a year's plain inputs in, explained lines out. Pure: no ORM.

`allocate(inputs)` computes, for the administering LA:
- per school in the LA: element 1 (R1) by key stage and the notional SEN budget (R2) from the
  last census before the year, Additional SEN Support (R4) on the counting month's census, and
  place funding (R11, R13, R14) for the two academic years the financial year spans;
- per pupil placed in the LA's schools, or living in the LA and placed elsewhere: top-up (R5,
  R6, R12) for each period of the year (R7), charged to the pupil's home LA (R8), and each
  funding item (personal supplement, ENF: R9) pro rata.

Every line carries its working; a pupil's periods of one kind are apportioned so they add up
to the year (`pro_rata.apportion`). What cannot be calculated (a band with no rate, a school
with no census) becomes a warning, not an exception, so one gap does not stop a run.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

from funding.calculations import elements as el
from funding.calculations.elements import CensusCounts
from funding.calculations.money import Calculated, Working, gbp, round_money
from funding.calculations.periods import (
    FundingItemSpan,
    Period,
    PlacementSpan,
    PlanSpan,
    SupportSpan,
    item_periods,
    support_periods,
)
from funding.calculations.pro_rata import apportion
from funding.calculations.scheme import SchemeRates
from funding.calculations.top_up import MissingRate, top_up_from_support
from schools.calendar import SchoolCalendar
from schools.dates import FinancialYear, phase_of, year_group

# Element names (the values of funding.models.Element).
ELEMENT_1 = "element_1"
NOTIONAL_SEN = "notional_sen"
ADDITIONAL_SEN_SUPPORT = "additional_sen_support"
PLACE = "place"
TOP_UP = "top_up"
PERSONAL_SUPPLEMENT = "personal_supplement"
ENF = "enf"

ITEM_ELEMENTS = {"personal_supplement": PERSONAL_SUPPLEMENT, "enf": ENF}
ITEM_LABELS = {"personal_supplement": "personal supplement", "enf": "exceptional needs funding"}

# Establishment types that get no element 1/2 through the schools block formula.
NOT_MAINSTREAM = {
    "special",
    "special_academy",
    "independent_special",
    "ap_pru",
    "fe_college",
}
PRIMARY_PHASES = {"nursery", "primary", "middle_primary"}
SECONDARY_PHASES = {"secondary", "middle_secondary", "16_plus"}

NO_SCHOOL_DAYS = (
    "FY {fy} has no school days: add the LA's term dates for the year before running it."
)


class NoSchoolDays(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SchoolInfo:
    id: int
    urn: int
    name: str
    la_id: int
    phase: str
    establishment_type: str
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None

    @property
    def is_mainstream(self) -> bool:
        return self.establishment_type not in NOT_MAINSTREAM


@dataclass(frozen=True, slots=True)
class PlacesInfo:
    school_id: int
    academic_year: int
    provision: str
    places: int
    occupied: int = 0


@dataclass(frozen=True, slots=True)
class PupilInfo:
    id: int
    upn: str
    date_of_birth: dt.date
    home_la_id: int


@dataclass
class AllocationInputs:
    fy: FinancialYear
    rates: SchemeRates
    calendar: SchoolCalendar
    administering_la_id: int
    schools: dict[int, SchoolInfo]
    censuses: dict[int, list[CensusCounts]] = field(default_factory=dict)
    places: list[PlacesInfo] = field(default_factory=list)
    band_rates: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    pupils: dict[int, PupilInfo] = field(default_factory=dict)
    placements: dict[int, list[PlacementSpan]] = field(default_factory=dict)
    plans: dict[int, list[PlanSpan]] = field(default_factory=dict)
    supports: dict[int, list[SupportSpan]] = field(default_factory=dict)
    funding_items: dict[int, list[FundingItemSpan]] = field(default_factory=dict)


@dataclass(slots=True)
class LineData:
    school_id: int
    pupil_id: int | None
    element: str
    rule: str
    period_from: dt.date
    period_to: dt.date
    school_days: int
    year_days: int
    annual_amount: Decimal
    amount: Decimal
    payer_la_id: int | None
    delegated: bool
    working: dict
    explanation: str


@dataclass
class AllocationResult:
    lines: list[LineData]
    warnings: list[str]
    year_days: int

    def totals_by_element(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            totals[line.element] += line.amount
        return dict(totals)


def _ay(start_year: int) -> str:
    return f"{start_year}/{str(start_year + 1)[-2:]}"


@lru_cache(maxsize=4096)
def _d(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


@lru_cache(maxsize=65536)
def period_text(start: dt.date, end: dt.date) -> str:
    return f"{_d(start)} to {_d(end)}"


def formula_census(censuses: list[CensusCounts], fy: FinancialYear) -> CensusCounts | None:
    """Elements 1 and 2 use the latest census before the financial year starts."""
    best = None
    for c in censuses:
        if c.census_date < fy.starts_on and (best is None or c.census_date > best.census_date):
            best = c
    return best


def counting_census(
    censuses: list[CensusCounts], fy: FinancialYear, month: int
) -> tuple[CensusCounts | None, bool]:
    """R4's census: the counting month's inside the year, else the latest earlier one in that
    month (then the figure is provisional until the year's count is taken)."""
    year = fy.start_year if month >= 4 else fy.start_year + 1
    exact = [c for c in censuses if (c.census_date.year, c.census_date.month) == (year, month)]
    if exact:
        return max(exact, key=lambda c: c.census_date), False
    target = dt.date(year, month, 1)
    earlier = [c for c in censuses if c.census_date.month == month and c.census_date < target]
    if earlier:
        return max(earlier, key=lambda c: c.census_date), True
    return None, False


def rate_phase(school: SchoolInfo, date_of_birth: dt.date, on: dt.date) -> str:
    """Which phase's hourly rates apply: the school's phase, or the pupil's age for
    all-through and special schools."""
    if school.phase in PRIMARY_PHASES:
        return "primary"
    if school.phase in SECONDARY_PHASES:
        return "secondary"
    return (
        "primary"
        if phase_of(year_group(date_of_birth, on)) in ("nursery", "primary")
        else ("secondary")
    )


@dataclass
class _Pending:
    """A period waiting for its group's apportionment."""

    school_id: int
    element: str
    calc: Calculated
    base_working: dict
    starts_on: dt.date
    ends_on: dt.date
    days: int
    delegated: bool
    lead: str


class Engine:
    """Holds what every pupil's calculation shares (rates, calendar, caches)."""

    def __init__(self, inputs: AllocationInputs):
        self.inputs = inputs
        self.fy = inputs.fy
        self.rates = inputs.rates
        self.calendar = inputs.calendar
        self.year_days = self.calendar.school_days(self.fy.starts_on, self.fy.ends_on)
        if self.year_days <= 0:
            raise NoSchoolDays(NO_SCHOOL_DAYS.format(fy=self.fy))
        self.warnings: list[str] = []
        self._warned: set[str] = set()
        self._top_up_cache: dict = {}
        self._days_cache: dict = {}

    def warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            self.warnings.append(message)

    def days(self, start: dt.date, end: dt.date) -> int:
        key = (start, end)
        found = self._days_cache.get(key)
        if found is None:
            found = self._days_cache[key] = self.calendar.school_days(start, end)
        return found

    # ---- output -------------------------------------------------------------------------
    def _emit(
        self,
        out: list[LineData],
        pending: list[_Pending],
        *,
        pupil_id: int | None,
        payer_la_id: int | None,
    ) -> None:
        """Apportion a group of periods so they add up, and turn them into lines."""
        D = self.year_days
        amounts = apportion([(p.calc.amount, p.days) for p in pending], D)
        for p, amount in zip(pending, amounts, strict=True):
            annual = p.calc.amount
            whole = p.days == D
            if whole:
                pro = "whole year"
            else:
                pro = f"{gbp(annual)} × {p.days}/{D} school days = {gbp(amount)}"
                # Did apportionment move a penny from the plain rounding of this share?
                exact2 = 2 * int(annual * 100) * p.days
                if (exact2 + D) // (2 * D) != int(amount * 100):
                    pro += " (rounded so the periods add up to the year)"
            working = dict(p.base_working)
            working["annual"] = f"{annual:f}"
            working["school_days"] = p.days
            working["year_days"] = D
            out.append(
                LineData(
                    school_id=p.school_id,
                    pupil_id=pupil_id,
                    element=p.element,
                    rule=p.calc.rule,
                    period_from=p.starts_on,
                    period_to=p.ends_on,
                    school_days=p.days,
                    year_days=D,
                    annual_amount=annual,
                    amount=amount,
                    payer_la_id=payer_la_id,
                    delegated=p.delegated,
                    working=working,
                    explanation=f"{p.lead}{p.calc.formula}; "
                    f"{period_text(p.starts_on, p.ends_on)}: {pro}",
                )
            )

    # ---- schools ------------------------------------------------------------------------
    def school_lines(self) -> list[LineData]:
        inputs = self.inputs
        out: list[LineData] = []
        fy = self.fy
        la = inputs.administering_la_id
        places_by_school: dict[int, list[PlacesInfo]] = defaultdict(list)
        for p in inputs.places:
            places_by_school[p.school_id].append(p)
        for school in sorted(inputs.schools.values(), key=lambda s: s.name):
            if school.la_id != la:
                continue
            if (school.closed_on and school.closed_on < fy.starts_on) or (
                school.opened_on and school.opened_on > fy.ends_on
            ):
                continue
            if school.is_mainstream:
                self._formula_lines(out, school)
            self._place_lines(out, school, places_by_school.get(school.id, []))
        return out

    def _whole_year(self, out: list[LineData], school: SchoolInfo, element: str, calc, payer):
        self._emit(
            out,
            [
                _Pending(
                    school.id,
                    element,
                    calc,
                    calc.working.as_dict(with_formula=False),
                    self.fy.starts_on,
                    self.fy.ends_on,
                    self.year_days,
                    True,
                    "",
                )
            ],
            pupil_id=None,
            payer_la_id=payer,
        )

    def _formula_lines(self, out: list[LineData], school: SchoolInfo) -> None:
        censuses = self.inputs.censuses.get(school.id, [])
        la = self.inputs.administering_la_id
        census = formula_census(censuses, self.fy)
        if census is None:
            self.warn(
                f"{school.name} ({school.urn}) has no census before {_d(self.fy.starts_on)}: "
                "elements 1 and 2 not calculated."
            )
        else:
            awpu_budget = Decimal("0")
            for _key, calc in el.element_1(self.rates, census):
                awpu_budget += calc.amount
                self._whole_year(out, school, ELEMENT_1, calc, la)
            notional = el.notional_sen(self.rates, census, awpu_budget)
            if notional is not None:
                self._whole_year(out, school, NOTIONAL_SEN, notional, la)
        if self.rates.additional_sen_support:
            count, provisional = counting_census(censuses, self.fy, self.rates.ass_counting_month)
            if count is None:
                self.warn(
                    f"{school.name} ({school.urn}) has no census in the counting month: "
                    "Additional SEN Support not calculated (R4)."
                )
                return
            calc = el.additional_sen_support(
                roll=count.roll_r_to_y11,
                iar_pupils=count.ehc_plans,
                percentage=self.rates.ass_percentage,
                amount_per_pupil=self.rates.ass_amount,
                counted_on=count.census_date,
            )
            if calc.amount == 0:
                return
            if provisional:
                calc = Calculated(
                    calc.amount,
                    Working(
                        calc.rule,
                        calc.formula + " (provisional: this year's count is not in yet)",
                        calc.working.inputs,
                    ),
                )
            self._whole_year(out, school, ADDITIONAL_SEN_SUPPORT, calc, la)

    def _place_lines(self, out: list[LineData], school: SchoolInfo, places: list[PlacesInfo]):
        if not places:
            return
        fy = self.fy
        rates = self.rates
        la = self.inputs.administering_la_id
        # The financial year spans two academic years: April-August and September-March.
        parts = [
            (fy.start_year - 1, fy.starts_on, dt.date(fy.start_year, 8, 31)),
            (fy.start_year, dt.date(fy.start_year, 9, 1), fy.ends_on),
        ]
        by_provision: dict[str, dict[int, PlacesInfo]] = defaultdict(dict)
        for p in places:
            by_provision[p.provision][p.academic_year] = p
        for provision, by_year in sorted(by_provision.items()):
            pending = []
            payer = la
            for academic_year, start, end in parts:
                info = by_year.get(academic_year)
                days = self.days(start, end)
                borrowed = None
                if info is None:
                    # Places are agreed per academic year (R11); when one of the two years
                    # is not recorded, the other year's figures stand in, said in the working.
                    other = by_year.get(
                        academic_year + 1 if academic_year < fy.start_year else academic_year - 1
                    )
                    if other is None or not days:
                        continue
                    info, borrowed = other, academic_year
                    self.warn(
                        f"{school.name} ({school.urn}) has no {provision} planned places for "
                        f"{_ay(academic_year)}: {_ay(other.academic_year)}'s figures used for "
                        f"{period_text(start, end)}."
                    )
                if provision == "special_school":
                    calc = el.special_place_funding(info.places, rates.special_place_amount)
                elif provision in ("ssc", "resourced"):
                    calc = el.ssc_place_funding(
                        info.places,
                        info.occupied,
                        rates.ssc_occupied_place_amount,
                        rates.ssc_unoccupied_place_amount,
                    )
                elif provision == "ap":
                    calc = el.ap_place_funding(info.places, rates.ap_place_amount)
                elif provision == "fe":
                    calc = el.fe_place_funding(info.places, rates.fe_element_1, rates.fe_element_2)
                    payer = None
                else:
                    self.warn(f"Unknown provision {provision!r} at {school.name}.")
                    continue
                if days == 0:
                    continue
                working = calc.working.as_dict(with_formula=False)
                working["academic_year"] = academic_year
                lead = f"{_ay(academic_year)}: "
                if borrowed is not None:
                    working["places_from_academic_year"] = info.academic_year
                    lead = (
                        f"{_ay(academic_year)} (places not recorded: "
                        f"{_ay(info.academic_year)}'s used): "
                    )
                pending.append(
                    _Pending(school.id, PLACE, calc, working, start, end, days, True, lead)
                )
            if pending:
                self._emit(out, pending, pupil_id=None, payer_la_id=payer)

    # ---- pupils -------------------------------------------------------------------------
    def _top_up(self, level: SupportSpan, school: SchoolInfo, phase: str):
        # The same support at the same phase costs the same everywhere; only a band's rate
        # depends on the school.
        key = (level.support, phase, school.id if level.support.band else None)
        found = self._top_up_cache.get(key)
        if found is None:
            support = level.support
            band_rate = (
                self.inputs.band_rates.get((school.id, support.band)) if support.band else None
            )
            try:
                parts = top_up_from_support(
                    support, self.rates, phase=phase, band_rate=band_rate, school_name=school.name
                )
                summary = support.summary
                found = (
                    [
                        (
                            part,
                            part.calculated.working.as_dict(with_formula=False)
                            | {"support": summary},
                        )
                        for part in parts
                    ],
                    None,
                )
            except MissingRate as exc:
                found = ([], str(exc))
            self._top_up_cache[key] = found
        return found

    def _split_at_new_academic_year(self, periods: list[Period]) -> list[Period]:
        """At a school without a fixed phase (all-through, special) the hourly rates follow the
        pupil's age, which moves up a year group on 1 September: split hours periods there."""
        september = dt.date(self.fy.start_year, 9, 1)
        out = []
        for period in periods:
            school = self.inputs.schools[period.placement.school_id]
            support = period.support.support
            if (
                self.rates.top_up_method == "hourly"
                and not support.band
                and support.resource_amount is None
                and school.phase not in PRIMARY_PHASES
                and school.phase not in SECONDARY_PHASES
                and period.starts_on < september <= period.ends_on
            ):
                out.append(replace(period, ends_on=september - dt.timedelta(days=1)))
                out.append(replace(period, starts_on=september))
            else:
                out.append(period)
        return out

    def pupil_lines(self, pupil: PupilInfo) -> list[LineData]:
        inputs = self.inputs
        fy = self.fy
        la = inputs.administering_la_id
        placements = inputs.placements.get(pupil.id, [])
        if not placements:
            return []
        schools = inputs.schools
        # Only our schools' pupils and our own pupils placed elsewhere are our business (R8).
        ours = pupil.home_la_id == la
        placements = [p for p in placements if ours or schools[p.school_id].la_id == la]
        if not placements:
            return []
        out: list[LineData] = []
        groups: dict[tuple, list[_Pending]] = defaultdict(list)
        periods = support_periods(
            placements, inputs.plans.get(pupil.id, []), inputs.supports, fy.starts_on, fy.ends_on
        )
        for period in self._split_at_new_academic_year(periods):
            days = self.days(period.starts_on, period.ends_on)
            if days == 0:
                continue
            school = schools[period.placement.school_id]
            phase = rate_phase(school, pupil.date_of_birth, period.starts_on)
            parts, problem = self._top_up(period.support, school, phase)
            if problem:
                self.warn(f"Pupil {pupil.upn}: {problem} No top-up calculated.")
                continue
            for part, base in parts:
                working = dict(base)
                working["placement"] = period.placement.kind
                groups[(TOP_UP, part.delegated, None)].append(
                    _Pending(
                        school.id,
                        TOP_UP,
                        part.calculated,
                        working,
                        period.starts_on,
                        period.ends_on,
                        days,
                        part.delegated,
                        "",
                    )
                )
        for item in inputs.funding_items.get(pupil.id, []):
            element = ITEM_ELEMENTS.get(item.kind)
            if element is None:
                self.warn(f"Pupil {pupil.upn}: unknown funding item kind {item.kind!r}.")
                continue
            label = ITEM_LABELS[item.kind]
            annual = round_money(Decimal(item.annual_amount))
            calc = Calculated(annual, _item_working(label, annual, item))
            for period in item_periods(item, placements, fy.starts_on, fy.ends_on):
                days = self.days(period.starts_on, period.ends_on)
                if days == 0:
                    continue
                groups[(element, True, item.id)].append(
                    _Pending(
                        item.school_id,
                        element,
                        calc,
                        calc.working.as_dict(with_formula=False) | {"funding_item": item.id},
                        period.starts_on,
                        period.ends_on,
                        days,
                        True,
                        "",
                    )
                )
        for pending in groups.values():
            self._emit(out, pending, pupil_id=pupil.id, payer_la_id=pupil.home_la_id)
        out.sort(key=lambda line: (line.period_from, line.element))
        return out


def _item_working(label: str, annual: Decimal, item: FundingItemSpan) -> Working:
    return Working(
        "R9",
        f"{label.capitalize()} agreed by the SEN Panel: {gbp(annual)} a year from "
        f"{_d(item.starts_on)} "
        f"to {_d(item.ends_on)}",
        {"annual_amount": annual, "starts_on": item.starts_on, "ends_on": item.ends_on},
    )


def allocate(
    inputs: AllocationInputs, progress: Callable[[int, int], None] | None = None
) -> AllocationResult:
    """All of a year's lines for the administering LA. `progress(done, total)` is called now
    and then while pupils are calculated."""
    engine = Engine(inputs)
    lines = engine.school_lines()
    pupils = list(inputs.pupils.values())
    total = len(pupils)
    step = max(total // 20, 500)
    for i, pupil in enumerate(pupils, 1):
        lines.extend(engine.pupil_lines(pupil))
        if progress is not None and i % step == 0:
            progress(i, total)
    if progress is not None:
        progress(total, total)
    return AllocationResult(lines, engine.warnings, engine.year_days)

"""School-level money of a run: elements 1-2, Additional SEN Support, place funding, and the
initial run's special school top-up from January occupancy. Pure: no ORM.

Called by `allocation.Engine.school_lines`; every amount goes through `Engine.emit`, so it is
pro rata to the days the school is open in the year (R1+: a school that opens or closes in the
year gets school-level money for the part it is open only) and rounded once, at the line.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from funding.calculations import elements as el
from funding.calculations.allocation import (
    _ay,
    _d,
    _Pending,
    academic_year_parts,
    period_text,
    rate_phase,
)
from funding.calculations.elements import CensusCounts
from funding.calculations.inputs import (
    ADDITIONAL_SEN_SUPPORT,
    ELEMENT_1,
    INITIAL,
    NOTIONAL_SEN,
    PLACE,
    ROUTE_ESFA,
    SPECIAL_SCHOOL_TYPES,
    TOP_UP,
    LineData,
    PlacesInfo,
    SchoolInfo,
)
from funding.calculations.money import Calculated, Working, gbp, num
from funding.calculations.periods import clip
from funding.calculations.scheme import (
    IAR_FROM_CENSUS,
    SPLIT_BY_MONTHS,
    THRESHOLD_TOTAL_WITH_ELEMENT_1,
    SchemeRates,
)
from schools.dates import FinancialYear, year_group

MONTH_NAMES = {1: "January", 10: "October"}
#: R11+: the months of the financial year in each academic year (April-August, September-March).
MONTHS_IN_PART = (5, 7)
PART_NAMES = ("April to August", "September to March")


def formula_census(
    censuses: list[CensusCounts], fy: FinancialYear, month: int = 10
) -> tuple[CensusCounts | None, bool]:
    """R1+: elements 1 and 2 use the scheme's census before the year (October by default).

    Returns (census, fallback): when no census of that month is recorded before the year, the
    latest earlier census stands in and `fallback` is True (the working says so).
    """
    before = [c for c in censuses if c.census_date < fy.starts_on]
    in_month = [c for c in before if c.census_date.month == month]
    if in_month:
        return max(in_month, key=lambda c: c.census_date), False
    if before:
        return max(before, key=lambda c: c.census_date), True
    return None, False


def counting_census(
    censuses: list[CensusCounts], fy: FinancialYear, month: int
) -> tuple[CensusCounts | None, bool]:
    """R4's roll: the counting month's census inside the year, else the latest earlier one in
    that month (then the figure is provisional until the year's count is taken)."""
    year = fy.start_year if month >= 4 else fy.start_year + 1
    exact = [c for c in censuses if (c.census_date.year, c.census_date.month) == (year, month)]
    if exact:
        return max(exact, key=lambda c: c.census_date), False
    target = dt.date(year, month, 1)
    earlier = [c for c in censuses if c.census_date.month == month and c.census_date < target]
    if earlier:
        return max(earlier, key=lambda c: c.census_date), True
    return None, False


def counting_date(rates: SchemeRates, fy: FinancialYear) -> dt.date:
    """R4+: the day IAR pupils are counted (November by default) inside the year."""
    month = rates.ass_counting_month
    year = fy.start_year if month >= 4 else fy.start_year + 1
    return dt.date(year, month, rates.ass_counting_day)


def gets_formula(rates: SchemeRates, school: SchoolInfo) -> bool:
    """R1+: only mainstream maintained schools and academies get the schools-block formula
    (elements 1-2 and Additional SEN Support): never nursery schools (early years block),
    special schools, AP, FE, independent or other settings. The types are scheme data."""
    return school.establishment_type in rates.formula_establishment_types and (
        school.phase != "nursery"
    )


def _support_on(inputs, pupil_id: int, on: dt.date, plans=None, supports=None):
    """(plan, support level) in force for the pupil on `on`, or (None, None)."""
    for plan in (plans if plans is not None else inputs.plans).get(pupil_id, ()):
        if plan.issued_on <= on and (plan.ceased_on is None or plan.ceased_on >= on):
            break
    else:
        return None, None
    for level in (supports if supports is not None else inputs.supports).get(plan.id, ()):
        if level.effective_from <= on and (level.effective_to is None or level.effective_to >= on):
            return plan, level
    return plan, None


@dataclass(frozen=True, slots=True)
class IarCount:
    """R4 from our records at one school (R4+): the roll and rule its Additional SEN Support is
    worked out from, the school days it is open, and the top-up parts on the counting date of
    each pupil who could be in receipt of an IAR (counted when a part is non-zero). A scenario's
    cost-neutral solve re-prices these as a factor moves top-ups across zero."""

    school_id: int
    roll: int
    percentage: Decimal
    amount_per_pupil: Decimal
    days: int
    year_days: int
    pupils: tuple


def iar_parts_by_school(engine, on: dt.date) -> dict[int, list]:
    """R4+: by school, the top-up parts on `on` of each pupil on roll, Reception to Year 11,
    with a plan in force and a support level the scheme can price (one list of
    `(TopUpPart, working)` per pupil; a pupil is in receipt of an IAR when a part is non-zero).

    One pass over the pupils with the in-force tests inlined: it runs in every engine run."""
    inputs = engine.inputs
    rates = engine.rates
    la = inputs.administering_la_id
    counted = {s.id: s for s in inputs.schools.values() if s.la_id == la and gets_formula(rates, s)}
    by_total = rates.threshold_basis == THRESHOLD_TOTAL_WITH_ELEMENT_1
    version = engine.rate_version(on) if hasattr(engine, "rate_version") else 0
    placements, plans, supports = inputs.placements, inputs.plans, inputs.supports
    cutover = engine._no_top_up_after_cutover
    top_up = engine.top_up
    out: dict[int, list] = defaultdict(list)
    groups: dict[dt.date, int] = {}
    for pupil in inputs.pupils.values():
        school = None
        for placement in placements.get(pupil.id, ()):
            if placement.starts_on <= on and (placement.ends_on is None or placement.ends_on >= on):
                school = counted.get(placement.school_id)
                break
        if school is None:
            continue
        dob = pupil.date_of_birth
        group = groups.get(dob)
        if group is None:
            group = groups[dob] = year_group(dob, on)
        if not 0 <= group <= 11:
            continue
        plan, level = _support_on(inputs, pupil.id, on, plans, supports)
        if level is None or cutover(pupil, plan.id):
            continue
        element_1 = engine.element_1_of(dob, on) if by_total else None
        phase = rate_phase(school, dob, on)
        if version:
            parts, problem = top_up(level, school, phase, element_1, version)
        else:
            parts, problem = top_up(level, school, phase, element_1)
        if problem is None:
            out[school.id].append(parts)
    return out


def iar_pupils_by_school(engine, on: dt.date) -> dict[int, int]:
    """R4+: pupils in receipt of an IAR on `on`, by school: on roll, Reception to Year 11, with a
    plan in force and a support level that attracts a non-zero top-up."""
    return _iar_counts(iar_parts_by_school(engine, on))


def _iar_counts(parts_by_school: dict[int, list]) -> dict[int, int]:
    return {
        school_id: sum(1 for parts in pupils if any(part.amount > 0 for part, _ in parts))
        for school_id, pupils in parts_by_school.items()
    }


class _SchoolMoney:
    """One run's school-level lines."""

    def __init__(self, engine):
        self.engine = engine
        self.inputs = engine.inputs
        self.rates = engine.rates
        self.fy = engine.fy
        self.la = engine.inputs.administering_la_id
        self._iar: dict[int, int] | None = None
        self._iar_parts: dict[int, list] = {}
        #: R4+: each school's Additional SEN Support from our records, as it was worked out.
        self.iar_counts: list[IarCount] = []

    def lines(self) -> list[LineData]:
        out: list[LineData] = []
        fy = self.fy
        places_by_school: dict[int, list[PlacesInfo]] = defaultdict(list)
        for p in self.inputs.places:
            places_by_school[p.school_id].append(p)
        for school in sorted(self.inputs.schools.values(), key=lambda s: s.name):
            if school.la_id != self.la:
                continue
            open_range = clip(
                school.opened_on or fy.starts_on, school.closed_on, fy.starts_on, fy.ends_on
            )
            if open_range is None:
                continue
            if gets_formula(self.rates, school):
                self._formula(out, school, open_range)
            self._places(out, school, places_by_school.get(school.id, []), open_range)
        if self.inputs.kind == INITIAL:
            self._january_occupancy(out)
        return out

    # ---- one school-level amount for the part of the year the school is open ------------
    def _open_lead(self, open_range: tuple[dt.date, dt.date]) -> str:
        fy = self.fy
        start, end = open_range
        if start > fy.starts_on and end < fy.ends_on:
            return f"Open from {_d(start)} to {_d(end)}: "
        if start > fy.starts_on:
            return f"Opened {_d(start)}: "
        if end < fy.ends_on:
            return f"Open until {_d(end)}: "
        return ""

    def _year(self, out, school: SchoolInfo, element: str, calc: Calculated, open_range, payer):
        engine = self.engine
        days = engine.days(*open_range)
        working = calc.working.as_dict(with_formula=False)
        if open_range != (self.fy.starts_on, self.fy.ends_on):
            working["open_from"], working["open_to"] = (d.isoformat() for d in open_range)
        engine.emit(
            out,
            [
                _Pending(
                    school.id,
                    element,
                    calc,
                    working,
                    open_range[0],
                    open_range[1],
                    days,
                    True,
                    self._open_lead(open_range),
                    school.route,
                )
            ],
            pupil_id=None,
            payer_la_id=payer,
        )

    # ---- R1, R2, R4 -----------------------------------------------------------------------
    def _formula(self, out, school: SchoolInfo, open_range) -> None:
        engine = self.engine
        rates = self.rates
        censuses = self.inputs.censuses.get(school.id, [])
        month = rates.formula_census_month
        census, fallback = formula_census(censuses, self.fy, month)
        given = self.inputs.notional_sen_amounts.get(school.id)
        if given is not None:  # R2: the LA's own figure (its APT) instead of factor x rate
            self._year(out, school, NOTIONAL_SEN, _la_notional_sen(*given), open_range, self.la)
        if census is None:
            engine.warn(
                f"{school.name} ({school.urn}) has no census before {_d(self.fy.starts_on)}: "
                "elements 1 and 2 not calculated."
            )
        else:
            if fallback:
                engine.warn(
                    f"{school.name} ({school.urn}) has no {MONTH_NAMES.get(month, month)} census "
                    f"before {_d(self.fy.starts_on)}: the census of {_d(census.census_date)} "
                    "used for elements 1 and 2."
                )
            awpu_budget = Decimal("0")
            for _key, calc in el.element_1(rates, census):
                awpu_budget += calc.amount
                self._year(
                    out, school, ELEMENT_1, _census_note(calc, fallback), open_range, self.la
                )
            notional = el.notional_sen(rates, census, awpu_budget) if given is None else None
            if notional is not None:
                calc = _census_note(notional, fallback)
                self._year(out, school, NOTIONAL_SEN, calc, open_range, self.la)
        if rates.additional_sen_support:
            self._additional_sen_support(out, school, censuses, open_range)

    def _additional_sen_support(self, out, school, censuses, open_range) -> None:
        engine = self.engine
        rates = self.rates
        if not open_range[0] <= counting_date(rates, self.fy) <= open_range[1]:
            return  # not open on the counting date: no count, no Additional SEN Support (R4)
        count, provisional = counting_census(censuses, self.fy, rates.ass_counting_month)
        if count is None:
            engine.warn(
                f"{school.name} ({school.urn}) has no census in the counting month: "
                "Additional SEN Support not calculated (R4)."
            )
            return
        if rates.iar_count_source == IAR_FROM_CENSUS:
            iar, counted_on, source = count.ehc_plans, count.census_date, "census EHC plans"
        else:
            counted_on = counting_date(rates, self.fy)
            if self._iar is None:
                self._iar_parts = iar_parts_by_school(engine, counted_on)
                self._iar = _iar_counts(self._iar_parts)
            iar, source = self._iar.get(school.id, 0), "our records"
            self.iar_counts.append(
                IarCount(
                    school.id,
                    count.roll_r_to_y11,
                    rates.ass_percentage,
                    rates.ass_amount,
                    engine.days(*open_range),
                    engine.year_days,
                    tuple(self._iar_parts.get(school.id, ())),
                )
            )
        calc = el.additional_sen_support(
            roll=count.roll_r_to_y11,
            iar_pupils=iar,
            percentage=rates.ass_percentage,
            amount_per_pupil=rates.ass_amount,
            counted_on=counted_on,
        )
        if calc.amount == 0:
            return
        formula = f"{calc.formula} (IAR pupils from {source}; roll from the census of "
        formula += f"{count.census_date:%d %b %Y})"
        if provisional:
            formula += " (provisional: this year's count is not in yet)"
        inputs = dict(calc.working.inputs) | {
            "iar_source": source,
            "roll_census": count.census_date,
        }
        calc = Calculated(calc.amount, Working(calc.rule, formula, inputs), calc.exact)
        self._year(out, school, ADDITIONAL_SEN_SUPPORT, calc, open_range, self.la)

    # ---- R11, R13, R14 ------------------------------------------------------------------
    def _places(self, out, school: SchoolInfo, places: list[PlacesInfo], open_range) -> None:
        if not places:
            return
        engine = self.engine
        fy = self.fy
        rates = self.rates
        by_months = rates.place_funding_split == SPLIT_BY_MONTHS
        by_provision: dict[str, dict[int, PlacesInfo]] = defaultdict(dict)
        for p in places:
            by_provision[p.provision][p.academic_year] = p
        for provision, by_year in sorted(by_provision.items()):
            pending = []
            payer = self.la
            route = school.route
            for i, (academic_year, start, end) in enumerate(academic_year_parts(fy)):
                part_open = clip(start, end, *open_range)
                if part_open is None:
                    continue
                info = by_year.get(academic_year)
                borrowed = None
                if info is None:
                    # Places are agreed per academic year (R11); when one of the two years
                    # is not recorded, the other year's figures stand in, said in the working.
                    other = by_year.get(
                        academic_year + 1 if academic_year < fy.start_year else academic_year - 1
                    )
                    if other is None:
                        continue
                    info, borrowed = other, academic_year
                    engine.warn(
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
                    payer, route = None, ROUTE_ESFA
                else:
                    engine.warn(f"Unknown provision {provision!r} at {school.name}.")
                    continue
                open_days = engine.days(*part_open)
                if open_days == 0:
                    continue
                part_days = engine.days(start, end)
                if by_months:
                    months = MONTHS_IN_PART[i]
                    share = (months * open_days, 12 * part_days)
                    share_text = f"{months}/12 ({PART_NAMES[i]})"
                    if open_days != part_days:
                        share_text += f" × {open_days}/{part_days} school days open"
                else:
                    share = (open_days, engine.year_days)
                    share_text = ""
                working = calc.working.as_dict(with_formula=False)
                working["academic_year"] = academic_year
                working["split"] = rates.place_funding_split
                lead = f"{_ay(academic_year)}: "
                if borrowed is not None:
                    working["places_from_academic_year"] = info.academic_year
                    lead = (
                        f"{_ay(academic_year)} (places not recorded: "
                        f"{_ay(info.academic_year)}'s used): "
                    )
                pending.append(
                    _Pending(
                        school.id,
                        PLACE,
                        calc,
                        working,
                        part_open[0],
                        part_open[1],
                        open_days,
                        True,
                        self._open_lead(open_range) + lead,
                        route,
                        share,
                        share_text,
                    )
                )
            if pending:
                engine.emit(out, pending, pupil_id=None, payer_la_id=payer)

    # ---- R11+: the initial run's special school top-up from January occupancy ------------
    def _january_date(self, school: SchoolInfo) -> dt.date:
        """The January count: the school's January census of the year the FY starts in, else
        the third Thursday of that January (the census day)."""
        year = self.fy.start_year
        for c in self.inputs.censuses.get(school.id, []):
            if c.census_date.year == year and c.census_date.month == 1:
                return c.census_date
        first = dt.date(year, 1, 1)
        first_thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
        return first_thursday + dt.timedelta(weeks=2)

    def _january_occupancy(self, out: list[LineData]) -> None:
        engine = self.engine
        inputs = self.inputs
        fy = self.fy
        special = {
            s.id: s
            for s in inputs.schools.values()
            if s.la_id == self.la and s.establishment_type in SPECIAL_SCHOOL_TYPES
        }
        if not special:
            return
        dates = {school_id: self._january_date(s) for school_id, s in special.items()}
        occupancy: dict[tuple[int, int, int], int] = defaultdict(int)
        for pupil in inputs.pupils.values():
            for placement in inputs.placements.get(pupil.id, ()):
                on = dates.get(placement.school_id)
                if on is None or not (
                    placement.starts_on <= on
                    and (placement.ends_on is None or placement.ends_on >= on)
                ):
                    continue
                plan, level = _support_on(inputs, pupil.id, on)
                if level is None or not level.support.band:
                    continue
                if engine._no_top_up_after_cutover(pupil, plan.id):  # R17, as in-year runs
                    continue
                pieces = engine._by_home_la(on, on, engine.home_la_spans(pupil))  # R8+
                payer = pieces[0][2] if pieces else pupil.home_la_id
                occupancy[(placement.school_id, level.support.band, payer)] += 1
        for (school_id, band, payer), count in sorted(occupancy.items()):
            school = special[school_id]
            open_range = clip(
                school.opened_on or fy.starts_on, school.closed_on, fy.starts_on, fy.ends_on
            )
            if open_range is None:
                continue
            # R26: the band rates in force over the open range (a dated change splits it).
            for start, end, rate, lead in self._band_rate_pieces(school_id, band, open_range):
                if rate is None:
                    engine.warn(
                        f"{school.name} has no band {band} top-up rate for FY {fy} (R12): "
                        "January occupancy not funded."
                    )
                    continue
                amount = count * rate
                on = dates[school_id]
                calc = Calculated(
                    amount,
                    Working(
                        "R11",
                        f"Initial top-up from January occupancy: {num(count)} "
                        f"{'pupil' if count == 1 else 'pupils'} in band {band} on {_d(on)} × "
                        f"{gbp(rate)} = {gbp(amount)}; in-year changes follow the child in "
                        "revised runs",
                        {"band": band, "pupils": count, "band_rate": rate, "counted_on": on},
                    ),
                )
                route = engine._pupil_route(payer, True)
                days = engine.days(start, end)
                # Each piece is shared out on its own (R7+): rounded once, at its line.
                engine.emit(
                    out,
                    [
                        _Pending(
                            school_id,
                            TOP_UP,
                            calc,
                            calc.working.as_dict(with_formula=False) | {"home_la": payer},
                            start,
                            end,
                            days,
                            True,
                            lead + self._open_lead(open_range),
                            route,
                        )
                    ],
                    pupil_id=None,
                    payer_la_id=payer,
                )

    def _band_rate_pieces(self, school_id: int, band: int, open_range) -> list[tuple]:
        """R26 with R7: (start, end, band rate, lead) for each part of `open_range` at the band
        rate in force over it; one piece, with no lead, when no dated change alters the rate."""
        dated = self.engine.dated_rates
        key = (school_id, band)
        first, last = open_range
        version = dated.version(first)
        rate = dated.versions[version][1].get(key)
        pieces = []
        start = first
        for later in range(version + 1, dated.version(last) + 1):
            then = dated.versions[later][1].get(key)
            if then == rate:
                continue
            day = dated.dates[later - 1]
            pieces.append((start, day - dt.timedelta(days=1), rate, version))
            start, rate, version = day, then, later
        pieces.append((start, last, rate, version))
        if len(pieces) == 1 and rate == self.inputs.band_rates.get(key):
            return [(first, last, rate, "")]
        return [(a, b, r, dated.lead(dated.day(v), b)) for a, b, r, v in pieces]


def _la_notional_sen(amount: Decimal, source: str) -> Calculated:
    """R2 as the LA gives it: the school's notional SEN budget from the LA's figures."""
    where = f" ({source})" if source else ""
    return Calculated(
        amount,
        Working(
            "R2",
            f"The LA's notional SEN budget for the school{where}: {gbp(amount)}, as given "
            "(not worked out as factor × rate)",
            {"la_amount": amount, "source": source or "LA figure"},
        ),
        None,
    )


def _census_note(calc: Calculated, fallback: bool) -> Calculated:
    if not fallback:
        return calc
    return Calculated(
        calc.amount,
        Working(
            calc.rule,
            calc.formula + " (the scheme's census month is not recorded: latest earlier census)",
            calc.working.inputs,
        ),
        calc.exact,
    )


def school_lines(engine) -> list[LineData]:
    return _SchoolMoney(engine).lines()


def school_lines_and_iar_counts(engine) -> tuple[list[LineData], list[IarCount]]:
    """The school-level lines and, for each school whose Additional SEN Support counts IAR
    pupils from our records (R4+), what it was worked out from."""
    money = _SchoolMoney(engine)
    return money.lines(), money.iar_counts

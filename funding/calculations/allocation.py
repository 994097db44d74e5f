"""The allocation engine: a year's plain inputs in, explained lines out. Pure: no ORM.

`allocate(inputs)` computes, for the administering LA:
- per school in the LA (`school_lines.py`): element 1 (R1) by key stage and the notional SEN
  budget (R2) from the scheme's census (October before the year by default, R1+), Additional
  SEN Support (R4, R4+) on the counting date, and place funding (R11, R13, R14) for the two
  academic years the financial year spans (5/12 + 7/12 by default, R11+), each pro rata to
  the days the school is open (R1+);
- per pupil placed in the LA's schools, or living in the LA and placed elsewhere: top-up (R5,
  R6, R12) for each period of the year (R7), charged to the pupil's home LA of the day (R8,
  R8+), and each funding item (personal supplement, ENF: R9) pro rata.

Every line carries its working and its route (R25); a pupil's periods of one kind are
apportioned from the unrounded annual amounts so they add up to the year and money is rounded
once, at the line (R7+). What cannot be calculated (a band with no rate, a school with no
census) becomes a warning, not an exception, so one gap does not stop a run; a calendar that
does not cover the year stops it (`CalendarIncomplete`). What the engine works out from dates
alone (the FY's academic years and term-date gaps, rate phase, plan standing dates, date texts)
is in `dates.py`, imported here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from funding.calculations.dates import (  # noqa: F401  (re-exported: the engine's dates)
    CALENDAR_INCOMPLETE,
    _ay,
    _d,
    academic_year_parts,
    calendar_gaps,
    period_text,
    plan_chain_starts,
    rate_phase,
)
from funding.calculations.inputs import (  # noqa: F401  (re-exported: the engine's types)
    ADDITIONAL_SEN_SUPPORT,
    ELEMENT_1,
    ENF,
    ESFA_FUNDED_TYPES,
    INITIAL,
    ITEM_ELEMENTS,
    ITEM_LABELS,
    NOTIONAL_SEN,
    PERSONAL_SUPPLEMENT,
    PLACE,
    PRIMARY_PHASES,
    ROUTE_ESFA,
    ROUTE_LA,
    ROUTE_OTHER_LA,
    ROUTE_RETAINED,
    SECONDARY_PHASES,
    SPECIAL_SCHOOL_TYPES,
    TOP_UP,
    AllocationInputs,
    AllocationResult,
    HomeLaSpan,
    LineData,
    PlacesInfo,
    PupilInfo,
    SchoolInfo,
)
from funding.calculations.money import Calculated, Working, gbp, gbp_exact, round_money
from funding.calculations.periods import (
    FundingItemSpan,
    Period,
    clip,
    item_periods,
    support_periods,
)
from funding.calculations.pro_rata import apportion_shares
from funding.calculations.rate_changes import DatedRates, rate_pieces
from funding.calculations.scheme import HOURLY, THRESHOLD_TOTAL_WITH_ELEMENT_1
from funding.calculations.top_up import MissingRate, top_up_from_support
from schools.dates import year_group

NO_SCHOOL_DAYS = (
    "FY {fy} has no school days: add the LA's term dates for the year before running it."
)


class NoSchoolDays(ValueError):
    pass


class CalendarIncomplete(NoSchoolDays):
    """One of the two academic years an FY spans has no term dates (R7)."""


@dataclass(slots=True)
class _Pending:
    """A period waiting for its group's apportionment.

    The period's share of the annual amount is `share` (numerator, denominator): by default its
    school days over the year's; place funding split by months uses 5/12 and 7/12 (R11+).
    """

    school_id: int
    element: str
    calc: Calculated
    base_working: dict
    starts_on: dt.date
    ends_on: dt.date
    days: int
    delegated: bool
    lead: str
    route: str = ROUTE_LA
    share: tuple[int, int] | None = None
    share_text: str = ""
    #: The payer of this period when it differs within the group (R8+: a change of home LA).
    payer_la_id: int | None | object = None


class Engine:
    """Holds what every pupil's calculation shares (rates, calendar, caches)."""

    def __init__(
        self,
        inputs: AllocationInputs,
        *,
        require_full_calendar: bool = True,
        explain: bool = True,
    ):
        self.inputs = inputs
        #: Without `explain`, lines carry their money but no explanation, and of their working
        #: only the placement kind (a return's monthly amounts and the budget's forecast need
        #: only those: the same figures, less text).
        self.explain = explain
        self.fy = inputs.fy
        self.rates = inputs.rates
        self.calendar = inputs.calendar
        self.year_days = self.calendar.school_days(self.fy.starts_on, self.fy.ends_on)
        if self.year_days <= 0:
            raise NoSchoolDays(NO_SCHOOL_DAYS.format(fy=self.fy))
        if require_full_calendar:
            gaps = calendar_gaps(self.calendar, self.fy)
            if gaps:
                raise CalendarIncomplete(" ".join(gaps))
        self.warnings: list[str] = []
        self._warned: set[str] = set()
        self._top_up_cache: dict = {}
        self._days_cache: dict = {}
        #: id(calc) -> (calc, its unrounded amount as text, as money): one formatting per
        #: distinct amount, not per line (the calc is kept, so its id is not reused).
        self._amount_texts: dict[int, tuple[Calculated, str, str]] = {}
        self._september = dt.date(self.fy.start_year, 9, 1)
        self._chain_starts: dict[int, dict[int, dt.date]] = {}
        #: R26 with R7: the rates in force over the year (`rate_changes.DatedRates`); its
        #: dates are empty for a scheme with no dated change (nothing more is done then).
        self.dated_rates = DatedRates(self.rates, inputs.band_rates, self.fy)
        self.rate_dates = self.dated_rates.dates
        self.rate_versions = self.dated_rates.versions

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
    def emit(
        self,
        out: list[LineData],
        pending: list[_Pending],
        *,
        pupil_id: int | None,
        payer_la_id: int | None,
    ) -> None:
        """Apportion a group of periods so they add up, and turn them into lines (R7+)."""
        D = self.year_days
        shares = [p.share or (p.days, D) for p in pending]
        amounts = apportion_shares(
            [(p.calc.unrounded, n, d) for p, (n, d) in zip(pending, shares, strict=True)]
        )
        several = len(pending) > 1
        explain = self.explain
        for p, (n, d), amount in zip(pending, shares, amounts, strict=True):
            if not explain:
                out.append(
                    LineData(
                        p.school_id,
                        pupil_id,
                        p.element,
                        p.calc.rule,
                        p.starts_on,
                        p.ends_on,
                        p.days,
                        D,
                        p.calc.amount,
                        amount,
                        payer_la_id if p.payer_la_id is None else p.payer_la_id,
                        p.delegated,
                        p.base_working if p.base_working is not None else {},
                        "",
                        p.route,
                    )
                )
                continue
            calc = p.calc
            texts = self._amount_texts.get(id(calc))
            if texts is None:
                annual = calc.unrounded
                texts = self._amount_texts[id(calc)] = (calc, f"{annual:f}", gbp_exact(annual))
            if n == d:
                pro = "whole year"
            else:
                # `amount` is whole pennies (apportioned), so formatting it is `gbp` exactly.
                money = f"£{amount:,.2f}" if amount >= 0 else gbp(amount)
                pro = f"{texts[2]} × {p.share_text or f'{p.days}/{D} school days'} = {money}"
                # Did apportionment move a penny from the plain rounding of this share?
                if several and apportion_shares([(calc.unrounded, n, d)])[0] != amount:
                    pro += " (rounded so the periods add up to the year)"
            # Each pending's working is its own dict (made for it), so it is completed in place.
            working = p.base_working
            working["annual"] = texts[1]
            working["school_days"] = p.days
            working["year_days"] = D
            if p.share is not None:
                working["share"] = f"{n}/{d}"
            out.append(
                LineData(
                    p.school_id,
                    pupil_id,
                    p.element,
                    calc.working.rule,
                    p.starts_on,
                    p.ends_on,
                    p.days,
                    D,
                    calc.amount,
                    amount,
                    payer_la_id if p.payer_la_id is None else p.payer_la_id,
                    p.delegated,
                    working,
                    f"{p.lead}{calc.working.formula}; {period_text(p.starts_on, p.ends_on)}: {pro}",
                    p.route,
                )
            )

    # ---- schools ------------------------------------------------------------------------
    def school_lines(self) -> list[LineData]:
        from funding.calculations.school_lines import school_lines

        return school_lines(self)

    # ---- pupils -------------------------------------------------------------------------
    def element_1_of(self, date_of_birth: dt.date, on: dt.date) -> tuple[str, Decimal] | None:
        """The pupil's AWPU by key stage on a date (R1), for a threshold on the total cost."""
        group = year_group(date_of_birth, on)
        rates = self.rates
        if 0 <= group <= 6:
            found = ("AWPU primary", rates.awpu_primary)
        elif 7 <= group <= 9:
            found = ("AWPU key stage 3", rates.awpu_ks3)
        elif 10 <= group <= 11:
            found = ("AWPU key stage 4", rates.awpu_ks4)
        else:
            return None
        return found if found[1] is not None else None

    def rate_version(self, on: dt.date) -> int:
        """Which rates are in force on `on` (R26: 0 unless a dated change started by then)."""
        return self.dated_rates.version(on) if self.rate_dates else 0

    def top_up(self, level, school: SchoolInfo, phase: str, element_1=None, version: int = 0):
        # The same support at the same phase costs the same everywhere; only a band's rate
        # depends on the school (and, with a threshold on the total cost, the pupil's AWPU).
        key = (level.support, phase, school.id if level.support.band else None, element_1)
        if version:
            key = (*key, version)
        found = self._top_up_cache.get(key)
        if found is None:
            support = level.support
            rates, band_rates = self.rate_versions[version]
            band_rate = band_rates.get((school.id, support.band)) if support.band else None
            try:
                parts = top_up_from_support(
                    support,
                    rates,
                    phase=phase,
                    band_rate=band_rate,
                    school_name=school.name,
                    element_1=element_1,
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

    def _split_at_new_academic_year(self, periods: list[Period], pupil: PupilInfo):
        """Hourly rates at a school without a fixed phase (all-through, special) follow the
        pupil's age, and a threshold on the total cost follows the pupil's key stage (R3+): both
        move on 1 September, so hours periods are split there when it changes what they cost."""
        if self.rates.top_up_method != HOURLY:
            return periods
        september = self._september
        if not any(p.starts_on < september <= p.ends_on for p in periods):
            return periods
        august = september - dt.timedelta(days=1)
        by_age = self.rates.threshold_basis == THRESHOLD_TOTAL_WITH_ELEMENT_1
        dob = pupil.date_of_birth
        stage_changes = by_age and self.element_1_of(dob, august) != self.element_1_of(
            dob, september
        )
        out = []
        for period in periods:
            school = self.inputs.schools[period.placement.school_id]
            support = period.support.support
            if (
                not support.band
                and support.resource_amount is None
                and (
                    stage_changes
                    or (school.phase not in PRIMARY_PHASES and school.phase not in SECONDARY_PHASES)
                )
                and period.starts_on < september <= period.ends_on
            ):
                out.append(replace(period, ends_on=august))
                out.append(replace(period, starts_on=september))
            else:
                out.append(period)
        return out

    def home_la_spans(self, pupil: PupilInfo) -> list[HomeLaSpan]:
        """R8+: the pupil's home LAs inside the year (the undated home LA when none recorded)."""
        spans = self.inputs.home_las.get(pupil.id)
        if not spans:
            return [HomeLaSpan(self.fy.starts_on, self.fy.ends_on, pupil.home_la_id)]
        return spans

    def _by_home_la(self, start: dt.date, end: dt.date, spans: list[HomeLaSpan]):
        """(start, end, home LA) pieces of start..end, split where the home LA changes."""
        if (
            len(spans) == 1
            and spans[0].starts_on <= start
            and (spans[0].ends_on is None or spans[0].ends_on >= end)
        ):
            return [(start, end, spans[0].la_id)]
        out = []
        for span in spans:
            both = clip(span.starts_on, span.ends_on, start, end)
            if both is not None:
                out.append((both[0], both[1], span.la_id))
        return out

    def _pupil_route(self, payer: int, delegated: bool) -> str:
        if not delegated:
            return ROUTE_RETAINED
        return ROUTE_LA if payer == self.inputs.administering_la_id else ROUTE_OTHER_LA

    def _no_top_up_after_cutover(self, pupil: PupilInfo, plan_id: int) -> bool:
        """R17: the scheme pays no element 3 top-up on plans issued on or after the PSF cut-over
        (Norfolk: new plans are funded through clusters)."""
        rates = self.rates
        if rates.top_up_for_plans_after_psf_cutover or rates.psf_cutover_date is None:
            return False
        starts = self._chain_starts.get(pupil.id)
        if starts is None:
            starts = self._chain_starts[pupil.id] = plan_chain_starts(
                self.inputs.plans.get(pupil.id, [])
            )
        issued = starts.get(plan_id)
        return issued is not None and issued >= rates.psf_cutover_date

    def pupil_lines(self, pupil: PupilInfo) -> list[LineData]:
        inputs = self.inputs
        fy = self.fy
        la = inputs.administering_la_id
        placements = inputs.placements.get(pupil.id, [])
        if not placements:
            return []
        schools = inputs.schools
        spans = self.home_la_spans(pupil)
        # Only our schools' pupils and our own pupils placed elsewhere are our business (R8).
        ours_ever = any(span.la_id == la for span in spans)
        placements = [p for p in placements if ours_ever or schools[p.school_id].la_id == la]
        if not placements:
            return []
        initial = inputs.kind == INITIAL
        explain = self.explain
        by_age = self.rates.threshold_basis == THRESHOLD_TOTAL_WITH_ELEMENT_1
        out: list[LineData] = []
        groups: dict[tuple, list[_Pending]] = defaultdict(list)
        periods = support_periods(
            placements, inputs.plans.get(pupil.id, []), inputs.supports, fy.starts_on, fy.ends_on
        )
        dated = bool(self.rate_dates)
        for period in self._split_at_new_academic_year(periods, pupil):
            school = schools[period.placement.school_id]
            support = period.support.support
            if initial and support.band and school.establishment_type in SPECIAL_SCHOOL_TYPES:
                if school.la_id == la:
                    # R11+: the initial run funds the school's January occupancy by band.
                    continue
            if self._no_top_up_after_cutover(pupil, period.support.plan_id):
                continue
            phase = rate_phase(school, pupil.date_of_birth, period.starts_on)
            element_1 = self.element_1_of(pupil.date_of_birth, period.starts_on) if by_age else None
            if dated:  # R26: each part of the period at the rates in force over it
                pieces = rate_pieces(self, period, school, phase, element_1)
            else:
                pieces = ((period, self.top_up(period.support, school, phase, element_1), None),)
            for piece, (parts, problem), rates_from_day in pieces:
                if problem:
                    self.warn(f"Pupil {pupil.upn}: {problem} No top-up calculated.")
                    continue
                lead = (
                    ""
                    if rates_from_day is None
                    else self.dated_rates.lead(rates_from_day, piece.ends_on)
                )
                for start, end, payer in self._by_home_la(piece.starts_on, piece.ends_on, spans):
                    if payer != la and school.la_id != la:
                        continue
                    days = self.days(start, end)
                    if days == 0:
                        continue
                    for part, base in parts:
                        if explain:
                            working = dict(base)
                            working["placement"] = period.placement.kind
                            working["home_la"] = payer
                            if rates_from_day is not None:
                                working["rates_from"] = rates_from_day
                        else:
                            working = {"placement": period.placement.kind}
                        # R26 with R7+: the pieces at each rate version are shared out on
                        # their own, so no penny moves across a rate change's date.
                        groups[(TOP_UP, part.delegated, rates_from_day or None)].append(
                            _Pending(
                                school.id,
                                TOP_UP,
                                part.calculated,
                                working,
                                start,
                                end,
                                days,
                                part.delegated,
                                lead if explain else "",
                                self._pupil_route(payer, part.delegated),
                                payer_la_id=payer,
                            )
                        )
        for item in inputs.funding_items.get(pupil.id, []):
            self._item_pending(groups, pupil, item, placements, spans)
        # A group's periods add up to its year even where the payer changes (R7+, R8+).
        for pending in groups.values():
            self.emit(out, pending, pupil_id=pupil.id, payer_la_id=pupil.home_la_id)
        out.sort(key=lambda line: (line.period_from, line.element))
        return out

    def _item_pending(self, groups, pupil: PupilInfo, item: FundingItemSpan, placements, spans):
        element = ITEM_ELEMENTS.get(item.kind)
        if element is None:
            self.warn(f"Pupil {pupil.upn}: unknown funding item kind {item.kind!r}.")
            return
        la = self.inputs.administering_la_id
        school = self.inputs.schools[item.school_id]
        label = ITEM_LABELS[item.kind]
        annual = round_money(Decimal(item.annual_amount))
        calc = Calculated(annual, _item_working(label, annual, item))
        for period in item_periods(item, placements, self.fy.starts_on, self.fy.ends_on):
            for start, end, payer in self._by_home_la(period.starts_on, period.ends_on, spans):
                if payer != la and school.la_id != la:
                    continue
                days = self.days(start, end)
                if days == 0:
                    continue
                groups[(element, True, item.id)].append(
                    _Pending(
                        item.school_id,
                        element,
                        calc,
                        calc.working.as_dict(with_formula=False)
                        | {"funding_item": item.id, "home_la": payer},
                        start,
                        end,
                        days,
                        True,
                        "",
                        self._pupil_route(payer, True),
                        payer_la_id=payer,
                    )
                )


def _item_working(label: str, annual: Decimal, item: FundingItemSpan) -> Working:
    return Working(
        "R9",
        f"{label.capitalize()} agreed by the SEN Panel: {gbp(annual)} a year from "
        f"{_d(item.starts_on)} "
        f"to {_d(item.ends_on)}",
        {"annual_amount": annual, "starts_on": item.starts_on, "ends_on": item.ends_on},
    )


def allocate(
    inputs: AllocationInputs,
    progress: Callable[[int, int], None] | None = None,
    *,
    on_lines: Callable[[list[LineData]], None] | None = None,
    batch: int = 2000,
) -> AllocationResult:
    """All of a year's lines for the administering LA. `progress(done, total)` is called now
    and then while pupils are calculated; `on_lines(lines)` with the pupils' new lines each time
    about `batch` more are calculated and with the last of them, then once with the school-level
    lines (so they can be written while the rest are calculated)."""
    engine = Engine(inputs)
    # The pupils first, so their lines can be written while the school-level lines (R1-R4,
    # R10-R12: a second pass over every pupil for R4+) are calculated; the result keeps the
    # school-level lines and their warnings first.
    pupil_lines: list[LineData] = []
    pupils = list(inputs.pupils.values())
    total = len(pupils)
    step = max(total // 20, 500)
    sent = 0
    for i, pupil in enumerate(pupils, 1):
        pupil_lines.extend(engine.pupil_lines(pupil))
        if progress is not None and i % step == 0:
            progress(i, total)
        if on_lines is not None and len(pupil_lines) - sent >= batch:
            on_lines(pupil_lines[sent:])
            sent = len(pupil_lines)
    if on_lines is not None and len(pupil_lines) > sent:
        on_lines(pupil_lines[sent:])
    pupil_warnings = len(engine.warnings)
    school_lines = engine.school_lines()
    if on_lines is not None and school_lines:
        on_lines(school_lines)
    if progress is not None:
        progress(total, total)
    lines = school_lines + pupil_lines
    warnings = engine.warnings[pupil_warnings:] + engine.warnings[:pupil_warnings]
    return AllocationResult(lines, warnings, engine.year_days)

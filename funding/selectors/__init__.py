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

Modules (this package re-exports every public name, so callers keep `from funding.selectors import
X`):

- `rates`: the year's scheme and its rates (`scheme_for`, `schemes`, `scheme_rates`,
  `rate_change_label`).
- `run_inputs`: a run's bulk inputs (`allocation_inputs`, `census_counts`).
- `allocation_runs`: runs and their lines (`runs`, `latest_run`, `active_runs`, `run_totals`,
  `recoupment`, `run_lines`, `school_totals`, `compare_runs`, `default_comparison`).
- `statements`: a school's statement (`school_statement`, `statement_runs`, `statement_school`,
  `statement_years`).
- `pupils`: a pupil's money (`lines_for_pupil`, `pupil_funding`, `current_annual_top_up`,
  `current_annual_top_up_detail`).
- `monthly_amounts`: the month's money (`monthly_top_up`, `monthly_top_ups`,
  `monthly_top_ups_detail`, `monthly_top_ups_by_school`).
- `elements`: element labels and order; `home_page`: `start_page_items`.
"""

from funding.selectors.allocation_runs import (
    ComparisonRow,
    ElementTotal,
    LaAmount,
    Recoupment,
    RunTotals,
    active_runs,
    compare_runs,
    default_comparison,
    latest_run,
    recoupment,
    run_lines,
    run_totals,
    runs,
    school_totals,
)
from funding.selectors.elements import ELEMENT_LABELS, ELEMENT_ORDER
from funding.selectors.home_page import start_page_items
from funding.selectors.monthly_amounts import (
    MonthlyTopUp,
    monthly_top_up,
    monthly_top_ups,
    monthly_top_ups_by_school,
    monthly_top_ups_detail,
)
from funding.selectors.pupils import (
    AnnualTopUp,
    PupilFundingLine,
    current_annual_top_up,
    current_annual_top_up_detail,
    lines_for_pupil,
    pupil_funding,
)
from funding.selectors.rates import (
    NO_SCHEME_AS_AT,
    rate_change_label,
    scheme_for,
    scheme_rates,
    schemes,
)
from funding.selectors.run_inputs import allocation_inputs, census_counts
from funding.selectors.statements import (
    PupilTopUps,
    Statement,
    StatementSection,
    school_statement,
    statement_runs,
    statement_school,
    statement_years,
)

__all__ = [
    "AnnualTopUp",
    "ComparisonRow",
    "ELEMENT_LABELS",
    "ELEMENT_ORDER",
    "ElementTotal",
    "LaAmount",
    "MonthlyTopUp",
    "NO_SCHEME_AS_AT",
    "PupilFundingLine",
    "PupilTopUps",
    "Recoupment",
    "RunTotals",
    "Statement",
    "StatementSection",
    "active_runs",
    "allocation_inputs",
    "census_counts",
    "compare_runs",
    "current_annual_top_up",
    "current_annual_top_up_detail",
    "default_comparison",
    "latest_run",
    "lines_for_pupil",
    "monthly_top_up",
    "monthly_top_ups",
    "monthly_top_ups_by_school",
    "monthly_top_ups_detail",
    "pupil_funding",
    "rate_change_label",
    "recoupment",
    "run_lines",
    "run_totals",
    "runs",
    "scheme_for",
    "scheme_rates",
    "schemes",
    "school_statement",
    "school_totals",
    "start_page_items",
    "statement_runs",
    "statement_school",
    "statement_years",
]

"""The year-wide inputs every engine of a financial year shares, read once for a generation.

A generation (a month's returns, a period's payments) runs one engine per batch of schools;
each engine needs the same administering LA, scheme, rates (`scheme_rates`) and school calendar
(R7: term dates and closures). `year_inputs` reads them (a handful of queries) and
`allocation_inputs(..., rates=, calendar=)` takes them instead of reading them again, so the
batches read only their own pupils.

`cached_year_inputs` keeps the newest few in the worker process under the key a generation's
parent task gives its batches (the generation, or the period, and the moment it was sent out):
each generation, and each resumption of one, reads them once a worker process rather than once
a batch, and never reuses another generation's. Without a key (a service called directly)
they are read afresh.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from funding.calculations.scheme import SchemeRates
from funding.models import FundingScheme
from funding.selectors import scheme_for, scheme_rates
from schools.calendar import SchoolCalendar
from schools.dates import FinancialYear
from schools.models import LocalAuthority
from schools.selectors import administering_la, school_calendar

KEEP = 4  # generations a worker process keeps the inputs of


@dataclass(frozen=True)
class YearInputs:
    """The LA, its scheme for the year (None: no scheme, no money), the scheme's rates and the
    LA's school calendar for the year, all as at `as_at` (None: live)."""

    fy: FinancialYear
    la: LocalAuthority
    scheme: FundingScheme | None
    rates: SchemeRates | None
    calendar: SchoolCalendar | None
    as_at: dt.datetime | None = None


def year_inputs(
    fy: int | FinancialYear,
    *,
    scheme: FundingScheme | None = None,
    as_at: dt.datetime | None = None,
) -> YearInputs:
    """Read the year-wide inputs: the scheme given (or the administering LA's for the year),
    its rates and its LA's calendar for the year, as at `as_at`."""
    fy = fy if isinstance(fy, FinancialYear) else FinancialYear(int(fy))
    if scheme is None:
        la = administering_la()
        scheme = scheme_for(fy, la)
    else:
        la = scheme.la
    if scheme is None:
        return YearInputs(fy, la, None, None, None, as_at)
    return YearInputs(
        fy,
        la,
        scheme,
        scheme_rates(scheme, as_at),
        school_calendar(la, fy.starts_on, fy.ends_on, as_at=as_at),
        as_at,
    )


_kept: OrderedDict[tuple, YearInputs] = OrderedDict()


def cached_year_inputs(
    fy: int | FinancialYear,
    key: Hashable | None,
    *,
    scheme: FundingScheme | None = None,
    as_at: dt.datetime | None = None,
) -> YearInputs:
    """`year_inputs`, read once in this process for (`fy`, `key`, the scheme, `as_at`); afresh
    when `key` is None. A key names one generation's send-out (see the module's docstring)."""
    fy = fy if isinstance(fy, FinancialYear) else FinancialYear(int(fy))
    if key is None:
        return year_inputs(fy, scheme=scheme, as_at=as_at)
    full_key = (fy.start_year, key, scheme.pk if scheme is not None else None, as_at)
    found = _kept.get(full_key)
    if found is None:
        found = year_inputs(fy, scheme=scheme, as_at=as_at)
        _kept[full_key] = found
        while len(_kept) > KEEP:
            _kept.popitem(last=False)
    return found


def forget() -> None:
    """Drop every kept input (tests)."""
    _kept.clear()

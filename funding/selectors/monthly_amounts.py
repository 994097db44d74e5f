"""The money paid to schools for their pupils for a month (R7, R7+), computed live."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q

from funding.calculations.entitlement import month_bounds, split_line
from funding.selectors.elements import ELEMENT_LABELS
from funding.selectors.pupils import _engine_for, _pupil_id
from pupils.models import Placement
from schools.dates import FinancialYear

if TYPE_CHECKING:
    from funding.year_inputs import YearInputs


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

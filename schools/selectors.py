"""Reads for LAs, schools and the school calendar."""

from __future__ import annotations

import datetime as dt

from schools.asat import as_at as rows_as_at
from schools.calendar import SchoolCalendar
from schools.models import ClosureDay, LocalAuthority, TermDate


def administering_la() -> LocalAuthority:
    """The LA that runs this installation."""
    return LocalAuthority.objects.get(is_administering=True)


def school_calendar(
    la: LocalAuthority | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_at: dt.datetime | None = None,
) -> SchoolCalendar:
    """The LA's school days (R7): its term dates minus weekends, bank holidays and closures.

    Two queries. Without `la`, the administering LA's calendar; with `as_at`, the term dates
    and closures as they were recorded at that moment (a reproduced run).
    """
    la = la or administering_la()
    terms = rows_as_at(TermDate, as_at).filter(la_id=la.pk)
    closures = rows_as_at(ClosureDay, as_at).filter(la_id=la.pk)
    if start is not None:
        terms = terms.filter(ends_on__gte=start)
        closures = closures.filter(date__gte=start)
    if end is not None:
        terms = terms.filter(starts_on__lte=end)
        closures = closures.filter(date__lte=end)
    return SchoolCalendar.build(
        terms.values_list("starts_on", "ends_on"), closures.values_list("date", flat=True)
    )

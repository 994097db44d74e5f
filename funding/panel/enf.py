"""R9, R9+: how long exceptional needs funding (ENF) may last, by its ground. Pure: no database.

The panel grants ENF on one of three grounds (002): a short-term intervention, crisis funding, or
need outside the usual cohort. "At most one academic year" is the limit for a short-term
intervention only (R9+); each ground's limit is scheme data (`FundingScheme.enf_*_limit`, an
`EnfLimit`), read for the financial year in which the funding starts:

- "academic_year": ends within the academic year it starts - ENF from 5 January 2026 may run to
  31 August 2026 at the latest (a need that continues comes back to the panel next year);
- "twelve_months": at most twelve months - ENF from 5 January 2026 may run to 4 January 2027;
- "none": no limit; the panel still sets the last day funded.
"""

from __future__ import annotations

import datetime as dt

from django.db import models

from funding.models import EnfLimit
from schools.dates import AcademicYear


class EnfGround(models.TextChoices):
    SHORT_TERM = "short_term", "Short-term intervention"
    CRISIS = "crisis", "Crisis funding"
    OUTSIDE_COHORT = "outside_cohort", "Need outside the usual cohort"


# How each ground reads after "Exceptional needs funding ...".
GROUND_PHRASE = {
    EnfGround.SHORT_TERM: "for a short-term intervention",
    EnfGround.CRISIS: "for crisis funding",
    EnfGround.OUTSIDE_COHORT: "for need outside the usual cohort",
}

# The scheme field holding each ground's limit.
SCHEME_LIMIT_FIELD = {
    EnfGround.SHORT_TERM: "enf_short_term_limit",
    EnfGround.CRISIS: "enf_crisis_limit",
    EnfGround.OUTSIDE_COHORT: "enf_outside_cohort_limit",
}

ENF_GROUND_REQUIRED = (
    "Select the ground for exceptional needs funding: a short-term intervention, crisis "
    "funding, or need outside the usual cohort."
)
ENF_BEYOND_ACADEMIC_YEAR = (
    "Exceptional needs funding {phrase} lasts at most one academic year: the end date must be "
    "on or before {end.day} {end:%B %Y}, the end of the {year} academic year in which it "
    "starts (R9)."
)
ENF_BEYOND_TWELVE_MONTHS = (
    "Exceptional needs funding {phrase} lasts at most twelve months: the end date must be on or "
    "before {end.day} {end:%B %Y}, twelve months from {start.day} {start:%B %Y} (R9)."
)


def twelve_months_end(starts_on: dt.date) -> dt.date:
    """The last day of twelve months from `starts_on`: 5 Jan 2026 -> 4 Jan 2027.

    From 29 February the anniversary is 1 March, so the last day is 28 February.
    """
    try:
        anniversary = starts_on.replace(year=starts_on.year + 1)
    except ValueError:  # 29 February
        anniversary = dt.date(starts_on.year + 1, 3, 1)
    return anniversary - dt.timedelta(days=1)


def enf_latest_end(ground: str, starts_on: dt.date, limit: str) -> dt.date | None:
    """R9+: the last day ENF on `ground` starting on `starts_on` may be funded; None: no limit.

    `ground` only names the funding in messages; `limit` is that ground's `EnfLimit` value.
    """
    if limit == EnfLimit.ACADEMIC_YEAR:
        return AcademicYear.of(starts_on).ends_on
    if limit == EnfLimit.TWELVE_MONTHS:
        return twelve_months_end(starts_on)
    if limit == EnfLimit.NONE:
        return None
    raise ValueError(f"Unknown ENF limit {limit!r} for ground {ground!r}")


def enf_limit_error(ground: str, starts_on: dt.date, ends_on: dt.date, limit: str) -> str | None:
    """The message refusing ENF on `ground` from `starts_on` to `ends_on`, or None if allowed."""
    latest = enf_latest_end(ground, starts_on, limit)
    if latest is None or ends_on <= latest:
        return None
    phrase = GROUND_PHRASE[ground]
    if limit == EnfLimit.ACADEMIC_YEAR:
        return ENF_BEYOND_ACADEMIC_YEAR.format(
            phrase=phrase, end=latest, year=AcademicYear.of(starts_on).label
        )
    return ENF_BEYOND_TWELVE_MONTHS.format(phrase=phrase, end=latest, start=starts_on)


def default_end(ground: str, starts_on: dt.date, limit: str) -> dt.date:
    """The end date offered when none is asked for: the ground's latest end; with no limit, the
    end of the academic year in which it starts (the panel can change it)."""
    return enf_latest_end(ground, starts_on, limit) or AcademicYear.of(starts_on).ends_on

"""R7: money pro rata by school days, and shares of a year that add up to the year.

Integer pennies throughout, so nothing is lost to binary fractions: an annual amount A (in
pennies) for d of the year's D school days is exactly A·d/D pennies; a line rounds that
half-up to a whole penny once.

`apportion` does the same for the periods of one pupil's (or one school's) year and makes them
add up: each period gets the floor of its exact share, and the pennies still missing from the
rounded total go to the periods with the largest remainders (ties: the earlier period). So a
year split into periods at one rate sums to exactly the whole-year amount, and every period is
within a penny of its exact share.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from funding.calculations.money import Calculated, Working, from_pennies, gbp, to_pennies

RULE = "R7"


def _round_half_up_div(numerator: int, denominator: int) -> int:
    """round_half_up(numerator / denominator) for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def pro_rata(annual: Decimal, school_days: int, year_days: int) -> Calculated:
    """R7: `annual` for `school_days` of the year's `year_days` school days, to the penny.

    £6,090.00 × 94/188 school days = £3,045.00
    """
    if year_days <= 0:
        raise ValueError("A financial year with no school days cannot be pro-rated.")
    if not 0 <= school_days <= year_days:
        raise ValueError(f"{school_days} school days is outside 0..{year_days}.")
    pennies = _round_half_up_div(to_pennies(annual) * school_days, year_days)
    amount = from_pennies(pennies)
    return Calculated(
        amount,
        Working(
            RULE,
            f"{gbp(annual)} × {school_days}/{year_days} school days = {gbp(amount)}",
            {"annual": annual, "school_days": school_days, "year_days": year_days},
        ),
    )


def apportion(parts: Sequence[tuple[Decimal, int]], year_days: int) -> list[Decimal]:
    """Amounts for (annual amount, school days) periods that add up to their rounded total.

    The total is round_half_up(Σ annual·days / year_days); each period gets the floor of its
    exact share plus one penny for the largest remainders until the total is reached.

    >>> apportion([(Decimal("1000.00"), 1), (Decimal("1000.00"), 1), (Decimal("1000.00"), 1)], 3)
    [Decimal('333.34'), Decimal('333.33'), Decimal('333.33')]
    """
    if year_days <= 0:
        raise ValueError("A financial year with no school days cannot be pro-rated.")
    if len(parts) == 1:
        ((annual, days),) = parts
        return [from_pennies(_round_half_up_div(to_pennies(annual) * days, year_days))]
    numerators = [to_pennies(annual) * days for annual, days in parts]
    floors = [n // year_days for n in numerators]
    total = _round_half_up_div(sum(numerators), year_days)
    missing = total - sum(floors)
    if missing:
        # Largest remainder first; on a tie the earlier period.
        order = sorted(range(len(parts)), key=lambda i: (-(numerators[i] % year_days), i))
        for i in order[:missing]:
            floors[i] += 1
    return [from_pennies(p) for p in floors]


def is_rounded_share(amount: Decimal, annual: Decimal, school_days: int, year_days: int) -> bool:
    """Whether `amount` is the plain half-up rounding of its share (else apportion moved it)."""
    return amount == pro_rata(annual, school_days, year_days).amount

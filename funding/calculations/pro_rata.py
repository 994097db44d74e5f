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
from functools import lru_cache
from math import lcm

from funding.calculations.money import Calculated, Working, from_pennies, gbp, gbp_exact

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
    (amount,) = apportion_shares([(annual, school_days, year_days)])
    return Calculated(
        amount,
        Working(
            RULE,
            f"{gbp_exact(annual)} × {school_days}/{year_days} school days = {gbp(amount)}",
            {"annual": annual, "school_days": school_days, "year_days": year_days},
        ),
    )


@lru_cache(maxsize=65536)
def _pennies_ratio(amount: Decimal) -> tuple[int, int]:
    """An exact Decimal amount of pounds as pennies n/d in integers (£6,432.225 -> 643222.5 =
    6432225/10)."""
    sign, digits, exponent = Decimal(amount).as_tuple()
    n = int("".join(map(str, digits)) or "0")
    if sign:
        n = -n
    shift = exponent + 2
    return (n * 10**shift, 1) if shift >= 0 else (n, 10**-shift)


def apportion_shares(parts: Sequence[tuple[Decimal, int, int]]) -> list[Decimal]:
    """Amounts for (annual amount, share numerator, share denominator) parts that add up to
    their rounded total, taken of the *unrounded* annual amounts (R7+: round once).

    The total is round_half_up(Σ annual × share); each part gets the floor of its exact share
    plus one penny for the largest remainders (ties: the earlier part) until the total is
    reached. Integer arithmetic throughout.

    >>> apportion_shares([(Decimal("6432.225"), 94, 188)])
    [Decimal('3216.11')]
    """
    if len(parts) == 1:
        ((annual, share_num, share_den),) = parts
        if share_den <= 0:
            raise ValueError("A share needs a positive denominator.")
        n, d = _pennies_ratio(annual)
        return [from_pennies(_round_half_up_div(n * share_num, d * share_den))]
    scaled = []
    for annual, share_num, share_den in parts:
        if share_den <= 0:
            raise ValueError("A share needs a positive denominator.")
        n, d = _pennies_ratio(annual)
        scaled.append((n * share_num, d * share_den))
    common = lcm(*(d for _, d in scaled)) if scaled else 1
    numerators = [n * (common // d) for n, d in scaled]
    if len(numerators) == 1:
        return [from_pennies(_round_half_up_div(numerators[0], common))]
    floors = [n // common for n in numerators]
    total = _round_half_up_div(sum(numerators), common)
    missing = total - sum(floors)
    if missing:
        # Largest remainder first; on a tie the earlier period.
        order = sorted(range(len(parts)), key=lambda i: (-(numerators[i] % common), i))
        for i in order[:missing]:
            floors[i] += 1
    return [from_pennies(p) for p in floors]


def apportion(parts: Sequence[tuple[Decimal, int]], year_days: int) -> list[Decimal]:
    """Amounts for (annual amount, school days) periods that add up to their rounded total.

    The total is round_half_up(Σ annual·days / year_days); each period gets the floor of its
    exact share plus one penny for the largest remainders until the total is reached. An annual
    amount with more than two decimals is used as it is (rounded once, at the line).

    >>> apportion([(Decimal("1000.00"), 1), (Decimal("1000.00"), 1), (Decimal("1000.00"), 1)], 3)
    [Decimal('333.34'), Decimal('333.33'), Decimal('333.33')]
    """
    if year_days <= 0:
        raise ValueError("A financial year with no school days cannot be pro-rated.")
    return apportion_shares([(annual, days, year_days) for annual, days in parts])


def is_rounded_share(amount: Decimal, annual: Decimal, school_days: int, year_days: int) -> bool:
    """Whether `amount` is the plain half-up rounding of its share (else apportion moved it)."""
    return amount == pro_rata(annual, school_days, year_days).amount

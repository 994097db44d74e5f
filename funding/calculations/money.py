"""Money arithmetic and the working every amount carries. Pure: no ORM, no Django.

Amounts are `Decimal` pounds; a computed amount is rounded half-up to the penny once, where
it becomes a line. Shares of a whole are done in integer pennies (see `pro_rata.apportion`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def round_money(value: Decimal) -> Decimal:
    """Round half-up to the penny: £12,432.225 -> £12,432.23."""
    return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)


def to_pennies(value: Decimal) -> int:
    """Whole pennies of an amount already rounded to the penny."""
    return int(round_money(value) * 100)


def from_pennies(pennies: int) -> Decimal:
    """Whole pennies as pounds to the penny: 643223 -> Decimal("6432.23") (exact)."""
    return Decimal(pennies).scaleb(-2)


def gbp(value: Decimal) -> str:
    """£12,090.00 (and −£1.00 for a negative amount)."""
    amount = round_money(value)
    return f"−£{-amount:,.2f}" if amount < 0 else f"£{amount:,.2f}"


def gbp_exact(value: Decimal) -> str:
    """An annual amount as it is, before rounding: £6,432.225 (at least two decimals), so the
    working shows what a pro-rata share was taken of (R7+: round once, at the line)."""
    value = Decimal(value)
    if value == round_money(value):
        return gbp(value)
    text = f"{abs(value).normalize():,f}"
    return f"−£{text}" if value < 0 else f"£{text}"


def num(value: Decimal | int) -> str:
    """A count or hours without trailing zeros: 20.00 -> 20, 19.50 -> 19.5, 12.30 -> 12.3."""
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def pct(value: Decimal) -> str:
    """3.00 -> 3%, 2.50 -> 2.5%"""
    return f"{num(value)}%"


def plain(value) -> str | int | None:
    """A JSON-safe form of a working input (Decimals as strings, dates as ISO)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return f"{value:f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True, slots=True)
class Working:
    """How an amount was made: the rule, the formula as text, and the inputs by name."""

    rule: str
    formula: str
    inputs: dict = field(default_factory=dict)

    def as_dict(self, *, with_formula: bool = True) -> dict:
        """JSON-safe. A line stores it without the formula (its explanation has the text)."""
        data = {"rule": self.rule, "inputs": {k: plain(v) for k, v in self.inputs.items()}}
        if with_formula:
            data["formula"] = self.formula
        return data


@dataclass(frozen=True, slots=True)
class Calculated:
    """An amount (rounded to the penny) and its working.

    `exact` is the amount before rounding when it has more than two decimals (20.5 h × £15.55 ×
    39 − £6,000 = £6,432.225): a share of the year is taken of it, so the money is rounded once,
    at the line (R7+). None when the amount is exact to the penny.
    """

    amount: Decimal
    working: Working
    exact: Decimal | None = None

    @property
    def unrounded(self) -> Decimal:
        return self.amount if self.exact is None else self.exact

    @property
    def rule(self) -> str:
        return self.working.rule

    @property
    def formula(self) -> str:
        return self.working.formula

"""Scenario arithmetic. Pure: no ORM.

- `summarise(lines)`: a run's lines as per school/element/route totals and per pupil amounts.
- `compare(a, b)`: two result sets side by side: LA totals by element and route, each school's
  gain or loss (£ and %), the pupils whose money moves.
- Cost neutrality (`neutrality.py`, re-exported here): `components`, `solve_factor`,
  `uniform_factor`, `scale_values`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from funding.calculations.entitlement import ONE_DAY, entitlement_on
from funding.calculations.inputs import TOP_UP, LineData
from funding.calculations.money import ZERO, round_money
from funding.scenarios.neutrality import (  # noqa: F401  (the scenarios' API, kept here)
    BAND_VALUES,
    FACTOR_PLACES,
    HOURLY_RATES,
    RATE_SETS,
    Components,
    IarSchool,
    NoFactor,
    components,
    penny_per_pupil,
    scale_values,
    solve_factor,
    uniform_factor,
)

# ---- results of a run ------------------------------------------------------------------------


@dataclass
class Summary:
    #: (school_id, element, route) -> (amount, lines)
    school_totals: dict[tuple[int, str, str], list] = field(default_factory=dict)
    #: (pupil_id, school_id) -> (amount, detail)
    pupil_amounts: dict[tuple[int, int], list] = field(default_factory=dict)
    total: Decimal = ZERO
    lines: int = 0

    @property
    def pupils(self) -> int:
        return len({pupil for pupil, _school in self.pupil_amounts})


def _detail(line: LineData) -> str:
    working = line.working or {}
    support = working.get("support", "")
    inputs = working.get("inputs", {})
    if "band_from_hours" in inputs:
        support += f" (TA band from {inputs['band_from_hours']} h)"
    return support


def summarise(lines: list[LineData]) -> Summary:
    out = Summary()
    schools: dict = {}
    pupils: dict = {}
    details: dict[int, tuple] = {}
    total = ZERO
    for line in lines:
        amount = line.amount
        key = (line.school_id, line.element, line.route)
        entry = schools.get(key)
        if entry is None:
            schools[key] = [amount, 1]
        else:
            entry[0] += amount
            entry[1] += 1
        if line.pupil_id is not None:
            key = (line.pupil_id, line.school_id)
            p = pupils.get(key)
            if p is None:
                p = pupils[key] = [ZERO, ""]
            p[0] += amount
            if line.element == TOP_UP:
                # A top-up's lines share its working: its detail is worked out once.
                working = line.working
                found = details.get(id(working))
                if found is None or found[0] is not working:
                    found = details[id(working)] = (working, _detail(line))
                detail = found[1]
                if detail and p[1] != detail:
                    # The latest period's support says where the pupil ends up.
                    p[1] = detail
        total += amount
    out.total = total
    out.lines = len(lines)
    out.school_totals = schools
    out.pupil_amounts = pupils
    return out


# ---- comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultSet:
    """One run's results as plain data (from the database or from `summarise`)."""

    #: (school_id, element, route, amount)
    school_totals: list[tuple[int, str, str, Decimal]]
    #: (pupil_id, school_id, amount, detail)
    pupil_amounts: list[tuple[int, int, Decimal, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    key: object
    before: Decimal
    after: Decimal

    @property
    def difference(self) -> Decimal:
        return self.after - self.before

    @property
    def percent(self) -> Decimal | None:
        """The change as a % of the amount before (to 0.1%); None when there was nothing."""
        if not self.before:
            return None
        return (self.difference * 100 / self.before).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class PupilMove:
    pupil_id: int
    school_id: int
    before: Decimal
    after: Decimal
    detail_before: str
    detail_after: str

    @property
    def difference(self) -> Decimal:
        return self.after - self.before


@dataclass
class Comparison:
    total: Change
    by_element: list[Change]
    by_route: list[Change]
    #: Each school's total, biggest loss first.
    by_school: list[Change]
    #: Pupils whose money changes, biggest loss first.
    pupils: list[PupilMove]
    pupils_compared: int = 0
    #: Transitional protection, when the scenario has the rule (`with_protection`).
    protection: ProtectionResult | None = None

    @property
    def schools_gaining(self) -> int:
        return sum(1 for c in self.by_school if c.difference > 0)

    @property
    def schools_losing(self) -> int:
        return sum(1 for c in self.by_school if c.difference < 0)

    @property
    def schools_unchanged(self) -> int:
        return sum(1 for c in self.by_school if c.difference == 0)


def _changes(before: dict, after: dict, order=None) -> list[Change]:
    keys = set(before) | set(after)
    ordered = [k for k in (order or []) if k in keys] + sorted(
        (k for k in keys if not order or k not in order), key=str
    )
    return [Change(k, before.get(k, ZERO), after.get(k, ZERO)) for k in ordered]


def _sum_by(rows, key) -> dict:
    out: dict = defaultdict(lambda: ZERO)
    for row in rows:
        out[key(row)] += row[3]
    return dict(out)


def compare(before: ResultSet, after: ResultSet, *, element_order=None, route_order=None):
    """`after` (a scenario) against `before` (the live scheme, or another scenario)."""
    a, b = before.school_totals, after.school_totals
    total = Change("total", sum((r[3] for r in a), ZERO), sum((r[3] for r in b), ZERO))
    schools = _changes(_sum_by(a, lambda r: r[0]), _sum_by(b, lambda r: r[0]))
    schools.sort(key=lambda c: (c.difference, c.key))
    pa = {(p, s): (amount, detail) for p, s, amount, detail in before.pupil_amounts}
    pb = {(p, s): (amount, detail) for p, s, amount, detail in after.pupil_amounts}
    moves = []
    for key in set(pa) | set(pb):
        x, dx = pa.get(key, (ZERO, ""))
        y, dy = pb.get(key, (ZERO, ""))
        if x != y or dx != dy:
            moves.append(PupilMove(key[0], key[1], x, y, dx, dy))
    moves.sort(key=lambda m: (m.difference, m.pupil_id, m.school_id))
    return Comparison(
        total=total,
        by_element=_changes(_sum_by(a, lambda r: r[1]), _sum_by(b, lambda r: r[1]), element_order),
        by_route=_changes(_sum_by(a, lambda r: r[2]), _sum_by(b, lambda r: r[2]), route_order),
        by_school=schools,
        pupils=moves,
        pupils_compared=len(set(pa) | set(pb)),
    )


# ---- transitional protection (R26) -----------------------------------------------------------


@dataclass(frozen=True)
class Protection:
    """A scenario rule: no school loses more than `loss_cap_percent` of what it had the year
    before (and, with `gain_cap_percent`, gains no more than that). `funded`: the LA meets the
    net cost; not funded: the net cost is taken back from the schools still gaining, in
    proportion to their gains (never more than a school gains)."""

    loss_cap_percent: Decimal
    gain_cap_percent: Decimal | None = None
    funded: bool = True

    @classmethod
    def from_values(cls, values: dict) -> Protection | None:
        rule = (values or {}).get("protection")
        if not rule or rule.get("loss_cap_percent") in (None, ""):
            return None
        gain = rule.get("gain_cap_percent")
        return cls(
            Decimal(str(rule["loss_cap_percent"])),
            None if gain in (None, "") else Decimal(str(gain)),
            bool(rule.get("funded", True)),
        )

    def as_values(self) -> dict:
        return {
            "loss_cap_percent": f"{self.loss_cap_percent}",
            "gain_cap_percent": None
            if self.gain_cap_percent is None
            else f"{self.gain_cap_percent}",
            "funded": self.funded,
        }


@dataclass(frozen=True)
class ProtectedSchool:
    key: object
    before: Decimal
    after: Decimal
    #: + protection paid (loss capped); − gain capped or taken back to pay for protection.
    adjustment: Decimal
    reason: str

    @property
    def protected(self) -> Decimal:
        return self.after + self.adjustment


@dataclass
class ProtectionResult:
    rule: Protection
    schools: list[ProtectedSchool]
    #: Paid to schools whose loss is capped.
    protection: Decimal
    #: Held back from schools whose gain is capped.
    gains_capped: Decimal
    #: Taken back from gaining schools to fund the rest (not funded only).
    recovered: Decimal

    @property
    def cost(self) -> Decimal:
        """What the rule costs the LA on top of the scenario (negative: it saves)."""
        return self.protection - self.gains_capped - self.recovered

    @property
    def protected_schools(self) -> list[ProtectedSchool]:
        return [s for s in self.schools if s.adjustment > 0]

    @property
    def capped_schools(self) -> list[ProtectedSchool]:
        return [s for s in self.schools if s.adjustment < 0]


def transitional_protection(changes: list[Change], rule: Protection) -> ProtectionResult:
    """Each school's total after the rule, from its total before (last year, or the live
    scheme) and after (the scenario). A school with nothing before has nothing to protect.
    Floor = before × (1 − loss cap); ceiling = before × (1 + gain cap); each adjustment is
    rounded once, half-up, to the penny. Not funded: the net cost is shared among the schools
    still gaining pro rata to their gain above before, the last penny of rounding going to the
    biggest gainer so the rule costs nothing."""
    adjust: dict = {}
    reasons: dict = {}
    protection = gains_capped = recovered = ZERO
    for c in changes:
        if c.before <= 0:
            continue
        floor = round_money(c.before * (100 - rule.loss_cap_percent) / 100)
        if c.after < floor:
            adjust[c.key] = floor - c.after
            reasons[c.key] = f"loss capped at {rule.loss_cap_percent}% (floor £{floor:,.2f})"
            protection += adjust[c.key]
        elif rule.gain_cap_percent is not None:
            ceiling = round_money(c.before * (100 + rule.gain_cap_percent) / 100)
            if c.after > ceiling:
                adjust[c.key] = ceiling - c.after
                reasons[c.key] = f"gain capped at {rule.gain_cap_percent}% (£{ceiling:,.2f})"
                gains_capped += c.after - ceiling
    net = protection - gains_capped
    if not rule.funded and net > 0:
        gains = {
            c.key: c.after + adjust.get(c.key, ZERO) - c.before
            for c in changes
            if c.before > 0 and c.after + adjust.get(c.key, ZERO) > c.before
        }
        pool = sum(gains.values(), ZERO)
        to_take = min(net, pool)
        if to_take > 0:
            shares = {k: round_money(to_take * g / pool) for k, g in gains.items()}
            biggest = max(gains, key=lambda k: (gains[k], str(k)))
            shares[biggest] += to_take - sum(shares.values(), ZERO)
            for key, share in shares.items():
                if share:
                    adjust[key] = adjust.get(key, ZERO) - share
                    reasons[key] = (
                        reasons.get(key, "") + "; " if key in reasons else ""
                    ) + f"£{share:,.2f} of its gain pays for protection"
                    recovered += share
    schools = [
        ProtectedSchool(c.key, c.before, c.after, adjust[c.key], reasons[c.key])
        for c in changes
        if c.key in adjust
    ]
    schools.sort(key=lambda s: (-s.adjustment, str(s.key)))
    return ProtectionResult(rule, schools, protection, gains_capped, recovered)


# ---- uplifts from a date (R26, R7+) ------------------------------------------------------------


def amount_from(line: LineData, on, calendar) -> Decimal:
    """The line's money for its school days on or after `on` (a date), as a payment counts it
    (R7+, `funding.calculations.entitlement`): the line less its entitlement to the day before
    `on`, that entitlement rounded once, half-up, from the line's amount by school days. The
    whole line when it starts on or after `on`; nothing when it ends before."""
    return Decimal(line.amount) - entitlement_on(line, on - ONE_DAY, calendar)


def cost_from(before: list[LineData], after: list[LineData], on, calendar) -> Decimal:
    """What `after` costs over `before` for the rest of the year from `on`."""
    return sum((amount_from(line, on, calendar) for line in after), ZERO) - sum(
        (amount_from(line, on, calendar) for line in before), ZERO
    )

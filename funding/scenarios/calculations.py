"""Scenario arithmetic. Pure: no ORM.

- `summarise(lines)`: a run's lines as per school/element/route totals and per pupil amounts.
- `compare(a, b)`: two result sets side by side: LA totals by element and route, each school's
  gain or loss (£ and %), the pupils whose money moves.
- Cost neutrality: every line is a piecewise-linear function of a factor f applied to a set of
  rates (R5 hourly: max(0, f·cost − threshold); R12 bands and TA bands: f·amount), so
  `components(lines, rate_set)` keeps, per line, what it needs to be re-priced, and
  `solve_factor` finds f by bisection on that cheap sum, with no run per guess.
- `scale_values(values, rate_set, factor)`: the scenario snapshot with the chosen rates × f.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from funding.calculations.entitlement import ONE_DAY, entitlement_on
from funding.calculations.inputs import TOP_UP, LineData
from funding.calculations.money import ZERO, round_money
from funding.calculations.scheme import ROLES

HOURLY_RATES = "hourly"
BAND_VALUES = "bands"
RATE_SETS = {
    HOURLY_RATES: "All hourly rates (LSA, LST, TA)",
    BAND_VALUES: "All band values (special school bands and TA hours bands)",
}
#: A cost-neutral factor is kept to 8 decimal places: on a £10,000 pupil that is 0.01p.
FACTOR_PLACES = Decimal("0.00000001")


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
    schools: dict = defaultdict(lambda: [ZERO, 0])
    pupils: dict = defaultdict(lambda: [ZERO, ""])
    for line in lines:
        entry = schools[(line.school_id, line.element, line.route)]
        entry[0] += line.amount
        entry[1] += 1
        if line.pupil_id is not None:
            p = pupils[(line.pupil_id, line.school_id)]
            p[0] += line.amount
            detail = _detail(line) if line.element == TOP_UP else ""
            if detail and p[1] != detail:
                # The latest period's support says where the pupil ends up.
                p[1] = detail
        out.total += line.amount
        out.lines += 1
    out.school_totals = dict(schools)
    out.pupil_amounts = dict(pupils)
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


# ---- cost neutrality -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Component:
    """A line's annual amount as a function of the factor f, times its share of the year:
    weight × max(0, min(f·cap, f·slope − threshold)) (cap None: no cap)."""

    weight: Fraction
    slope: Decimal
    threshold: Decimal
    cap: Decimal | None = None


@dataclass
class Components:
    fixed: Decimal
    parts: list[Component]
    pupils: int

    def total(self, factor: float) -> float:
        """The run's total at `factor`, in pounds (floats: for the search only)."""
        return float(self.fixed) + sum(
            w * max(0.0, min(factor * c, factor * s - t) if c is not None else factor * s - t)
            for w, s, t, c in self._grouped
        )

    def __post_init__(self):
        grouped: dict = defaultdict(Fraction)
        for part in self.parts:
            grouped[(part.slope, part.threshold, part.cap)] += part.weight
        self._grouped = [
            (float(w), float(s), float(t), None if c is None else float(c))
            for (s, t, c), w in grouped.items()
        ]


def _weight(line: LineData) -> Fraction:
    share = (line.working or {}).get("share")
    if share:
        n, d = share.split("/")
        return Fraction(int(n), int(d))
    return Fraction(line.school_days, line.year_days)


def _hourly_cost(inputs: dict) -> Decimal:
    return sum(
        (
            Decimal(inputs[f"{role}_hours"])
            * Decimal(inputs[f"{role}_rate"])
            * Decimal(inputs[f"{role}_weeks"])
            for role in ROLES
            if f"{role}_rate" in inputs
        ),
        ZERO,
    )


def components(lines: list[LineData], rate_set: str) -> Components:
    """Each line's dependence on a factor applied to `rate_set`; lines that do not depend on
    it are a fixed sum. R5: a delegated hourly top-up is max(0, f·cost − threshold), the
    threshold less the pupil's AWPU when it counts the total cost (R3+); a part retained
    centrally (R6) meets what is left of the threshold: max(0, min(f·r, f·(r + cost) −
    threshold)). R12 band rates and TA hours bands scale the whole amount: f·amount."""
    fixed = ZERO
    parts: list[Component] = []
    delegated: dict[tuple, tuple[Decimal, Decimal]] = {}
    retained: list[LineData] = []
    for line in lines:
        inputs = (line.working or {}).get("inputs", {})
        if line.element != TOP_UP:
            fixed += line.amount
            continue
        if rate_set == HOURLY_RATES and any(f"{r}_rate" in inputs for r in ROLES):
            if "threshold_left" in inputs:
                retained.append(line)
                continue
            threshold = Decimal(inputs["threshold"]) - Decimal(inputs.get("element_1") or 0)
            cost = _hourly_cost(inputs)
            key = (line.pupil_id, line.school_id, line.period_from, line.period_to)
            delegated[key] = (cost, threshold)
            parts.append(Component(_weight(line), cost, threshold))
        elif rate_set == BAND_VALUES and ("band_rate" in inputs or "amount_from" in inputs):
            annual = Decimal((line.working or {}).get("annual", line.annual_amount))
            parts.append(Component(_weight(line), annual, ZERO))
        else:
            fixed += line.amount
    for line in retained:
        inputs = line.working["inputs"]
        r = _hourly_cost(inputs)
        key = (line.pupil_id, line.school_id, line.period_from, line.period_to)
        cost, threshold = delegated.get(key, (ZERO, Decimal(inputs["threshold_left"])))
        parts.append(Component(_weight(line), r + cost, threshold, cap=r))
    pupils = len({line.pupil_id for line in lines if line.pupil_id is not None})
    return Components(fixed, parts, pupils)


class NoFactor(ValueError):
    pass


def solve_factor(comps: Components, target: Decimal, *, tolerance: Decimal) -> Decimal:
    """The factor f (to 8 places) with total(f) within `tolerance` of `target`, by bisection
    (the total never falls as f rises)."""
    goal = float(target)
    tol = float(tolerance) / 2
    lo, hi = 0.0, 1.0
    if comps.total(lo) > goal + tol:
        raise NoFactor(
            "Even with these rates at zero the total is above the target: no factor can meet it."
        )
    while comps.total(hi) < goal - tol:
        hi *= 2
        if hi > 1e6:
            raise NoFactor("The total does not reach the target at any factor.")
    # Bisect to the precision of a float, not merely to the tolerance: the factor is then the
    # one an LA officer would work out by hand, to 8 places.
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if comps.total(mid) < goal:
            lo = mid
        else:
            hi = mid
    factor = Decimal(repr((lo + hi) / 2)).quantize(FACTOR_PLACES)
    if abs(comps.total(float(factor)) - goal) > float(tolerance):
        raise NoFactor("No single factor meets the target within a penny per pupil.")
    return factor


def _times(value, factor: Decimal) -> str | None:
    if value in (None, ""):
        return value
    return f"{(Decimal(value) * factor).normalize():f}"


def scale_values(values: dict, rate_set: str, factor: Decimal) -> dict:
    """A copy of a scenario snapshot with the chosen rates multiplied by `factor` (kept
    unrounded: the money is rounded once, at the line)."""
    out = {
        **values,
        "hourly_rates": [dict(r) for r in values.get("hourly_rates", [])],
        "ta_bands": [dict(b) for b in values.get("ta_bands", [])],
        "band_rates": [dict(b) for b in values.get("band_rates", [])],
    }
    if rate_set == HOURLY_RATES:
        for rate in out["hourly_rates"]:
            rate["hourly_rate"] = _times(rate["hourly_rate"], factor)
    elif rate_set == BAND_VALUES:
        for band in out["ta_bands"]:
            for name in ("amount_from", "rate_per_hour", "amount_to"):
                band[name] = _times(band.get(name), factor)
        for band in out["band_rates"]:
            band["rate"] = _times(band["rate"], factor)
    else:
        raise ValueError(f"Unknown rate set {rate_set!r}.")
    return out


def penny_per_pupil(pupils: int) -> Decimal:
    return round_money(Decimal("0.01") * max(pupils, 1))


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


def uplift_factor(percent: Decimal) -> Decimal:
    return (Decimal(100) + Decimal(percent)) / Decimal(100)

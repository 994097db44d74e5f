"""Cost neutrality (R26): the one factor on a set of rates that brings a scenario's total to a
target. Pure: no ORM.

Every line is a piecewise-linear function of a factor f applied to a set of rates (R5 hourly:
max(0, f·cost − threshold); R12 bands and TA bands: f·amount), and a school's Additional SEN
Support (R4) a step function of it (R4+: a pupil counts while a top-up is non-zero), so
`components(lines, rate_set, iar_counts)` keeps, per line and per school, what it needs to be
re-priced, and `solve_factor` finds f by bisection on that cheap sum, with no run per guess.
`uniform_factor` says when a scenario is the live scheme with the rates × k (the live run then
prices it); `scale_values(values, rate_set, factor)` is the snapshot with the chosen rates × f.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from funding.calculations.inputs import ADDITIONAL_SEN_SUPPORT, TOP_UP, LineData
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


#: Half a penny: a top-up part is non-zero once its unrounded amount reaches this (half-up).
HALF_PENNY = 0.005


@dataclass(frozen=True, slots=True)
class IarSchool:
    """A school's Additional SEN Support (R4) as a function of f (R4+: a pupil is in receipt of
    an IAR while a top-up part is non-zero, so a factor can move pupils across zero):
    share × max(0, IAR pupils(f) − expected) × amount, where IAR pupils(f) = `always` + the
    pupils whose top-up is non-zero from the factor in `from_factors` (sorted) on."""

    share: float
    expected: float
    amount_per_pupil: float
    always: int
    from_factors: tuple[float, ...]

    def amount(self, factor: float) -> float:
        """The school's Additional SEN Support at `factor` (already × the components' scale)."""
        count = self.always + bisect_right(self.from_factors, factor)
        return self.share * max(0.0, count - self.expected) * self.amount_per_pupil


@dataclass
class Components:
    """A run's total as a function of the factor f: the fixed sum, plus for each distinct
    (slope, threshold, cap) the lines' shares of the year added up (weight) × max(0,
    min(f·cap, f·slope − threshold)) (cap None: no cap), plus each school's Additional SEN
    Support as its IAR count moves with f (R4+)."""

    fixed: Decimal
    #: (slope, threshold, cap) -> the lines' shares of the year added up.
    groups: dict[tuple[float, float, float | None], float]
    pupils: int
    schools: list[IarSchool] = field(default_factory=list)
    #: The lines' rates are the scenario's × `scale` (see `uniform_factor`).
    scale: float = 1.0

    def total(self, factor: float) -> float:
        """The run's total at `factor`, in pounds (floats: for the search only)."""
        factor *= self.scale
        return (
            self._fixed
            + sum(
                w * max(0.0, min(factor * c, factor * s - t) if c is not None else factor * s - t)
                for (s, t, c), w in self._grouped
            )
            + sum(school.amount(factor) for school in self.schools)
        )

    def __post_init__(self):
        self._fixed = float(self.fixed)
        self._grouped = list(self.groups.items())


def _weight(line: LineData) -> float:
    share = (line.working or {}).get("share")
    if share:
        n, d = share.split("/")
        return int(n) / int(d)
    return line.school_days / line.year_days


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


def _is_hourly(inputs: dict) -> bool:
    return "lsa_rate" in inputs or "lst_rate" in inputs or "ta_rate" in inputs


class _Pricer:
    """What a top-up part's working says about its dependence on the factor, worked out once
    per distinct working (a run shares one working among all the pupils with the same
    support): (slope, threshold) for a delegated hourly part, (cost, threshold_left) for a
    part retained centrally, or None when the part does not depend on `rate_set`."""

    def __init__(self, rate_set: str):
        self.rate_set = rate_set
        self._seen: dict[int, tuple] = {}

    def __call__(self, inputs: dict, annual) -> tuple | None:
        found = self._seen.get(id(inputs))
        if found is not None and found[0] is inputs:
            return found[1]
        if self.rate_set == HOURLY_RATES and _is_hourly(inputs):
            if "threshold_left" in inputs:
                piece = ("retained", _hourly_cost(inputs), Decimal(inputs["threshold_left"]))
            else:
                threshold = Decimal(inputs["threshold"]) - Decimal(inputs.get("element_1") or 0)
                piece = ("delegated", _hourly_cost(inputs), threshold)
        elif self.rate_set == BAND_VALUES and ("band_rate" in inputs or "amount_from" in inputs):
            piece = ("scaled", Decimal(annual), ZERO)
        else:
            piece = None
        if piece is not None:
            # With its key among the groups: (slope, threshold, no cap).
            piece = (*piece, (float(piece[1]), float(piece[2]), None))
        # The working is kept with its answer, so its id cannot be reused while it is cached.
        self._seen[id(inputs)] = (inputs, piece)
        return piece


def components(lines: list[LineData], rate_set: str, iar_counts: Iterable = ()) -> Components:
    """Each line's dependence on a factor applied to `rate_set`; lines that do not depend on
    it are a fixed sum. R5: a delegated hourly top-up is max(0, f·cost − threshold), the
    threshold less the pupil's AWPU when it counts the total cost (R3+); a part retained
    centrally (R6) meets what is left of the threshold: max(0, min(f·r, f·(r + cost) −
    threshold)). R12 band rates and TA hours bands scale the whole amount: f·amount.

    `iar_counts` (`school_lines.IarCount`, from the same run): each school whose Additional
    SEN Support (R4) counts IAR pupils from our records is re-priced too, as the factor moves
    pupils' top-ups across zero (R4+); its line is then not part of the fixed sum."""
    price = _Pricer(rate_set)
    counted = {count.school_id for count in iar_counts}
    fixed = ZERO
    groups: dict[tuple, float] = defaultdict(float)
    delegated: dict[tuple, tuple[Decimal, Decimal]] = {}
    retained: list[tuple[LineData, Decimal, Decimal]] = []
    for line in lines:
        if line.element != TOP_UP:
            if not (line.element == ADDITIONAL_SEN_SUPPORT and line.school_id in counted):
                fixed += line.amount
            continue
        working = line.working or {}
        piece = price(working.get("inputs", {}), working.get("annual", line.annual_amount))
        if piece is None:
            fixed += line.amount
        elif piece[0] == "retained":
            retained.append((line, piece[1], piece[2]))
        else:
            if piece[0] == "delegated":
                key = (line.pupil_id, line.school_id, line.period_from, line.period_to)
                delegated[key] = (piece[1], piece[2])
            groups[piece[3]] += _weight(line)
    for line, r, threshold_left in retained:
        key = (line.pupil_id, line.school_id, line.period_from, line.period_to)
        cost, threshold = delegated.get(key, (ZERO, threshold_left))
        groups[(float(r + cost), float(threshold), float(r))] += _weight(line)
    pupils = len({line.pupil_id for line in lines if line.pupil_id is not None})
    schools = [_iar_school(count, price) for count in iar_counts]
    return Components(fixed, dict(groups), pupils, schools)


def _from_factor(slope: float, threshold: float, cap: float | None) -> float:
    """The least f ≥ 0 at which max(0, min(f·cap, f·slope − threshold)) reaches half a penny
    (the part is then a non-zero amount); infinity when it never does."""
    if slope <= 0:
        if -threshold < HALF_PENNY or (cap is not None and cap <= 0):
            return math.inf
        return 0.0 if cap is None else HALF_PENNY / cap
    least = (threshold + HALF_PENNY) / slope
    if cap is not None:
        if cap <= 0:
            return math.inf
        least = max(least, HALF_PENNY / cap)
    return max(least, 0.0)


def _iar_school(count, price: _Pricer) -> IarSchool:
    """R4 with R4+: a school's Additional SEN Support as the IAR count moves with f."""
    always = 0
    from_factors = []
    for parts in count.pupils:
        pieces = []
        fixed_amount = False
        delegated = None
        for part, working in parts:
            piece = price(working.get("inputs", {}), part.calculated.unrounded)
            if piece is None:
                fixed_amount = fixed_amount or part.amount > 0
            else:
                pieces.append(piece)
                if piece[0] == "delegated":
                    delegated = piece
        if fixed_amount:
            always += 1
            continue
        least = math.inf
        for kind, slope, threshold, _key in pieces:
            if kind == "retained":
                cost, whole = delegated[1:3] if delegated else (ZERO, threshold)
                least = min(least, _from_factor(float(slope + cost), float(whole), float(slope)))
            else:
                least = min(least, _from_factor(float(slope), float(threshold), None))
        if least == 0.0:
            always += 1
        elif least != math.inf:
            from_factors.append(least)
    return IarSchool(
        share=count.days / count.year_days,
        expected=float(Decimal(count.roll) * count.percentage / 100),
        amount_per_pupil=float(count.amount_per_pupil),
        always=always,
        from_factors=tuple(sorted(from_factors)),
    )


#: What a factor on each rate set multiplies in a scenario's values: {list: (fields scaled)}.
SCALED_FIELDS = {
    HOURLY_RATES: {"hourly_rates": ("hourly_rate",)},
    BAND_VALUES: {
        "ta_bands": ("amount_from", "rate_per_hour", "amount_to"),
        "band_rates": ("rate",),
    },
}
#: Parts of a scenario's values that do not change a run's lines (applied in the comparison).
NOT_IN_THE_RUN = frozenset({"protection"})


def _number(value):
    """A snapshot value compared as a number when it is one ("15.50" == "15.5")."""
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    if isinstance(value, dict):
        return {k: _number(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_number(v) for v in value]
    return value


def uniform_factor(base: dict, values: dict, rate_set: str) -> Decimal | None:
    """k when the scenario `values` are `base` (the live scheme's) with every rate of
    `rate_set` multiplied by the same k and nothing else that a run reads changed: the
    scenario at a factor f is then the live scheme at k·f, line by line, so the live run's
    components serve for the scenario's (no run of the scenario to find them). None otherwise
    (and when k is 0)."""
    scaled = SCALED_FIELDS[rate_set]
    pairs: list[tuple[Decimal, Decimal]] = []
    for name in sorted((set(base) | set(values)) - NOT_IN_THE_RUN):
        # (Nothing recorded and an empty list are the same.)
        ours, theirs = _number(base.get(name) or None), _number(values.get(name) or None)
        if name not in scaled or (ours is None and theirs is None):
            if ours != theirs:
                return None
            continue
        if not isinstance(ours, list) or not isinstance(theirs, list) or len(ours) != len(theirs):
            return None
        for a, b in zip(ours, theirs, strict=True):
            if set(a) != set(b):
                return None
            for key in a:
                if key not in scaled[name]:
                    if a[key] != b[key]:
                        return None
                elif isinstance(a[key], Decimal) and isinstance(b[key], Decimal):
                    pairs.append((a[key], b[key]))
                elif a[key] != b[key]:
                    return None
    live, ours = next(((a, b) for a, b in pairs if a), (None, None))
    if live is None or not ours:
        return None
    if any(b * live != a * ours for a, b in pairs):
        return None
    return ours / live


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
        below, above = comps.total(lo), comps.total(hi)
        raise NoFactor(
            f"No single factor meets the target within a penny per pupil (£{tolerance:,.2f}): "
            f"the total jumps from £{below:,.2f} to £{above:,.2f} at × {factor} (a school's "
            "Additional SEN Support changes there as a pupil's top-up crosses zero, R4+)."
            if above - below > float(tolerance)
            else "No single factor meets the target within a penny per pupil."
        )
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

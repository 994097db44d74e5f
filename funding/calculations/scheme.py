"""A funding scheme as plain data, and the checks that refuse an incomplete or impossible one.

`SchemeRates` is what the calculators read: built from `funding.models.FundingScheme` and its
rate tables by `funding.selectors.scheme_rates`. The validators return messages keyed by the
field (or rate table) they are about, so a form, the admin or a command can name it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from funding.calculations.money import gbp, round_money

# R1: the national schools block formula's floors (seed 003).
AWPU_PRIMARY_FLOOR = Decimal("2000")
AWPU_SECONDARY_FLOOR = Decimal("3000")

HOURLY = "hourly"
TA_BANDS = "ta_bands"
# R3+ what the threshold counts (funding.models.ThresholdBasis).
THRESHOLD_ADDITIONAL = "additional"
THRESHOLD_TOTAL_WITH_ELEMENT_1 = "total_with_element_1"
# R4+ where the IAR count comes from (funding.models.IarCountSource).
IAR_FROM_RECORDS = "records"
IAR_FROM_CENSUS = "census"
# R11+ place funding split (funding.models.PlaceFundingSplit).
SPLIT_BY_MONTHS = "months"
SPLIT_BY_SCHOOL_DAYS = "school_days"
#: R1+ the establishment types the schools-block formula funds by default.
FORMULA_ESTABLISHMENT_TYPES = (
    "community",
    "foundation",
    "voluntary_aided",
    "voluntary_controlled",
    "academy",
    "free_school",
)
ROLES = ("lsa", "lst", "ta")
ROLE_LABELS = {"lsa": "LSA", "lst": "LST", "ta": "TA"}
PHASES = ("primary", "secondary")

AWPU_FIELDS = {
    "awpu_primary": ("AWPU for primary (Reception to Year 6)", AWPU_PRIMARY_FLOOR),
    "awpu_ks3": ("AWPU for key stage 3", AWPU_SECONDARY_FLOOR),
    "awpu_ks4": ("AWPU for key stage 4", AWPU_SECONDARY_FLOOR),
}
AMOUNT_FIELDS = {
    "threshold": "The threshold",
    "ass_amount": "The Additional SEN Support amount",
    "special_place_amount": "The special school place amount",
    "ssc_occupied_place_amount": "The SSC occupied place amount",
    "ssc_unoccupied_place_amount": "The SSC unoccupied place amount",
    "ap_place_amount": "The alternative provision place amount",
    "fe_element_1": "FE element 1",
    "fe_element_2": "FE element 2",
    "import_export_rate": "The import/export rate",
}

MISSING = "{label} is missing."
NEGATIVE = "{label} cannot be negative ({amount})."
BELOW_FLOOR = "{label} is {amount}, below the national floor of {floor} (R1)."


@dataclass(frozen=True, slots=True)
class HourlyRateData:
    role: str
    phase: str
    hourly_rate: Decimal
    weeks_per_year: Decimal
    delegated: bool = True


@dataclass(frozen=True, slots=True)
class TaBandData:
    min_hours: Decimal
    amount_from: Decimal
    rate_per_hour: Decimal = Decimal("0")
    amount_to: Decimal | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class SenFactorData:
    factor: str
    weight_percent: Decimal
    rate_per_pupil: Decimal | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class RateChange:
    """R26 with R7: rates of the scheme that change from a date inside its year (an uplift
    adopted mid-year, e.g. a pay award). Lines before the date keep the rates in force before
    it; from it, these. Only what changes is held: hourly rates by (role, phase), the TA hours
    bands (the whole set, or None when unchanged) and special school band rates by (school id,
    band).

    With `percent` (an uplift), the change is that percentage applied to `rate_set` ("hourly"
    or "bands") over the rates in force just before its date, each rate rounded to the penny
    as the live scheme holds it; the held values are then only the record shown on pages.
    Changes so compose in date order, whatever order they were adopted in, and a correction
    of the year's rates carries through them."""

    effective_from: dt.date
    hourly_rates: tuple[tuple[str, str, Decimal], ...] = ()
    ta_bands: tuple[TaBandData, ...] | None = None
    band_rates: tuple[tuple[int, int, Decimal], ...] = ()
    label: str = ""
    percent: Decimal | None = None
    rate_set: str = ""


def _money(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def rate_change_of(
    effective_from: dt.date,
    values: dict,
    label: str = "",
    *,
    percent: Decimal | None = None,
    rate_set: str = "",
) -> RateChange:
    """A `RateChange` from its stored values (the scenario snapshot's shape: see
    `funding.models.SchemeRateChange`) and, for an uplift, its percentage and rate set."""
    bands = values.get("ta_bands")
    return RateChange(
        effective_from,
        hourly_rates=tuple(
            (r["role"], r["phase"], _money(r["hourly_rate"]))
            for r in values.get("hourly_rates", ())
        ),
        ta_bands=None
        if bands is None
        else tuple(
            TaBandData(
                _money(b["min_hours"]),
                _money(b["amount_from"]),
                _money(b.get("rate_per_hour")) or Decimal("0"),
                _money(b.get("amount_to")),
                b.get("label", ""),
            )
            for b in bands
        ),
        band_rates=tuple(
            (int(b["school_id"]), int(b["band"]), _money(b["rate"]))
            for b in values.get("band_rates", ())
        ),
        label=label,
        percent=None if percent is None else Decimal(str(percent)),
        rate_set=rate_set,
    )


def uplift_factor(percent: Decimal) -> Decimal:
    """An uplift of `percent` as a factor: 3.2258% is 1.032258 (R26)."""
    return (Decimal(100) + Decimal(percent)) / Decimal(100)


def _scaled(value: Decimal | None, factor: Decimal) -> Decimal | None:
    return None if value is None else round_money(value * factor)


def _uplifted(rates: SchemeRates, band_rates: dict, change: RateChange) -> tuple[SchemeRates, dict]:
    """R26: `change.percent` applied to its rate set over `rates` and `band_rates`, each rate
    rounded half-up to the penny as the live field holds it (as adopting writes it)."""
    factor = uplift_factor(change.percent)
    if change.rate_set == "hourly":
        new = replace(
            rates,
            hourly_rates=tuple(
                replace(r, hourly_rate=_scaled(r.hourly_rate, factor)) for r in rates.hourly_rates
            ),
            rate_changes=(),
            _hourly={},
        )
        return new, dict(band_rates)
    new = replace(
        rates,
        ta_bands=tuple(
            replace(
                b,
                amount_from=_scaled(b.amount_from, factor),
                rate_per_hour=_scaled(b.rate_per_hour, factor),
                amount_to=_scaled(b.amount_to, factor),
            )
            for b in rates.ta_bands
        ),
        rate_changes=(),
        _hourly={},
    )
    return new, {key: _scaled(value, factor) for key, value in band_rates.items()}


def rates_from(
    rates: SchemeRates, band_rates: dict, change: RateChange
) -> tuple[SchemeRates, dict]:
    """The scheme's rates and the special school band rates in force from `change`'s date:
    `rates` and `band_rates` (those before it) with the change's percentage applied (an
    uplift), or else its values over them."""
    if change.percent is not None and change.rate_set in ("hourly", "bands"):
        return _uplifted(rates, band_rates, change)
    hourly = {(r.role, r.phase): r for r in rates.hourly_rates}
    for role, phase, value in change.hourly_rates:
        if (role, phase) in hourly:
            hourly[(role, phase)] = replace(hourly[(role, phase)], hourly_rate=value)
    new = replace(
        rates,
        hourly_rates=tuple(hourly.values()),
        ta_bands=rates.ta_bands if change.ta_bands is None else change.ta_bands,
        rate_changes=(),
        _hourly={},  # not the dict of `rates` (it would be updated in place)
    )
    bands = dict(band_rates)
    for school_id, band, value in change.band_rates:
        bands[(school_id, band)] = value
    return new, bands


@dataclass(frozen=True)
class SchemeRates:
    """Every figure and switch of one LA's scheme for one financial year."""

    financial_year: int
    awpu_primary: Decimal | None = None
    awpu_ks3: Decimal | None = None
    awpu_ks4: Decimal | None = None
    threshold: Decimal = Decimal("6000")
    threshold_basis: str = THRESHOLD_ADDITIONAL
    formula_census_month: int = 10
    formula_establishment_types: tuple[str, ...] | list[str] = FORMULA_ESTABLISHMENT_TYPES
    additional_sen_support: bool = False
    ass_percentage: Decimal = Decimal("3")
    ass_amount: Decimal = Decimal("6000")
    ass_counting_month: int = 11
    ass_counting_day: int = 1
    iar_count_source: str = IAR_FROM_RECORDS
    top_up_method: str = HOURLY
    special_place_amount: Decimal = Decimal("10000")
    ssc_occupied_place_amount: Decimal = Decimal("6000")
    ssc_unoccupied_place_amount: Decimal = Decimal("10000")
    ap_place_amount: Decimal = Decimal("10000")
    fe_element_1: Decimal = Decimal("4000")
    fe_element_2: Decimal = Decimal("6000")
    place_funding_split: str = SPLIT_BY_MONTHS
    psf_enabled: bool = False
    psf_cutover_date: dt.date | None = None
    top_up_for_plans_after_psf_cutover: bool = True
    enf_short_term_limit: str = "academic_year"
    enf_crisis_limit: str = "none"
    enf_outside_cohort_limit: str = "none"
    import_export_rate: Decimal = Decimal("6000")
    sen_factors: tuple[SenFactorData, ...] = ()
    hourly_rates: tuple[HourlyRateData, ...] = ()
    ta_bands: tuple[TaBandData, ...] = ()
    name: str = ""
    #: Dated changes inside the year (R26 uplifts), in date order: empty for most schemes.
    rate_changes: tuple[RateChange, ...] = ()
    _hourly: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        self._hourly.update({(r.role, r.phase): r for r in self.hourly_rates})

    def hourly_rate(self, role: str, phase: str) -> HourlyRateData | None:
        return self._hourly.get((role, phase))

    def sorted_ta_bands(self) -> list[TaBandData]:
        return sorted(self.ta_bands, key=lambda b: b.min_hours)

    def field_values(self) -> dict:
        return {name: getattr(self, name) for name in AWPU_FIELDS | AMOUNT_FIELDS} | {
            "ass_percentage": self.ass_percentage,
            "ass_counting_month": self.ass_counting_month,
            "additional_sen_support": self.additional_sen_support,
        }


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def validate_scheme_fields(values: dict, *, top_up: str = HOURLY) -> dict[str, list[str]]:
    """Checks on the scheme's own figures: AWPU present and at least the floors, no negatives."""
    errors: dict[str, list[str]] = {}
    for name, (label, floor) in AWPU_FIELDS.items():
        amount = values.get(name)
        if amount is None:
            _add(errors, name, MISSING.format(label=label))
        elif amount < 0:
            _add(errors, name, NEGATIVE.format(label=label, amount=gbp(amount)))
        elif amount < floor:
            _add(
                errors,
                name,
                BELOW_FLOOR.format(label=label, amount=gbp(amount), floor=gbp(floor)),
            )
    for name, label in AMOUNT_FIELDS.items():
        amount = values.get(name)
        if amount is None:
            _add(errors, name, MISSING.format(label=label))
        elif amount < 0:
            _add(errors, name, NEGATIVE.format(label=label, amount=gbp(amount)))
    percentage = values.get("ass_percentage")
    if values.get("additional_sen_support"):
        if percentage is None:
            _add(errors, "ass_percentage", MISSING.format(label="The R4 percentage"))
        elif not 0 <= percentage <= 100:
            _add(errors, "ass_percentage", "The R4 percentage must be between 0 and 100.")
        month = values.get("ass_counting_month")
        if month is None or not 1 <= int(month) <= 12:
            _add(errors, "ass_counting_month", "The counting month is a month number, 1 to 12.")
    if top_up not in (HOURLY, TA_BANDS):
        _add(errors, "top_up_method", f"Unknown top-up method {top_up!r}.")
    return errors


def validate_hourly_rates(
    rates: list[HourlyRateData] | tuple[HourlyRateData, ...], *, top_up: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    present = {(r.role, r.phase) for r in rates}
    for r in rates:
        role_phase = f"{ROLE_LABELS.get(r.role, r.role)} ({r.phase})"
        label = f"The hourly rate for {role_phase}"
        if r.hourly_rate is None:
            _add(errors, "hourly_rates", MISSING.format(label=label))
        elif r.hourly_rate < 0:
            _add(errors, "hourly_rates", NEGATIVE.format(label=label, amount=gbp(r.hourly_rate)))
        if r.weeks_per_year is None or not 1 <= r.weeks_per_year <= 52:
            _add(errors, "hourly_rates", f"Weeks a year for {role_phase} must be 1 to 52.")
    if top_up == HOURLY:
        for phase in PHASES:
            for role in ROLES:
                if (role, phase) not in present:
                    label = f"The hourly rate for {ROLE_LABELS[role]} ({phase})"
                    _add(errors, "hourly_rates", MISSING.format(label=label))
    return errors


def validate_ta_bands(
    bands: list[TaBandData] | tuple[TaBandData, ...], *, top_up: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if top_up == TA_BANDS:
        if not bands:
            _add(errors, "ta_bands", "TA hours bands are missing (the Surrey method needs them).")
        elif min(b.min_hours for b in bands) != 0:
            _add(errors, "ta_bands", "The first TA hours band must start at 0 hours.")
    for b in bands:
        label = f"TA band from {b.min_hours} h"
        for name, amount in (
            ("amount_from", b.amount_from),
            ("rate_per_hour", b.rate_per_hour),
            ("amount_to", b.amount_to),
        ):
            if amount is not None and amount < 0:
                _add(
                    errors,
                    "ta_bands",
                    NEGATIVE.format(label=f"{label}: {name.replace('_', ' ')}", amount=gbp(amount)),
                )
        if b.amount_from is None:
            _add(errors, "ta_bands", MISSING.format(label=f"{label}: amount from"))
        elif b.amount_to is not None and b.amount_to < b.amount_from:
            _add(errors, "ta_bands", f"{label}: 'at most' is below its starting amount.")
    return errors


def validate_sen_factors(factors) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for f in factors:
        label = f.label or f.factor
        if f.factor != "awpu":
            if f.rate_per_pupil is None:
                _add(errors, "sen_factors", MISSING.format(label=f"The rate per pupil for {label}"))
            elif f.rate_per_pupil < 0:
                _add(
                    errors,
                    "sen_factors",
                    NEGATIVE.format(
                        label=f"The rate per pupil for {label}", amount=gbp(f.rate_per_pupil)
                    ),
                )
        if f.weight_percent is None or not 0 <= f.weight_percent <= 100:
            _add(errors, "sen_factors", f"The weight for {label} must be between 0% and 100%.")
    return errors


def validate_scheme(rates: SchemeRates) -> dict[str, list[str]]:
    """Every check, keyed by field or rate table; empty when the scheme can be used for a run."""
    errors = validate_scheme_fields(rates.field_values(), top_up=rates.top_up_method)
    for more in (
        validate_sen_factors(rates.sen_factors),
        validate_hourly_rates(rates.hourly_rates, top_up=rates.top_up_method),
        validate_ta_bands(rates.ta_bands, top_up=rates.top_up_method),
    ):
        for key, messages in more.items():
            errors.setdefault(key, []).extend(messages)
    return errors

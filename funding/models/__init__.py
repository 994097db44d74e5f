"""Funding schemes (every number and switch as data), allocation runs and their explained lines.

A `FundingScheme` belongs to one LA and one financial year and holds the figures rules R1-R14
need; its rate tables (notional SEN factors, hourly rates, TA-hours bands) hang off it and are
edited as admin inlines. Special school band rates live in `schools.SpecialSchoolBand` (R12).

An `AllocationRun` is one calculation of a year's money; each `AllocationLine` is one amount
for one school (and pupil, for element 3) over one period, with the working that produced it.

Modules (this package re-exports every model and every other public name, so callers keep
`from funding.models import X` and migrations keep
`funding.models.default_formula_establishment_types`):

- `fields`: `not_negative`, `money` (the money field helper).
- `scheme`: `TopUpMethod`, `ThresholdBasis`, `IarCountSource`, `PlaceFundingSplit`, `EnfLimit`,
  `PaymentFrequency`, `PaymentMethod`, `default_formula_establishment_types`, `FundingScheme`,
  `SCHEME_FIELD_NAMES`, `PAYMENT_FIELD_NAMES` (R1-R17, R24).
- `rates`: `SenFactor`, `NotionalSenFactor` (R2), `StaffRole`, `RatePhase`, `HourlyRate` (R5/R6),
  `TaHoursBand` (R5), `SchemeRateChange` (R26 with R7).
- `runs`: `RunKind`, `RunStatus`, `AllocationRun` (R21), `Element`, `Route` (R25),
  `PUPIL_ELEMENTS` (R8), `AllocationLine`.
"""

# Imported in the order the models were defined in the single funding/models.py, so the app
# registers them (and their history models) in the same order as before.
# isort: off
from funding.models.fields import money, not_negative
from funding.models.scheme import (
    PAYMENT_FIELD_NAMES,
    SCHEME_FIELD_NAMES,
    EnfLimit,
    FundingScheme,
    IarCountSource,
    PaymentFrequency,
    PaymentMethod,
    PlaceFundingSplit,
    ThresholdBasis,
    TopUpMethod,
    default_formula_establishment_types,
)
from funding.models.rates import (
    HourlyRate,
    NotionalSenFactor,
    RatePhase,
    SchemeRateChange,
    SenFactor,
    StaffRole,
    TaHoursBand,
)
from funding.models.runs import (
    PUPIL_ELEMENTS,
    AllocationLine,
    AllocationRun,
    Element,
    Route,
    RunKind,
    RunStatus,
)
# isort: on

__all__ = [
    "AllocationLine",
    "AllocationRun",
    "Element",
    "EnfLimit",
    "FundingScheme",
    "HourlyRate",
    "IarCountSource",
    "NotionalSenFactor",
    "PAYMENT_FIELD_NAMES",
    "PUPIL_ELEMENTS",
    "PaymentFrequency",
    "PaymentMethod",
    "PlaceFundingSplit",
    "RatePhase",
    "Route",
    "RunKind",
    "RunStatus",
    "SCHEME_FIELD_NAMES",
    "SchemeRateChange",
    "SenFactor",
    "StaffRole",
    "TaHoursBand",
    "ThresholdBasis",
    "TopUpMethod",
    "default_formula_establishment_types",
    "money",
    "not_negative",
]

"""Pure calculators (no ORM): every amount with its working, Decimal, half-up to the penny.

- `money`: rounding, formatting, `Working` and `Calculated`;
- `scheme`: `SchemeRates` (a scheme as plain data) and its validation;
- `elements`: element 1 (R1), notional SEN (R2), Additional SEN Support (R4), place funding
  (R11, R13, R14), special school band rate (R12);
- `top_up`: element 3 from a support level (R5, R6, R12);
- `pro_rata`: by school days (R7) and shares that add up to the year;
- `periods`: a pupil's year split by in-year changes (R7);
- `dates`: what the engine works out from dates alone (academic years, rate phase, calendar
  gaps, plan chains, period text);
- `allocation`: the whole run, plain inputs in, explained lines out.
"""

from funding.calculations.elements import (
    CensusCounts,
    additional_sen_support,
    ap_place_funding,
    element_1,
    fe_place_funding,
    notional_sen,
    special_band_top_up,
    special_place_funding,
    ssc_place_funding,
)
from funding.calculations.money import Calculated, Working, gbp, round_money
from funding.calculations.pro_rata import apportion, pro_rata
from funding.calculations.scheme import SchemeRates, validate_scheme
from funding.calculations.top_up import MissingRate, Support, TopUpPart, top_up_from_support

__all__ = [
    "Calculated",
    "CensusCounts",
    "MissingRate",
    "SchemeRates",
    "Support",
    "TopUpPart",
    "Working",
    "additional_sen_support",
    "ap_place_funding",
    "apportion",
    "element_1",
    "fe_place_funding",
    "gbp",
    "notional_sen",
    "pro_rata",
    "round_money",
    "special_band_top_up",
    "special_place_funding",
    "ssc_place_funding",
    "top_up_from_support",
    "validate_scheme",
]

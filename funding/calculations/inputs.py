"""What the allocation engine reads and writes, as plain data. Pure: no ORM.

`funding.selectors.allocation_inputs` builds `AllocationInputs` from the database (as it stands
now, or as it stood at a moment: see `funding.asat`); the engine (`allocation.py`, with the
school-level money in `school_lines.py`) turns it into `LineData`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from funding.calculations.elements import CensusCounts
from funding.calculations.periods import (
    FundingItemSpan,
    PlacementSpan,
    PlanSpan,
    SupportSpan,
)
from funding.calculations.scheme import SchemeRates
from schools.calendar import SchoolCalendar
from schools.dates import FinancialYear

# Element names (the values of funding.models.Element).
ELEMENT_1 = "element_1"
NOTIONAL_SEN = "notional_sen"
ADDITIONAL_SEN_SUPPORT = "additional_sen_support"
PLACE = "place"
TOP_UP = "top_up"
PERSONAL_SUPPLEMENT = "personal_supplement"
ENF = "enf"

ITEM_ELEMENTS = {"personal_supplement": PERSONAL_SUPPLEMENT, "enf": ENF}
ITEM_LABELS = {"personal_supplement": "personal supplement", "enf": "exceptional needs funding"}

# R25: the route of a line (the values of funding.models.Route).
ROUTE_LA = "la"
ROUTE_ESFA = "esfa"
ROUTE_RETAINED = "retained"
ROUTE_OTHER_LA = "other_la"

#: R25: establishments whose elements 1-2 and place funding the ESFA pays (recouped from the
#: LA's DSG): academies and free schools, special academies, FE colleges.
ESFA_FUNDED_TYPES = frozenset({"academy", "free_school", "special_academy", "fe_college"})
#: R11+: establishments whose initial top-up is set from their January occupancy by band.
SPECIAL_SCHOOL_TYPES = frozenset({"special", "special_academy", "independent_special"})
PRIMARY_PHASES = {"nursery", "primary", "middle_primary"}
SECONDARY_PHASES = {"secondary", "middle_secondary", "16_plus"}

# Run kinds (funding.models.RunKind).
INITIAL = "initial"


@dataclass(frozen=True, slots=True)
class SchoolInfo:
    id: int
    urn: int
    name: str
    la_id: int
    phase: str
    establishment_type: str
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None

    @property
    def route(self) -> str:
        """R25: who pays the school-level money (elements 1-2, place funding)."""
        return ROUTE_ESFA if self.establishment_type in ESFA_FUNDED_TYPES else ROUTE_LA


@dataclass(frozen=True, slots=True)
class PlacesInfo:
    school_id: int
    academic_year: int
    provision: str
    places: int
    occupied: int = 0


@dataclass(frozen=True, slots=True)
class PupilInfo:
    id: int
    upn: str
    date_of_birth: dt.date
    home_la_id: int


@dataclass(frozen=True, slots=True)
class HomeLaSpan:
    """R8+: the pupil's home LA from a date (to a date, or open)."""

    starts_on: dt.date
    ends_on: dt.date | None
    la_id: int


@dataclass
class AllocationInputs:
    fy: FinancialYear
    rates: SchemeRates
    calendar: SchoolCalendar
    administering_la_id: int
    schools: dict[int, SchoolInfo]
    censuses: dict[int, list[CensusCounts]] = field(default_factory=dict)
    places: list[PlacesInfo] = field(default_factory=list)
    band_rates: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    #: R2: notional SEN budgets the LA gives as amounts (school id -> (amount, source)) for the
    #: year; a school here gets that amount instead of factor x rate.
    notional_sen_amounts: dict[int, tuple[Decimal, str]] = field(default_factory=dict)
    pupils: dict[int, PupilInfo] = field(default_factory=dict)
    placements: dict[int, list[PlacementSpan]] = field(default_factory=dict)
    plans: dict[int, list[PlanSpan]] = field(default_factory=dict)
    supports: dict[int, list[SupportSpan]] = field(default_factory=dict)
    funding_items: dict[int, list[FundingItemSpan]] = field(default_factory=dict)
    #: R8+: dated home LAs by pupil; a pupil absent here has `PupilInfo.home_la_id` all year.
    home_las: dict[int, list[HomeLaSpan]] = field(default_factory=dict)
    #: The run's kind (initial, revised, final): an initial run sets special schools' top-up
    #: from January occupancy (R11+). Empty for live calculations (they follow the child).
    kind: str = ""
    #: The moment the data was read (None: live); line sources read their own data as at it.
    as_at: dt.datetime | None = None


@dataclass(slots=True)
class LineData:
    school_id: int
    pupil_id: int | None
    element: str
    rule: str
    period_from: dt.date
    period_to: dt.date
    school_days: int
    year_days: int
    annual_amount: Decimal
    amount: Decimal
    payer_la_id: int | None
    delegated: bool
    working: dict
    explanation: str
    route: str = ROUTE_LA


@dataclass
class AllocationResult:
    lines: list[LineData]
    warnings: list[str]
    year_days: int

    def totals_by_element(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            totals[line.element] += line.amount
        return dict(totals)

    def totals_by_route(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            totals[line.route] += line.amount
        return dict(totals)

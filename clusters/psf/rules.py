"""PSF's shared constants and labels, the date format of its explanations (`d`), and its
plain-data inputs: a scheme's PSF switches and figures (`PsfRulesData`) and a pupil
(`PupilData`). Pure: no ORM.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from funding.calculations.periods import PlacementSpan

PSF = "psf"  # funding.models.Element.PSF
ONE_DAY = dt.timedelta(days=1)
MAINSTREAM_KINDS = frozenset({"mainstream", "ssc", "resourced"})
MANAGED_MOVE = "managed_move"
PHASE_TRANSFER = "phase_transfer"
# The longest time out of school between two placements that still counts as one move: the
# summer holiday (late July to early September is about seven weeks) with a margin.
MAX_MOVE_GAP = dt.timedelta(days=62)
PROTECTED_LESS_CURRENT = "protected_less_current"
PROTECTED_AMOUNT = "protected_amount"
BASIS_LABELS = {
    PROTECTED_LESS_CURRENT: "protected historical amount less what the current scheme pays",
    PROTECTED_AMOUNT: "protected historical amount in full",
}
ELEMENT_LABELS = {
    "top_up": "element 3 top-up",
    "personal_supplement": "personal supplement",
    "enf": "exceptional needs funding",
    "place": "place funding",
}
ADMISSION_LABELS = {
    "first_admission": "first admission",
    "phase_transfer": "phase transfer",
    "casual_admission": "casual admission",
    "managed_move": "managed move",
}
PHASE_END_LABELS = {
    "nursery": "end of nursery",
    "primary": "end of Year 6",
    "secondary": "end of Year 11",
    "post16": "end of Year 13",
}


def d(day: dt.date) -> str:
    """14 Mar 2015"""
    return f"{day.day} {day:%b %Y}"


@dataclass(frozen=True, slots=True)
class PsfRulesData:
    """A scheme's PSF switches (`FundingScheme`) and figures (`clusters.PsfRules`) as plain data."""

    enabled: bool = False
    cutover: dt.date | None = None
    basis: str = PROTECTED_LESS_CURRENT
    ends_at_end_of_nursery: bool = True
    ends_at_end_of_primary: bool = True
    ends_at_end_of_secondary: bool = True
    specialist_placements: bool = False

    def stops_at(self, phase: str) -> bool:
        return {
            "nursery": self.ends_at_end_of_nursery,
            "primary": self.ends_at_end_of_primary,
            "secondary": self.ends_at_end_of_secondary,
        }.get(phase, True)  # post-16 always ends PSF: there is no later phase

    def pays_at(self, placement: PlacementSpan) -> bool:
        return self.specialist_placements or placement.kind in MAINSTREAM_KINDS


@dataclass(frozen=True, slots=True)
class PupilData:
    id: int
    date_of_birth: dt.date
    home_la_id: int | None = None
    upn: str = ""

"""The funding elements' labels and the order statements and totals show them in."""

from __future__ import annotations

from funding.models import Element

ELEMENT_LABELS = dict(Element.choices)
#: The order elements appear in statements and totals.
ELEMENT_ORDER = [
    Element.ELEMENT_1,
    Element.NOTIONAL_SEN,
    Element.ADDITIONAL_SEN_SUPPORT,
    Element.PLACE,
    Element.TOP_UP,
    Element.PERSONAL_SUPPLEMENT,
    Element.ENF,
    Element.PSF,
]

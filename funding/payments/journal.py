"""The finance-system journal of an approved period and the age of inter-LA debt. Pure: no ORM.

A journal row is one school's money for one element and route (and how it is paid: budget
share adjustment or against a remittance, the scheme's setting, R24) in the period (its pupils'
lines added up); each row is coded for the LA's finance system from its `PaymentsConfig`:
cost centre and account code per element and route, the school's supplier reference, and a
narrative. The columns and their order are the LA's; the rows add up to the period's total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

#: Every column an LA can put in its journal, with its header.
JOURNAL_FIELDS: dict[str, str] = {
    "period": "Period",
    "pay_on": "Payment date",
    "cost_centre": "Cost centre",
    "account_code": "Account code",
    "supplier_reference": "Supplier reference",
    "school": "School",
    "urn": "URN",
    "element": "Element",
    "route": "Route",
    "paid_as": "Paid as",
    "amount": "Amount",
    "narrative": "Narrative",
}
DEFAULT_COLUMNS = [
    "cost_centre",
    "account_code",
    "supplier_reference",
    "school",
    "element",
    "amount",
    "narrative",
]
DEFAULT_NARRATIVE = "SEN {element} {period} {school}"
UNCODED = ""


@dataclass(frozen=True)
class SchoolElementTotal:
    """A school's period total for one element and route (from the payment lines)."""

    urn: int
    school: str
    la_code: str
    establishment_number: str
    element: str
    element_label: str
    route: str
    amount: Decimal
    paid_as: str = ""


def columns_of(configured: Iterable[str] | None) -> list[str]:
    """The LA's columns, unknown names dropped; the default set when none are configured."""
    chosen = [c for c in (configured or []) if c in JOURNAL_FIELDS]
    return chosen or list(DEFAULT_COLUMNS)


def codes_for(codes: Mapping[str, Mapping[str, str]], element: str, route: str) -> dict:
    """Cost centre and account code for an element and route: "element/route", then
    "element/*", then "*/*"; blank when none is configured."""
    for key in (f"{element}/{route}", f"{element}/*", "*/*"):
        if key in codes:
            found = codes[key]
            return {
                "cost_centre": str(found.get("cost_centre", UNCODED)),
                "account_code": str(found.get("account_code", UNCODED)),
            }
    return {"cost_centre": UNCODED, "account_code": UNCODED}


def supplier_reference(row: SchoolElementTotal, kind: str) -> str:
    """DfE number (LA code + establishment number, e.g. "9362001") or the URN."""
    if kind == "dfe" and row.establishment_number:
        return f"{row.la_code}{row.establishment_number}"
    return str(row.urn)


def journal_rows(
    totals: Iterable[SchoolElementTotal],
    *,
    columns: list[str],
    codes: Mapping[str, Mapping[str, str]],
    narrative: str,
    reference_kind: str,
    period_label: str,
    pay_on: dt.date,
) -> list[list]:
    """One row a school, element and route (zero totals left out), cells in `columns` order."""
    out = []
    for row in totals:
        if row.amount == 0:
            continue
        values = {
            "period": period_label,
            "pay_on": pay_on,
            **codes_for(codes, row.element, row.route),
            "supplier_reference": supplier_reference(row, reference_kind),
            "school": row.school,
            "urn": row.urn,
            "element": row.element_label,
            "route": row.route,
            "paid_as": row.paid_as,
            "amount": row.amount,
            "narrative": (narrative or DEFAULT_NARRATIVE).format_map(
                _Blank(
                    period=period_label,
                    school=row.school,
                    element=row.element_label,
                    route=row.route,
                )
            ),
        }
        out.append([values[c] for c in columns])
    return out


class _Blank(dict):
    def __missing__(self, key):  # an unknown {name} in a narrative is left blank
        return ""


# ---- aged debt -------------------------------------------------------------------------------

AGE_BANDS = ("0-30", "31-60", "61-90", "90+")


def age_band(issued_on: dt.date, today: dt.date) -> str:
    """Days since issue: 0-30, 31-60, 61-90, over 90."""
    days = (today - issued_on).days
    if days <= 30:
        return "0-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"

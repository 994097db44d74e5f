"""PSF money (R15+): a pupil's protected historical amount (`ProtectedAmount`), the annual
PSF on the scheme's basis with its working (`annual_psf`), and the warning for a protected
pupil with no recorded amount. Pure: no ORM.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from clusters.psf.protection import Protection
from clusters.psf.rules import ELEMENT_LABELS, PROTECTED_AMOUNT, PsfRulesData, PupilData
from funding.calculations.allocation import LineData
from funding.calculations.money import ZERO, gbp


@dataclass(frozen=True, slots=True)
class ProtectedAmount:
    """A pupil's protected historical amount (`clusters.PsfProtectedAmount`) as plain data."""

    annual: Decimal
    source: str = ""


@dataclass(frozen=True, slots=True)
class PsfAnnual:
    """A pupil's annual PSF for a stretch of days, with its working."""

    amount: Decimal
    formula: str
    inputs: dict


def element_label(element: str) -> str:
    return ELEMENT_LABELS.get(element, element.replace("_", " "))


def annual_psf(
    protected: ProtectedAmount, current: Iterable[LineData], rules: PsfRulesData
) -> PsfAnnual:
    """The annual PSF on the scheme's basis (R15+), from the pupil's protected historical amount
    and the lines the current scheme pays for the same pupil in the same days (`current`).

    £8,450.00 protected − £5,700.00 element 3 top-up = £2,750.00 a year; in full: £8,450.00.
    """
    head = f"protected historical amount {gbp(protected.annual)} a year"
    if protected.source:
        head += f" ({protected.source})"
    inputs: dict = {
        "basis": rules.basis,
        "protected_amount": protected.annual,
        "protected_source": protected.source,
    }
    if rules.basis == PROTECTED_AMOUNT:
        return PsfAnnual(
            protected.annual,
            f"{head}, paid in full on top of the current scheme = {gbp(protected.annual)} a year",
            inputs,
        )
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for line in current:
        paid[line.element] += line.annual_amount
    total = sum(paid.values(), ZERO)
    amount = max(protected.annual - total, ZERO)
    if paid:
        parts = " + ".join(f"{gbp(v)} {element_label(k)}" for k, v in sorted(paid.items()))
        formula = f"{head} − {parts} the current scheme pays = {gbp(amount)} a year"
    else:
        formula = (
            f"{head} − £0.00 (the current scheme pays nothing else for the pupil) "
            f"= {gbp(amount)} a year"
        )
    if amount == 0:
        formula += " (the current scheme already pays the protected amount: no PSF)"
    inputs["current"] = {k: v for k, v in sorted(paid.items())}
    inputs["current_total"] = total
    return PsfAnnual(amount, formula, inputs)


def no_amount_message(pupil: PupilData, prot: Protection) -> str:
    return (
        f"Pupil {pupil.upn or pupil.id}: PSF-protected ({prot.protected_because}) but no "
        "protected historical amount is recorded: no PSF line (R15+). Record it under PSF "
        "protected amounts."
    )

"""The governors' report (R21: schools report the use of their SEN funds to governors)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Sum

from funding import selectors as engine
from funding.models import (
    AllocationLine,
    AllocationRun,
    Element,
)
from funding.reports import calculations as calc
from funding.reports.selectors.common import (
    ELEMENT_LABELS,
    ZERO,
    _fy,
    _q,
    two_runs,
)
from funding.reports.selectors.comparison import explain_changes
from schools.dates import FinancialYear, year_group, year_group_label
from schools.models import (
    School,
)

# ---- the governors' report (R21: schools report the use of SEN funds to governors) ------------


@dataclass
class GovernorPupil:
    label: str  # initials and year group, never a name or UPN
    amount: Decimal
    retained: Decimal = ZERO


@dataclass
class GovernorChange:
    on: dt.date
    pupil: str
    event: str
    amount: Decimal


@dataclass
class GovernorsReport:
    school: School
    fy: FinancialYear
    run: AllocationRun | None
    initial: AllocationRun | None
    notional_sen: Decimal = ZERO
    additional_sen_support: Decimal = ZERO
    place: Decimal = ZERO
    pupils: list[GovernorPupil] = field(default_factory=list)
    changes: list[GovernorChange] = field(default_factory=list)
    unexplained: Decimal = ZERO

    @property
    def top_ups(self) -> Decimal:
        return sum((p.amount for p in self.pupils), ZERO)

    @property
    def retained(self) -> Decimal:
        return sum((p.retained for p in self.pupils), ZERO)

    @property
    def total(self) -> Decimal:
        return self.notional_sen + self.additional_sen_support + self.place + self.top_ups

    @property
    def changes_total(self) -> Decimal:
        return sum((c.amount for c in self.changes), ZERO) + self.unexplained


def _pupil_label(given: str, family: str, dob: dt.date, on: dt.date) -> str:
    return f"{given[:1]}{family[:1]}".upper() + f", {year_group_label(year_group(dob, on))}"


def governors_report(school: School, fy) -> GovernorsReport:
    """The school's SEN money for the year for its governing body: the notional SEN budget,
    Additional SEN Support and place funding, each pupil's top-up (initials and year group
    only), and the in-year changes since the initial allocation with their dates and amounts.

    From the year's final run (else the latest run); changes against the initial run.
    """
    fy = _fy(fy)
    initial, final = two_runs(fy)
    run = final or engine.latest_run(fy)
    report = GovernorsReport(school=school, fy=fy, run=run, initial=initial)
    if run is None:
        return report
    lines = (
        AllocationLine.objects.filter(run=run, school=school)
        .exclude(element=Element.ELEMENT_1)
        .values(
            "element",
            "delegated",
            "pupil_id",
            "pupil__given_name",
            "pupil__family_name",
            "pupil__date_of_birth",
        )
        .annotate(amount=Sum("amount"), last=Max("period_to"))
        .order_by()
    )
    by_pupil: dict[int, list] = defaultdict(list)
    for line in lines:
        element = line["element"]
        line["amount"] = _q(line["amount"])
        if line["pupil_id"] is None:
            if element == "notional_sen":
                report.notional_sen += line["amount"]
            elif element == "additional_sen_support":
                report.additional_sen_support += line["amount"]
            elif element == "place":
                report.place += line["amount"]
        else:
            by_pupil[line["pupil_id"]].append(line)
    for found in by_pupil.values():
        first = found[0]
        last = max(x["last"] for x in found)
        report.pupils.append(
            GovernorPupil(
                _pupil_label(
                    first["pupil__given_name"],
                    first["pupil__family_name"],
                    first["pupil__date_of_birth"],
                    last,
                ),
                sum((x["amount"] for x in found if x["delegated"]), ZERO),
                sum((x["amount"] for x in found if not x["delegated"]), ZERO),
            )
        )
    report.pupils.sort(key=lambda p: (p.label, -p.amount))
    if initial is not None and initial.pk != run.pk:
        why = explain_changes(initial, run, school_ids=[school.pk])
        for (_, element), found in why.items():
            if element == Element.ELEMENT_1:
                continue
            if found.school_level is not None:
                report.changes.append(
                    GovernorChange(
                        fy.starts_on,
                        "",
                        f"{ELEMENT_LABELS.get(element, element)} recalculated",
                        found.school_level.difference,
                    )
                )
            for pupil in found.pupils:
                for change in pupil.changes:
                    label = pupil.initials + f", {pupil.year_group_on(change.on)}"
                    if change.events:
                        text = "; ".join(
                            calc.EVENT_LABELS[e.kind] + (" (SEN Panel)" if e.decision else "")
                            for e in change.events
                        )
                        report.changes.append(
                            GovernorChange(change.on, label, text, change.difference)
                        )
                    else:
                        report.unexplained += change.difference
        report.changes.sort(key=lambda c: (c.on, c.pupil, c.event))
    return report

"""Reading the pupil file's rows and checking them across rows: each row is parsed into a `Row`
(field errors on its cells), then the rows are grouped by pupil (`PupilGroup`) and checked
against each other (one UPN with different details, overlapping placements or support periods).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from pupils.imports.columns import ADMISSION_KINDS, PLACEMENT_KINDS, PLAN_KINDS
from pupils.models import AdmissionKind, PlacementKind, PlanKind
from pupils.services import date_of_birth_problem
from pupils.upn import validate_upn
from schools.importing import Cells, RowError
from schools.models import LocalAuthority, School

ZERO = Decimal("0")


@dataclass
class Row:
    number: int
    upn: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    home_la: LocalAuthority
    home_la_from: dt.date | None
    school: School
    placement_start: dt.date
    placement_end: dt.date | None
    placement_kind: str
    admission_kind: str
    plan_kind: str
    plan_issued: dt.date
    annual_review_due: dt.date | None
    support_from: dt.date
    support_to: dt.date | None
    hours: tuple[Decimal, Decimal, Decimal]
    band: int | None
    resource_amount: Decimal | None


@dataclass
class PupilGroup:
    rows: list[Row] = field(default_factory=list)
    placements: dict[dt.date, Row] = field(default_factory=dict)
    plans: dict[dt.date, Row] = field(default_factory=dict)
    supports: dict[tuple[dt.date, dt.date], Row] = field(default_factory=dict)
    home_las: dict[dt.date | None, Row] = field(default_factory=dict)


def parse_row(
    row: dict, number: int, errors: list[RowError], las, schools, today: dt.date
) -> Row | None:
    cells = Cells(row, number, errors)
    before = len(errors)
    upn = cells.text("UPN").upper()
    if upn:
        try:
            validate_upn(upn)
        except ValidationError as exc:
            cells.error("UPN", exc.messages[0])
    la_code = cells.text("home_la_code")
    home_la = las.get(la_code.zfill(3)) if la_code else None
    if la_code and home_la is None:
        cells.error("home_la_code", f"unknown LA code '{la_code}'")
    urn = cells.integer("school_urn")
    school = schools.get(urn) if urn is not None else None
    if urn is not None and school is None:
        cells.error("school_urn", f"unknown URN {urn}")
    band = cells.integer("band", required=False, minimum=1)
    if band is not None and band > 5:
        cells.error("band", f"{band} is not a band 1 to 5")
    hours = tuple(_hours(cells, column) for column in ("lsa_hours", "lst_hours", "ta_hours"))
    date_of_birth = cells.date("date_of_birth")
    if date_of_birth is not None and (problem := date_of_birth_problem(date_of_birth, today=today)):
        cells.error("date_of_birth", problem)
    parsed = Row(
        number=number,
        upn=upn,
        given_name=cells.text("given_name"),
        family_name=cells.text("family_name"),
        date_of_birth=date_of_birth,
        home_la=home_la,
        home_la_from=cells.date("home_la_from", required=False),
        school=school,
        placement_start=cells.date("placement_start"),
        placement_end=cells.date("placement_end", required=False),
        placement_kind=cells.choice(
            "placement_kind", PLACEMENT_KINDS, default=PlacementKind.MAINSTREAM
        ),
        admission_kind=cells.choice(
            "admission_kind", ADMISSION_KINDS, default=AdmissionKind.FIRST_ADMISSION
        ),
        plan_kind=cells.choice("plan_kind", PLAN_KINDS, default=PlanKind.EHCP),
        plan_issued=cells.date("plan_issued"),
        annual_review_due=cells.date("annual_review_due", required=False),
        support_from=cells.date("support_from"),
        support_to=cells.date("support_to", required=False),
        hours=hours,
        band=band,
        resource_amount=cells.decimal("resource_amount"),
    )
    _check_order(cells, parsed)
    return parsed if len(errors) == before else None


def _hours(cells: Cells, column: str) -> Decimal:
    value = cells.decimal(column, places=2)
    if value is not None and value > 60:
        cells.error(column, f"{value} is more than 60 hours a week")
    return value if value is not None else ZERO


def _check_order(cells: Cells, r: Row) -> None:
    if r.placement_start and r.placement_end and r.placement_end < r.placement_start:
        cells.error("placement_end", "is before placement_start")
    if r.support_from and r.support_to and r.support_to < r.support_from:
        cells.error("support_to", "is before support_from")
    if r.support_from and r.plan_issued and r.support_from < r.plan_issued:
        cells.error("support_from", "is before plan_issued")
    if r.date_of_birth and r.placement_start and r.placement_start <= r.date_of_birth:
        cells.error("placement_start", "is not after date_of_birth")
    if r.date_of_birth and r.home_la_from and r.home_la_from < r.date_of_birth:
        cells.error("home_la_from", "is before date_of_birth")


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    far = dt.date.max
    return a_start <= (b_end or far) and b_start <= (a_end or far)


def group_rows(rows: list[Row], errors: list[RowError]) -> dict[str, PupilGroup]:
    groups: dict[str, PupilGroup] = defaultdict(PupilGroup)
    for r in rows:
        g = groups[r.upn]
        if g.rows:
            first = g.rows[0]
            for column, mine, theirs in (
                ("given_name", r.given_name, first.given_name),
                ("family_name", r.family_name, first.family_name),
                ("date_of_birth", r.date_of_birth, first.date_of_birth),
            ):
                if mine != theirs:
                    errors.append(
                        RowError(
                            r.number,
                            column,
                            f"UPN {r.upn} is also in row {first.number} with a different {column}",
                        )
                    )
        g.rows.append(r)
        same_date = g.home_las.setdefault(r.home_la_from, r)
        if same_date.home_la != r.home_la:
            when = (
                f"home_la_from {r.home_la_from:%d/%m/%Y}" if r.home_la_from else "no home_la_from"
            )
            errors.append(
                RowError(
                    r.number,
                    "home_la_code",
                    f"UPN {r.upn} is also in row {same_date.number} with {when} "
                    "and a different home_la_code",
                )
            )
        _merge(
            g.placements,
            r.placement_start,
            r,
            errors,
            "placement_start",
            lambda x: (x.school.pk, x.placement_end, x.placement_kind, x.admission_kind),
        )
        _merge(
            g.plans,
            r.plan_issued,
            r,
            errors,
            "plan_issued",
            lambda x: (x.plan_kind, x.annual_review_due),
        )
        key = (r.plan_issued, r.support_from)
        if key not in g.supports:
            g.supports[key] = r
        elif _support_details(g.supports[key]) != _support_details(r):
            # The same period on two rows (a school move under one support period) must give
            # the same support on both; different support needs a new support_from.
            errors.append(
                RowError(
                    r.number,
                    "support_from",
                    f"UPN {r.upn} has the support period from {r.support_from:%d/%m/%Y} also in "
                    f"row {g.supports[key].number} with a different support_to, hours, band or "
                    "resource_amount: repeat the same support on both rows, or give a new "
                    "support_from where the support changes",
                )
            )
    for upn, g in groups.items():
        _no_overlap(
            sorted(g.placements.values(), key=lambda x: x.placement_start),
            lambda x: (x.placement_start, x.placement_end),
            "placement_start",
            f"placement overlaps another placement of UPN {upn}",
            errors,
        )
        for issued in g.plans:
            periods = sorted(
                (s for (p, _), s in g.supports.items() if p == issued),
                key=lambda x: x.support_from,
            )
            _no_overlap(
                periods,
                lambda x: (x.support_from, x.support_to),
                "support_from",
                f"support period overlaps another for UPN {upn}",
                errors,
            )
    return groups


def _support_details(r: Row) -> tuple:
    return (r.support_to, r.hours, r.band, r.resource_amount)


def _merge(target: dict, key, r: Row, errors, column: str, signature) -> None:
    if key in target and signature(target[key]) != signature(r):
        errors.append(
            RowError(
                r.number,
                column,
                f"UPN {r.upn} has the same {column} in row {target[key].number} "
                "with different details",
            )
        )
    target.setdefault(key, r)


def _no_overlap(items: list[Row], span, column: str, message: str, errors) -> None:
    for earlier, later in zip(items, items[1:], strict=False):
        a, b = span(earlier), span(later)
        if overlaps(a[0], a[1], b[0], b[1]):
            errors.append(RowError(later.number, column, f"{message} (row {earlier.number})"))

"""The pupil import: one row per pupil support period (CSV or XLSX), idempotent, all or nothing.

Rows for the same pupil repeat the pupil, placement and plan columns. The whole file is checked
first (unknown URN or LA, bad dates, negative hours, overlapping placements or support periods,
a UPN given different details in two rows); any problem rejects the file and nothing is written.
Re-importing the same file changes nothing. Rows are matched to what is already stored by
UPN (pupil), pupil + placement_start (placement), pupil + plan_issued (plan) and plan +
support_from (support level). When a pupil has two plans in the file (a statement transferred
to an EHCP), the earlier plan ceases the day before the later one is issued.

Home LA (R8, R8+): `home_la_code` with an optional `home_la_from` (a date) records where the
pupil lived from that day, so a file can record a house move (rows of the same pupil then give
different LAs with different `home_la_from`). A row without `home_la_from` gives the home LA
before any dated move in the file: from date of birth for a new pupil; for a stored pupil it must
match what is stored (a file does not silently rewrite who paid: a different LA needs a date, or
a correction on the pupil page). A dated move after the stored current period closes it the day
before; one on the start of a stored period sets that period's LA; one inside an earlier stored
period is refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from pupils.models import (
    AdmissionKind,
    ImportJob,
    Placement,
    PlacementKind,
    Plan,
    PlanKind,
    Pupil,
    PupilHomeLa,
    SupportLevel,
)
from pupils.services import date_of_birth_problem
from pupils.upn import validate_upn
from schools.importing import (
    SHOWN_ERRORS,
    Cells,
    ImportRejected,
    ImportResult,
    RowError,
    read_rows,
    require_columns,
)
from schools.models import LocalAuthority, School

logger = logging.getLogger(__name__)

COLUMNS = [
    "UPN", "given_name", "family_name", "date_of_birth", "home_la_code", "home_la_from",
    "school_urn",
    "placement_start", "placement_end", "placement_kind", "admission_kind", "plan_kind",
    "plan_issued", "annual_review_due", "support_from", "support_to", "lsa_hours", "lst_hours",
    "ta_hours", "band", "resource_amount",
]  # fmt: skip

PLACEMENT_KINDS = {c.value: c.value for c in PlacementKind} | {
    "special": PlacementKind.SPECIAL_SCHOOL,
    "special_school_place": PlacementKind.SPECIAL_SCHOOL,
    "resourced_provision": PlacementKind.RESOURCED,
    "alternative_provision": PlacementKind.AP,
}
ADMISSION_KINDS = {c.value: c.value for c in AdmissionKind} | {
    "casual": AdmissionKind.CASUAL_ADMISSION,
    "managed": AdmissionKind.MANAGED_MOVE,
    "transfer": AdmissionKind.PHASE_TRANSFER,
    "first": AdmissionKind.FIRST_ADMISSION,
}
PLAN_KINDS = {"statement": PlanKind.STATEMENT, "ehcp": PlanKind.EHCP, "ehc_plan": PlanKind.EHCP}
ONE_DAY = dt.timedelta(days=1)
REASON = "Pupil import"

_DATE = "a date, YYYY-MM-DD or DD/MM/YYYY"
_HOURS = "hours a week, 0 to 60, up to 2 decimal places; empty means 0"


def _choices(kind, default: str, aliases: dict) -> list[tuple[str, str]]:
    """(value, meaning) of a coded column: each value, then the other spellings taken."""
    values = [
        (c.value, c.label + (" (the default when empty)" if c.value == default else ""))
        for c in kind
    ]
    values += [(alias, f"the same as {target}") for alias, target in aliases.items()]
    return values


def allowed_values() -> dict[str, list[tuple[str, str]]]:
    """The values every coded column takes, with what each means: shown on the import page and
    in the template's "Allowed values" sheet. Home LA codes are the LAs in the system."""
    return {
        "placement_kind": _choices(
            PlacementKind,
            PlacementKind.MAINSTREAM,
            {
                "special": "special_school",
                "special_school_place": "special_school",
                "resourced_provision": "resourced",
                "alternative_provision": "ap",
            },
        ),  # fmt: skip
        "admission_kind": _choices(
            AdmissionKind,
            AdmissionKind.FIRST_ADMISSION,
            {
                "casual": "casual_admission",
                "managed": "managed_move",
                "transfer": "phase_transfer",
                "first": "first_admission",
            },
        ),  # fmt: skip
        "plan_kind": _choices(PlanKind, PlanKind.EHCP, {"ehc_plan": "ehcp"}),
        "band": [(str(b), f"band {b}" + (" (lowest need)" if b == 1 else "")) for b in range(1, 6)]
        + [("", "no band (hours or a resource amount instead)")],
        "home_la_code": [
            (code, name)
            for code, name in LocalAuthority.objects.order_by("code").values_list("code", "name")
        ],
    }


#: What each column holds (the coded columns' values are in `allowed_values`).
COLUMN_HELP = {
    "UPN": "the pupil's 13-character unique pupil number, e.g. A123456789012",
    "given_name": "required", "family_name": "required",
    "date_of_birth": _DATE,
    "home_la_code": "the DfE code of the LA the pupil lives in (see the allowed values)",
    "home_la_from": f"optional: {_DATE}; the day the pupil started living in that LA",
    "school_urn": "the URN of the school (as in GIAS)",
    "placement_start": _DATE, "placement_end": f"optional: {_DATE}",
    "placement_kind": "see the allowed values; empty means mainstream",
    "admission_kind": "see the allowed values; empty means first_admission",
    "plan_kind": "see the allowed values; empty means ehcp",
    "plan_issued": _DATE, "annual_review_due": f"optional: {_DATE}",
    "support_from": f"{_DATE}; on or after plan_issued",
    "support_to": f"optional: {_DATE}; empty means the support carries on",
    "lsa_hours": _HOURS, "lst_hours": _HOURS, "ta_hours": _HOURS,
    "band": "1 to 5 for a special school place (see the allowed values), or empty",
    "resource_amount": "optional: an annual amount in pounds and pence, e.g. 6500.00",
}  # fmt: skip
EXAMPLE_ROW = [
    "A123456789012", "Sam", "Jones", "2015-03-14", "999", "", "100000", "2024-09-04", "",
    "mainstream", "first_admission", "ehcp", "2024-06-01", "2025-06-01", "2024-09-04", "",
    "20.00", "0", "0", "", "",
]  # fmt: skip


def template_csv() -> bytes:
    """The pupil file's header row and one example row, as CSV (UTF-8 with a BOM for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE_ROW)
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """A workbook: "Pupils" (the header and an example row; the import reads the first sheet),
    "Columns" (what each column holds) and "Allowed values" (every coded column's values)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Pupils"
    sheet.append(COLUMNS)
    sheet.append(EXAMPLE_ROW)
    columns = book.create_sheet("Columns")
    columns.append(["Column", "What it holds"])
    for column in COLUMNS:
        columns.append([column, COLUMN_HELP.get(column, "")])
    allowed = book.create_sheet("Allowed values")
    allowed.append(["Column", "Value", "Meaning"])
    for column, values in allowed_values().items():
        for value, meaning in values:
            allowed.append([column, value, meaning])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


PROGRESS_EVERY = 5_000  # rows between progress reports
ZERO = Decimal("0")


@dataclass
class _Row:
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
class _PupilGroup:
    rows: list[_Row] = field(default_factory=list)
    placements: dict[dt.date, _Row] = field(default_factory=dict)
    plans: dict[dt.date, _Row] = field(default_factory=dict)
    supports: dict[tuple[dt.date, dt.date], _Row] = field(default_factory=dict)
    home_las: dict[dt.date | None, _Row] = field(default_factory=dict)


def _parse(
    row: dict, number: int, errors: list[RowError], las, schools, today: dt.date
) -> _Row | None:
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
    parsed = _Row(
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


def _check_order(cells: Cells, r: _Row) -> None:
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


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    far = dt.date.max
    return a_start <= (b_end or far) and b_start <= (a_end or far)


def _group(rows: list[_Row], errors: list[RowError]) -> dict[str, _PupilGroup]:
    groups: dict[str, _PupilGroup] = defaultdict(_PupilGroup)
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


def _support_details(r: _Row) -> tuple:
    return (r.support_to, r.hours, r.band, r.resource_amount)


def _merge(target: dict, key, r: _Row, errors, column: str, signature) -> None:
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


def _no_overlap(items: list[_Row], span, column: str, message: str, errors) -> None:
    for earlier, later in zip(items, items[1:], strict=False):
        a, b = span(earlier), span(later)
        if _overlaps(a[0], a[1], b[0], b[1]):
            errors.append(RowError(later.number, column, f"{message} (row {earlier.number})"))


def pupils_import(
    *, content: bytes, filename: str, user=None, progress=None, replace_periods: bool = False
) -> ImportResult:
    """Import pupils, placements, plans and support periods. All or nothing; idempotent.

    `progress(stage, done, total)`, when given, is told how far the import has got (a
    background import shows it); it is called outside the writing transaction.

    `replace_periods` (a corrected spreadsheet): for each plan in the file, the file's support
    periods replace the stored ones. A stored period the file does not give (by support_from)
    is superseded (kept, with who, when and why in its history; never deleted), so it neither
    blocks the file's periods nor counts for money any more.

    Every problem is listed in one pass: field errors, and the cross-row checks (overlapping
    placements, ...) of every row that could be read.
    """
    report = progress or (lambda stage, done, total: None)
    report("Reading the file", 0, 0)
    raw_rows = read_rows(content, filename)
    if not raw_rows:
        raise ImportRejected([RowError(0, "", "the file has no data rows")])
    errors = require_columns(
        set(raw_rows[0]),
        [
            "UPN",
            "school_urn",
            "plan_issued",
            "support_from",
            "date_of_birth",
            "home_la_code",
            "placement_start",
            "given_name",
            "family_name",
        ],
    )
    if errors:
        raise ImportRejected(errors)
    las = {la.code: la for la in LocalAuthority.objects.all()}
    urns = {int(r["school_urn"]) for r in raw_rows if r.get("school_urn", "").isdigit()}
    schools = School.objects.in_bulk(list(urns), field_name="urn")
    total = len(raw_rows)
    today = timezone.localdate()
    parsed = []
    for n, r in enumerate(raw_rows, start=2):
        if (p := _parse(r, n, errors, las, schools, today)) is not None:
            parsed.append(p)
        if n % PROGRESS_EVERY == 0:
            report("Checking each row", n - 1, total)
    # One pass: the rows that could be read are checked across rows (and against what is
    # stored) even when other rows have field errors, so every problem is listed at once.
    report("Checking pupils across rows", total, total)
    groups = _group(parsed, errors)
    report("Checking against the records already stored", total, total)
    writer = _Writer(groups, user, ImportResult(rows=total), replace_periods=replace_periods)
    writer.reason = f"{REASON} ({filename})"
    writer.check_against_database(errors)
    if errors:
        raise ImportRejected(errors)
    report("Saving", total, total)
    try:
        with transaction.atomic():
            writer.write()
    except (IntegrityError, ValidationError) as exc:
        if hasattr(exc, "error_dict"):  # a field's own sentence, with the field named
            why = "; ".join(f"{name}: {' '.join(m)}" for name, m in exc.message_dict.items())
        else:
            why = " ".join(getattr(exc, "messages", [])) or str(exc).strip()
        why = why or type(exc).__name__
        raise ImportRejected(
            [RowError(0, "", f"the database refused the import, and nothing was saved ({why})")]
        ) from exc
    return writer.result


def pupils_import_replacing_periods(**kwargs) -> ImportResult:
    """`pupils_import` in "replace this plan's periods" mode (a corrected spreadsheet)."""
    return pupils_import(**kwargs, replace_periods=True)


def _period_on(periods: list[PupilHomeLa], day: dt.date) -> PupilHomeLa | None:
    return next(
        (p for p in periods if p.starts_on <= day and (p.ends_on is None or p.ends_on >= day)),
        None,
    )


@dataclass(eq=False)
class _NewHomeLa:
    """A home-LA period the import will create (a model instance per pupil cost seconds)."""

    starts_on: dt.date
    ends_on: dt.date | None
    la_id: int
    pk: None = None


@dataclass
class _HomeLaPlan:
    """A pupil's home-LA periods after the import, oldest first; new ones have no pk yet."""

    periods: list[PupilHomeLa | _NewHomeLa]
    changed: list[PupilHomeLa]

    @property
    def latest_la_id(self) -> int:
        return self.periods[-1].la_id


def _by_owner(stored: dict) -> dict[int, list]:
    """{(owner id, date): row} as {owner id: [(date, row), ...]}."""
    index: dict[int, list] = defaultdict(list)
    for (owner, day), row in stored.items():
        index[owner].append((day, row))
    return index


def _copy_create(model, rows: list[dict], user) -> list[dict]:
    """Insert new rows and their history ("+", "Pupil import", `user`) with PostgreSQL COPY:
    what bulk_create_with_history writes, without building an INSERT of 500 rows at a time in
    Python (100,000 rows took minutes) nor a model instance per row. `rows` are {attname: value}
    of plain values (str, date, Decimal, int, None); the fields they leave out get their
    defaults. Ids come from the table's sequence first (each row gets its "id"), so the history
    rows can name them."""
    if not rows:
        return rows
    pk = model._meta.pk.attname
    if connection.vendor != "postgresql":
        objects = bulk_create_with_history(
            [model(**r) for r in rows],
            model,
            batch_size=500,
            default_user=user,
            default_change_reason=REASON,
        )
        for r, obj in zip(rows, objects, strict=True):
            r[pk] = obj.pk
        return rows
    conn = connections[DEFAULT_DB_ALIAS]  # the real one: the `connection` proxy costs per call
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    defaults = {
        f.attname: f.get_db_prep_save(f.get_default(), conn)
        for f in fields
        if f.attname not in rows[0] and f.attname != pk
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        for r, (new_id,) in zip(rows, cursor.fetchall(), strict=True):
            r[pk] = new_id
        full = [defaults | r for r in rows]
        _copy(cursor, table, [f.column for f in fields], [f.attname for f in fields], full)
        history = model.history.model
        extra = {
            "history_date": timezone.now(),
            "history_change_reason": REASON,
            "history_type": "+",
            "history_user_id": user.pk if user is not None else None,
        }
        columns = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
        _copy(
            cursor,
            history._meta.db_table,
            [f.column for f in columns],
            [f.attname for f in columns],
            [row | extra for row in full],
        )
    return rows


def _copy(cursor, table: str, columns: list[str], keys: list[str], rows: list[dict]) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with cursor.cursor.copy(
        f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row([row[k] for k in keys])


def _validate_values(model, rows: list[dict]) -> None:
    """What `_validate` checks, for rows not yet made into models: each field's distinct values
    are checked once (most repeat: dates, kinds, hours), and only when one fails is the first
    row holding a failing value made into a model and cleaned, so the error is full_clean's own.
    """
    if not rows:
        return
    bad: dict[str, set] = {}
    for name in rows[0]:
        field = model._meta.get_field(name)
        if field.is_relation or field.primary_key:
            continue
        for key, value in {(type(r[name]), str(r[name])): r[name] for r in rows}.items():
            if field.blank and value in field.empty_values:
                continue
            try:
                field.clean(value, None)
            except ValidationError:
                bad.setdefault(field.attname, set()).add(key)
    if bad:
        first = next(
            r for r in rows if any((type(r[n]), str(r[n])) in keys for n, keys in bad.items())
        )
        _validate(model, [model(**first)])


def _validate(model, objects: list) -> None:
    """Field validation of what is written, except that the rows a foreign key points at exist:
    the import found them itself, and checking costs one query per key per row (100,000 rows
    took minutes); the database's foreign keys still refuse a dangling one."""
    relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
    for obj in objects:
        obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)


class _Writer:
    def __init__(
        self,
        groups: dict[str, _PupilGroup],
        user,
        result: ImportResult,
        *,
        replace_periods: bool = False,
    ):
        self.groups = groups
        self.replace_periods = replace_periods
        self.reason = REASON
        self.user = user if getattr(user, "is_authenticated", False) else None
        self.result = result
        upns = list(groups)
        self.pupils = Pupil.objects.in_bulk(upns, field_name="upn")
        ids = [p.pk for p in self.pupils.values()]
        self.pupil_ids: dict[str, int] = {upn: p.pk for upn, p in self.pupils.items()}
        self.placements: dict[tuple[int, dt.date], Placement] = {
            (p.pupil_id, p.starts_on): p for p in Placement.objects.filter(pupil_id__in=ids)
        }
        self.plans: dict[tuple[int, dt.date], Plan] = {
            (p.pupil_id, p.issued_on): p for p in Plan.objects.filter(pupil_id__in=ids)
        }
        self.supports: dict[tuple[int, dt.date], SupportLevel] = {
            (s.plan_id, s.effective_from): s
            for s in SupportLevel.objects.filter(plan__pupil_id__in=ids)
        }
        self.home_las: dict[int, list[PupilHomeLa]] = defaultdict(list)
        for period in PupilHomeLa.objects.filter(pupil_id__in=ids).select_related("la"):
            self.home_las[period.pupil_id].append(period)
        self.home_la_plans: dict[str, _HomeLaPlan] = {}
        self.plan_ids: dict[tuple[int, dt.date], int] = {k: p.pk for k, p in self.plans.items()}
        # The stored rows of each pupil (placements, plans) and plan (supports), so checking a
        # pupil looks at its own rows, not every stored row (quadratic: minutes at 100,000).
        self.stored_of = {
            name: _by_owner(stored)
            for name, stored in (
                ("placements", self.placements),
                ("plans", self.plans),
                ("supports", self.supports),
            )
        }

    def _ceased(self, g: _PupilGroup) -> dict[dt.date, dt.date | None]:
        """A later plan in the file ends the earlier one the day before it is issued."""
        issued = sorted(g.plans)
        return {
            d: (issued[i + 1] - ONE_DAY if i + 1 < len(issued) else None)
            for i, d in enumerate(issued)
        }

    def _new_home_la(self, starts_on, ends_on, la_id) -> _NewHomeLa:
        return _NewHomeLa(starts_on=starts_on, ends_on=ends_on, la_id=la_id)

    def _plan_home_las(self, upn: str, g: _PupilGroup, errors: list[RowError]) -> _HomeLaPlan:
        """R8+: the pupil's home-LA periods once the file's moves are applied (see the module
        docstring); a move the stored history cannot take is an error on its row."""
        pupil = self.pupils.get(upn)
        first = g.rows[0]
        undated = g.home_las.get(None)
        dated = sorted(((d, r) for d, r in g.home_las.items() if d is not None), key=lambda x: x[0])
        periods = (
            sorted(self.home_las.get(pupil.pk, []), key=lambda p: p.starts_on) if pupil else []
        )
        if not periods:
            if pupil is not None:  # stored before home LAs were dated
                base = pupil.home_la_id
            else:
                base = (undated or dated[0][1]).home_la.pk
            periods = [self._new_home_la(first.date_of_birth, None, base)]
        if pupil is not None and undated is not None:
            # the stored LA the undated row speaks for: before the file's first move, or now
            stored = periods[-1] if not dated else _period_on(periods, dated[0][0] - ONE_DAY)
            if stored is not None and stored.la_id != undated.home_la.pk:
                errors.append(RowError(
                    undated.number, "home_la_code",
                    f"UPN {upn} lives in LA {self._la_code(stored)} from "
                    f"{stored.starts_on:%d/%m/%Y}; give home_la_from to record a move, or "
                    "correct the home LA history on the pupil page",
                ))  # fmt: skip
        changed: list[PupilHomeLa] = []
        for day, r in dated:
            same_start = next((p for p in periods if p.starts_on == day), None)
            last = periods[-1]
            if same_start is not None:
                if same_start.la_id != r.home_la.pk:
                    same_start.la_id = r.home_la.pk
                    changed.append(same_start)
            elif day > last.starts_on:
                if last.ends_on is not None and last.ends_on < day:
                    periods.append(self._new_home_la(day, None, r.home_la.pk))
                elif last.la_id != r.home_la.pk:
                    periods.append(self._new_home_la(day, last.ends_on, r.home_la.pk))
                    last.ends_on = day - ONE_DAY
                    changed.append(last)
            else:
                inside = _period_on(periods, day) or periods[0]
                end = f"{inside.ends_on:%d/%m/%Y}" if inside.ends_on else "open"
                errors.append(RowError(
                    r.number, "home_la_from",
                    f"is inside the stored home LA period {inside.starts_on:%d/%m/%Y} to {end}; "
                    "correct the home LA history on the pupil page",
                ))  # fmt: skip
        return _HomeLaPlan(
            periods=periods, changed=list({p.pk: p for p in changed if p.pk is not None}.values())
        )

    def _la_code(self, period: PupilHomeLa) -> str:
        if "la" in getattr(getattr(period, "_state", None), "fields_cache", ()):
            return period.la.code
        return LocalAuthority.objects.values_list("code", flat=True).get(pk=period.la_id)

    def check_against_database(self, errors: list[RowError]) -> None:
        """Rows already stored but not in the file must not overlap the file's rows."""
        for upn, g in self.groups.items():
            self.home_la_plans[upn] = self._plan_home_las(upn, g, errors)
            pupil = self.pupils.get(upn)
            if pupil is None:
                continue
            for start, stored in self.stored_of["placements"].get(pupil.pk, ()):
                if start in g.placements:
                    continue
                for r in g.placements.values():
                    if _overlaps(
                        stored.starts_on, stored.ends_on, r.placement_start, r.placement_end
                    ):
                        errors.append(
                            RowError(
                                r.number,
                                "placement_start",
                                f"overlaps the stored placement at {stored.school.name} from "
                                f"{stored.starts_on:%d/%m/%Y}",
                            )
                        )
            if not self.replace_periods:
                self._check_stored_supports(pupil, g, errors)
            ceased = self._ceased(g)
            for issued, stored in self.stored_of["plans"].get(pupil.pk, ()):
                if issued in g.plans:
                    continue
                for d, r in g.plans.items():
                    if _overlaps(stored.issued_on, stored.ceased_on, d, ceased[d]):
                        errors.append(
                            RowError(
                                r.number,
                                "plan_issued",
                                f"overlaps the stored plan issued {stored.issued_on:%d/%m/%Y}",
                            )
                        )

    def _check_stored_supports(self, pupil: Pupil, g: _PupilGroup, errors: list[RowError]):
        """A stored support period of one of the file's plans, with a start the file does not
        give, must not overlap the file's periods (it would be left in place beside them)."""
        for issued in g.plans:
            plan = self.plans.get((pupil.pk, issued))
            if plan is None:
                continue
            for start, stored in self.stored_of["supports"].get(plan.pk, ()):
                if (issued, start) in g.supports:
                    continue
                for (p_issued, _), r in g.supports.items():
                    if p_issued == issued and _overlaps(
                        stored.effective_from, stored.effective_to, r.support_from, r.support_to
                    ):
                        end = f"{stored.effective_to:%d/%m/%Y}" if stored.effective_to else "open"
                        errors.append(RowError(
                            r.number, "support_from",
                            f"overlaps the stored support period {stored.effective_from:%d/%m/%Y}"
                            f" to {end}; give that period's support_from to update it",
                        ))  # fmt: skip

    def write(self) -> None:
        self._write_pupils()
        self._write_home_las()
        self._write_placements()
        self._write_plans()
        if self.replace_periods:
            self._supersede_supports()
        self._write_supports()

    def _supersede_supports(self) -> None:
        """Replace mode: the stored periods of the file's plans that the file does not give are
        superseded (kept with who, when and why), before the file's periods are written."""
        now = timezone.now()
        superseded = []
        for upn, g in self.groups.items():
            pupil = self.pupils.get(upn)
            if pupil is None:
                continue
            for issued in g.plans:
                plan = self.plans.get((pupil.pk, issued))
                if plan is None:
                    continue
                for start, stored in self.stored_of["supports"].get(plan.pk, ()):
                    if (issued, start) not in g.supports:
                        stored.superseded_at = now
                        superseded.append(stored)
                        del self.supports[(plan.pk, start)]
        if superseded:
            _validate(SupportLevel, superseded)
            bulk_update_with_history(
                superseded,
                SupportLevel,
                ["superseded_at"],
                batch_size=500,
                default_user=self.user,
                default_change_reason=f"Superseded: {self.reason}, replacing the plan's periods",
            )
            self.result.count("updated", "support levels superseded", len(superseded))

    def _upsert(
        self, model, label: str, wanted: list[tuple[object | None, dict]], fields: list[str]
    ):
        to_create, to_update = [], []
        for existing, values in wanted:
            if existing is None:
                to_create.append(values)
            elif any(getattr(existing, f) != values[f] for f in fields):
                for f in fields:
                    setattr(existing, f, values[f])
                to_update.append(existing)
            else:
                self.result.count("unchanged", label)
        _validate_values(model, to_create)
        _validate(model, to_update)
        created = _copy_create(model, to_create, self.user)
        if to_update:
            bulk_update_with_history(
                to_update,
                model,
                fields,
                batch_size=500,
                default_user=self.user,
                default_change_reason="Pupil import",
            )
        self.result.count("created", label, len(to_create))
        self.result.count("updated", label, len(to_update))
        return created

    def _write_pupils(self) -> None:
        fields = ["given_name", "family_name", "date_of_birth", "home_la_id"]
        wanted = []
        for upn, g in self.groups.items():
            r = g.rows[0]
            values = {
                "upn": upn,
                "given_name": r.given_name,
                "family_name": r.family_name,
                "date_of_birth": r.date_of_birth,
                "home_la_id": self.home_la_plans[upn].latest_la_id,
            }
            wanted.append((self.pupils.get(upn), values))
        created = self._upsert(Pupil, "pupils", wanted, fields)
        self.pupil_ids.update((values["upn"], values["id"]) for values in created)

    def _write_home_las(self) -> None:
        """Close or correct stored periods first (so none overlaps), then add the new ones."""
        to_create, to_update, unchanged = [], [], 0
        recorded_by = self.user.pk if self.user is not None else None
        for upn, plan in self.home_la_plans.items():
            pupil_id = self.pupil_ids[upn]
            for period in plan.periods:
                if period.pk is None:
                    to_create.append({
                        "pupil_id": pupil_id,
                        "la_id": period.la_id,
                        "starts_on": period.starts_on,
                        "ends_on": period.ends_on,
                        "recorded_by_id": recorded_by,
                        "reason": REASON,
                    })  # fmt: skip
                elif period in plan.changed:
                    to_update.append(period)
                else:
                    unchanged += 1
        _validate_values(PupilHomeLa, to_create)
        _validate(PupilHomeLa, to_update)
        if to_update:
            bulk_update_with_history(
                to_update,
                PupilHomeLa,
                ["ends_on", "la"],
                batch_size=500,
                default_user=self.user,
                default_change_reason="Pupil import",
            )
        _copy_create(PupilHomeLa, to_create, self.user)
        label = "home LA periods"
        self.result.count("created", label, len(to_create))
        self.result.count("updated", label, len(to_update))
        if unchanged:
            self.result.count("unchanged", label, unchanged)

    def _write_placements(self) -> None:
        fields = ["school_id", "ends_on", "kind", "admission_kind"]
        wanted = []
        for upn, g in self.groups.items():
            pupil_id = self.pupil_ids[upn]
            for start, r in g.placements.items():
                values = {
                    "pupil_id": pupil_id,
                    "starts_on": start,
                    "school_id": r.school.pk,
                    "ends_on": r.placement_end,
                    "kind": r.placement_kind,
                    "admission_kind": r.admission_kind,
                    "recorded_by_id": self.user.pk if self.user is not None else None,
                    "reason": REASON,
                }
                wanted.append((self.placements.get((pupil_id, start)), values))
        self._upsert(Placement, "placements", wanted, fields)

    def _write_plans(self) -> None:
        fields = ["kind", "annual_review_due", "ceased_on"]
        wanted = []
        for upn, g in self.groups.items():
            pupil_id = self.pupil_ids[upn]
            ceased = self._ceased(g)
            for issued, r in g.plans.items():
                values = {
                    "pupil_id": pupil_id,
                    "issued_on": issued,
                    "kind": r.plan_kind,
                    "annual_review_due": r.annual_review_due,
                    "ceased_on": ceased[issued],
                    "recorded_by_id": self.user.pk if self.user is not None else None,
                    "reason": REASON,
                }
                wanted.append((self.plans.get((pupil_id, issued)), values))
        created = self._upsert(Plan, "plans", wanted, fields)
        self.plan_ids.update(((v["pupil_id"], v["issued_on"]), v["id"]) for v in created)

    def _write_supports(self) -> None:
        fields = ["effective_to", "lsa_hours", "lst_hours", "ta_hours", "band", "resource_amount"]
        wanted = []
        for upn, g in self.groups.items():
            pupil_id = self.pupil_ids[upn]
            for (issued, start), r in g.supports.items():
                plan_id = self.plan_ids[(pupil_id, issued)]
                lsa, lst, ta = r.hours
                values = {
                    "plan_id": plan_id,
                    "effective_from": start,
                    "effective_to": r.support_to,
                    "lsa_hours": lsa,
                    "lst_hours": lst,
                    "ta_hours": ta,
                    "band": r.band,
                    "resource_amount": r.resource_amount,
                    "recorded_by_id": self.user.pk if self.user is not None else None,
                    "reason": REASON,
                }
                wanted.append((self.supports.get((plan_id, start)), values))
        self._upsert(SupportLevel, "support levels", wanted, fields)


# --- Web imports as jobs (issue 17): progress for large files, every problem downloadable ---

#: What a web import can contain: kind -> the import service (dotted path, imported when run).
IMPORTERS = {
    "schools": "schools.services.schools_import",
    "pupils": "pupils.imports.pupils_import",
    "pupils_replace": "pupils.imports.pupils_import_replacing_periods",
    "spend": "funding.spend.services.sen_spend_import",
}
FAILED_MESSAGE = (
    "The import stopped because of an error in the system, and nothing was imported. Try again; "
    "if it happens again, tell the system administrator."
)


def _importer(kind: str):
    import importlib

    module, name = IMPORTERS[kind].rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def import_job_create(*, kind: str, content: bytes, filename: str, user) -> ImportJob:
    """A queued import of the uploaded file, to run with `pupils.tasks.run_import_job`."""
    if kind not in IMPORTERS:
        raise ValueError(f"unknown import kind {kind!r}")
    return ImportJob.objects.create(
        kind=kind, filename=filename[:255], content=content, created_by=user
    )


def import_job_reject(job: ImportJob, rejected: ImportRejected) -> ImportJob:
    """Keep every problem of a refused file: the first SHOWN_ERRORS for the page, all as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Row", "Column", "Problem"])
    writer.writerows((e.row or "", e.column, e.message) for e in rejected.errors)
    job.status = ImportJob.Status.REJECTED
    job.error_count = len(rejected.errors)
    job.errors_shown = [[e.row, e.column, e.message] for e in rejected.errors[:SHOWN_ERRORS]]
    job.errors_csv_gz = gzip.compress(buffer.getvalue().encode("utf-8-sig"))
    job.summary = str(rejected)
    return _job_finish(job)


def _job_finish(job: ImportJob) -> ImportJob:
    job.content = b""
    job.finished_at = timezone.now()
    job.save()
    return job


def import_job_run(*, job_id: int) -> str:
    """Run a queued (or interrupted) job: its import is all or nothing and idempotent, so a job
    a killed worker left running is simply run again. Answers the job's status."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.finished:
        return job.status
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.RUNNING)

    def progress(stage: str, done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(stage=stage, rows_done=done, rows_total=total)

    extra = {"progress": progress} if job.kind.startswith("pupils") else {}
    content, job.content = bytes(job.content), b""
    try:
        result = _importer(job.kind)(
            content=content, filename=job.filename, user=job.created_by, **extra
        )
    except ImportRejected as rejected:
        job.refresh_from_db(fields=["stage", "rows_done", "rows_total"])
        return import_job_reject(job, rejected).status
    except Exception:
        logger.exception("Import job %s (%s) failed", job_id, job.filename)
        job.status, job.summary = ImportJob.Status.FAILED, FAILED_MESSAGE
        return _job_finish(job).status
    finally:
        del content
    job.status, job.summary = ImportJob.Status.DONE, result.summary()
    job.stage, job.rows_done, job.rows_total = "Done", result.rows, result.rows
    return _job_finish(job).status


def import_job_errors_csv(job: ImportJob) -> bytes:
    return gzip.decompress(bytes(job.errors_csv_gz)) if job.errors_csv_gz else b""

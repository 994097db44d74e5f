"""The pupil import: one row per pupil support period (CSV or XLSX), idempotent, all or nothing.

Rows for the same pupil repeat the pupil, placement and plan columns. The whole file is checked
first (unknown URN or LA, bad dates, negative hours, overlapping placements or support periods,
a UPN given different details in two rows); any problem rejects the file and nothing is written.
Re-importing the same file changes nothing. Rows are matched to what is already stored by
UPN (pupil), pupil + placement_start (placement), pupil + plan_issued (plan) and plan +
support_from (support level). When a pupil has two plans in the file (a statement transferred
to an EHCP), the earlier plan ceases the day before the later one is issued. Home LA moves:
see `pupils.imports.home_la`; corrected spreadsheets: see `pupils.imports.corrections`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pupils.imports.columns import REASON
from pupils.imports.rows import group_rows, parse_row
from pupils.imports.writer import ImportWriter
from schools.importing import ImportRejected, ImportResult, RowError, read_rows, require_columns
from schools.models import LocalAuthority, School

PROGRESS_EVERY = 5_000  # rows between progress reports


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
        if (p := parse_row(r, n, errors, las, schools, today)) is not None:
            parsed.append(p)
        if n % PROGRESS_EVERY == 0:
            report("Checking each row", n - 1, total)
    # One pass: the rows that could be read are checked across rows (and against what is
    # stored) even when other rows have field errors, so every problem is listed at once.
    report("Checking pupils across rows", total, total)
    groups = group_rows(parsed, errors)
    report("Checking against the records already stored", total, total)
    writer = ImportWriter(groups, user, ImportResult(rows=total), replace_periods=replace_periods)
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

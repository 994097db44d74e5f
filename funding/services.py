"""Writes for the funding engine: schemes (validate, copy, load a preset) and allocation runs.

One function per use case, keyword-only. Errors a person can fix are `ValidationError`s whose
messages name the field (module constants, so tests can assert the exact text).
"""

from __future__ import annotations

import json
import logging
import traceback
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from funding.calculations.allocation import AllocationResult, NoSchoolDays, allocate
from funding.calculations.scheme import validate_scheme
from funding.extensions import line_sources
from funding.models import (
    SCHEME_FIELD_NAMES,
    AllocationLine,
    AllocationRun,
    FundingScheme,
    HourlyRate,
    NotionalSenFactor,
    RunKind,
    RunStatus,
    TaHoursBand,
)
from funding.selectors import allocation_inputs, scheme_for, scheme_rates
from schools.dates import FinancialYear
from schools.models import LocalAuthority
from schools.selectors import administering_la

logger = logging.getLogger(__name__)

NO_SCHEME = "There is no funding scheme for FY {fy}: load or copy one first."
SCHEME_EXISTS = "{la} already has a scheme for FY {fy}."
RUN_IN_PROGRESS = "A run for FY {fy} is already in progress."
UNKNOWN_KIND = "Choose initial, revised or final."
WRITE_BATCH = 5000
#: Write lines with COPY on PostgreSQL (bulk_create everywhere else, e.g. the SQLite demo).
USE_COPY = True


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


# ---- schemes -------------------------------------------------------------------------------


def scheme_errors(scheme: FundingScheme) -> dict[str, list[str]]:
    """Every problem with the scheme and its rate tables, keyed by field or table."""
    return validate_scheme(scheme_rates(scheme))


def scheme_validate(scheme: FundingScheme) -> None:
    """Refuse a scheme with a missing rate or an impossible figure; messages name the field."""
    errors = scheme_errors(scheme)
    if errors:
        raise ValidationError(errors)


def _save(instance, user, reason: str = "") -> None:
    instance._history_user = _user(user)
    if reason:
        instance._change_reason = reason
    instance.full_clean()
    instance.save()


@transaction.atomic
def scheme_copy(
    *, scheme: FundingScheme, financial_year: int, user=None, name: str = ""
) -> FundingScheme:
    """Copy a scheme and its rate tables to another financial year of the same LA."""
    if FundingScheme.objects.filter(la=scheme.la, financial_year=financial_year).exists():
        raise ValidationError(
            {
                "financial_year": SCHEME_EXISTS.format(
                    la=scheme.la.name, fy=FinancialYear(financial_year)
                )
            }
        )
    copy = FundingScheme(
        la=scheme.la,
        financial_year=financial_year,
        name=name or scheme.name.replace(str(scheme.fy), str(FinancialYear(financial_year))),
        preset=scheme.preset,
        notes=(
            f"Copied from FY {scheme.fy} on {timezone.localdate():%d %B %Y}: review every rate "
            f"for FY {FinancialYear(financial_year)}.\n\n{scheme.notes}"
        ).strip(),
        **{name_: getattr(scheme, name_) for name_ in SCHEME_FIELD_NAMES},
    )
    reason = f"Copied from FY {scheme.fy}"
    _save(copy, user, reason)
    for factor in scheme.sen_factors.all():
        _save(
            NotionalSenFactor(
                scheme=copy,
                factor=factor.factor,
                rate_per_pupil=factor.rate_per_pupil,
                weight_percent=factor.weight_percent,
                note=factor.note,
            ),
            user,
            reason,
        )
    for rate in scheme.hourly_rates.all():
        _save(
            HourlyRate(
                scheme=copy,
                role=rate.role,
                phase=rate.phase,
                hourly_rate=rate.hourly_rate,
                weeks_per_year=rate.weeks_per_year,
                delegated=rate.delegated,
                note=rate.note,
            ),
            user,
            reason,
        )
    for band in scheme.ta_bands.all():
        _save(
            TaHoursBand(
                scheme=copy,
                label=band.label,
                min_hours=band.min_hours,
                amount_from=band.amount_from,
                rate_per_hour=band.rate_per_hour,
                amount_to=band.amount_to,
            ),
            user,
            reason,
        )
    return copy


@transaction.atomic
def scheme_load_preset(
    *,
    preset: str,
    financial_year: int,
    la: LocalAuthority | None = None,
    user=None,
    replace: bool = False,
) -> FundingScheme:
    """Create (or with `replace`, overwrite) the LA's scheme for the year from a named preset.

    The preset's figures come from the seed documents; where a seed gives none the value is a
    clearly marked assumption, listed in the scheme's notes.
    """
    from funding.presets import get_preset

    spec = get_preset(preset)
    la = la or administering_la()
    fy = FinancialYear(financial_year)
    scheme = FundingScheme.objects.filter(la=la, financial_year=financial_year).first()
    if scheme is not None and not replace:
        raise ValidationError({"financial_year": SCHEME_EXISTS.format(la=la.name, fy=fy)})
    if scheme is None:
        scheme = FundingScheme(la=la, financial_year=financial_year)
    scheme.name = f"{spec.title} FY {fy}"
    scheme.preset = spec.key
    scheme.notes = spec.notes_for(fy)
    for name, value in spec.fields.items():
        setattr(scheme, name, value)
    reason = f"Loaded preset {spec.key}"
    _save(scheme, user, reason)
    scheme.sen_factors.all().delete()
    scheme.hourly_rates.all().delete()
    scheme.ta_bands.all().delete()
    for factor, weight, rate, note in spec.sen_factors:
        _save(
            NotionalSenFactor(
                scheme=scheme, factor=factor, weight_percent=weight, rate_per_pupil=rate, note=note
            ),
            user,
            reason,
        )
    for role, phase, rate, weeks, delegated, note in spec.hourly_rates:
        _save(
            HourlyRate(
                scheme=scheme,
                role=role,
                phase=phase,
                hourly_rate=rate,
                weeks_per_year=weeks,
                delegated=delegated,
                note=note,
            ),
            user,
            reason,
        )
    for label, min_hours, amount_from, rate, amount_to in spec.ta_bands:
        _save(
            TaHoursBand(
                scheme=scheme,
                label=label,
                min_hours=min_hours,
                amount_from=amount_from,
                rate_per_hour=rate,
                amount_to=amount_to,
            ),
            user,
            reason,
        )
    scheme_validate(scheme)
    return scheme


# ---- allocation runs -----------------------------------------------------------------------


def allocation_run_create(
    *, financial_year: int, kind: str, user=None, queue: bool = False, note: str = ""
) -> AllocationRun:
    """Record a run of the year (queued) after checking the scheme; with `queue`, hand it to
    the Celery worker once the transaction commits."""
    fy = FinancialYear(int(financial_year))
    if kind not in RunKind.values:
        raise ValidationError({"kind": UNKNOWN_KIND})
    scheme = scheme_for(fy)
    if scheme is None:
        raise ValidationError({"financial_year": NO_SCHEME.format(fy=fy)})
    scheme_validate(scheme)
    run = AllocationRun(
        financial_year=fy.start_year,
        kind=kind,
        scheme=scheme,
        created_by=_user(user),
        status=RunStatus.QUEUED,
        progress_message="Waiting for the worker",
        note=note,
    )
    run._history_user = _user(user)
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:
        raise ValidationError({"financial_year": RUN_IN_PROGRESS.format(fy=fy)}) from None
    if queue:
        from funding.tasks import run_allocation_task

        run_id = run.pk
        transaction.on_commit(lambda: run_allocation_task.delay(run_id))
    return run


def _progress(run_id: int, percent: int, message: str) -> None:
    AllocationRun.objects.filter(pk=run_id).update(progress=percent, progress_message=message)


def allocation_run_execute(*, run_id: int) -> AllocationRun:
    """Calculate a queued run and write its lines; idempotent (a run already claimed, done or
    failed is left alone).

    Reads in bulk, calculates with the pure engine, then writes every line with bulk inserts
    in batches inside one transaction together with the totals and the final status, so a run
    is either complete or has no lines. Progress is recorded between the stages.
    """
    claimed = AllocationRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
        progress=5,
        progress_message="Reading schools, pupils, plans and rates",
    )
    run = AllocationRun.objects.select_related("scheme__la", "created_by").get(pk=run_id)
    if not claimed:
        return run
    try:
        inputs = allocation_inputs(run.financial_year, scheme=run.scheme, la=run.scheme.la)
        _progress(run_id, 20, f"Calculating {len(inputs.pupils):,} pupils")

        def progress(done: int, total: int) -> None:
            _progress(run_id, 20 + int(50 * done / max(total, 1)), f"Calculated {done:,}/{total:,}")

        result = allocate(inputs, progress)
        for name, source in line_sources():
            extra_lines, extra_warnings = source(inputs)
            result.lines.extend(extra_lines)
            result.warnings.extend(f"{name}: {w}" for w in extra_warnings)
        _progress(run_id, 70, f"Writing {len(result.lines):,} lines")
        _write(run, result)
    except (NoSchoolDays, ValidationError) as exc:
        _fail(run_id, "; ".join(getattr(exc, "messages", [str(exc)])))
    except Exception as exc:
        logger.exception("Allocation run %s failed", run_id)
        _fail(run_id, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")
    return AllocationRun.objects.select_related("scheme__la", "created_by").get(pk=run_id)


def _fail(run_id: int, error: str) -> None:
    run = AllocationRun.objects.get(pk=run_id)
    run.status = RunStatus.FAILED
    run.error = error[:5000]
    run.finished_at = timezone.now()
    run.progress_message = "Failed"
    run._change_reason = "Run failed"
    run.save()


def _line_objects(run: AllocationRun, result: AllocationResult):
    run_id = run.pk
    for line in result.lines:
        yield AllocationLine(
            run_id=run_id,
            school_id=line.school_id,
            pupil_id=line.pupil_id,
            element=line.element,
            rule=line.rule,
            period_from=line.period_from,
            period_to=line.period_to,
            school_days=line.school_days,
            year_days=line.year_days,
            annual_amount=line.annual_amount,
            amount=line.amount,
            payer_la_id=line.payer_la_id,
            delegated=line.delegated,
            working=line.working,
            explanation=line.explanation,
        )


LINE_COLUMNS = [
    "run_id",
    "school_id",
    "pupil_id",
    "element",
    "rule",
    "period_from",
    "period_to",
    "school_days",
    "year_days",
    "annual_amount",
    "amount",
    "payer_la_id",
    "delegated",
    "working",
    "explanation",
]


def _copy_escape(text: str) -> str:
    """COPY's text format: backslash, tab, newline and carriage return escaped."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _copy_text(value) -> str:
    return "\\N" if value is None else str(value)


def _copy_lines(run: AllocationRun, result: AllocationResult) -> None:
    """PostgreSQL: stream the lines with COPY in its text format (several times faster than
    INSERT statements; same rows, same constraints checked)."""
    table = AllocationLine._meta.db_table
    columns = ", ".join(f'"{c}"' for c in LINE_COLUMNS)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    run_id = str(run.pk)
    chunk: list[str] = []
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for line in result.lines:
                chunk.append(
                    "\t".join(
                        (
                            run_id,
                            str(line.school_id),
                            _copy_text(line.pupil_id),
                            line.element,
                            line.rule,
                            line.period_from.isoformat(),
                            line.period_to.isoformat(),
                            str(line.school_days),
                            str(line.year_days),
                            str(line.annual_amount),
                            str(line.amount),
                            _copy_text(line.payer_la_id),
                            "t" if line.delegated else "f",
                            _copy_escape(dumps(line.working)),
                            _copy_escape(line.explanation),
                        )
                    )
                )
                if len(chunk) >= 2000:
                    copy.write("\n".join(chunk) + "\n")
                    chunk.clear()
            if chunk:
                copy.write("\n".join(chunk) + "\n")


def _bulk_create_lines(run: AllocationRun, result: AllocationResult) -> None:
    objects = _line_objects(run, result)
    while True:
        batch = [obj for _, obj in zip(range(WRITE_BATCH), objects, strict=False)]
        if not batch:
            break
        AllocationLine.objects.bulk_create(batch, batch_size=WRITE_BATCH)


@transaction.atomic(durable=True)
def _write(run: AllocationRun, result: AllocationResult) -> None:
    """Every line, the totals and the final status in one transaction."""
    if connection.vendor == "postgresql" and USE_COPY:
        _copy_lines(run, result)
    else:
        _bulk_create_lines(run, result)
    totals = {k: f"{v:.2f}" for k, v in sorted(result.totals_by_element().items())}
    run.status = RunStatus.DONE
    run.progress = 100
    run.progress_message = "Done"
    run.finished_at = timezone.now()
    run.line_count = len(result.lines)
    run.total_amount = sum((line.amount for line in result.lines), Decimal("0"))
    run.totals = totals
    run.warnings = result.warnings[:500]
    run._change_reason = "Run completed"
    run.save()


def run_allocation(*, fy: int, kind: str, user=None, note: str = "") -> AllocationRun:
    """Create a run of the year and calculate it now, in this process (command, shell)."""
    run = allocation_run_create(financial_year=fy, kind=kind, user=user, note=note)
    return allocation_run_execute(run_id=run.pk)


@transaction.atomic
def allocation_run_abandon(*, run: AllocationRun, user=None, reason: str = "") -> AllocationRun:
    """Mark a stuck queued/running run as failed so the year can be run again."""
    run = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if not run.is_active:
        return run
    run.status = RunStatus.FAILED
    run.error = reason or "Abandoned by an officer."
    run.finished_at = timezone.now()
    run._history_user = _user(user)
    run._change_reason = "Abandoned"
    run.save()
    return run

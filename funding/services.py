"""Writes for the funding engine: schemes (validate, copy, load a preset) and allocation runs.

One function per use case, keyword-only. Errors a person can fix are `ValidationError`s whose
messages name the field (module constants, so tests can assert the exact text). Running a
queued run (claim, read, calculate, write) is in `funding.run_execution`, imported back here.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from funding.calculations.rate_changes import DatedRates
from funding.calculations.scheme import validate_scheme
from funding.extensions import scheme_resets
from funding.models import (
    PAYMENT_FIELD_NAMES,
    SCHEME_FIELD_NAMES,
    AllocationRun,
    FundingScheme,
    HourlyRate,
    NotionalSenFactor,
    RunKind,
    RunStatus,
    TaHoursBand,
)
from funding.run_execution import allocation_run_execute
from funding.selectors import scheme_for, scheme_rates
from schools.dates import FinancialYear
from schools.models import LocalAuthority
from schools.selectors import administering_la

NO_SCHEME = "There is no funding scheme for FY {fy}: load or copy one first."
SCHEME_EXISTS = "{la} already has a scheme for FY {fy}."
SCHEME_HAS_RATE_CHANGES = (
    "{scheme} has rates changed from a date in the year (an adopted uplift), which may already "
    "have been paid: it cannot be replaced by a preset. Change its rates one at a time instead."
)
RUN_IN_PROGRESS = "A run for FY {fy} is already in progress."
UNKNOWN_KIND = "Choose initial, revised or final."
AS_AT_IN_FUTURE = "A run can only read the data as it stood at a moment that has passed."
RUN_APPROVED = "Run {run} was approved by {user} on {on}: it cannot be changed."
APPROVE_NOT_DONE = "Only a completed run can be approved; run {run} is {status}."
APPROVE_OWN_RUN = "You started run {run}, so someone else must approve it (segregation of duties)."
APPROVE_NEEDS_USER = "Approving a run needs a signed-in person, recorded as the approver."
APPROVE_ALREADY = "Run {run} is already approved."
DELETE_DONE_RUN = (
    "Run {run} is complete: its lines are a record of the money and are never deleted."
)


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
        **{name_: getattr(scheme, name_) for name_ in PAYMENT_FIELD_NAMES},
    )
    reason = f"Copied from FY {scheme.fy}"
    _save(copy, user, reason)
    # R26: the copy starts from the rates in force at the year's end (an uplift adopted from a
    # date inside the year included; funding.calculations.rate_changes).
    year_end = DatedRates(scheme_rates(scheme), {}, scheme.fy).versions[-1][0]
    hourly_end = {(r.role, r.phase): r.hourly_rate for r in year_end.hourly_rates}
    bands_end = {b.min_hours: b for b in year_end.ta_bands}
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
                hourly_rate=hourly_end.get((rate.role, rate.phase), rate.hourly_rate),
                weeks_per_year=rate.weeks_per_year,
                delegated=rate.delegated,
                note=rate.note,
            ),
            user,
            reason,
        )
    for band in scheme.ta_bands.all():
        end = bands_end.get(band.min_hours, band)
        _save(
            TaHoursBand(
                scheme=copy,
                label=band.label,
                min_hours=band.min_hours,
                amount_from=end.amount_from,
                rate_per_hour=end.rate_per_hour,
                amount_to=end.amount_to,
            ),
            user,
            reason,
        )
    return copy


#: Fields a preset load never resets: whose scheme and which year it is, and its bookkeeping.
SCHEME_KEPT_ON_LOAD = frozenset({"la", "financial_year", "updated_at"})


def _scheme_defaults() -> dict:
    """Every editable field of `FundingScheme` at its model default, found from the model itself
    so a field added later is reset too."""
    return {
        field.attname: field.get_default()
        for field in FundingScheme._meta.concrete_fields
        if field.editable and not field.primary_key and field.name not in SCHEME_KEPT_ON_LOAD
    }


def _delete(instance, user, reason: str) -> None:
    """Delete one row, recording who and why in its history."""
    instance._history_user = _user(user)
    instance._change_reason = reason
    instance.delete()


def _load_reason(key: str, replaced: FundingScheme | None) -> str:
    if replaced is None:
        return f"Loaded preset {key}"
    was = f"preset {replaced.preset}" if replaced.preset else "a scheme not from a preset"
    # simple-history keeps at most 100 characters of a reason.
    return f"Loaded preset {key} (replacing {was}: {replaced.name})"[:100]


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

    Replacing starts from nothing: every field goes back to its model default before the
    preset's fields are applied, and every row tied to the scheme (its rate tables, and other
    apps' rows through `funding.extensions.register_scheme_reset`) is deleted or set to what the
    preset says. Every change is kept in history as "Loaded preset X (replacing ...)".
    """
    from funding.presets import get_preset

    spec = get_preset(preset)
    la = la or administering_la()
    fy = FinancialYear(financial_year)
    scheme = (
        FundingScheme.objects.select_for_update()
        .filter(la=la, financial_year=financial_year)
        .first()
    )
    if scheme is not None and not replace:
        raise ValidationError({"financial_year": SCHEME_EXISTS.format(la=la.name, fy=fy)})
    if scheme is not None and scheme.rate_changes.exists():
        # R26/R24: an adopted uplift may already have been paid; money history is superseded,
        # never deleted, so a scheme with dated rate changes is changed rate by rate instead.
        raise ValidationError({"preset": SCHEME_HAS_RATE_CHANGES.format(scheme=scheme.name)})
    reason = _load_reason(spec.key, scheme)
    if scheme is None:
        scheme = FundingScheme(la=la, financial_year=financial_year)
    for attname, value in _scheme_defaults().items():
        setattr(scheme, attname, value)
    scheme.name = f"{spec.title} FY {fy}"
    scheme.preset = spec.key
    scheme.notes = spec.notes_for(fy)
    for name, value in spec.fields.items():
        setattr(scheme, name, value)
    _save(scheme, user, reason)
    for row in [
        *scheme.sen_factors.all(),
        *scheme.hourly_rates.all(),
        *scheme.ta_bands.all(),
    ]:
        _delete(row, user, reason)
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
    for _name, reset in scheme_resets():
        reset(scheme=scheme, preset=spec, user=user, reason=reason)
    scheme_validate(scheme)
    return scheme


# ---- allocation runs -----------------------------------------------------------------------


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def allocation_run_create(
    *,
    financial_year: int,
    kind: str,
    user=None,
    queue: bool = False,
    note: str = "",
    as_at: dt.datetime | None = None,
) -> AllocationRun:
    """Record a run of the year (queued) after checking the scheme; with `queue`, hand it to
    the Celery worker once the transaction commits.

    With `as_at` (a past moment; naive means local time), the run reads every input as it
    stood then, from the history tables; without, it records the moment it starts reading.
    """
    fy = FinancialYear(int(financial_year))
    if kind not in RunKind.values:
        raise ValidationError({"kind": UNKNOWN_KIND})
    as_at = _aware(as_at)
    if as_at is not None and as_at > timezone.now():
        raise ValidationError({"as_at": AS_AT_IN_FUTURE})
    if as_at is None:
        _refuse_if_not_ready(fy)
    scheme = scheme_for(fy)
    if scheme is None:
        raise ValidationError({"financial_year": NO_SCHEME.format(fy=fy)})
    if as_at is None:
        scheme_validate(scheme)
    else:
        try:
            errors = validate_scheme(scheme_rates(scheme, as_at))
        except FundingScheme.DoesNotExist as exc:
            raise ValidationError({"as_at": str(exc)}) from None
        if errors:
            raise ValidationError(errors)
    run = AllocationRun(
        as_at=as_at,
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


def _refuse_if_not_ready(fy: FinancialYear) -> None:
    """Refuse a year the first-run checklist (funding:readiness) says cannot run, in its words:
    no administering LA, no scheme, or term dates missing for either academic year (R7). The
    checklist's other lines are advice; the run reports those gaps as its own warnings. A run
    as at a past moment reads history, so it is not checked against today's data; the engine's
    own term-date refusal (NO_SCHOOL_DAYS, CALENDAR_INCOMPLETE) stays for it."""
    from funding.readiness import run_blockers

    blockers = run_blockers(fy)
    if blockers:
        raise ValidationError({"financial_year": blockers})


def run_allocation(
    *, fy: int, kind: str, user=None, note: str = "", as_at: dt.datetime | None = None
) -> AllocationRun:
    """Create a run of the year and calculate it now, in this process (command, shell); with
    `as_at`, from the data as it stood at that moment."""
    run = allocation_run_create(financial_year=fy, kind=kind, user=user, note=note, as_at=as_at)
    return allocation_run_execute(run_id=run.pk)


def _refuse_if_approved(run: AllocationRun) -> None:
    if run.approved_at is not None:
        raise ValidationError(
            RUN_APPROVED.format(
                run=run.pk,
                user=_person(run.approved_by),
                on=f"{timezone.localtime(run.approved_at):%d %B %Y}",
            )
        )


def _person(user) -> str:
    if user is None:
        return "someone"
    return user.get_full_name() or user.get_username()


@transaction.atomic
def allocation_run_approve(*, run: AllocationRun, user) -> AllocationRun:
    """Approve a completed run: recorded (who, when) in the run's history; from then on the run
    and its lines never change. The person who started the run cannot approve it."""
    run = (
        AllocationRun.objects.select_for_update(of=("self",))
        .select_related("approved_by")
        .get(pk=run.pk)
    )
    approver = _user(user)
    if approver is None:
        raise ValidationError(APPROVE_NEEDS_USER)
    if run.approved_at is not None:
        raise ValidationError(APPROVE_ALREADY.format(run=run.pk))
    if run.status != RunStatus.DONE:
        raise ValidationError(
            APPROVE_NOT_DONE.format(run=run.pk, status=run.get_status_display().lower())
        )
    if run.created_by_id is not None and run.created_by_id == approver.pk:
        raise ValidationError(APPROVE_OWN_RUN.format(run=run.pk))
    run.approved_by = approver
    run.approved_at = timezone.now()
    run._history_user = approver
    run._change_reason = "Approved"
    run.full_clean()
    run.save()
    return run


@transaction.atomic
def allocation_run_note(*, run: AllocationRun, note: str, user=None) -> AllocationRun:
    """Change a run's note (refused once the run is approved)."""
    run = (
        AllocationRun.objects.select_for_update(of=("self",))
        .select_related("approved_by")
        .get(pk=run.pk)
    )
    _refuse_if_approved(run)
    run.note = note
    run._history_user = _user(user)
    run._change_reason = "Note changed"
    run.full_clean()
    run.save()
    return run


@transaction.atomic
def allocation_run_delete(*, run: AllocationRun, user=None) -> None:
    """Delete a run that never completed (failed); a completed or approved run is a record of
    the money and is refused."""
    run = (
        AllocationRun.objects.select_for_update(of=("self",))
        .select_related("approved_by")
        .get(pk=run.pk)
    )
    _refuse_if_approved(run)
    if run.status == RunStatus.DONE:
        raise ValidationError(DELETE_DONE_RUN.format(run=run.pk))
    if run.is_active:
        raise ValidationError(RUN_IN_PROGRESS.format(fy=run.fy))
    run._history_user = _user(user)
    run._change_reason = "Deleted"
    run.delete()


@transaction.atomic
def allocation_run_abandon(*, run: AllocationRun, user=None, reason: str = "") -> AllocationRun:
    """Mark a stuck queued/running run as failed so the year can be run again."""
    run = (
        AllocationRun.objects.select_for_update(of=("self",))
        .select_related("approved_by")
        .get(pk=run.pk)
    )
    _refuse_if_approved(run)
    if not run.is_active:
        return run
    run.status = RunStatus.FAILED
    run.error = reason or "Abandoned by an officer."
    run.finished_at = timezone.now()
    run._history_user = _user(user)
    run._change_reason = "Abandoned"
    run.save()
    return run

"""Writes for an LA's own changes to a funding scheme and its rate tables (the scheme pages).

Every change needs a reason; the row's history (django-simple-history) keeps who, when, the
reason and the figures before and after, so a later run "as at" a moment reads the scheme as it
stood then. Loading a preset and copying a scheme stay in `funding.services`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction

from funding.models import FundingScheme, HourlyRate, NotionalSenFactor, TaHoursBand

REASON_REQUIRED = "Enter why the scheme is changing (it is kept in the scheme's history)"
NOTHING_CHANGED = "Nothing was changed: every figure is as it was."
NOT_THIS_SCHEME = "That rate does not belong to this scheme."
NEEDS_USER = "A scheme change needs a signed-in person, recorded in its history."
#: simple-history keeps at most 100 characters of a reason.
REASON_MAX = 100


def _check(user, reason: str) -> str:
    if not getattr(user, "is_authenticated", False):
        raise ValidationError(NEEDS_USER)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    return reason[:REASON_MAX]


def _update(instance: models.Model, *, values: dict, user, reason: str) -> models.Model:
    """Set `values` on `instance`, validate and save it with who and why in its history."""
    reason = _check(user, reason)
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        raise ValidationError(NOTHING_CHANGED)
    for name in changed:
        setattr(instance, name, values[name])
    instance.full_clean()
    instance._history_user = user
    instance._change_reason = reason
    instance.save()
    return instance


@transaction.atomic
def scheme_update(*, scheme: FundingScheme, values: dict, user, reason: str) -> FundingScheme:
    """Change some of a scheme's own figures or switches (one group of the scheme page)."""
    scheme = FundingScheme.objects.select_for_update().get(pk=scheme.pk)
    unknown = set(values) - {
        f.name for f in FundingScheme._meta.concrete_fields if f.editable and not f.primary_key
    }
    if unknown or {"la", "financial_year"} & set(values):
        raise ValidationError(f"These are not figures of a scheme: {', '.join(sorted(values))}")
    return _update(scheme, values=values, user=user, reason=reason)


def _row_update(model, row, *, scheme: FundingScheme, values: dict, user, reason: str):
    row = model.objects.select_for_update().get(pk=row.pk)
    if row.scheme_id != scheme.pk:
        raise ValidationError(NOT_THIS_SCHEME)
    if "scheme" in values:
        raise ValidationError(NOT_THIS_SCHEME)
    return _update(row, values=values, user=user, reason=reason)


@transaction.atomic
def hourly_rate_update(
    *, scheme: FundingScheme, rate: HourlyRate, values: dict, user, reason: str
) -> HourlyRate:
    """Change an hourly rate (R5, R6): the rate, weeks a year, delegated or retained."""
    return _row_update(HourlyRate, rate, scheme=scheme, values=values, user=user, reason=reason)


@transaction.atomic
def ta_band_update(
    *, scheme: FundingScheme, band: TaHoursBand, values: dict, user, reason: str
) -> TaHoursBand:
    """Change a band of TA hours (R5, Surrey): where it starts, its amounts, its rate."""
    return _row_update(TaHoursBand, band, scheme=scheme, values=values, user=user, reason=reason)


@transaction.atomic
def sen_factor_update(
    *, scheme: FundingScheme, factor: NotionalSenFactor, values: dict, user, reason: str
) -> NotionalSenFactor:
    """Change a notional SEN factor (R2): its weight and rate per pupil."""
    return _row_update(
        NotionalSenFactor, factor, scheme=scheme, values=values, user=user, reason=reason
    )

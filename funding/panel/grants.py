"""What a SEN Panel decision grants: its checks and how an approval takes effect (R5, R9, R12).

`_check_grant` gives friendly, field-named messages for what the outcome and the case kind
require (and the ENF ground and its limit, R9: `enf_ground_error`, `enf_check_limit`, also used
for cases). `_take_effect` makes an approved grant real through the pupil services - a support
level or band (`support_change`, or `plan_issue` when the pupil has no plan) or a personal
supplement / ENF `FundingItem` - and links what it created to the decision. Moved out of
`funding.panel.services` (whose `decision_record` calls these); every name here is still
importable from there.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from funding.panel import selectors
from funding.panel.enf import ENF_GROUND_REQUIRED, enf_limit_error
from funding.panel.models import (
    CaseKind,
    Outcome,
    PanelDecision,
    change_reason_for,
)
from pupils import services as pupil_services
from pupils.models import (
    FundingItem,
    FundingItemKind,
    Plan,
    SupportLevel,
)

EFFECTIVE_FROM_REQUIRED = "Enter the date the decision takes effect."
END_DATE_REQUIRED = "Enter the last day of the {kind}: it is funded for a fixed period."
SUPPORT_HAS_NO_END_DATE = (
    "Support set by the panel lasts until the plan is reviewed or changed: "
    "leave the end date empty."
)
AMOUNT_REQUIRED = "Enter the annual amount granted."
AMOUNT_ONLY = "A {kind} grants an annual amount only: clear the hours and band."
BAND_REQUIRED = "Enter the band granted (1 to 5)."
BAND_ONLY = "A band change grants a band only: clear the hours and amount."
GRANT_REQUIRED = "Enter what is granted: hours of LSA, LST or TA, a band or an amount."
NOTHING_GRANTED_WHEN_REFUSED = (
    "A {outcome} case is granted nothing: clear the hours, band, amount and dates."
)
APPROVED_DIFFERS_FROM_ASK = (
    "What is granted differs from what was asked: record the outcome as 'approved with changes'."
)
CHANGES_SAME_AS_ASK = "What is granted is what was asked: record the outcome as 'approved'."
NO_PLAN_FOR_BAND_CHANGE = (
    "{pupil} has no plan in force on {date:%d %B %Y}: a band change needs one."
)
ENF_GROUND_ONLY = "Only exceptional needs funding has a ground: leave the ENF ground empty."

_FUNDING_ITEM_KIND = {
    CaseKind.PERSONAL_SUPPLEMENT: FundingItemKind.PERSONAL_SUPPLEMENT,
    CaseKind.ENF: FundingItemKind.ENF,
}


def enf_ground_error(kind: str, ground: str) -> str | None:
    """R9: ENF names its ground; nothing else has one."""
    if kind == CaseKind.ENF and not ground:
        return ENF_GROUND_REQUIRED
    if kind != CaseKind.ENF and ground:
        return ENF_GROUND_ONLY
    return None


def enf_check_limit(ground: str, starts_on, ends_on, field: str) -> None:
    """R9+: refuse ENF on `ground` that ends after that ground's limit in the year's scheme."""
    if starts_on is None or ends_on is None:
        return
    limit = selectors.enf_limit_for(ground, starts_on)
    message = enf_limit_error(ground, starts_on, ends_on, limit)
    if message:
        raise ValidationError({field: message})


def _grant(obj, prefix: str) -> tuple:
    """Hours, band, amount and (ENF) ground: what is asked for or granted."""
    return (
        *(
            getattr(obj, f"{prefix}_{name}")
            for name in ("lsa_hours", "lst_hours", "ta_hours", "band", "amount")
        ),
        obj.enf_ground,
    )


def _check_grant(decision: PanelDecision) -> None:
    """Friendly, field-named messages for what the outcome and the case kind require."""
    case = decision.case
    granted = _grant(decision, "granted")
    if not decision.is_approval:
        if (
            any(v is not None for v in granted[:5])
            or decision.enf_ground
            or decision.effective_from
            or decision.end_date
        ):
            raise ValidationError(
                NOTHING_GRANTED_WHEN_REFUSED.format(outcome=decision.get_outcome_display().lower())
            )
        return
    errors: dict[str, str] = {}
    if decision.effective_from is None:
        errors["effective_from"] = EFFECTIVE_FROM_REQUIRED
    hours_or_band = granted[:4]
    if case.kind in CaseKind.funding_item_kinds():
        kind_label = case.get_kind_display().lower()
        if decision.granted_amount is None:
            errors["granted_amount"] = AMOUNT_REQUIRED
        if any(v is not None for v in hours_or_band):
            errors["granted_band"] = AMOUNT_ONLY.format(kind=kind_label)
        if decision.end_date is None:
            errors["end_date"] = END_DATE_REQUIRED.format(kind=kind_label)
    else:
        if decision.end_date is not None:
            errors["end_date"] = SUPPORT_HAS_NO_END_DATE
        if case.kind == CaseKind.BAND_CHANGE:
            if decision.granted_band is None:
                errors["granted_band"] = BAND_REQUIRED
            elif any(v is not None for v in (*granted[:3], granted[4])):
                errors["granted_band"] = BAND_ONLY
        elif all(v is None for v in granted[:5]):
            errors["granted_lsa_hours"] = GRANT_REQUIRED
    if message := enf_ground_error(case.kind, decision.enf_ground):
        errors["enf_ground"] = message
    if errors:
        raise ValidationError(errors)
    if case.kind == CaseKind.ENF:
        enf_check_limit(decision.enf_ground, decision.effective_from, decision.end_date, "end_date")
    same_as_asked = granted == _grant(case, "requested")
    if decision.outcome == Outcome.APPROVED and not same_as_asked:
        raise ValidationError({"outcome": APPROVED_DIFFERS_FROM_ASK})
    if decision.outcome == Outcome.APPROVED_WITH_CHANGES and same_as_asked:
        raise ValidationError({"outcome": CHANGES_SAME_AS_ASK})


def _take_effect(decision: PanelDecision, user) -> None:
    """Make the approved grant real through the pupil services; link what it created."""
    case = decision.case
    reason = change_reason_for(case, decision.meeting)
    if case.kind in CaseKind.funding_item_kinds():
        decision.funding_item = _funding_item_create(decision, user, reason)
        return
    pupil = case.pupil
    on = decision.effective_from
    plan = Plan.objects.filter(pupil=pupil, issued_on__lte=on).exclude(ceased_on__lt=on).first()
    if plan is None and case.kind == CaseKind.BAND_CHANGE:
        raise ValidationError(
            {"effective_from": NO_PLAN_FOR_BAND_CHANGE.format(pupil=pupil, date=on)}
        )
    if plan is None:
        with _errors_as({"issued_on": "effective_from"}):
            plan = pupil_services.plan_issue(
                pupil=pupil,
                issued_on=on,
                support=_support_for(decision, current=None),
                user=user,
                reason=reason,
            )
        decision.plan = plan
        decision.support_level = plan.support_levels.get()
        return
    current = (
        SupportLevel.objects.filter(plan=plan, effective_from__lte=on)
        .exclude(effective_to__lt=on)
        .first()
    )
    decision.support_level = pupil_services.support_change(
        plan=plan,
        effective_from=on,
        support=_support_for(decision, current=current),
        user=user,
        reason=reason,
    )
    decision.previous_support_level = current


def _support_for(decision: PanelDecision, current: SupportLevel | None):
    """The new support level.

    A band change keeps the current hours and resource amount and replaces the band. A new
    top-up or a special school / SSC place sets the support to exactly what is granted.
    """
    if decision.case.kind == CaseKind.BAND_CHANGE and current is not None:
        return pupil_services.SupportHours(
            lsa_hours=current.lsa_hours,
            lst_hours=current.lst_hours,
            ta_hours=current.ta_hours,
            band=decision.granted_band,
            resource_amount=current.resource_amount,
        )
    zero = Decimal("0")
    return pupil_services.SupportHours(
        lsa_hours=decision.granted_lsa_hours if decision.granted_lsa_hours is not None else zero,
        lst_hours=decision.granted_lst_hours if decision.granted_lst_hours is not None else zero,
        ta_hours=decision.granted_ta_hours if decision.granted_ta_hours is not None else zero,
        band=decision.granted_band,
        resource_amount=decision.granted_amount,
    )


def _funding_item_create(decision: PanelDecision, user, reason: str) -> FundingItem:
    case = decision.case
    item = FundingItem(
        pupil=case.pupil,
        school=case.school,
        kind=_FUNDING_ITEM_KIND[case.kind],
        annual_amount=decision.granted_amount,
        starts_on=decision.effective_from,
        ends_on=decision.end_date,
        recorded_by=user,
        reason=reason,
    )
    item._history_user = user
    item._change_reason = reason
    with _errors_as({"starts_on": "effective_from", "ends_on": "end_date"}):
        item.full_clean()
    item.save()
    return item


class _errors_as:
    """Re-raise a pupil service's ValidationError with the decision's field names."""

    def __init__(self, renames: dict[str, str]):
        self.renames = renames

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None or not issubclass(exc_type, ValidationError):
            return False
        if not hasattr(exc, "error_dict"):
            return False
        renamed = {self.renames.get(k, k): v for k, v in exc.error_dict.items()}
        raise ValidationError(renamed) from exc

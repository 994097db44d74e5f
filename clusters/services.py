"""Writes for clusters: the pot (R18), the annual framework of meetings, the request -> review ->
impact cycle (R19) and the central auxiliary aids fund (seed 001 FAQ 10). The meetings' writes
live in `clusters.meeting_services` and are re-exported here.

One function per use case, keyword-only, in a transaction; each checks the acting user may do
it, `full_clean()`s for a friendly message, and records who did it (the row's own fields and
django-simple-history's `history_user`). Messages are module constants so tests can assert the
exact text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clusters import selectors
from clusters.meeting_services import (  # noqa: F401 (re-exported: the meetings' writes)
    EXEMPLAR_AGENDAS,
    FRAMEWORK_EXISTS,
    NOT_MEETINGS,
    meeting_framework_create,
    meeting_update,
)
from clusters.models import (
    ApplicationStatus,
    AuxiliaryAidsApplication,
    AuxiliaryAidsFund,
    Cluster,
    ClusterMeeting,
    ClusterPot,
    ClusterRequest,
    Decision,
    MeetingStatus,
    PsfProtectedAmount,
    RequestStatus,
)
from clusters.saving import _save, _user
from funding.calculations.money import gbp
from funding.models import FundingScheme
from pupils.models import Placement, Pupil
from schools.dates import FinancialYear
from schools.models import School
from schools.roles import is_la_officer

NO_SCHEME = "There is no funding scheme for FY {fy}: load or copy one first."
NOT_LA_OFFICER = "Only an LA officer can do this."
NOT_HOST = "Only the cluster's host can review requests."
NOT_MEMBER = "{school} is not a member of {cluster} on {date:%-d %B %Y}."
NOT_YOUR_SCHOOL = "You can only ask for your own school."
PUPIL_NOT_ON_ROLL = "This pupil is not on roll at {school} on {date:%-d %B %Y}."
PERIOD_TOO_LONG = "The period can be at most one year: end it by {date:%-d %B %Y}."
NOT_AWAITING_REVIEW = "This request has already been reviewed or withdrawn."
MEETING_OTHER_CLUSTER = "Choose one of this cluster's meetings."
MEETING_NOT_HELD_YET = "The meeting on {date:%-d %B %Y} has not taken place yet."
MEETING_BEFORE_REQUEST = (
    "The meeting on {date:%-d %B %Y} was before the request was made on {asked:%-d %B %Y}: "
    "choose a meeting on or after that day."
)
MEETING_CANCELLED = "That meeting was cancelled: choose the meeting that reviewed the request."
CHOOSE_DECISION = "Choose approved, approved with a different amount, or declined."
SAME_AMOUNT = "That is the amount asked for: choose 'Approved' instead."
DIFFERENT_AMOUNT_NEEDED = "Enter the different amount approved."
REASONS_NEEDED = "Give the reasons for the decision."
OVER_BUDGET = (
    "Approving {amount} would leave the cluster {short} short for FY {fy}: {remaining} of its "
    "{share} share is left."
)
NOT_AWAITING_IMPACT = "Impact is recorded once, for an approved request."
IMPACT_TOO_EARLY = "Record impact at the end of the period (from {date:%-d %B %Y})."
SPENT_MORE_THAN_APPROVED = "The amount spent cannot be more than the {amount} approved."
NOT_YOURS = "Only the school that asked, or the cluster's host, can do this."
CANNOT_WITHDRAW = "Only a request awaiting review can be withdrawn."
APPLICATION_DECIDED = "This application has already been decided."
OVER_FUND = "Approving {amount} would overspend the fund: {balance} is left of {budget}."
APPLICATION_AMOUNT_NEEDED = "Enter the amount approved, more than £0."
NO_FUND = "There is no auxiliary aids fund for FY {fy}."

MAX_PERIOD = dt.timedelta(days=366)


def _require_la_officer(user) -> None:
    if not is_la_officer(user):
        raise PermissionDenied(NOT_LA_OFFICER)


# ---- PSF protected amounts (R15+) -----------------------------------------------------------


@transaction.atomic
def psf_protected_amount_record(
    *,
    pupil: Pupil,
    annual_amount: Decimal,
    source: str,
    note: str = "",
    user=None,
    reason: str = "",
) -> PsfProtectedAmount:
    """Record (or correct) a PSF-protected pupil's protected historical amount a year, with where
    it comes from; the history keeps every earlier figure, who changed it and when."""
    _require_la_officer(user)
    found = PsfProtectedAmount.objects.select_for_update().filter(pupil=pupil).first()
    row = found or PsfProtectedAmount(pupil=pupil)
    row.annual_amount = annual_amount
    row.source = source
    row.note = note
    row.recorded_by = _user(user)
    _save(row, user, reason or ("Protected amount corrected" if found else "Protected amount"))
    return row


# ---- the pot (R18) ---------------------------------------------------------------------------


@transaction.atomic
def cluster_pot_save(
    *,
    financial_year: int,
    base_amount: Decimal,
    fixed_sum_per_school: Decimal,
    psf_released: Decimal | None = None,
    roll_includes_nursery: bool = False,
    roll_includes_sixth_form: bool = False,
    census_on: dt.date | None = None,
    members_on: dt.date | None = None,
    notes: str = "",
    user=None,
) -> ClusterPot:
    """Set the year's cluster pot. Without `psf_released`, the PSF forecast's figure is used.

    Refused if the fixed sums alone are more than the pot.
    """
    _require_la_officer(user)
    fy = FinancialYear(int(financial_year))
    scheme = FundingScheme.objects.filter(
        la__is_administering=True, financial_year=fy.start_year
    ).first()
    if scheme is None:
        raise ValidationError({"financial_year": NO_SCHEME.format(fy=fy)})
    pot = ClusterPot.objects.select_for_update().filter(scheme=scheme).first() or ClusterPot(
        scheme=scheme
    )
    if psf_released is None:
        psf_released, note = selectors.psf_released_estimate(fy)
    elif pot.pk and psf_released == pot.psf_released:
        note = pot.psf_released_note  # unchanged: keep how it was worked out
    else:
        note = "Entered by an LA officer."
    pot.base_amount = base_amount
    pot.psf_released = psf_released
    pot.psf_released_note = note[:300]
    pot.fixed_sum_per_school = fixed_sum_per_school
    pot.roll_includes_nursery = roll_includes_nursery
    pot.roll_includes_sixth_form = roll_includes_sixth_form
    pot.census_on = census_on
    pot.members_on = members_on
    pot.notes = notes
    pot.full_clean()
    division = selectors.division(pot)
    if division.shares is None:
        raise ValidationError({"fixed_sum_per_school": division.error})
    _save(pot, user, f"Cluster pot FY {fy} set")
    return pot


# ---- requests: request -> review -> impact (R19) ---------------------------------------------


def _is_member(cluster: Cluster, school: School, on: dt.date) -> bool:
    return cluster.memberships.filter(selectors.in_force(on), school=school).exists()


def _on_roll(pupil: Pupil, school: School, on: dt.date) -> bool:
    return Placement.objects.filter(selectors.in_force(on), pupil=pupil, school=school).exists()


@transaction.atomic
def request_submit(
    *,
    cluster: Cluster,
    school: School,
    category: str,
    for_whom: str,
    need: str,
    provision: str,
    intended_outcomes: str,
    amount_requested: Decimal,
    starts_on: dt.date,
    ends_on: dt.date,
    pupil: Pupil | None = None,
    user=None,
) -> ClusterRequest:
    """A member school asks its cluster for support-for-learning money for a pupil or group."""
    today = timezone.localdate()
    access = selectors.cluster_access(user, cluster, today)
    if not access.can_request:
        raise PermissionDenied(NOT_YOUR_SCHOOL)
    if not access.is_host and school.pk not in access.senco_schools:
        raise ValidationError({"school": NOT_YOUR_SCHOOL})
    if not _is_member(cluster, school, today):
        raise ValidationError(
            {"school": NOT_MEMBER.format(school=school.name, cluster=cluster.name, date=today)}
        )
    if ends_on >= starts_on and ends_on - starts_on >= MAX_PERIOD:
        latest = starts_on.replace(year=starts_on.year + 1) - dt.timedelta(days=1)
        raise ValidationError({"ends_on": PERIOD_TOO_LONG.format(date=latest)})
    if pupil is not None and not (
        _on_roll(pupil, school, today) or _on_roll(pupil, school, starts_on)
    ):
        raise ValidationError({"pupil": PUPIL_NOT_ON_ROLL.format(school=school.name, date=today)})
    request = ClusterRequest(
        cluster=cluster,
        school=school,
        category=category,
        pupil=pupil,
        for_whom=for_whom.strip(),
        need=need.strip(),
        provision=provision.strip(),
        intended_outcomes=intended_outcomes.strip(),
        amount_requested=amount_requested,
        starts_on=starts_on,
        ends_on=ends_on,
        financial_year=FinancialYear.of(starts_on).start_year,
        status=RequestStatus.SUBMITTED,
        submitted_by=user,
        submitted_at=timezone.now(),
    )
    _save(request, user, "Request submitted")
    return request


@transaction.atomic
def request_review(
    *,
    request: ClusterRequest,
    meeting: ClusterMeeting,
    decision: str,
    reasons: str,
    amount_approved: Decimal | None = None,
    user=None,
) -> ClusterRequest:
    """The cluster's decision at a meeting: approved (as asked), approved with a different
    amount, or declined, with reasons. An approval may not overspend the cluster's share."""
    cluster = Cluster.objects.select_for_update().get(pk=request.cluster_id)
    request = ClusterRequest.objects.select_for_update().get(pk=request.pk)
    if not selectors.cluster_access(user, cluster).can_review:
        raise PermissionDenied(NOT_HOST)
    if request.status != RequestStatus.SUBMITTED:
        raise ValidationError(NOT_AWAITING_REVIEW)
    if meeting.cluster_id != cluster.pk:
        raise ValidationError({"meeting": MEETING_OTHER_CLUSTER})
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"meeting": MEETING_CANCELLED})
    if meeting.date > timezone.localdate():
        raise ValidationError({"meeting": MEETING_NOT_HELD_YET.format(date=meeting.date)})
    if meeting.date < timezone.localtime(request.submitted_at).date():
        raise ValidationError(
            {
                "meeting": MEETING_BEFORE_REQUEST.format(
                    date=meeting.date, asked=timezone.localtime(request.submitted_at).date()
                )
            }
        )
    if not reasons.strip():
        raise ValidationError({"reasons": REASONS_NEEDED})
    if decision == Decision.APPROVED:
        amount = request.amount_requested
    elif decision == Decision.APPROVED_DIFFERENT_AMOUNT:
        if amount_approved is None or amount_approved <= 0:
            raise ValidationError({"amount_approved": DIFFERENT_AMOUNT_NEEDED})
        if amount_approved == request.amount_requested:
            raise ValidationError({"amount_approved": SAME_AMOUNT})
        amount = amount_approved
    elif decision == Decision.DECLINED:
        amount = None
    else:
        raise ValidationError({"decision": CHOOSE_DECISION})
    if amount is not None:
        budget = selectors.cluster_budget(cluster, request.fy)
        if amount > budget.remaining:
            raise ValidationError(
                {
                    "amount_approved"
                    if decision == Decision.APPROVED_DIFFERENT_AMOUNT
                    else "decision": OVER_BUDGET.format(
                        amount=gbp(amount),
                        short=gbp(amount - budget.remaining),
                        fy=request.fy,
                        remaining=gbp(max(budget.remaining, Decimal("0"))),
                        share=gbp(budget.share),
                    )
                }
            )
    request.meeting = meeting
    request.decision = decision
    request.amount_approved = amount
    request.review_reasons = reasons.strip()
    request.reviewed_by = user
    request.reviewed_at = timezone.now()
    request.status = RequestStatus.DECLINED if amount is None else RequestStatus.APPROVED
    _save(request, user, f"Reviewed: {Decision(decision).label}")
    return request


def _can_act_for(user, request: ClusterRequest) -> bool:
    access = selectors.cluster_access(user, request.cluster)
    return access.is_host or request.school_id in access.senco_schools


@transaction.atomic
def request_record_impact(
    *,
    request: ClusterRequest,
    outcomes: str,
    impact_rating: str,
    amount_spent: Decimal,
    user=None,
) -> ClusterRequest:
    """At the end of the period: outcomes against what was intended, and the amount spent
    (any underspend returns to the cluster's pot)."""
    request = (
        ClusterRequest.objects.select_for_update().select_related("cluster").get(pk=request.pk)
    )
    if not _can_act_for(user, request):
        raise PermissionDenied(NOT_YOURS)
    if request.status != RequestStatus.APPROVED:
        raise ValidationError(NOT_AWAITING_IMPACT)
    # The period's last four weeks: impact is recorded at (or after) the end of the period.
    if not request.impact_open(timezone.localdate()):
        raise ValidationError({"outcomes": IMPACT_TOO_EARLY.format(date=request.impact_opens_on)})
    if amount_spent > request.amount_approved:
        raise ValidationError(
            {"amount_spent": SPENT_MORE_THAN_APPROVED.format(amount=gbp(request.amount_approved))}
        )
    request.outcomes = outcomes.strip()
    request.impact_rating = impact_rating
    request.amount_spent = amount_spent
    request.impact_recorded_by = user
    request.impact_recorded_at = timezone.now()
    request.status = RequestStatus.IMPACT_RECORDED
    _save(request, user, "Impact recorded")
    return request


@transaction.atomic
def request_withdraw(*, request: ClusterRequest, user=None, reason: str = "") -> ClusterRequest:
    request = (
        ClusterRequest.objects.select_for_update().select_related("cluster").get(pk=request.pk)
    )
    if not _can_act_for(user, request):
        raise PermissionDenied(NOT_YOURS)
    if request.status != RequestStatus.SUBMITTED:
        raise ValidationError(CANNOT_WITHDRAW)
    request.status = RequestStatus.WITHDRAWN
    _save(request, user, reason or "Withdrawn")
    return request


# ---- the auxiliary aids fund (FAQ 10) ------------------------------------------------------


@transaction.atomic
def aux_fund_save(
    *, financial_year: int, budget: Decimal, notes: str = "", user=None
) -> AuxiliaryAidsFund:
    _require_la_officer(user)
    fund = AuxiliaryAidsFund.objects.select_for_update().filter(
        financial_year=financial_year
    ).first() or AuxiliaryAidsFund(financial_year=financial_year)
    fund.budget = budget
    fund.notes = notes
    if fund.pk:
        approved = selectors.fund_balance(fund).approved
        if budget < approved:
            raise ValidationError(
                {"budget": f"{gbp(approved)} is already approved from this fund."}
            )
    _save(fund, user, "Fund budget set")
    return fund


@transaction.atomic
def aux_application_submit(
    *,
    fund: AuxiliaryAidsFund,
    school: School,
    child: str,
    adaptation: str,
    amount_requested: Decimal,
    pupil: Pupil | None = None,
    user=None,
) -> AuxiliaryAidsApplication:
    """A school (its SENCO, or an LA officer for it) applies for a building adaptation."""
    if not is_la_officer(user) and school.pk not in selectors.senco_school_ids(user):
        raise PermissionDenied(NOT_YOUR_SCHOOL)
    today = timezone.localdate()
    if pupil is not None and not _on_roll(pupil, school, today):
        raise ValidationError({"pupil": PUPIL_NOT_ON_ROLL.format(school=school.name, date=today)})
    application = AuxiliaryAidsApplication(
        fund=fund,
        school=school,
        pupil=pupil,
        child=child.strip(),
        adaptation=adaptation.strip(),
        amount_requested=amount_requested,
        submitted_by=user,
        submitted_at=timezone.now(),
    )
    _save(application, user, "Application submitted")
    return application


@transaction.atomic
def aux_application_decide(
    *,
    application: AuxiliaryAidsApplication,
    approve: bool,
    reasons: str,
    amount_approved: Decimal | None = None,
    user=None,
) -> AuxiliaryAidsApplication:
    """An LA officer approves (an amount, within the fund's balance) or declines."""
    _require_la_officer(user)
    fund = AuxiliaryAidsFund.objects.select_for_update().get(pk=application.fund_id)
    application = AuxiliaryAidsApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError(APPLICATION_DECIDED)
    if approve:
        amount = amount_approved if amount_approved is not None else application.amount_requested
        if amount <= 0:
            raise ValidationError({"amount_approved": APPLICATION_AMOUNT_NEEDED})
        balance = selectors.fund_balance(fund)
        if amount > balance.balance:
            raise ValidationError(
                {
                    "amount_approved": OVER_FUND.format(
                        amount=gbp(amount), balance=gbp(balance.balance), budget=gbp(fund.budget)
                    )
                }
            )
        application.status = ApplicationStatus.APPROVED
        application.amount_approved = amount
    else:
        if not reasons.strip():
            raise ValidationError({"reasons": REASONS_NEEDED})
        application.status = ApplicationStatus.DECLINED
        application.amount_approved = None
    application.decision_reasons = reasons.strip()
    application.decided_by = user
    application.decided_at = timezone.now()
    _save(application, user, "Approved" if approve else "Declined")
    return application

"""Writes for the SEN Panel: cases, decisions, deferrals (R5, R9, R12).

LA officers prepare cases (`case_submit`, `case_update`). Only SEN Panel members record a meeting's
attendance (`meeting_record_attendance`) and decide (`decision_record`, `case_approve_as_requested`,
`case_defer_to_next_meeting`), and only at a meeting marked held with members present: the role and
the meeting are checked here, not only in the pages. An approval takes effect through the pupil
services in the same transaction - a support level or band from the effective date
(`support_change`, or `plan_issue` for a new top-up when the pupil has no plan) or a personal
supplement / ENF `FundingItem` for its period - so the next allocation run funds it pro rata (R7).
Every row written records the acting user for django-simple-history, and the rows a decision changes
carry `change_reason_for(case, meeting)` so the audit page can name the decision behind each change.
What a decision grants - its checks and how an approval takes effect - is in
`funding.panel.grants`, imported here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from funding.panel import selectors
from funding.panel.enf import default_end
from funding.panel.grants import (  # noqa: F401 - its messages, importable here as before
    AMOUNT_ONLY,
    AMOUNT_REQUIRED,
    APPROVED_DIFFERS_FROM_ASK,
    BAND_ONLY,
    BAND_REQUIRED,
    CHANGES_SAME_AS_ASK,
    EFFECTIVE_FROM_REQUIRED,
    END_DATE_REQUIRED,
    ENF_GROUND_ONLY,
    GRANT_REQUIRED,
    NO_PLAN_FOR_BAND_CHANGE,
    NOTHING_GRANTED_WHEN_REFUSED,
    SUPPORT_HAS_NO_END_DATE,
    _check_grant,
    _take_effect,
    enf_check_limit,
    enf_ground_error,
)
from funding.panel.models import (
    CaseKind,
    CaseStatus,
    MeetingStatus,
    Outcome,
    PanelCase,
    PanelDecision,
    PanelMeeting,
    change_reason_for,
)
from pupils.models import (
    Placement,
    PlacementKind,
    Pupil,
)
from schools.dates import AcademicYear
from schools.models import EstablishmentType, School
from schools.roles import is_la_officer, is_panel_member

ONLY_LA_OFFICERS_SUBMIT = "Only LA officers prepare cases for the SEN Panel."
ONLY_OFFICERS_OR_PANEL_CHANGE = "Only LA officers and SEN Panel members may change a panel case."
ONLY_PANEL_MEMBERS_DECIDE = "Only SEN Panel members may record the panel's decisions."
CASE_DECIDED = "This case has been decided ({status}): it cannot be changed or decided again."
CASE_NOT_LISTED = "List this case at a panel meeting before recording a decision."
MEETING_CLOSED = (
    "The meeting on {date:%d %B %Y} is closed (its minutes are agreed): choose another meeting."
)
MEETING_NOT_YET_HELD = (
    "The meeting on {date:%d %B %Y} has not taken place yet: decisions are recorded at or "
    "after the meeting."
)
MEETING_NOT_MARKED_HELD = (
    "The meeting on {date:%d %B %Y} is not marked as held: record who attended and mark it "
    "held before recording decisions."
)
NO_MEMBERS_PRESENT = (
    "No SEN Panel members are recorded as present at the meeting on {date:%d %B %Y}: record "
    "who attended before recording decisions."
)
ONLY_PANEL_MEMBERS_ATTENDANCE = "Only SEN Panel members may record a meeting's attendance."
ATTENDEES_MUST_BE_MEMBERS = "Only SEN Panel members can be recorded as present: {names}."
HELD_NEEDS_MEMBERS = "Select the SEN Panel members present before marking the meeting as held."
HELD_NOT_BEFORE_DATE = (
    "The meeting on {date:%d %B %Y} has not taken place yet: mark it held on or after that day."
)
DECIDED_MEETING_STAYS_HELD = (
    "Decisions have been recorded at this meeting: it stays held, with members present."
)
NO_NEXT_MEETING = (
    "There is no scheduled panel meeting after {date:%d %B %Y}: add the next meeting first."
)
DEFER_TO_LATER_MEETING = "Defer the case to a scheduled meeting after {date:%d %B %Y}."
USE_DEFER = "To defer a case, use 'defer to next meeting'."
PUPIL_NOT_AT_SCHOOL = "{pupil} is not on roll at {school} on {date:%d %B %Y}."
ENF_ONLY_SPECIALIST = (
    "Exceptional needs funding is for pupils in special schools and SSCs (R9): {pupil} does not "
    "have a special school or SSC place at {school} on {date:%d %B %Y}."
)
DEFAULT_APPROVAL_REASONS = "Approved as requested."
DEFAULT_DEFERRAL_REASONS = "Deferred to the next meeting for more information."

ONE_DAY = dt.timedelta(days=1)
_CASE_FIELDS = (
    "meeting",
    "school",
    "kind",
    "requested_lsa_hours",
    "requested_lst_hours",
    "requested_ta_hours",
    "requested_band",
    "requested_amount",
    "requested_from",
    "requested_until",
    "enf_ground",
    "evidence_summary",
)


# --- cases -------------------------------------------------------------------------------------


@transaction.atomic
def case_submit(
    *,
    user,
    pupil: Pupil,
    school: School,
    kind: str,
    evidence_summary: str,
    meeting: PanelMeeting | None = None,
    requested_lsa_hours: Decimal | None = None,
    requested_lst_hours: Decimal | None = None,
    requested_ta_hours: Decimal | None = None,
    requested_band: int | None = None,
    requested_amount: Decimal | None = None,
    requested_from: dt.date | None = None,
    requested_until: dt.date | None = None,
    enf_ground: str = "",
) -> PanelCase:
    """An LA officer puts a school's request to the panel, optionally listing it at a meeting."""
    if not is_la_officer(user):
        raise PermissionDenied(ONLY_LA_OFFICERS_SUBMIT)
    case = PanelCase(
        meeting=meeting,
        pupil=pupil,
        school=school,
        kind=kind,
        requested_lsa_hours=requested_lsa_hours,
        requested_lst_hours=requested_lst_hours,
        requested_ta_hours=requested_ta_hours,
        requested_band=requested_band,
        requested_amount=requested_amount,
        requested_from=requested_from,
        requested_until=requested_until,
        enf_ground=enf_ground,
        evidence_summary=evidence_summary.strip(),
        submitted_by=user,
        status=CaseStatus.SUBMITTED,
    )
    case_check(case)
    case._history_user = user
    case.full_clean()
    case.save()
    return case


@transaction.atomic
def case_update(*, case: PanelCase, user, **changes) -> PanelCase:
    """Correct an open case or list it at a meeting. Decided cases are a record: refused."""
    if not (is_la_officer(user) or is_panel_member(user)):
        raise PermissionDenied(ONLY_OFFICERS_OR_PANEL_CHANGE)
    unknown = set(changes) - set(_CASE_FIELDS)
    if unknown:
        raise TypeError(f"case_update() cannot change {', '.join(sorted(unknown))}")
    case = PanelCase.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise ValidationError(CASE_DECIDED.format(status=case.get_status_display().lower()))
    for name, value in changes.items():
        setattr(case, name, value.strip() if name == "evidence_summary" else value)
    case_check(case)
    case._history_user = user
    case.full_clean()
    case.save()
    return case


def case_check(case: PanelCase) -> None:
    """The checks beyond the model's: an open meeting, the pupil on roll there, R9 for ENF."""
    if case.meeting is not None and case.meeting.status == MeetingStatus.CLOSED:
        raise ValidationError({"meeting": MEETING_CLOSED.format(date=case.meeting.date)})
    if message := enf_ground_error(case.kind, case.enf_ground):
        raise ValidationError({"enf_ground": message})
    if case.kind == CaseKind.ENF:
        enf_check_limit(
            case.enf_ground, case.requested_from, case.requested_until, "requested_until"
        )
    if case.kind == CaseKind.SPECIALIST_PLACE or not (case.pupil_id and case.school_id):
        return  # a place is asked at a school the pupil is not at yet
    on = case.requested_from or timezone.localdate()
    placement = (
        Placement.objects.filter(pupil=case.pupil, school=case.school, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .first()
    )
    if placement is None:
        raise ValidationError(
            {"school": PUPIL_NOT_AT_SCHOOL.format(pupil=case.pupil, school=case.school, date=on)}
        )
    if case.kind == CaseKind.ENF and not (
        placement.kind in (PlacementKind.SPECIAL_SCHOOL, PlacementKind.SSC)
        or case.school.establishment_type in EstablishmentType.special_types()
    ):
        raise ValidationError(
            {"kind": ENF_ONLY_SPECIALIST.format(pupil=case.pupil, school=case.school, date=on)}
        )


# --- meetings ----------------------------------------------------------------------------------


@transaction.atomic
def meeting_record_attendance(
    *, meeting: PanelMeeting, user, members_present, held: bool
) -> PanelMeeting:
    """The panel clerk records who attended and whether the meeting has been held.

    Decisions are recorded only at a meeting marked held with members present
    (`decision_record`), so marking it held needs at least one member, on or after its date.
    A meeting with decisions stays held. A closed meeting (minutes agreed) is a record: refused.
    """
    if not is_panel_member(user):
        raise PermissionDenied(ONLY_PANEL_MEMBERS_ATTENDANCE)
    meeting = PanelMeeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == MeetingStatus.CLOSED:
        raise ValidationError(MEETING_CLOSED.format(date=meeting.date))
    members = list(members_present)
    outsiders = [m for m in members if not is_panel_member(m)]
    if outsiders:
        names = ", ".join(m.get_full_name() or m.get_username() for m in outsiders)
        raise ValidationError({"members_present": ATTENDEES_MUST_BE_MEMBERS.format(names=names)})
    if meeting.decisions.exists() and not (held and members):
        raise ValidationError(DECIDED_MEETING_STAYS_HELD)
    if held and not members:
        raise ValidationError({"members_present": HELD_NEEDS_MEMBERS})
    if held and meeting.date > timezone.localdate():
        raise ValidationError({"held": HELD_NOT_BEFORE_DATE.format(date=meeting.date)})
    meeting.status = MeetingStatus.HELD if held else MeetingStatus.SCHEDULED
    meeting._history_user = user
    meeting.full_clean()
    meeting.save()
    meeting.members_present.set(members)
    return meeting


# --- decisions ---------------------------------------------------------------------------------


@transaction.atomic
def decision_record(
    *,
    case: PanelCase,
    user,
    outcome: str,
    reasons: str,
    effective_from: dt.date | None = None,
    end_date: dt.date | None = None,
    granted_lsa_hours: Decimal | None = None,
    granted_lst_hours: Decimal | None = None,
    granted_ta_hours: Decimal | None = None,
    granted_band: int | None = None,
    granted_amount: Decimal | None = None,
    enf_ground: str = "",
    deferred_to: PanelMeeting | None = None,
) -> PanelDecision:
    """Record the panel's decision on a case at the meeting it is listed at.

    Approved / approved with changes: the grant takes effect from `effective_from` (support level
    or band via the pupil services, or a personal supplement / ENF funding item to `end_date`;
    ENF names its `enf_ground` and lasts no longer than that ground's limit, R9).
    Declined: the case is closed. Deferred: the case moves to `deferred_to` (default: the next
    scheduled meeting) and is decided again there.
    """
    if not is_panel_member(user):
        raise PermissionDenied(ONLY_PANEL_MEMBERS_DECIDE)
    case = PanelCase.objects.select_for_update().select_related("pupil", "school").get(pk=case.pk)
    if not case.is_open:
        raise ValidationError(CASE_DECIDED.format(status=case.get_status_display().lower()))
    if case.meeting_id is None:
        raise ValidationError(CASE_NOT_LISTED)
    meeting = PanelMeeting.objects.get(pk=case.meeting_id)
    if meeting.status == MeetingStatus.CLOSED:
        raise ValidationError(MEETING_CLOSED.format(date=meeting.date))
    if meeting.date > timezone.localdate():
        raise ValidationError(MEETING_NOT_YET_HELD.format(date=meeting.date))
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(MEETING_NOT_MARKED_HELD.format(date=meeting.date))
    if not meeting.members_present.exists():
        raise ValidationError(NO_MEMBERS_PRESENT.format(date=meeting.date))

    decision = PanelDecision(
        case=case,
        meeting=meeting,
        outcome=outcome,
        reasons=reasons.strip(),
        effective_from=effective_from,
        end_date=end_date,
        granted_lsa_hours=granted_lsa_hours,
        granted_lst_hours=granted_lst_hours,
        granted_ta_hours=granted_ta_hours,
        granted_band=granted_band,
        granted_amount=granted_amount,
        enf_ground=enf_ground,
        decided_by=user,
        decided_at=timezone.now(),
    )
    if outcome == Outcome.DEFERRED:
        decision.deferred_to = _deferral_meeting(meeting, deferred_to)
    elif deferred_to is not None:
        raise ValidationError({"deferred_to": USE_DEFER})
    _check_grant(decision)
    # Field checks and R9 first, before anything changes; the constraints once it has effect.
    decision.full_clean(validate_unique=False, validate_constraints=False)

    if decision.is_approval:
        _take_effect(decision, user)

    decision._history_user = user
    decision._change_reason = change_reason_for(case, meeting)
    decision.full_clean()
    decision.save()

    if outcome == Outcome.DEFERRED:
        case.status = CaseStatus.DEFERRED
        case.meeting = decision.deferred_to
    else:
        case.status = outcome  # the closing outcomes are also case statuses
    case._history_user = user
    case._change_reason = change_reason_for(case, meeting)
    case.full_clean()
    case.save()
    return decision


@transaction.atomic
def case_approve_as_requested(
    *,
    case: PanelCase,
    user,
    effective_from: dt.date | None = None,
    reasons: str = DEFAULT_APPROVAL_REASONS,
) -> PanelDecision:
    """Approve exactly what was asked.

    Effective from the date asked for, else the meeting date. A personal supplement runs to the
    end date asked for, else to the end of the academic year in which it starts; ENF on the
    ground asked for, to the end date asked for, else to the latest end its ground allows (R9).
    """
    if not is_panel_member(user):
        raise PermissionDenied(ONLY_PANEL_MEMBERS_DECIDE)
    case = PanelCase.objects.select_related("meeting").get(pk=case.pk)
    if effective_from is None:
        effective_from = case.requested_from or (case.meeting.date if case.meeting else None)
    end_date = default_end_date(case, effective_from)
    return decision_record(
        case=case,
        user=user,
        outcome=Outcome.APPROVED,
        reasons=reasons,
        effective_from=effective_from,
        end_date=end_date,
        granted_lsa_hours=case.requested_lsa_hours,
        granted_lst_hours=case.requested_lst_hours,
        granted_ta_hours=case.requested_ta_hours,
        granted_band=case.requested_band,
        granted_amount=case.requested_amount,
        enf_ground=case.enf_ground,
    )


def default_end_date(case: PanelCase, effective_from: dt.date | None) -> dt.date | None:
    """The end date offered for a personal supplement or ENF: the one asked for, else the end of
    the academic year it starts in (ENF: the latest end its ground allows, R9)."""
    if case.kind not in CaseKind.funding_item_kinds() or effective_from is None:
        return None
    if case.requested_until is not None:
        return case.requested_until
    if case.kind == CaseKind.ENF and case.enf_ground:
        limit = selectors.enf_limit_for(case.enf_ground, effective_from)
        return default_end(case.enf_ground, effective_from, limit)
    return AcademicYear.of(effective_from).ends_on


@transaction.atomic
def case_defer_to_next_meeting(
    *,
    case: PanelCase,
    user,
    reasons: str = DEFAULT_DEFERRAL_REASONS,
    next_meeting: PanelMeeting | None = None,
) -> PanelDecision:
    """Defer a case: a 'deferred' decision at this meeting, and the case moves to the next one."""
    return decision_record(
        case=case, user=user, outcome=Outcome.DEFERRED, reasons=reasons, deferred_to=next_meeting
    )


def next_meeting_after(meeting: PanelMeeting) -> PanelMeeting | None:
    return (
        PanelMeeting.objects.filter(date__gt=meeting.date, status=MeetingStatus.SCHEDULED)
        .order_by("date")
        .first()
    )


def _deferral_meeting(meeting: PanelMeeting, chosen: PanelMeeting | None) -> PanelMeeting:
    if chosen is None:
        chosen = next_meeting_after(meeting)
        if chosen is None:
            raise ValidationError(NO_NEXT_MEETING.format(date=meeting.date))
    elif chosen.date <= meeting.date or chosen.status != MeetingStatus.SCHEDULED:
        raise ValidationError({"deferred_to": DEFER_TO_LATER_MEETING.format(date=meeting.date)})
    return chosen

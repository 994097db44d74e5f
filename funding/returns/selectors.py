"""Reads for monthly returns: who gets one, who sees which, the dashboard and the query queue.

Every page-level read is a queryset with its counts annotated, so a list page makes a constant
number of queries. A school business manager reaches only their own schools' returns (anything
else is a 404); LA officers see all.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right

from django.conf import settings
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from funding.returns.calculations import month_end, month_start
from funding.returns.models import MonthlyReturn, ReturnGeneration, ReturnLine, ReturnStatus
from pupils.models import Placement, Plan
from schools import roles
from schools.models import LocalAuthority, School, SchoolAccess
from schools.roles import is_la_officer
from schools.selectors import school_calendar

OPEN_QUERY = Q(queried=True, resolution="")


def schools_due_a_return(month: dt.date) -> list[int]:
    """Schools that get a return for `month`: one query.

    Those with a pupil placed there during the month who has a plan in force during it, those
    that already have a return for the month (a rebuild may empty it), and those whose return
    for the month before listed pupils still on roll (who may have left since).
    """
    start, end = month_start(month), month_end(month)
    plan_in_month = Plan.objects.filter(pupil=OuterRef("pupil"), issued_on__lte=end).exclude(
        ceased_on__lt=start
    )
    placed_with_plan = (
        Placement.objects.filter(school=OuterRef("pk"), starts_on__lte=end)
        .exclude(ends_on__lt=start)
        .filter(Exists(plan_in_month))
    )
    has_return = MonthlyReturn.objects.filter(school=OuterRef("pk"), month=start)
    previous_on_roll = ReturnLine.objects.filter(
        monthly_return__school=OuterRef("pk"),
        monthly_return__month=month_start(start - dt.timedelta(days=1)),
        expected_on_roll=True,
    )
    return list(
        School.objects.filter(
            Exists(placed_with_plan) | Exists(has_return) | Exists(previous_on_roll)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def overdue_cutoff(today: dt.date | None = None) -> dt.datetime | None:
    """Returns issued before this moment are overdue today (unless submitted).

    A return is overdue once more than RETURNS_OVERDUE_SCHOOL_DAYS school days have passed
    after the day it was issued: its due date is the Nth school day after issue, and it is
    overdue from the day after. So it is overdue when at least N school days lie between its
    issue day (exclusive) and yesterday (inclusive), i.e. when it was issued before the Nth
    school day counting back from yesterday. Counted with the administering LA's calendar
    (two queries); with no term dates known nothing is overdue.
    """
    today = today or timezone.localdate()
    days_allowed = settings.RETURNS_OVERDUE_SCHOOL_DAYS
    if days_allowed <= 0:
        return timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    yesterday = today - dt.timedelta(days=1)
    try:
        calendar = school_calendar(None, today - dt.timedelta(days=366), yesterday)
    except LocalAuthority.DoesNotExist:
        return None
    index = bisect_right(calendar.days, yesterday) - days_allowed
    if index < 0:
        return None
    return timezone.make_aware(dt.datetime.combine(calendar.days[index], dt.time.min))


def due_date_rule(since: dt.date | None = None):
    """A function: the day a return issued on a given day is due, over one read of the LA's
    calendar (from `since`). Due on the RETURNS_OVERDUE_SCHOOL_DAYS-th school day after the
    issue day, overdue from the next day (as `overdue_cutoff` says); None when the term dates
    recorded do not reach that far."""
    days_allowed = settings.RETURNS_OVERDUE_SCHOOL_DAYS
    try:
        days = school_calendar(None, since, None).days
    except LocalAuthority.DoesNotExist:
        days = ()

    def due_on(issued_on: dt.date) -> dt.date | None:
        if days_allowed <= 0:
            return issued_on
        index = bisect_right(days, issued_on) + days_allowed - 1
        return days[index] if index < len(days) else None

    return due_on


def return_due_date(monthly_return: MonthlyReturn) -> dt.date | None:
    """The day a return is due (see `due_date_rule`). Two queries."""
    issued_on = timezone.localtime(monthly_return.issued_at).date()
    return due_date_rule(issued_on)(issued_on)


def return_is_overdue(
    monthly_return: MonthlyReturn, due_on: dt.date | None, today: dt.date | None = None
) -> bool:
    """Open to the school after its due date: the dashboard's rule (`overdue_cutoff`) said from
    the due date, so the return page needs no second calendar read."""
    today = today or timezone.localdate()
    return monthly_return.is_open_to_school and due_on is not None and today > due_on


def with_counts(qs: QuerySet[MonthlyReturn], cutoff: dt.datetime | None) -> QuerySet:
    """Annotate line counts and the overdue flag (open to the school and issued before cutoff)."""
    overdue = (
        Case(
            When(
                Q(status__in=ReturnStatus.open_to_school(), issued_at__lt=cutoff),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
        if cutoff is not None
        else Value(False, output_field=BooleanField())
    )
    return qs.annotate(
        line_count=Count("lines"),
        answered_count=Count("lines", filter=Q(lines__answered_at__isnull=False)),
        confirmed_count=Count(
            "lines", filter=Q(lines__answered_at__isnull=False, lines__queried=False)
        ),
        queried_count=Count("lines", filter=Q(lines__queried=True)),
        open_query_count=Count("lines", filter=Q(lines__queried=True, lines__resolution="")),
        is_overdue=overdue,
    )


def returns_visible_to(user) -> QuerySet[MonthlyReturn]:
    if is_la_officer(user):
        return MonthlyReturn.objects.all()
    if not roles.is_school_user(user):
        return MonthlyReturn.objects.none()
    return MonthlyReturn.objects.filter(
        Exists(SchoolAccess.objects.filter(user=user, school=OuterRef("school")))
    )


def school_returns(user, today: dt.date | None = None) -> QuerySet[MonthlyReturn]:
    """A school business manager's returns, newest month first, with their counts."""
    return with_counts(
        returns_visible_to(user).select_related("school"), overdue_cutoff(today)
    ).order_by("-month", "school__name")


def school_for_user(user, urn: int) -> School:
    """A school whose returns the user may see (404 otherwise)."""
    if is_la_officer(user):
        return get_object_or_404(School, urn=urn)
    if not roles.is_school_user(user):
        raise Http404
    return get_object_or_404(School.objects.filter(accesses__user=user), urn=urn)


def returns_of_school(school: School, today: dt.date | None = None) -> QuerySet[MonthlyReturn]:
    return with_counts(
        MonthlyReturn.objects.filter(school=school).select_related("school"),
        overdue_cutoff(today),
    ).order_by("-month")


def return_for_user(user, pk: int) -> MonthlyReturn:
    """One return the user may see (404 otherwise), with counts."""
    qs = with_counts(returns_visible_to(user).select_related("school"), None)
    return get_object_or_404(qs, pk=pk)


def return_lines(monthly_return: MonthlyReturn) -> QuerySet[ReturnLine]:
    return (
        ReturnLine.objects.filter(monthly_return=monthly_return)
        .select_related("pupil", "answered_by", "resolved_by")
        .order_by("pupil__family_name", "pupil__given_name", "pk")
    )


def line_for_user(user, pk: int) -> ReturnLine:
    """One return line the user may see (404 otherwise)."""
    qs = ReturnLine.objects.select_related("pupil", "monthly_return__school").filter(
        monthly_return__in=returns_visible_to(user)
    )
    return get_object_or_404(qs, pk=pk)


def next_unanswered_line(monthly_return_id: int, after: ReturnLine) -> ReturnLine | None:
    """The next line to answer in page order (family name, given name), if any."""
    return (
        ReturnLine.objects.filter(monthly_return_id=monthly_return_id, answered_at__isnull=True)
        .exclude(pk=after.pk)
        .order_by("pupil__family_name", "pupil__given_name", "pk")
        .first()
    )


def dashboard_returns(month: dt.date, today: dt.date | None = None) -> QuerySet[MonthlyReturn]:
    """Every school's return for the month, with counts and the overdue flag."""
    return with_counts(
        MonthlyReturn.objects.filter(month=month_start(month)).select_related("school"),
        overdue_cutoff(today),
    ).order_by("school__name")


def months_with_returns() -> list[dt.date]:
    return list(MonthlyReturn.objects.order_by("-month").values_list("month", flat=True).distinct())


def latest_month() -> dt.date | None:
    return MonthlyReturn.objects.order_by("-month").values_list("month", flat=True).first()


def latest_generation(month: dt.date) -> ReturnGeneration | None:
    return ReturnGeneration.objects.filter(month=month_start(month)).order_by("-started_at").first()


def open_queries() -> QuerySet[ReturnLine]:
    """Queried lines of submitted returns still waiting for the LA, oldest return first."""
    return (
        ReturnLine.objects.filter(OPEN_QUERY, monthly_return__status=ReturnStatus.QUERIED)
        .select_related("pupil", "monthly_return__school", "answered_by")
        .order_by("monthly_return__month", "monthly_return__school__name", "pupil__family_name")
    )


def overdue_returns(today: dt.date | None = None) -> QuerySet[MonthlyReturn]:
    cutoff = overdue_cutoff(today)
    if cutoff is None:
        return MonthlyReturn.objects.none()
    return (
        MonthlyReturn.objects.filter(status__in=ReturnStatus.open_to_school(), issued_at__lt=cutoff)
        .select_related("school")
        .order_by("school__name", "month")
    )


def business_manager_emails(school_ids) -> dict[int, list[str]]:
    """school id -> the email addresses of its active business managers (one query)."""
    rows = (
        SchoolAccess.objects.filter(
            school_id__in=list(school_ids),
            user__is_active=True,
            user__groups__name=roles.SCHOOL_BUSINESS_MANAGER,
        )
        .exclude(user__email="")
        .values_list("school_id", "user__email")
        .order_by("school_id", "user__email")
        .distinct()
    )
    out: dict[int, list[str]] = {}
    for school_id, email in rows:
        out.setdefault(school_id, []).append(email)
    return out


def start_page_items(user) -> list[dict]:
    """What needs doing about returns, for the start page (a few count queries)."""
    if roles.is_school_user(user):
        to_answer = returns_visible_to(user).filter(status__in=ReturnStatus.open_to_school())
        return [
            {
                "title": "Monthly returns to confirm",
                "count": to_answer.count(),
                "url": reverse("returns:school_list"),
                "description": "Confirm each pupil is on roll and their support is right.",
            }
        ]
    if not is_la_officer(user):
        return []
    month = latest_month()
    items = [
        {
            "title": "Queried return lines waiting for a decision",
            "count": open_queries().count(),
            "url": reverse("returns:queries"),
            "description": "Accept or reject schools' corrections.",
        }
    ]
    if month is not None:
        items.insert(
            0,
            {
                "title": f"Monthly returns overdue for {month:%B %Y}",
                "count": overdue_returns().filter(month=month).count(),
                "url": f"{reverse('returns:dashboard')}?month={month:%Y-%m}&overdue=yes",
                "description": "Returns not submitted within the allowed school days.",
            },
        )
    return items


def stale_generations(stale_before) -> list[int]:
    """Generations not finished whose last attempt began before `stale_before`, oldest first."""
    return list(
        ReturnGeneration.objects.filter(finished_at__isnull=True)
        .filter(
            Q(last_attempt_at__lt=stale_before)
            | Q(last_attempt_at__isnull=True, started_at__lt=stale_before)
        )
        .order_by("started_at")
        .values_list("pk", flat=True)
    )

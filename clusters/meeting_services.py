"""Writes for a cluster's meetings (FAQ 14, 16, 17: six half-day meetings a year, chaired by the
host): the annual framework with the tool kit's exemplar agendas, and changes to a meeting.

Split out of `clusters.services`, which re-exports every public name here; the same conventions
apply (keyword-only, in a transaction, permission checked, `full_clean()`ed, who did it recorded).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from clusters import selectors
from clusters.models import MEETINGS_PER_YEAR, Cluster, ClusterMeeting, Session
from clusters.saving import _save
from schools.dates import AcademicYear
from schools.models import TermDate

NOT_MEETINGS = "Only the cluster's host or an LA officer can arrange the cluster's meetings."
FRAMEWORK_EXISTS = "{cluster} already has meetings for {year}."


#: The tool kit's exemplar agendas (FAQ 12, 14, 16): adapted by each cluster.
EXEMPLAR_AGENDAS = [
    (
        "Initial meeting: headteachers, SENCOs and a governor from each school",
        "1. Welcome and introductions; the host's role\n"
        "2. The cluster's SEN budget for the year and how it was worked out\n"
        "3. The cluster's SEND profile (EHC plans, SEN support, PSF pupils by school)\n"
        "4. Agree the cluster's framework: request, review and impact; dates of meetings\n"
        "5. Training and shared staff the cluster could buy (continuing professional development)",
    ),
    (
        "Requests for support for learning",
        "1. Minutes of the last meeting\n"
        "2. Budget: share, committed, spent, remaining\n"
        "3. Review of requests received (need, provision, amount, period)\n"
        "4. Sudden and significant medical needs and first-year-of-school requests\n"
        "5. Any other business",
    ),
    (
        "Requests and early impact",
        "1. Minutes of the last meeting\n"
        "2. Budget update\n"
        "3. Review of new requests\n"
        "4. Impact of autumn funding: outcomes against what was intended\n"
        "5. Sharing practice: what worked",
    ),
    (
        "Mid-year financial review",
        "1. Minutes of the last meeting\n"
        "2. Spending so far against the cluster's share; forecast to 31 March\n"
        "3. Review of new requests\n"
        "4. Training and capacity building across the cluster",
    ),
    (
        "Requests and impact",
        "1. Minutes of the last meeting\n"
        "2. Budget update\n"
        "3. Review of new requests\n"
        "4. Impact reports due this term",
    ),
    (
        "The year's impact and next year's framework",
        "1. Minutes of the last meeting\n"
        "2. Impact of the year's funding: outcomes against what was intended\n"
        "3. Report to governing bodies on the use of SEN funds\n"
        "4. Next year's framework, host and meeting dates",
    ),
]

_DEFAULT_MEETING_DAYS = [(9, 24), (11, 19), (1, 21), (3, 4), (5, 6), (6, 24)]


def _meeting_dates(cluster: Cluster, academic_year: int) -> list[dt.date]:
    """One date in each half term: the first Thursday at least two weeks into it (from the LA's
    term dates), else typical dates."""
    terms = list(
        TermDate.objects.filter(academic_year=academic_year, la__is_administering=True)
        .order_by("starts_on")
        .values_list("starts_on", "ends_on")
    )
    dates = []
    if len(terms) >= MEETINGS_PER_YEAR:
        for start, end in terms[:MEETINGS_PER_YEAR]:
            day = start + dt.timedelta(days=14)
            day += dt.timedelta(days=(3 - day.weekday()) % 7)
            while day > end:
                day -= dt.timedelta(days=7)
            dates.append(max(day, start))
        return dates
    for month, day in _DEFAULT_MEETING_DAYS:
        year = academic_year if month >= 9 else academic_year + 1
        dates.append(dt.date(year, month, day))
    return dates


@transaction.atomic
def meeting_framework_create(
    *, cluster: Cluster, academic_year: int, user=None
) -> list[ClusterMeeting]:
    """The annual framework: six half-day meetings with the tool kit's exemplar agendas."""
    access = selectors.cluster_access(user, cluster)
    if not access.can_manage_meetings:
        raise PermissionDenied(NOT_MEETINGS)
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    year = AcademicYear(int(academic_year))
    if ClusterMeeting.objects.filter(cluster=cluster, academic_year=year.start_year).exists():
        raise ValidationError(
            {"academic_year": FRAMEWORK_EXISTS.format(cluster=cluster.name, year=year)}
        )
    venue = cluster.host_school.name if cluster.host_school else ""
    meetings = []
    for number, (date, (title, agenda)) in enumerate(
        zip(_meeting_dates(cluster, year.start_year), EXEMPLAR_AGENDAS, strict=True), start=1
    ):
        meeting = ClusterMeeting(
            cluster=cluster,
            academic_year=year.start_year,
            number=number,
            date=date,
            session=Session.MORNING,
            venue=venue,
            agenda=f"{title}\n\n{agenda}",
        )
        _save(meeting, user, "Annual framework of meetings")
        meetings.append(meeting)
    return meetings


@transaction.atomic
def meeting_update(
    *,
    meeting: ClusterMeeting,
    date: dt.date,
    session: str,
    venue: str,
    status: str,
    agenda: str,
    minutes: str,
    attendees: str,
    user=None,
) -> ClusterMeeting:
    """Change a meeting's date, agenda, minutes, attendees or status (held, cancelled)."""
    meeting = ClusterMeeting.objects.select_for_update().get(pk=meeting.pk)
    if not selectors.cluster_access(user, meeting.cluster).can_manage_meetings:
        raise PermissionDenied(NOT_MEETINGS)
    year = AcademicYear(meeting.academic_year)
    if not year.contains(date):
        raise ValidationError(
            {"date": f"The date must be in the {year} academic year (1 September to 31 August)."}
        )
    meeting.date = date
    meeting.session = session
    meeting.venue = venue
    meeting.status = status
    meeting.agenda = agenda
    meeting.minutes = minutes
    meeting.attendees = attendees
    _save(meeting, user, "Meeting updated")
    return meeting

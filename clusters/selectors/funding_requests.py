"""Asking for money: a cluster's requests the user may see, the schools and pupils a
request may name, the meetings that review them, and the central auxiliary aids fund.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from clusters.models import (
    ApplicationStatus,
    AuxiliaryAidsApplication,
    AuxiliaryAidsFund,
    Cluster,
    ClusterMeeting,
    ClusterMembership,
    ClusterRequest,
)
from clusters.selectors.access import ClusterAccess, cluster_access, in_force, senco_school_ids
from funding.calculations.money import ZERO
from pupils.models import Placement, Pupil
from pupils.selectors import pupils_with_plan_in_force
from schools.dates import FinancialYear
from schools.models import School
from schools.roles import is_la_officer

# ---- cluster requests ------------------------------------------------------------------------


def requests_for(user, cluster: Cluster, access: ClusterAccess | None = None):
    """The cluster's requests the user may see: all for the LA and the host, else their
    schools' only."""
    access = access or cluster_access(user, cluster)
    qs = ClusterRequest.objects.filter(cluster=cluster).select_related(
        "school", "pupil", "meeting", "submitted_by", "reviewed_by"
    )
    if access.sees_all_requests:
        return qs
    return qs.filter(school_id__in=access.senco_schools)


def member_schools(cluster: Cluster, on: dt.date) -> QuerySet[School]:
    return School.objects.filter(
        cluster_memberships__in=ClusterMembership.objects.filter(in_force(on), cluster=cluster)
    ).order_by("name")


def requestable_schools(user, cluster: Cluster, access: ClusterAccess, on: dt.date):
    """Schools the user may ask for: the host for any member, a SENCO for their own."""
    members = member_schools(cluster, on)
    if access.is_host:
        return members
    return members.filter(pk__in=access.senco_schools)


def request_pupils(access: ClusterAccess, school: School | None, on: dt.date) -> QuerySet[Pupil]:
    """The pupils a request form may name: those on roll at the chosen `school` on `on` with a
    plan in force, when the user sees that school's pupils; else none. Nothing is listed until
    a school is chosen, so a host (or a SENCO of several schools) never sees a cluster-wide list.
    """
    if school is None or not access.sees_pupils_of(school.pk):
        return Pupil.objects.none()
    return pupils_with_plan_in_force(
        Pupil.objects.filter(
            pk__in=Placement.objects.filter(in_force(on), school=school).values("pupil_id")
        ),
        on,
    ).order_by("family_name", "given_name", "pk")


# ---- meetings, auxiliary aids ---------------------------------------------------------------


def meetings(cluster: Cluster) -> QuerySet[ClusterMeeting]:
    return (
        ClusterMeeting.objects.filter(cluster=cluster)
        .annotate(reviewed=Count("requests_reviewed"))
        .order_by("-academic_year", "number")
    )


def aux_fund(fy: FinancialYear) -> AuxiliaryAidsFund | None:
    return AuxiliaryAidsFund.objects.filter(financial_year=fy.start_year).first()


@dataclass(frozen=True)
class FundBalance:
    budget: Decimal
    approved: Decimal
    awaiting: Decimal

    @property
    def balance(self) -> Decimal:
        return self.budget - self.approved


def fund_balance(fund: AuxiliaryAidsFund) -> FundBalance:
    totals = AuxiliaryAidsApplication.objects.filter(fund=fund).aggregate(
        approved=Sum("amount_approved", filter=Q(status=ApplicationStatus.APPROVED)),
        awaiting=Sum("amount_requested", filter=Q(status=ApplicationStatus.SUBMITTED)),
    )
    return FundBalance(fund.budget, totals["approved"] or ZERO, totals["awaiting"] or ZERO)


def aux_applications_for(user, fund: AuxiliaryAidsFund):
    qs = AuxiliaryAidsApplication.objects.filter(fund=fund).select_related(
        "school", "pupil", "submitted_by", "decided_by"
    )
    if is_la_officer(user):
        return qs
    return qs.filter(school_id__in=senco_school_ids(user))

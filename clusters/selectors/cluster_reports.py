"""Clusters compared and profiled: every cluster side by side for an LA officer, and a
cluster's member schools' SEND profile (FAQ 12: "SEND profile for the school and the
cluster"). Counts only: no pupil is named.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from clusters.models import Cluster, ClusterMembership, ClusterRequest, RequestStatus
from clusters.selectors.access import in_force
from clusters.selectors.budgets import (
    Division,
    cluster_pot,
    cluster_spending,
    division,
    latest_censuses,
)
from clusters.selectors.funding_requests import member_schools
from clusters.selectors.psf_reports import psf_pupils
from funding.calculations.money import ZERO
from schools.dates import FinancialYear


@dataclass
class ComparisonRow:
    cluster_id: int
    name: str
    host_school: str
    schools: int
    pupils: int
    share: Decimal
    committed: Decimal
    spent: Decimal
    remaining: Decimal
    approved: Decimal
    awaiting_review: int
    pot_per_pupil: Decimal | None
    approved_per_pupil: Decimal | None


def comparison(fy: FinancialYear) -> tuple[list[ComparisonRow], Division | None]:
    """Every cluster side by side for an LA officer: share, spending, per pupil (constant
    queries)."""
    pot = cluster_pot(fy)
    div = division(pot) if pot is not None else None
    spending = cluster_spending(fy)
    approved = dict(
        ClusterRequest.objects.filter(
            financial_year=fy.start_year,
            status__in=[RequestStatus.APPROVED, RequestStatus.IMPACT_RECORDED],
        )
        .values("cluster_id")
        .annotate(total=Sum("amount_approved"))
        .values_list("cluster_id", "total")
    )
    waiting = dict(
        ClusterRequest.objects.filter(status=RequestStatus.SUBMITTED)
        .values("cluster_id")
        .annotate(n=Count("pk"))
        .values_list("cluster_id", "n")
    )
    on = div.members_on if div is not None else fy.starts_on
    member_counts = dict(
        ClusterMembership.objects.filter(in_force(on))
        .values("cluster_id")
        .annotate(n=Count("pk"))
        .values_list("cluster_id", "n")
    )
    rows = []
    for cluster in Cluster.objects.select_related("host_school").order_by("name"):
        share = div.share_of(cluster.pk) if div is not None else None
        committed, spent = spending.get(cluster.pk, (ZERO, ZERO))
        amount = share.share if share else ZERO
        pupils = share.pupils if share else 0
        total_approved = approved.get(cluster.pk) or ZERO
        rows.append(
            ComparisonRow(
                cluster_id=cluster.pk,
                name=cluster.name,
                host_school=cluster.host_school.name if cluster.host_school else "",
                schools=share.schools if share else member_counts.get(cluster.pk, 0),
                pupils=pupils,
                share=amount,
                committed=committed,
                spent=spent,
                remaining=amount - committed - spent,
                approved=total_approved,
                awaiting_review=waiting.get(cluster.pk, 0),
                pot_per_pupil=(amount / pupils).quantize(Decimal("0.01")) if pupils else None,
                approved_per_pupil=(total_approved / pupils).quantize(Decimal("0.01"))
                if pupils
                else None,
            )
        )
    return rows, div


# ---- member schools' SEND profile (FAQ 12: "SEND profile for the school and the cluster") -----


@dataclass
class ProfileRow:
    school_id: int
    name: str
    urn: int
    phase: str
    census_date: dt.date | None
    roll: int
    ehc_plans: int
    sen_support: int
    psf_pupils: int

    @property
    def ehc_percent(self) -> Decimal | None:
        if not self.roll:
            return None
        return (Decimal(self.ehc_plans * 100) / self.roll).quantize(Decimal("0.1"))

    @property
    def sen_support_percent(self) -> Decimal | None:
        return (
            (Decimal(self.sen_support * 100) / self.roll).quantize(Decimal("0.1"))
            if self.roll
            else None
        )


def send_profile(cluster: Cluster, on: dt.date | None = None) -> list[ProfileRow]:
    """Each member school's roll (Reception to Year 11), EHC plans and SEN support from its
    latest census, and its pupils with PSF today. Counts only: no pupil is named."""
    on = on or timezone.localdate()
    schools = list(member_schools(cluster, on))
    censuses = latest_censuses([s.pk for s in schools], on)
    psf_rows, _note = psf_pupils(on, school_ids={s.pk for s in schools})
    psf_counts: dict[int, int] = defaultdict(int)
    for row in psf_rows:
        if row.annual > 0:
            psf_counts[row.school_id] += 1
    out = []
    for school in schools:
        census = censuses.get(school.pk)
        out.append(
            ProfileRow(
                school_id=school.pk,
                name=school.name,
                urn=school.urn,
                phase=school.get_phase_display(),
                census_date=census.census_date if census else None,
                roll=census.roll_excluding_nursery_and_sixth_form if census else 0,
                ehc_plans=census.ehc_plans if census else 0,
                sen_support=census.sen_support if census else 0,
                psf_pupils=psf_counts.get(school.pk, 0),
            )
        )
    return out

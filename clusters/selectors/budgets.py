"""The cluster pot and its budgets: the year's pot, its division among clusters by member
schools' census rolls (R18), and each cluster's share, committed and spent amounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from clusters.calculations import (
    Budget,
    CensusRoll,
    ClusterCount,
    Shares,
    SharesError,
    cluster_shares,
    roll,
)
from clusters.models import Cluster, ClusterMembership, ClusterPot, ClusterRequest, RequestStatus
from clusters.selectors.access import in_force
from funding.calculations.money import ZERO
from schools.dates import FinancialYear
from schools.models import SchoolCensus


def cluster_pot(fy: FinancialYear) -> ClusterPot | None:
    return (
        ClusterPot.objects.select_related("scheme__la")
        .filter(scheme__la__is_administering=True, scheme__financial_year=fy.start_year)
        .first()
    )


def pot_years() -> list[int]:
    return list(
        ClusterPot.objects.filter(scheme__la__is_administering=True)
        .order_by("-scheme__financial_year")
        .values_list("scheme__financial_year", flat=True)
    )


def census_date_for(pot: ClusterPot) -> dt.date:
    return pot.census_on or (pot.fy.starts_on - dt.timedelta(days=1))


def latest_censuses(school_ids, on: dt.date) -> dict[int, SchoolCensus]:
    """Each school's latest census on or before `on` (one query)."""
    found: dict[int, SchoolCensus] = {}
    for census in SchoolCensus.objects.filter(
        school_id__in=school_ids, census_date__lte=on
    ).order_by("school_id", "-census_date"):
        found.setdefault(census.school_id, census)
    return found


def census_roll(census: SchoolCensus | None) -> CensusRoll:
    if census is None:
        return CensusRoll()
    return CensusRoll(
        nursery=census.nursery,
        reception_to_year_11=census.roll_excluding_nursery_and_sixth_form,
        sixth_form=census.year_12 + census.year_13,
    )


@dataclass
class DivisionSchool:
    school_id: int
    cluster_id: int
    name: str
    urn: int
    pupils: int
    census_date: dt.date | None


@dataclass
class Division:
    """The pot's division among clusters for a year, with each member school's count."""

    pot: ClusterPot
    census_on: dt.date
    members_on: dt.date
    shares: Shares | None
    error: str
    schools: list[DivisionSchool]
    missing_census: list[str]

    def share_of(self, cluster_id: int):
        if self.shares is None:
            return None
        return next((s for s in self.shares.shares if s.cluster_id == cluster_id), None)


def division(pot: ClusterPot) -> Division:
    """R18: every cluster's share of the pot (four queries)."""
    members_on = pot.membership_date
    census_on = census_date_for(pot)
    memberships = list(
        ClusterMembership.objects.filter(in_force(members_on))
        .select_related("school", "cluster")
        .order_by("cluster__name", "school__name")
    )
    censuses = latest_censuses([m.school_id for m in memberships], census_on)
    clusters = {c.pk: c for c in Cluster.objects.order_by("name")}
    counts: dict[int, list[int]] = {pk: [0, 0] for pk in clusters}
    schools = []
    missing = []
    for m in memberships:
        census = censuses.get(m.school_id)
        pupils = roll(
            census_roll(census),
            nursery=pot.roll_includes_nursery,
            sixth_form=pot.roll_includes_sixth_form,
        )
        if census is None:
            missing.append(m.school.name)
        counts[m.cluster_id][0] += 1
        counts[m.cluster_id][1] += pupils
        schools.append(
            DivisionSchool(
                m.school_id,
                m.cluster_id,
                m.school.name,
                m.school.urn,
                pupils,
                census.census_date if census else None,
            )
        )
    cluster_counts = [
        ClusterCount(pk, clusters[pk].name, n_schools, n_pupils)
        for pk, (n_schools, n_pupils) in counts.items()
        if n_schools
    ]
    try:
        shares = cluster_shares(pot.total, pot.fixed_sum_per_school, cluster_counts)
        error = ""
    except SharesError as exc:
        shares, error = None, str(exc)
    return Division(pot, census_on, members_on, shares, error, schools, missing)


def cluster_spending(fy: FinancialYear, cluster_ids=None) -> dict[int, tuple[Decimal, Decimal]]:
    """(committed, spent) per cluster for a year: approved amounts not yet closed, and the
    amounts spent on requests whose impact is recorded (one query)."""
    qs = ClusterRequest.objects.filter(financial_year=fy.start_year)
    if cluster_ids is not None:
        qs = qs.filter(cluster_id__in=cluster_ids)
    rows = qs.values("cluster_id").annotate(
        committed=Sum("amount_approved", filter=Q(status=RequestStatus.APPROVED)),
        spent=Sum("amount_spent", filter=Q(status=RequestStatus.IMPACT_RECORDED)),
    )
    return {r["cluster_id"]: (r["committed"] or ZERO, r["spent"] or ZERO) for r in rows}


def cluster_budget(cluster: Cluster, fy: FinancialYear, div: Division | None = None) -> Budget:
    if div is None:
        pot = cluster_pot(fy)
        div = division(pot) if pot is not None else None
    share = div.share_of(cluster.pk) if div is not None else None
    committed, spent = cluster_spending(fy, [cluster.pk]).get(cluster.pk, (ZERO, ZERO))
    return Budget(share.share if share else ZERO, committed, spent)

"""The demo's cluster work: pots, meetings, requests in each status, the auxiliary aids fund,
and a revised FY 2026-27 run with Pupil Specific Funding lines."""

from __future__ import annotations

import pytest

from clusters.demo import seed_cluster_demo
from clusters.models import (
    AuxiliaryAidsApplication,
    ClusterMeeting,
    ClusterPot,
    ClusterRequest,
    RequestStatus,
)
from funding.demo import seed_demo, seed_demo_funding
from funding.models import AllocationLine

pytestmark = pytest.mark.django_db


def test_seed_cluster_demo_adds_every_part_of_the_cycle():
    seed_demo(pupils=120)
    seed_demo_funding()
    summary = seed_cluster_demo(run=True)
    assert ClusterPot.objects.count() == 2
    assert ClusterMeeting.objects.count() == 24  # 2 clusters × 6 meetings × 2 academic years
    statuses = set(ClusterRequest.objects.values_list("status", flat=True))
    assert statuses == set(RequestStatus.values)
    assert ClusterRequest.objects.filter(decision="approved_different_amount").exists()
    assert set(AuxiliaryAidsApplication.objects.values_list("status", flat=True)) == {
        "submitted",
        "approved",
        "declined",
    }
    run_id, _total, _lines = summary.run
    assert AllocationLine.objects.filter(run_id=run_id, element="psf").exists()
    assert [login for login, _role, _cluster in summary.logins] == ["cluster", "cluster2"]

"""The demo's cluster work: pots, meetings, requests in each status, the auxiliary aids fund,
and a revised FY 2026-27 run with Pupil Specific Funding lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from clusters.demo import seed_cluster_demo
from clusters.models import (
    AuxiliaryAidsApplication,
    ClusterMeeting,
    ClusterPot,
    ClusterRequest,
    PsfProtectedAmount,
    RequestStatus,
)
from funding.demo import seed_demo, seed_demo_funding
from funding.models import AllocationLine, AllocationRun

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
    # R19: at least one approved request whose impact can be recorded today, every reviewed
    # one decided at a meeting on or after the day it was made.
    today = timezone.localdate()
    approved = ClusterRequest.objects.filter(status=RequestStatus.APPROVED)
    assert any(req.impact_open(today) for req in approved)
    for req in ClusterRequest.objects.filter(meeting__isnull=False).select_related("meeting"):
        assert req.meeting.date >= timezone.localtime(req.submitted_at).date(), req.reference
    assert set(AuxiliaryAidsApplication.objects.values_list("status", flat=True)) == {
        "submitted",
        "approved",
        "declined",
    }
    run_id, _total, _lines = summary.run
    assert AllocationLine.objects.filter(run_id=run_id, element="psf").exists()
    assert [login for login, _role, _cluster in summary.logins] == ["cluster", "cluster2"]


def test_r15_demo_psf_is_the_protected_amount_net_of_what_the_run_pays():
    # Each demo PSF line tops the pupil up to their protected historical amount (R15+): PSF a
    # year + the pupil's other lines a year on the line's first day = the protected amount,
    # e.g. 20 h LSA: £10,792.00 protected (20 × £14.20 × 38) − the top-up. So the lines are not
    # a flat £6,000 and the run's PSF total is the sum of its lines.
    seed_demo(pupils=120)
    seed_demo_funding()
    summary = seed_cluster_demo(run=True)
    assert summary.protected_amounts > 0
    run_id, _total, _lines = summary.run
    lines = list(AllocationLine.objects.filter(run_id=run_id, pupil__isnull=False))
    psf = [line for line in lines if line.element == "psf"]
    protected = dict(PsfProtectedAmount.objects.values_list("pupil_id", "annual_amount"))
    assert psf and len({line.annual_amount for line in psf}) > 1
    assert all(line.annual_amount != Decimal("6000.00") for line in psf)
    for line in psf:
        others = sum(
            (
                o.annual_amount
                for o in lines
                if o.pupil_id == line.pupil_id
                and o.element != "psf"
                and o.period_from <= line.period_from <= o.period_to
            ),
            Decimal("0"),
        )
        assert line.annual_amount + others == protected[line.pupil_id], line.explanation
    run = AllocationRun.objects.get(pk=run_id)
    assert Decimal(run.totals["psf"]) == sum(line.amount for line in psf)

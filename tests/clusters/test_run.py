"""R15-R17 in the allocation run: the run writes PSF lines (element "psf") through the engine's
line-source extension point, pro rata by school days, charged to the pupil's home LA."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from funding.models import AllocationLine
from funding.services import run_allocation
from tests.clusters.conftest import make_pupil

pytestmark = pytest.mark.django_db


def test_r15_run_writes_psf_line_pro_rata_in_year_it_ends(psf_scheme, primary, home_la):
    # Year 6 in 2024/25 (born 14 Mar 2014): PSF ends 31 Aug 2025. PSF a year: £8,450.00
    # protected − £5,700.00 top-up the run pays = £2,750.00 (R15+);
    # £2,750.00 × 60/188 school days = £877.659... -> £877.66 (see tests/clusters/conftest.py).
    pupil = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2018, 9, 1))
    run = run_allocation(fy=2025, kind="initial")
    assert run.status == "done", run.error
    line = AllocationLine.objects.get(run=run, element="psf")
    assert (line.pupil_id, line.school_id, line.rule) == (pupil.pk, primary.pk, "R15")
    assert (line.period_from, line.period_to) == (dt.date(2025, 4, 1), dt.date(2025, 8, 31))
    assert (line.school_days, line.year_days) == (60, 188)
    assert line.annual_amount == Decimal("2750.00")
    assert line.amount == Decimal("877.66")
    assert line.payer_la_id == home_la.pk and line.delegated
    assert "PSF ends 31 Aug 2025: end of Year 6 by date of birth 14 Mar 2014" in line.explanation
    assert run.totals["psf"] == "877.66"
    # The engine's own top-up for the same pupil is still there:
    # 20 h × £15.00 × 39 wk = £11,700.00 − £6,000.00 threshold = £5,700.00 for the whole year.
    top_up = AllocationLine.objects.get(run=run, element="top_up", pupil=pupil)
    assert top_up.amount == Decimal("5700.00")
    # Together the pupil is funded at the protected level while PSF lasts, not above it:
    # £5,700.00 + £2,750.00 = £8,450.00 a year.
    assert top_up.annual_amount + line.annual_amount == Decimal("8450.00")
    assert "protected historical amount £8,450.00 a year (PSF schedule 2023-24)" in (
        line.explanation
    )
    assert "£5,700.00 element 3 top-up the current scheme pays = £2,750.00 a year" in (
        line.explanation
    )


def test_r15_run_warns_and_makes_no_psf_line_without_a_protected_amount(
    psf_scheme, primary, home_la
):
    # Protected (plan of 2022, before the 1 Sep 2024 cut-over) but no protected historical
    # amount recorded: no PSF line; the run says so, naming the pupil (R15+). The top-up stays.
    pupil = make_pupil(home_la, primary, protected=None)
    run = run_allocation(fy=2025, kind="initial")
    assert run.status == "done", run.error
    assert not AllocationLine.objects.filter(run=run, element="psf").exists()
    assert AllocationLine.objects.get(run=run, element="top_up").amount == Decimal("5700.00")
    assert any(
        f"Pupil {pupil.upn}: PSF-protected" in w and "no protected historical amount" in w
        for w in run.warnings
    ), run.warnings


def test_r17_run_writes_no_psf_for_plans_after_cutover(psf_scheme, primary, home_la):
    make_pupil(home_la, primary, issued_on=dt.date(2024, 9, 1))
    run = run_allocation(fy=2025, kind="initial")
    assert run.status == "done", run.error
    assert not AllocationLine.objects.filter(run=run, element="psf").exists()


def test_run_writes_no_psf_when_scheme_does_not_use_it(psf_scheme, primary, home_la):
    psf_scheme.psf_enabled = False
    psf_scheme.save()
    make_pupil(home_la, primary)
    run = run_allocation(fy=2025, kind="initial")
    assert run.status == "done", run.error
    assert "psf" not in run.totals

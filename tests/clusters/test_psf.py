"""R15-R17: Pupil Specific Funding for FY 2025-26 with the cut-over on 1 September 2024.

See tests/clusters/conftest.py for the school days (188 in the year, 60 from 1 April to
31 August) and the rates (20 h LSA: £11,700.00 gross, £5,700.00 top-up, PSF £6,000.00 net).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clusters.models import PsfRules
from clusters.psf import NoProtection, Protection
from clusters.selectors import psf_for_pupil
from pupils.models import AdmissionKind, Plan
from pupils.services import SupportHours, plan_cease, plan_issue, pupil_move
from tests.clusters.conftest import make_pupil

pytestmark = pytest.mark.django_db


def lines_of(pupil, fy=2025):
    result = psf_for_pupil(pupil, fy)
    return result, [
        (line.school_id, line.period_from, line.period_to, line.amount, line.rule)
        for line in result.lines
    ]


def test_r15_psf_ends_at_end_of_year_6_by_date_of_birth(psf_scheme, primary, home_la):
    # Born 14 Mar 2014: Reception 2018/19, Year 6 in 2024/25, so primary ends 31 Aug 2025.
    # £6,000.00 × 60/188 school days (1 Apr-31 Aug 2025) = £1,914.893... -> £1,914.89.
    pupil = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2018, 9, 1))
    result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2025, 8, 31), Decimal("1914.89"), "R15")
    ]
    line = result.lines[0]
    assert "PSF ends 31 Aug 2025: end of Year 6 by date of birth 14 Mar 2014" in line.explanation
    assert "£6,000.00 × 60/188 school days = £1,914.89" in line.explanation
    assert line.element == "psf" and line.payer_la_id == home_la.pk and line.delegated


def test_r15_child_kept_back_in_year_6_loses_psf_with_age_cohort(psf_scheme, primary, home_la):
    # Born 14 Mar 2014 but still taught in Year 6 at the primary school in 2025/26 (the
    # placement continues): PSF still ends 31 Aug 2025 with the age cohort (FAQ 5).
    pupil = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2019, 9, 1))
    assert pupil.placements.get().ends_on is None
    _result, lines = lines_of(pupil)
    assert [line[2] for line in lines] == [dt.date(2025, 8, 31)]
    assert sum(line[3] for line in lines) == Decimal("1914.89")
    # FY 2026-27: nothing, although the child is still at the primary school.
    assert psf_for_pupil(pupil, 2026).lines == []


def test_r17_protected_all_year_while_in_phase(psf_scheme, primary, home_la):
    # Born 14 Mar 2015: Year 5 in 2024/25 (primary at the cut-over), primary ends 31 Aug 2026;
    # the whole of FY 2025-26 is protected: £6,000.00.
    pupil = make_pupil(home_la, primary)
    _result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2026, 3, 31), Decimal("6000.00"), "R17")
    ]


def test_r17_no_psf_for_plan_issued_on_cutover_date(psf_scheme, primary, home_la):
    pupil = make_pupil(home_la, primary, issued_on=dt.date(2024, 9, 1))
    result, lines = lines_of(pupil)
    assert lines == []
    found = result.protections[pupil.pk]
    assert isinstance(found, NoProtection) and found.rule == "R17"
    assert "on or after the cut-over 1 Sep 2024" in found.reason


def test_r17_plan_issued_the_day_before_cutover_is_protected(psf_scheme, primary, home_la):
    pupil = make_pupil(home_la, primary, issued_on=dt.date(2024, 8, 31))
    assert sum(line.amount for line in psf_for_pupil(pupil, 2025).lines) == Decimal("6000.00")


def test_r17_statement_converted_to_ehcp_without_gap_keeps_psf(psf_scheme, primary, home_la):
    # A statement issued 2021, ceased 31 Mar 2025, an EHC plan from 1 Apr 2025: one chain
    # judged by the statement's date, so FY 2025-26 is protected (£6,000.00).
    pupil = make_pupil(home_la, primary, issued_on=dt.date(2021, 9, 1))
    plan_cease(plan=Plan.objects.get(pupil=pupil), ceased_on=dt.date(2025, 3, 31))
    plan_issue(
        pupil=pupil, issued_on=dt.date(2025, 4, 1), support=SupportHours(lsa_hours=Decimal("20"))
    )
    assert sum(line.amount for line in psf_for_pupil(pupil, 2025).lines) == Decimal("6000.00")


def test_r16_psf_follows_child_on_managed_move(psf_scheme, primary, primary_b, home_la):
    # Managed move on 5 Jan 2026: 133 school days at Ashdown, 55 at Beacon.
    # £6,000 × 133/188 = £4,244.680..., £6,000 × 55/188 = £1,755.319...; the floors
    # £4,244.68 + £1,755.31 are a penny short of £6,000.00, which goes to the larger remainder
    # (.9148 over .0851): £4,244.68 + £1,755.32 = £6,000.00.
    pupil = make_pupil(home_la, primary)
    pupil_move(
        pupil=pupil,
        to_school=primary_b,
        moves_on=dt.date(2026, 1, 5),
        admission_kind=AdmissionKind.MANAGED_MOVE,
    )
    result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2026, 1, 4), Decimal("4244.68"), "R17"),
        (primary_b.pk, dt.date(2026, 1, 5), dt.date(2026, 3, 31), Decimal("1755.32"), "R16"),
    ]
    assert "followed the child on a managed move on 5 Jan 2026 (R16)" in result.lines[1].explanation


def test_r16_psf_ends_on_casual_admission(psf_scheme, primary, primary_b, home_la):
    # House move, casual admission to Beacon on 5 Jan 2026: PSF ends 4 Jan 2026, the last day
    # at Ashdown. £6,000.00 × 133/188 = £4,244.680... -> £4,244.68; nothing at Beacon.
    pupil = make_pupil(home_la, primary)
    pupil_move(
        pupil=pupil,
        to_school=primary_b,
        moves_on=dt.date(2026, 1, 5),
        admission_kind=AdmissionKind.CASUAL_ADMISSION,
    )
    result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2026, 1, 4), Decimal("4244.68"), "R16")
    ]
    prot = result.protections[pupil.pk]
    assert isinstance(prot, Protection)
    assert prot.ends_text == (
        "PSF ends 4 Jan 2026: left Ashdown Primary School on 4 Jan 2026: casual admission to "
        "Beacon Primary School (R16)"
    )


def test_r16_psf_ends_on_nursery_to_reception(psf_scheme, nursery_school, primary, home_la):
    # Born 10 Jan 2021: nursery in 2024/25, Reception in 2025/26. At the nursery school until
    # 22 Jul 2025, then Reception at Ashdown from 1 Sep 2025 (phase transfer): PSF ends 31 Aug
    # 2025 at the end of nursery by date of birth. 1 Apr-22 Jul 2025 = 60 school days:
    # £6,000.00 × 60/188 = £1,914.89; nothing at the primary school.
    pupil = make_pupil(
        home_la,
        nursery_school,
        dob=dt.date(2021, 1, 10),
        placed_on=dt.date(2023, 9, 1),
        issued_on=dt.date(2024, 1, 15),
    )
    pupil_move(
        pupil=pupil,
        to_school=primary,
        moves_on=dt.date(2025, 9, 1),
        admission_kind=AdmissionKind.PHASE_TRANSFER,
    )
    result, lines = lines_of(pupil)
    assert lines == [
        (nursery_school.pk, dt.date(2025, 4, 1), dt.date(2025, 8, 31), Decimal("1914.89"), "R15")
    ]
    assert result.protections[pupil.pk].end_reason == "end of nursery by date of birth 10 Jan 2021"


def test_r16_managed_move_follows_only_to_end_of_phase(psf_scheme, primary, primary_b, home_la):
    # Born 14 Mar 2014 (Year 6 in 2024/25); managed move on 2 Jun 2025: Ashdown 1 Apr-1 Jun
    # (23 school days), Beacon 2 Jun-31 Aug (37 days), then the phase ends.
    # £6,000 × 23/188 = £734.042..., × 37/188 = £1,180.851...: £734.04 + £1,180.85 = £1,914.89.
    pupil = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2018, 9, 1))
    pupil_move(
        pupil=pupil,
        to_school=primary_b,
        moves_on=dt.date(2025, 6, 2),
        admission_kind=AdmissionKind.MANAGED_MOVE,
    )
    _result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2025, 6, 1), Decimal("734.04"), "R17"),
        (primary_b.pk, dt.date(2025, 6, 2), dt.date(2025, 8, 31), Decimal("1180.85"), "R15"),
    ]


def test_psf_gross_when_not_net_of_top_up(psf_scheme, primary, home_la):
    # Unticked: PSF is the full cost of the hours, 20 × £15.00 × 39 = £11,700.00 a year;
    # in the year the phase ends £11,700.00 × 60/188 = £3,734.042... -> £3,734.04.
    PsfRules.objects.create(scheme=psf_scheme, net_of_top_up=False)
    pupil = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2018, 9, 1))
    _result, lines = lines_of(pupil)
    assert [line[3] for line in lines] == [Decimal("3734.04")]


def test_psf_at_one_psf_rate(psf_scheme, primary, home_la):
    # 20 h × £12.50 × 38 wk = £9,500.00 gross.
    PsfRules.objects.create(
        scheme=psf_scheme,
        rate_basis="psf_rate",
        psf_hourly_rate=Decimal("12.50"),
        weeks_per_year=Decimal("38"),
        net_of_top_up=False,
    )
    pupil = make_pupil(home_la, primary)
    assert [line.amount for line in psf_for_pupil(pupil, 2025).lines] == [Decimal("9500.00")]


def test_r15_phase_end_that_does_not_stop_psf(psf_scheme, primary, home_la):
    # With the end of primary not stopping PSF, a child in Year 6 in 2024/25 keeps it to the
    # end of Year 11 (31 Aug 2030): the whole of FY 2025-26 at the secondary rates (LSA the
    # same £15.00 here): £6,000.00 at Ashdown (the placement continues).
    PsfRules.objects.create(scheme=psf_scheme, ends_at_end_of_primary=False)
    pupil = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2018, 9, 1))
    result, lines = lines_of(pupil)
    assert sum(line[3] for line in lines) == Decimal("6000.00")
    assert result.protections[pupil.pk].ends_on == dt.date(2030, 8, 31)


def test_no_psf_when_scheme_does_not_use_it(psf_scheme, primary, home_la):
    psf_scheme.psf_enabled = False
    psf_scheme.save()
    pupil = make_pupil(home_la, primary)
    assert psf_for_pupil(pupil, 2025).lines == []

"""R15-R17: Pupil Specific Funding for FY 2025-26 with the cut-over on 1 September 2024.

See tests/clusters/conftest.py for the school days (188 in the year, 60 from 1 April to
31 August) and the money: 20 h LSA costs £11,700.00, the engine's top-up is £5,700.00, the
protected historical amount £8,450.00, so PSF is £8,450.00 − £5,700.00 = £2,750.00 a year on the
default basis (R15+) and not a flat £6,000 (the threshold paid again).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clusters.models import PsfBasis, PsfRules
from clusters.psf import NoProtection, Protection
from clusters.selectors import psf_for_pupil
from pupils.models import AdmissionKind, FundingItem, FundingItemKind, Plan
from pupils.services import (
    SupportHours,
    placement_start,
    plan_cease,
    plan_issue,
    pupil_leave,
    pupil_move,
)
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
    # £2,750.00 × 60/188 school days (1 Apr-31 Aug 2025) = £877.659... -> £877.66.
    pupil = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2018, 9, 1))
    result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2025, 8, 31), Decimal("877.66"), "R15")
    ]
    line = result.lines[0]
    assert "PSF ends 31 Aug 2025: end of Year 6 by date of birth 14 Mar 2014" in line.explanation
    assert "£2,750.00 × 60/188 school days = £877.66" in line.explanation
    assert line.element == "psf" and line.payer_la_id == home_la.pk and line.delegated


def test_r15_child_kept_back_in_year_6_loses_psf_with_age_cohort(psf_scheme, primary, home_la):
    # Born 14 Mar 2014 but still taught in Year 6 at the primary school in 2025/26 (the
    # placement continues): PSF still ends 31 Aug 2025 with the age cohort (FAQ 5).
    pupil = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2019, 9, 1))
    assert pupil.placements.get().ends_on is None
    _result, lines = lines_of(pupil)
    assert [line[2] for line in lines] == [dt.date(2025, 8, 31)]
    assert sum(line[3] for line in lines) == Decimal("877.66")
    # FY 2026-27: nothing, although the child is still at the primary school.
    assert psf_for_pupil(pupil, 2026).lines == []


def test_r17_protected_all_year_while_in_phase(psf_scheme, primary, home_la):
    # Born 14 Mar 2015: Year 5 in 2024/25 (primary at the cut-over), primary ends 31 Aug 2026;
    # the whole of FY 2025-26 is protected: £8,450.00 − £5,700.00 = £2,750.00, one line
    # (the top-up's split at 1 Sep 2025 does not change PSF, so PSF is not split).
    pupil = make_pupil(home_la, primary)
    _result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2026, 3, 31), Decimal("2750.00"), "R17")
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
    assert sum(line.amount for line in psf_for_pupil(pupil, 2025).lines) == Decimal("2750.00")


def test_r17_statement_converted_to_ehcp_without_gap_keeps_psf(psf_scheme, primary, home_la):
    # A statement issued 2021, ceased 31 Mar 2025, an EHC plan from 1 Apr 2025: one chain
    # judged by the statement's date, so FY 2025-26 is protected (£2,750.00).
    pupil = make_pupil(home_la, primary, issued_on=dt.date(2021, 9, 1))
    plan_cease(plan=Plan.objects.get(pupil=pupil), ceased_on=dt.date(2025, 3, 31))
    plan_issue(
        pupil=pupil, issued_on=dt.date(2025, 4, 1), support=SupportHours(lsa_hours=Decimal("20"))
    )
    assert sum(line.amount for line in psf_for_pupil(pupil, 2025).lines) == Decimal("2750.00")


def test_r16_psf_follows_child_on_managed_move(psf_scheme, primary, primary_b, home_la):
    # Managed move on 5 Jan 2026: 133 school days at Ashdown, 55 at Beacon.
    # £2,750 × 133/188 = £1,945.478..., £2,750 × 55/188 = £804.521...; the floors
    # £1,945.47 + £804.52 are a penny short of £2,750.00, which goes to the larger remainder
    # (.87 over .12): £1,945.48 + £804.52 = £2,750.00.
    pupil = make_pupil(home_la, primary)
    pupil_move(
        pupil=pupil,
        to_school=primary_b,
        moves_on=dt.date(2026, 1, 5),
        admission_kind=AdmissionKind.MANAGED_MOVE,
    )
    result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2026, 1, 4), Decimal("1945.48"), "R17"),
        (primary_b.pk, dt.date(2026, 1, 5), dt.date(2026, 3, 31), Decimal("804.52"), "R16"),
    ]
    assert "followed the child on a managed move on 5 Jan 2026 (R16)" in result.lines[1].explanation


def test_r16_psf_ends_on_casual_admission(psf_scheme, primary, primary_b, home_la):
    # House move, casual admission to Beacon on 5 Jan 2026: PSF ends 4 Jan 2026, the last day
    # at Ashdown. £2,750.00 × 133/188 = £1,945.478... -> £1,945.48; nothing at Beacon.
    pupil = make_pupil(home_la, primary)
    pupil_move(
        pupil=pupil,
        to_school=primary_b,
        moves_on=dt.date(2026, 1, 5),
        admission_kind=AdmissionKind.CASUAL_ADMISSION,
    )
    result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2026, 1, 4), Decimal("1945.48"), "R16")
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
    # (£8,450.00 − £5,700.00 top-up) × 60/188 = £877.66; nothing at the primary school.
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
        (nursery_school.pk, dt.date(2025, 4, 1), dt.date(2025, 8, 31), Decimal("877.66"), "R15")
    ]
    assert result.protections[pupil.pk].end_reason == "end of nursery by date of birth 10 Jan 2021"


def test_r16_managed_move_follows_only_to_end_of_phase(psf_scheme, primary, primary_b, home_la):
    # Born 14 Mar 2014 (Year 6 in 2024/25); managed move on 2 Jun 2025: Ashdown 1 Apr-1 Jun
    # (23 school days), Beacon 2 Jun-31 Aug (37 days), then the phase ends.
    # £2,750 × 23/188 = £336.436..., × 37/188 = £541.223...; total £877.659... -> £877.66; the
    # floors £336.43 + £541.22 are a penny short, which goes to the larger remainder (.61):
    # £336.44 + £541.22 = £877.66.
    pupil = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2018, 9, 1))
    pupil_move(
        pupil=pupil,
        to_school=primary_b,
        moves_on=dt.date(2025, 6, 2),
        admission_kind=AdmissionKind.MANAGED_MOVE,
    )
    _result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2025, 6, 1), Decimal("336.44"), "R17"),
        (primary_b.pk, dt.date(2025, 6, 2), dt.date(2025, 8, 31), Decimal("541.22"), "R15"),
    ]


def test_r15_basis_protected_amount_in_full(psf_scheme, primary, home_la):
    # Basis "protected amount in full": PSF is the £8,450.00 protected amount on top of the
    # top-up; in the year the phase ends £8,450.00 × 60/188 = £2,696.808... -> £2,696.81.
    PsfRules.objects.create(scheme=psf_scheme, basis=PsfBasis.PROTECTED_AMOUNT)
    pupil = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2018, 9, 1))
    result, lines = lines_of(pupil)
    assert [line[3] for line in lines] == [Decimal("2696.81")]
    assert "paid in full on top of the current scheme = £8,450.00 a year" in (
        result.lines[0].explanation
    )


def test_r15_phase_end_that_does_not_stop_psf(psf_scheme, primary, home_la):
    # With the end of primary not stopping PSF, a child in Year 6 in 2024/25 keeps it to the
    # end of Year 11 (31 Aug 2030): the whole of FY 2025-26 at the secondary rates (LSA the
    # same £15.00 here): £6,000.00 at Ashdown (the placement continues).
    PsfRules.objects.create(scheme=psf_scheme, ends_at_end_of_primary=False)
    pupil = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2018, 9, 1))
    result, lines = lines_of(pupil)
    assert sum(line[3] for line in lines) == Decimal("2750.00")
    assert result.protections[pupil.pk].ends_on == dt.date(2030, 8, 31)


def test_no_psf_when_scheme_does_not_use_it(psf_scheme, primary, home_la):
    psf_scheme.psf_enabled = False
    psf_scheme.save()
    pupil = make_pupil(home_la, primary)
    assert psf_for_pupil(pupil, 2025).lines == []


# ---- R15+: the phase by date of birth, not the school; moves over the summer ------------------


def test_r15_infant_to_junior_transfer_keeps_psf(psf_scheme, primary, primary_b, home_la):
    # Born 14 Mar 2018: Reception 2022/23, Year 2 in 2024/25 at Ashdown (the infant school),
    # Year 3 from 1 Sep 2025 at Beacon (the junior school), a phase transfer. Both are primary
    # by date of birth, so PSF goes on (primary ends 31 Aug 2029). Ashdown 1 Apr-31 Aug 2025
    # = 60 school days, Beacon 1 Sep 2025-31 Mar 2026 = 128:
    # £2,750 × 60/188 = £877.659..., × 128/188 = £1,872.340...; total £2,750.00; the floors
    # £877.65 + £1,872.34 are a penny short, which goes to the larger remainder (.659):
    # £877.66 + £1,872.34 = £2,750.00.
    pupil = make_pupil(home_la, primary, dob=dt.date(2018, 3, 14), placed_on=dt.date(2022, 9, 1))
    pupil_move(
        pupil=pupil,
        to_school=primary_b,
        moves_on=dt.date(2025, 9, 1),
        admission_kind=AdmissionKind.PHASE_TRANSFER,
    )
    result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2025, 8, 31), Decimal("877.66"), "R17"),
        (primary_b.pk, dt.date(2025, 9, 1), dt.date(2026, 3, 31), Decimal("1872.34"), "R15"),
    ]
    assert result.protections[pupil.pk].ends_on == dt.date(2029, 8, 31)
    assert "kept on the transfer on 1 Sep 2025, within the phase by date of birth (R15+)" in (
        result.lines[1].explanation
    )


def test_r15_transfer_to_secondary_still_ends_psf(psf_scheme, primary, primary_b, home_la):
    # The counterpart: born 14 Mar 2014, Year 6 in 2024/25, phase transfer on 1 Sep 2025 to
    # a school in Year 7: secondary by date of birth, so PSF ends 31 Aug 2025 (R15):
    # £2,750 × 60/188 = £877.66 at Ashdown, nothing after.
    pupil = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2018, 9, 1))
    pupil_move(
        pupil=pupil,
        to_school=primary_b,
        moves_on=dt.date(2025, 9, 1),
        admission_kind=AdmissionKind.PHASE_TRANSFER,
    )
    _result, lines = lines_of(pupil)
    assert [(line[0], line[3]) for line in lines] == [(primary.pk, Decimal("877.66"))]


def summer_move(pupil, to_school, *, last_day, starts_on, kind):
    """The pupil leaves their school on `last_day` and starts at `to_school` on `starts_on`."""
    pupil_leave(pupil=pupil, last_day=last_day)
    placement_start(pupil=pupil, school=to_school, starts_on=starts_on, admission_kind=kind)


def test_r16_managed_move_over_the_summer_keeps_psf(psf_scheme, primary, primary_b, home_la):
    # Year 4 in 2024/25 (born 14 Mar 2016). Placement at Ashdown ends Sun 20 Jul 2025; a
    # managed move to Beacon starts Wed 3 Sep 2025: the summer in between does not end PSF.
    # Ashdown 1 Apr-20 Jul 2025 = 58 school days (Summer 2 ends Fri 18 Jul for the pupil, not
    # Tue 22 Jul), Beacon 3 Sep 2025-31 Mar 2026 = 128:
    # £2,750 × 58/188 = £848.404..., × 128/188 = £1,872.340...; total £2,720.744... ->
    # £2,720.74 = £848.40 + £1,872.34 (no penny to place). The 2 school days at neither school
    # are not paid.
    pupil = make_pupil(home_la, primary, dob=dt.date(2016, 3, 14))
    summer_move(
        pupil,
        primary_b,
        last_day=dt.date(2025, 7, 20),
        starts_on=dt.date(2025, 9, 3),
        kind=AdmissionKind.MANAGED_MOVE,
    )
    result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2025, 7, 20), Decimal("848.40"), "R17"),
        (primary_b.pk, dt.date(2025, 9, 3), dt.date(2026, 3, 31), Decimal("1872.34"), "R16"),
    ]
    assert "followed the child on a managed move on 3 Sep 2025 (R16)" in (
        result.lines[1].explanation
    )


def test_r16_managed_move_over_the_summer_of_the_cutover(psf_scheme, primary, primary_b, home_la):
    # Between schools on the day before the cut-over (31 Aug 2024): left Ashdown 19 Jul 2024,
    # managed move to Beacon 3 Sep 2024. The school left at the cut-over is Ashdown and the
    # managed move carries PSF to Beacon: the whole of FY 2025-26 there, £2,750.00 (R16).
    pupil = make_pupil(home_la, primary, dob=dt.date(2016, 3, 14))
    summer_move(
        pupil,
        primary_b,
        last_day=dt.date(2024, 7, 19),
        starts_on=dt.date(2024, 9, 3),
        kind=AdmissionKind.MANAGED_MOVE,
    )
    _result, lines = lines_of(pupil)
    assert lines == [
        (primary_b.pk, dt.date(2025, 4, 1), dt.date(2026, 3, 31), Decimal("2750.00"), "R16")
    ]


def test_r16_casual_admission_over_the_summer_ends_psf(psf_scheme, primary, primary_b, home_la):
    # The same summer, but a house move (casual admission) to Beacon on 3 Sep 2025: PSF ends
    # on the last day at Ashdown, 20 Jul 2025: £2,750 × 58/188 = £848.40, nothing at Beacon.
    pupil = make_pupil(home_la, primary, dob=dt.date(2016, 3, 14))
    summer_move(
        pupil,
        primary_b,
        last_day=dt.date(2025, 7, 20),
        starts_on=dt.date(2025, 9, 3),
        kind=AdmissionKind.CASUAL_ADMISSION,
    )
    result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2025, 7, 20), Decimal("848.40"), "R16")
    ]
    assert result.protections[pupil.pk].ends_text == (
        "PSF ends 20 Jul 2025: left Ashdown Primary School on 20 Jul 2025: casual admission to "
        "Beacon Primary School (R16)"
    )


def test_r16_managed_move_after_months_out_of_school_ends_psf(
    psf_scheme, primary, primary_b, home_la
):
    # Left Ashdown 20 Jul 2025, managed move to Beacon only on 5 Jan 2026: 168 days out of
    # school, more than a summer holiday, so PSF ended when the child left: £848.40 as above.
    pupil = make_pupil(home_la, primary, dob=dt.date(2016, 3, 14))
    summer_move(
        pupil,
        primary_b,
        last_day=dt.date(2025, 7, 20),
        starts_on=dt.date(2026, 1, 5),
        kind=AdmissionKind.MANAGED_MOVE,
    )
    result, lines = lines_of(pupil)
    assert [(line[0], line[3]) for line in lines] == [(primary.pk, Decimal("848.40"))]
    assert "more than a summer holiday later" in result.protections[pupil.pk].end_reason


# ---- R15+: the basis, the protected amount and what the current scheme pays -----------------


def test_r15_no_protected_amount_recorded_means_no_psf_line(psf_scheme, primary, home_la):
    # Protected by date (plan of 2022, before the cut-over) but no protected historical amount
    # recorded: no PSF line, and the result says so naming the pupil.
    pupil = make_pupil(home_la, primary, protected=None)
    result, lines = lines_of(pupil)
    assert lines == []
    assert isinstance(result.protections[pupil.pk], Protection)
    assert f"Pupil {pupil.upn}: PSF-protected" in result.no_amount[pupil.pk]
    assert result.no_amount[pupil.pk] in result.warnings


def test_r15_top_up_above_protected_amount_pays_no_psf(psf_scheme, primary, home_la):
    # Protected £5,000.00 a year, but the current scheme already pays £5,700.00 top-up:
    # £5,000.00 − £5,700.00 is below nothing, so no PSF, and no warning.
    pupil = make_pupil(home_la, primary, protected="5000.00")
    result, lines = lines_of(pupil)
    assert lines == [] and result.warnings == []


def test_r15_psf_is_net_of_other_pupil_lines_too(psf_scheme, primary, home_la):
    # A personal supplement of £1,200.00 a year from 5 Jan 2026 (R9) is also paid for the
    # pupil, so from then PSF is £8,450.00 − £5,700.00 − £1,200.00 = £1,550.00 a year:
    # 1 Apr 2025-4 Jan 2026 £2,750 × 133/188 = £1,945.478...; 5 Jan-31 Mar 2026
    # £1,550 × 55/188 = £453.457...; total £2,398.936... -> £2,398.94; the floors £1,945.47 +
    # £453.45 are two pennies short, one each: £1,945.48 + £453.46 = £2,398.94.
    pupil = make_pupil(home_la, primary)
    FundingItem.objects.create(
        pupil=pupil,
        school=primary,
        kind=FundingItemKind.PERSONAL_SUPPLEMENT,
        annual_amount=Decimal("1200.00"),
        starts_on=dt.date(2026, 1, 5),
        ends_on=dt.date(2026, 3, 31),
    )
    result, lines = lines_of(pupil)
    assert lines == [
        (primary.pk, dt.date(2025, 4, 1), dt.date(2026, 1, 4), Decimal("1945.48"), "R17"),
        (primary.pk, dt.date(2026, 1, 5), dt.date(2026, 3, 31), Decimal("453.46"), "R17"),
    ]
    assert (
        "− £1,200.00 personal supplement + £5,700.00 element 3 top-up the current scheme pays "
        "= £1,550.00 a year" in result.lines[1].explanation
    )

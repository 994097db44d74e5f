"""R15-R17 over the transition (seed 001 FAQ 8: 7 years): PSF still protected and released per
financial year, per school and in total, from the pupils with PSF on 1 April of the first year.

FY 2025-26 has term dates (188 school days, 60 to 31 August). Later years have none, so their
school days are estimated as weekdays that are not bank holidays: FY 2026-27 (1 Apr 2026, a
Wednesday, to 31 Mar 2027) has 261 weekdays less 10 bank holidays (3 and 6 Apr, 4 and 25 May,
31 Aug, 25 and 28 Dec 2026, 1 Jan, 26 and 29 Mar 2027) = 251; 1 Apr-31 Aug 2026 has 109
weekdays less 5 bank holidays = 104.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from clusters.selectors import psf_forecast, psf_released_estimate
from pupils.models import AdmissionKind
from pupils.services import pupil_move
from schools.dates import FinancialYear
from tests.clusters.conftest import make_pupil

pytestmark = pytest.mark.django_db
FY2025 = FinancialYear(2025)


@pytest.fixture
def pupils(psf_scheme, primary, primary_b, home_la):
    # P1 Year 6 in 2024/25: PSF ends 31 Aug 2025 (R15).
    p1 = make_pupil(home_la, primary, dob=dt.date(2014, 3, 14), placed_on=dt.date(2018, 9, 1))
    # P2 Year 5 in 2024/25: PSF ends 31 Aug 2026 (R15).
    p2 = make_pupil(home_la, primary, dob=dt.date(2015, 3, 14))
    # P3 Year 5, casual admission to Beacon on 5 Jan 2026: PSF ends 4 Jan 2026 (R16).
    p3 = make_pupil(home_la, primary_b, dob=dt.date(2015, 3, 14))
    pupil_move(
        pupil=p3,
        to_school=primary,
        moves_on=dt.date(2026, 1, 5),
        admission_kind=AdmissionKind.CASUAL_ADMISSION,
    )
    # Not counted: a plan issued after the cut-over (R17).
    make_pupil(home_la, primary, issued_on=dt.date(2024, 10, 1))
    return p1, p2, p3


def test_r15_r16_forecast_totals_protected_and_released(pupils):
    forecast = psf_forecast(FY2025)
    # Three pupils with PSF on 1 Apr 2025, each £8,450.00 protected − £5,700.00 top-up =
    # £2,750.00 a year (R15+): £8,250.00 a year.
    assert (forecast.pupils, forecast.baseline) == (3, Decimal("8250.00"))
    years = {y.fy.start_year: y for y in forecast.totals}
    # FY 2025-26: P1 £2,750 × 60/188 = £877.659... -> £877.66; P2 £2,750.00;
    # P3 £2,750 × 133/188 = £1,945.478... -> £1,945.48.
    # Protected £5,573.14; released £8,250.00 - £5,573.14 = £2,676.86.
    assert (years[2025].protected, years[2025].released) == (
        Decimal("5573.14"),
        Decimal("2676.86"),
    )
    # FY 2026-27 (estimated days): P2 only, £2,750 × 104/251 = £1,139.442... -> £1,139.44;
    # released £8,250.00 − £1,139.44 = £7,110.56, of which £7,110.56 − £2,676.86 = £4,433.70
    # newly in the year.
    assert (years[2026].protected, years[2026].released, years[2026].released_in_year) == (
        Decimal("1139.44"),
        Decimal("7110.56"),
        Decimal("4433.70"),
    )
    # From FY 2027-28 everything is released.
    assert all(years[y].protected == 0 for y in range(2027, 2032))
    assert [y.fy.start_year for y in forecast.totals] == list(range(2025, 2032))
    assert forecast.estimated_years == [FinancialYear(y) for y in range(2026, 2032)]


def test_r15_r16_forecast_per_school_and_by_rule(pupils, primary, primary_b):
    forecast = psf_forecast(FY2025)
    by_school = {s.school_id: s for s in forecast.schools}
    # Ashdown: P1 and P2 (2 × £2,750.00 = £5,500.00 a year); Beacon: P3 (where P3 is on
    # 1 Apr 2025).
    assert by_school[primary.pk].baseline == Decimal("5500.00")
    assert by_school[primary_b.pk].baseline == Decimal("2750.00")
    assert by_school[primary_b.pk].years[0].protected == Decimal("1945.48")
    # Released in FY 2025-26 by rule: R15 (P1) £2,750.00 − £877.66 = £1,872.34;
    # R16 (P3) £2,750.00 − £1,945.48 = £804.52.
    assert forecast.released_by_rule["R15"][0] == Decimal("1872.34")
    assert forecast.released_by_rule["R16"][0] == Decimal("804.52")


def test_psf_forecast_page_and_export(client, la_officer, pupils):
    client.force_login(la_officer)
    url = reverse("clusters:psf_forecast") + "?fy=2025"
    response = client.get(url)
    assert response.status_code == 200
    rows = response.context["table"].data.data
    assert rows[-1]["school"] == "Total" and rows[-1]["protected_2025"] == Decimal("5573.14")
    csv_text = client.get(url + "&_export=csv").content.decode("utf-8-sig")
    header = csv_text.splitlines()[0]
    assert "Protected 2025-26" in header and "Released 2031-32" in header
    assert csv_text.splitlines()[-1].startswith("Total,,3,8250.00,5573.14,2676.86")


def test_pot_psf_released_estimate_for_past_year_is_zero(pupils):
    amount, note = psf_released_estimate(FinancialYear(2020))
    assert amount == 0 and "past year" in note

"""R23, R15 and the financial/academic year arithmetic, table-driven."""

import datetime as dt

import pytest

from schools.dates import (
    AcademicYear,
    FinancialYear,
    academic_year_of,
    financial_year_of,
    key_stage,
    phase_end_date,
    reception_year_of,
    year_group,
    year_group_label,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (D(2025, 4, 1), 2025),
        (D(2026, 3, 31), 2025),
        (D(2025, 3, 31), 2024),
        (D(2025, 12, 25), 2025),
        (D(2026, 1, 1), 2025),
    ],
)
def test_financial_year_runs_1_april_to_31_march(day, fy):
    assert financial_year_of(day) == FinancialYear(fy)
    assert FinancialYear(fy).contains(day)


def test_financial_year_bounds_and_label():
    assert FinancialYear(2025).starts_on == D(2025, 4, 1)
    assert FinancialYear(2025).ends_on == D(2026, 3, 31)
    assert FinancialYear(2025).label == "2025-26"
    assert FinancialYear(1999).label == "1999-00"


@pytest.mark.parametrize(
    ("day", "ay"),
    [(D(2025, 9, 1), 2025), (D(2026, 8, 31), 2025), (D(2025, 8, 31), 2024), (D(2026, 1, 5), 2025)],
)
def test_academic_year_runs_1_september_to_31_august(day, ay):
    assert academic_year_of(day) == AcademicYear(ay)
    assert AcademicYear(2025).label == "2025/26"


@pytest.mark.parametrize(
    ("dob", "reception"),
    [
        # R23's own example: born 1 Sep 2015 .. 31 Aug 2016 -> Reception in 2020/21.
        (D(2015, 9, 1), 2020),
        (D(2016, 8, 31), 2020),
        (D(2016, 2, 29), 2020),
        (D(2015, 8, 31), 2019),  # a day earlier: the year before
        (D(2016, 9, 1), 2021),
    ],
)
def test_r23_reception_is_the_academic_year_after_the_fourth_birthday(dob, reception):
    assert reception_year_of(dob) == AcademicYear(reception)


@pytest.mark.parametrize(
    ("dob", "on", "group", "label", "stage"),
    [
        (D(2015, 9, 1), D(2020, 9, 1), 0, "Reception", "EY"),
        (D(2016, 8, 31), D(2021, 7, 20), 0, "Reception", "EY"),
        (D(2015, 9, 1), D(2021, 9, 1), 1, "Year 1", "KS1"),
        (D(2015, 3, 14), D(2025, 11, 1), 6, "Year 6", "KS2"),
        (D(2015, 3, 14), D(2026, 9, 1), 7, "Year 7", "KS3"),
        (D(2010, 6, 1), D(2025, 10, 1), 11, "Year 11", "KS4"),
        (D(2008, 6, 1), D(2025, 10, 1), 13, "Year 13", "KS5"),
        (D(2022, 6, 1), D(2025, 10, 1), -1, "Nursery", "EY"),
    ],
)
def test_r23_year_group_from_date_of_birth(dob, on, group, label, stage):
    assert year_group(dob, on=on) == group
    assert year_group_label(group) == label
    assert key_stage(group) == stage


@pytest.mark.parametrize(
    ("dob", "on", "ends"),
    [
        # Issue 8's example: born 14 Mar 2015, Year 6 in 2025/26 -> primary ends 31 Aug 2026.
        (D(2015, 3, 14), D(2025, 11, 1), D(2026, 8, 31)),
        (D(2015, 3, 14), D(2022, 1, 1), D(2026, 8, 31)),  # still primary in Year 3
        (D(2015, 3, 14), D(2026, 9, 1), D(2031, 8, 31)),  # secondary ends with Year 11
        (D(2022, 6, 1), D(2025, 10, 1), D(2026, 8, 31)),  # nursery ends before Reception
        (D(2008, 6, 1), D(2025, 10, 1), D(2026, 8, 31)),  # in Year 13: post-16 ends this summer
    ],
)
def test_r15_phase_ends_by_date_of_birth(dob, on, ends):
    assert phase_end_date(dob, on=on) == ends

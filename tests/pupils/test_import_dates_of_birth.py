"""The pupil import refuses implausible dates of birth, as the pupil form does (issue 17)."""

import datetime as dt

import pytest

from pupils.imports import pupils_import
from pupils.models import Pupil
from pupils.services import date_of_birth_problem
from pupils.upn import make_upn
from schools.importing import ImportRejected
from tests.factories import SchoolFactory, la_officer
from tests.pupils.test_import_pupils import csv_file, row


@pytest.fixture
def school(home_la, other_la):
    return SchoolFactory(urn=100001, la=home_la, name="Hill Primary")


@pytest.mark.django_db
def test_r23_a_file_with_a_year_one_or_a_future_date_of_birth_is_refused_by_row(school):
    """R23 reads the year group from the date of birth, so 0001-01-01 (a spreadsheet's empty
    date) or a birthday next year would put a pupil in a year group that does not exist. Each
    is named by row and column with the pupil form's sentence; nothing is written, not even the
    good row."""
    today = dt.date.today()
    next_year = today.replace(year=today.year + 1, day=1)
    content = csv_file(
        row(),  # row 2: born 2015-03-14, fine
        row(UPN=make_upn("999", "2001", 15, 2), date_of_birth="0001-01-01"),  # row 3
        row(UPN=make_upn("999", "2001", 15, 3), date_of_birth=next_year.isoformat()),  # row 4
    )

    with pytest.raises(ImportRejected) as refused:
        pupils_import(content=content, filename="pupils.csv")

    sentence = date_of_birth_problem(dt.date(1, 1, 1))
    messages = [str(e) for e in refused.value.errors]
    assert f"row 3, date_of_birth: {sentence}" in messages
    assert f"row 4, date_of_birth: {sentence}" in messages
    assert not any(m.startswith("row 2,") for m in messages)
    assert Pupil.objects.count() == 0


@pytest.mark.django_db
def test_r23_a_pupil_born_today_or_thirty_years_ago_imports(school):
    """The edges the pupil form accepts, the import accepts too: born today (a newborn with a
    plan is rare but real) and on the first of the month thirty years ago."""
    today = dt.date.today()
    oldest = today.replace(year=today.year - 30, day=1)
    content = csv_file(
        row(date_of_birth=oldest.isoformat(), placement_start="2021-09-01"),
        row(
            UPN=make_upn("999", "2001", 15, 2),
            date_of_birth=today.isoformat(),
            placement_start=(today + dt.timedelta(days=1)).isoformat(),
        ),
    )

    result = pupils_import(content=content, filename="pupils.csv")

    assert result.created["pupils"] == 2


@pytest.mark.django_db
def test_a_name_too_long_for_the_record_is_refused_with_the_fields_own_message(school):
    """The import checks what it writes field by field without a model per row (issue 17,
    100,000 rows in a minute); a value the record cannot hold still stops the whole file with
    the field's own sentence, and nothing is written."""
    content = csv_file(row(), row(UPN=make_upn("999", "2001", 15, 2), given_name="A" * 101))

    with pytest.raises(ImportRejected) as refused:
        pupils_import(content=content, filename="pupils.csv")

    message = " ".join(str(e) for e in refused.value.errors)
    assert "given_name" in message
    assert "Ensure this value has at most 100 characters (it has 101)." in message
    assert Pupil.objects.count() == 0


@pytest.mark.django_db
def test_every_record_an_import_creates_names_who_imported_it_and_why(school):
    """Records written without a model per row still say who recorded them and why, on the
    record and in its history: one pupil makes 1 pupil, 1 home LA period, 1 placement, 1 plan
    and 1 support level, five "+" history rows naming the officer."""
    officer = la_officer()

    pupils_import(content=csv_file(row()), filename="pupils.csv", user=officer)

    pupil = Pupil.objects.get()
    placement, plan = pupil.placements.get(), pupil.plans.get()
    level, home = plan.support_levels.get(), pupil.home_la_periods.get()
    for record in (placement, plan, level, home):
        assert (record.recorded_by, record.reason) == (officer, "Pupil import")
        assert record.recorded_at is not None
    assert home.starts_on == dt.date(2015, 3, 14)  # from date of birth
    for record in (pupil, placement, plan, level, home):
        made = record.history.get()
        assert (made.history_type, made.history_user) == ("+", officer)
        assert made.history_change_reason == "Pupil import"

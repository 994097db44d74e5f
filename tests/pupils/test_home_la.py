"""R8, R8+: a pupil's home LA is dated. A house move changes the LA that pays the top-up from
the day of the move; the history is kept, corrected with a reason, imported and read back for
any date range and as it stood at any moment."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from pupils import selectors, services
from pupils.imports import COLUMNS, pupils_import
from pupils.models import Pupil, PupilHomeLa
from pupils.upn import make_upn
from schools.importing import ImportRejected
from schools.models import LocalAuthority
from tests import factories
from tests.e2e.data import pupil_with_plan

pytestmark = pytest.mark.django_db

BORN = dt.date(2015, 3, 14)
MOVE = dt.date(2025, 11, 3)
FY_START, FY_END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)


@pytest.fixture
def third_la(db) -> LocalAuthority:
    return LocalAuthority.objects.create(code="777", name="Far Shire")


@pytest.fixture
def amara(home_la):
    return services.pupil_create(
        upn=make_upn("999", "2001", 15, 1),
        given_name="Amara",
        family_name="Okafor",
        date_of_birth=BORN,
        home_la=home_la,
    )


def periods_of(pupil) -> list[tuple]:
    return [
        (p.starts_on, p.ends_on, p.la.code)
        for p in PupilHomeLa.objects.filter(pupil=pupil).select_related("la").order_by("starts_on")
    ]


# --- the service --------------------------------------------------------------------------------


def test_r8_a_new_pupil_lives_in_their_home_la_from_birth(amara):
    assert periods_of(amara) == [(BORN, None, "999")]


def test_r8_a_house_move_on_3_november_closes_the_old_la_on_2_november(amara, other_la, la_officer):
    """Demo Borough pays to 2 Nov 2025, Neighbour County from 3 Nov 2025; nothing earlier
    changes, so re-running April-October bills the same LA as before."""
    services.pupil_home_la_change(
        pupil=amara, la=other_la, from_date=MOVE, user=la_officer, reason="House move"
    )

    assert periods_of(amara) == [
        (BORN, dt.date(2025, 11, 2), "999"),
        (MOVE, None, "888"),
    ]
    amara.refresh_from_db()
    assert amara.home_la == other_la  # the current home LA follows the latest period
    new = PupilHomeLa.objects.get(pupil=amara, starts_on=MOVE)
    assert (new.recorded_by, new.reason) == (la_officer, "House move")
    closed = PupilHomeLa.objects.get(pupil=amara, starts_on=BORN)
    assert [h.history_type for h in closed.history.order_by("history_date")] == ["+", "~"]
    assert closed.history.latest().history_user == la_officer


def test_r8_a_pupil_recorded_before_home_las_were_dated_gets_its_first_period_on_a_move(
    home_la, other_la
):
    pupil = factories.PupilFactory(home_la=home_la, date_of_birth=BORN)  # no dated period

    services.pupil_home_la_change(pupil=pupil, la=other_la, from_date=MOVE)

    assert periods_of(pupil) == [(BORN, dt.date(2025, 11, 2), "999"), (MOVE, None, "888")]


def test_r8_a_move_inside_an_earlier_period_is_refused(amara, other_la, third_la):
    services.pupil_home_la_change(pupil=amara, la=other_la, from_date=MOVE)

    with pytest.raises(ValidationError) as error:
        services.pupil_home_la_change(pupil=amara, la=third_la, from_date=dt.date(2024, 6, 1))

    assert error.value.message_dict == {
        "from_date": [
            "That date is inside an earlier home LA period (Demo Borough, 14 March 2015 to "
            "2 November 2025). To fix an earlier period, correct it instead."
        ]
    }
    assert len(periods_of(amara)) == 2


def test_r8_a_move_on_the_day_the_current_period_starts_is_refused(amara, other_la, third_la):
    services.pupil_home_la_change(pupil=amara, la=other_la, from_date=MOVE)

    with pytest.raises(ValidationError) as error:
        services.pupil_home_la_change(pupil=amara, la=third_la, from_date=MOVE)

    assert error.value.message_dict["from_date"] == [
        "The date of the move must be after the current home LA period started "
        "(3 November 2025). To fix an earlier period, correct it instead."
    ]


def test_r8_a_move_to_the_same_la_is_refused(amara, home_la):
    with pytest.raises(ValidationError) as error:
        services.pupil_home_la_change(pupil=amara, la=home_la, from_date=MOVE)

    assert error.value.message_dict["la"] == [
        "Demo Borough is already the pupil's home LA from 14 March 2015."
    ]


def test_r8_correcting_the_la_of_a_period_keeps_the_history(amara, other_la, third_la, la_officer):
    """The move was to Far Shire, not Neighbour County: the period is corrected, not replaced,
    and its history says who corrected it and why."""
    move = services.pupil_home_la_change(pupil=amara, la=other_la, from_date=MOVE)

    services.pupil_home_la_correct(
        period=move, la=third_la, user=la_officer, reason="Wrong LA keyed"
    )

    assert periods_of(amara) == [(BORN, dt.date(2025, 11, 2), "999"), (MOVE, None, "777")]
    amara.refresh_from_db()
    assert amara.home_la == third_la
    record = move.history.latest()
    assert (record.history_user, record.history_change_reason) == (la_officer, "Wrong LA keyed")
    assert move.history.earliest().la_id == other_la.pk  # what was keyed first is still there


def test_r8_correcting_the_start_of_a_move_moves_the_end_of_the_previous_period(amara, other_la):
    """The family moved on 20 October, not 3 November: Demo Borough now ends on 19 October."""
    move = services.pupil_home_la_change(pupil=amara, la=other_la, from_date=MOVE)

    services.pupil_home_la_correct(
        period=move, starts_on=dt.date(2025, 10, 20), reason="Date from council tax record"
    )

    assert periods_of(amara) == [
        (BORN, dt.date(2025, 10, 19), "999"),
        (dt.date(2025, 10, 20), None, "888"),
    ]


def test_r8_a_correction_needs_a_reason(amara, other_la):
    period = PupilHomeLa.objects.get(pupil=amara)
    with pytest.raises(ValidationError) as error:
        services.pupil_home_la_correct(period=period, la=other_la, reason=" ")
    assert error.value.message_dict == {"reason": ["Enter the reason for this correction."]}


# --- the database guards the periods ------------------------------------------------------------


def test_r8_the_database_refuses_two_home_las_on_the_same_day(amara, other_la):
    with pytest.raises(IntegrityError), transaction.atomic():
        PupilHomeLa.objects.create(pupil=amara, la=other_la, starts_on=MOVE)  # open from BORN


def test_r8_the_database_refuses_a_period_ending_before_it_starts(home_la):
    pupil = factories.PupilFactory(home_la=home_la)
    with pytest.raises(IntegrityError), transaction.atomic():
        PupilHomeLa.objects.create(
            pupil=pupil, la=home_la, starts_on=MOVE, ends_on=dt.date(2025, 11, 2)
        )


# --- the selector -------------------------------------------------------------------------------


def test_r8_periods_overlapping_the_fy_in_one_query(
    amara, home_la, other_la, django_assert_num_queries
):
    """FY 2025-26: Demo Borough 1 Apr - 2 Nov 2025, Neighbour County from 3 Nov 2025. A pupil
    who moved out before the FY has only the LA they lived in during it; a pupil recorded
    before home LAs were dated lives in their home LA from birth."""
    services.pupil_home_la_change(pupil=amara, la=other_la, from_date=MOVE)
    ben = services.pupil_create(
        upn=make_upn("999", "2001", 15, 2),
        given_name="Ben",
        family_name="Hart",
        date_of_birth=BORN,
        home_la=home_la,
    )
    services.pupil_home_la_change(pupil=ben, la=other_la, from_date=dt.date(2024, 1, 8))
    undated = factories.PupilFactory(home_la=home_la, date_of_birth=BORN)

    with django_assert_num_queries(1):
        periods = selectors.home_la_periods([amara.pk, ben.pk, undated.pk], FY_START, FY_END)

    assert periods == {
        amara.pk: [(BORN, dt.date(2025, 11, 2), home_la.pk), (MOVE, None, other_la.pk)],
        ben.pk: [(dt.date(2024, 1, 8), None, other_la.pk)],
        undated.pk: [(BORN, None, home_la.pk)],
    }


def test_r8_periods_as_at_a_moment_ignore_later_changes(amara, home_la, other_la):
    """A run as at 1 Oct 2025 saw Demo Borough for the whole year; the move recorded later
    does not change what that run reads."""
    before_move = timezone.now()
    services.pupil_home_la_change(pupil=amara, la=other_la, from_date=MOVE)

    assert selectors.home_la_periods([amara.pk], FY_START, FY_END, as_at=before_move) == {
        amara.pk: [(BORN, None, home_la.pk)]
    }
    assert selectors.home_la_periods([amara.pk], FY_START, FY_END, as_at=timezone.now()) == {
        amara.pk: [(BORN, dt.date(2025, 11, 2), home_la.pk), (MOVE, None, other_la.pk)]
    }


def test_r8_periods_as_at_before_any_dated_period_fall_back_to_the_pupils_home_la(home_la):
    pupil = factories.PupilFactory(home_la=home_la, date_of_birth=BORN)
    assert selectors.home_la_periods([pupil.pk], FY_START, FY_END, as_at=timezone.now()) == {
        pupil.pk: [(BORN, None, home_la.pk)]
    }


# --- the import ---------------------------------------------------------------------------------

UPN_A = make_upn("999", "2001", 15, 1)


def csv_file(*rows: dict) -> bytes:
    lines = [",".join(COLUMNS)]
    for row in rows:
        lines.append(",".join(str(row.get(c, "")) for c in COLUMNS))
    return ("\n".join(lines) + "\n").encode()


def row(**overrides) -> dict:
    base = {
        "UPN": UPN_A, "given_name": "Amara", "family_name": "Okafor",
        "date_of_birth": "2015-03-14", "home_la_code": "999", "school_urn": 100001,
        "placement_start": "2021-09-01", "plan_issued": "2023-01-10",
        "support_from": "2023-01-10", "lsa_hours": "20",
    }  # fmt: skip
    return base | overrides


@pytest.fixture
def hill(home_la, other_la, third_la):
    return factories.SchoolFactory(urn=100001, la=home_la, name="Hill Primary")


def test_r8_an_import_records_a_house_move_with_home_la_from(hill):
    content = csv_file(
        row(support_to="2025-11-02"),
        row(
            support_from="2025-11-03", lsa_hours="25", home_la_code="888", home_la_from="2025-11-03"
        ),
    )

    result = pupils_import(content=content, filename="pupils.csv")

    amara = Pupil.objects.get(upn=UPN_A)
    assert periods_of(amara) == [(BORN, dt.date(2025, 11, 2), "999"), (MOVE, None, "888")]
    assert amara.home_la.code == "888"
    assert result.created["home LA periods"] == 2
    again = pupils_import(content=content, filename="pupils.csv")
    assert sum(again.created.values()) + sum(again.updated.values()) == 0
    assert again.unchanged["home LA periods"] == 2


def test_r8_a_later_file_moves_a_stored_pupil_from_a_date(hill):
    pupils_import(content=csv_file(row()), filename="pupils.csv")

    result = pupils_import(
        content=csv_file(row(home_la_code="777", home_la_from="2026-01-05")), filename="p.csv"
    )

    amara = Pupil.objects.get(upn=UPN_A)
    assert periods_of(amara) == [
        (BORN, dt.date(2026, 1, 4), "999"),
        (dt.date(2026, 1, 5), None, "777"),
    ]
    assert (result.created["home LA periods"], result.updated["home LA periods"]) == (1, 1)
    closed = PupilHomeLa.objects.get(pupil=amara, starts_on=BORN)
    assert closed.history.latest().history_change_reason == "Pupil import"


def test_r8_an_undated_different_home_la_for_a_stored_pupil_is_refused(hill):
    """Without home_la_from the file cannot say from when: it must not re-bill the whole year."""
    pupils_import(content=csv_file(row()), filename="pupils.csv")

    with pytest.raises(ImportRejected) as rejected:
        pupils_import(content=csv_file(row(home_la_code="888")), filename="pupils.csv")

    assert [str(e) for e in rejected.value.errors] == [
        f"row 2, home_la_code: UPN {UPN_A} lives in LA 999 from 14/03/2015; give home_la_from "
        "to record a move, or correct the home LA history on the pupil page"
    ]
    assert periods_of(Pupil.objects.get(upn=UPN_A)) == [(BORN, None, "999")]


def test_r8_an_imported_move_inside_an_earlier_stored_period_is_refused(hill):
    pupils_import(
        content=csv_file(
            row(support_to="2023-01-31"),
            row(home_la_code="888", home_la_from="2025-11-03", support_from="2023-02-01"),
        ),
        filename="pupils.csv",
    )

    with pytest.raises(ImportRejected) as rejected:
        pupils_import(
            content=csv_file(
                row(support_to="2023-01-31", home_la_code="777", home_la_from="2024-06-01")
            ),
            filename="pupils.csv",
        )

    assert [str(e) for e in rejected.value.errors] == [
        "row 2, home_la_from: is inside the stored home LA period 14/03/2015 to 02/11/2025; "
        "correct the home LA history on the pupil page"
    ]


# --- the pupil page -----------------------------------------------------------------------------


def date_fields(name: str, day: dt.date) -> dict:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


@pytest.fixture
def pupil(oak, home_la):
    pupil = pupil_with_plan(oak, home_la=home_la, date_of_birth=BORN)
    services.pupil_home_la_change(
        pupil=pupil, la=LocalAuthority.objects.create(code="777", name="Far Shire"),
        from_date=dt.date(2024, 9, 1), reason="Moved for work",
    )  # fmt: skip
    return pupil


def test_r8_the_pupil_page_shows_the_home_la_history_to_an_la_officer(client, la_officer, pupil):
    client.force_login(la_officer)

    response = client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn}))

    rows = [(r.starts_on, r.ends_on, r.la_name, r.reason) for r in response.context["home_las"]]
    assert rows == [
        (dt.date(2024, 9, 1), None, "Far Shire", "Moved for work"),
        (BORN, dt.date(2024, 8, 31), "Demo Borough", "Home LA from date of birth"),
    ]
    assert reverse("pupils:home_la_change", kwargs={"upn": pupil.upn}) in response.text


def test_r8_an_la_officer_records_a_move_on_the_pupil_page(client, la_officer, pupil, other_la):
    client.force_login(la_officer)

    response = client.post(
        reverse("pupils:home_la_change", kwargs={"upn": pupil.upn}),
        {"la": other_la.pk, **date_fields("from_date", MOVE), "reason": "House move"},
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#home-la")
    assert periods_of(pupil)[-2:] == [
        (dt.date(2024, 9, 1), dt.date(2025, 11, 2), "777"),
        (MOVE, None, "888"),
    ]


def test_r8_a_refused_move_is_shown_against_the_date(client, la_officer, pupil, other_la):
    client.force_login(la_officer)

    response = client.post(
        reverse("pupils:home_la_change", kwargs={"upn": pupil.upn}),
        {"la": other_la.pk, **date_fields("from_date", dt.date(2020, 1, 6)), "reason": "x"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["from_date"] == [
        "That date is inside an earlier home LA period (Demo Borough, 14 March 2015 to "
        "31 August 2024). To fix an earlier period, correct it instead."
    ]


def test_r8_an_la_officer_corrects_a_period_on_the_pupil_page(client, la_officer, pupil, other_la):
    client.force_login(la_officer)
    period = PupilHomeLa.objects.get(pupil=pupil, starts_on=dt.date(2024, 9, 1))
    form = client.get(reverse("pupils:home_la_correct", kwargs={"upn": pupil.upn}))
    assert [str(p) for p in form.context["form"].fields["period"].queryset] == [
        f"{pupil.upn} living in LA 999 from 14 Mar 2015",
        f"{pupil.upn} living in LA 777 from 01 Sep 2024",
    ]
    assert "Far Shire, from 1 September 2024" in form.text

    response = client.post(
        reverse("pupils:home_la_correct", kwargs={"upn": pupil.upn}),
        {"period": period.pk, "la": other_la.pk, "reason": "Wrong LA keyed"},
    )

    assert response.status_code == 302
    assert periods_of(pupil)[-1] == (dt.date(2024, 9, 1), None, "888")


def test_r8_a_school_user_sees_no_home_la_history_and_cannot_change_it(client, oak, pupil):
    client.force_login(factories.school_manager(oak))

    page = client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn}))
    assert page.status_code == 200
    assert page.context["home_las"] is None
    for name in ("pupils:home_la_change", "pupils:home_la_correct"):
        url = reverse(name, kwargs={"upn": pupil.upn})
        assert client.get(url).status_code == 403
        assert client.post(url, {"reason": "x"}).status_code == 403
    assert len(periods_of(pupil)) == 2


def test_r8_another_schools_user_gets_nothing(client, home_la, pupil):
    elsewhere = factories.SchoolFactory(urn=333333, name="Elm Primary", la=home_la)
    client.force_login(factories.school_manager(elsewhere))

    assert client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).status_code == 404
    url = reverse("pupils:home_la_change", kwargs={"upn": pupil.upn})
    assert client.get(url).status_code in (403, 404)


def test_r8_pupils_bulk_created_without_a_home_la_period_get_one_from_birth(home_la, amara):
    seeded = factories.PupilFactory(home_la=home_la, date_of_birth=BORN)

    assert services.home_la_periods_from_birth() == 1
    assert services.home_la_periods_from_birth() == 0  # idempotent

    assert periods_of(seeded) == [(BORN, None, "999")]
    assert periods_of(amara) == [(BORN, None, "999")]
    assert PupilHomeLa.objects.get(pupil=seeded).history.count() == 1

"""R20 queries: the LA accepts a school's correction (recorded through pupils.services with an
effective date, so the next allocation and the next return pick it up) or rejects it with a
reason the school sees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from funding.returns import services
from funding.returns.models import MonthlyReturn, ReturnLine, ReturnStatus
from pupils import services as pupil_services
from pupils.models import Placement, SupportLevel
from pupils.services import SupportHours
from tests import factories
from tests.funding.returns.conftest import JUNE, MAY, add_pupil

pytestmark = pytest.mark.django_db


def queried_return(school, *answers):
    """Generate May for `school`, answer its lines in order with `answers`, submit."""
    services.monthly_return_generate(school_id=school.pk, month=MAY)
    lines = list(ReturnLine.objects.order_by("pupil__family_name"))
    for line, (on_roll, support_correct, correction) in zip(lines, answers, strict=True):
        services.return_line_answer(
            line=line,
            user=None,
            on_roll=on_roll,
            support_correct=support_correct,
            correction=correction,
        )
    services.monthly_return_submit(monthly_return=MonthlyReturn.objects.get(), user=None)
    return [ReturnLine.objects.get(pk=line.pk) for line in lines]


def status() -> str:
    return MonthlyReturn.objects.get().status


def test_r20_accepting_not_on_roll_ends_the_placement_on_the_date_given(school, la_officer):
    pupil = add_pupil(school)
    (line,) = queried_return(school, (False, True, "Left on 9 May"))

    services.return_line_accept(line=line, user=la_officer, effective_on=dt.date(2025, 5, 9))

    placement = Placement.objects.get(pupil=pupil)
    assert placement.ends_on == dt.date(2025, 5, 9)
    assert placement.recorded_by == la_officer
    line.refresh_from_db()
    assert (line.resolution, line.resolution_effective_on) == ("accepted", dt.date(2025, 5, 9))
    assert status() == ReturnStatus.RESOLVED


def test_r20_accepting_a_support_correction_changes_support_from_the_date(school, la_officer):
    pupil = add_pupil(school, lsa="20")
    (line,) = queried_return(school, (True, False, "25 hours LSA since 12 May"))

    services.return_line_accept(
        line=line,
        user=la_officer,
        effective_on=dt.date(2025, 5, 12),
        support=SupportHours(lsa_hours=Decimal("25")),
    )

    levels = list(
        SupportLevel.objects.filter(plan__pupil=pupil)
        .order_by("effective_from")
        .values_list("effective_from", "effective_to", "lsa_hours")
    )
    assert levels == [
        (dt.date(2024, 9, 1), dt.date(2025, 5, 11), Decimal("20.00")),
        (dt.date(2025, 5, 12), None, Decimal("25.00")),
    ]


def test_r20_accepted_support_change_shows_on_the_next_return(school, la_officer):
    pupil = add_pupil(school, lsa="20")
    (line,) = queried_return(school, (True, False, "25 hours from 2 June"))
    services.return_line_accept(
        line=line,
        user=la_officer,
        effective_on=dt.date(2025, 6, 2),
        support=SupportHours(lsa_hours=Decimal("25")),
    )

    services.monthly_return_generate(school_id=school.pk, month=JUNE)

    june = ReturnLine.objects.get(monthly_return__month=JUNE, pupil=pupil)
    assert june.lsa_hours == Decimal("25.00")
    assert june.changes == [
        {"kind": "support_changed", "effective_on": "2025-06-02", "detail": "20 h LSA to 25 h LSA"}
    ]


def test_r20_accepting_still_on_roll_places_the_pupil_again_from_the_date(school, la_officer):
    pupil = add_pupil(school)
    pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 5, 16))
    (line,) = queried_return(school, (True, True, "She did not leave; the move fell through"))

    services.return_line_accept(line=line, user=la_officer, effective_on=dt.date(2025, 5, 17))

    assert list(
        Placement.objects.filter(pupil=pupil).order_by("starts_on").values_list("school", "ends_on")
    ) == [(school.pk, dt.date(2025, 5, 16)), (school.pk, None)]


def test_r20_a_bad_effective_date_changes_nothing(school, la_officer):
    pupil = add_pupil(school, starts_on=dt.date(2024, 9, 1))
    (line,) = queried_return(school, (False, True, "Left"))

    with pytest.raises(ValidationError) as exc:
        services.return_line_accept(line=line, user=la_officer, effective_on=dt.date(2024, 8, 1))

    assert list(exc.value.message_dict) == ["effective_on"]
    assert Placement.objects.get(pupil=pupil).ends_on is None
    line.refresh_from_db()
    assert line.resolution == ""


def test_r20_accepting_needs_an_effective_date(school, la_officer):
    add_pupil(school)
    (line,) = queried_return(school, (False, True, "Left"))

    with pytest.raises(ValidationError) as exc:
        services.return_line_accept(line=line, user=la_officer, effective_on=None)

    assert exc.value.message_dict == {"effective_on": [services.EFFECTIVE_DATE_NEEDED]}


def test_r20_rejecting_needs_a_reason(school, la_officer):
    add_pupil(school)
    (line,) = queried_return(school, (False, True, "Left"))

    with pytest.raises(ValidationError) as exc:
        services.return_line_reject(line=line, user=la_officer, reason="  ")

    assert exc.value.message_dict == {"reason": [services.REASON_NEEDED]}


def test_r20_rejected_reason_is_shown_to_the_school(client, school, la_officer):
    add_pupil(school)
    (line,) = queried_return(school, (False, True, "Left"))
    services.return_line_reject(
        line=line, user=la_officer, reason="The pupil attended on 20 May (register checked)."
    )
    client.force_login(factories.school_manager(school))

    response = client.get(reverse("returns:detail", args=[line.monthly_return_id]))

    row = next(iter(response.context["table"].rows))
    assert row.get_cell_value("response") == (
        "Rejected: The pupil attended on 20 May (register checked)."
    )


def test_r20_return_is_resolved_only_when_every_query_is(school, la_officer):
    add_pupil(school, family_name="Adams")
    add_pupil(school, family_name="Brown")
    first, second = queried_return(school, (False, True, "Left"), (True, False, "30 hours"))

    services.return_line_reject(line=first, user=la_officer, reason="Still on our roll data")
    assert status() == ReturnStatus.QUERIED

    services.return_line_reject(line=second, user=la_officer, reason="Panel set 20 hours")
    assert status() == ReturnStatus.RESOLVED


def test_r20_a_resolved_line_cannot_be_resolved_again(school, la_officer):
    add_pupil(school)
    (line,) = queried_return(school, (False, True, "Left"))
    services.return_line_reject(line=line, user=la_officer, reason="No")

    with pytest.raises(ValidationError, match="already rejected"):
        services.return_line_accept(line=line, user=la_officer, effective_on=dt.date(2025, 5, 9))


def test_r20_agreed_lines_are_not_queries(school, la_officer):
    add_pupil(school)
    (line,) = queried_return(school, (True, True, ""))

    with pytest.raises(ValidationError, match="nothing to resolve"):
        services.return_line_reject(line=line, user=la_officer, reason="No")


# --- Pages --------------------------------------------------------------------------------


def test_query_queue_lists_open_queries_only(client, school, la_officer):
    add_pupil(school, family_name="Adams")
    add_pupil(school, family_name="Brown")
    add_pupil(school, family_name="Clark")
    first, second, _ = queried_return(
        school, (False, True, "Left"), (True, False, "30 hours"), (True, True, "")
    )
    services.return_line_reject(line=first, user=la_officer, reason="No")
    client.force_login(la_officer)

    response = client.get(reverse("returns:queries"))

    assert [row.record.pk for row in response.context["table"].rows] == [second.pk]


def test_query_queue_filters_by_what_the_query_is_about(client, school, la_officer):
    add_pupil(school, family_name="Adams")
    add_pupil(school, family_name="Brown")
    first, second = queried_return(school, (False, True, "Left"), (True, False, "30 hours"))
    client.force_login(la_officer)

    response = client.get(reverse("returns:queries"), {"about": "roll"})

    assert [row.record.pk for row in response.context["table"].rows] == [first.pk]


def test_resolve_page_accepts_a_support_correction(client, school, la_officer):
    pupil = add_pupil(school, lsa="20")
    (line,) = queried_return(school, (True, False, "25 hours"))
    client.force_login(la_officer)
    url = reverse("returns:line_resolve", args=[line.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "decision": "accept",
            "effective_on_0": "12",
            "effective_on_1": "5",
            "effective_on_2": "2025",
            "lsa_hours": "25",
            "lst_hours": "0",
            "ta_hours": "0",
            "band": "",
            "resource_amount": "",
        },
    )

    assert response.status_code == 302
    assert SupportLevel.objects.get(plan__pupil=pupil, effective_to__isnull=True).lsa_hours == 25


def test_resolve_page_shows_the_pupils_service_message_against_the_date(client, school, la_officer):
    add_pupil(school, starts_on=dt.date(2024, 9, 1))
    (line,) = queried_return(school, (False, True, "Left"))
    client.force_login(la_officer)

    response = client.post(
        reverse("returns:line_resolve", args=[line.pk]),
        {
            "decision": "accept",
            "effective_on_0": "1",
            "effective_on_1": "8",
            "effective_on_2": "2024",
        },
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["effective_on"]


def test_resolve_page_rejects_with_a_reason(client, school, la_officer):
    add_pupil(school)
    (line,) = queried_return(school, (False, True, "Left"))
    client.force_login(la_officer)

    client.post(
        reverse("returns:line_resolve", args=[line.pk]),
        {"decision": "reject", "reason": "Attendance shows her in school"},
    )

    line.refresh_from_db()
    assert (line.resolution, line.resolution_reason) == (
        "rejected",
        "Attendance shows her in school",
    )


def test_resolve_page_starts_from_the_recorded_support(client, school, la_officer):
    add_pupil(school, lsa="20", lst="5")
    (line,) = queried_return(school, (True, False, "25 hours"))
    client.force_login(la_officer)

    form = client.get(reverse("returns:line_resolve", args=[line.pk])).context["form"]

    assert (form["lsa_hours"].value(), form["lst_hours"].value()) == (
        Decimal("20.00"),
        Decimal("5.00"),
    )


def test_start_page_counts_queried_lines_for_the_la(client, school, la_officer):
    add_pupil(school)
    queried_return(school, (False, True, "Left"))
    client.force_login(la_officer)

    response = client.get(reverse("home"))

    item = next(
        t
        for t in response.context["tasks"]
        if t["title"] == "Queried return lines waiting for a decision"
    )
    assert item["count"] == 1

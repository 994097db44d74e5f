"""R19: the cluster's cycle, request -> review at a meeting -> impact at the end of the period,
with statuses and who/when kept; the budget it draws on (share, committed, spent, remaining)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from clusters import selectors, services
from clusters.models import ClusterMeeting, ClusterRequest, Decision, MeetingStatus, RequestStatus
from tests.clusters.conftest import submit

pytestmark = pytest.mark.django_db


def date_fields(name, day):
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def test_r19_request_review_impact_cycle_through_the_pages(client, world):
    w = world
    ends_on = min(w.today + dt.timedelta(days=10), w.fy.ends_on)
    # 1. Ash's SENCO asks for £2,400.00.
    client.force_login(w.senco_a)
    response = client.post(
        reverse("clusters:request_create", args=[w.north.pk]),
        {
            "school": w.a.pk,
            "category": "medical",
            "for_whom": "Pupil in Year 4 (J.K.)",
            "need": "Newly diagnosed type 1 diabetes.",
            "provision": "A trained TA at lunch and before PE.",
            "intended_outcomes": "Safe glucose management; full access to PE.",
            "amount_requested": "£2,400",  # as people type it
            **date_fields("starts_on", w.fy.starts_on),
            **date_fields("ends_on", ends_on),
        },
    )
    req = ClusterRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clusters:request_detail", args=[w.north.pk, req.pk])
    assert (req.status, req.submitted_by, req.financial_year) == (
        RequestStatus.SUBMITTED,
        w.senco_a,
        w.fy.start_year,
    )
    assert req.amount_requested == Decimal("2400.00")
    # 2. The host records the cluster's decision at today's meeting (yesterday's was before the
    # request was made): approved with a different amount, £2,000.00.
    today_meeting = ClusterMeeting.objects.create(
        cluster=w.north,
        academic_year=w.meeting_n.academic_year,
        number=3,
        date=w.today,
        status=MeetingStatus.HELD,
    )
    client.force_login(w.host_n)
    response = client.post(
        reverse("clusters:request_review", args=[w.north.pk, req.pk]),
        {
            "meeting": today_meeting.pk,
            "decision": "approved_different_amount",
            "amount_approved": "2000.00",
            "reasons": "Lunch cover only; PE covered by the school.",
        },
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert (req.status, req.decision, req.amount_approved, req.reviewed_by, req.meeting) == (
        RequestStatus.APPROVED,
        Decision.APPROVED_DIFFERENT_AMOUNT,
        Decimal("2000.00"),
        w.host_n,
        today_meeting,
    )
    # North's share £50,500.00 (see the `world` fixture): committed £2,000.00, spent £0,
    # remaining £50,500.00 - £2,000.00 = £48,500.00.
    budget = selectors.cluster_budget(w.north, w.fy)
    assert (budget.share, budget.committed, budget.spent, budget.remaining) == (
        Decimal("50500.00"),
        Decimal("2000.00"),
        Decimal("0"),
        Decimal("48500.00"),
    )
    # 3. At the end of the period Ash's SENCO records the impact: £1,850.00 spent.
    client.force_login(w.senco_a)
    response = client.post(
        reverse("clusters:request_impact", args=[w.north.pk, req.pk]),
        {
            "outcomes": "Glucose checked before lunch every day; no incidents.",
            "impact_rating": "met",
            "amount_spent": "£1,850",
        },
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert (req.status, req.amount_spent, req.impact_recorded_by) == (
        RequestStatus.IMPACT_RECORDED,
        Decimal("1850.00"),
        w.senco_a,
    )
    # The £150.00 not spent goes back: committed £0, spent £1,850.00,
    # remaining £50,500.00 - £1,850.00 = £48,650.00.
    budget = selectors.cluster_budget(w.north, w.fy)
    assert (budget.committed, budget.spent, budget.remaining) == (
        Decimal("0"),
        Decimal("1850.00"),
        Decimal("48650.00"),
    )
    # Who and when, for every step.
    history = list(req.history.order_by("history_date"))
    assert [(h.status, h.history_user, h.history_change_reason) for h in history] == [
        ("submitted", w.senco_a, "Request submitted"),
        ("approved", w.host_n, "Reviewed: Approved with a different amount"),
        ("impact_recorded", w.senco_a, "Impact recorded"),
    ]
    page = client.get(reverse("clusters:request_detail", args=[w.north.pk, req.pk]))
    assert page.context["history"][-1].history_user == w.senco_a


def test_request_form_errors_link_to_the_fields(client, world):
    client.force_login(world.senco_a)
    response = client.post(
        reverse("clusters:request_create", args=[world.north.pk]), {"school": world.a.pk}
    )
    assert response.status_code == 200
    links = dict(response.context["form"].error_links())
    assert links["id_need"] == "Enter the need"
    assert links["id_starts_on_0"] == "Enter the date the period starts"
    assert 'class="govuk-error-summary"' in response.content.decode()


def test_r19_approved_as_asked(world):
    w = world
    req = submit(w, w.a, w.senco_a, amount="3000.00")
    req = services.request_review(
        request=req, meeting=w.meeting_n, decision=Decision.APPROVED, reasons="Yes", user=w.host_n
    )
    assert (req.status, req.amount_approved) == (RequestStatus.APPROVED, Decimal("3000.00"))


def test_r19_declined_with_reasons_commits_nothing(world):
    w = world
    req = submit(w, w.a, w.senco_a)
    req = services.request_review(
        request=req,
        meeting=w.meeting_n,
        decision=Decision.DECLINED,
        reasons="Met from the school's own SEN support.",
        user=w.host_n,
    )
    assert (req.status, req.amount_approved) == (RequestStatus.DECLINED, None)
    assert selectors.cluster_budget(w.north, w.fy).committed == Decimal("0")


def test_r19_review_needs_reasons(world):
    w = world
    req = submit(w, w.a, w.senco_a)
    with pytest.raises(ValidationError) as exc:
        services.request_review(
            request=req, meeting=w.meeting_n, decision=Decision.DECLINED, reasons=" ", user=w.host_n
        )
    assert exc.value.message_dict == {"reasons": [services.REASONS_NEEDED]}


def test_r19_approval_cannot_overspend_the_clusters_share(world):
    # North's share is £50,500.00: approving £60,000.00 leaves it £9,500.00 short.
    w = world
    req = submit(w, w.a, w.senco_a, amount="60000.00")
    with pytest.raises(ValidationError) as exc:
        services.request_review(
            request=req, meeting=w.meeting_n, decision=Decision.APPROVED, reasons="x", user=w.host_n
        )
    assert exc.value.message_dict["decision"] == [
        f"Approving £60,000.00 would leave the cluster £9,500.00 short for FY {w.fy}: "
        "£50,500.00 of its £50,500.00 share is left."
    ]


def test_r19_different_amount_must_differ(world):
    w = world
    req = submit(w, w.a, w.senco_a, amount="2000.00")
    with pytest.raises(ValidationError) as exc:
        services.request_review(
            request=req,
            meeting=w.meeting_n,
            decision=Decision.APPROVED_DIFFERENT_AMOUNT,
            amount_approved=Decimal("2000.00"),
            reasons="x",
            user=w.host_n,
        )
    assert exc.value.message_dict == {"amount_approved": [services.SAME_AMOUNT]}


def test_r19_review_at_another_clusters_meeting_refused(world):
    w = world
    req = submit(w, w.a, w.senco_a)
    with pytest.raises(ValidationError) as exc:
        services.request_review(
            request=req, meeting=w.meeting_s, decision=Decision.APPROVED, reasons="x", user=w.host_n
        )
    assert exc.value.message_dict == {"meeting": [services.MEETING_OTHER_CLUSTER]}


def test_r19_review_at_a_meeting_not_yet_held_refused(world):
    w = world
    req = submit(w, w.a, w.senco_a)
    with pytest.raises(ValidationError, match="has not taken place yet"):
        services.request_review(
            request=req,
            meeting=w.future_meeting_n,
            decision=Decision.APPROVED,
            reasons="x",
            user=w.host_n,
        )


@pytest.mark.parametrize("who", ["senco_a", "host_s", "officer"])
def test_r19_only_the_clusters_host_reviews(world, who):
    w = world
    req = submit(w, w.a, w.senco_a)
    with pytest.raises(PermissionDenied):
        services.request_review(
            request=req,
            meeting=w.meeting_n,
            decision=Decision.APPROVED,
            reasons="x",
            user=getattr(w, who),
        )


def test_r19_a_request_is_reviewed_once(world):
    w = world
    req = submit(w, w.a, w.senco_a)
    services.request_review(
        request=req, meeting=w.meeting_n, decision=Decision.DECLINED, reasons="x", user=w.host_n
    )
    with pytest.raises(ValidationError, match="already been reviewed"):
        services.request_review(
            request=req, meeting=w.meeting_n, decision=Decision.APPROVED, reasons="x", user=w.host_n
        )


def test_r19_impact_cannot_spend_more_than_approved(world):
    w = world
    req = submit(w, w.a, w.senco_a, amount="1000.00")
    services.request_review(
        request=req, meeting=w.meeting_n, decision=Decision.APPROVED, reasons="x", user=w.host_n
    )
    with pytest.raises(ValidationError) as exc:
        services.request_record_impact(
            request=req,
            outcomes="Done",
            impact_rating="met",
            amount_spent=Decimal("1000.01"),
            user=w.senco_a,
        )
    assert exc.value.message_dict == {
        "amount_spent": ["The amount spent cannot be more than the £1,000.00 approved."]
    }


def test_r19_impact_is_recorded_at_the_end_of_the_period(world):
    w = world
    req = submit(w, w.a, w.senco_a, ends_on=w.today + dt.timedelta(days=90))
    services.request_review(
        request=req, meeting=w.meeting_n, decision=Decision.APPROVED, reasons="x", user=w.host_n
    )
    with pytest.raises(ValidationError, match="Record impact at the end of the period"):
        services.request_record_impact(
            request=req,
            outcomes="x",
            impact_rating="met",
            amount_spent=Decimal("1"),
            user=w.senco_a,
        )


def test_r19_impact_only_for_an_approved_request(world):
    w = world
    req = submit(w, w.a, w.senco_a)
    with pytest.raises(ValidationError, match="Impact is recorded once"):
        services.request_record_impact(
            request=req,
            outcomes="x",
            impact_rating="met",
            amount_spent=Decimal("1"),
            user=w.senco_a,
        )


def test_r19_withdrawn_request_cannot_be_reviewed(world):
    w = world
    req = submit(w, w.a, w.senco_a)
    services.request_withdraw(request=req, user=w.senco_a, reason="Met from school budget")
    req.refresh_from_db()
    assert req.status == RequestStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        services.request_review(
            request=req, meeting=w.meeting_n, decision=Decision.APPROVED, reasons="x", user=w.host_n
        )


def test_r19_senco_asks_only_for_their_own_school(world):
    w = world
    with pytest.raises(ValidationError) as exc:
        submit(w, w.b, w.senco_a)
    assert exc.value.message_dict == {"school": [services.NOT_YOUR_SCHOOL]}


def test_r19_a_school_that_has_left_the_cluster_cannot_ask(world):
    w = world
    membership = w.b.cluster_memberships.get()
    membership.ends_on = w.today - dt.timedelta(days=1)
    membership.save()
    with pytest.raises(PermissionDenied):
        submit(w, w.b, w.senco_b)  # no longer a member school's SENCO
    with pytest.raises(ValidationError, match="is not a member of North Cluster"):
        submit(w, w.b, w.host_n)


def test_database_refuses_an_approval_without_a_meeting(world):
    w = world
    req = submit(w, w.a, w.senco_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        # No decision, meeting or amount: the database refuses it whatever the code does.
        ClusterRequest.objects.filter(pk=req.pk).update(status="approved")


# ---- the annual framework of meetings ------------------------------------------------------


def test_r19_framework_is_six_half_day_meetings_with_agendas(world):
    w = world
    meetings = services.meeting_framework_create(
        cluster=w.south, academic_year=w.meeting_s.academic_year + 1, user=w.host_s
    )
    assert [m.number for m in meetings] == [1, 2, 3, 4, 5, 6]
    assert all(m.agenda and m.session == "morning" for m in meetings)
    assert meetings[0].agenda.startswith("Initial meeting: headteachers, SENCOs and a governor")
    assert meetings[0].venue == "Cedar Primary School"
    with pytest.raises(ValidationError, match="already has meetings"):
        services.meeting_framework_create(
            cluster=w.south, academic_year=w.meeting_s.academic_year + 1, user=w.host_s
        )


def test_senco_cannot_set_up_the_framework(client, world):
    client.force_login(world.senco_a)
    response = client.post(
        reverse("clusters:meetings", args=[world.north.pk]), {"academic_year": 2030}
    )
    assert response.status_code == 403
    assert not ClusterMeeting.objects.filter(academic_year=2030).exists()


def test_host_records_minutes(client, world):
    w = world
    client.force_login(w.host_n)
    response = client.post(
        reverse("clusters:meeting_edit", args=[w.north.pk, w.meeting_n.pk]),
        {
            **date_fields("date", w.meeting_n.date),
            "session": "afternoon",
            "venue": "Ash Primary School",
            "status": "held",
            "agenda": "1. Requests",
            "minutes": "CR-00001 approved.",
            "attendees": "Host\nSENCOs",
        },
    )
    assert response.status_code == 302
    w.meeting_n.refresh_from_db()
    assert (w.meeting_n.minutes, w.meeting_n.session) == ("CR-00001 approved.", "afternoon")
    assert w.meeting_n.history.first().history_user == w.host_n


# ---- Issue 16 §6: decisions at a meeting after the request, own approvals, impact window --------


def test_r19_a_decision_is_recorded_only_at_a_meeting_on_or_after_the_request(client, world):
    w = world
    req = submit(w, w.a, w.senco_a, asked_on=w.today)  # asked today; the meeting was yesterday
    with pytest.raises(ValidationError) as exc:
        services.request_review(
            request=req, meeting=w.meeting_n, decision="approved", reasons="Agreed.", user=w.host_n
        )
    assert exc.value.message_dict["meeting"] == [
        f"The meeting on {w.meeting_n.date:%-d %B %Y} was before the request was made on "
        f"{w.today:%-d %B %Y}: choose a meeting on or after that day."
    ]
    # The page offers only the meetings held on or after the day the request was made.
    client.force_login(w.host_n)
    response = client.get(reverse("clusters:request_review", args=[w.north.pk, req.pk]))
    assert list(response.context["form"].fields["meeting"].queryset) == []
    older = submit(w, w.a, w.senco_a)  # asked two days ago: yesterday's meeting is offered
    response = client.get(reverse("clusters:request_review", args=[w.north.pk, older.pk]))
    assert list(response.context["form"].fields["meeting"].queryset) == [w.meeting_n]


def test_r19_the_host_is_warned_when_recording_a_decision_on_their_own_request(client, world):
    w = world
    own = submit(w, w.a, w.host_n)
    other = submit(w, w.a, w.senco_a)
    client.force_login(w.host_n)
    response = client.get(reverse("clusters:request_review", args=[w.north.pk, own.pk]))
    assert f"You made this request ({own.reference}) yourself" in response.context["warning"]
    assert "govuk-warning-text" in response.content.decode()
    response = client.get(reverse("clusters:request_review", args=[w.north.pk, other.pk]))
    assert "warning" not in response.context


def test_r19_record_the_impact_only_once_its_window_opens(client, world):
    w = world
    ends_on = min(w.today + dt.timedelta(days=40), w.fy.ends_on)
    if ends_on - dt.timedelta(days=28) <= w.today:
        pytest.skip("the financial year ends within four weeks of today")
    req = submit(w, w.a, w.senco_a, ends_on=ends_on)
    req = services.request_review(
        request=req, meeting=w.meeting_n, decision="approved", reasons="Agreed.", user=w.host_n
    )
    opens = ends_on - dt.timedelta(days=28)
    assert req.impact_opens_on == opens
    client.force_login(w.senco_a)
    detail = reverse("clusters:request_detail", args=[w.north.pk, req.pk])
    impact = reverse("clusters:request_impact", args=[w.north.pk, req.pk])
    page = client.get(detail).content.decode()
    assert impact not in page
    assert f"from {opens:%-d %B %Y}" in page
    response = client.get(impact, follow=True)
    assert response.redirect_chain[-1][0] == detail
    assert f"from {opens:%-d %B %Y}" in response.content.decode()
    with pytest.raises(ValidationError) as exc:
        services.request_record_impact(
            request=req, outcomes="Done.", impact_rating="met", amount_spent=0, user=w.senco_a
        )
    assert exc.value.message_dict["outcomes"] == [
        f"Record impact at the end of the period (from {opens:%-d %B %Y})."
    ]


def test_r19_the_request_form_starts_with_the_hosts_school(client, world):
    w = world
    client.force_login(w.host_n)
    response = client.get(reverse("clusters:request_create", args=[w.north.pk]))
    assert response.context["form"].fields["school"].initial == w.a.pk  # North's host school


def test_r19_amounts_are_accepted_as_people_type_them(world):
    from clusters.forms import money_field

    field = money_field("Amount asked for", minimum="0.01")
    assert field.clean("£1,850") == Decimal("1850")
    assert field.clean(" 1,850.50 ") == Decimal("1850.50")
    with pytest.raises(ValidationError):
        field.clean("one thousand")

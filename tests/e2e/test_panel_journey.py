"""A SEN Panel member's decision in the panel's own GOV.UK pages, in a real browser, under the
real Content Security Policy: a held meeting, its case pack, the decision form (no outcome
chosen), the letter with its way back; axe finds nothing serious or critical on those pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from funding.panel import services
from funding.panel.models import CaseKind, MeetingStatus, PanelMeeting
from tests import factories
from tests.e2e.conftest import axe_violations, sign_in
from tests.e2e.data import pupil_with_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TODAY = timezone.localdate()


@pytest.fixture
def panel_world(home_la):
    oak = factories.SchoolFactory(urn=111111, name="Oak Tree Primary", la=home_la)
    ada = pupil_with_plan(
        oak,
        given_name="Ada",
        family_name="Lovelace",
        issued_on=TODAY - dt.timedelta(days=200),
        starts_on=TODAY - dt.timedelta(days=200),
        lsa_hours=Decimal("20"),
    )
    officer = factories.la_officer(username="olu", first_name="Olu", last_name="Officer")
    pat = factories.panel_member(username="pat", first_name="Pat", last_name="Panel")
    meeting = PanelMeeting.objects.create(
        date=TODAY - dt.timedelta(days=1), status=MeetingStatus.HELD
    )
    meeting.members_present.add(pat)
    case = services.case_submit(
        user=officer,
        pupil=ada,
        school=oak,
        kind=CaseKind.PERSONAL_SUPPLEMENT,
        requested_amount=Decimal("3000.00"),
        requested_from=TODAY,
        requested_until=TODAY + dt.timedelta(days=90),
        evidence_summary="One-to-one support at lunchtimes for medical needs.",
        meeting=meeting,
    )
    return {"meeting": meeting, "case": case}


def test_panel_member_decides_a_case_at_a_held_meeting_and_sees_the_letter(page, panel_world):
    case = panel_world["case"]
    sign_in(page, "pat")

    # From the service menu to the held meeting and its agenda.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="SEN Panel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SEN Panel meetings")
    page.get_by_role("link", name=panel_world["meeting"].date.strftime("%-d %B %Y")).click()
    expect(page.get_by_text("Pat Panel", exact=True)).to_be_visible()

    # The case pack: the pupil, the plan and support, the evidence.
    page.get_by_role("link", name=case.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")
    expect(page.get_by_text("One-to-one support at lunchtimes")).to_be_visible()

    # The decision form: nothing chosen for the panel.
    page.get_by_role("button", name="Record the decision").or_(
        page.get_by_role("link", name="Record the decision")
    ).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the panel's decision")
    radios = page.locator('input[name="outcome"]')
    assert radios.count() == 4
    assert not any(radios.nth(i).is_checked() for i in range(4))

    # Submitting without choosing shows the error summary.
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the panel's decision")

    page.get_by_label("Approved", exact=True).check()
    page.get_by_label("The panel's reasons").fill("Medical needs evidenced by the school nurse.")
    page.get_by_role("button", name="Record the decision").click()

    # The letter, with a way back to the case.
    expect(page.get_by_role("heading", level=1)).to_contain_text("SEN Panel decision")
    expect(page.get_by_text("Decision recorded on case")).to_be_visible()
    page.get_by_role("link", name="Back to the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")
    expect(page.get_by_text("Approved").first).to_be_visible()


def test_panel_pages_have_no_serious_axe_violation(axe_page, panel_world):
    case = panel_world["case"]
    meeting = panel_world["meeting"]
    sign_in(axe_page, "pat")
    urls = [
        reverse("panel:meetings"),
        reverse("panel:meeting", args=[meeting.pk]),
        reverse("panel:meeting_attendance", args=[meeting.pk]),
        reverse("panel:cases") + "?status=open",
        reverse("panel:case", args=[case.pk]),
        reverse("panel:case_decide", args=[case.pk]),
    ]
    found = {}
    for url in urls:
        assert axe_page.goto(url).status == 200, url
        if violations := axe_violations(axe_page):
            found[url] = violations
    # The form with its errors, then the letter after a decision.
    axe_page.goto(reverse("panel:case_decide", args=[case.pk]))
    axe_page.get_by_role("button", name="Record the decision").click()
    if violations := axe_violations(axe_page):
        found["decide (errors)"] = violations
    decision = services.case_approve_as_requested(
        case=case, user=meeting.members_present.get(), reasons="Agreed."
    )
    axe_page.goto(reverse("panel:decision_letter", args=[decision.pk]))
    if violations := axe_violations(axe_page):
        found["letter"] = violations

    assert found == {}

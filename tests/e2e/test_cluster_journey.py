"""A cluster request's impact in a real browser (issue 16 §6, R19): the school that asked
records the impact of an approved request once its window opens, typing the amount as people
do ("£1,850"), with the keyboard only and the real Content Security Policy."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from clusters import services
from clusters.models import ClusterRequest, RequestStatus
from tests.clusters.conftest import submit, world  # noqa: F401 - the fixture is used below
from tests.e2e.conftest import axe_violations, sign_in, tab_to

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_r19_a_school_records_the_impact_of_an_approved_request(page, axe_page, world):  # noqa: F811
    w = world
    req = submit(w, w.a, w.senco_a, amount="2000.00")  # period ends within ten days
    services.request_review(
        request=req, meeting=w.meeting_n, decision="approved", reasons="Agreed.", user=w.host_n
    )
    sign_in(page, "senco_a")
    page.goto(f"/clusters/{w.north.pk}/requests/{req.pk}/")
    tab_to(page, page.get_by_role("link", name="Record the impact"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the impact")
    tab_to(page, page.get_by_label("Outcomes against what was intended"))
    page.keyboard.type("Reading age up eleven months on average.")
    tab_to(page, page.get_by_label("Outcomes met", exact=True))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Amount spent"))
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("£1,850")
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Impact recorded for {req.reference}.")).to_be_visible()
    req.refresh_from_db()
    # £2,000.00 approved, £1,850.00 spent: £150.00 goes back to the cluster's money.
    assert (req.status, req.amount_spent) == (RequestStatus.IMPACT_RECORDED, Decimal("1850.00"))

    # The impact page and the request page pass axe for an approved request.
    other = submit(w, w.a, w.senco_a, amount="900.00")
    services.request_review(
        request=other, meeting=w.meeting_n, decision="approved", reasons="Agreed.", user=w.host_n
    )
    sign_in(axe_page, "senco_a")
    for url in (
        f"/clusters/{w.north.pk}/requests/{other.pk}/",
        f"/clusters/{w.north.pk}/requests/{other.pk}/impact/",
    ):
        axe_page.goto(url)
        assert axe_violations(axe_page) == [], url
    assert ClusterRequest.objects.filter(status=RequestStatus.APPROVED).count() == 1

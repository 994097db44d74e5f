"""The monthly return loop in a real browser, with the keyboard only, under the real Content
Security Policy (R20): the school queries a line and submits through check-your-answers; the
LA, which had already recorded the change after the return was issued, closes the query as
"already recorded". The resolve page passes axe with no serious or critical violation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from funding.returns import services
from funding.returns.calculations import month_start
from funding.returns.models import MonthlyReturn, ReturnLine, ReturnStatus
from pupils import services as pupil_services
from pupils.models import SupportLevel
from pupils.services import SupportHours
from tests import factories
from tests.e2e.conftest import axe_violations, sign_in, tab_to
from tests.e2e.data import pupil_with_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TODAY = timezone.localdate()
MONTH = month_start(TODAY)


@pytest.fixture
def queried_world(home_la, settings):
    """Oak's return for this month says 25 h LSA for Ada; after it was issued the LA recorded
    30 h LSA from the first of the month."""
    settings.RETURNS_MONTHLY_AMOUNTS = False  # no scheme here: the money is not the point
    oak = factories.SchoolFactory(urn=111111, name="Oak Tree Primary", la=home_la)
    ada = pupil_with_plan(
        oak,
        given_name="Ada",
        family_name="Lovelace",
        issued_on=MONTH - dt.timedelta(days=200),
        starts_on=MONTH - dt.timedelta(days=200),
        lsa_hours=Decimal("25"),
    )
    olu = factories.la_officer(username="olu", first_name="Olu", last_name="Officer")
    factories.school_manager(oak, username="sam", first_name="Sam", last_name="Manager")
    services.monthly_return_generate(school_id=oak.pk, month=MONTH)
    pupil_services.support_change(
        plan=ada.plans.get(),
        effective_from=MONTH,
        support=SupportHours(lsa_hours=Decimal("30")),
        user=olu,
        reason="Annual review: 30 hours agreed",
    )
    return {"oak": oak, "ada": ada, "return": MonthlyReturn.objects.get()}


def test_school_queries_a_line_submits_and_la_closes_it_as_already_recorded(
    page, axe_page, queried_world
):
    monthly_return = queried_world["return"]

    # The school answers: on roll, but the support is wrong.
    sign_in(page, "sam")
    page.goto(f"/returns/{monthly_return.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Return for {MONTH:%B %Y}")
    expect(page.get_by_text("Record changed since issue").first).to_be_visible()
    tab_to(page, page.get_by_role("link", name="Answer Ada Lovelace"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    on_roll = page.get_by_role("group", name="Is Ada Lovelace still on the school's roll?")
    tab_to(page, on_roll.get_by_label("Yes"))
    page.keyboard.press("Space")
    support = page.get_by_role("group", name="Is the support level correct?")
    tab_to(page, support.get_by_label("Yes"))
    page.keyboard.press("ArrowDown")  # No
    expect(support.get_by_label("No")).to_be_checked()
    tab_to(page, page.get_by_label("What is wrong?"))
    page.keyboard.type("Her plan gives 30 hours LSA from the start of the month")
    tab_to(page, page.get_by_role("button", name="Save and continue"))
    page.keyboard.press("Enter")

    # Back on the return: the query is not sent until the return is submitted.
    page.wait_for_url(f"**/returns/{monthly_return.pk}/")
    expect(page.locator("table")).to_contain_text("Queried — not yet sent")
    tab_to(page, page.get_by_role("button", name="Continue to check your answers"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting the return"
    )
    expect(page.locator(".govuk-summary-list").first).to_contain_text(
        "Her plan gives 30 hours LSA from the start of the month"
    )
    tab_to(page, page.get_by_role("button", name="Submit the return"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/returns/{monthly_return.pk}/submitted/")
    expect(page.locator(".govuk-panel__title")).to_have_text("Return submitted")
    assert MonthlyReturn.objects.get().status == ReturnStatus.QUERIED

    # The LA: the resolve page passes axe (checked in a context that may inject it).
    line = ReturnLine.objects.get()
    sign_in(axe_page, "olu")
    axe_page.goto(f"/returns/lines/{line.pk}/resolve/")
    assert axe_violations(axe_page) == []

    # The LA opens the query from the queue, sees the record now, and closes it.
    page.context.clear_cookies()
    sign_in(page, "olu")
    page.goto("/returns/queries/")
    expect(page.locator("table")).to_contain_text("Record changed since issue")
    tab_to(page, page.get_by_role("link", name="Resolve Ada Lovelace"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Resolve the query for Ada Lovelace")
    record = page.locator(".govuk-summary-list").nth(1)
    expect(record).to_contain_text("25 h LSA")  # the return's figure
    expect(record).to_contain_text(f"30 h LSA from {MONTH:%-d %B %Y}")  # the record now
    expect(record).to_contain_text("by Olu Officer")
    tab_to(page, page.get_by_label("Accept the school's correction"))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Already recorded — no change needed")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Save decision"))
    page.keyboard.press("Enter")

    page.wait_for_url("**/returns/queries/")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Query for Ada Lovelace closed: already recorded, no change needed."
    )
    line.refresh_from_db()
    assert line.resolution == "recorded"
    assert MonthlyReturn.objects.get().status == ReturnStatus.RESOLVED
    # Nothing recorded twice: the level from the first of the month is the LA's own.
    assert list(
        SupportLevel.objects.filter(plan__pupil=queried_world["ada"])
        .order_by("effective_from")
        .values_list("lsa_hours", flat=True)
    ) == [Decimal("25.00"), Decimal("30.00")]

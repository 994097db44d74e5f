"""The officer's and the school's journeys in a real browser, with the keyboard only, under the
real Content Security Policy (any CSP violation in the console fails the test)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pupils.models import Placement, SupportLevel
from tests import factories
from tests.e2e.conftest import sign_in, tab_to
from tests.e2e.data import pupil_with_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TODAY = timezone.localdate()


@pytest.fixture
def oak(home_la):
    return factories.SchoolFactory(urn=111111, name="Oak Tree Primary", la=home_la)


@pytest.fixture
def beech(home_la):
    return factories.SchoolFactory(urn=222222, name="Beech House Special", la=home_la)


@pytest.fixture
def ada(oak):
    return pupil_with_plan(
        oak,
        given_name="Ada",
        family_name="Lovelace",
        issued_on=TODAY - dt.timedelta(days=200),
        starts_on=TODAY - dt.timedelta(days=200),
        lsa_hours=Decimal("20"),
    )


def type_date(page, day: dt.date) -> None:
    """Fill a GOV.UK date input from its Day box onwards."""
    tab_to(page, page.get_by_label("Day", exact=True))
    page.keyboard.type(str(day.day))
    page.keyboard.press("Tab")
    page.keyboard.type(str(day.month))
    page.keyboard.press("Tab")
    page.keyboard.type(str(day.year))


def test_la_officer_finds_a_pupil_changes_support_from_a_date_and_sees_it_in_the_timeline(
    page, ada
):
    factories.la_officer(username="olu", first_name="Olu", last_name="Officer")
    sign_in(page, "olu")

    # Find the pupil from the start page.
    tab_to(page, page.get_by_label("Name or UPN"))
    page.keyboard.type("Lovelace")
    page.keyboard.press("Enter")
    page.wait_for_url("**/pupils/?q=Lovelace")
    tab_to(page, page.get_by_role("link", name="Ada Lovelace"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")

    # Change support from a week ago: a backdated change.
    tab_to(page, page.get_by_role("link", name="Change support"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Change support")
    effective = TODAY - dt.timedelta(days=7)
    type_date(page, effective)
    page.keyboard.press("Tab")  # LSA hours, filled in with the current 20
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("25")
    tab_to(page, page.get_by_label("Reason"))
    page.keyboard.type("Annual review: more support agreed")
    tab_to(page, page.get_by_role("button", name="Change support"))
    page.keyboard.press("Enter")

    page.wait_for_url("**#timeline")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Support for Ada Lovelace changed from {effective:%-d %B %Y}: 25 h LSA."
    )
    newest = page.locator("table.app-timeline tbody tr").first
    expect(newest).to_contain_text("25 h LSA")
    expect(newest).to_contain_text("Backdated")
    expect(newest).to_contain_text("By Olu Officer")
    expect(newest).to_contain_text("Annual review: more support agreed")
    assert SupportLevel.objects.get(plan__pupil=ada, effective_to=None).effective_from == effective


def test_la_officer_moves_a_pupil_on_a_managed_move(page, ada, beech):
    factories.la_officer(username="olu")
    sign_in(page, "olu")
    page.goto(f"/pupils/{ada.upn}/")

    tab_to(page, page.get_by_role("link", name="Move to another school"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Move to another school")
    new_school = page.get_by_label("New school")
    tab_to(page, new_school)
    page.keyboard.type("Beech")
    expect(new_school).to_have_value(str(beech.pk))
    moves_on = TODAY + dt.timedelta(days=3)
    type_date(page, moves_on)
    tab_to(page, page.get_by_label("Phase transfer"))
    page.keyboard.press("ArrowDown")  # Casual admission
    page.keyboard.press("ArrowDown")  # Managed move
    expect(page.get_by_label("Managed move")).to_be_checked()
    tab_to(page, page.get_by_label("Reason"))
    page.keyboard.type("Managed move agreed by both heads")
    tab_to(page, page.get_by_role("button", name="Move pupil"))
    page.keyboard.press("Enter")

    page.wait_for_url("**#timeline")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Ada Lovelace moves to Beech House Special on {moves_on:%-d %B %Y} (managed move)."
    )
    expect(page.locator("table.app-timeline")).to_contain_text("Beech House Special (222222)")
    expect(page.locator("table.app-timeline")).to_contain_text("managed move")
    new = Placement.objects.get(pupil=ada, school=beech)
    assert (new.starts_on, new.admission_kind) == (moves_on, "managed_move")


def test_la_officer_sees_errors_named_by_field_and_can_follow_the_summary_link(page, ada):
    factories.la_officer(username="olu")
    sign_in(page, "olu")
    page.goto(f"/pupils/{ada.upn}/leave/")
    tab_to(page, page.get_by_role("button", name="Record leaving"))
    page.keyboard.press("Enter")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    expect(summary).to_contain_text("Enter the pupil's last day on roll")
    expect(summary).to_contain_text("Enter the reason for this change")
    tab_to(page, summary.get_by_role("link", name="Enter the pupil's last day on roll"))
    page.keyboard.press("Enter")
    expect(page.get_by_label("Day", exact=True)).to_be_focused()


def test_school_business_manager_sees_only_their_school(page, ada, beech):
    other = pupil_with_plan(beech, given_name="Yusuf", family_name="Birchwood")
    factories.school_manager(ada.placements.get().school, username="sam")
    sign_in(page, "sam")

    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link", name="My school")).to_be_visible()
    expect(navigation.get_by_role("link", name="Schools")).to_have_count(0)
    expect(navigation.get_by_role("link", name="Pupils")).to_have_count(0)

    tab_to(page, navigation.get_by_role("link", name="My school"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Oak Tree Primary")
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    expect(page.get_by_text("Birchwood")).to_have_count(0)

    # Another school's pages and pupils, and the LA-only lists.
    for url, status in [
        (f"/schools/{beech.urn}/", 404),
        (f"/schools/{beech.urn}/?_export=csv", 404),
        (f"/pupils/{other.upn}/", 404),
        ("/schools/", 403),
        ("/pupils/", 403),
        (f"/pupils/{ada.upn}/move/", 403),
    ]:
        response = page.goto(url)
        assert response.status == status, url
        expect(page.get_by_text("Birchwood")).to_have_count(0)

    # Their own pupil's page is readable, with no change buttons.
    page.goto(f"/pupils/{ada.upn}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(page.get_by_role("link", name="Change support")).to_have_count(0)

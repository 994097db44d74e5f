"""Issue 16 §7: the admin's history pages (django-simple-history) load under the real Content
Security Policy with no console errors (the `page` fixture fails on any CSP violation)."""

import pytest
from playwright.sync_api import expect

from pupils.models import SupportLevel
from tests import factories
from tests.e2e.conftest import sign_in
from tests.e2e.data import pupil_with_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_admin_history_pages_raise_no_csp_errors(page, home_la):
    school = factories.SchoolFactory(la=home_la, name="Oak Tree Primary")
    pupil = pupil_with_plan(school, given_name="Ada", family_name="Lovelace")
    support = SupportLevel.objects.get(plan__pupil=pupil)
    factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    sign_in(page, "root")
    for url in (
        f"/admin/pupils/pupil/{pupil.pk}/history/",
        f"/admin/pupils/supportlevel/{support.pk}/history/",
    ):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_contain_text("history")
    version = pupil.history.order_by("history_id").first().history_id
    page.goto(f"/admin/pupils/pupil/{pupil.pk}/history/{version}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

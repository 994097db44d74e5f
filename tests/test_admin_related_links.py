"""Issue 16 §4: no admin page shows a link its user cannot open. A panel member may view pupils
and placements in the admin but not user accounts or local authorities, so the read-only change
form names the person who recorded a row and the pupil's home LA as plain text; a system admin
(who may open them) gets the links."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests import factories
from tests.e2e.data import pupil_with_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def placement(home_la):
    school = factories.SchoolFactory(la=home_la)
    pupil = pupil_with_plan(school)
    placement = pupil.placements.get()
    placement.recorded_by = factories.la_officer(username="recorder")
    placement.save()
    return placement


def _html(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_panel_member_sees_no_admin_link_to_records_they_cannot_open(client, placement):
    panel = factories.panel_member(username="panel")
    user_admin = reverse("admin:auth_user_change", args=[placement.recorded_by.pk])
    la_admin = reverse("admin:schools_localauthority_change", args=[placement.pupil.home_la.pk])
    html = _html(client, panel, reverse("admin:pupils_placement_change", args=[placement.pk]))
    assert user_admin not in html
    assert "recorder" in html or placement.recorded_by.get_full_name() in html
    html = _html(client, panel, reverse("admin:pupils_pupil_change", args=[placement.pupil.pk]))
    assert la_admin not in html
    assert placement.pupil.home_la.name in html
    # Control: a staff user who may view placements and user accounts gets the link.
    viewer = factories.UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_placement", "view_user"])
    )
    html = _html(client, viewer, reverse("admin:pupils_placement_change", args=[placement.pk]))
    assert user_admin in html

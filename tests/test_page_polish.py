"""Small accessibility and form details (issue 16, section 7): back links and breadcrumbs inside
<main>, labelled search landmarks, no pre-selected run kind, and the import page's GOV.UK error
summary for an empty submit with the results below the h1."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


class _Outline(HTMLParser):
    """Records, for each element of interest, whether it sits inside <main>, in page order."""

    def __init__(self):
        super().__init__()
        self.depth_in_main = 0
        self.found: list[tuple[str, bool, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        inside = self.depth_in_main > 0
        if tag == "main":
            self.depth_in_main += 1
        for name in ("govuk-back-link", "govuk-breadcrumbs", "govuk-error-summary"):
            if name in classes:
                self.found.append((name, inside, attrs))
        if tag == "h1":
            self.found.append(("h1", inside, attrs))
        if attrs.get("role") == "search" or tag == "search":
            self.found.append(("search", inside, attrs))
        if tag == "input" and attrs.get("type") == "radio" and "checked" in attrs:
            self.found.append(("checked-radio", inside, attrs))

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth_in_main -= 1


def outline(response) -> list[tuple[str, bool, dict]]:
    parser = _Outline()
    parser.feed(response.content.decode())
    return parser.found


@pytest.fixture
def officer(db):
    return factories.la_officer(username="officer1")


def test_back_links_and_breadcrumbs_are_inside_main(client, officer):
    from tests.factories import SchoolFactory

    school = SchoolFactory()
    client.force_login(officer)
    for url in (
        reverse("schools:detail", kwargs={"urn": school.urn}),  # breadcrumbs (before_content)
        reverse("funding:run_start"),  # a back link in the content
    ):
        found = [(name, inside) for name, inside, _ in outline(client.get(url))]
        navigation = [f for f in found if f[0] in ("govuk-back-link", "govuk-breadcrumbs")]
        assert navigation, url
        assert all(inside for _, inside in navigation), (url, navigation)


def test_search_landmarks_on_the_home_page_are_labelled(client, officer):
    client.force_login(officer)
    searches = [
        attrs for name, _, attrs in outline(client.get(reverse("home"))) if name == "search"
    ]
    assert [s.get("aria-label") for s in searches] == ["Find a pupil", "Find a school"]


def test_run_start_form_has_no_pre_selected_kind(client, officer):
    client.force_login(officer)
    found = outline(client.get(reverse("funding:run_start")))
    assert [f for f in found if f[0] == "checked-radio"] == []


def test_import_page_empty_submit_shows_a_govuk_error_summary_above_the_h1(client, officer):
    client.force_login(officer)
    response = client.post(reverse("schools:import"), {})
    assert response.status_code == 200
    order = [name for name, _, _ in outline(response) if name in ("govuk-error-summary", "h1")]
    assert order == ["govuk-error-summary", "h1"]
    body = response.content.decode()
    assert "Select what the file contains" in body
    assert "Select a CSV or XLSX file" in body


def test_import_page_lists_a_refused_files_problems_below_the_h1(client, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(officer)
    upload = SimpleUploadedFile("pupils.csv", b"UPN,given_name\nnot-a-upn,Ann\n", "text/csv")
    response = client.post(reverse("schools:import"), {"kind": "pupils", "file": upload})
    assert response.status_code == 422
    names = [name for name, _, _ in outline(response) if name in ("govuk-error-summary", "h1")]
    assert names[:2] == ["govuk-error-summary", "h1"]
    body = response.content.decode()
    assert body.index("<h1") < body.index("Problems in the file")


def test_admin_history_names_the_person_without_a_user_link_they_cannot_open(client, officer):
    """A panel member reads a pupil's history in the admin: who made each change is a name,
    not a link to the user admin they would get 403 on."""
    from pupils.models import Pupil
    from tests.factories import PupilFactory

    pupil = PupilFactory()
    pupil._history_user = officer
    pupil._change_reason = "Corrected the spelling"
    pupil.given_name = "Anna"
    pupil.save()
    panel = factories.panel_member(username="panel1")
    client.force_login(panel)
    url = reverse("admin:pupils_pupil_history", args=[pupil.pk])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert str(officer) in body  # the person is named
    assert reverse("admin:auth_user_change", args=[officer.pk]) not in body
    assert Pupil.history.filter(id=pupil.pk, history_user=officer).exists()

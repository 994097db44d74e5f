"""Cluster privacy (issue 17, High 5; DOMAIN "a school sees only its own pupils", R19).

The rule: pupil names and UPNs of a school go to the LA and to that school's own business
manager (who stands in for its SENCO), never to a cluster host as such. A host acts for the
cluster: they review every request, but a pupil named in a request shows to them by the
school's description only. A host who is also a school's business manager sees that school's
pupils, and no other's. The request form lists pupils only after a school the user acts for is
chosen. A school's funding statement is pupil-level: a `SchoolAccess` link does not open it to a
cluster host who is not the school's business manager (404, like any other school's).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from funding.services import run_allocation
from pupils.services import placement_start, pupil_create
from pupils.upn import make_upn
from schools import roles
from schools.models import SchoolAccess
from tests import factories
from tests.clusters.conftest import (  # noqa: F401 - fixtures
    _fast_passwords,
    make_pupil,
    primary,
    psf_scheme,
    submit,
    world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupils(world, home_la):  # noqa: F811 - fixtures
    """One pupil with a plan at each of North's schools (A, B), one at South's (C), and a
    pupil on roll at A with no plan."""
    w = world
    on = w.today - dt.timedelta(days=400)
    w.pupil_a = make_pupil(home_la, w.a, placed_on=on, issued_on=on)
    w.pupil_b = make_pupil(home_la, w.b, placed_on=on, issued_on=on)
    w.pupil_c = make_pupil(home_la, w.c, placed_on=on, issued_on=on)
    w.no_plan_a = pupil_create(
        upn=make_upn("999", "2001", 20, 998),
        given_name="Nobody",
        family_name="Without-a-plan",
        date_of_birth=dt.date(2015, 5, 1),
        home_la=home_la,
    )
    placement_start(pupil=w.no_plan_a, school=w.a, starts_on=on)
    return w


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _names_upns(*pupils):
    return [x for p in pupils for x in (p.family_name, p.upn)]


def test_r19_host_request_form_lists_no_pupil_of_the_cluster(client, pupils):
    w = pupils
    html = _page(client, w.host_n, reverse("clusters:request_create", args=[w.north.pk]))
    for text in _names_upns(w.pupil_a, w.pupil_b, w.pupil_c):
        assert text not in html
    # The form still asks who the request is for, by description (initials).
    assert 'name="for_whom"' in html
    assert 'name="pupil"' not in html


def test_r19_host_who_is_a_schools_manager_sees_that_schools_pupils_once_chosen(client, pupils):
    w = pupils
    w.host_n.groups.add(Group.objects.get(name=roles.SCHOOL_BUSINESS_MANAGER))
    SchoolAccess.objects.create(user=w.host_n, school=w.a)
    url = reverse("clusters:request_create", args=[w.north.pk])
    # Two member schools to ask for, none chosen yet: the host's own school (A, North's host
    # school) is the default (issue 16 §6), so A's pupils with a plan are listed, not B's.
    html = _page(client, w.host_n, url)
    assert w.pupil_a.upn in html
    for text in _names_upns(w.pupil_b):
        assert text not in html
    # A chosen: A's pupil with a plan, not the one without, nor B's.
    html = _page(client, w.host_n, f"{url}?school={w.a.pk}")
    assert w.pupil_a.upn in html
    assert w.no_plan_a.upn not in html
    assert w.pupil_b.upn not in html
    # B chosen (the host asks for B, but is not B's business manager): none listed.
    html = _page(client, w.host_n, f"{url}?school={w.b.pk}")
    for text in _names_upns(w.pupil_a, w.pupil_b):
        assert text not in html


def test_r19_a_posted_pupil_of_another_school_is_refused(client, pupils):
    w = pupils
    client.force_login(w.senco_a)
    response = client.post(
        reverse("clusters:request_create", args=[w.north.pk]),
        {
            "school": w.a.pk,
            "category": "support_for_learning",
            "pupil": w.pupil_b.pk,
            "for_whom": "Pupil in Year 4 (C.D.)",
            "need": "n",
            "provision": "p",
            "intended_outcomes": "o",
            "amount_requested": "500.00",
            "starts_on_0": w.fy.starts_on.day,
            "starts_on_1": w.fy.starts_on.month,
            "starts_on_2": w.fy.starts_on.year,
            "ends_on_0": w.fy.ends_on.day,
            "ends_on_1": w.fy.ends_on.month,
            "ends_on_2": w.fy.ends_on.year,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not w.north.requests.exists()


def test_r19_a_schools_senco_sees_own_pupils_with_a_plan_at_once(client, pupils):
    w = pupils
    html = _page(client, w.senco_a, reverse("clusters:request_create", args=[w.north.pk]))
    assert w.pupil_a.upn in html
    assert w.no_plan_a.upn not in html
    assert w.pupil_b.upn not in html


def test_r19_host_reviews_a_request_without_the_pupils_upn(client, pupils):
    w = pupils
    req = submit(w, w.a, w.senco_a, pupil=w.pupil_a, for_whom="Pupil in Year 5 (P.N.)")
    detail = reverse("clusters:request_detail", args=[w.north.pk, req.pk])
    listing = reverse("clusters:requests", args=[w.north.pk])
    for url in (detail, listing, f"{listing}?_export=csv"):
        client.force_login(w.host_n)
        html = client.get(url).content.decode()
        assert "Pupil in Year 5 (P.N.)" in html
        assert w.pupil_a.upn not in html
        for user in (w.senco_a, w.officer):
            assert w.pupil_a.upn in _page(client, user, url)


# ---- the statement -----------------------------------------------------------------------------


@pytest.fixture
def statement(psf_scheme, primary, home_la):  # noqa: F811 - fixtures
    """A done FY 2025-26 run for Ashdown with one pupil: top-up 20 h × £15.00 × 39 wk =
    £11,700.00 − £6,000.00 threshold = £5,700.00 (tests/clusters/conftest.py)."""
    pupil = make_pupil(home_la, primary)
    run = run_allocation(fy=2025, kind="initial")
    assert run.status == "done", run.error
    return pupil, reverse("funding:statement", args=[primary.urn, 2025])


def test_cluster_host_linked_to_a_school_cannot_read_its_pupil_level_statement(
    client,
    statement,
    primary,  # noqa: F811 - fixtures
):
    pupil, url = statement
    host = factories.cluster_host(username="linked_host")
    SchoolAccess.objects.create(user=host, school=primary)
    client.force_login(host)
    assert client.get(url).status_code == 404
    assert client.get(f"{url}?_export=csv").status_code == 404
    assert client.get(reverse("funding:school_statements", args=[primary.urn])).status_code == 404


def test_the_schools_manager_reads_the_statement_with_each_pupils_top_up(
    client,
    statement,
    primary,  # noqa: F811 - fixtures
):
    pupil, url = statement
    manager = factories.school_manager(primary, username="ashdown_sbm")
    html = _page(client, manager, url)
    assert pupil.upn in html
    assert "5,700.00" in html
    # A host who is also the school's business manager reads it too.
    both = factories.school_manager(primary, username="host_and_sbm")
    both.groups.add(Group.objects.get(name=roles.CLUSTER_HOST))
    assert pupil.upn in _page(client, both, url)

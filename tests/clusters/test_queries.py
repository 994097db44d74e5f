"""List pages make a constant number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters import services
from clusters.models import AuxiliaryAidsFund
from tests import factories
from tests.clusters.conftest import make_pupil, submit

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_clusters(world, n):
    for i in range(n):
        school = factories.SchoolFactory(la=world.a.la)
        factories.SchoolCensusFactory(
            school=school, census_date=world.fy.starts_on - dt.timedelta(days=60), year_2=50 + i
        )
        cluster = factories.ClusterFactory()
        factories.ClusterMembershipFactory(cluster=cluster, school=school)


def add_requests(world, n):
    for _ in range(n):
        submit(world, world.a, world.senco_a)
        submit(world, world.b, world.senco_b)


def test_cluster_comparison_queries_constant(client, world):
    client.force_login(world.officer)
    url = reverse("clusters:list")
    add_requests(world, 1)
    client.get(url)  # the first request after signing in saves the session once, rows aside
    few = count_queries(client, url)
    add_clusters(world, 6)
    add_requests(world, 5)
    assert count_queries(client, url) == few


def test_request_list_queries_constant(client, world):
    client.force_login(world.host_n)
    url = reverse("clusters:requests", args=[world.north.pk])
    add_requests(world, 1)
    few = count_queries(client, url)
    add_requests(world, 10)
    assert count_queries(client, url) == few


def test_cluster_page_queries_constant(client, world):
    client.force_login(world.senco_a)
    url = reverse("clusters:detail", args=[world.north.pk])
    few = count_queries(client, url)
    for _ in range(5):
        school = factories.SchoolFactory(la=world.a.la)
        factories.SchoolCensusFactory(school=school, census_date=world.today, year_3=20)
        factories.ClusterMembershipFactory(cluster=world.north, school=school)
    add_requests(world, 4)
    assert count_queries(client, url) == few


def test_shares_queries_constant(client, world):
    client.force_login(world.officer)
    url = reverse("clusters:shares")
    few = count_queries(client, url)
    add_clusters(world, 8)
    assert count_queries(client, url) == few


def test_aux_fund_queries_constant(client, world):
    fund = AuxiliaryAidsFund.objects.create(
        financial_year=world.fy.start_year, budget=Decimal("50000")
    )

    def add(n):
        for _ in range(n):
            services.aux_application_submit(
                fund=fund,
                school=world.a,
                child="A child",
                adaptation="A ramp",
                amount_requested=Decimal("100"),
                user=world.senco_a,
            )

    client.force_login(world.officer)
    url = reverse("clusters:aux_fund")
    add(1)
    few = count_queries(client, url)
    add(12)
    assert count_queries(client, url) == few


def test_psf_pages_queries_constant(client, psf_scheme, primary, primary_b, home_la, la_officer):
    client.force_login(la_officer)
    make_pupil(home_la, primary)
    pupils_url = reverse("clusters:psf_pupils")
    forecast_url = reverse("clusters:psf_forecast") + "?fy=2025"
    few = (count_queries(client, pupils_url), count_queries(client, forecast_url))
    for school in (primary, primary_b) * 4:
        make_pupil(home_la, school)
    assert (count_queries(client, pupils_url), count_queries(client, forecast_url)) == few

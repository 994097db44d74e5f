"""What cluster work puts on the home page for each role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.clusters.conftest import submit

pytestmark = pytest.mark.django_db


def tasks(client, user) -> dict:
    client.force_login(user)
    response = client.get(reverse("home"))
    return {t["title"]: t for t in response.context["tasks"]}


def test_host_sees_requests_awaiting_review(client, world):
    submit(world, world.a, world.senco_a)
    submit(world, world.c, world.senco_c)  # South: not the North host's
    item = tasks(client, world.host_n)["Requests awaiting review: North Cluster"]
    assert item["count"] == 1


def test_senco_is_linked_to_their_cluster(client, world):
    item = tasks(client, world.senco_c)["Your cluster: South Cluster"]
    assert item["url"] == reverse("clusters:detail", args=[world.south.pk])


def test_officer_sees_auxiliary_aids_waiting(client, world):
    items = tasks(client, world.officer)
    assert items["Auxiliary aids applications awaiting a decision"]["count"] == 0
    assert "Clusters" in items

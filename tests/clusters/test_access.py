"""Every cluster URL × role (R19 and the DOMAIN's "a school sees only its own pupils"): another
cluster's host and another school's SENCO get 404 (or 403 for pages their role never has)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from clusters import services
from clusters.models import AuxiliaryAidsFund, Decision
from tests.clusters.conftest import submit

pytestmark = pytest.mark.django_db

USERS = ["officer", "host_n", "host_s", "senco_a", "senco_b", "senco_c", "panel"]

# url name -> (kwargs keys, expected status for each of USERS)
EXPECTED = {
    "list": ((), [200, 302, 302, 302, 302, 302, 403]),
    "detail": (("north",), [200, 200, 404, 200, 200, 404, 403]),
    "requests": (("north",), [200, 200, 404, 200, 200, 404, 403]),
    "request_create": (("north",), [403, 200, 404, 200, 200, 404, 403]),
    "request_detail": (("north", "req_a"), [200, 200, 404, 200, 404, 404, 403]),
    "request_review": (("north", "req_a"), [403, 200, 404, 403, 404, 404, 403]),
    "request_impact": (("north", "approved_a"), [403, 200, 404, 200, 404, 404, 403]),
    "request_withdraw": (("north", "req_a"), [403, 200, 404, 200, 404, 404, 403]),
    "meetings": (("north",), [200, 200, 404, 200, 200, 404, 403]),
    "meeting_detail": (("north", "meeting_n"), [200, 200, 404, 200, 200, 404, 403]),
    "meeting_edit": (("north", "meeting_n"), [200, 200, 404, 403, 403, 404, 403]),
    "shares": ((), [200, 403, 403, 403, 403, 403, 403]),
    "pot_edit": (("fy",), [200, 403, 403, 403, 403, 403, 403]),
    "psf_forecast": ((), [200, 403, 403, 403, 403, 403, 403]),
    "psf_pupils": ((), [200, 403, 403, 403, 403, 403, 403]),
    "aux_fund": ((), [200, 403, 403, 200, 200, 200, 403]),
    "aux_fund_edit": (("fy",), [200, 403, 403, 403, 403, 403, 403]),
    "aux_apply": ((), [200, 403, 403, 200, 200, 200, 403]),
    "aux_decide": (("application",), [200, 403, 403, 403, 403, 403, 403]),
}


@pytest.fixture
def objects(world):
    w = world
    w.req_a = submit(w, w.a, w.senco_a)
    approved = submit(w, w.a, w.senco_a, amount="1500.00")
    w.approved_a = services.request_review(
        request=approved,
        meeting=w.meeting_n,
        decision=Decision.APPROVED,
        reasons="Agreed",
        user=w.host_n,
    )
    fund = AuxiliaryAidsFund.objects.create(financial_year=w.fy.start_year, budget=Decimal("9000"))
    w.application = services.aux_application_submit(
        fund=fund,
        school=w.a,
        child="Wheelchair user in Year 2",
        adaptation="Ramp",
        amount_requested=Decimal("4000"),
        user=w.senco_a,
    )
    return w


def _args(w, keys):
    values = {
        "north": w.north.pk,
        "req_a": w.req_a.pk,
        "approved_a": w.approved_a.pk,
        "meeting_n": w.meeting_n.pk,
        "fy": w.fy.start_year,
        "application": w.application.pk,
    }
    return [values[k] for k in keys]


CASES = [
    (name, user, status)
    for name, (_keys, statuses) in EXPECTED.items()
    for user, status in zip(USERS, statuses, strict=True)
]


@pytest.mark.parametrize(("name", "user", "status"), CASES)
def test_r19_every_cluster_url_by_role(client, objects, name, user, status):
    w = objects
    client.force_login(getattr(w, user))
    url = reverse(f"clusters:{name}", args=_args(w, EXPECTED[name][0]))
    assert client.get(url).status_code == status


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_cluster_url_needs_sign_in(client, objects, name):
    url = reverse(f"clusters:{name}", args=_args(objects, EXPECTED[name][0]))
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_another_schools_senco_cannot_post_a_review_or_impact(client, objects):
    w = objects
    client.force_login(w.senco_b)
    review = reverse("clusters:request_review", args=[w.north.pk, w.req_a.pk])
    impact = reverse("clusters:request_impact", args=[w.north.pk, w.approved_a.pk])
    assert client.post(review, {"decision": "approved"}).status_code == 404
    assert client.post(impact, {"outcomes": "x"}).status_code == 404
    w.req_a.refresh_from_db()
    assert w.req_a.status == "submitted"


def test_senco_sees_only_own_schools_requests_and_export(client, objects):
    w = objects
    submit(w, w.b, w.senco_b, for_whom="Pupil in Year 5 (Z.Q.)")
    client.force_login(w.senco_a)
    response = client.get(reverse("clusters:requests", args=[w.north.pk]))
    schools = {r.school.name for r in response.context["table"].data}
    assert schools == {"Ash Primary School"}
    export = client.get(reverse("clusters:requests", args=[w.north.pk]) + "?_export=csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert "Total" in rows[-1].values()  # the export's total row under the money columns
    rows = rows[:-1]
    assert {r["School"] for r in rows} == {"Ash Primary School"}
    assert all("Z.Q." not in r["Pupil or group"] for r in rows)


def test_senco_cluster_page_shows_totals_not_other_schools_pupils(client, objects):
    w = objects
    submit(w, w.b, w.senco_b, for_whom="Pupil in Year 5 (Z.Q.)")
    client.force_login(w.senco_a)
    response = client.get(reverse("clusters:detail", args=[w.north.pk]))
    assert response.status_code == 200
    assert "Z.Q." not in response.content.decode()
    # The cluster's totals are there: share £50,500.00, committed £1,500.00 (the approved request).
    assert response.context["budget"].share == Decimal("50500.00")
    assert response.context["budget"].committed == Decimal("1500.00")


def test_host_sees_every_request_of_their_cluster(client, objects):
    w = objects
    submit(w, w.b, w.senco_b)
    submit(w, w.c, w.senco_c)
    client.force_login(w.host_n)
    response = client.get(reverse("clusters:requests", args=[w.north.pk]))
    schools = {r.school.name for r in response.context["table"].data}
    assert schools == {"Ash Primary School", "Birch Primary School"}


def test_officer_compares_all_clusters(client, objects):
    w = objects
    client.force_login(w.officer)
    response = client.get(reverse("clusters:list"))
    rows = {r.name: r for r in response.context["table"].data}
    # North: share £50,500.00 for 500 pupils = £101.00 a pupil; approved £1,500.00 / 500 = £3.00.
    assert rows["North Cluster"].pot_per_pupil == Decimal("101.00")
    assert rows["North Cluster"].approved_per_pupil == Decimal("3.00")
    # South: £49,500.00 / 500 = £99.00 a pupil, nothing approved.
    assert rows["South Cluster"].pot_per_pupil == Decimal("99.00")
    assert rows["South Cluster"].approved_per_pupil == Decimal("0.00")


def test_shares_export_xlsx_and_csv(client, objects):
    client.force_login(objects.officer)
    url = reverse("clusters:shares")
    csv_response = client.get(url + "?_export=csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert [(r["Cluster"], r["Share"]) for r in rows if r["Cluster"] != "Total"] == [
        ("North Cluster", "50500.00"),
        ("South Cluster", "49500.00"),
    ]
    xlsx = client.get(url + "?_export=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"

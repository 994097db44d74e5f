"""Issue 17, High #4: nobody deletes money history.

Done or approved allocation runs and their lines, monthly returns and their lines, SEN Panel
decisions, support levels and budget snapshots cannot be deleted in the admin by any role,
superuser included; and PostgreSQL itself refuses to delete a done run, its lines, a decision,
a return or a snapshot (migration funding 0003), while a failed run may still be deleted.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse

from funding.models import AllocationLine, AllocationRun, RunStatus
from tests.security.conftest import ROLES, make_role_user

pytestmark = pytest.mark.django_db

KEPT = [
    "funding.AllocationRun",
    "funding.AllocationLine",
    "returns.MonthlyReturn",
    "returns.ReturnLine",
    "panel.PanelDecision",
    "pupils.SupportLevel",
    "reports.BudgetSnapshot",
]


def _kept_row(label: str):
    model = apps.get_model(label)
    rows = model.objects.order_by("pk")
    if label == "funding.AllocationRun":
        rows = rows.filter(status=RunStatus.DONE)
    if label == "funding.AllocationLine":
        rows = rows.filter(run__status=RunStatus.DONE)
    row = rows.first()
    assert row is not None, f"the demo has no {label}"
    return row


@pytest.mark.parametrize("label", KEPT)
def test_no_admin_offers_to_delete_money_history_even_to_a_superuser(demo, label):
    model = apps.get_model(label)
    request = RequestFactory().get("/admin/")
    request.user = make_role_user("superuser")
    model_admin = admin.site._registry[model]
    row = _kept_row(label)
    assert not model_admin.has_delete_permission(request, row)
    assert not model_admin.has_delete_permission(request)  # the bulk action too


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", KEPT)
def test_the_admin_delete_page_deletes_nothing_for_any_role(demo, client, role, label):
    client.force_login(make_role_user(role))
    model = apps.get_model(label)
    row = _kept_row(label)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_delete", args=[row.pk])

    response = client.post(url, {"post": "yes"})

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/login/" in response["Location"]  # not staff: sent to sign in
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize(
    "label",
    [
        "funding.AllocationRun",
        "funding.AllocationLine",
        "returns.MonthlyReturn",
        "panel.PanelDecision",
        "reports.BudgetSnapshot",
    ],
)
def test_postgresql_refuses_to_delete_money_history(demo, label):
    row = _kept_row(label)
    with pytest.raises(IntegrityError, match="never deleted"), transaction.atomic():
        type(row).objects.filter(pk=row.pk).delete()
    assert type(row).objects.filter(pk=row.pk).exists()


def test_a_failed_run_and_its_lines_may_still_be_deleted(demo):
    done = _kept_row("funding.AllocationRun")
    failed = AllocationRun.objects.create(
        financial_year=done.financial_year,
        kind=done.kind,
        scheme=done.scheme,
        status=RunStatus.FAILED,
    )
    line = AllocationLine.objects.filter(run=done).first()
    line.pk = None
    line.run = failed
    line.save()

    failed.delete()

    assert not AllocationRun.objects.filter(pk=failed.pk).exists()
    assert AllocationLine.objects.filter(run=done).exists()


def test_deleting_a_pupil_with_support_levels_is_refused_in_the_admin(demo, client):
    """Support levels go with their plan and pupil (CASCADE): the admin refuses the cascade."""
    client.force_login(make_role_user("superuser"))
    level = _kept_row("pupils.SupportLevel")
    pupil = level.plan.pupil
    url = reverse("admin:pupils_pupil_delete", args=[pupil.pk])

    response = client.post(url, {"post": "yes"})

    assert response.status_code in (200, 403)  # the "cannot delete" page, or refused
    assert type(level).objects.filter(pk=level.pk).exists()

"""Issue 17, High #1: the history pages of the admin are for reading only.

django-simple-history's "revert" form saved a past version over the current row for anyone who
could *view* the model (the SEN Panel member changed LSA hours and moved a pupil). Every model
with history, as every role: the history list and a past version open only where the user may
view the model, and a POST to a past version is refused and changes nothing, superuser included.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db.models import Model
from django.forms.models import model_to_dict
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from pupils.models import Placement, SupportLevel
from schools.admin_history import HistoryAdmin
from schools.models import School
from tests.security.conftest import ROLES, make_role_user

pytestmark = pytest.mark.django_db

HISTORY_ADMINS = sorted(
    (model._meta.label, model)
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, SimpleHistoryAdmin)
)


def _snapshot(obj: Model) -> dict:
    obj.refresh_from_db()
    return {**model_to_dict(obj), "history": obj.history.count()}


def _urls(model, obj) -> tuple[str, str]:
    info = (model._meta.app_label, model._meta.model_name)
    version = obj.history.order_by("history_id").first()
    return (
        reverse("admin:{}_{}_history".format(*info), args=[obj.pk]),
        reverse("admin:{}_{}_simple_history".format(*info), args=[obj.pk, version.history_id]),
    )


def test_every_model_with_history_uses_the_read_only_history_admin():
    assert HISTORY_ADMINS, "no model with history is registered"
    plain = [
        label
        for label, model in HISTORY_ADMINS
        if not isinstance(admin.site._registry[model], HistoryAdmin)
    ]
    assert plain == []


@pytest.mark.parametrize("role", ROLES)
def test_history_is_viewable_only_with_view_permission_and_never_reverted(demo, client, role):
    user = make_role_user(role)
    client.force_login(user)
    problems, checked = [], 0
    for label, model in HISTORY_ADMINS:
        recorded = model.history.model.objects.values(model._meta.pk.attname)
        obj = model._default_manager.filter(pk__in=recorded).order_by("pk").first()
        if obj is None:
            continue
        checked += 1
        history_url, version_url = _urls(model, obj)
        may_view = user.is_staff and (
            user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
            or user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}")
        )
        for url in (history_url, version_url):
            status = client.get(url).status_code
            if (status == 200) != may_view:
                problems.append(f"GET {url} answered {status} (may view: {may_view})")
        before = _snapshot(obj)
        # The version's own fields, posted back (what the revert form's "Save" sends).
        data = {k: v for k, v in model_to_dict(obj).items() if v is not None}
        response = client.post(version_url, data)
        if response.status_code not in (302, 403) or (
            response.status_code == 302 and "/login/" not in response["Location"]
        ):
            problems.append(f"POST {version_url} answered {response.status_code}")
        if _snapshot(obj) != before:
            problems.append(f"POST {version_url} changed {label} {obj.pk}")
    assert checked >= 20, f"only {checked} models with history had a row to try"
    assert problems == []


def test_r_panel_member_cannot_change_lsa_hours_through_the_history_form(demo, client):
    """The issue's own attack: a view-only panel member posts new hours and band to a support
    level's past version; the support level keeps its hours and band."""
    member = make_role_user("panel_member")
    client.force_login(member)
    level = SupportLevel.objects.order_by("pk").first()
    version = level.history.order_by("history_id").first()
    data = {**model_to_dict(level), "lsa_hours": "32.5", "band": 5}
    data = {k: v for k, v in data.items() if v is not None}
    url = reverse("admin:pupils_supportlevel_simple_history", args=[level.pk, version.history_id])

    response = client.post(url, data)

    assert response.status_code == 403
    before_hours, before_band = level.lsa_hours, level.band
    level.refresh_from_db()
    assert (level.lsa_hours, level.band) == (before_hours, before_band)


def test_superuser_cannot_move_a_pupil_to_another_school_through_the_history_form(demo, client):
    client.force_login(make_role_user("superuser"))
    placement = Placement.objects.order_by("pk").first()
    elsewhere = School.objects.exclude(pk=placement.school_id).order_by("pk").first()
    version = placement.history.order_by("history_id").first()
    data = {k: v for k, v in model_to_dict(placement).items() if v is not None}
    data["school"] = elsewhere.pk
    url = reverse("admin:pupils_placement_simple_history", args=[placement.pk, version.history_id])

    response = client.post(url, data)

    assert response.status_code == 403
    placement.refresh_from_db()
    assert placement.school_id != elsewhere.pk


def test_a_past_version_is_shown_without_a_revert_button(demo, client):
    client.force_login(make_role_user("superuser"))
    level = SupportLevel.objects.order_by("pk").first()
    version = level.history.order_by("history_id").first()
    url = reverse("admin:pupils_supportlevel_simple_history", args=[level.pk, version.history_id])

    response = client.get(url)

    assert response.status_code == 200
    assert b"Revert" not in response.content
    assert b'name="_save"' not in response.content

"""The role groups get the panel's admin permissions, and get them back after a flush."""

import pytest
from django.contrib.auth.models import Group

from funding.panel.permissions import GRANTS, grant_role_permissions
from schools.roles import LA_OFFICER, PANEL_MEMBER

pytestmark = pytest.mark.django_db


def _codenames(group_name):
    return set(
        Group.objects.get(name=group_name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    )


def test_la_officers_add_and_change_cases_and_view_decisions(db):
    assert _codenames(LA_OFFICER) >= {
        ("panel", "add_panelcase"),
        ("panel", "change_panelcase"),
        ("panel", "view_paneldecision"),
    }
    assert ("panel", "add_paneldecision") not in _codenames(LA_OFFICER)


def test_panel_members_have_every_panel_permission_and_view_pupils(db):
    assert _codenames(PANEL_MEMBER) >= set(GRANTS[PANEL_MEMBER])


def test_grants_come_back_when_lost(db):
    Group.objects.get(name=PANEL_MEMBER).permissions.clear()

    grant_role_permissions()

    assert _codenames(PANEL_MEMBER) >= set(GRANTS[PANEL_MEMBER])

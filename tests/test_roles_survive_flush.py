"""Role groups come back after a test flush (post_migrate), not only after migrate."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from schools.roles import ALL_ROLES


@pytest.mark.django_db(transaction=True)
def test_role_groups_are_recreated_after_a_flush():
    call_command("flush", interactive=False, verbosity=0)
    assert set(Group.objects.values_list("name", flat=True)) >= set(ALL_ROLES)

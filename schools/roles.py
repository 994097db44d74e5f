"""Roles are Django groups; these helpers are the one place that knows their names."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

LA_OFFICER = "LA officer"
SCHOOL_BUSINESS_MANAGER = "School business manager"
PANEL_MEMBER = "SEN Panel member"
CLUSTER_HOST = "Cluster host"
ADMIN = "Admin"

ALL_ROLES = (LA_OFFICER, SCHOOL_BUSINESS_MANAGER, PANEL_MEMBER, CLUSTER_HOST, ADMIN)
#: Roles whose work is partly in the Django admin: joining one makes the user staff.
ADMIN_ROLES = (LA_OFFICER, PANEL_MEMBER, ADMIN)


def role_names(user: User | AnonymousUser) -> frozenset[str]:
    """The user's group names, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in role_names(user)


def is_la_officer(user) -> bool:
    """LA officers (and system admins) see every school's data."""
    return user.is_authenticated and (
        user.is_superuser or bool(role_names(user) & {LA_OFFICER, ADMIN})
    )


def is_panel_member(user) -> bool:
    return user.is_authenticated and (user.is_superuser or PANEL_MEMBER in role_names(user))


def is_school_user(user) -> bool:
    return SCHOOL_BUSINESS_MANAGER in role_names(user) and not is_la_officer(user)


def is_cluster_host(user) -> bool:
    return CLUSTER_HOST in role_names(user)

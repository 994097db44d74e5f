"""Model permissions the SEN Panel needs in the Django admin, per role group.

LA officers prepare cases (add, change and view cases; view meetings and decisions; view pupils and
schools to pick them). SEN Panel members may add, change and view the panel models - never delete
them: meetings, cases and decisions are the record - and view pupils, placements, plans, support
levels, funding items and schools. Users also need `is_staff` to enter the admin; the services check
the role again (only panel members decide).

Granted by migration 0002 and again after every migrate or flush (post_migrate), so a database that
lost them - a test database flushed by transactional tests - gets them back.
"""

from __future__ import annotations

from django.apps import apps as global_apps

from schools.roles import LA_OFFICER, PANEL_MEMBER

PANEL_MODELS = ("panelmeeting", "panelcase", "paneldecision")

GRANTS: dict[str, list[tuple[str, str]]] = {
    LA_OFFICER: [
        ("panel", "add_panelcase"),
        ("panel", "change_panelcase"),
        ("panel", "view_panelcase"),
        ("panel", "view_panelmeeting"),
        ("panel", "view_paneldecision"),
        ("pupils", "view_pupil"),
        ("schools", "view_school"),
    ],
    PANEL_MEMBER: [
        *[
            ("panel", f"{action}_{model}")
            for model in PANEL_MODELS
            for action in ("add", "change", "view")
        ],
        ("pupils", "view_pupil"),
        ("pupils", "view_placement"),
        ("pupils", "view_plan"),
        ("pupils", "view_supportlevel"),
        ("pupils", "view_fundingitem"),
        ("schools", "view_school"),
    ],
}


def grant_role_permissions(apps=global_apps, using: str = "default") -> None:
    """Give the role groups their panel permissions (idempotent; missing ones are skipped)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, grants in GRANTS.items():
        group, _ = Group.objects.using(using).get_or_create(name=group_name)
        wanted = [
            p
            for app_label, codename in grants
            for p in Permission.objects.using(using).filter(
                content_type__app_label=app_label, codename=codename
            )
        ]
        group.permissions.add(*wanted)
    # Nobody but a system administrator deletes panel records (an earlier grant gave members it).
    for group in Group.objects.using(using).filter(name__in=list(GRANTS)):
        group.permissions.remove(
            *Permission.objects.using(using).filter(
                content_type__app_label="panel", codename__startswith="delete_"
            )
        )


def on_post_migrate(sender, app_config=None, using="default", apps=global_apps, **kwargs):
    grant_role_permissions(apps=apps, using=using)

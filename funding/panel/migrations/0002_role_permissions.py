"""Model permissions for the SEN Panel in the Django admin.

LA officers prepare cases (add, change and view cases; view meetings and decisions; view pupils
and schools to pick them). SEN Panel members may do everything with the panel models and view
pupils, placements, plans, support levels, funding items and schools. Users still need
`is_staff` to enter the admin; the services check the role again (only panel members decide).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LA_OFFICER = "LA officer"
PANEL_MEMBER = "SEN Panel member"

PANEL_MODELS = ["panelmeeting", "panelcase", "paneldecision"]

GRANTS = {
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
            for action in ("add", "change", "delete", "view")
        ],
        ("pupils", "view_pupil"),
        ("pupils", "view_placement"),
        ("pupils", "view_plan"),
        ("pupils", "view_supportlevel"),
        ("pupils", "view_fundingitem"),
        ("schools", "view_school"),
    ],
}


def _ensure_permissions(apps):
    """Permissions are normally made after migrate; make them now so they can be granted."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def grant(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, grants in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for app_label, codename in grants:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, grants in GRANTS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        # Only the panel's own permissions: other apps may grant the pupils/schools ones too.
        for app_label, codename in grants:
            if app_label != "panel":
                continue
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("panel", "0001_initial"),
        ("pupils", "0001_initial"),
        ("schools", "0002_extensions_and_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

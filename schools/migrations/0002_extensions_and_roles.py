from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

ROLES = ["LA officer", "School business manager", "SEN Panel member", "Cluster host", "Admin"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    """btree_gist lets exclusion constraints compare ids with `=` beside date ranges (PostgreSQL only)."""

    dependencies = [("schools", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]

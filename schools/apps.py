from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_role_groups(sender, using="default", **kwargs):
    """Every role is a group. Runs after migrate and after a test flush (which empties tables)."""
    from django.contrib.auth.models import Group

    from schools.roles import ALL_ROLES

    for name in ALL_ROLES:
        Group.objects.using(using).get_or_create(name=name)


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Schools and LAs"

    def ready(self):
        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="ensure_role_groups")

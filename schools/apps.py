from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate


def ensure_role_groups(sender, using="default", **kwargs):
    """Every role is a group. Runs after migrate and after a test flush (which empties tables)."""
    from django.contrib.auth.models import Group

    from schools.roles import ALL_ROLES

    for name in ALL_ROLES:
        Group.objects.using(using).get_or_create(name=name)


def staff_for_admin_roles(sender, instance, action, reverse, pk_set, **kwargs):
    """SEN Panel members and LA officers work in the Django admin (the panel's meetings and
    cases), so joining either group makes the user staff. Leaving it changes nothing: a system
    admin decides who else keeps admin access."""
    from django.contrib.auth.models import Group, User

    from schools.roles import ADMIN_ROLES

    if action != "post_add" or not pk_set:
        return
    if reverse:  # group.user_set.add(users)
        if instance.name in ADMIN_ROLES:
            User.objects.filter(pk__in=pk_set, is_staff=False).update(is_staff=True)
    elif Group.objects.filter(pk__in=pk_set, name__in=ADMIN_ROLES).exists():
        if not instance.is_staff:
            User.objects.filter(pk=instance.pk).update(is_staff=True)
            instance.is_staff = True


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Schools and LAs"

    def ready(self):
        from django.contrib.auth.models import User

        from schools.admin_history import install_permission_aware_related_links

        install_permission_aware_related_links()

        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="ensure_role_groups")
        m2m_changed.connect(
            staff_for_admin_roles, sender=User.groups.through, dispatch_uid="staff_for_admin_roles"
        )

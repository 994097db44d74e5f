from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PanelConfig(AppConfig):
    name = "funding.panel"
    label = "panel"
    verbose_name = "SEN Panel"

    def ready(self):
        from funding.panel.permissions import on_post_migrate

        # After auth has made this app's permissions (its receiver is connected first).
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="panel_role_permissions")

        from funding.panel.selectors import register_extensions

        register_extensions()  # the home page count and the pupil timeline's decisions

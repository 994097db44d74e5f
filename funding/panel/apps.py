from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "funding.panel"
    label = "panel"
    verbose_name = "SEN Panel"
